//! Fake MiniCRM, written from `shared/reference/minicrm-api.md`, quirks included:
//!
//! - `/Api/R3/...` (Category, Schema, Project, Contact, Address, AddressList, Product) and the
//!   document endpoints `/Api/Offer`, `/Api/Order` (strings everywhere, lists, card fields through
//!   `/{id}/Project`, order transitions), with Basic auth `SystemId:APIKey`, plain-text errors,
//!   60 requests per sliding minute on `/Api/R3/*` (virtual clock), 404/405 as documented;
//! - the card pages at `/{SystemId}/#Project-{CategoryId}/{ProjectId}` (see [`ui`]);
//! - the control API under `/__control/minicrm` (see [`control`]).
//!
//! Inferences where the reference is silent are marked `[INF]` next to the code.

mod api;
mod contacts;
pub mod control;
mod documents;
mod model;
mod ops;
mod schema;
mod seed;
mod ui;

use axum::routing::any;
use axum::Router;
use serde_json::Value;

pub use model::{
    Address, Contact, ContactKind, CustomerBlock, DocKind, Document, Item, Product, Project, Settings, State,
    StoredFile,
};
pub use ops::ApiError;
pub use schema::{
    Category, CategoryKind, FieldDef, FieldKind, OrderPhase, StatusDef, StatusGroup, User, OFFER_SB_FIELDS,
    ORDER_SB_FIELDS,
};

use crate::Shared;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/Api", any(api::entry))
        .route("/Api/", any(api::entry))
        .route("/Api/{*rest}", any(api::entry))
        .merge(ui::router())
}

/// Loads the demo tenant: customers, contacts, addresses, offer/order cards with documents, a
/// sales card and a few products. Ids are fixed; dates follow `today`.
pub fn seed(state: &mut State, today: chrono::NaiveDate) {
    seed::seed(state, today)
}

/// The seeded cards by name (`offerBucharestRon`, `offerPayerEur`, `offerPersonRon`,
/// `offerStockShort`, `orderPayerRon`, `orderPersonEur`, `orderBucharestRon`, `orderDraft`,
/// `salesCard`), plus `customers`, `statuses` and the SmartBill `fields` names.
pub fn seed_cards_info() -> Value {
    seed::cards_info()
}
