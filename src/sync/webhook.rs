//! SmartBill's stock webhook ("Sincronizare stocuri", smartbill-api.md §4.1): SmartBill POSTs
//! the new level of every product that moved, per warehouse. A browser cannot receive it; team
//! mode's server does, and hands the delivery to [`apply`], which writes MiniCRM exactly as the
//! stock sync does ([`super::stock`]: the same diff against the same snapshot, the same product
//! write through the team's MiniCRM governor). A product whose level MiniCRM was already told is
//! not written again, so a replayed or repeated delivery writes nothing twice.
//!
//! The delivery format is reconstructed from SmartBill's own receivers (§4.1): a body of
//! `{"products":[…]}` or a bare array; elements with `warehouse`, `productName`, `productCode`,
//! `quantity` (a number or a numeric string) and perhaps `measuringUnit`. An empty list is
//! SmartBill's connectivity test.

use crate::platform::SortedMap;

use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::stock::{self, Level, Snapshot, StockJob};
use super::{Counts, Note, Outcome, Run, RunStatus, Runner, Worker};
use crate::error::{Error, Result};
use crate::jobs::JobKind;
use crate::money::{de_decimal_opt, de_text, ser_decimal_opt};
use crate::platform;

/// One element of a delivery, as SmartBill sends it. Unknown keys are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pushed {
    #[serde(default, deserialize_with = "de_text")]
    pub warehouse: String,
    #[serde(default, deserialize_with = "de_text")]
    pub product_name: String,
    /// Empty when the company does not use product codes (MiniCRM products match by SKU = code).
    #[serde(default, deserialize_with = "de_text")]
    pub product_code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub measuring_unit: String,
    /// The new absolute level.
    #[serde(
        default,
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub quantity: Option<Decimal>,
}

/// A delivery read: the elements, and those that could not be read with the reason.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delivery {
    pub products: Vec<Pushed>,
    pub unreadable: Vec<Note>,
}

impl Delivery {
    /// An empty list: SmartBill's "Testul de sincronizare stoc" (§4.1).
    pub fn is_test(&self) -> bool {
        self.products.is_empty() && self.unreadable.is_empty()
    }
}

/// Reads a delivery body; `Err` when it is not JSON of either shape (the receivers answer
/// "Eroare sintaxa. Verifica valididatea JSON-ului trimis.", §4.1).
pub fn parse(body: &[u8]) -> std::result::Result<Delivery, String> {
    let value: Value = crate::platform::json::from_slice(body).map_err(|e| e.to_string())?;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(mut map) => match map.remove("products") {
            Some(Value::Array(list)) => list,
            Some(Value::Null) | None => return Err("no \"products\" list".into()),
            Some(_) => return Err("\"products\" is not a list".into()),
        },
        _ => return Err("neither {\"products\":[…]} nor a list".into()),
    };
    let mut delivery = Delivery::default();
    for (i, element) in list.into_iter().enumerate() {
        let what = |v: &Value| {
            let name = v.get("productName").and_then(Value::as_str).unwrap_or("");
            let code = v.get("productCode").and_then(Value::as_str).unwrap_or("");
            match (name, code) {
                ("", "") => format!("#{}", i + 1),
                (n, "") => n.to_string(),
                (n, c) => format!("{n} ({c})"),
            }
        };
        let item = what(&element);
        match crate::platform::from_value::<Pushed>(element) {
            Ok(p) if p.quantity.is_some() => delivery.products.push(p),
            Ok(_) => delivery.unreadable.push(Note {
                item,
                reason: "fără cantitate".into(),
            }),
            Err(e) => delivery.unreadable.push(Note {
                item,
                reason: format!("element de necitit: {e}"),
            }),
        }
    }
    Ok(delivery)
}

/// The levels of a delivery that concern `warehouse` (compared case-insensitively, §4.1), as the
/// stock sync's diff takes them: (code, level); a later element for the same code wins. Missing
/// names and units are taken from the snapshot, so a delivery without `measuringUnit` does not
/// count as a change.
pub fn levels(products: &[Pushed], warehouse: &str, snapshot: &Snapshot) -> (Vec<(String, Level)>, u32) {
    let wanted = crate::text::lower(warehouse.trim());
    let mut other_warehouse = 0;
    let mut by_code: SortedMap<String, usize> = SortedMap::new();
    let mut out: Vec<(String, Level)> = Vec::new();
    for p in products {
        if crate::text::lower(p.warehouse.trim()) != wanted {
            other_warehouse += 1;
            continue;
        }
        let code = p.product_code.trim().to_string();
        let known = snapshot.items.get(&code);
        let pick = |given: &str, old: Option<&String>| {
            let given = given.trim();
            if given.is_empty() {
                old.cloned().unwrap_or_default()
            } else {
                given.to_string()
            }
        };
        let level = Level {
            name: pick(&p.product_name, known.map(|l| &l.name)),
            unit: pick(&p.measuring_unit, known.map(|l| &l.unit)),
            quantity: p.quantity.unwrap_or_default().normalize(),
            unsure: false,
        };
        match by_code.get(&code) {
            Some(&i) if !code.is_empty() => out[i].1 = level,
            _ => {
                by_code.insert(code.clone(), out.len());
                out.push((code, level));
            }
        }
    }
    (out, other_warehouse)
}

