//! When each job runs next, and asking for a run (`job.<kind>.schedule`). Here, below the
//! workflows, so that any of them can ask for a job (an invoice that discharged stock asks for
//! the stock sync) without using the jobs' runner (`sync`).

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use super::JobKind;
use crate::error::{Error, Result};
use crate::platform::{self, Store};

/// When a job runs next.
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub next_due_ms: Option<i64>,
    /// A request an earlier version kept here (before requests had a key of their own): still
    /// honoured, and cleared by the next run's start.
    #[serde(default)]
    pub due_reason: Option<String>,
    pub last_done_ms: Option<i64>,
    /// The token of the request the last run took when it started ([`Request`]): a request with
    /// another token is still pending.
    #[serde(default)]
    pub taken: Option<String>,
}

/// A request for a run as soon as possible: "Sincronizează acum", switching the stock sync on, an
/// invoice that discharged stock, SmartBill's stock webhook. It has a key of its own
/// (`job.<kind>.request`) and is written whole: whoever asks never reads and writes back the
/// schedule, which a run starting or ending writes at the same moment (in the browser, from
/// another of the worker's modules), so no request is lost to their write. A run takes the request
/// it read before planning, by its token: one made while it plans is answered by the next run.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub token: String,
    /// What the run will say started it ("now", "enabled", "invoice", "webhook").
    pub reason: String,
}

/// Why a new run is asked for, and the request it answers (none for the schedule's own run).
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub reason: String,
    pub token: Option<String>,
}

impl Schedule {
    /// The request a new run would answer, if one is pending.
    pub fn pending(&self, request: Option<&Request>) -> Option<Pending> {
        if let Some(r) = request.filter(|r| self.taken.as_deref() != Some(r.token.as_str())) {
            return Some(Pending {
                reason: r.reason.clone(),
                token: Some(r.token.clone()),
            });
        }
        self.due_reason.as_ref().map(|reason| Pending {
            reason: reason.clone(),
            token: None,
        })
    }

    /// Marks `pending` as answered by the run that starts now.
    pub fn take(&mut self, pending: &Pending) {
        self.due_reason = None;
        if let Some(token) = &pending.token {
            self.taken = Some(token.clone());
        }
    }
}

fn key(kind: JobKind) -> String {
    format!("job.{}.schedule", kind.key())
}

fn request_key(kind: JobKind) -> String {
    format!("job.{}.request", kind.key())
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

/// The last request for a run of `kind`, taken or not (an unreadable one reads as none).
pub async fn load_request(store: &dyn Store, kind: JobKind) -> Option<Request> {
    platform::load(store, &request_key(kind)).await.ok().flatten()
}

/// Asks for a run as soon as possible (the next tick).
pub async fn request(store: &dyn Store, kind: JobKind, reason: &str) -> Result<()> {
    let request = Request {
        token: format!("{:016x}", platform::random_u64()),
        reason: reason.to_string(),
    };
    platform::save(store, &request_key(kind), &request)
        .await
        .map_err(|detail| Error::Storage { detail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::Browserlike;

    /// A run ending (its schedule read, changed and written back) while an invoice asks for a
    /// stock run, in one browser: the request is still pending afterwards. (Asking used to read,
    /// change and write the same schedule, and the last write won.)
    #[tokio::test]
    async fn a_request_made_while_a_run_ends_is_kept() {
        let store = Browserlike::default();
        let end = async {
            let mut s = load_schedule(&store, JobKind::Stock).await;
            s.last_done_ms = Some(1_000);
            s.next_due_ms = Some(1_000 + 86_400_000);
            save_schedule(&store, JobKind::Stock, &s).await.unwrap();
        };
        let (_, asked) = crate::platform::join(end, request(&store, JobKind::Stock, "invoice")).await;
        asked.unwrap();
        let s = load_schedule(&store, JobKind::Stock).await;
        assert_eq!(s.last_done_ms, Some(1_000));
        let pending = s.pending(load_request(&store, JobKind::Stock).await.as_ref());
        assert_eq!(pending.map(|p| p.reason).as_deref(), Some("invoice"));
    }

    /// A run takes the request it read; a request made after that is pending again, whatever its
    /// reason; a request an earlier version kept in the schedule is still honoured, once.
    #[test]
    fn a_run_takes_the_request_it_read_and_no_later_one() {
        let first = Request {
            token: "a".into(),
            reason: "now".into(),
        };
        let mut s = Schedule::default();
        let pending = s.pending(Some(&first)).unwrap();
        s.take(&pending);
        assert_eq!(s.pending(Some(&first)), None);
        let later = Request {
            token: "b".into(),
            reason: "now".into(),
        };
        assert_eq!(s.pending(Some(&later)).map(|p| p.token), Some(Some("b".into())));
        let mut old = Schedule {
            due_reason: Some("invoice".into()),
            ..Schedule::default()
        };
        let pending = old.pending(None).unwrap();
        assert_eq!(
            (pending.reason.as_str(), pending.token.as_deref()),
            ("invoice", None)
        );
        old.take(&pending);
        assert_eq!(old.pending(None), None);
    }
}
