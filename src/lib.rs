//! Core of the MiniCRM × SmartBill browser extension: everything that decides anything. The
//! extension's JavaScript only wires browser events to [`app::App::handle`] (through the
//! `#[wasm_bindgen]` surface in `wasm.rs`) and paints what it returns.
//!
//! Pure in the middle, I/O at the edges: workflows take `&dyn Transport`, `&dyn Store` and
//! `&dyn Clock` (see [`platform`]) so every one of them runs in `cargo test` against the sandbox.

// The import job's module, the setup module, the jobs' module and the tick module run some
// commands only (`api`'s dispatcher without the other arms): what only the others use is unused
// there, and checked by the other builds.
#![cfg_attr(
    any(feature = "importjob", feature = "setup", feature = "jobs", feature = "tick"),
    allow(dead_code, unused_imports, unused_variables, unused_macros)
)]

pub mod api;
pub mod app;
pub mod card;
pub mod checklist;
pub mod cif;
pub mod command;
pub mod document;
pub mod emission;
pub mod error;
pub mod fields;
pub mod front;
pub mod i18n;
pub mod import;
pub mod invoice;
pub mod jobs;
pub mod minicrm;
pub mod money;
pub mod platform;
pub mod reply;
pub mod schedule;
pub mod settings;
// Not in the worker's other modules: the first module sends the setup commands to this one.
#[cfg(not(setup_elsewhere))]
pub mod setup;
pub mod smartbill;
pub mod sync;
pub mod tagged;
pub mod team;
pub mod team_mode;
pub mod text;
pub mod url;

// The vendor-calling worker modules' surface (`cfg(vendor_worker)`: build.rs).
#[cfg(vendor_worker)]
mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "front"))]
mod wasm_front;
