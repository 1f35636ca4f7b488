//! The V1 rate limiter (reference §3.5, peers.md §(c)2): 30 calls per 10-second window per token;
//! the 31st call starts a 10-minute block during which every call is refused.
//!
//! * Fixed window: it starts at the first call after the previous window ended [INF: the
//!   reference allows sliding or fixed].
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
    pub fn hit(&mut self, token: &str, now_ms: i64, status: u16) -> Verdict {
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
        let start = match b.window_start {
            Some(s) if now_ms < s + cfg.window_ms => s,
            _ => {
                b.window_start = Some(now_ms);
                b.count = 0;
                now_ms
            }
        };
        b.count += 1;
        if b.count > cfg.calls {
            let until = now_ms + cfg.block_ms;
            b.blocked_until = Some(until);
            return Verdict {
                blocked: Some(status),
                headers: headers(cfg.calls, 0, ceil_secs(until)),
            };
        }
        Verdict {
            blocked: None,
            headers: headers(cfg.calls, cfg.calls - b.count, ceil_secs(start + cfg.window_ms)),
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
            self.hit(token, now_ms, 403)
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
        l.hit("t", 0, 429);
        assert_eq!(l.hit("t", 1, 429).blocked, Some(429));
        assert_eq!(l.hit("t", 500_000, 429).blocked, Some(429));
        assert_eq!(
            l.hit("t", 600_010, 429).blocked,
            Some(429),
            "extended by the retry at 500 s"
        );
        assert!(l.is_blocked("t", 1_000_000));
        l.lift();
        assert_eq!(l.hit("t", 1_000_000, 429).blocked, None);
    }
}
