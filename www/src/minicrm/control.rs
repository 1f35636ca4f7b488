//! `/__control/minicrm/...`: inspect and steer the fake MiniCRM from tests and the demo.
//!
//! | method + path | body | does |
//! |---|---|---|
//! | `GET /projects` | | every card: ids, status label/group, `Fields` (as the detail GET), `RawFields`, `Files` |
//! | `GET /documents` | | every offer/order as the API shows it, plus `Status`/`StatusGroup` |
//! | `GET /products` | | every product (the API has no GET) |
//! | `GET /contacts` | | every contact as the detail GET, with `Addresses` |
//! | `GET /files` | | files stored behind download URLs (name, size, source URL) |
//! | `GET/POST /settings` | `{apiAddon, limitDocuments, limitPerMinute, readings: {<key>: "strict"\|"lenient"}}` | behaviour switches; `limitDocuments` is the `documentsRateLimited` reading (true = strict); `readings` lists the MiniCRM points |
//! | `POST /documents` | `{kind: "Offer"\|"Order", count, body, fields?}` | creates documents (and cards) as `POST /Api/{kind}` with `body`, without the rate limit; `fields` are set on each card as a user would |
//! | `POST /schema/business/remove` | `{fields:[..]}` | removes company fields (an account lacking them) |
//! | `POST /schema/person/remove` | `{fields:[..]}` | removes person fields |
//! | `POST /schema/project/{cat}/remove` | `{fields:[..]}` | removes card fields of a module |
//! | `POST /project/{id}` | `{fields:{..}}` | sets card fields as a user would, bypassing the status rules |
//! | `POST /products` | `[{..}]` or `{products:[..]}` | upserts products by SKU, as `PUT /Api/R3/Product` |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::contacts;
use super::documents;
use super::model::{format_ts, ContactKind};
use super::ops::{self, Writer};
use crate::http::Service;
use crate::{Reading, Shared};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/projects", get(projects))
        .route("/documents", get(documents_list).post(add_documents))
        .route("/products", get(products).post(add_products))
        .route("/contacts", get(contacts_list))
        .route("/files", get(files))
        .route("/settings", get(get_settings).post(set_settings))
        .route("/schema/business/remove", post(remove_business_fields))
        .route("/schema/person/remove", post(remove_person_fields))
        .route("/schema/project/{cat}/remove", post(remove_project_fields))
        .route("/project/{id}", post(set_project))
}

fn error(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"error": text}))).into_response()
}

/// One card for tests: ids, labels and raw values.
pub fn project_json(w: &crate::World, p: &super::model::Project) -> Value {
    let st = &w.minicrm;
    let cat = st.category(p.category_id);
    let status = cat.and_then(|c| c.status(p.status_id));
    let mut fields = serde_json::Map::new();
    let mut files = serde_json::Map::new();
    if let Some(c) = cat {
        for def in &c.fields {
            let stored = p.fields.get(&def.name);
            fields.insert(def.name.clone(), ops::detail_value(def, stored));
            if let (super::schema::FieldKind::File, Some(Value::String(url))) = (&def.kind, stored) {
                files.insert(def.name.clone(), file_info(w, url));
            }
        }
    }
    let raw: serde_json::Map<String, Value> = p.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let doc = st.document_of_project(p.id);
    json!({
        "Id": p.id,
        "CategoryId": p.category_id,
        "Category": cat.map(|c| c.name.clone()),
        "Name": p.name,
        "StatusId": p.status_id,
        "Status": status.map(|s| s.label.clone()),
        "StatusGroup": status.map(|s| s.group.as_str()),
        "UserId": p.user_id,
        "ContactId": p.contact_id,
        "BusinessId": p.business_id,
        "Deleted": p.deleted as u8,
        "UpdatedAt": format_ts(p.updated_ms),
        "StatusUpdatedAt": format_ts(p.status_updated_ms),
        "DocumentId": doc.map(|d| d.id),
        "DocumentType": doc.map(|d| d.kind.as_str()),
        "Fields": fields,
        "RawFields": raw,
        "Files": files,
    })
}

