//! The context every workflow runs in: the platform's transport, store and clock, this worker's
//! runtime (governors, locks) and the build's host permissions, with the vendor clients made
//! from the stored settings. What a command does is decided above, in `api`.

use crate::error::Result;
use crate::jobs::{Gate, Priority, Runtime};
use crate::minicrm::MiniCrm;
use crate::platform::{Clock, Store, Transport};
use crate::settings::{self, Settings};
use crate::smartbill::SmartBill;

/// What every workflow runs with: one per worker (or per test, or per server request).
pub struct App<'a> {
    pub transport: &'a dyn Transport,
    pub store: &'a dyn Store,
    pub clock: &'a dyn Clock,
    /// Governors and locks shared by every job of this worker.
    pub runtime: &'a Runtime,
    /// The extension's `host_permissions` (the sandbox build adds 127.0.0.1).
    pub host_permissions: Vec<String>,
}

impl<'a> App<'a> {
    /// The stored settings; also applies their rate-limit time scale to the governors.
    pub async fn settings(&self) -> Result<Settings> {
        let s = settings::load(self.store).await?;
        self.runtime
            .governors
            .set_time_scale(s.time_scale(&self.host_permissions));
        Ok(s)
    }

    /// A MiniCRM client for the stored settings, sending through the shared governor.
    pub fn minicrm(&self, settings: &Settings, priority: Priority, max_wait_ms: i64) -> Result<MiniCrm<'a>> {
        let creds = settings.minicrm_credentials(&self.host_permissions)?;
        Ok(MiniCrm::new(self.transport, creds).governed(Gate {
            governor: &self.runtime.governors.minicrm,
            store: self.store,
            clock: self.clock,
            priority,
            max_wait_ms,
        }))
    }

    /// A SmartBill client for the stored settings, sending through the shared governor.
    pub fn smartbill(
        &self,
        settings: &Settings,
        priority: Priority,
        max_wait_ms: i64,
    ) -> Result<SmartBill<'a>> {
        let creds = settings.smartbill_credentials(&self.host_permissions)?;
        Ok(SmartBill::new(self.transport, self.clock, creds).governed(Gate {
            governor: &self.runtime.governors.smartbill,
            store: self.store,
            clock: self.clock,
            priority,
            max_wait_ms,
        }))
    }
}
