//! Team mode, the extension's side: a colleague's browser that talks to the team's server (the
//! same core as a Cloudflare Worker, `server/`) instead of SmartBill and MiniCRM.
//!
//! When a server address is set, the browser keeps no vendor secret (the SmartBill token and the
//! MiniCRM API key are dropped on saving; the server holds its own as Workers secrets), and:
//!
//! - the panel's commands (`panelState`, `card` with its action) go to `POST {server}/api/command`
//!   with the member key, after the core's own checks (the card is the sender's page; an action
//!   names the page it was drawn for); the server's reply goes back to the panel;
//! - "Sincronizează acum" and the jobs' status go to the server too; the browser's tick does no
//!   emission and no jobs (the server's cron triggers do);
//! - the connection tests, the checklist, the warehouses and the company import are the server's
//!   (its admin's) business, and say so;
//! - nothing falls back to direct calls: an unreachable server or a revoked key is an error the
//!   panel shows in words.
//!
//! The member key is a secret: stored under `secret.server.memberKey` (the extension origin's
//! IndexedDB, see `platform::SECRET_PREFIX`), never sent to a page, shown only as "set". The
//! server's address and key are part of the settings (`settings::server`).

pub mod client;
pub mod forward;
// The server's test is the setup module's (`cfg(setup_elsewhere)`: build.rs).
#[cfg(test)]
mod forwarding_tests;
#[cfg(not(setup_elsewhere))]
pub mod server_test;
