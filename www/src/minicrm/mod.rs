//! Fake MiniCRM (`/Api`) and its card pages. To be written from shared/reference/minicrm-api.md.

use axum::Router;
use serde_json::{json, Value};

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

pub fn seed_cards_info() -> Value {
    json!({})
}
