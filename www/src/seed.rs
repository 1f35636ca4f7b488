//! Demo data shared by the two fake services: a Romanian company on SmartBill and its MiniCRM
//! account, with the same product codes on both sides. Tests and the demo read these through
//! [`info`] (`GET /__control/info`), never by hard-coding them a second time.
//!
//! CIFs and the CNP below pass the Romanian control-digit checks.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{Readings, Urls, World};

/// Which names the MiniCRM tenant gives the five card fields of the "Smart Bill" extension
/// (minicrm-api.md §5: unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TenantShape {
    /// Readable names, different on the two modules (`SmartBillInvoiceNumber`…, `NumarFacturaSmartBill`…).
    #[default]
    Default,
    /// Auto names by type and id only (`Text2201`, `Url2202`, `Enum2203`, `File2204`, `Text2205` on
    /// offers; `Text3301`, `Text3302`, `Enum3303`, `File3304`, `Text3305` on orders): the link is a
    /// `Url` on offers and a `Text` on orders; some cards were invoiced before and show values.
    TypeIds,
}

impl TenantShape {
    pub fn parse(s: &str) -> Option<TenantShape> {
        match s {
            "default" => Some(TenantShape::Default),
            "typeIds" => Some(TenantShape::TypeIds),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TenantShape::Default => "default",
            TenantShape::TypeIds => "typeIds",
        }
    }
}

// --- SmartBill account -------------------------------------------------------------------------
pub const SMARTBILL_EMAIL: &str = "contabilitate@firmademo.ro";
/// 32 lowercase hex characters, like real tokens.
pub const SMARTBILL_TOKEN: &str = "6c1f0e5b9a7d43e28b4f1a0c9d2e7b35";
/// The issuing company, as it is registered in SmartBill Cloud (VAT payer, RO prefix).
pub const COMPANY_CIF: &str = "RO18547290";
pub const COMPANY_NAME: &str = "Firma Demo SRL";
/// Invoice series ("f"), the default one; its next number in the seed.
pub const INVOICE_SERIES: &str = "FCT";
pub const INVOICE_NEXT: u32 = 124;
/// A second invoice series.
pub const INVOICE_SERIES_2: &str = "FMC";
pub const INVOICE_NEXT_2: u32 = 7;
/// Proforma series ("p").
pub const PROFORMA_SERIES: &str = "PRF";
pub const PROFORMA_NEXT: u32 = 37;
/// Receipt series ("c").
pub const RECEIPT_SERIES: &str = "CH";
pub const RECEIPT_NEXT: u32 = 12;
/// Warehouses: the first is "en gros", the second "en detail".
pub const WAREHOUSE_MAIN: &str = "Depozit Central";
pub const WAREHOUSE_SHOP: &str = "Magazin Cluj";

// --- MiniCRM account ---------------------------------------------------------------------------
pub const MINICRM_SYSTEM_ID: &str = "53832";
pub const MINICRM_API_KEY: &str = "q7Rk2VnX9sLp4TzW8yHc3MdF6aJb1GeN";
/// The Offers module ("Oferte").
pub const OFFERS_CATEGORY: u32 = 21;
/// The Orders module ("Comenzi").
pub const ORDERS_CATEGORY: u32 = 22;
/// A generic sales module without the SmartBill fields ("Vânzări").
pub const SALES_CATEGORY: u32 = 3;

// --- Customers (MiniCRM companies / person) ----------------------------------------------------
/// Bucharest company, Sector 3, not a VAT payer (CIF without RO).
pub const CUSTOMER_BUCHAREST_CIF: &str = "31826470";
/// VAT payer in Cluj, with the RO prefix.
pub const CUSTOMER_PAYER_CIF: &str = "RO40571235";
/// An individual (CNP).
pub const CUSTOMER_PERSON_CNP: &str = "1850315224515";

/// Everything a test or the demo needs to configure the extension against the sandbox (default
/// shape, strict readings; see [`info_of`] for a running world).
pub fn info(urls: &Urls) -> Value {
    info_for(urls, TenantShape::Default, Readings::strict())
}

