//! Fake SmartBill Cloud V1 (`/SBORO/api`), written from `shared/reference/smartbill-api.md`
//! (the source of truth; section numbers below refer to it) and the official Swagger 2.0.
//! Faithful, quirks included: verbatim Romanian error texts, documented string/number types,
//! the rate limit and its lockout. Where the reference infers or is silent, the choice is marked
//! `[INF]` in a comment next to the code.
//!
//! Modules: [`api`] (front door: limiter, auth, routing, content negotiation), [`fields`]
//! (body mapping), [`documents`] (invoices, proformas, PDF, storno), [`payments`], [`stock`],
//! [`money`] (VAT maths), [`limit`], [`catalog`] (the seeded products, shared with MiniCRM),
//! [`public`] (public document pages), [`control`] (`/__control/smartbill`), [`webhook`] (the
//! stock webhook sender, §4.1).

pub mod api;
pub mod catalog;
pub mod control;
pub mod documents;
pub mod fields;
pub mod limit;
pub mod money;
pub mod payments;
pub mod public;
pub mod resp;
pub mod state;
pub mod stock;
pub mod webhook;

use axum::routing::{any, get};
use axum::Router;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

pub use state::{Account, DocKind, Document, Payment, Settings, State};

use crate::seed as constants;
use crate::Shared;
use state::{Movement, Product, Series, SeriesType, Tax, Warehouse};

impl State {
    /// The PDF behind a public `documentViewUrl` path (e.g. `/documente/extern/pf/factura/<hash>`,
    /// with or without `?srvid=2`), as `(file name, bytes)`. The fake MiniCRM calls it when a file
    /// field is set to such a URL, as the real MiniCRM downloads the file from the URL.
    pub fn public_pdf(&self, path: &str) -> Option<(String, Vec<u8>)> {
        let doc = self.doc_by_public_path(path)?;
        Some(documents::render_pdf(self, doc))
    }
}

impl State {
    /// Sets the next number of an existing series; `false` when the series is unknown.
    pub fn set_next_number(&mut self, series: &str, next: u32) -> bool {
        match self.series_mut(series) {
            Some(s) => {
                s.next = next;
                true
            }
            None => false,
        }
    }

    /// The next number of a series (what `GET /series` reports).
    pub fn next_number(&self, series: &str) -> Option<u32> {
        self.series_named(series).map(|s| s.next)
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/SBORO/api", any(api::dispatch))
        .route("/SBORO/api/{*rest}", any(api::dispatch))
        .route("/documente/extern/pf/{kind}/{hash}", get(public::view))
        .route("/documente/editare/{kind}/{id}", get(public::edit))
        .route("/documente/editare/{kind}/{id}/", get(public::edit))
        .route("/plata/{token}", get(public::pay))
}

/// [INF] Date of the initial stock import ("import de stoc initial"); no stock document may
/// precede it. Early enough for every dated example of the official spec (2021).
pub fn stock_import_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default()
}

/// Loads the demo account (constants of [`crate::seed`], products of [`catalog::CATALOG`]).
pub fn seed(state: &mut State, today: NaiveDate) {
    state.account = Some(Account {
        email: constants::SMARTBILL_EMAIL.into(),
        token: constants::SMARTBILL_TOKEN.into(),
        cif: constants::COMPANY_CIF.into(),
        company_name: constants::COMPANY_NAME.into(),
        company_address: "Str. Memorandumului 28, Cluj-Napoca, Cluj".into(),
    });
    state.settings = Settings::default();
    state.series = vec![
        Series {
            name: constants::INVOICE_SERIES.into(),
            kind: SeriesType::Invoice,
            next: constants::INVOICE_NEXT,
        },
        Series {
            name: constants::INVOICE_SERIES_2.into(),
            kind: SeriesType::Invoice,
            next: constants::INVOICE_NEXT_2,
        },
        Series {
            name: constants::PROFORMA_SERIES.into(),
            kind: SeriesType::Proforma,
            next: constants::PROFORMA_NEXT,
        },
        Series {
            name: constants::RECEIPT_SERIES.into(),
            kind: SeriesType::Receipt,
            next: constants::RECEIPT_NEXT,
        },
    ];
    state.taxes = vec![
        Tax {
            name: "Normala".into(),
            percentage: Decimal::from(21),
        },
        Tax {
            name: "Redusa".into(),
            percentage: Decimal::from(11),
        },
        Tax {
            name: "Taxare inversa".into(),
            percentage: Decimal::ZERO,
        },
    ];
    state.units = catalog::UNITS.iter().map(|u| u.to_string()).collect();
    state.warehouses = vec![
        Warehouse {
            name: constants::WAREHOUSE_MAIN.into(),
            kind: "en gros".into(),
        },
        Warehouse {
            name: constants::WAREHOUSE_SHOP.into(),
            kind: "en detail".into(),
        },
    ];
    let import = stock_import_date();
    state.stock_import_date = Some(import);
    state.products.clear();
    state.movements.clear();
    for (i, p) in catalog::CATALOG.iter().enumerate() {
        state.products.push(Product {
            code: p.code.into(),
            name: p.name.into(),
            unit: p.unit.into(),
            vat: Decimal::from(p.vat),
            service: p.service,
        });
        for (warehouse, qty) in [
            (constants::WAREHOUSE_MAIN, p.stock_main),
            (constants::WAREHOUSE_SHOP, p.stock_shop),
        ] {
            if qty > 0 {
                state.movements.push(Movement {
                    warehouse: warehouse.into(),
                    product: i,
                    quantity: Decimal::from(qty),
                    date: import,
                    document: None,
                });
            }
        }
    }
    state.salt = u64::try_from(today.num_days_from_ce())
        .unwrap_or(0)
        .wrapping_mul(0x2545_F491_4F6C_DD1D);
}
