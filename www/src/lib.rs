//! The sandbox: a faithful fake of SmartBill Cloud V1 and of MiniCRM (REST API and card pages),
//! written from `shared/reference/` (smartbill-api.md, minicrm-api.md), quirks included.
//!
//! Tests start it in-process on ephemeral ports with [`start`]; the demo runs the `sandbox` binary.
//! Each service listens on its own port, as the real ones live on different origins:
//! SmartBill under `{smartbill_url}/SBORO/api`, MiniCRM under `{minicrm_url}/Api` with its card
//! pages at `{minicrm_url}/{SystemId}/#Project-{CategoryId}/{ProjectId}`.
//! Both ports also serve the control API under `/__control` (see [`control`]).
//!
//! The fakes are never wider than the reference: [`documented`] is the single allow-list of query
//! parameters and body keys per endpoint, and the table of readings of the points where the
//! reference is silent or contradicts itself (strict by default, switchable per point, per run
//! with `--readings` / `SANDBOX_READINGS`). [`conformance`] judges a request log against it
//! (`check-requests`).

pub mod clock;
pub mod conformance;
pub mod control;
pub mod documented;
pub mod http;
pub mod minicrm;
pub mod pdf;
pub mod seed;
pub mod smartbill;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde::Serialize;

pub use clock::Clock;
pub use documented::{Reading, Readings};
pub use http::{Fault, FaultKind, LoggedRequest, Service};
pub use seed::TenantShape;

/// Everything the two fake services know, behind one lock. Handlers never hold the lock across `.await`.
pub struct World {
    pub clock: Clock,
    pub log: Vec<LoggedRequest>,
    /// Requests received and not answered yet (logged when they end): tests stop a worker while
    /// its request is in flight.
    pub inflight: std::collections::BTreeMap<u64, LoggedRequest>,
    pub next_seq: u64,
    /// How many resets this world has been through. A request that arrived before a reset and
    /// is still waiting (a latency fault) is not applied to the new world: a previous test case's
    /// slow write must not land on the next case's fresh cards.
    pub epoch: u64,
    pub faults: Vec<Fault>,
    /// Wakes the requests a `hold` fault keeps ([`FaultKind::Hold`]); `releases` counts the
    /// releases, so a held request knows it was let go.
    pub release: Arc<tokio::sync::Notify>,
    pub releases: u64,
    pub smartbill: smartbill::State,
    pub minicrm: minicrm::State,
    pub urls: Urls,
    /// The reading in force on each silent or contradictory point (see [`documented::READINGS`]).
    pub readings: Readings,
    /// The tenant's shape (which names the SmartBill extension's card fields have).
    pub shape: TenantShape,
    /// What a reset returns to: the run's readings and shape (from the binary's flags).
    pub defaults: (Readings, TenantShape),
    /// The persistent request log (`--request-log`), never cleared by a reset.
    pub request_log: Option<http::RequestLogFile>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Urls {
    /// e.g. `http://127.0.0.1:41001` (the API is under `/SBORO/api`)
    pub smartbill: String,
    /// e.g. `http://127.0.0.1:41002` (the API is under `/Api`)
    pub minicrm: String,
}

#[derive(Clone)]
pub struct Shared(Arc<Mutex<World>>);

impl Shared {
    /// Locks the world. A poisoned lock (a handler panicked) is recovered: the fake keeps serving.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl World {
    fn new(urls: Urls, seed: bool, shape: TenantShape, readings: Readings) -> World {
        let mut w = World {
            clock: Clock::new(),
            log: Vec::new(),
            inflight: Default::default(),
            next_seq: 1,
            epoch: 0,
            faults: Vec::new(),
            release: Arc::new(tokio::sync::Notify::new()),
            releases: 0,
            smartbill: smartbill::State::default(),
            minicrm: minicrm::State::new(shape),
            urls,
            readings,
            shape,
            defaults: (readings, shape),
            request_log: None,
        };
        if seed {
            seed::apply(&mut w);
        }
        w
    }

    /// Back to an empty (or freshly seeded) world of `shape` (default: the run's shape), with the
    /// run's readings; the clock speed, the URLs and the persistent request log are kept.
    pub fn reset(&mut self, seed: bool, shape: Option<TenantShape>) {
        let urls = self.urls.clone();
        let speed = self.clock.speed();
        let defaults = self.defaults;
        let request_log = self.request_log.take();
        let epoch = self.epoch + 1;
        // Held requests belong to the old world: they end (503) once it is gone.
        let release = self.release.clone();
        *self = World::new(urls, seed, shape.unwrap_or(defaults.1), defaults.0);
        self.epoch = epoch;
        self.defaults = defaults;
        self.request_log = request_log;
        self.clock.set_speed(speed);
        release.notify_waiters();
    }

    /// Lets every request a `hold` fault keeps go on.
    pub fn release_held(&mut self) {
        self.releases += 1;
        self.release.notify_waiters();
    }
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// 0 picks a free port.
    pub smartbill_port: u16,
    /// 0 picks a free port.
    pub minicrm_port: u16,
    /// Load the demo data of [`seed`].
    pub seed: bool,
    /// Bind address; defaults to 127.0.0.1.
    pub host: Option<String>,
    /// The readings of silent points for the run (default: all strict).
    pub readings: Readings,
    /// The tenant's shape for the run (default: [`TenantShape::Default`]).
    pub shape: TenantShape,
    /// Appends every API request as a JSON line to this file (never cleared by a reset).
    pub request_log: Option<std::path::PathBuf>,
}

pub struct Sandbox {
    pub urls: Urls,
    pub state: Shared,
}

impl Sandbox {
    pub fn smartbill_api(&self) -> String {
        format!("{}/SBORO/api", self.urls.smartbill)
    }
    pub fn minicrm_base(&self) -> String {
        self.urls.minicrm.clone()
    }
}

/// Starts both fake services on the current tokio runtime and returns once they accept connections.
pub async fn start(config: Config) -> anyhow::Result<Sandbox> {
    let host = config.host.clone().unwrap_or_else(|| "127.0.0.1".to_string());
    let sb_listener = tokio::net::TcpListener::bind((host.as_str(), config.smartbill_port)).await?;
    let mc_listener = tokio::net::TcpListener::bind((host.as_str(), config.minicrm_port)).await?;
    let sb_addr: SocketAddr = sb_listener.local_addr()?;
    let mc_addr: SocketAddr = mc_listener.local_addr()?;
    let urls = Urls {
        smartbill: format!("http://{}:{}", host, sb_addr.port()),
        minicrm: format!("http://{}:{}", host, mc_addr.port()),
    };
    let mut world = World::new(urls.clone(), config.seed, config.shape, config.readings);
    if let Some(path) = &config.request_log {
        world.request_log = Some(http::RequestLogFile::open(path)?);
    }
    let state = Shared(Arc::new(Mutex::new(world)));

    let sb_app: Router = Router::new()
        .merge(smartbill::router())
        .merge(control::router())
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), Service::SmartBill),
            http::observe,
        ))
        .with_state(state.clone());
    let mc_app: Router = Router::new()
        .merge(minicrm::router())
        .merge(control::router())
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), Service::MiniCrm),
            http::observe,
        ))
        .with_state(state.clone());

    tokio::spawn(http::serve(sb_listener, sb_app));
    tokio::spawn(http::serve(mc_listener, mc_app));
    Ok(Sandbox { urls, state })
}
