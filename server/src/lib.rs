//! Team mode: the MiniCRM × SmartBill core as a Cloudflare Worker, for what a browser cannot do —
//! receive SmartBill's stock webhook, run jobs with no browser open, and hold one rate governor
//! and one set of card locks for the whole team.
//!
//! The logic is the core crate's (`minicrm_smartbill`): this crate only adds the Workers twins of
//! its platform traits ([`platform`]: `fetch`, Durable Object storage, clock), the front door and
//! cron entry points (`entry.rs`), the team's Durable Object (`team.rs`) and the pure rules they
//! use — who may do what ([`auth`]), CORS ([`cors`]), the environment and the settings overlay
//! ([`config`]), the cron table ([`cron`]) and leases ([`lease`]). The pure parts build and are
//! tested natively; the rest only for `wasm32` (built by `worker-build`).

pub mod auth;
pub mod config;
pub mod cors;
pub mod cron;
pub mod lease;

#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
mod team;
