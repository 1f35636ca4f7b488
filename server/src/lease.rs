//! Per-card locks across the whole team, as leases in the team's Durable Object storage: a
//! lease names its owner and expires, so a holder that died (an evicted object, a crashed
//! request) cannot block a card for longer than the lease. Taking one is a compare-and-set in a
//! storage transaction (see `team.rs`); this module is the pure rule.

use serde::{Deserialize, Serialize};

/// Long enough for an emission with reconciliation (each vendor call times out after 30 s).
pub const CARD_TTL_MS: i64 = 3 * 60 * 1000;
/// A tick slice works on jobs for `TICK_SLICE_MS` (20 s by default, at most 4 minutes), plus the
/// emissions it resumes or starts: a holder that died frees the tick after this.
pub const TICK_TTL_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    pub owner: String,
    pub until_ms: i64,
}

/// Whether `owner` may take (or renew) the lease at `now`, given the stored one.
pub fn may_take(current: Option<&Lease>, owner: &str, now: i64) -> bool {
    match current {
        None => true,
        Some(l) => l.owner == owner || l.until_ms <= now,
    }
}

pub fn key(name: &str) -> String {
    format!("server.lease.{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_blocks_others_until_it_expires() {
        let held = Lease {
            owner: "a".into(),
            until_ms: 1_000,
        };
        assert!(may_take(None, "b", 0));
        assert!(!may_take(Some(&held), "b", 999));
        assert!(may_take(Some(&held), "a", 999));
        assert!(may_take(Some(&held), "b", 1_000));
    }
}
