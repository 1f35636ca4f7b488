//! Shared machinery for everything that runs in the background: rate governors now; persisted
//! queues, cursors and schedules as the jobs arrive.

pub mod governor;

pub use governor::{Governor, Priority, Wait};

use std::cell::RefCell;

use crate::error::Service;

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
    /// Takes a slot, waiting up to `max_wait_ms`.
    pub async fn enter(&self) -> crate::error::Result<()> {
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
}

/// Per-document locks of this worker: a double click, two tabs and the poller all reach the same
/// service worker, so an in-memory set is enough to let only one of them emit a document.
#[derive(Default)]
pub struct Locks {
    held: RefCell<std::collections::BTreeSet<String>>,
}

impl Locks {
    /// Takes the lock, or `None` when someone holds it. Released when the guard drops.
    pub fn try_lock(&self, key: &str) -> Option<LockGuard<'_>> {
        let mut held = self.held.borrow_mut();
        if held.contains(key) {
            return None;
        }
        held.insert(key.to_string());
        Some(LockGuard {
            locks: self,
            key: key.to_string(),
        })
    }

    pub fn is_locked(&self, key: &str) -> bool {
        self.held.borrow().contains(key)
    }
}

pub struct LockGuard<'a> {
    locks: &'a Locks,
    key: String,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.locks.held.borrow_mut().remove(&self.key);
    }
}

/// What lives as long as the worker: the governors, the locks, cancellation requests.
#[derive(Default)]
pub struct Runtime {
    pub governors: Governors,
    pub locks: Locks,
    cancel: RefCell<std::collections::BTreeSet<crate::sync::JobKind>>,
}

impl Runtime {
    /// Asks the running job of this kind to stop after its current item.
    pub fn request_cancel(&self, kind: crate::sync::JobKind) {
        self.cancel.borrow_mut().insert(kind);
    }

    pub fn cancelled(&self, kind: crate::sync::JobKind) -> bool {
        self.cancel.borrow().contains(&kind)
    }

    pub fn clear_cancel(&self, kind: crate::sync::JobKind) {
        self.cancel.borrow_mut().remove(&kind);
    }
}
