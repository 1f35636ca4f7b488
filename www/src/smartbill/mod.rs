//! Fake SmartBill Cloud V1 (`/SBORO/api`). To be written from shared/reference/smartbill-api.md.

use axum::Router;

use crate::Shared;

pub mod control {
    use axum::Router;

    use crate::Shared;

    pub fn router() -> Router<Shared> {
        Router::new()
    }
}

#[derive(Default)]
pub struct State {}

impl State {
    /// The PDF behind a public `documentViewUrl` path (e.g. `/documente/extern/pf/factura/<hash>`),
    /// as `(file name, bytes)`. The fake MiniCRM calls it when a file field is set to such a URL,
    /// as the real MiniCRM downloads the file from the URL.
    pub fn public_pdf(&self, _path: &str) -> Option<(String, Vec<u8>)> {
        None
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
}

pub fn seed(_state: &mut State, _today: chrono::NaiveDate) {}
