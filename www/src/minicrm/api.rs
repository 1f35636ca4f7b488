//! `/Api/...`: one dispatcher, so that authentication, the rate limit, 404 and 405 behave the same
//! way on every URL, with plain-text error bodies as MiniCRM's.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::contacts;
use super::documents;
use super::model::{ContactKind, DocKind};
use super::ops::{self, body_object, parse_query, unknown_parameter, ApiError, ApiResult, Writer};
use crate::documented::{self, Reading, Scope};
use crate::http::{basic_credentials, Service};
use crate::seed::{MINICRM_API_KEY, MINICRM_SYSTEM_ID};
use crate::{Shared, World};

pub const JSON_CT: &str = "application/json; charset=utf-8";
pub const TEXT_CT: &str = "text/plain; charset=utf-8";

pub fn json_response(status: u16, v: &Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, [("content-type", JSON_CT)], v.to_string()).into_response()
}

pub fn text_response(status: u16, text: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, [("content-type", TEXT_CT)], text.to_string()).into_response()
}

pub async fn entry(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut w = shared.lock();
    let creds = basic_credentials(headers.get("authorization"));
    handle(
        &mut w,
        &method,
        uri.path(),
        uri.query().unwrap_or(""),
        creds,
        &body,
    )
}

fn handle(
    w: &mut World,
    method: &Method,
    path: &str,
    query: &str,
    creds: Option<(String, String)>,
    body: &[u8],
) -> Response {
    // Without the add-on, or with bad credentials, every call fails the same way (§1.1, §1.6:
    // "401/"404 Unauthorized""; which status is a reading).
    let authorised = creds.is_some_and(|(u, p)| u == MINICRM_SYSTEM_ID && p == MINICRM_API_KEY);
    if !authorised || !w.minicrm.settings.api_addon {
        let status = if w.readings.is_lenient(Reading::AuthFailureStatus) {
            401
        } else {
            404
        };
        return text_response(status, "Unauthorized");
    }
    let is_r3 = path.starts_with("/Api/R3/") || path == "/Api/R3";
    let is_document = path.starts_with("/Api/Offer") || path.starts_with("/Api/Order");
    if is_r3 || (is_document && w.readings.is_strict(Reading::DocumentsRateLimited)) {
        let now = w.clock.now_ms();
        let limit = w.minicrm.settings.limit_per_minute as usize;
        let window = &mut w.minicrm.rate_window;
        while window.front().is_some_and(|t| *t <= now - 60_000) {
            window.pop_front();
        }
        if window.len() >= limit {
            return text_response(429, "Too Many Requests");
        }
        window.push_back(now);
    }
    let mut params = parse_query(query);
    if let Err(e) = conform(w, method, path, &mut params, body) {
        return text_response(e.status, &e.text);
    }
    match route(w, method, path, &params, body) {
        Ok(v) => json_response(200, &v),
        Err(e) => text_response(e.status, &e.text),
    }
}

/// The error context MiniCRM puts first in its texts: `Project (PUT)`, `Offer (GET)`.
pub fn ctx_of(method: &Method, path: &str) -> String {
    let rest = path
        .strip_prefix("/Api/R3/")
        .or_else(|| path.strip_prefix("/Api/"))
        .unwrap_or("");
    let object = rest.split('/').next().unwrap_or("");
    format!("{object} ({method})")
}

/// The allow-list ([`documented`]): an undocumented query parameter is refused (or dropped under
/// the lenient reading of `unknownQuery`); an undocumented body key is always refused (§1.6).
fn conform(
    w: &World,
    method: &Method,
    path: &str,
    params: &mut Vec<(String, String)>,
    body: &[u8],
) -> ApiResult<()> {
    let readings = w.readings;
    let Some(endpoint) = documented::lookup(Service::MiniCrm, method.as_str(), path)
        .filter(|e| e.lenient_only.is_none_or(|r| readings.is_lenient(r)))
    else {
        return Ok(()); // the router answers 404 / 405
    };
    let ctx = ctx_of(method, path);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let schemas = |scope: Scope, name: &str| scope_has(w, scope, name, path, parsed.as_ref());
    let bad = documented::undocumented_query(
        endpoint,
        params.iter().map(|(k, _)| k.as_str()),
        readings,
        &schemas,
    );
    if let Some((first, _)) = bad.first() {
        if readings.is_strict(Reading::UnknownQuery) {
            return Err(unknown_parameter(&ctx, first));
        }
        params.retain(|(k, _)| !bad.iter().any(|(b, _)| b == k));
    }
    if let Some(v @ Value::Object(_)) = &parsed {
        let paths = documented::key_paths(v);
        let bad = documented::undocumented_body(endpoint, &paths, readings, &schemas);
        if let Some((first, _)) = bad.first() {
            return Err(unknown_parameter(&ctx, first));
        }
    }
    Ok(())
}