/// What one delivery did.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Elements in the delivery.
    pub received: u32,
    /// Elements of another warehouse (not ours to follow).
    pub other_warehouse: u32,
    /// `checked` = products of our warehouse looked at, `changed` = written to MiniCRM,
    /// `skipped` = left out with a reason, `failed` = MiniCRM refused.
    pub counts: Counts,
    pub skipped: Vec<Note>,
    pub errors: Vec<String>,
    /// Stock sync is off (or has no warehouse): nothing was written.
    pub disabled: bool,
    /// The stock sync was working at that moment: nothing was done, try again shortly.
    pub busy: bool,
    /// A rate-limit pause: the products not yet written are in `remaining`; try again then.
    pub paused_until_ms: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<Pushed>,
}

/// Writes a delivery's changed levels to MiniCRM with the stock sync's own product write
/// ([`StockJob`]), and records each write in the stock snapshot at once. Takes the stock job's
/// lock: while a sync run works, the delivery waits (`busy`). If a run is in progress between two
/// of its slices, a follow-up run is requested, since its plan predates this delivery.
pub async fn apply(runner: &Runner<'_>, products: &[Pushed]) -> Result<Report> {
    let app = runner.app;
    let mut report = Report {
        received: products.len() as u32,
        ..Report::default()
    };
    if !super::enabled(JobKind::Stock, &runner.settings) {
        report.disabled = true;
        return Ok(report);
    }
    let key = super::lock_key(JobKind::Stock);
    let settle = runner.settings.timing(&app.host_permissions).settle_ms();
    app.runtime
        .locks
        .recall(app.store, &key, app.clock.now_ms(), settle)
        .await;
    let now = app.clock.now_ms();
    let Some(_guard) = app
        .runtime
        .locks
        .try_lock(&key, now, (runner.deadline_ms - now).max(0) + 60_000)
    else {
        report.busy = true;
        report.remaining = products.to_vec();
        return Ok(report);
    };
    let (items, mut snapshot) = changes(runner, products, &mut report).await;
    write_levels(runner, products, &items, &mut snapshot, &mut report).await?;
    if report.counts.changed > 0 {
        let running = super::load_run(app.store, JobKind::Stock)
            .await?
            .is_some_and(|r| r.status == RunStatus::Running);
        if running {
            crate::jobs::schedule::request(app.store, JobKind::Stock, "webhook").await?;
        }
    }
    Ok(report)
}

/// The delivered products whose level differs from the stock snapshot (of the configured
/// warehouse), and that snapshot. Counts the checked ones and notes the skipped ones.
async fn changes(
    runner: &Runner<'_>,
    products: &[Pushed],
    report: &mut Report,
) -> (Vec<stock::Item>, Snapshot) {
    let warehouse = runner.settings.stock.warehouse.clone();
    let mut snapshot = stock::snapshot(runner.app.store).await;
    if snapshot.warehouse != warehouse {
        snapshot = Snapshot {
            warehouse: warehouse.clone(),
            items: SortedMap::new(),
        };
    }
    let (current, other) = levels(products, &warehouse, &snapshot);
    report.other_warehouse = other;
    // Only the delivered products are compared: nothing else is "gone".
    let restricted = Snapshot {
        warehouse: warehouse.clone(),
        items: current
            .iter()
            .filter_map(|(code, _)| snapshot.items.get(code).map(|l| (code.clone(), l.clone())))
            .collect(),
    };
    let (items, skipped, _) = stock::diff(&current, &restricted);
    report.counts.checked = current.len() as u32;
    for (item, reason) in skipped {
        report.counts.skipped += 1;
        report.skipped.push(Note { item, reason });
    }
    (items, snapshot)
}

