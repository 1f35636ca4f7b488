//! Shared machinery for everything that runs in the background: the rate governors, the
//! per-document locks, the job kinds and when each job runs next ([`schedule`]). The jobs' runner
//! itself is `sync`.

pub mod governor;
pub mod schedule;

pub use governor::{Governor, Priority, Wait};

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::error::Service;
use crate::platform::Store;

/// The two governors every job shares. One per running worker (or per test).
pub struct Governors {
    pub smartbill: Governor,
    pub minicrm: Governor,
}

impl Default for Governors {
    fn default() -> Self {
        Governors::new(1.0)
    }
}

impl Governors {
    /// `time_scale` > 1 shrinks the windows (tests and the sandbox build with a sped-up clock).
    pub fn new(time_scale: f64) -> Governors {
        let g = Governors {
            smartbill: Governor::new(Service::SmartBill, governor::SMARTBILL),
            minicrm: Governor::new(Service::MiniCrm, governor::MINICRM),
        };
        g.set_time_scale(time_scale);
        g
    }

    pub fn set_time_scale(&self, scale: f64) {
        self.smartbill.set_time_scale(scale);
        self.minicrm.set_time_scale(scale);
    }
}

/// What a client needs to send through a governor: every call takes a slot first, and a lockout
/// answer blocks the governor for everyone.
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    pub governor: &'a Governor,
    pub store: &'a dyn crate::platform::Store,
    pub clock: &'a dyn crate::platform::Clock,
    pub priority: Priority,
    /// How long a call may wait for a free slot before giving up with `Error::Paused`.
    pub max_wait_ms: i64,
}

impl Gate<'_> {
    /// Takes a slot, waiting up to `max_wait_ms`; `Ok` is the slot's time, for [`Gate::leave`].
    pub async fn enter(&self) -> crate::error::Result<i64> {
        self.governor
            .acquire(self.store, self.clock, self.priority, self.max_wait_ms)
            .await
            .map_err(|w| crate::error::Error::Paused {
                service: self.governor.service(),
                until_ms: match w {
                    Wait::Blocked { until_ms } | Wait::Busy { at_ms: until_ms } => until_ms,
                },
                locked_out: matches!(w, Wait::Blocked { .. }),
            })
    }

    /// The call sent through the slot taken at `taken_ms` has its answer (or failed): the slot
    /// counts from now ([`Governor::answered`]).
    pub async fn leave(&self, taken_ms: i64) {
        self.governor.answered(self.store, self.clock, taken_ms).await;
    }
}

/// Per-document locks of this worker: a double click, two tabs and the poller all reach the same
/// service worker, so a table in the worker's memory is enough to let only one of them emit a
/// document. In the worker, the table is in the cells its modules share (`platform::wasm::shared_*`,
/// `background.js`'s `mcsbShared`), as the governors' state is: the full core's emission and the
/// jobs' module's payment refresh then see each other's locks. Each lock is read and taken in one
/// synchronous step. Natively (the tests, the team server), the table is here.
/// Locks are leases: a lock whose holder never released it (a trapped call) expires, so no card
/// stays stuck until the worker restarts. (Across browsers, the claim on the card does this job:
/// `emission::claim`.)
#[derive(Default)]
pub struct Locks {
    /// (key, lease end, generation): a few at a time, so a list (a map type of its own would
    /// bring its own B-tree code into the module).
    held: RefCell<Vec<(String, i64, u64)>>,
    generation: std::cell::Cell<u64>,
    /// The clock of the last `try_lock`, for `is_locked` (which has no clock).
    last_now: std::cell::Cell<i64>,
}

/// The worker's cell of the lock on `key`: "lease end generation".
#[cfg(vendor_worker)]
fn cell_of(key: &str) -> String {
    format!("lock.{key}")
}

/// The worker's cell that numbers the locks taken in any of its modules.
#[cfg(vendor_worker)]
const GENERATION_CELL: &str = "lock.generation";

/// A lock's cell read: its lease end and generation (unreadable text: no lock).
#[cfg(vendor_worker)]
fn lease_in(text: &str) -> Option<(i64, u64)> {
    let (until, generation) = text.split_once(' ')?;
    Some((until.parse().ok()?, generation.parse().ok()?))
}