/// Whether `name` is a custom field of `scope` for this request. When the target cannot be
/// resolved (unknown card or contact, bad `CategoryId` or `Type`), the endpoint decides (it
/// answers 404 or 400 itself).
fn scope_has(w: &World, scope: Scope, name: &str, path: &str, body: Option<&Value>) -> bool {
    let st = &w.minicrm;
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(2).collect();
    let in_category = |cat: Option<&super::schema::Category>| match cat {
        Some(c) => c.field(name).is_some(),
        None => true,
    };
    let of_kind = |kind: super::schema::CategoryKind| st.categories.iter().find(|c| c.kind == kind);
    match scope {
        Scope::Card => {
            let project = match segs.as_slice() {
                ["R3", "Project", id] => id.parse::<u64>().ok(),
                [_, id, "Project"] => id
                    .parse::<u64>()
                    .ok()
                    .and_then(|d| st.documents.get(&d))
                    .map(|d| d.project_id),
                _ => None,
            };
            in_category(
                project
                    .and_then(|p| st.projects.get(&p))
                    .and_then(|p| st.category(p.category_id)),
            )
        }
        Scope::NewCard => {
            let cat = body
                .and_then(|b| b.get("CategoryId"))
                .map(ops::show)
                .and_then(|c| c.trim().parse::<u32>().ok());
            in_category(cat.and_then(|c| st.category(c)))
        }
        Scope::OfferCard => in_category(of_kind(super::schema::CategoryKind::Offer)),
        Scope::OrderCard => in_category(of_kind(super::schema::CategoryKind::Order)),
        Scope::AnyCard => st.categories.iter().any(|c| c.field(name).is_some()),
        Scope::Contact => {
            let kind = match segs.as_slice() {
                ["R3", "Contact", id] => match id.parse::<u64>().ok().and_then(|i| st.contacts.get(&i)) {
                    Some(c) => Some(c.kind),
                    None => return true,
                },
                _ => match body.and_then(|b| b.get("Type")) {
                    Some(t) => match ContactKind::parse(t, w.readings) {
                        Some(k) => Some(k),
                        None => return true,
                    },
                    None => return true,
                },
            };
            let fields = match kind {
                Some(ContactKind::Business) => &st.business_fields,
                _ => &st.person_fields,
            };
            fields.iter().any(|d| d.name == name)
        }
        Scope::ContactCustom => {
            !documented::minicrm::STANDARD_CONTACT_KEYS.contains(&name)
                && st
                    .business_fields
                    .iter()
                    .chain(st.person_fields.iter())
                    .any(|d| d.name == name)
        }
        Scope::Product => false,
    }
}

fn not_found(path: &str) -> ApiError {
    ApiError::not_found(format!("Unknown URL: {path}"))
}

fn method_not_allowed(method: &Method, path: &str) -> ApiError {
    ApiError::not_allowed(format!("Method {method} is not allowed for {path}"))
}

fn id_of(seg: &str, path: &str) -> ApiResult<u64> {
    seg.parse().map_err(|_| not_found(path))
}

/// Which methods a route takes, then the handler.
fn allow(method: &Method, allowed: &[Method], path: &str) -> ApiResult<()> {
    if allowed.contains(method) {
        Ok(())
    } else {
        Err(method_not_allowed(method, path))
    }
}

