//! Stock sync, SmartBill → MiniCRM. SmartBill is the source of truth for quantities; MiniCRM
//! products are matched by SKU = SmartBill product code. One `GET /stocks` of the chosen
//! warehouse (smartbill-api.md §2.12) is diffed against the last synced snapshot, and only the
//! changed products are written with `PUT /Api/R3/Product` (minicrm-api.md §2.8): SKU, name,
//! unit, quantity, warehouse — never the price (SmartBill's stock API does not give it).
//! Products without a code are skipped with the reason; a product gone from SmartBill is set to
//! quantity 0, not deleted.

use crate::platform::SortedMap;

use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use super::{Outcome, Plan, Run, Runner, Worker};
use crate::emission::Emission;
use crate::error::{Error, Result};
use crate::jobs::{JobKind, Priority};
use crate::platform::{self, today_ro};

pub(crate) const SNAPSHOT_KEY: &str = "stock.snapshot";
const CURRENT_KEY: &str = "stock.current";
const FAILED_KEY: &str = "stock.failed";

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Level {
    pub name: String,
    pub unit: String,
    /// Written and read as text (`money::stored`).
    #[serde(with = "crate::money::stored")]
    pub quantity: Decimal,
    /// In the snapshot: MiniCRM's quantity is not known, since a write of it failed and may
    /// still land (its answer lost). Never what SmartBill says, so the next run writes it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unsure: bool,
}

impl Level {
    /// This level, as the snapshot records a product whose write failed.
    pub fn as_unsure(&self) -> Level {
        Level {
            unsure: true,
            ..self.clone()
        }
    }
}

/// What MiniCRM was last told, per product code, for one warehouse.
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub warehouse: String,
    pub items: SortedMap<String, Level>,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub code: String,
    pub level: Level,
    /// The product is no longer in SmartBill's warehouse: quantity 0.
    pub gone: bool,
}

/// What the diff gives: the products to write, what is skipped (item, reason), and the snapshot
/// MiniCRM will match once every write went through.
pub type Diff = (Vec<Item>, Vec<(String, String)>, SortedMap<String, Level>);

/// The pure part: SmartBill's current list against the snapshot → the products to write, and
/// what is skipped with the reason.
pub fn diff(current: &[(String, Level)], snapshot: &Snapshot) -> Diff {
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    // Where each code first appears, in one sort (of equal keys the last collected wins: so
    // backwards). The new snapshot is collected the same way: SmartBill lists thousands of
    // products in no order of codes, and a sorted map built one insert at a time would move its
    // entries on every insert.
    let first: SortedMap<&str, usize> = current
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (code, _))| (code.trim(), i))
        .filter(|(code, _)| !code.is_empty())
        .collect();
    let mut seen: Vec<(String, Level)> = Vec::new();
    for (i, (code, level)) in current.iter().enumerate() {
        let code = code.trim();
        if code.is_empty() {
            skipped.push((
                level.name.clone(),
                "produsul nu are cod în SmartBill; în MiniCRM produsele se potrivesc după cod (SKU)"
                    .to_string(),
            ));
            continue;
        }
        if first.get(code) != Some(&i) {
            skipped.push((
                format!("{} ({code})", level.name),
                "cod duplicat în SmartBill; am păstrat prima apariție".into(),
            ));
            continue;
        }
        seen.push((code.to_string(), level.clone()));
        if snapshot.items.get(code) != Some(level) {
            items.push(Item {
                code: code.to_string(),
                level: level.clone(),
                gone: false,
            });
        }
    }
    for (code, old) in &snapshot.items {
        if first.contains_key(code.as_str()) {
            continue;
        }
        if old.quantity != Decimal::ZERO || old.unsure {
            let level = Level {
                quantity: Decimal::ZERO,
                unsure: false,
                ..old.clone()
            };
            items.push(Item {
                code: code.clone(),
                level: level.clone(),
                gone: true,
            });
            seen.push((code.clone(), level));
        } else {
            seen.push((code.clone(), old.clone()));
        }
    }
    (items, skipped, seen.into_iter().collect())
}

pub struct StockJob;