/// The lease that keeps `key` locked after its holder ([`Locks::keep_until`]).
fn kept_cell(key: &str) -> String {
    format!("{key}.kept")
}

/// The storage key under which a write made under the lock on `key` says until when it may land
/// ([`mark_settling`], [`Locks::recall`]).
fn settling_key(key: &str) -> String {
    format!("settling.{key}")
}

/// What [`mark_settling`] stores while a write is out: it may land until its answer comes, or
/// until its timeout and margin after it was sent, which the worker that finds the mark later
/// does not know ([`Locks::recall`] then counts from its own start). Not `i64::MAX`: the
/// browser's storage keeps numbers as doubles, and one past 2^53 comes back as another number,
/// which no longer reads as an `i64`.
pub const OUT: i64 = -1;

/// Tells storage that a write made under the lock on `key` may land until `until_ms` ([`OUT`]
/// while it is out): written before the write is sent (and again when its answer is lost), so
/// that a worker stopped meanwhile keeps `key` locked once it starts again ([`Locks::recall`]).
/// The locks themselves are in the worker's memory, which a stopped worker loses, while a request
/// it had sent may still reach the vendor and be applied there.
pub async fn mark_settling(store: &dyn Store, key: &str, until_ms: i64) -> Result<(), String> {
    crate::platform::save(store, &settling_key(key), &until_ms).await
}

/// The write made under the lock on `key` has its answer: nothing of it can land any more.
pub async fn settled(store: &dyn Store, key: &str) -> Result<(), String> {
    store.remove(&settling_key(key)).await
}

impl Locks {
    /// The lease on `key`: its end and generation.
    fn lease(&self, key: &str) -> Option<(i64, u64)> {
        #[cfg(vendor_worker)]
        if let Ok(text) = crate::platform::wasm::shared_get(&cell_of(key)) {
            return text.as_deref().and_then(lease_in);
        }
        self.held
            .borrow()
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, until, generation)| (*until, *generation))
    }

    /// A generation no other lock of the worker has had.
    fn next_generation(&self) -> u64 {
        #[cfg(vendor_worker)]
        if let Ok(text) = crate::platform::wasm::shared_get(GENERATION_CELL) {
            let next = text
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(0)
                .wrapping_add(1);
            if crate::platform::wasm::shared_set(GENERATION_CELL, &next.to_string()).is_ok() {
                return next;
            }
        }
        let next = self.generation.get().wrapping_add(1);
        self.generation.set(next);
        next
    }

    /// Writes the lease on `key`.
    fn put(&self, key: &str, until: i64, generation: u64) {
        #[cfg(vendor_worker)]
        if crate::platform::wasm::shared_set(&cell_of(key), &format!("{until} {generation}")).is_ok() {
            return;
        }
        let mut held = self.held.borrow_mut();
        held.retain(|(k, _, _)| k != key);
        held.push((key.to_string(), until, generation));
    }

    /// Ends the lease on `key` if it is still generation `generation`'s.
    fn release(&self, key: &str, generation: u64) {
        #[cfg(vendor_worker)]
        if self.lease(key).is_some_and(|(_, g)| g == generation)
            && crate::platform::wasm::shared_remove(&cell_of(key)).is_ok()
        {
            return;
        }
        self.held
            .borrow_mut()
            .retain(|(k, _, g)| !(k == key && *g == generation));
    }

    /// Takes the lock for `lease_ms`, or `None` when someone holds a lease that has not run out.
    /// Released when the guard drops (only if the lease is still this guard's).
    pub fn try_lock(&self, key: &str, now_ms: i64, lease_ms: i64) -> Option<LockGuard<'_>> {
        self.last_now.set(now_ms);
        if self.is_locked_at(key, now_ms) {
            return None;
        }
        let generation = self.next_generation();
        self.put(key, now_ms.saturating_add(lease_ms), generation);
        Some(LockGuard {
            locks: self,
            key: key.to_string(),
            generation,
        })
    }

    /// Keeps `key` locked until `until_ms`, after whoever holds it now: a call made under the
    /// lock whose answer was lost may still land until then. A lease of its own, in a cell
    /// beside the holder's, which the holder's guard does not end and which runs out by itself;
    /// it neither shortens the holder's lease nor an earlier keep's.
    pub fn keep_until(&self, key: &str, until_ms: i64) {
        let kept = kept_cell(key);
        let until = self.lease(&kept).map_or(until_ms, |(end, _)| end.max(until_ms));
        let generation = self.next_generation();
        self.put(&kept, until, generation);
    }

    /// Takes up a write a stopped worker left under the lock on `key` ([`mark_settling`]): while it
    /// may still land, `key` is kept locked ([`Self::keep_until`]). A write that was still out
    /// ([`OUT`]) was sent before that worker stopped, so before now: it may land until
    /// `settle_ms` (its timeout and margin) from now, which the mark then says. Called before the
    /// lock is taken. While a flow of this worker holds `key` (or keeps it), the mark is that
    /// flow's own: taken up, it would keep `key` after a write that was answered.
    pub async fn recall(&self, store: &dyn Store, key: &str, now_ms: i64, settle_ms: i64) {
        if self.is_locked_at(key, now_ms) {
            return;
        }
        let mark = settling_key(key);
        let Ok(Some(mut until)) = crate::platform::load::<i64>(store, &mark).await else {
            return;
        };
        if self.is_locked_at(key, now_ms) {
            return;
        }
        if until == OUT {
            until = now_ms.saturating_add(settle_ms);
            // Counted from this start from now on: a later start does not count again.
            let _ = mark_settling(store, key, until).await;
        }
        if until <= now_ms {
            // Settled long ago: nothing to keep, nothing to leave in storage.
            let _ = store.remove(&mark).await;
        } else {
            self.keep_until(key, until);
        }
    }

    /// The end of the keep on `key` ([`Self::keep_until`]), run out or not.
    pub fn kept_until(&self, key: &str) -> Option<i64> {
        self.lease(&kept_cell(key)).map(|(end, _)| end)
    }

    /// Whether a lease on `key`, or a keep after it, is running (as of `now_ms`).
    pub fn is_locked_at(&self, key: &str, now_ms: i64) -> bool {
        let running = |cell: &str| self.lease(cell).is_some_and(|(until, _)| until > now_ms);
        running(key) || running(&kept_cell(key))
    }

    /// Whether a holder's lease on `key` is running (as of `now_ms`): a flow works on it, as
    /// opposed to a keep after a write whose answer was lost ([`Self::keep_until`]).
    pub fn is_held_at(&self, key: &str, now_ms: i64) -> bool {
        self.lease(key).is_some_and(|(until, _)| until > now_ms)
    }

    /// [`Self::is_locked_at`] as of the last lock taken.
    pub fn is_locked(&self, key: &str) -> bool {
        self.is_locked_at(key, self.last_now.get())
    }
}

