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

pub fn router() -> Router<Shared> {
    Router::new()
}

pub fn seed(_state: &mut State, _today: chrono::NaiveDate) {}
