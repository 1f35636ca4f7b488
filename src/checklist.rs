//! The options page's setup checklist: each line green, or with the fix. Also what the field
//! mapping needs (the module's fields, suggestions, statuses).

use serde::Serialize;

use crate::app::App;
use crate::error::{Error, MiniCrmKind};
use crate::fields::{self, Role, ROLES};
use crate::i18n::{Lang, Text};
use crate::jobs::Priority;
use crate::minicrm::{AnyValue, Category, FieldType};
use crate::settings::{Settings, StatusRef};

/// `checklist`: each line green or with the fix, and what the field mapping needs (`null` when
/// the module's fields could not be read).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChecklistReply {
    pub lines: Vec<Line>,
    pub all_ok: bool,
    pub schema: Option<SchemaInfo>,
}

/// One line of the checklist (`id`: `smartbill`, `series`, `minicrmApi`, `module`, `fields`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ChecklistLine"))]
pub struct Line {
    pub id: &'static str,
    pub ok: bool,
    pub message: String,
}

/// What the field mapping shows: the module's fields, each role's candidates, the suggestion,
/// the choice (the settings' over the suggestion), the module's statuses.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SchemaInfo {
    pub category_id: u64,
    pub fields: Vec<FieldInfo>,
    pub candidates: RoleCandidates,
    pub suggestion: fields::FieldMap,
    pub chosen: fields::FieldMap,
    pub statuses: Vec<StatusRef>,
}

/// Each role's candidate fields (the keys are [`Role`]'s names, as in [`fields::FieldMap`]).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoleCandidates {
    pub invoice_number: Vec<Candidate>,
    pub link: Vec<Candidate>,
    pub payment_status: Vec<Candidate>,
    pub pdf: Vec<Candidate>,
    pub error: Vec<Candidate>,
}

/// A field of the module and its type's name (`text`, `int`, `enum`, …).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FieldInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A role's candidate field, with its type's name and a value seen on a recent card.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Candidate {
    pub name: String,
    /// Empty when the field is not in the schema.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub sample: Option<String>,
}

fn role_name(lang: Lang, role: Role) -> String {
    lang.text(match role {
        Role::InvoiceNumber => Text::ChecklistInvoiceNumber,
        Role::Link => Text::ChecklistLink,
        Role::PaymentStatus => Text::ChecklistPaymentStatus,
        Role::Pdf => Text::ChecklistPdf,
        Role::Error => Text::ChecklistError,
    })
    .to_string()
}

fn type_name(t: &FieldType) -> &'static str {
    match t {
        FieldType::Text { .. } => "text",
        FieldType::Int => "int",
        FieldType::Float => "float",
        FieldType::Boolean => "boolean",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime",
        FieldType::File => "file",
        FieldType::Url => "url",
        FieldType::Enum { .. } => "enum",
        FieldType::Other { .. } => "other",
    }
}

/// What will not work with these settings, in words (shown when saving settings that are not
/// complete: nothing typed is lost, but the person knows the cost).
pub fn consequences(settings: &Settings, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let f = &settings.integration.fields;
    if settings.minicrm.category_id.is_none() {
        out.push(lang.text(Text::ChecklistModuleUnknown).to_string());
    }
    for role in ROLES {
        if f.get(role).is_some() {
            continue;
        }
        out.push(
            lang.text(match role {
                Role::Error => Text::ChecklistErrorMissing,
                Role::InvoiceNumber => Text::ChecklistInvoiceNumberMissing,
                Role::Link => Text::ChecklistLinkMissing,
                Role::PaymentStatus => Text::ChecklistPaymentStatusMissing,
                Role::Pdf => Text::ChecklistPdfMissing,
            })
            .to_string(),
        );
    }
    if settings.integration.auto && !settings.team.runner {
        let who = settings
            .team
            .other_runner
            .as_ref()
            .map(|o| o.label.clone())
            .unwrap_or_default();
        out.push(lang.fill(Text::ChecklistJobsElsewhere, &[("who", &who)]));
    }
    out
}

/// Values of the module's fields on its most recently changed cards (at most 8 cards: one list
/// call, one card read each; §2.9 orders the list by modification). Best effort: none on error.
async fn samples(
    mc: &crate::minicrm::MiniCrm<'_>,
    kind: crate::document::DocumentKind,
    schema: &crate::minicrm::Schema,
) -> fields::Samples {
    let mut out = fields::Samples::new();
    let Ok(list) = mc
        .list_documents(kind, &crate::minicrm::ListFilter::default())
        .await
    else {
        return out;
    };
    let mut cards: Vec<u64> = Vec::new();
    for d in &list.results {
        if let Some(p) = d.project_id {
            if !cards.contains(&p) {
                cards.push(p);
            }
        }
    }
    for card in cards.into_iter().take(8) {
        let Ok(fields) = mc.project(card).await else {
            continue;
        };
        for (name, value) in fields {
            if !schema.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let text = match value {
                AnyValue::Text(s) => s.trim().to_string(),
                AnyValue::Number(n) => n,
                _ => continue,
            };
            let seen = out.get_or_insert_with(name, Vec::new);
            if !text.is_empty() && seen.len() < 3 && !seen.contains(&text) {
                seen.push(text);
            }
        }
    }
    out
}

