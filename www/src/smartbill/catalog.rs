//! The seeded SmartBill product catalogue, shared with the fake MiniCRM seed and the tests so both
//! sides agree on product codes. Stable public API: do not rename fields.
//!
//! Quantities are the initial stock in [`crate::seed::WAREHOUSE_MAIN`] ("Depozit Central", en gros)
//! and [`crate::seed::WAREHOUSE_SHOP`] ("Magazin Cluj", en detail). Services carry no stock.

/// One product or service of the seeded SmartBill account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogProduct {
    /// The product code ("" for the one product registered without a code).
    pub code: &'static str,
    pub name: &'static str,
    /// Measuring unit, exactly as in the account (case-sensitive).
    pub unit: &'static str,
    /// VAT percentage (21 Normala, 11 Redusa).
    pub vat: u32,
    /// Initial stock in "Depozit Central".
    pub stock_main: u32,
    /// Initial stock in "Magazin Cluj".
    pub stock_shop: u32,
    /// Services are never discharged from stock.
    pub service: bool,
}

const fn product(code: &'static str, name: &'static str, vat: u32, main: u32, shop: u32) -> CatalogProduct {
    CatalogProduct {
        code,
        name,
        unit: "buc",
        vat,
        stock_main: main,
        stock_shop: shop,
        service: false,
    }
}

const fn service(code: &'static str, name: &'static str, unit: &'static str) -> CatalogProduct {
    CatalogProduct {
        code,
        name,
        unit,
        vat: 21,
        stock_main: 0,
        stock_shop: 0,
        service: true,
    }
}

/// The seeded catalogue, in a stable order.
pub const CATALOG: &[CatalogProduct] = &[
    product("LAP-001", "Laptop Dell Latitude 5440", 21, 15, 3),
    product("MON-024", "Monitor LG 24\"", 21, 40, 6),
    product("CAB-HDMI", "Cablu HDMI 2m", 21, 500, 80),
    product("CRT-ARH", "Carte Arhitectura software", 11, 25, 10),
    product("TON-HP", "Toner HP 85A", 21, 2, 0),
    product("SCAUN-ERG", "Scaun ergonomic", 21, 8, 2),
    // Registered without a code: with "Foloseste cod produs" it cannot be discharged from stock.
    product("", "Husa laptop 15 inch", 21, 12, 4),
    service("SRV-INST", "Instalare si configurare", "ora"),
    service("SUP-ANUAL", "Abonament suport", "luna"),
];

/// The catalogue entry with this code (codes are case-sensitive, as in SmartBill).
pub fn by_code(code: &str) -> Option<&'static CatalogProduct> {
    CATALOG.iter().find(|p| !p.code.is_empty() && p.code == code)
}

/// Measuring units defined in the seeded account (case-sensitive).
pub const UNITS: &[&str] = &["buc", "ora", "kg", "m", "luna", "set", "pachet"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_units_known() {
        for p in CATALOG {
            assert!(UNITS.contains(&p.unit), "{} has an unknown unit", p.name);
            if !p.code.is_empty() {
                assert_eq!(CATALOG.iter().filter(|q| q.code == p.code).count(), 1);
            }
            if p.service {
                assert_eq!((p.stock_main, p.stock_shop), (0, 0));
            }
        }
        assert_eq!(CATALOG.iter().filter(|p| p.code.is_empty()).count(), 1);
        assert_eq!(by_code("LAP-001").map(|p| p.stock_main), Some(15));
        assert!(by_code("lap-001").is_none());
    }
}
