//! SmartBill Cloud V1 (`https://ws.smartbill.ro/SBORO/api`): types and client.
//! Facts and quirks: `shared/reference/smartbill-api.md`.

pub mod client;
pub mod types;

pub use client::{Credentials, SmartBill, DEFAULT_API_BASE};
pub use types::*;