pub async fn run(app: &App<'_>, settings: &Settings, lang: Lang) -> Result<ChecklistReply, Error> {
    // SmartBill: credentials and the series.
    let mut lines = smartbill_lines(app, settings, lang).await;
    // MiniCRM: API (the add-on), module, fields.
    let (minicrm, schema_info) = minicrm_lines(app, settings, lang).await;
    lines.extend(minicrm);
    let ok = lines.iter().all(|l| l.ok);
    Ok(ChecklistReply {
        lines,
        all_ok: ok,
        schema: schema_info,
    })
}

/// SmartBill's lines: the API (credentials), then whether the chosen series exists.
async fn smartbill_lines(app: &App<'_>, settings: &Settings, lang: Lang) -> Vec<Line> {
    let failed = |e: Error| Line {
        id: "smartbill",
        ok: false,
        message: e.message(lang),
    };
    let sb = match app.smartbill(settings, Priority::Interactive, 15_000) {
        Err(e) => return vec![failed(e)],
        Ok(sb) => sb,
    };
    let series = match sb.series(Some(settings.document.kind.series_type())).await {
        Err(e) => return vec![failed(e)],
        Ok(series) => series,
    };
    let reachable = Line {
        id: "smartbill",
        ok: true,
        message: lang.text(Text::ChecklistSmartBillReachable).to_string(),
    };
    vec![reachable, series_line(settings, &series, lang)]
}

/// Whether the series of the settings is one of SmartBill's.
fn series_line(settings: &Settings, series: &[crate::smartbill::Series], lang: Lang) -> Line {
    let wanted = &settings.document.series;
    let found = series.iter().any(|s| &s.name == wanted);
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    Line {
        id: "series",
        ok: found,
        message: if found {
            lang.fill(Text::ChecklistSeriesFound, &[("wanted", &wanted)])
        } else {
            lang.fill(
                Text::ChecklistSeriesMissing,
                &[("wanted", &wanted), ("names", &names.join(", "))],
            )
        },
    }
}

/// MiniCRM's API line when listing the modules failed: a refusal means the key or the add-on.
fn api_refused(e: &Error, lang: Lang) -> Line {
    let message = match e {
        Error::MiniCrm {
            kind: MiniCrmKind::Auth,
            ..
        } => lang.text(Text::ChecklistMiniCrmRefused).to_string(),
        other => other.message(lang),
    };
    Line {
        id: "minicrmApi",
        ok: false,
        message,
    }
}

/// The module the settings name among MiniCRM's: the one chosen before (its id), else the first
/// of the configured kind (offers, orders).
pub fn chosen_module(settings: &Settings, modules: &[Category]) -> Option<Category> {
    let wanted = settings.minicrm.module;
    settings
        .minicrm
        .category_id
        .and_then(|id| modules.iter().find(|m| m.id == id))
        .or_else(|| modules.iter().find(|m| wanted.matches(m)))
        .cloned()
}

/// MiniCRM's lines (the API and its add-on, the module, the fields) and what the field mapping
/// needs (`None` when the module's fields could not be read).
async fn minicrm_lines(app: &App<'_>, settings: &Settings, lang: Lang) -> (Vec<Line>, Option<SchemaInfo>) {
    let mc = match app.minicrm(settings, Priority::Interactive, 15_000) {
        Err(e) => {
            let line = Line {
                id: "minicrmApi",
                ok: false,
                message: e.message(lang),
            };
            return (vec![line], None);
        }
        Ok(mc) => mc,
    };
    let modules = match mc.categories().await {
        Err(e) => return (vec![api_refused(&e, lang)], None),
        Ok(modules) => modules,
    };
    let mut lines = vec![Line {
        id: "minicrmApi",
        ok: true,
        message: lang.text(Text::ChecklistMiniCrmReachable).to_string(),
    }];
    let Some(module) = chosen_module(settings, &modules) else {
        lines.push(Line {
            id: "module",
            ok: false,
            message: lang.text(Text::ChecklistNoOrdersModule).to_string(),
        });
        return (lines, None);
    };
    lines.push(Line {
        id: "module",
        ok: true,
        message: lang.fill(
            Text::ChecklistModuleFound,
            &[("name", &module.name), ("id", &module.id)],
        ),
    });
    let (fields_line, schema_info) = match mc.project_schema(module.id).await {
        Err(e) => (
            Line {
                id: "fields",
                ok: false,
                message: e.message(lang),
            },
            None,
        ),
        Ok(schema) => fields_check(&mc, settings, module.id, &schema, lang).await,
    };
    lines.push(fields_line);
    (lines, schema_info)
}

