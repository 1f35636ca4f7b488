//! The replies of the options page's and the popup's commands whose data live below the
//! workflows: the settings, the connection tests, the warehouses, the small acknowledgements.
//! `App::handle` adds `ok: true` to each. The pages' TypeScript types are generated from these
//! (`types/core.d.ts`, see `api`'s `typescript` test), so a renamed field fails `tsc` on the page.

use crate::platform::SortedMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::ErrorView;
use crate::minicrm::Category;
use crate::schedule::Alarm;
use crate::settings::SettingsView;
use crate::smartbill::{Series, SeriesType, Tax};

/// A command's typed reply as the JSON object the envelope (`App::handle`) completes, written
/// straight from its Rust type (never through `serde_json::Value`). The replies' types have
/// string keys and serializers that cannot fail.
pub fn to_json<T: Serialize>(reply: T) -> ReplyText {
    ReplyText(serde_json::to_string(&reply).unwrap_or_else(|_| "null".into()))
}

/// A reply's JSON text, as the worker's modules hand it to JavaScript (`JSON.parse`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyText(String);

impl ReplyText {
    /// A JSON value made elsewhere (the team server's reply, passed on).
    pub fn from_value(value: &Value) -> ReplyText {
        to_json(value)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reply as a JSON value, for native callers (the team server, the tests).
    pub fn into_value(self) -> Value {
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    /// The envelope of a command that succeeded: `{"ok": true, …}` with the reply's fields, or
    /// `{"ok": true, "value": …}` for a reply that is not an object. No reply type has a field
    /// named `ok` of its own (`api`'s `no_reply_has_a_field_named_ok`), so `ok` is said once.
    pub fn ok(self) -> ReplyText {
        let text = self.0;
        match text.strip_prefix('{') {
            Some(rest) if rest.trim_start().starts_with('}') => ReplyText(r#"{"ok":true}"#.into()),
            Some(rest) => ReplyText(format!(r#"{{"ok":true,{rest}"#)),
            None => ReplyText(format!(r#"{{"ok":true,"value":{text}}}"#)),
        }
    }

    /// The envelope of a command that failed: `{"ok": false, "error": {…}}`.
    pub fn failed(error: &ErrorView) -> ReplyText {
        #[derive(Serialize)]
        struct Failed<'a> {
            ok: bool,
            error: &'a ErrorView,
        }
        to_json(Failed { ok: false, error })
    }
}

/// `getSettings`: the stored settings (never a secret), this browser, and what the form offers.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsReply {
    pub settings: SettingsView,
    pub browser: BrowserView,
    /// The SmartBill API address (and the time scale) may be edited: a sandbox build.
    pub api_base_editable: bool,
    /// The default unit table, used when the settings name none: each SmartBill unit with the
    /// MiniCRM units (folded) that become it.
    pub default_units: Vec<UnitGroup>,
}

/// A SmartBill unit and the MiniCRM units (folded, in order) sent as it.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct UnitGroup {
    pub smartbill: String,
    pub minicrm: Vec<String>,
}

/// `invoice::default_units` grouped by SmartBill unit: the groups in the order of their first
/// MiniCRM unit, each group's units in order.
pub fn unit_groups(units: &SortedMap<String, String>) -> Vec<UnitGroup> {
    let mut groups: Vec<UnitGroup> = Vec::new();
    for (minicrm, smartbill) in units {
        match groups.iter_mut().find(|g| &g.smartbill == smartbill) {
            Some(group) => group.minicrm.push(minicrm.clone()),
            None => groups.push(UnitGroup {
                smartbill: smartbill.clone(),
                minicrm: vec![minicrm.clone()],
            }),
        }
    }
    groups
}

/// This browser within the team: its id and the name colleagues see.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BrowserView {
    pub id: String,
    pub label: String,
}

/// `saveSettings`: saved as typed; what is missing (each pointing at its field) and what will
/// not work, in words.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SavedSettings {
    /// Always `true` (the settings are saved even when incomplete).
    pub saved: bool,
    pub problems: Vec<ErrorView>,
    pub warnings: Vec<String>,
    pub settings: SettingsView,
    /// The alarms the background keeps from now on.
    pub alarms: Vec<Alarm>,
}

/// `testSmartBill`: the account's series and taxes, and whether the chosen series is one of them.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SmartBillTest {
    pub series: Vec<Series>,
    pub taxes: Vec<Tax>,
    pub series_found: bool,
    /// The series type the chosen document type is issued on.
    pub series_type: SeriesType,
}

/// `testMiniCrm`: the account's modules and the one the settings mean (none: not found).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MiniCrmTest {
    pub modules: Vec<Category>,
    pub module: Option<Category>,
}

