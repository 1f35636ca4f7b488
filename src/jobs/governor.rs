//! Rate governors shared by every job: SmartBill allows 30 calls per 10 s per token and blocks
//! the token for 10 minutes when exceeded (smartbill-api.md §3.5); MiniCRM allows 60 requests a
//! minute on `/Api/R3` and answers 429 beyond (minicrm-api.md §1.3).
//!
//! A governor keeps the times of the last calls (a sliding window, which also satisfies a
//! service counting fixed windows), in memory for atomic check-and-take (the
//! service worker runs one JS thread; no `.await` between check and take) and written through to
//! storage so a restarted worker knows what was spent and whether a lockout is running.
//! Interactive work (an emission a person waits for) may use every slot; background jobs leave a
//! reserve, so a click never waits behind a sync.

use std::cell::RefCell;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};

use crate::error::Service;
use crate::platform::{self, Clock, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Priority {
    /// A person is waiting (the panel's button).
    Interactive,
    /// Polls, payment refresh, stock sync, import.
    Background,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// Calls allowed in any window (already below the service's limit).
    pub calls: u32,
    pub window_ms: i64,
    /// Slots background work leaves free for interactive work.
    pub reserve: u32,
    /// A slot counts from the call's answer, not its send ([`Governor::answered`]).
    pub from_answer: bool,
}

/// 30 calls per 10.05 s, background work leaving 2 for people. A call's slot is held from its
/// send until 10.05 s after its **answer** (see [`Governor::answered`]): SmartBill received the
/// call somewhere between the two, so whatever the network's delays, no 10 s of SmartBill's —
/// sliding or fixed (smartbill-api.md §3.5, §6) — sees a 31st call; the 50 ms cover clocks
/// that tick at slightly different rates. SmartBill also says how many calls its current window
/// has left (`X-RateLimit-Remaining`): at 0 the governor holds until `X-RateLimit-Reset`.
pub const SMARTBILL: Limit = Limit {
    calls: 30,
    window_ms: 10_050,
    reserve: 2,
    from_answer: true,
};
/// 59 calls per 61 s, background leaving 3 for people: 56/61 s = 92 % of MiniCRM's 60 a minute
/// (MiniCRM sends no rate-limit headers; a 429 pauses all MiniCRM work for a backoff, not a
/// lockout). The spare second and call absorb network delays, so slots count from the send.
pub const MINICRM: Limit = Limit {
    calls: 59,
    window_ms: 61_000,
    reserve: 3,
    from_answer: false,
};

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernorState {
    /// The calls still inside the window: each one's send time, replaced by its answer's time
    /// once answered ([`Governor::answered`]).
    pub calls: Vec<i64>,
    /// A lockout (SmartBill's 10-minute block, MiniCRM's 429 backoff) lasts until then.
    pub blocked_until: Option<i64>,
    /// The service said its window is spent: no call before then (not a lockout).
    #[serde(default)]
    pub held_until: Option<i64>,
    /// Calls that are not ours (another browser or integration on the same token), estimated
    /// from the service's `X-RateLimit-Remaining`, as send times: they take slots like ours.
    #[serde(default)]
    pub foreign: Vec<i64>,
}

/// Why a slot was not granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// The service locked us out until then: stop all work for it.
    Blocked { until_ms: i64 },
    /// The window is full; a slot frees up then.
    Busy { at_ms: i64 },
}

pub struct Governor {
    service: Service,
    limit: Limit,
    /// Tests and the sandbox build may shrink time windows (the sandbox's clock runs faster).
    time_scale: std::cell::Cell<f64>,
    state: Slot,
}

