//! The stock ledger and the stock read endpoints: `GET /stocks` (§2.12) and the undocumented
//! `GET /company/warehouses`, `GET /company/mu` used by the official plugins (§2.13).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::api::Ctx;
use super::fields::parse_date;
use super::money;
use super::resp::{self, classic, Resp};
use super::state::{Movement, Product, State};

impl State {
    /// The catalogue product with this code (case-sensitive).
    pub fn product_by_code(&self, code: &str) -> Option<usize> {
        if code.is_empty() {
            return None;
        }
        self.products.iter().position(|p| p.code == code)
    }

    /// The catalogue product with this name, case-insensitively (how SmartBill matches products
    /// when the account does not use product codes, §2.1).
    pub fn product_by_name(&self, name: &str) -> Option<usize> {
        let wanted = name.trim().to_lowercase();
        self.products.iter().position(|p| p.name.to_lowercase() == wanted)
    }

    /// The product a line refers to: by code with "Foloseste cod produs", else by name.
    pub fn match_product(&self, code: &str, name: &str) -> Option<usize> {
        if self.settings.use_product_codes {
            self.product_by_code(code)
        } else {
            self.product_by_name(name)
        }
    }

    pub fn warehouse_exists(&self, name: &str) -> bool {
        self.warehouses.iter().any(|w| w.name == name)
    }

    /// Stock of a product in a warehouse, counting movements up to `date` (all when `None`).
    pub fn stock_at(&self, warehouse: &str, product: usize, date: Option<NaiveDate>) -> Decimal {
        self.movements
            .iter()
            .filter(|m| m.warehouse == warehouse && m.product == product)
            .filter(|m| date.is_none_or(|d| m.date <= d))
            .map(|m| m.quantity)
            .sum()
    }

    /// Current stock of the product with `code` (or, for a product without code, `name`) in a
    /// warehouse; `None` when the product or the warehouse is unknown.
    pub fn stock(&self, warehouse: &str, code_or_name: &str) -> Option<Decimal> {
        if !self.warehouse_exists(warehouse) {
            return None;
        }
        let p = self
            .product_by_code(code_or_name)
            .or_else(|| self.product_by_name(code_or_name))?;
        Some(self.stock_at(warehouse, p, None).normalize())
    }

    /// Sets the current stock level (an adjustment movement dated `date`). An unknown code
    /// creates a catalogue product (name = code, unit "buc", 21 %) [control API convenience].
    pub fn set_stock(
        &mut self,
        warehouse: &str,
        code: &str,
        quantity: Decimal,
        date: NaiveDate,
    ) -> Result<(), String> {
        if !self.warehouse_exists(warehouse) {
            return Err(format!("unknown warehouse {warehouse:?}"));
        }
        let p = match self.product_by_code(code).or_else(|| self.product_by_name(code)) {
            Some(p) => p,
            None if !code.trim().is_empty() => {
                self.products.push(Product {
                    code: code.to_string(),
                    name: code.to_string(),
                    unit: "buc".into(),
                    vat: Decimal::from(21),
                    service: false,
                });
                self.products.len() - 1
            }
            None => return Err("empty product code".into()),
        };
        let delta = quantity - self.stock_at(warehouse, p, None);
        if !delta.is_zero() {
            self.movements.push(Movement {
                warehouse: warehouse.to_string(),
                product: p,
                quantity: delta,
                date,
                document: None,
            });
        }
        Ok(())
    }

    /// Every (warehouse, product) pair with a movement, and its current quantity.
    pub fn stock_levels(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for w in &self.warehouses {
            for (i, p) in self.products.iter().enumerate() {
                if self
                    .movements
                    .iter()
                    .any(|m| m.warehouse == w.name && m.product == i)
                {
                    out.push(json!({
                        "warehouse": w.name,
                        "warehouseType": w.kind,
                        "code": p.code,
                        "name": p.name,
                        "measuringUnit": p.unit,
                        "quantity": self.stock_at(&w.name, i, None).normalize().to_string(),
                    }));
                }
            }
        }
        out
    }
}

/// `GET /stocks?cif=&date=&warehouseName=&productName=&productCode=` (§2.12).
///
/// Choices [INF]: a product is listed in a warehouse when it has had a movement there by `date`
/// (so a sold-out product shows `quantity: 0` rather than vanishing); warehouses without listed
/// products are left out (no stock → `"list":[]`); `productCode` is "" for the product registered
/// without a code and the key is left out when the account does not use codes; with both
/// `productCode` and `productName` the code decides; names match case-insensitively.
pub fn get_stocks(s: &State, ctx: &Ctx) -> Resp {
    let Some(date_text) = ctx.query.get("date").filter(|d| !d.is_empty()) else {
        return resp::error(
            400,
            "Data la care vreti sa aflati valoarea stocului trebuie specificata!",
        );
    };
    let Some(date) = parse_date(date_text) else {
        return resp::error(400, "Data trebuie sa fie de forma yyyy-MM-dd.");
    };
    let warehouse = ctx.query.get("warehouseName").filter(|w| !w.is_empty());
    if let Some(w) = warehouse {
        if !s.warehouse_exists(w) {
            return resp::error(400, &format!("Gestiunea {w} nu a fost gasita pe server."));
        }
    }
    let code = ctx.query.get("productCode").filter(|c| !c.is_empty());
    let name = ctx
        .query
        .get("productName")
        .filter(|n| !n.is_empty())
        .map(|n| n.to_lowercase());
    let mut list = Vec::new();
    for w in s
        .warehouses
        .iter()
        .filter(|w| warehouse.is_none_or(|x| x == w.name))
    {
        let mut products = Vec::new();
        for (i, p) in s.products.iter().enumerate() {
            if p.service {
                continue;
            }
            let wanted = match (code, &name) {
                (Some(c), _) => p.code == c,
                (None, Some(n)) => p.name.to_lowercase() == *n,
                (None, None) => true,
            };
            let moved = s
                .movements
                .iter()
                .any(|m| m.warehouse == w.name && m.product == i && m.date <= date);
            if !wanted || !moved {
                continue;
            }
            let mut item = serde_json::Map::new();
            item.insert("productName".into(), json!(p.name));
            if s.settings.use_product_codes {
                item.insert("productCode".into(), json!(p.code));
            }
            item.insert("measuringUnit".into(), json!(p.unit));
            item.insert(
                "quantity".into(),
                money::json_number(s.stock_at(&w.name, i, Some(date))),
            );
            products.push(Value::Object(item));
        }
        if !products.is_empty() {
            list.push(json!({
                "warehouse": {"warehouseName": w.name, "warehouseType": w.kind},
                "products": products,
            }));
        }
    }
    let mut body = classic("", "", "", "");
    body.insert("list".into(), Value::Array(list));
    Resp::json(200, &Value::Object(body))
}

/// `GET /company/warehouses?cif=` (§2.13, plugin-only): `warehouses` = names. [INF] the classic
/// envelope fields are added.
pub fn get_warehouses(s: &State) -> Resp {
    let mut body = classic("", "", "", "");
    body.insert(
        "warehouses".into(),
        json!(s.warehouses.iter().map(|w| w.name.clone()).collect::<Vec<_>>()),
    );
    Resp::json(200, &Value::Object(body))
}

/// `GET /company/mu?cif=` (§2.13, plugin-only): `mu` = measuring-unit names.
pub fn get_units(s: &State) -> Resp {
    let mut body = classic("", "", "", "");
    body.insert("mu".into(), json!(s.units));
    Resp::json(200, &Value::Object(body))
}