/// Writes the changed levels one by one with the stock sync's own write, recording each in the
/// snapshot at once. A rate-limit pause stops there and hands back the products left.
async fn write_levels(
    runner: &Runner<'_>,
    products: &[Pushed],
    items: &[stock::Item],
    snapshot: &mut Snapshot,
    report: &mut Report,
) -> Result<()> {
    let app = runner.app;
    let now = app.clock.now_ms();
    let mut run = Run {
        kind: JobKind::Stock,
        started_ms: now,
        finished_ms: None,
        status: RunStatus::Running,
        total: items.len() as u32,
        cursor: 0,
        counts: Counts::default(),
        errors: Vec::new(),
        skipped: Vec::new(),
        paused_until_ms: None,
        reason: "webhook".into(),
    };
    for (i, item) in items.iter().enumerate() {
        match StockJob::work(runner, item, &mut run).await {
            Ok(Outcome::Changed) => {
                report.counts.changed += 1;
                snapshot.items.insert(item.code.clone(), item.level.clone());
                platform::save(app.store, stock::SNAPSHOT_KEY, &*snapshot)
                    .await
                    .map_err(|detail| Error::Storage { detail })?;
            }
            Ok(Outcome::Failed(message)) => {
                report.counts.failed += 1;
                report.errors.push(message);
                // The write may still land (its answer lost): the next run writes it again.
                snapshot.items.insert(item.code.clone(), item.level.as_unsure());
                platform::save(app.store, stock::SNAPSHOT_KEY, &*snapshot)
                    .await
                    .map_err(|detail| Error::Storage { detail })?;
            }
            Ok(Outcome::Unchanged | Outcome::Skipped(..)) => {}
            Err(Error::Paused { until_ms, .. }) => {
                report.paused_until_ms = Some(until_ms);
                let left: Vec<&str> = items[i..].iter().map(|it| it.code.as_str()).collect();
                report.remaining = products
                    .iter()
                    .filter(|p| left.contains(&p.product_code.trim()))
                    .cloned()
                    .collect();
                break;
            }
            Err(e) => {
                report.counts.failed += 1;
                report.errors.push(e.message(runner.lang));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_string_quantities_and_the_connectivity_test() {
        let wrapped = br#"{"products":[{"warehouse":"Magazin","productName":"Tricou rosu","productCode":"TR-01","quantity":12}]}"#;
        let bare = br#"[{"warehouse":"Magazin","productName":"Tricou rosu","productCode":"TR-01","quantity":"12","measuringUnit":"buc"}]"#;
        let a = parse(wrapped).unwrap();
        let b = parse(bare).unwrap();
        assert_eq!(a.products[0].quantity, Some(Decimal::from(12)));
        assert_eq!(b.products[0].quantity, Some(Decimal::from(12)));
        assert_eq!(b.products[0].measuring_unit, "buc");
        assert!(parse(br#"{"products":[]}"#).unwrap().is_test());
        assert!(parse(b"[]").unwrap().is_test());
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"items":[]}"#).is_err());
        let odd = parse(br#"[{"productCode":"X","quantity":"lots"},{"productCode":"Y"}]"#).unwrap();
        assert_eq!(odd.products.len(), 0);
        assert_eq!(odd.unreadable.len(), 2);
        assert!(!odd.is_test());
    }

    #[test]
    fn only_our_warehouse_counts_later_elements_win_units_come_from_the_snapshot() {
        let mut snapshot = Snapshot {
            warehouse: "Depozit".into(),
            items: SortedMap::new(),
        };
        snapshot.items.insert(
            "A".into(),
            Level {
                name: "Alfa".into(),
                unit: "buc".into(),
                quantity: Decimal::from(3),
                unsure: false,
            },
        );
        let p = |w: &str, code: &str, q: i64| Pushed {
            warehouse: w.into(),
            product_name: String::new(),
            product_code: code.into(),
            measuring_unit: String::new(),
            quantity: Some(Decimal::from(q)),
        };
        let (levels, other) = levels(
            &[p("DEPOZIT ", "A", 5), p("Magazin", "A", 9), p("depozit", "A", 4)],
            "Depozit",
            &snapshot,
        );
        assert_eq!(other, 1);
        assert_eq!(levels.len(), 1);
        assert_eq!(levels[0].1.quantity, Decimal::from(4));
        assert_eq!(levels[0].1.unit, "buc");
        assert_eq!(levels[0].1.name, "Alfa");
        // The same level as the snapshot is no change: a replay plans nothing.
        snapshot.items.insert("A".into(), levels[0].1.clone());
        let (items, _, _) = stock::diff(&levels, &snapshot);
        assert!(items.is_empty());
    }
}
