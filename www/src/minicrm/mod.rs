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
    sb_fields, Category, CategoryKind, FieldDef, FieldKind, OrderPhase, SmartBillFields, StatusDef,
    StatusGroup, User, OFFER_SB_FIELDS, OFFER_SB_FIELDS_TYPE_IDS, ORDER_SB_FIELDS, ORDER_SB_FIELDS_TYPE_IDS,
};
pub use seed::{seeded_invoices, SeedLine, INVOICED_SERIES};

use crate::Shared;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/Api", any(api::entry))
        .route("/Api/", any(api::entry))
        .route("/Api/{*rest}", any(api::entry))
        .merge(ui::router())
}

/// Loads the demo tenant: customers, contacts, addresses, offer/order cards with documents, a
/// sales card and a few products. Ids are fixed; dates follow `today`. The `typeIds` shape adds
/// cards invoiced before (their SmartBill fields filled); `base` is the fake's origin.
pub fn seed(state: &mut State, today: chrono::NaiveDate, shape: crate::TenantShape, base: &str) {
    seed::seed(state, today, shape, base)
}

/// The seeded cards of the default shape by name (`offerBucharestRon`, `offerPayerEur`,
/// `offerPersonRon`, `offerStockShort`, `offerDraft`, `orderPayerRon`, `orderPersonEur`,
/// `orderBucharestRon`, `orderDraft`, `salesCard`), plus `customers`, `statuses` and the SmartBill
/// `fields` names.
pub fn seed_cards_info() -> Value {
    seed::cards_info(crate::TenantShape::Default)
}

/// The same for a shape (`typeIds` adds `offerInvoiced`, `orderInvoiced`, `offerFailed`).
pub fn seed_cards_info_of(shape: crate::TenantShape) -> Value {
    seed::cards_info(shape)
}

/// Whether some tenant shape defines the custom card field `name` (on a module of `kind`, or on
/// any module): what the request-log checker accepts as a custom field.
pub fn known_card_field(kind: Option<CategoryKind>, name: &str) -> bool {
    [crate::TenantShape::Default, crate::TenantShape::TypeIds]
        .into_iter()
        .flat_map(schema::categories)
        .filter(|c| kind.is_none_or(|k| c.kind == k))
        .any(|c| c.field(name).is_some())
}

/// Whether the tenant's company or person schema has the field `name`.
pub fn known_contact_field(name: &str) -> bool {
    schema::default_business_fields()
        .iter()
        .chain(schema::default_person_fields().iter())
        .any(|d| d.name == name)
}
