//! A team-wide claim on a card, without a server: before posting to SmartBill, a browser writes
//! a claim (who, when) into the card's error-message field and goes on only if it is still its
//! own after a wait. MiniCRM has no compare-and-set and a write can take seconds, so one read-back
//! is not enough; the protocol is Fischer's mutual exclusion with a known bound `D` on how long a
//! claim write may take:
//!
//! 1. R1: read the card. Claim only when it looks free: no invoice number, and no live claim of
//!    another browser (a claim older than the lease is stale, see below).
//! 2. W1: write our claim. If its acknowledgement arrives later than `D` after R1 was *sent*, give
//!    up (do not post).
//! 3. Wait longer than `D` (`D' > D`) after the acknowledgement, then R2: read the card again. Go
//!    on only if the claim is still ours.
//!
//! Why two browsers P and Q cannot both pass R2: let P's claim take effect first (e_P < e_Q; the
//! later write wins). P passed R2, so Q's write took effect after P's R2, which was sent at least
//! `D'` after P's acknowledgement: e_Q > e_P + D'. Q's write took effect at most `D` after Q's R1
//! was sent (step 2), so Q's R1 was sent after e_Q − D > e_P + (D' − D) > e_P, i.e. after P's
//! claim was on the card. Q's R1 then saw a live claim (or P's invoice number, written together
//! with the claim's removal) and Q never claimed: a contradiction. Only durations measured on each
//! browser's own clock enter the argument, so clock differences between browsers do not matter.
//!
//! A write acknowledged late may still land after someone else's R2. It then replaces one live
//! claim with another live claim, so third parties still see the card as taken. That is why every
//! other write to the error field (an error message, the write-back that clears the claim) is made
//! only by the claim's holder.
//!
//! A claim expires after the lease. The holder posts only while its claim is young enough for the
//! POST to end (timeout plus margin) before the lease runs out, and it writes its intent (series,
//! expected number, total) into the claim before posting. So a stale claim can be judged by
//! anyone: without an intent nothing was posted; with one, SmartBill's series and payment status
//! say whether the invoice exists (the same reconciliation as the journal's). Claim times are
//! MiniCRM's own (the `Date` header of the read), so the browsers' clocks do not enter there
//! either.

use rust_decimal::Decimal;

use crate::settings::ClaimTiming;

/// The machine-readable part of a claim, inside the human-readable text.
const MARK: &str = "[sbclaim ";

/// How the emission was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMode {
    /// A person clicked.
    Button,
    /// Automatic emission (poller or status change).
    Auto,
}

/// What the holder intends to post (written into the claim before the POST).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimIntent {
    pub series: String,
    /// The series' `nextNumber` read before the POST.
    pub expected: u64,
    pub total: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The browser's id (random, made once per browser profile).
    pub browser: String,
    /// A name a person recognises ("Ana – laptop").
    pub label: String,
    pub mode: ClaimMode,
    /// When the claim was made, in MiniCRM's time (ms since the epoch).
    pub at_ms: i64,
    /// A random token per attempt: a browser's second attempt does not mistake its first claim for
    /// the current one.
    pub token: String,
    /// Since when this browser runs automatic emission for the team (none when it does not).
    pub runner_since_ms: Option<i64>,
    pub intent: Option<ClaimIntent>,
}

/// The card's error field, as one of: empty, a claim, or any other text (an error message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldState {
    Empty,
    Claimed(Claim),
    Text(String),
}

/// How the card looks to a browser about to claim it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No live claim: claim it.
    Free,
    /// Our own claim (a previous attempt of this browser, e.g. a stopped worker).
    Ours(Claim),
    /// Another browser holds a live claim.
    Taken(Claim),
    /// Another browser's claim outlived the lease: judge it before anything else.
    Stale(Claim),
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '[' | ']' | ';' | '=' | '\n' | '\r' | '„' | '”'))
        .take(40)
        .collect::<String>()
        .trim()
        .to_string()
}

impl Claim {
    /// The text written into the card's error field: a sentence for people, then the data.
    pub fn to_field(&self) -> String {
        let time = crate::platform::when::hms(crate::platform::local_ro(self.at_ms));
        let who = clean(&self.label);
        let mut data = format!(
            "id={};m={};t={};k={}",
            clean(&self.browser),
            match self.mode {
                ClaimMode::Button => "b",
                ClaimMode::Auto => "a",
            },
            self.at_ms,
            clean(&self.token)
        );
        if let Some(r) = self.runner_since_ms {
            data.push_str(&format!(";r={r}"));
        }
        if let Some(i) = &self.intent {
            data.push_str(&format!(
                ";s={};n={};v={}",
                clean(&i.series),
                i.expected,
                i.total.normalize()
            ));
        }
        format!("Se emite documentul SmartBill din browserul „{who}” (ora {time}). Nu emite din nou. {MARK}{data}]")
    }

