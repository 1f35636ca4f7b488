//! Demo data shared by the two fake services: a Romanian company on SmartBill and its MiniCRM
//! account, with the same product codes on both sides. Tests and the demo read these through
//! [`info`] (`GET /__control/info`), never by hard-coding them a second time.
//!
//! CIFs and the CNP below pass the Romanian control-digit checks.

use serde_json::{json, Value};

use crate::{Urls, World};

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

/// Everything a test or the demo needs to configure the extension against the sandbox.
pub fn info(urls: &Urls) -> Value {
    json!({
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
            "cards": crate::minicrm::seed_cards_info(),
        },
    })
}

/// Loads the demo data into both services.
pub fn apply(w: &mut World) {
    let today = w.clock.today_ro();
    crate::smartbill::seed(&mut w.smartbill, today);
    crate::minicrm::seed(&mut w.minicrm, today);
}