/// Whether the module has the fields the mapping needs, and what the field mapping shows: each
/// role's candidates, the suggestion, the choice, the statuses.
async fn fields_check(
    mc: &crate::minicrm::MiniCrm<'_>,
    settings: &Settings,
    category_id: u64,
    schema: &crate::minicrm::Schema,
    lang: Lang,
) -> (Line, Option<SchemaInfo>) {
    let samples = samples(mc, settings.minicrm.module.document_kind(), schema).await;
    let suggestion = fields::suggest(schema, &samples);
    let chosen = settings.integration.fields.or_suggested(schema, &suggestion);
    let missing = chosen.missing(schema);
    let extension_menu = match settings.minicrm.module {
        crate::settings::Module::Offers => "Oferte",
        crate::settings::Module::Orders => "Comenzi",
    };
    let line = Line {
        id: "fields",
        ok: missing.is_empty(),
        message: if missing.is_empty() {
            lang.text(Text::ChecklistFieldsFound).to_string()
        } else {
            let names: Vec<String> = missing.iter().map(|r| role_name(lang, *r)).collect();
            lang.fill(
                Text::ChecklistFieldsMissing,
                &[("names", &names.join(", ")), ("extension_menu", &extension_menu)],
            )
        },
    };
    let candidates = role_candidates(schema, &samples);
    let statuses = fields::statuses(schema)
        .into_iter()
        .map(|(id, label)| StatusRef { id, label })
        .collect();
    let all = schema
        .iter()
        .map(|(n, t)| FieldInfo {
            name: n.clone(),
            kind: type_name(t),
        })
        .collect();
    let schema_info = SchemaInfo {
        category_id,
        fields: all,
        candidates,
        suggestion,
        chosen,
        statuses,
    };
    (line, Some(schema_info))
}

/// Each role's candidate fields, with their type and a value seen on a recent card.
fn role_candidates(schema: &crate::minicrm::Schema, samples: &fields::Samples) -> RoleCandidates {
    // Each candidate with its type and a value seen on a recent card, so the picker says more
    // than "Text2201".
    let describe = |role: Role| -> Vec<Candidate> {
        let one = |name: &String| {
            let t = schema
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| type_name(t))
                .unwrap_or("");
            let sample = samples
                .get(name)
                .and_then(|v| v.first())
                .map(|v| v.chars().take(60).collect::<String>());
            Candidate {
                name: name.clone(),
                kind: t,
                sample,
            }
        };
        fields::candidates(schema, role, samples)
            .iter()
            .map(one)
            .collect()
    };
    RoleCandidates {
        invoice_number: describe(Role::InvoiceNumber),
        link: describe(Role::Link),
        payment_status: describe(Role::PaymentStatus),
        pdf: describe(Role::Pdf),
        error: describe(Role::Error),
    }
}

/// The JSON the options page reads, pinned (a renamed field fails here).
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_checklist_reply() {
        let candidates = RoleCandidates {
            invoice_number: vec![Candidate {
                name: "Text2201".into(),
                kind: "text",
                sample: Some("FCT 0117".into()),
            }],
            link: Vec::new(),
            payment_status: Vec::new(),
            pdf: vec![Candidate {
                name: "File1".into(),
                kind: "",
                sample: None,
            }],
            error: Vec::new(),
        };
        let suggestion = fields::FieldMap {
            invoice_number: Some("Text2201".into()),
            ..Default::default()
        };
        let reply = ChecklistReply {
            lines: vec![Line {
                id: "fields",
                ok: true,
                message: "Găsite.".into(),
            }],
            all_ok: true,
            schema: Some(SchemaInfo {
                category_id: 21,
                fields: vec![FieldInfo {
                    name: "Text2201".into(),
                    kind: "text",
                }],
                candidates,
                suggestion: suggestion.clone(),
                chosen: suggestion,
                statuses: vec![StatusRef {
                    id: "3001".into(),
                    label: "Câștigat".into(),
                }],
            }),
        };
        let map = json!({"invoiceNumber": "Text2201", "link": null, "paymentStatus": null, "pdf": null, "error": null});
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({
                "lines": [{"id": "fields", "ok": true, "message": "Găsite."}],
                "allOk": true,
                "schema": {
                    "categoryId": 21,
                    "fields": [{"name": "Text2201", "type": "text"}],
                    "candidates": {
                        "invoiceNumber": [{"name": "Text2201", "type": "text", "sample": "FCT 0117"}],
                        "link": [],
                        "paymentStatus": [],
                        "pdf": [{"name": "File1", "type": "", "sample": null}],
                        "error": [],
                    },
                    "suggestion": map,
                    "chosen": map,
                    "statuses": [{"id": "3001", "label": "Câștigat"}],
                },
            })
        );
        let unread = ChecklistReply {
            lines: Vec::new(),
            all_ok: false,
            schema: None,
        };
        assert_eq!(
            serde_json::to_value(&unread).unwrap(),
            json!({"lines": [], "allOk": false, "schema": null})
        );
    }
}