/// `warehouses`: SmartBill's warehouse names, once each, in SmartBill's order.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Warehouses {
    pub warehouses: Vec<String>,
}

/// `panelPlace`: the place was saved (always `true`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Saved {
    pub saved: bool,
}

/// A side effect the background performs for the page (`background.js`, `perform`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct EffectReply {
    pub effect: Effect,
}

impl EffectReply {
    /// `openOptions`'s reply (the full core's and the first module's).
    pub const OPEN_OPTIONS: EffectReply = EffectReply {
        effect: Effect::OpenOptions,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Effect {
    /// Open the extension's options page.
    OpenOptions,
}

/// The JSON the pages read, pinned: a renamed or dropped field fails here (and the generated
/// `types/core.d.ts` changes with it, so `tsc` checks the pages against the new name).
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::Field;
    use crate::settings::Settings;

    /// The reply's text, read back as JSON for comparing.
    fn to_json<T: Serialize>(reply: T) -> Value {
        super::to_json(reply).into_value()
    }

    #[test]
    fn the_envelope_says_ok_once_beside_the_reply_s_fields() {
        let ok = |text: &str| ReplyText(text.into()).ok().0;
        assert_eq!(ok(r#"{"saved":true}"#), r#"{"ok":true,"saved":true}"#);
        assert_eq!(ok("{}"), r#"{"ok":true}"#);
        assert_eq!(ok("[1,2]"), r#"{"ok":true,"value":[1,2]}"#);
        assert_eq!(ok("null"), r#"{"ok":true,"value":null}"#);
        let failed = ReplyText::failed(&ErrorView {
            code: "x".into(),
            message: "m".into(),
            vendor_text: None,
            vendor: None,
            field: None,
        });
        assert_eq!(
            failed.into_value(),
            json!({"ok": false, "error": {"code": "x", "message": "m", "vendorText": null, "vendor": null, "field": null}})
        );
    }

    /// The default settings' view, as the options page reads it.
    fn default_view() -> serde_json::Value {
        json!({
            "smartbill": {"cif": "", "email": "", "tokenSet": false, "apiBase": "https://ws.smartbill.ro/SBORO/api"},
            "minicrm": {"url": "https://r3.minicrm.ro", "systemId": "", "apiKeySet": false, "module": "offers", "categoryId": null},
            "document": {"kind": "invoice", "series": "", "dueDays": 15, "draft": false},
            "integration": {
                "fields": {"invoiceNumber": null, "link": null, "paymentStatus": null, "pdf": null, "error": null},
                "triggers": [], "auto": false, "intervalMinutes": 2, "autoSinceMs": null,
            },
            "stock": {"enabled": false, "warehouse": ""},
            "units": {},
            "unitsText": "",
            "advanced": {"timeScale": 1.0, "requestTimeoutMs": null, "claimBoundMs": null, "landMarginMs": null},
            "team": {"browserLabel": "", "runner": true, "runnerSinceMs": null, "otherRunner": null},
            "server": {"url": "", "keySet": false, "enabled": false},
            "complete": false,
            "origins": [],
        })
    }

    #[test]
    fn default_units_are_grouped_by_smartbill_unit() {
        let units = [("ora", "ora"), ("buc", "buc"), ("h", "ora"), ("bucati", "buc")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into();
        let groups = unit_groups(&units);
        let shown: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|g| {
                (
                    g.smartbill.as_str(),
                    g.minicrm.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(shown, [("buc", vec!["buc", "bucati"]), ("ora", vec!["h", "ora"])]);
    }

    #[test]
    fn get_settings_reply() {
        let reply = SettingsReply {
            settings: Settings::default().view(&[]),
            browser: BrowserView {
                id: "b-1".into(),
                label: "Ana".into(),
            },
            api_base_editable: true,
            default_units: unit_groups(&[("bucati".to_string(), "buc".to_string())].into()),
        };
        assert_eq!(
            to_json(&reply),
            json!({
                "settings": default_view(),
                "browser": {"id": "b-1", "label": "Ana"},
                "apiBaseEditable": true,
                "defaultUnits": [{"smartbill": "buc", "minicrm": ["bucati"]}],
            })
        );
    }

    #[test]
    fn save_settings_reply() {
        let problem = ErrorView {
            code: "setting.missing".into(),
            message: "Completează CIF-ul.".into(),
            vendor_text: None,
            vendor: None,
            field: Some(Field::SmartbillCif),
        };
        let reply = SavedSettings {
            saved: true,
            problems: vec![problem],
            warnings: vec!["Fără câmpul „Link”…".into()],
            settings: Settings::default().view(&[]),
            alarms: vec![Alarm {
                name: "tick",
                period_in_minutes: Some(2.0),
                delay_in_minutes: None,
            }],
        };
        assert_eq!(
            to_json(&reply),
            json!({
                "saved": true,
                "problems": [{"code": "setting.missing", "message": "Completează CIF-ul.", "vendorText": null, "vendor": null, "field": "smartbillCif"}],
                "warnings": ["Fără câmpul „Link”…"],
                "settings": default_view(),
                "alarms": [{"name": "tick", "periodInMinutes": 2.0}],
            })
        );
    }

    #[test]
    fn test_smartbill_reply() {
        let reply = SmartBillTest {
            series: vec![Series {
                name: "FCT".into(),
                next_number: 117,
                kind: SeriesType::Invoice,
            }],
            taxes: vec![Tax {
                name: "Normala".into(),
                percentage: rust_decimal::Decimal::new(190, 1),
            }],
            series_found: false,
            series_type: SeriesType::Proforma,
        };
        assert_eq!(
            to_json(&reply),
            json!({
                "series": [{"name": "FCT", "nextNumber": 117, "type": "f"}],
                "taxes": [{"name": "Normala", "percentage": 19}],
                "seriesFound": false,
                "seriesType": "p",
            })
        );
    }

    #[test]
    fn test_minicrm_reply() {
        let offers = Category {
            id: 21,
            name: "Oferte".into(),
            kind: Some("Offer".into()),
        };
        let reply = MiniCrmTest {
            modules: vec![offers.clone()],
            module: Some(offers),
        };
        let module = json!({"id": 21, "name": "Oferte", "kind": "Offer"});
        assert_eq!(to_json(&reply), json!({"modules": [module], "module": module}));
        let none = MiniCrmTest {
            modules: Vec::new(),
            module: None,
        };
        assert_eq!(to_json(&none), json!({"modules": [], "module": null}));
    }

    #[test]
    fn small_replies() {
        assert_eq!(
            to_json(Warehouses {
                warehouses: vec!["Depozit".into()]
            }),
            json!({"warehouses": ["Depozit"]})
        );
        assert_eq!(to_json(Saved { saved: true }), json!({"saved": true}));
        assert_eq!(
            to_json(EffectReply {
                effect: Effect::OpenOptions
            }),
            json!({"effect": "openOptions"})
        );
    }
}
