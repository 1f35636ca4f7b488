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
    // The first call makes it: concurrent first calls (a fresh profile's first messages, the
    // worker's two modules) all get the one stored.
    let candidate = format!("{:012x}", platform::random_u64() & 0xffff_ffff_ffff);
    store
        .get_or_put_text(BROWSER_ID_KEY, &candidate)
        .await
        .unwrap_or(candidate)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::MemoryStore;
    use serde_json::json;

    #[tokio::test]
    async fn the_browser_id_is_made_once_and_kept() {
        let store = MemoryStore::new();
        let first = browser_id(&store).await;
        assert_eq!(first.len(), 12);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(browser_id(&store).await, first, "made once");
        assert_eq!(store.get_raw(BROWSER_ID_KEY).await, Ok(Some(json!(first))));
    }

    #[tokio::test]
    async fn an_empty_or_unreadable_id_is_made_again() {
        for stored in [json!(""), json!(42), json!({"id": "x"})] {
            let store = MemoryStore::new();
            store.set_raw(BROWSER_ID_KEY, stored.clone()).await.ok();
            let id = browser_id(&store).await;
            assert_eq!(id.len(), 12, "{stored}");
            assert_eq!(
                store.get_raw(BROWSER_ID_KEY).await,
                Ok(Some(json!(id))),
                "{stored}"
            );
        }
    }

    #[tokio::test]
    async fn a_stored_id_is_given_as_it_is() {
        let store = MemoryStore::new();
        store.set_raw(BROWSER_ID_KEY, json!("abc")).await.ok();
        assert_eq!(browser_id(&store).await, "abc");
    }
}
