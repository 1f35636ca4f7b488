//! The card pages: `/{SystemId}/` serves a single-page app (hash routing `#Project-{Cat}/{Id}`),
//! which reads JSON from the unauthenticated `/__ui/{SystemId}/...` endpoints (the "logged-in
//! session"). Those reuse the API's state functions, so the page follows the same rules.
//! Also serves `/{SystemId}/Download/S3/?t=project|doc&e=<token>`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::documents::{self, fmt_dec};
use super::model::{ContactKind, DocKind, Project};
use super::ops::{self, Writer};
use super::schema::{transition_between, CategoryKind, FieldKind};
use crate::seed::MINICRM_SYSTEM_ID;
use crate::{Shared, World};

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const APP_CSS: &str = include_str!("ui/app.css");

pub fn router() -> Router<Shared> {
    let sid = MINICRM_SYSTEM_ID;
    Router::new()
        .route(
            &format!("/{sid}"),
            get(|| async { Redirect::permanent(&format!("/{MINICRM_SYSTEM_ID}/")) }),
        )
        .route(&format!("/{sid}/"), get(index))
        .route(&format!("/{sid}/Download/S3/"), get(download))
        .route(&format!("/{sid}/Download/S3"), get(download))
        .route(
            "/__ui/assets/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/__ui/assets/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(&format!("/__ui/{sid}/modules"), get(modules))
        .route(&format!("/__ui/{sid}/projects"), get(projects))
        .route(&format!("/__ui/{sid}/project/{{id}}"), get(card))
        .route(&format!("/__ui/{sid}/project/{{id}}/status"), post(set_status))
        .route(&format!("/__ui/{sid}/project/{{id}}/fields"), post(set_fields))
}

fn asset(body: &'static str, ct: &'static str) -> Response {
    ([("content-type", ct), ("cache-control", "no-store")], body).into_response()
}

async fn index() -> Response {
    let html = INDEX_HTML.replace("{{SYSTEM_ID}}", MINICRM_SYSTEM_ID);
    (
        [
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        html,
    )
        .into_response()
}

#[derive(Deserialize)]
struct DownloadQuery {
    t: Option<String>,
    e: Option<String>,
    inline: Option<String>,
}

async fn download(State(s): State<Shared>, Query(q): Query<DownloadQuery>) -> Response {
    let w = s.lock();
    let token = q.e.unwrap_or_default();
    let inline = q.inline.as_deref() == Some("1");
    let (name, bytes, ct) = match q.t.as_deref() {
        Some("doc") => match w
            .minicrm
            .documents
            .values()
            .find(|d| d.token == token && !d.number.is_empty())
        {
            Some(d) => {
                let name = format!("{}.pdf", d.number.replace(['/', ' '], "_"));
                (
                    name,
                    documents::document_pdf(&w, d),
                    "application/pdf".to_string(),
                )
            }
            None => return (StatusCode::NOT_FOUND, "Not Found").into_response(),
        },
        _ => match w.minicrm.files.get(&token) {
            Some(f) => (f.file_name.clone(), f.bytes.clone(), f.content_type.clone()),
            None => return (StatusCode::NOT_FOUND, "Not Found").into_response(),
        },
    };
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        name.replace('"', "")
    );
    (
        [("content-type", ct), ("content-disposition", disposition)],
        bytes,
    )
        .into_response()
}

fn ui_error(status: u16, text: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (code, Json(json!({"error": text, "status": status}))).into_response()
}

async fn modules(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let st = &w.minicrm;
    let list: Vec<Value> = st
        .categories
        .iter()
        .map(|c| {
            let count = st
                .projects
                .values()
                .filter(|p| p.category_id == c.id && !p.deleted)
                .count();
            json!({"id": c.id, "name": c.name, "type": c.kind.as_str(), "count": count})
        })
        .collect();
    let user = st.users.first().map(|u| u.name.clone()).unwrap_or_default();
    Json(json!({"systemId": MINICRM_SYSTEM_ID, "user": user, "modules": list}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectsQuery {
    category_id: Option<u32>,
}

fn company_name(w: &World, p: &Project) -> String {
    let st = &w.minicrm;
    p.business_id
        .or(Some(p.contact_id))
        .and_then(|id| st.contacts.get(&id))
        .map(|c| c.display_name())
        .unwrap_or_default()
}

async fn projects(State(s): State<Shared>, Query(q): Query<ProjectsQuery>) -> Json<Value> {
    let w = s.lock();
    let st = &w.minicrm;
    let list: Vec<Value> = st
        .projects
        .values()
        .filter(|p| !p.deleted && q.category_id.is_none_or(|c| c == p.category_id))
        .map(|p| {
            let status = st.category(p.category_id).and_then(|c| c.status(p.status_id));
            let doc = st.document_of_project(p.id);
            let amount = doc.map(|d| fmt_dec(d.totals().2, 2));
            json!({
                "id": p.id,
                "categoryId": p.category_id,
                "name": p.name,
                "company": company_name(&w, p),
                "status": status.map(|s| s.label.clone()),
                "statusGroup": status.map(|s| s.group.as_str()),
                "amount": amount,
                "currency": doc.map(|d| d.currency.clone()),
                "number": doc.map(|d| d.number.clone()),
                "user": st.user_name(p.user_id),
                "updatedAt": super::model::format_ts(p.updated_ms),
            })
        })
        .collect();
    Json(json!({"projects": list}))
}

/// Everything the card page shows.
pub fn card_json(w: &World, p: &Project) -> Value {
    let st = &w.minicrm;
    let Some(cat) = st.category(p.category_id) else {
        return Value::Null;
    };
    let current = cat.status(p.status_id);
    let current_phase = current.and_then(|s| s.phase);
    let statuses: Vec<Value> = cat
        .statuses
        .iter()
        .map(|s| {
            let allowed = match (cat.kind, current_phase, s.phase) {
                (CategoryKind::Order, Some(from), Some(to)) => {
                    from == to || transition_between(from, to).is_some()
                }
                (CategoryKind::Order, _, _) => false,
                _ => true,
            };
            json!({"id": s.id, "label": s.label, "group": s.group.as_str(), "allowed": allowed})
        })
        .collect();
    let fields: Vec<Value> = cat
        .fields
        .iter()
        .map(|def| {
            let stored = p.fields.get(&def.name);
            let shown = ops::detail_value(def, stored);
            let text = match &shown {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut f =
                json!({"name": def.name, "label": def.label, "type": def.kind.type_name(), "value": text});
            if def.kind == FieldKind::File && !text.is_empty() {
                let token = ops::download_token(&text);
                let file_name = st
                    .files
                    .get(token)
                    .map(|f| f.file_name.clone())
                    .unwrap_or_else(|| file_name_of(&text));
                f["url"] = json!(text);
                f["fileName"] = json!(file_name);
            }
            if let FieldKind::Enum(options) = &def.kind {
                f["options"] = json!(options
                    .iter()
                    .map(|(id, l)| json!({"id": id, "label": l}))
                    .collect::<Vec<_>>());
            }
            f
        })
        .collect();
    let contact_json = |id: u64| {
        st.contacts.get(&id).map(|c| {
            json!({"id": c.id, "type": c.kind.as_str(), "name": c.display_name(), "email": c.get("Email"),
                   "phone": c.get("Phone"), "vatNumber": c.get("VatNumber"), "position": c.get("Position")})
        })
    };
    let company = p.business_id.and_then(contact_json);
    let contact = contact_json(p.contact_id);
    let billing = st
        .billing_address(p.business_id.unwrap_or(p.contact_id))
        .map(|a| {
            json!({"type": a.kind, "country": a.country, "county": a.county, "city": a.city,
               "postalCode": a.postal_code, "address": a.address})
        });
    let document = st.document_of_project(p.id).map(|d| {
        let (net, vat, total) = d.totals();
        let items: Vec<Value> = d
            .items
            .iter()
            .map(|it| {
                json!({"sku": it.sku, "name": it.name, "quantity": it.quantity.normalize().to_string(),
                       "unit": it.unit, "priceNet": fmt_dec(it.price_net, 2), "vat": format!("{}%", it.vat.normalize()),
                       "net": fmt_dec(it.net(), 2), "vatAmount": fmt_dec(it.vat_amount(), 2),
                       "total": fmt_dec(it.net() + it.vat_amount(), 2)})
            })
            .collect();
        let c = &d.customer;
        json!({
            "id": d.id,
            "type": d.kind.as_str(),
            "title": if d.kind == DocKind::Offer { "Ofertă" } else { "Comandă" },
            "number": d.number,
            "issued": d.issued,
            "performance": d.performance,
            "prompt": d.prompt,
            "paid": d.paid,
            "currency": d.currency,
            "conversionRate": d.conversion_rate,
            "paymentMethod": d.payment_method,
            "documentUrl": documents::doc_url(w, d),
            "customer": {"name": c.name, "vatNumber": c.vat_number, "euVatNumber": c.eu_vat_number,
                         "registrationNumber": c.registration_number, "address": c.address, "city": c.city,
                         "county": c.county, "postalCode": c.postal_code, "accountNumber": c.account_number},
            "items": items,
            "totals": {"net": fmt_dec(net, 2), "vat": fmt_dec(vat, 2), "total": fmt_dec(total, 2)},
        })
    });
    let is_person_card = st
        .contacts
        .get(&p.contact_id)
        .is_some_and(|c| c.kind == ContactKind::Person);
    json!({
        "id": p.id,
        "systemId": MINICRM_SYSTEM_ID,
        "categoryId": p.category_id,
        "category": cat.name,
        "categoryType": cat.kind.as_str(),
        "name": p.name,
        "hash": format!("#Project-{}/{}", p.category_id, p.id),
        "status": current.map(|s| json!({"id": s.id, "label": s.label, "group": s.group.as_str()})),
        "statuses": statuses,
        "user": st.user_name(p.user_id),
        "company": company,
        "contact": contact,
        "contactIsPerson": is_person_card,
        "billingAddress": billing,
        "fields": fields,
        "document": document,
        "deleted": p.deleted,
        "createdAt": super::model::format_ts(p.created_ms),
        "updatedAt": super::model::format_ts(p.updated_ms),
        "statusUpdatedAt": super::model::format_ts(p.status_updated_ms),
    })
}

/// The last path segment of a URL, or a generic name when it has none (e.g. a download URL).
fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('/').next() {
        Some(seg) if seg.contains('.') => seg.to_string(),
        _ => "Descarcă fișierul".to_string(),
    }
}

fn card_response(w: &World, id: u64) -> Response {
    match w.minicrm.projects.get(&id) {
        Some(p) => Json(card_json(w, p)).into_response(),
        None => ui_error(404, "Cardul nu există."),
    }
}

async fn card(State(s): State<Shared>, Path(id): Path<u64>) -> Response {
    let w = s.lock();
    card_response(&w, id)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    status_id: Value,
}

/// The status dropdown: offers and generic cards take any status; orders only through a transition.
async fn set_status(State(s): State<Shared>, Path(id): Path<u64>, Json(b): Json<StatusBody>) -> Response {
    let mut w = s.lock();
    match documents::change_status_as_user(&mut w, id, &b.status_id) {
        Ok(()) => card_response(&w, id),
        Err(e) => ui_error(e.status, &e.text),
    }
}

#[derive(Deserialize)]
struct FieldsBody {
    fields: serde_json::Map<String, Value>,
}

/// Editing card fields on the page (the same validation as the API; no status changes here).
async fn set_fields(State(s): State<Shared>, Path(id): Path<u64>, Json(b): Json<FieldsBody>) -> Response {
    let mut w = s.lock();
    if b.fields.contains_key("StatusId") {
        return ui_error(400, "Starea se schimbă din lista de stări.");
    }
    match ops::update_project(&mut w, "Project (PUT)", id, &b.fields, Writer::Ui) {
        Ok(()) => card_response(&w, id),
        Err(e) => ui_error(e.status, &e.text),
    }
}
