//! The cron triggers (`[triggers] crons` in wrangler.toml) and what each one runs. Every trigger
//! ends in the core's tick (unfinished emissions, automatic emission by status, then the jobs for
//! a bounded time); the daily ones first ask for their job, so it runs at a fixed hour whatever
//! the last run was.

use minicrm_smartbill::sync::JobKind;

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

#[cfg(test)]
mod tests {
    use super::*;

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