fn route(
    w: &mut World,
    method: &Method,
    path: &str,
    params: &[(String, String)],
    body: &[u8],
) -> ApiResult<Value> {
    let trimmed = path.trim_end_matches('/');
    let segs: Vec<&str> = trimmed.split('/').skip(2).collect(); // ["R3", "Project", "12"], ["Offer", "List"]
    let get = Method::GET;
    let put = Method::PUT;
    match segs.as_slice() {
        ["R3", "Category"] => {
            allow(method, &[get], path)?;
            let detailed = params.iter().any(|(k, v)| k == "Detailed" && v == "1");
            Ok(categories(w, detailed))
        }
        ["R3", "Schema", "Project", cat] => {
            allow(method, &[get], path)?;
            let cat: u32 = cat.parse().map_err(|_| not_found(path))?;
            project_schema(w, cat)
        }
        ["R3", "Schema", "Business"] => {
            allow(method, &[get], path)?;
            Ok(contacts::contact_schema(w, ContactKind::Business))
        }
        ["R3", "Schema", "Person"] => {
            allow(method, &[get], path)?;
            Ok(contacts::contact_schema(w, ContactKind::Person))
        }
        ["R3", "Project"] => {
            allow(method, &[get, put], path)?;
            if method == Method::GET {
                ops::search_projects(w, params)
            } else {
                let b = body_object("Project (PUT)", body)?;
                ops::create_project(w, &b).map(|id| json!({"Id": id}))
            }
        }
        ["R3", "Project", id] => {
            allow(method, &[get, put], path)?;
            let id = id_of(id, path)?;
            if method == Method::GET {
                let p = ops::project_or_404(&w.minicrm, "Project (GET)", id)?;
                Ok(ops::project_detail(w, &p))
            } else {
                let b = body_object("Project (PUT)", body)?;
                ops::update_project(w, "Project (PUT)", id, &b, Writer::R3).map(|_| json!({"Id": id}))
            }
        }
        ["R3", "Contact"] => {
            allow(method, &[get, put], path)?;
            if method == Method::GET {
                contacts::search_contacts(w, params)
            } else {
                contacts::create_contact(w, body).map(|id| json!({"Id": id}))
            }
        }
        ["R3", "Contact", id] => {
            allow(method, &[get, put], path)?;
            let id = id_of(id, path)?;
            if method == Method::GET {
                let c = contacts::contact_or_404(w, "Contact (GET)", id)?;
                Ok(contacts::contact_detail(w, &c))
            } else {
                contacts::update_contact(w, id, body).map(|_| json!({"Id": id}))
            }
        }
        ["R3", "Address"] => {
            allow(method, &[put], path)?;
            contacts::create_address(w, body).map(|id| json!({"Id": id}))
        }
        ["R3", "Address", id] => {
            allow(method, &[get, put], path)?;
            let id = id_of(id, path)?;
            if method == Method::GET {
                let a =
                    w.minicrm.addresses.get(&id).cloned().ok_or_else(|| {
                        ApiError::not_found(format!("Address (GET): Address not found: {id}"))
                    })?;
                Ok(contacts::address_detail(w, &a))
            } else {
                contacts::update_address(w, id, body).map(|_| json!({"Id": id}))
            }
        }
        ["R3", "AddressList", cid] => {
            allow(method, &[get], path)?;
            let cid = id_of(cid, path)?;
            let structured = params.iter().any(|(k, v)| k == "Structured" && v == "1");
            contacts::address_list(w, cid, structured)
        }
        ["R3", "Product"] => {
            allow(method, &[put], path)?;
            contacts::upsert_product(w, body).map(|(id, _)| json!({"Id": id}))
        }
        ["R3", "Product", id] => {
            allow(method, &[put], path)?;
            let id = id_of(id, path)?;
            contacts::update_product(w, id, body).map(|_| json!({"Id": id}))
        }
        [kind @ ("Offer" | "Order"), rest @ ..] => {
            let kind = if *kind == "Offer" {
                DocKind::Offer
            } else {
                DocKind::Order
            };
            document_route(w, kind, method, path, rest, params, body)
        }
        _ => Err(not_found(path)),
    }
}