/// The info of a running world: its shape (`minicrm.shape`, `minicrm.cards.fields`) and readings.
pub fn info_of(w: &World) -> Value {
    info_for(&w.urls, w.shape, w.readings)
}

pub fn info_for(urls: &Urls, shape: TenantShape, readings: Readings) -> Value {
    json!({
        "readings": readings.summary(),
        "urls": urls,
        "smartbill": {
            "apiBase": format!("{}/SBORO/api", urls.smartbill),
            "email": SMARTBILL_EMAIL,
            "token": SMARTBILL_TOKEN,
            "cif": COMPANY_CIF,
            "companyName": COMPANY_NAME,
            "invoiceSeries": INVOICE_SERIES,
            "invoiceNext": INVOICE_NEXT,
            "invoiceSeries2": INVOICE_SERIES_2,
            "proformaSeries": PROFORMA_SERIES,
            "proformaNext": PROFORMA_NEXT,
            "warehouses": [WAREHOUSE_MAIN, WAREHOUSE_SHOP],
        },
        "minicrm": {
            "base": urls.minicrm,
            "systemId": MINICRM_SYSTEM_ID,
            "apiKey": MINICRM_API_KEY,
            "offersCategory": OFFERS_CATEGORY,
            "ordersCategory": ORDERS_CATEGORY,
            "salesCategory": SALES_CATEGORY,
            "shape": shape,
            "cards": crate::minicrm::seed_cards_info_of(shape),
        },
    })
}

/// Loads the demo data into both services.
pub fn apply(w: &mut World) {
    let today = w.clock.today_ro();
    crate::smartbill::seed(&mut w.smartbill, today);
    let base = w.urls.minicrm.clone();
    crate::minicrm::seed(&mut w.minicrm, today, w.shape, &base);
    seed_invoiced(w, today);
}

/// The `typeIds` shape's invoiced cards have their invoices in SmartBill (series FCT, numbers
/// below the series' next number), with the collections their payment status shows.
fn seed_invoiced(w: &mut World, today: chrono::NaiveDate) {
    let invoices = crate::minicrm::seeded_invoices(w.shape);
    if invoices.is_empty() {
        return;
    }
    let next = w.smartbill.next_number(INVOICE_SERIES).unwrap_or(INVOICE_NEXT);
    for (number, customer, lines, paid) in invoices {
        let Ok(n) = number.parse::<u32>() else { continue };
        w.smartbill.set_next_number(INVOICE_SERIES, n);
        let (name, vat) = w
            .minicrm
            .contacts
            .get(&customer)
            .map(|c| (c.display_name(), c.get("VatNumber").to_string()))
            .unwrap_or_default();
        let products: Vec<Value> = lines
            .iter()
            .map(|l| {
                json!({"name": l.name, "code": l.code, "measuringUnitName": "buc", "currency": "RON",
                       "quantity": l.quantity.parse::<f64>().unwrap_or(1.0),
                       "price": l.price.parse::<f64>().unwrap_or(0.0),
                       "taxName": if l.vat == 11 { "Redusa" } else { "Normala" }, "taxPercentage": l.vat})
            })
            .collect();
        let issue = today.checked_sub_days(chrono::Days::new(2)).unwrap_or(today);
        let body = json!({
            "companyVatCode": COMPANY_CIF, "seriesName": INVOICE_SERIES, "issueDate": issue.to_string(),
            "client": {"name": name, "vatCode": vat, "country": "Romania"},
            "products": products,
        });
        let origin = w.urls.smartbill.clone();
        let now = w.clock.now().to_rfc3339();
        if crate::smartbill::control::issue_direct(&mut w.smartbill, &origin, today, &now, &body).is_ok() {
            if let Ok(amount) = paid.parse::<rust_decimal::Decimal>() {
                if !amount.is_zero() {
                    let _ = w
                        .smartbill
                        .record_payment(INVOICE_SERIES, number, amount, "Ordin plata", issue);
                }
            }
        }
    }
    w.smartbill.set_next_number(INVOICE_SERIES, next);
}
