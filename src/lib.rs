//! Core of the MiniCRM × SmartBill browser extension: everything that decides anything. The
//! extension's JavaScript only wires browser events to [`app::App::handle`] (through the
//! `#[wasm_bindgen]` surface in `wasm.rs`) and paints what it returns.
//!
//! Pure in the middle, I/O at the edges: workflows take `&dyn Transport`, `&dyn Store` and
//! `&dyn Clock` (see [`platform`]) so every one of them runs in `cargo test` against the sandbox.

// The import job's module runs the import's commands only (`api`'s dispatcher without the other
// arms): what only they use is unused there, and checked by the other builds.
#![cfg_attr(
    feature = "importjob",
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
pub mod smartbill;
pub mod sync;
pub mod tagged;
pub mod team;
pub mod team_mode;
pub mod text;
pub mod url;

#[cfg(all(target_arch = "wasm32", any(feature = "sw", feature = "importjob")))]
mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "front"))]
mod wasm_front;
