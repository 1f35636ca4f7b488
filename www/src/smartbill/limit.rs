//! The V1 rate limiter (reference §3.5, peers.md §(c)2): 30 calls per 10-second window per token;
//! the 31st call starts a 10-minute block during which every call is refused.
//!
//! * The window is a reading (`rateWindow`; the reference allows sliding or fixed, peers.md):
//!   strict, **sliding** — the 31st call within any 10 s blocks, whatever windows a client
//!   believes in (the least convenient: it refuses everything a fixed window refuses); lenient,
//!   **fixed** — a window starts at the first call after the previous one ended.
//! * Headers on every answer: `X-RateLimit-Limit`, `X-RateLimit-Remaining` (calls left in the
//!   window), `X-RateLimit-Reset` (Unix seconds when the next window starts; while blocked, when
//!   the block ends [INF]).
//! * Blocked status: the `lockoutStatus` reading — 403 by default (old spec, and what clients
//!   record live), 429 under the lenient reading (new spec). Body: the classic envelope with the text recorded live by several clients; its end
//!   after "10 min" is cut in the sources, so the final "." is [INF].
//! * `extend_block_on_retry` (default false): one source says retrying during the block resets
//!   the timer.
//! * The key is the token sent in Basic auth, valid or not [INF]; calls without credentials share
//!   one anonymous bucket.
//!
//! All times are virtual milliseconds from the sandbox clock, so tests can speed them up.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub const BLOCKED_TEXT: &str =
    "Ai depasit limita maxima de requesturi admisa. Vei putea executa alte requesturi dupa 10 min.";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LimitConfig {
    pub calls: u32,
    pub window_ms: i64,
    pub block_ms: i64,
    pub extend_block_on_retry: bool,
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            calls: 30,
            window_ms: 10_000,
            block_ms: 600_000,
            extend_block_on_retry: false,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Bucket {
    window_start: Option<i64>,
    count: u32,
    blocked_until: Option<i64>,
    /// Sliding window: the arrival times of the calls counted, oldest first.
    times: std::collections::VecDeque<i64>,
}

/// How calls are counted (the `rateWindow` reading).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// At most `calls` in any `window_ms`.
    Sliding,
    /// A window starts at the first call after the previous one ended.
    Fixed,
}

#[derive(Clone, Debug, Default)]
pub struct Limiter {
    pub config: LimitConfig,
    buckets: HashMap<String, Bucket>,
}

/// What the limiter decided for one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `Some(status)` when the call is refused.
    pub blocked: Option<u16>,
    pub headers: Vec<(String, String)>,
}

fn ceil_secs(ms: i64) -> i64 {
    (ms + 999).div_euclid(1000)
}

impl Limiter {
    /// Counts one call of `token` at `now_ms`; a refused call gets `status` (403 or 429).
    pub fn hit(&mut self, token: &str, now_ms: i64, status: u16, window: Window) -> Verdict {
        let cfg = self.config.clone();
        let b = self.buckets.entry(token.to_string()).or_default();
        if let Some(until) = b.blocked_until {
            if now_ms < until {
                if cfg.extend_block_on_retry {
                    b.blocked_until = Some(now_ms + cfg.block_ms);
                }
                let until = b.blocked_until.unwrap_or(until);
                return Verdict {
                    blocked: Some(status),
                    headers: headers(cfg.calls, 0, ceil_secs(until)),
                };
            }
            *b = Bucket::default();
        }
        // The calls counted with this one, and when the window (its oldest call) ends.
        let (count, ends) = match window {
            Window::Fixed => {
                let start = match b.window_start {
                    Some(s) if now_ms < s + cfg.window_ms => s,
                    _ => {
                        b.window_start = Some(now_ms);
                        b.count = 0;
                        now_ms
                    }
                };
                b.count += 1;
                (b.count, start + cfg.window_ms)
            }
            Window::Sliding => {
                while b.times.front().is_some_and(|&t| t <= now_ms - cfg.window_ms) {
                    b.times.pop_front();
                }
                b.times.push_back(now_ms);
                let oldest = b.times.front().copied().unwrap_or(now_ms);
                (b.times.len() as u32, oldest + cfg.window_ms)
            }
        };
        if count > cfg.calls {
            let until = now_ms + cfg.block_ms;
            b.blocked_until = Some(until);
            return Verdict {
                blocked: Some(status),
                headers: headers(cfg.calls, 0, ceil_secs(until)),
            };
        }
        Verdict {
            blocked: None,
            headers: headers(cfg.calls, cfg.calls - count, ceil_secs(ends)),
        }
    }

    /// Lifts every block and forgets the windows.
    pub fn lift(&mut self) {
        self.buckets.clear();
    }