fn document_route(
    w: &mut World,
    kind: DocKind,
    method: &Method,
    path: &str,
    rest: &[&str],
    params: &[(String, String)],
    body: &[u8],
) -> ApiResult<Value> {
    let (get, post) = (Method::GET, Method::POST);
    match rest {
        [] => {
            allow(method, &[post], path)?;
            documents::create_document(w, kind, body)
        }
        ["List"] => {
            allow(method, &[get], path)?;
            documents::doc_list(w, kind, params)
        }
        [id] => {
            let id = id_of(id, path)?;
            match kind {
                DocKind::Offer => allow(method, &[get], path)?,
                DocKind::Order => allow(method, &[get, post], path)?,
            }
            if method == Method::GET {
                let d = documents::doc_or_404(w, kind, "GET", id)?;
                Ok(documents::doc_json(w, &d))
            } else {
                documents::update_order(w, id, body)
            }
        }
        [id, "Project"] => {
            allow(method, &[post], path)?;
            documents::doc_set_project(w, kind, id_of(id, path)?, body)
        }
        [id, "DeleteItem", item] if kind == DocKind::Order => {
            allow(method, &[get], path)?;
            documents::delete_order_item(w, id_of(id, path)?, id_of(item, path)?)
        }
        [id, t @ ("Finalize" | "Edit" | "Complete" | "Paid" | "Storno")] if kind == DocKind::Order => {
            // The manual says POST; public clients send GET [OBS]: a reading.
            if w.readings.is_lenient(Reading::OrderTransitionsGet) {
                allow(method, &[post, get], path)?;
            } else {
                allow(method, &[post], path)?;
            }
            documents::order_transition(w, id_of(id, path)?, t)
        }
        _ => Err(not_found(path)),
    }
}

fn categories(w: &World, detailed: bool) -> Value {
    let mut m = serde_json::Map::new();
    for c in &w.minicrm.categories {
        let v = if detailed {
            json!({
                "Id": c.id,
                "OrderId": c.order_id,
                "Name": c.name,
                "Type": c.kind.as_str(),
                "SenderName": crate::seed::COMPANY_NAME,
                "SenderEmail": "office@firmademo.ro",
                "Phone": "+40 264 000 000",
            })
        } else {
            json!(c.name)
        };
        m.insert(c.id.to_string(), v);
    }
    Value::Object(m)
}

/// `GET /Api/R3/Schema/Project/{CategoryId}`: system fields, then the module's custom fields.
fn project_schema(w: &World, cat_id: u32) -> ApiResult<Value> {
    let st = &w.minicrm;
    let cat = st.category(cat_id).ok_or_else(|| {
        ApiError::bad(format!(
            "Schema (GET): Invalid value '{cat_id}' for the CategoryId field."
        ))
    })?;
    let users = super::schema::enum_map(
        &st.users
            .iter()
            .map(|u| (u.id, u.name.clone()))
            .collect::<Vec<_>>(),
    );
    let cats = super::schema::enum_map(
        &st.categories
            .iter()
            .map(|c| (c.id as u64, c.name.clone()))
            .collect::<Vec<_>>(),
    );
    let statuses = super::schema::enum_map(
        &cat.statuses
            .iter()
            .map(|s| (s.id, s.label.clone()))
            .collect::<Vec<_>>(),
    );
    let mut m = serde_json::Map::new();
    m.insert("Id".into(), json!("Int"));
    m.insert("CategoryId".into(), cats);
    m.insert("ContactId".into(), json!("Int"));
    m.insert("StatusId".into(), statuses);
    m.insert("UserId".into(), users.clone());
    m.insert("Name".into(), json!("Text(512)"));
    m.insert("StatusUpdatedAt".into(), json!("DateTime"));
    m.insert("IsPrivate".into(), json!("Int"));
    m.insert("Invited".into(), json!("Text(65535)"));
    m.insert("Deleted".into(), json!("Int"));
    m.insert("CreatedBy".into(), users.clone());
    m.insert("CreatedAt".into(), json!("DateTime"));
    m.insert("UpdatedBy".into(), users);
    m.insert("UpdatedAt".into(), json!("DateTime"));
    for def in &cat.fields {
        m.insert(def.name.clone(), def.kind.schema_value());
    }
    m.insert("BusinessId".into(), json!("Int"));
    Ok(Value::Object(m))
}
