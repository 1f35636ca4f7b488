//! This browser within a team of colleagues on one MiniCRM account: its id and name (written in
//! the claims it puts on cards, see `emission::claim`), and whether it is the one browser that
//! runs automatic emission and the background jobs.
//!
//! Without a server there is no shared place to elect that browser. The settings choose it: a
//! newly configured browser runs them, and when it meets another browser's automatic claim on a
//! card, the one that has been running them for less time steps down and says so ("the first
//! configured is the default"). Safety never depends on this: the claims keep two browsers from
//! issuing the same card, and the governors yield to SmartBill calls that are not theirs.

use crate::emission::claim::{Claim, ClaimMode};
use crate::error::Result;
use crate::platform::{self, Store};
use crate::settings::{self, OtherRunner, Settings};

const BROWSER_ID_KEY: &str = "browser.id";

/// This browser profile's id, made once.
pub async fn browser_id(store: &dyn Store) -> String {
    if let Ok(Some(id)) = platform::load::<String>(store, BROWSER_ID_KEY).await {
        if !id.is_empty() {
            return id;
        }
    }
    let id = format!("{:012x}", platform::random_u64() & 0xffff_ffff_ffff);
    let _ = platform::save(store, BROWSER_ID_KEY, &id).await;
    id
}

/// The name shown to colleagues: the one set in the options, else "Browser <id>".
pub fn label(settings: &Settings, id: &str) -> String {
    let l = settings.team.browser_label.trim();
    if l.is_empty() {
        format!("Browser {}", id.chars().take(6).collect::<String>())
    } else {
        l.to_string()
    }
}

/// Whether this browser runs automatic emission and the background jobs.
pub fn runs_jobs(settings: &Settings) -> bool {
    settings.team.runner
}

/// Another browser's claim was seen on a card. An automatic claim of a browser that has been
/// the runner for longer makes this one step down; any automatic claim is remembered so the
/// options and the popup can name the browser that runs automatic emission. Returns whether this
/// browser stepped down.
pub async fn noticed(store: &dyn Store, claim: &Claim, our_id: &str, now_ms: i64) -> Result<bool> {
    if claim.mode != ClaimMode::Auto || claim.browser == our_id {
        return Ok(false);
    }
    let mut s = settings::load(store).await?;
    let theirs = claim.runner_since_ms.unwrap_or(claim.at_ms);
    let ours = s.team.runner_since_ms.unwrap_or(i64::MAX);
    // The longer-running one stays; equal times (never in practice) are settled by the ids.
    let step_down = s.team.runner && (theirs, claim.browser.as_str()) < (ours, our_id);
    if step_down {
        s.team.runner = false;
        s.team.runner_since_ms = None;
    }
    if step_down || !s.team.runner {
        s.team.other_runner = Some(OtherRunner {
            browser: claim.browser.clone(),
            label: claim.label.clone(),
            since_ms: claim.runner_since_ms,
            seen_ms: now_ms,
        });
        settings::save(store, &s).await?;
    }
    Ok(step_down)
}