/// What a download URL points to: a stored file (name, size, source) or an external URL.
fn file_info(w: &crate::World, url: &str) -> Value {
    let token = ops::download_token(url);
    match w.minicrm.files.get(token) {
        Some(f) => json!({"url": url, "stored": true, "fileName": f.file_name, "size": f.bytes.len(),
                          "contentType": f.content_type, "source": f.source}),
        None => json!({"url": url, "stored": false}),
    }
}

async fn projects(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w.minicrm.projects.values().map(|p| project_json(&w, p)).collect();
    Json(json!({"projects": list}))
}

async fn documents_list(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w
        .minicrm
        .documents
        .values()
        .map(|d| {
            let mut v = documents::doc_json(&w, d);
            let status = w.minicrm.projects.get(&d.project_id).and_then(|p| {
                w.minicrm
                    .category(p.category_id)
                    .and_then(|c| c.status(p.status_id))
            });
            if let Some(o) = v.as_object_mut() {
                o.insert("Status".into(), json!(status.map(|s| s.label.clone())));
                o.insert("StatusGroup".into(), json!(status.map(|s| s.group.as_str())));
                o.insert(
                    "UpdatedAt".into(),
                    json!(format_ts(documents::modified_ms(&w, d))),
                );
            }
            v
        })
        .collect();
    Json(json!({"documents": list}))
}

