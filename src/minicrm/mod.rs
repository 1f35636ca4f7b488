//! MiniCRM (`https://r3.minicrm.{ro,hu,io}`): types and client.
//! Facts and quirks: `shared/reference/minicrm-api.md`.

pub mod client;
pub mod types;

/// The client's vocabulary too (it lives in a leaf so that the errors can name it).
pub use crate::document::DocumentKind;
pub use client::{Credentials, MiniCrm};
pub use types::*;

/// The MiniCRM hosts a production build may talk to (§1.2).
pub const HOSTS: [&str; 3] = [
    "https://r3.minicrm.ro",
    "https://r3.minicrm.hu",
    "https://r3.minicrm.io",
];