pub(crate) async fn snapshot(store: &dyn platform::Store) -> Snapshot {
    platform::load(store, SNAPSHOT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

impl Worker for StockJob {
    type Item = Item;
    const KIND: JobKind = JobKind::Stock;

    async fn plan(runner: &Runner<'_>) -> Result<Plan<Item>> {
        let app = runner.app;
        let warehouse = runner.settings.stock.warehouse.clone();
        let em = Emission::new(app, runner.settings.clone(), runner.lang, Priority::Background);
        let list = em
            .smartbill()?
            .stocks(today_ro(app.clock), Some(&warehouse), None)
            .await?;
        let current: Vec<(String, Level)> = list
            .iter()
            .filter(|w| w.warehouse.warehouse_name == warehouse)
            .flat_map(|w| w.products.iter())
            .map(|p| {
                (
                    p.product_code.clone(),
                    Level {
                        name: p.product_name.clone(),
                        unit: p.measuring_unit.clone(),
                        quantity: p.quantity.unwrap_or_default().normalize(),
                        unsure: false,
                    },
                )
            })
            .collect();
        let mut old = snapshot(app.store).await;
        if old.warehouse != warehouse {
            // Another warehouse: everything is sent again.
            old = Snapshot {
                warehouse: warehouse.clone(),
                items: SortedMap::new(),
            };
        }
        let (items, skipped, next) = diff(&current, &old);
        let store_err = |detail: String| Error::Storage { detail };
        platform::save(
            app.store,
            CURRENT_KEY,
            &Snapshot {
                warehouse,
                items: next,
            },
        )
        .await
        .map_err(store_err)?;
        platform::save(app.store, FAILED_KEY, &Vec::<String>::new())
            .await
            .map_err(store_err)?;
        Ok(Plan { items, skipped })
    }

    async fn work(runner: &Runner<'_>, item: &Item, _run: &mut Run) -> Result<Outcome> {
        let app = runner.app;
        let em = Emission::new(app, runner.settings.clone(), runner.lang, Priority::Background);
        // Never the price: SmartBill's stock API does not give it, and MiniCRM's would be lost.
        let mut body = json!({
            "SKU": item.code,
            "Name": item.level.name,
            "Quantity": crate::money::json_number(item.level.quantity),
            "Warehouse_Name": runner.settings.stock.warehouse,
        });
        // A webhook delivery may carry no unit (smartbill-api.md §4.1): keep MiniCRM's.
        if !item.level.unit.is_empty() {
            if let Some(fields) = body.as_object_mut() {
                fields.insert("UnitName".into(), item.level.unit.clone().into());
            }
        }
        // A write whose answer was lost may still land: until it has settled, no run and no
        // webhook delivery writes a product (a later write of this one would land first).
        let mc = em.minicrm()?;
        let written = mc.upsert_product(&body);
        match em.settling(&super::lock_key(Self::KIND), written).await {
            Ok(_) => Ok(Outcome::Changed),
            Err(e @ Error::Paused { .. }) => Err(e),
            Err(e) => {
                let mut failed: Vec<String> = platform::load(app.store, FAILED_KEY)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                failed.push(item.code.clone());
                let _ = platform::save(app.store, FAILED_KEY, &failed).await;
                Ok(Outcome::Failed(format!(
                    "{} ({}): {}",
                    item.level.name,
                    item.code,
                    e.message(runner.lang)
                )))
            }
        }
    }

    /// The new snapshot: what SmartBill said, the products whose write failed marked unsure
    /// (written again next time, whatever SmartBill says then: a write whose answer was lost
    /// may have landed).
    async fn completed(runner: &Runner<'_>, _run: &mut Run) -> Result<()> {
        let store = runner.app.store;
        let Some(mut next) = platform::load::<Snapshot>(store, CURRENT_KEY)
            .await
            .ok()
            .flatten()
        else {
            return Ok(());
        };
        let failed: Vec<String> = platform::load(store, FAILED_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        for code in failed {
            if let Some(level) = next.items.get_mut(&code) {
                level.unsure = true;
            }
        }
        platform::save(store, SNAPSHOT_KEY, &next)
            .await
            .map_err(|detail| Error::Storage { detail })?;
        let _ = store.remove(CURRENT_KEY).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(name: &str, q: i64) -> Level {
        Level {
            name: name.into(),
            unit: "buc".into(),
            quantity: Decimal::from(q),
            unsure: false,
        }
    }

    #[test]
    fn only_changes_are_planned_gone_products_go_to_zero_codeless_are_skipped() {
        let mut snapshot = Snapshot {
            warehouse: "D".into(),
            items: SortedMap::new(),
        };
        snapshot.items.insert("A".into(), level("A", 5));
        snapshot.items.insert("B".into(), level("B", 7));
        snapshot.items.insert("GONE".into(), level("Gone", 3));
        snapshot.items.insert("ZERO".into(), level("Zero", 0));
        let current = vec![
            ("A".to_string(), level("A", 5)),
            ("B".to_string(), level("B", 6)),
            ("C".to_string(), level("C", 1)),
            (String::new(), level("No code", 4)),
            ("C".to_string(), level("C twin", 9)),
        ];
        let (items, skipped, next) = diff(&current, &snapshot);
        let codes: Vec<(&str, String, bool)> = items
            .iter()
            .map(|i| (i.code.as_str(), i.level.quantity.to_string(), i.gone))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("B", "6".into(), false),
                ("C", "1".into(), false),
                ("GONE", "0".into(), true)
            ]
        );
        assert_eq!(skipped.len(), 2);
        assert!(skipped[0].1.contains("nu are cod"));
        assert_eq!(next["GONE"].quantity, Decimal::ZERO);
        assert_eq!(next["C"].name, "C", "a code's first appearance is kept");
        assert_eq!(
            next["ZERO"],
            level("Zero", 0),
            "a gone product already at zero stays"
        );
        assert_eq!(next.keys().collect::<Vec<_>>(), ["A", "B", "C", "GONE", "ZERO"]);
        // A second diff against the new snapshot plans nothing.
        let (again, _, _) = diff(
            &current,
            &Snapshot {
                warehouse: "D".into(),
                items: next,
            },
        );
        assert!(again.is_empty());
    }
}