async fn products(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w.minicrm.products.values().map(contacts::product_json).collect();
    Json(json!({"products": list}))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ProductsBody {
    List(Vec<Value>),
    Wrapped { products: Vec<Value> },
}

async fn add_products(State(s): State<Shared>, Json(body): Json<ProductsBody>) -> Response {
    let list = match body {
        ProductsBody::List(l) => l,
        ProductsBody::Wrapped { products } => products,
    };
    let mut w = s.lock();
    let mut ids = Vec::new();
    for p in list {
        match contacts::upsert_product(&mut w, p.to_string().as_bytes()) {
            Ok((id, _)) => ids.push(id),
            Err(e) => return error(StatusCode::BAD_REQUEST, &e.text),
        }
    }
    Json(json!({"ids": ids})).into_response()
}

async fn contacts_list(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w
        .minicrm
        .contacts
        .values()
        .map(|c| {
            let mut v = contacts::contact_detail(&w, c);
            let addresses: Vec<Value> = w
                .minicrm
                .addresses
                .values()
                .filter(|a| a.contact_id == c.id)
                .map(|a| contacts::address_detail(&w, a))
                .collect();
            if let Some(o) = v.as_object_mut() {
                o.insert("Name".into(), json!(c.display_name()));
                if c.kind == ContactKind::Business {
                    o.insert("BusinessId".into(), Value::Null);
                }
                o.insert("Addresses".into(), Value::Array(addresses));
            }
            v
        })
        .collect();
    Json(json!({"contacts": list}))
}

async fn files(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w
        .minicrm
        .files
        .iter()
        .map(|(token, f)| {
            json!({"token": token, "url": ops::download_url(&w, token), "fileName": f.file_name,
                   "size": f.bytes.len(), "contentType": f.content_type, "source": f.source})
        })
        .collect();
    Json(json!({"files": list}))
}

fn settings_json(w: &crate::World) -> Value {
    json!({
        "apiAddon": w.minicrm.settings.api_addon,
        "limitDocuments": w.readings.is_strict(Reading::DocumentsRateLimited),
        "limitPerMinute": w.minicrm.settings.limit_per_minute,
        "readings": w.readings.to_json(Some(Service::MiniCrm)),
    })
}

async fn get_settings(State(s): State<Shared>) -> Json<Value> {
    Json(settings_json(&s.lock()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsBody {
    api_addon: Option<bool>,
    limit_documents: Option<bool>,
    limit_per_minute: Option<u32>,
    /// `{"<reading key>": "strict"|"lenient", "all": …}` (see `crate::documented::READINGS`).
    readings: Option<Value>,
}

async fn set_settings(State(s): State<Shared>, Json(b): Json<SettingsBody>) -> Response {
    let mut w = s.lock();
    if let Some(r) = &b.readings {
        let mut readings = w.readings;
        if let Err(e) = readings.apply_json(r) {
            return error(StatusCode::BAD_REQUEST, &e);
        }
        w.readings = readings;
    }
    if let Some(v) = b.limit_documents {
        w.readings.set(Reading::DocumentsRateLimited, !v);
    }
    let st = &mut w.minicrm;
    if let Some(v) = b.api_addon {
        st.settings.api_addon = v;
    }
    if let Some(v) = b.limit_per_minute {
        st.settings.limit_per_minute = v;
        st.rate_window.clear();
    }
    Json(settings_json(&w)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentsBody {
    kind: String,
    count: u32,
    /// The body of `POST /Api/Offer` / `POST /Api/Order`.
    body: Value,
    /// Card fields to set on every new card (as `POST /project/{id}`).
    #[serde(default)]
    fields: serde_json::Map<String, Value>,
}

/// `POST /__control/minicrm/documents`: many offers or orders at once, without the rate limit.
async fn add_documents(State(s): State<Shared>, Json(b): Json<DocumentsBody>) -> Response {
    let kind = match b.kind.as_str() {
        "Offer" => super::model::DocKind::Offer,
        "Order" => super::model::DocKind::Order,
        _ => return error(StatusCode::BAD_REQUEST, "kind must be Offer or Order"),
    };
    if b.count == 0 || b.count > 5000 {
        return error(StatusCode::BAD_REQUEST, "count must be 1..5000");
    }
    let bytes = b.body.to_string().into_bytes();
    let mut w = s.lock();
    let mut out = Vec::new();
    for _ in 0..b.count {
        let doc = match documents::create_document(&mut w, kind, &bytes) {
            Ok(d) => d,
            Err(e) => return error(StatusCode::BAD_REQUEST, &e.text),
        };
        let id: u64 = doc["Id"].as_str().and_then(|x| x.parse().ok()).unwrap_or(0);
        let project_id = w.minicrm.documents.get(&id).map(|d| d.project_id).unwrap_or(0);
        if !b.fields.is_empty() {
            if let Err(e) = ops::update_project(&mut w, "Control", project_id, &b.fields, Writer::Control) {
                return error(StatusCode::BAD_REQUEST, &e.text);
            }
        }
        out.push(json!({"Id": id, "ProjectId": project_id, "Number": doc["Number"]}));
    }
    Json(json!({"documents": out})).into_response()
}

#[derive(Deserialize)]
struct RemoveBody {
    fields: Vec<String>,
}

fn names(defs: &[super::schema::FieldDef]) -> Vec<String> {
    defs.iter().map(|d| d.name.clone()).collect()
}

async fn remove_business_fields(State(s): State<Shared>, Json(b): Json<RemoveBody>) -> Json<Value> {
    let mut w = s.lock();
    w.minicrm.business_fields.retain(|d| !b.fields.contains(&d.name));
    Json(json!({"fields": names(&w.minicrm.business_fields)}))
}

async fn remove_person_fields(State(s): State<Shared>, Json(b): Json<RemoveBody>) -> Json<Value> {
    let mut w = s.lock();
    w.minicrm.person_fields.retain(|d| !b.fields.contains(&d.name));
    Json(json!({"fields": names(&w.minicrm.person_fields)}))
}

async fn remove_project_fields(
    State(s): State<Shared>,
    Path(cat): Path<u32>,
    Json(b): Json<RemoveBody>,
) -> Response {
    let mut w = s.lock();
    let Some(c) = w.minicrm.categories.iter_mut().find(|c| c.id == cat) else {
        return error(StatusCode::NOT_FOUND, "unknown category");
    };
    c.fields.retain(|d| !b.fields.contains(&d.name));
    Json(json!({"fields": names(&c.fields)})).into_response()
}

#[derive(Deserialize)]
struct SetProjectBody {
    fields: serde_json::Map<String, Value>,
}

async fn set_project(
    State(s): State<Shared>,
    Path(id): Path<u64>,
    Json(b): Json<SetProjectBody>,
) -> Response {
    let mut w = s.lock();
    match ops::update_project(&mut w, "Control", id, &b.fields, Writer::Control) {
        Ok(()) => match w.minicrm.projects.get(&id) {
            Some(p) => Json(project_json(&w, p)).into_response(),
            None => error(StatusCode::NOT_FOUND, "no such card"),
        },
        Err(e) => error(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            &e.text,
        ),
    }
}
