//! The cron triggers (`[triggers] crons` in wrangler.toml) and what each one runs. Every trigger
//! ends in the core's tick (unfinished emissions, automatic emission by status, then the jobs for
//! a bounded time); the daily ones first ask for their job, so it runs at a fixed hour whatever
//! the last run was.

use minicrm_smartbill::sync::JobKind;
use serde_json::Value;

/// The status poll: every 2 minutes (automatic emission when a card reaches a trigger status;
/// resumes unfinished work).
pub const POLL: &str = "*/2 * * * *";
/// The daily payment-status refresh: 04:10 UTC (06:10 or 07:10 in Romania).
pub const PAYMENTS: &str = "10 4 * * *";
/// The daily stock sync (the full diff that backs up the webhook): 04:40 UTC.
pub const STOCK: &str = "40 4 * * *";

pub const ALL: [&str; 3] = [POLL, PAYMENTS, STOCK];

/// The jobs a trigger asks for before the tick; `None` for a trigger this build does not know.
pub fn jobs_for(cron: &str) -> Option<&'static [JobKind]> {
    match cron.trim() {
        POLL => Some(&[]),
        PAYMENTS => Some(&[JobKind::Payments]),
        STOCK => Some(&[JobKind::Stock]),
        _ => None,
    }
}

/// When a tick's reply asks for another slice (`again`): at once, or when the vendor's pause
/// (`jobs.pausedUntilMs`) ends. `None`: the work is done until the next trigger.
pub fn continuation(reply: &Value, now_ms: i64) -> Option<i64> {
    if reply.get("again").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let paused = reply
        .pointer("/jobs/pausedUntilMs")
        .and_then(Value::as_i64)
        .filter(|&t| t > now_ms);
    Some(paused.unwrap_or(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tick_that_asks_again_continues_at_once_or_after_the_pause() {
        let now = 1_000;
        assert_eq!(
            continuation(&json!({"again": false, "jobs": {"more": false}}), now),
            None
        );
        assert_eq!(continuation(&json!({"skipped": "notConfigured"}), now), None);
        assert_eq!(
            continuation(&json!({"again": true, "jobs": {"pausedUntilMs": null}}), now),
            Some(now)
        );
        assert_eq!(
            continuation(&json!({"again": true, "jobs": {"pausedUntilMs": 61_000}}), now),
            Some(61_000)
        );
        // A pause already over: at once.
        assert_eq!(
            continuation(&json!({"again": true, "jobs": {"pausedUntilMs": 500}}), now),
            Some(now)
        );
    }

    #[test]
    fn each_trigger_maps_to_its_jobs() {
        assert_eq!(jobs_for(POLL), Some(&[][..]));
        assert_eq!(jobs_for(PAYMENTS), Some(&[JobKind::Payments][..]));
        assert_eq!(jobs_for(STOCK), Some(&[JobKind::Stock][..]));
        assert_eq!(jobs_for("* * * * *"), None);
    }

    #[test]
    fn wrangler_toml_declares_exactly_these_triggers() {
        let toml = include_str!("../wrangler.toml");
        for cron in ALL {
            assert!(
                toml.contains(&format!("\"{cron}\"")),
                "{cron} missing from wrangler.toml"
            );
        }
    }
}
