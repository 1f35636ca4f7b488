//! This browser within a team of colleagues on one MiniCRM account: its id and name (written in
//! the claims it puts on cards, see `emission::claim`), and whether it is the one browser that
//! runs automatic emission and the background jobs.
//!
//! Without a server there is no shared place to elect that browser. The settings choose it: a
//! newly configured browser runs them, and when it meets another browser's automatic claim on a
//! card, the one that has been running them for less time steps down and says so ("the first
//! configured is the default"; the emission meets the claims, so the step-down is its business:
//! `emission::issue`). Safety never depends on this: the claims keep two browsers from issuing
//! the same card, and the governors yield to SmartBill calls that are not theirs.

use crate::platform::{self, Store};
use crate::settings::Settings;

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