pub struct LockGuard<'a> {
    locks: &'a Locks,
    key: String,
    generation: u64,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.locks.release(&self.key, self.generation);
    }
}

#[cfg(test)]
mod tests {
    use super::Locks;

    #[test]
    fn locks_are_leases() {
        let locks = Locks::default();
        let first = locks.try_lock("a", 1_000, 100);
        assert!(first.is_some());
        assert!(locks.try_lock("a", 1_050, 100).is_none());
        // The holder never released it (a trap): the lease runs out.
        std::mem::forget(first);
        let second = locks.try_lock("a", 1_101, 100);
        assert!(second.is_some());
        assert!(locks.is_locked_at("a", 1_150));
        drop(second);
        assert!(!locks.is_locked_at("a", 1_150));
    }

    #[test]
    fn a_lock_kept_past_its_guard_runs_out_when_it_was_told() {
        let locks = Locks::default();
        let guard = locks.try_lock("a", 1_000, 100).expect("free");
        locks.keep_until("a", 5_000);
        drop(guard);
        assert!(
            locks.try_lock("a", 4_999, 100).is_none(),
            "kept after the guard dropped"
        );
        assert!(locks.try_lock("a", 5_000, 100).is_some(), "free when it runs out");
    }

    #[test]
    fn a_keep_shortens_neither_the_holder_s_lease_nor_an_earlier_keep() {
        let locks = Locks::default();
        let guard = locks.try_lock("a", 1_000, 9_000).expect("free");
        locks.keep_until("a", 3_000);
        assert!(locks.is_locked_at("a", 8_000), "the holder's lease still runs");
        locks.keep_until("a", 2_000);
        drop(guard);
        assert!(locks.is_locked_at("a", 2_999), "the later keep holds");
        assert!(
            locks.try_lock("a", 3_000, 100).is_some(),
            "free when both ran out"
        );
    }

