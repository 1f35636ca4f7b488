//! When each job runs next, and asking for a run (`job.<kind>.schedule`). Here, below the
//! workflows, so that any of them can ask for a job (an invoice that discharged stock asks for
//! the stock sync) without using the jobs' runner (`sync`).

use serde::{Deserialize, Serialize};

use super::JobKind;
use crate::error::{Error, Result};
use crate::platform::{self, Store};

/// When a job runs next.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub next_due_ms: Option<i64>,
    /// Set by "Sincronizează acum", by enabling stock sync, by an invoice that discharged stock.
    pub due_reason: Option<String>,
    pub last_done_ms: Option<i64>,
}

fn key(kind: JobKind) -> String {
    format!("job.{}.schedule", kind.key())
}

pub async fn load_schedule(store: &dyn Store, kind: JobKind) -> Schedule {
    platform::load(store, &key(kind))
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub async fn save_schedule(store: &dyn Store, kind: JobKind, s: &Schedule) -> Result<()> {
    platform::save(store, &key(kind), s)
        .await
        .map_err(|detail| Error::Storage { detail })
}

/// Asks for a run as soon as possible (the next tick).
pub async fn request(store: &dyn Store, kind: JobKind, reason: &str) -> Result<()> {
    let mut s = load_schedule(store, kind).await;
    s.due_reason = Some(reason.to_string());
    save_schedule(store, kind, &s).await
}