/// Where a governor's state lives while the worker runs. Natively (tests, the team server) and in
/// the pages: in the governor itself. In the service worker, whose modules each hold their own
/// governors (`pkg/core_bg.wasm`, `pkg/importjob_bg.wasm`, `pkg/setup_bg.wasm`, `pkg/jobs_bg.wasm`),
/// in one cell of the worker that they
/// all read and write (`platform::wasm::shared_*`, `background.js`'s `mcsbShared`), within one
/// synchronous step: check-and-take stays atomic across the modules, and together they never
/// exceed a service's limit.
struct Slot {
    local: RefCell<Option<GovernorState>>,
    /// The storage key, and the worker's cell.
    key: String,
}

impl Slot {
    #[cfg(not(vendor_worker))]
    fn get(&self) -> Option<GovernorState> {
        self.local.borrow().clone()
    }

    #[cfg(not(vendor_worker))]
    fn set(&self, state: Option<GovernorState>) {
        *self.local.borrow_mut() = state;
    }

    /// The worker's cell holds the state as JSON text (our own: unreadable text counts as none).
    /// A worker without the cells keeps the state here, as before the split.
    #[cfg(vendor_worker)]
    fn get(&self) -> Option<GovernorState> {
        match platform::wasm::shared_get(&self.key) {
            Ok(text) => text.and_then(|t| platform::from_json(t.as_bytes()).ok()),
            Err(platform::wasm::NoCells) => self.local.borrow().clone(),
        }
    }

    #[cfg(vendor_worker)]
    fn set(&self, state: Option<GovernorState>) {
        let shared = match &state {
            Some(s) => serde_json::to_string(s)
                .map_err(|_| platform::wasm::NoCells)
                .and_then(|text| platform::wasm::shared_set(&self.key, &text)),
            None => platform::wasm::shared_remove(&self.key),
        };
        if shared.is_err() {
            *self.local.borrow_mut() = state;
        }
    }

    /// Changes the state (none: the default) in one synchronous step.
    fn update<R>(&self, change: impl FnOnce(&mut GovernorState) -> R) -> R {
        let mut state = self.get().unwrap_or_default();
        let result = change(&mut state);
        self.set(Some(state));
        result
    }
}

/// The storage key (and the worker's cell) of a service's governor state.
fn key_of(service: Service) -> String {
    format!("governor.{}", service.name().to_ascii_lowercase())
}

impl Governor {
    pub fn new(service: Service, limit: Limit) -> Governor {
        Governor {
            service,
            limit,
            time_scale: std::cell::Cell::new(1.0),
            state: Slot {
                local: RefCell::new(None),
                key: key_of(service),
            },
        }
    }

    pub fn service(&self) -> Service {
        self.service
    }

    /// Windows last `1/scale` of their real length (to match a sped-up sandbox clock).
    pub fn set_time_scale(&self, scale: f64) {
        self.time_scale.set(if scale.is_finite() && scale >= 1.0 {
            scale
        } else {
            1.0
        });
    }