    /// What a write left in storage ([`super::mark_settling`]) keeps its key locked in a worker
    /// that starts later, until then; an answered write's mark, or one run out, is nothing.
    #[tokio::test]
    async fn a_stopped_worker_s_write_keeps_its_key_in_the_next_worker() {
        use crate::platform::native::MemoryStore;
        use crate::platform::Store;
        let store = MemoryStore::new();
        super::mark_settling(&store, "a", 5_000).await.unwrap();
        let next = Locks::default();
        next.recall(&store, "a", 1_000, 40_000).await;
        assert!(next.try_lock("a", 4_999, 100).is_none(), "kept until it settles");
        assert!(next.try_lock("a", 5_000, 100).is_some(), "free then");
        next.recall(&store, "a", 6_000, 40_000).await;
        assert_eq!(
            store.get_json("settling.a").await.unwrap(),
            None,
            "a mark run out is taken out of storage"
        );
        super::mark_settling(&store, "b", 5_000).await.unwrap();
        super::settled(&store, "b").await.unwrap();
        next.recall(&store, "b", 1_000, 40_000).await;
        assert!(next.try_lock("b", 1_000, 100).is_some(), "answered: nothing kept");
        // A write still out when the worker stopped: sent before this start, so it may land
        // until its settle time from here, and no later start counts again.
        super::mark_settling(&store, "c", super::OUT).await.unwrap();
        let after = Locks::default();
        after.recall(&store, "c", 10_000, 40_000).await;
        assert!(after.try_lock("c", 49_999, 100).is_none(), "kept from this start");
        let later = Locks::default();
        later.recall(&store, "c", 45_000, 40_000).await;
        assert!(later.try_lock("c", 50_000, 100).is_some(), "not counted again");
    }

    /// The mark of a write this worker is making is its own: taken up by another flow (a cancel
    /// waiting for the lock), it kept the key for the write's whole settle time after the write
    /// was answered.
    #[tokio::test]
    async fn the_mark_of_a_write_under_way_keeps_nothing_after_it() {
        let store = crate::platform::native::MemoryStore::new();
        let locks = Locks::default();
        let writing = locks.try_lock("a", 1_000, 100).expect("free");
        super::mark_settling(&store, "a", super::OUT).await.unwrap();
        locks.recall(&store, "a", 1_010, 40_000).await;
        super::settled(&store, "a").await.unwrap();
        drop(writing);
        assert!(locks.try_lock("a", 1_020, 100).is_some(), "free once answered");
    }

    #[test]
    fn an_expired_guard_does_not_release_its_successor() {
        let locks = Locks::default();
        let old = locks.try_lock("a", 0, 10);
        let new = locks.try_lock("a", 20, 100);
        assert!(new.is_some());
        drop(old);
        assert!(locks.is_locked_at("a", 30));
    }
}

/// The background jobs (the activity log names automatic emission's passes too).
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum JobKind {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    Payments,
    Stock,
    /// Automatic emission's passes (in the activity log only; not a job of its own).
    Emission,
}

impl JobKind {
    pub fn key(self) -> &'static str {
        match self {
            JobKind::Payments => "payments",
            JobKind::Stock => "stock",
            JobKind::Emission => "emission",
        }
    }
}

/// What lives as long as the worker: the governors, the locks, cancellation requests.
#[derive(Default)]
pub struct Runtime {
    pub governors: Governors,
    pub locks: Locks,
    /// The kinds asked to stop (a list: there are three kinds).
    cancel: RefCell<Vec<JobKind>>,
}

impl Runtime {
    /// Asks the running job of this kind to stop after its current item.
    pub fn request_cancel(&self, kind: JobKind) {
        let mut cancel = self.cancel.borrow_mut();
        if !cancel.contains(&kind) {
            cancel.push(kind);
        }
    }

    pub fn cancelled(&self, kind: JobKind) -> bool {
        self.cancel.borrow().contains(&kind)
    }

    pub fn clear_cancel(&self, kind: JobKind) {
        self.cancel.borrow_mut().retain(|k| *k != kind);
    }
}
