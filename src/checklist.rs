//! The options page's setup checklist: each line green, or with the fix. Also what the field
//! mapping needs (the module's fields, suggestions, statuses).

use serde::Serialize;
use serde_json::{json, Value};

use crate::api::App;
use crate::error::{Error, MiniCrmKind};
use crate::fields::{self, Role, ROLES};
use crate::i18n::Lang;
use crate::jobs::Priority;
use crate::minicrm::FieldType;
use crate::settings::Settings;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    id: &'static str,
    ok: bool,
    message: String,
}

fn role_name(lang: Lang, role: Role) -> String {
    match role {
        Role::InvoiceNumber => lang.pick("Numărul facturii", "Invoice number", "Számlaszám"),
        Role::Link => lang.pick("Link", "Link", "Link"),
        Role::PaymentStatus => lang.pick("Stare de plată", "Payment status", "Fizetési állapot"),
        Role::Pdf => lang.pick("Factura .pdf", "Invoice .pdf", "Számla .pdf"),
        Role::Error => lang.pick("Mesaj de eroare", "Error message", "Hibaüzenet"),
    }
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
        FieldType::Enum { .. } => "enum",
        FieldType::Other { .. } => "other",
    }
}

pub async fn run(app: &App<'_>, settings: &Settings, lang: Lang) -> Result<Value, Error> {
    let mut lines = Vec::new();
    let mut schema_info = Value::Null;

    // SmartBill: credentials and the series.
    match app.smartbill(settings, Priority::Interactive, 15_000) {
        Err(e) => lines.push(Line {
            id: "smartbill",
            ok: false,
            message: e.message(lang),
        }),
        Ok(sb) => match sb.series(Some(settings.document.kind.series_type())).await {
            Err(e) => lines.push(Line {
                id: "smartbill",
                ok: false,
                message: e.message(lang),
            }),
            Ok(series) => {
                lines.push(Line {
                    id: "smartbill",
                    ok: true,
                    message: lang.pick(
                        "API SmartBill accesibil.",
                        "SmartBill API reachable.",
                        "A SmartBill API elérhető.",
                    ),
                });
                let wanted = &settings.document.series;
                let found = series.iter().any(|s| &s.name == wanted);
                let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
                lines.push(Line {
                    id: "series",
                    ok: found,
                    message: if found {
                        lang.pick(
                            format!("Seria „{wanted}” există în SmartBill."),
                            format!("The series \"{wanted}\" exists in SmartBill."),
                            format!("A(z) „{wanted}” sorozat létezik a SmartBillben."),
                        )
                    } else {
                        lang.pick(
                            format!(
                                "Seria „{wanted}” nu există în SmartBill; alege una dintre: {}.",
                                names.join(", ")
                            ),
                            format!(
                                "The series \"{wanted}\" does not exist in SmartBill; choose one of: {}.",
                                names.join(", ")
                            ),
                            format!(
                                "A(z) „{wanted}” sorozat nem létezik a SmartBillben; válassz: {}.",
                                names.join(", ")
                            ),
                        )
                    },
                });
            }
        },
    }

    // MiniCRM: API (the add-on), module, fields.
    match app.minicrm(settings, Priority::Interactive, 15_000) {
        Err(e) => lines.push(Line {
            id: "minicrmApi",
            ok: false,
            message: e.message(lang),
        }),
        Ok(mc) => match mc.categories().await {
            Err(e) => {
                let message = match &e {
                    Error::MiniCrm { kind: MiniCrmKind::Auth, .. } => lang.pick(
                        "API-ul MiniCRM refuză accesul: verifică cheia API și activează add-on-ul „MiniCRM API + sincronizare XML” (MiniCRM › Setări › Abonare).",
                        "The MiniCRM API refuses access: check the API key and activate the \"MiniCRM API + XML sync\" add-on (MiniCRM › Settings › Subscription).",
                        "A MiniCRM API megtagadja a hozzáférést: ellenőrizd az API kulcsot, és kapcsold be a „REST API + XML szinkronizáció” kiegészítőt (MiniCRM › Beállítások › Előfizetés).",
                    ),
                    other => other.message(lang),
                };
                lines.push(Line {
                    id: "minicrmApi",
                    ok: false,
                    message,
                });
            }
            Ok(modules) => {
                lines.push(Line {
                    id: "minicrmApi",
                    ok: true,
                    message: lang.pick(
                        "API MiniCRM accesibil (add-on-ul „MiniCRM API + sincronizare XML” este activ).",
                        "MiniCRM API reachable (the \"MiniCRM API + XML sync\" add-on is active).",
                        "A MiniCRM API elérhető (a „REST API + XML szinkronizáció” kiegészítő aktív).",
                    ),
                });
                let wanted = settings.minicrm.module;
                let module = settings
                    .minicrm
                    .category_id
                    .and_then(|id| modules.iter().find(|m| m.id == id))
                    .or_else(|| modules.iter().find(|m| wanted.matches(m)))
                    .cloned();
                match module {
                    None => lines.push(Line {
                        id: "module",
                        ok: false,
                        message: lang.pick(
                            "Modulul „Oferte”/„Comenzi” nu există în MiniCRM: adaugă produsul în MiniCRM (Setări › Abonare) sau alege celălalt modul.",
                            "The Offers/Orders module is not in MiniCRM: add the product in MiniCRM (Settings › Subscription) or choose the other module.",
                            "Az Ajánlatok/Megrendelések modul nincs a MiniCRM-ben: add hozzá (Beállítások › Előfizetés), vagy válaszd a másik modult.",
                        ),
                    }),
                    Some(module) => {
                        lines.push(Line {
                            id: "module",
                            ok: true,
                            message: lang.pick(format!("Modulul „{}” (#{}) găsit.", module.name, module.id), format!("Module \"{}\" (#{}) found.", module.name, module.id), format!("A(z) „{}” modul (#{}) megtalálva.", module.name, module.id)),
                        });
                        match mc.project_schema(module.id).await {
                            Err(e) => lines.push(Line { id: "fields", ok: false, message: e.message(lang) }),
                            Ok(schema) => {
                                let suggestion = fields::suggest(&schema);
                                let chosen = if settings.integration.fields == fields::FieldMap::default() { suggestion.clone() } else { settings.integration.fields.clone() };
                                let missing = chosen.missing(&schema);
                                let extension_menu = match wanted {
                                    crate::settings::Module::Offers => "Oferte",
                                    crate::settings::Module::Orders => "Comenzi",
                                };
                                lines.push(Line {
                                    id: "fields",
                                    ok: missing.is_empty(),
                                    message: if missing.is_empty() {
                                        lang.pick("Câmpurile SmartBill ale cardului au fost găsite.", "The card's SmartBill fields were found.", "A kártya SmartBill mezői megvannak.")
                                    } else {
                                        let names: Vec<String> = missing.iter().map(|r| role_name(lang, *r)).collect();
                                        lang.pick(
                                            format!("Lipsesc câmpurile: {}. În MiniCRM, deschide produsul „{extension_menu}” › meniul „Extensii” și activează extensia „Smart Bill” (adaugă câmpurile), apoi verifică din nou.", names.join(", ")),
                                            format!("Missing fields: {}. In MiniCRM, open the \"{extension_menu}\" product › \"Extensions\" menu and activate the \"Smart Bill\" extension (it adds the fields), then check again.", names.join(", ")),
                                            format!("Hiányzó mezők: {}. A MiniCRM-ben nyisd meg a(z) „{extension_menu}” terméket › „Bővítmények” menü, és kapcsold be a „Smart Bill” bővítményt (hozzáadja a mezőket), majd ellenőrizd újra.", names.join(", ")),
                                        )
                                    },
                                });
                                let candidates: serde_json::Map<String, Value> = ROLES
                                    .iter()
                                    .map(|r| (serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(), json!(fields::candidates(&schema, *r))))
                                    .collect();
                                let statuses: Vec<Value> = fields::statuses(&schema).into_iter().map(|(id, label)| json!({"id": id, "label": label})).collect();
                                let all: Vec<Value> = schema.iter().map(|(n, t)| json!({"name": n, "type": type_name(t)})).collect();
                                schema_info = json!({
                                    "categoryId": module.id,
                                    "fields": all,
                                    "candidates": candidates,
                                    "suggestion": suggestion,
                                    "chosen": chosen,
                                    "statuses": statuses,
                                });
                            }
                        }
                    }
                }
            }
        },
    }
    let ok = lines.iter().all(|l| l.ok);
    Ok(json!({"lines": lines, "allOk": ok, "schema": schema_info}))
}