    /// Whether `token` is blocked at `now_ms`.
    pub fn is_blocked(&self, token: &str, now_ms: i64) -> bool {
        self.buckets
            .get(token)
            .and_then(|b| b.blocked_until)
            .is_some_and(|u| now_ms < u)
    }
}

fn headers(limit: u32, remaining: u32, reset: i64) -> Vec<(String, String)> {
    vec![
        ("X-RateLimit-Limit".into(), limit.to_string()),
        ("X-RateLimit-Remaining".into(), remaining.to_string()),
        ("X-RateLimit-Reset".into(), reset.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Limiter {
        fn hit403(&mut self, token: &str, now_ms: i64) -> Verdict {
            self.hit(token, now_ms, 403, Window::Fixed)
        }
    }

    fn remaining(v: &Verdict) -> String {
        v.headers
            .iter()
            .find(|(n, _)| n == "X-RateLimit-Remaining")
            .map(|(_, v)| v.clone())
            .unwrap()
    }

    #[test]
    fn thirty_per_window_then_a_ten_minute_block() {
        let mut l = Limiter::default();
        let t0 = 1_000_000;
        for i in 0..30 {
            let v = l.hit403("tok", t0 + i * 100);
            assert_eq!(v.blocked, None);
            assert_eq!(remaining(&v), (29 - i).to_string());
            assert!(v.headers.contains(&("X-RateLimit-Reset".into(), "1010".into())));
        }
        let v = l.hit403("tok", t0 + 3_100);
        assert_eq!(v.blocked, Some(403));
        assert!(v
            .headers
            .contains(&("X-RateLimit-Reset".into(), "1604".to_string())));
        assert_eq!(
            l.hit403("tok", t0 + 20_000).blocked,
            Some(403),
            "the block outlives the window"
        );
        assert_eq!(l.hit403("other", t0 + 20_000).blocked, None, "per token");
        assert_eq!(
            l.hit403("tok", t0 + 3_100 + 600_000).blocked,
            None,
            "over after 10 minutes"
        );
    }

    #[test]
    fn windows_are_fixed_and_restart_on_the_next_call() {
        let mut l = Limiter::default();
        for _ in 0..30 {
            assert_eq!(l.hit403("t", 0).blocked, None);
        }
        let v = l.hit403("t", 10_000);
        assert_eq!(v.blocked, None, "a new window");
        assert_eq!(remaining(&v), "29");
        assert!(v.headers.contains(&("X-RateLimit-Reset".into(), "20".into())));
    }

    #[test]
    fn retry_extends_the_block_when_asked() {
        let mut l = Limiter::default();
        l.config.extend_block_on_retry = true;
        l.config.calls = 1;
        l.hit("t", 0, 429, Window::Fixed);
        assert_eq!(l.hit("t", 1, 429, Window::Fixed).blocked, Some(429));
        assert_eq!(l.hit("t", 500_000, 429, Window::Fixed).blocked, Some(429));
        assert_eq!(
            l.hit("t", 600_010, 429, Window::Fixed).blocked,
            Some(429),
            "extended by the retry at 500 s"
        );
        assert!(l.is_blocked("t", 1_000_000));
        l.lift();
        assert_eq!(l.hit("t", 1_000_000, 429, Window::Fixed).blocked, None);
    }

    #[test]
    fn a_sliding_window_refuses_thirty_one_calls_in_any_ten_seconds() {
        let mut l = Limiter::default();
        // 30 calls at the end of one fixed window and 1 just after it: a fixed window lets the
        // 31st through, a sliding one blocks it.
        let mut fixed = Limiter::default();
        for i in 0..30 {
            assert_eq!(l.hit("t", 9_000 + i, 403, Window::Sliding).blocked, None);
            assert_eq!(fixed.hit("t", i, 403, Window::Fixed).blocked, None);
        }
        for i in 0..30 {
            assert_eq!(
                fixed.hit("t", 10_000 + i, 403, Window::Fixed).blocked,
                None,
                "a new fixed window"
            );
        }
        let v = l.hit("t", 10_500, 403, Window::Sliding);
        assert_eq!(v.blocked, Some(403), "31 calls within 10 s");
        // Spaced so that every 10 s holds 30: never blocked; the reset names when a slot frees.
        let mut l = Limiter::default();
        for i in 0..300 {
            let v = l.hit("t", i * 334, 403, Window::Sliding);
            assert_eq!(v.blocked, None, "call {i}");
        }
        let mut l = Limiter::default();
        let v = l.hit("t", 2_000, 403, Window::Sliding);
        assert_eq!(remaining(&v), "29");
        assert!(v.headers.contains(&("X-RateLimit-Reset".into(), "12".into())));
    }
}