    /// Reads a claim back from the field's text; `None` for any other text.
    pub fn parse(text: &str) -> Option<Claim> {
        let start = text.find(MARK)? + MARK.len();
        let rest = &text[start..];
        let data = &rest[..rest.find(']')?];
        let get = |k: &str| {
            data.split(';')
                .filter_map(|kv| kv.split_once('='))
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.trim().to_string())
        };
        let label = text
            .split('„')
            .nth(1)
            .and_then(|r| r.split('”').next())
            .unwrap_or_default()
            .to_string();
        let intent = match (get("s"), get("n"), get("v")) {
            (Some(series), Some(n), Some(v)) => Some(ClaimIntent {
                series,
                expected: n.parse().ok()?,
                total: v.parse().ok()?,
            }),
            _ => None,
        };
        Some(Claim {
            browser: get("id").filter(|s| !s.is_empty())?,
            label,
            mode: match get("m").as_deref() {
                Some("a") => ClaimMode::Auto,
                _ => ClaimMode::Button,
            },
            at_ms: get("t")?.parse().ok()?,
            token: get("k").unwrap_or_default(),
            runner_since_ms: get("r").and_then(|r| r.parse().ok()),
            intent,
        })
    }
}

/// What the error field holds.
pub fn field_state(text: &str) -> FieldState {
    let t = text.trim();
    if t.is_empty() {
        FieldState::Empty
    } else if let Some(c) = Claim::parse(t) {
        FieldState::Claimed(c)
    } else {
        FieldState::Text(t.to_string())
    }
}

/// Judges the error field for `browser` at MiniCRM time `now_ms`.
pub fn verdict(text: &str, browser: &str, now_ms: i64, timing: &ClaimTiming) -> Verdict {
    match field_state(text) {
        FieldState::Empty | FieldState::Text(_) => Verdict::Free,
        FieldState::Claimed(c) if c.browser == browser => Verdict::Ours(c),
        FieldState::Claimed(c) if now_ms.saturating_sub(c.at_ms) > timing.lease_ms => Verdict::Stale(c),
        FieldState::Claimed(c) => Verdict::Taken(c),
    }
}

/// Step 2: was the claim write acknowledged within the bound after R1 was sent?
pub fn in_time(r1_sent_ms: i64, acked_ms: i64, timing: &ClaimTiming) -> bool {
    acked_ms.saturating_sub(r1_sent_ms) <= timing.bound_ms
}

/// Whether a POST started now (MiniCRM time `now_ms`) ends, timeout and margin included, before
/// the claim made at `claim_at_ms` goes stale.
pub fn may_post(claim_at_ms: i64, now_ms: i64, request_end_ms: i64, timing: &ClaimTiming) -> bool {
    now_ms.saturating_add(request_end_ms) < claim_at_ms.saturating_add(timing.lease_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: ClaimTiming = ClaimTiming {
        bound_ms: 6_000,
        wait_ms: 7_000,
        lease_ms: 600_000,
    };

    fn claim() -> Claim {
        Claim {
            browser: "b1a2c3".into(),
            label: "Ana – laptop".into(),
            mode: ClaimMode::Auto,
            at_ms: 1_764_600_000_000,
            token: "k9".into(),
            runner_since_ms: Some(1_764_000_000_000),
            intent: Some(ClaimIntent {
                series: "FCT".into(),
                expected: 124,
                total: "1234.50".parse().unwrap(),
            }),
        }
    }

    #[test]
    fn a_claim_reads_back_as_written_and_speaks_to_people() {
        let c = claim();
        let text = c.to_field();
        assert!(text.starts_with("Se emite documentul SmartBill din browserul „Ana – laptop”"));
        assert!(text.len() < 255, "fits a Text(255) field: {}", text.len());
        assert_eq!(Claim::parse(&text), Some(c.clone()));
        let mut plain = c;
        plain.intent = None;
        plain.runner_since_ms = None;
        plain.mode = ClaimMode::Button;
        assert_eq!(Claim::parse(&plain.to_field()), Some(plain));
        assert_eq!(Claim::parse("Seria nu a fost gasita!"), None);
    }

    #[test]
    fn verdicts() {
        let c = claim();
        let text = c.to_field();
        assert_eq!(verdict("", "me", c.at_ms, &T), Verdict::Free);
        assert_eq!(verdict("Eroare veche", "me", c.at_ms, &T), Verdict::Free);
        assert_eq!(verdict(&text, "b1a2c3", c.at_ms, &T), Verdict::Ours(c.clone()));
        assert_eq!(
            verdict(&text, "me", c.at_ms + 1_000, &T),
            Verdict::Taken(c.clone())
        );
        assert_eq!(verdict(&text, "me", c.at_ms + 600_001, &T), Verdict::Stale(c));
    }

    #[test]
    fn timing_rules() {
        assert!(in_time(1_000, 7_000, &T));
        assert!(!in_time(1_000, 7_001, &T));
        // A 30 s POST plus 10 s margin may start until 40 s before the lease ends.
        assert!(may_post(0, 559_999, 40_000, &T));
        assert!(!may_post(0, 560_000, 40_000, &T));
    }
}