    pub fn window_ms(&self) -> i64 {
        ((self.limit.window_ms as f64) / self.time_scale.get()).ceil() as i64
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    async fn ensure_loaded(&self, store: &dyn Store) {
        if self.state.get().is_some() {
            return;
        }
        let loaded: GovernorState = platform::load(store, &self.state.key)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        // Another task (or module) may have loaded meanwhile; keep what is in memory.
        if self.state.get().is_none() {
            self.state.set(Some(loaded));
        }
    }

    async fn persist(&self, store: &dyn Store) {
        let snapshot = self.state.get();
        if let Some(s) = snapshot {
            // Losing this write only makes a restarted worker less careful for one window.
            let _ = platform::save(store, &self.state.key, &s).await;
        }
    }

    /// Takes a slot now, or says how long to wait. Atomic within the worker. `Ok`: the time the
    /// slot was taken at, to give to [`Governor::answered`].
    pub async fn try_acquire(
        &self,
        store: &dyn Store,
        clock: &dyn Clock,
        priority: Priority,
    ) -> Result<i64, Wait> {
        self.ensure_loaded(store).await;
        let now = clock.now_ms();
        let window = self.window_ms();
        let outcome = self.state.update(|state| {
            match state.blocked_until {
                Some(until) if until > now => Err(Wait::Blocked { until_ms: until }),
                _ if state.held_until.is_some_and(|h| h > now) => Err(Wait::Busy {
                    at_ms: state.held_until.unwrap_or(now),
                }),
                _ => {
                    state.blocked_until = None;
                    state.held_until = None;
                    state.calls.retain(|&t| t > now - window && t <= now + window);
                    state.foreign.retain(|&t| t > now - window && t <= now + window);
                    let allowed = match priority {
                        Priority::Interactive => self.limit.calls,
                        Priority::Background => self.limit.calls.saturating_sub(self.limit.reserve).max(1),
                    } as usize;
                    // Others' calls take slots too: we yield to them.
                    let mut taken: Vec<i64> =
                        state.calls.iter().chain(state.foreign.iter()).copied().collect();
                    crate::platform::sort_short_by(&mut taken, |a, b| a < b);
                    if taken.len() < allowed {
                        state.calls.push(now);
                        Ok(now)
                    } else {
                        // The slot that frees first for this priority.
                        let idx = taken.len() - allowed;
                        Err(Wait::Busy {
                            at_ms: taken[idx] + window,
                        })
                    }
                }
            }
        });
        if outcome.is_ok() {
            self.persist(store).await;
        }
        outcome
    }

    /// Waits for a slot (or the end of a lockout) for up to `max_wait_ms`; `Ok` as
    /// [`Governor::try_acquire`].
    pub async fn acquire(
        &self,
        store: &dyn Store,
        clock: &dyn Clock,
        priority: Priority,
        max_wait_ms: i64,
    ) -> Result<i64, Wait> {
        let deadline = clock.now_ms() + max_wait_ms;
        loop {
            match self.try_acquire(store, clock, priority).await {
                Ok(taken) => return Ok(taken),
                Err(Wait::Busy { at_ms } | Wait::Blocked { until_ms: at_ms }) if at_ms <= deadline => {
                    let pause = (at_ms - clock.now_ms()).max(1) as u64;
                    clock.sleep_ms(pause).await;
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// The call whose slot was taken at `taken_ms` has its answer (or was given up): its slot
    /// now counts from this moment. The service received the call between the two, so a window
    /// measured from the answer holds whatever the network's delays were.
    pub async fn answered(&self, store: &dyn Store, clock: &dyn Clock, taken_ms: i64) {
        if !self.limit.from_answer {
            return;
        }
        let now = clock.now_ms();
        let changed = self
            .state
            .update(|state| match state.calls.iter_mut().find(|t| **t == taken_ms) {
                Some(t) if now > *t => {
                    *t = now;
                    true
                }
                _ => false,
            });
        if changed {
            self.persist(store).await;
        }
    }

    /// Records a lockout: nothing goes to this service before `until_ms`.
    pub async fn block(&self, store: &dyn Store, until_ms: i64) {
        self.ensure_loaded(store).await;
        self.state.update(|state| {
            state.blocked_until = Some(state.blocked_until.map_or(until_ms, |u| u.max(until_ms)));
        });
        self.persist(store).await;
    }

    /// The service says its current window is spent until `until_ms`: hold calls until then,
    /// but never longer than one of our windows (clocks differ between client and server).
    pub async fn hold(&self, store: &dyn Store, clock: &dyn Clock, until_ms: i64) {
        let now = clock.now_ms();
        if until_ms <= now {
            return;
        }
        let until = until_ms.min(now + self.window_ms());
        self.ensure_loaded(store).await;
        self.state.update(|state| {
            state.held_until = Some(state.held_until.map_or(until, |h| h.max(until)));
        });
        self.persist(store).await;
    }

    /// What the service says of its current window (SmartBill's `X-RateLimit-Limit` and
    /// `-Remaining`, smartbill-api.md §3.5): calls it counted beyond ours in our window are
    /// someone else's on the same token (a colleague's browser): they are recorded as taken
    /// slots, so our pace drops and the two of us together stay under the limit.
    pub async fn observe_remote(&self, store: &dyn Store, clock: &dyn Clock, limit: u32, remaining: u32) {
        self.ensure_loaded(store).await;
        let now = clock.now_ms();
        let window = self.window_ms();
        let changed = self.state.update(|state| {
            let used = limit.saturating_sub(remaining) as usize;
            let ours = state.calls.iter().filter(|&&t| t > now - window).count();
            let known = state.foreign.iter().filter(|&&t| t > now - window).count();
            let others = used.saturating_sub(ours);
            if others > known {
                state.foreign.extend(std::iter::repeat_n(now, others - known));
                true
            } else {
                false
            }
        });
        if changed {
            self.persist(store).await;
        }
    }

    /// The current lockout, if any.
    pub async fn blocked_until(&self, store: &dyn Store, clock: &dyn Clock) -> Option<i64> {
        self.ensure_loaded(store).await;
        let now = clock.now_ms();
        self.state
            .get()
            .and_then(|s| s.blocked_until)
            .filter(|&u| u > now)
    }

    /// Forgets the in-memory copy (as a restarted worker would).
    pub fn forget_memory(&self) {
        self.state.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::{MemoryStore, TestClock};

    #[tokio::test]
    async fn grants_up_to_the_limit_then_says_when() {
        let store = MemoryStore::new();
        let clock = TestClock::at(1_000_000);
        let g = Governor::new(Service::SmartBill, SMARTBILL);
        for _ in 0..SMARTBILL.calls {
            assert!(g.try_acquire(&store, &clock, Priority::Interactive).await.is_ok());
        }
        let wait = g.try_acquire(&store, &clock, Priority::Interactive).await;
        assert!(
            matches!(wait, Err(Wait::Busy { at_ms }) if at_ms > 1_000_000 && at_ms <= 1_000_000 + SMARTBILL.window_ms + 50)
        );
    }

    #[tokio::test]
    async fn background_work_leaves_a_reserve_for_people() {
        let store = MemoryStore::new();
        let clock = TestClock::at(5_000_000);
        clock.set_speed(0.0);
        let g = Governor::new(Service::MiniCrm, MINICRM);
        let mut background = 0;
        while g.try_acquire(&store, &clock, Priority::Background).await.is_ok() {
            background += 1;
        }
        assert_eq!(background, MINICRM.calls - MINICRM.reserve);
        for _ in 0..MINICRM.reserve {
            assert!(g.try_acquire(&store, &clock, Priority::Interactive).await.is_ok());
        }
        assert!(g
            .try_acquire(&store, &clock, Priority::Interactive)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn a_lockout_survives_a_worker_restart() {
        let store = MemoryStore::new();
        let clock = TestClock::at(10_000_000);
        let g = Governor::new(Service::SmartBill, SMARTBILL);
        g.block(&store, 10_600_000).await;
        g.forget_memory();
        let fresh = Governor::new(Service::SmartBill, SMARTBILL);
        assert_eq!(
            fresh.try_acquire(&store, &clock, Priority::Interactive).await,
            Err(Wait::Blocked { until_ms: 10_600_000 })
        );
        clock.advance_ms(600_001);
        assert!(fresh
            .try_acquire(&store, &clock, Priority::Interactive)
            .await
            .is_ok());
    }

    /// SmartBill counts a call when it arrives, in a sliding window (the strict reading): with
    /// slow and fast requests mixed, no 10 s of arrivals may hold 31 calls.
    #[tokio::test]
    async fn network_delays_never_put_thirty_one_arrivals_in_ten_seconds() {
        for answered in [true, false] {
            let store = MemoryStore::new();
            let clock = TestClock::at(50_000_000);
            clock.set_speed(0.0);
            let g = Governor::new(Service::SmartBill, SMARTBILL);
            let mut arrivals = Vec::new();
            for i in 0..200i64 {
                let taken = loop {
                    match g.try_acquire(&store, &clock, Priority::Interactive).await {
                        Ok(t) => break t,
                        Err(Wait::Busy { at_ms } | Wait::Blocked { until_ms: at_ms }) => {
                            clock.advance_ms((at_ms - clock.now_ms()).max(1))
                        }
                    }
                };
                // Now and then a call travels slowly (a new connection) while the one that
                // takes its slot 10 s later is fast.
                let (to_server, back) = if i % 60 == 1 { (700, 50) } else { (5, 20) };
                arrivals.push(taken + to_server);
                clock.advance_ms(to_server + back);
                if answered {
                    g.answered(&store, &clock, taken).await;
                }
            }
            let most = arrivals
                .iter()
                .map(|&a| arrivals.iter().filter(|&&b| b >= a && b < a + 10_000).count())
                .max()
                .unwrap_or(0);
            if answered {
                assert!(most <= 30, "{most} arrivals within 10 s");
            } else {
                assert!(
                    most > 30,
                    "without the answers' times the test shows nothing ({most})"
                );
            }
        }
    }

    #[tokio::test]
    async fn spent_calls_survive_a_worker_restart() {
        let store = MemoryStore::new();
        let clock = TestClock::at(20_000_000);
        clock.set_speed(0.0);
        let g = Governor::new(Service::SmartBill, SMARTBILL);
        for _ in 0..SMARTBILL.calls {
            g.try_acquire(&store, &clock, Priority::Interactive)
                .await
                .unwrap();
        }
        let fresh = Governor::new(Service::SmartBill, SMARTBILL);
        assert!(fresh
            .try_acquire(&store, &clock, Priority::Interactive)
            .await
            .is_err());
    }

    #[tokio::test]
    async fn calls_the_service_counted_beyond_ours_take_slots() {
        let store = MemoryStore::new();
        let clock = TestClock::at(40_000_000);
        clock.set_speed(0.0);
        let g = Governor::new(Service::SmartBill, SMARTBILL);
        for _ in 0..5 {
            g.try_acquire(&store, &clock, Priority::Background).await.unwrap();
        }
        // SmartBill says 20 of 30 are spent: 15 are another browser's.
        g.observe_remote(&store, &clock, 30, 10).await;
        // Seeing the same figure again adds nothing.
        g.observe_remote(&store, &clock, 30, 10).await;
        let mut more = 0;
        while g.try_acquire(&store, &clock, Priority::Background).await.is_ok() {
            more += 1;
        }
        assert_eq!(more, (SMARTBILL.calls - SMARTBILL.reserve) as usize - 20);
        // They expire with the window, as ours do.
        clock.advance_ms(SMARTBILL.window_ms + 1);
        assert!(g.try_acquire(&store, &clock, Priority::Background).await.is_ok());
    }

    #[tokio::test]
    async fn acquire_waits_for_a_free_slot() {
        let store = MemoryStore::new();
        let clock = TestClock::at(30_000_000);
        clock.set_speed(1000.0);
        let g = Governor::new(Service::SmartBill, SMARTBILL);
        g.set_time_scale(1.0);
        // Measured from before the first slot is taken, not from after the last: the clock runs
        // on while they are taken, as fast or slow as the machine is.
        let first = clock.now_ms();
        for _ in 0..SMARTBILL.calls {
            g.try_acquire(&store, &clock, Priority::Interactive)
                .await
                .unwrap();
        }
        // Every slot is taken: none is free until the first one's window is over, however long
        // taking them took.
        g.acquire(&store, &clock, Priority::Interactive, 60_000)
            .await
            .unwrap();
        assert!(clock.now_ms() - first >= SMARTBILL.window_ms - 5);
    }
}
