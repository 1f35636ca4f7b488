//! State functions shared by the API, the card UI endpoints and the control API: errors, query
//! parsing, field values, and cards (Project).

use serde_json::{json, Map, Value};

use super::model::{format_ts, parse_hu_time, Project, State};
use super::schema::{CategoryKind, FieldDef, FieldKind, StatusDef, StatusGroup};
use crate::seed::MINICRM_SYSTEM_ID;
use crate::World;

/// A MiniCRM error: an HTTP status and a plain-text body.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub text: String,
}

impl ApiError {
    pub fn bad(text: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            text: text.into(),
        }
    }
    pub fn not_found(text: impl Into<String>) -> ApiError {
        ApiError {
            status: 404,
            text: text.into(),
        }
    }
    pub fn not_allowed(text: impl Into<String>) -> ApiError {
        ApiError {
            status: 405,
            text: text.into(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub const PAGE_SIZE: usize = 100;

/// One search filter over stored objects.
pub type Filter<'a, T> = Box<dyn Fn(&T) -> bool + 'a>;

/// Decodes a query string (`+` as a space), keeping the order and repeated keys.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    }
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A value as it appears inside an error message: strings without quotes.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn invalid(ctx: &str, raw: &Value, label: &str) -> ApiError {
    ApiError::bad(format!(
        "{ctx}: Invalid value '{}' for the {label} field.",
        show(raw)
    ))
}

/// A body key the object does not have: the same refusal as an unknown query parameter (§1.6
/// "Unknown/misspelled parameter").
pub fn unknown_field(ctx: &str, key: &str) -> ApiError {
    unknown_parameter(ctx, key)
}

pub fn unknown_parameter(ctx: &str, key: &str) -> ApiError {
    ApiError::bad(format!("{ctx}: Unknown parameter '{key}'."))
}

pub fn missing(ctx: &str, key: &str) -> ApiError {
    ApiError::bad(format!("{ctx}: Missing required parameter '{key}'."))
}

/// The body of a write: a JSON object, else the documented "Data (JSON)" error.
pub fn body_object(ctx: &str, body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::bad(format!(
            "{ctx}: Invalid parameter: \"Data (JSON)\""
        ))),
    }
}

/// Lower case, Romanian and Hungarian accents removed (for case- and accent-insensitive search).
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ă' | 'â' | 'á' | 'à' | 'ä' => 'a',
            'î' | 'í' | 'ì' | 'ï' => 'i',
            'ș' | 'ş' => 's',
            'ț' | 'ţ' => 't',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'ó' | 'ö' | 'ő' | 'ô' | 'ò' => 'o',
            'ú' | 'ü' | 'ű' | 'ù' | 'û' => 'u',
            c => c,
        })
        .collect()
}

/// The folded words of a text, for whole-word matching.
pub fn words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn parse_page(ctx: &str, v: &str) -> ApiResult<usize> {
    v.trim()
        .parse::<usize>()
        .map_err(|_| invalid(ctx, &Value::from(v), "Page"))
}

pub fn parse_since(ctx: &str, key: &str, v: &str) -> ApiResult<i64> {
    parse_hu_time(v)
        .ok_or_else(|| ApiError::bad(format!("{ctx}: Invalid value '{v}' for the {key} parameter.")))
}

/// `{Count, Results}` with the page's items keyed by id; `empty_as_array` gives `"Results":[]` when
/// the page is empty (§1.5: observed on a document list; the R3 searches follow the `emptyResults`
/// reading, see [`empty_as_array`]).
pub fn paginate(items: Vec<(String, Value)>, page: usize, empty_as_array: bool) -> Value {
    let count = items.len();
    let page_items: Vec<(String, Value)> = items.into_iter().skip(page * PAGE_SIZE).take(PAGE_SIZE).collect();
    let results = if page_items.is_empty() && empty_as_array {
        Value::Array(vec![])
    } else {
        Value::Object(page_items.into_iter().collect())
    };
    json!({"Count": count, "Results": results})
}

/// Whether an empty R3 search or list shows `"Results":[]` (strict) or `{}` (lenient).
pub fn empty_as_array(w: &World) -> bool {
    w.readings.is_strict(crate::Reading::EmptyResults)
}

pub fn download_url(w: &World, token: &str) -> String {
    format!(
        "{}/{}/Download/S3/?t=project&inline=0&e={}",
        w.urls.minicrm, MINICRM_SYSTEM_ID, token
    )
}

/// The `e=` token of a download URL.
pub fn download_token(url: &str) -> &str {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("e="))
        .unwrap_or("")
}

/// Finds an enum option by label (exactly as shown) or by id (number or numeric string).
pub fn resolve_option(options: &[(u64, String)], raw: &Value) -> Option<u64> {
    let known = |id: u64| options.iter().any(|(i, _)| *i == id).then_some(id);
    match raw {
        Value::Number(n) => n.as_u64().and_then(known),
        Value::String(s) => options
            .iter()
            .find(|(_, l)| l == s)
            .map(|(id, _)| *id)
            .or_else(|| s.trim().parse::<u64>().ok().and_then(known)),
        _ => None,
    }
}

pub fn resolve_status(statuses: &[StatusDef], raw: &Value) -> Option<u64> {
    let options: Vec<(u64, String)> = statuses.iter().map(|s| (s.id, s.label.clone())).collect();
    resolve_option(&options, raw)
}

/// A user by id or name; unknown users are silently replaced by the first (admin) user.
pub fn resolve_user(st: &State, raw: &Value) -> u64 {
    let options: Vec<(u64, String)> = st.users.iter().map(|u| (u.id, u.name.clone())).collect();
    resolve_option(&options, raw).unwrap_or_else(|| st.users.first().map(|u| u.id).unwrap_or(0))
}

fn is_empty(raw: &Value) -> bool {
    matches!(raw, Value::Null) || raw.as_str().is_some_and(|s| s.is_empty())
}

/// Validates a written value against its field definition. `Ok(None)` empties the field.
/// File fields download the URL (see [`store_file_from_url`]).
pub fn coerce_field(w: &mut World, ctx: &str, def: &FieldDef, raw: &Value) -> ApiResult<Option<Value>> {
    if is_empty(raw) {
        return Ok(None);
    }
    let bad = || invalid(ctx, raw, &def.label);
    match &def.kind {
        FieldKind::Text(max) => {
            let s = match raw {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => (*b as u8).to_string(),
                _ => return Err(bad()),
            };
            if s.chars().count() > *max {
                return Err(ApiError::bad(format!(
                    "{ctx}: The value of the {} field is too long (max. {max} characters).",
                    def.label
                )));
            }
            Ok(Some(Value::String(s)))
        }
        FieldKind::Int => {
            let n = match raw {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            n.map(|n| Some(Value::from(n))).ok_or_else(bad)
        }
        FieldKind::Float => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            n.filter(|f| f.is_finite())
                .map(|f| Some(Value::from(f)))
                .ok_or_else(bad)
        }
        FieldKind::Boolean => match raw {
            Value::Bool(b) => Ok(Some(Value::from(*b as u8))),
            Value::Number(n) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => Ok(Some(raw.clone())),
            Value::String(s) if s == "0" || s == "1" => Ok(Some(Value::from(s.parse::<u8>().unwrap_or(0)))),
            _ => Err(bad()),
        },
        FieldKind::DateTime | FieldKind::Date => {
            let s = raw.as_str().ok_or_else(bad)?;
            let dt = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok();
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            match (&def.kind, dt, d) {
                (FieldKind::DateTime, Some(t), _) => {
                    Ok(Some(Value::from(t.format("%Y-%m-%d %H:%M:%S").to_string())))
                }
                // Date-only values on DateTime fields are stored at 23:59:59 [OBS].
                (FieldKind::DateTime, None, Some(d)) => Ok(Some(Value::from(format!("{d} 23:59:59")))),
                (FieldKind::Date, _, Some(d)) => Ok(Some(Value::from(d.to_string()))),
                (FieldKind::Date, Some(t), None) => Ok(Some(Value::from(t.date().to_string()))),
                _ => Err(bad()),
            }
        }
        FieldKind::Enum(options) => resolve_option(options, raw)
            .map(|id| Some(Value::from(id)))
            .ok_or_else(bad),
        FieldKind::File => {
            let url = raw.as_str().ok_or_else(bad)?.trim().to_string();
            store_file_from_url(w, ctx, def, &url).map(|u| Some(Value::String(u)))
        }
        FieldKind::Url => {
            let s = raw.as_str().ok_or_else(bad)?.to_string();
            let absolute = (s.starts_with("https://") || s.starts_with("http://"))
                && s.len() > "https://".len()
                && !s.chars().any(char::is_whitespace);
            if w.readings.is_strict(crate::Reading::UrlFieldValues) && !absolute {
                return Err(bad());
            }
            if s.chars().count() > 1024 {
                return Err(ApiError::bad(format!(
                    "{ctx}: The value of the {} field is too long (max. 1024 characters).",
                    def.label
                )));
            }
            Ok(Some(Value::String(s)))
        }
    }
}

/// MiniCRM "downloads" the URL written into a file field and serves it from its own storage.
/// A `documentViewUrl` of the sandbox's SmartBill is fetched through `public_pdf`; a download URL
/// of this MiniCRM is kept; any other http(s) URL is stored as it is (the sandbox has no internet) [INF].
pub fn store_file_from_url(w: &mut World, ctx: &str, def: &FieldDef, url: &str) -> ApiResult<String> {
    let own = format!("{}/{}/Download/S3/", w.urls.minicrm, MINICRM_SYSTEM_ID);
    if url.starts_with(&own) {
        return Ok(url.to_string());
    }
    let sb = w.urls.smartbill.trim_end_matches('/').to_string();
    if let Some(rest) = url
        .strip_prefix(&sb)
        .filter(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'))
    {
        let path_only = rest.split(['?', '#']).next().unwrap_or(rest);
        let got = w
            .smartbill
            .public_pdf(rest)
            .or_else(|| w.smartbill.public_pdf(path_only));
        let Some((file_name, bytes)) = got else {
            return Err(ApiError::bad(format!(
                "{ctx}: The file could not be downloaded from '{url}' for the {} field.",
                def.label
            )));
        };
        if bytes.len() > 10 * 1024 * 1024 {
            return Err(ApiError::bad(format!(
                "{ctx}: The file is larger than 10MB for the {} field.",
                def.label
            )));
        }
        let token = w.minicrm.new_token();
        let content_type = if file_name.to_ascii_lowercase().ends_with(".pdf") || bytes.starts_with(b"%PDF") {
            "application/pdf"
        } else {
            "application/octet-stream"
        };
        w.minicrm.files.insert(
            token.clone(),
            super::model::StoredFile {
                file_name,
                bytes,
                content_type: content_type.to_string(),
                source: url.to_string(),
            },
        );
        return Ok(download_url(w, &token));
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(url.to_string());
    }
    Err(invalid(ctx, &Value::from(url), &def.label))
}

/// A custom field's value as the card detail GET shows it: enum labels, numbers as numbers, "" when empty.
pub fn detail_value(def: &FieldDef, stored: Option<&Value>) -> Value {
    let Some(v) = stored else { return Value::from("") };
    match &def.kind {
        FieldKind::Enum(options) => {
            let id = v.as_u64().unwrap_or(0);
            Value::from(
                options
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default(),
            )
        }
        _ => v.clone(),
    }
}

/// A custom field's value inside a document's `Project` block: always a string, enums as the id.
pub fn block_value(stored: Option<&Value>) -> Value {
    match stored {
        None | Some(Value::Null) => Value::from(""),
        Some(Value::String(s)) => Value::from(s.clone()),
        Some(other) => Value::from(other.to_string()),
    }
}

pub fn project_hash(id: u64) -> String {
    super::model::token_for(id)[..16].to_string()
}

pub fn project_or_404(st: &State, ctx: &str, id: u64) -> ApiResult<Project> {
    st.projects
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("{ctx}: Project not found: {id}")))
}

/// `GET /Api/R3/Project/{id}`: labels for status, user and enums.
pub fn project_detail(w: &World, p: &Project) -> Value {
    let st = &w.minicrm;
    let cat = st.category(p.category_id);
    let status = cat
        .and_then(|c| c.status(p.status_id))
        .map(|s| s.label.clone())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("Id".into(), json!(p.id));
    m.insert("CategoryId".into(), json!(p.category_id));
    m.insert("ContactId".into(), json!(p.contact_id));
    m.insert("StatusId".into(), json!(status));
    m.insert("UserId".into(), json!(st.user_name(p.user_id)));
    m.insert("Name".into(), json!(p.name));
    m.insert("StatusUpdatedAt".into(), json!(format_ts(p.status_updated_ms)));
    m.insert("IsPrivate".into(), json!(p.is_private as u8));
    m.insert("Invited".into(), json!(""));
    m.insert("Deleted".into(), json!(p.deleted as u8));
    m.insert("CreatedBy".into(), json!(st.user_name(p.created_by)));
    m.insert("CreatedAt".into(), json!(format_ts(p.created_ms)));
    m.insert("UpdatedBy".into(), json!(st.user_name(p.updated_by)));
    m.insert("UpdatedAt".into(), json!(format_ts(p.updated_ms)));
    if let Some(c) = cat {
        for def in &c.fields {
            m.insert(def.name.clone(), detail_value(def, p.fields.get(&def.name)));
        }
    }
    m.insert(
        "BusinessId".into(),
        p.business_id.map(Value::from).unwrap_or_else(|| json!("")),
    );
    m.insert("ReferenceId".into(), json!(p.reference_id));
    let hash = project_hash(p.id);
    m.insert("ProjectHash".into(), json!(hash));
    m.insert(
        "ProjectEmail".into(),
        json!(format!("{hash}@{MINICRM_SYSTEM_ID}.minicrm.ro")),
    );
    Value::Object(m)
}

/// One item of the card search: ids, not labels; every value a string under the strict reading
/// of `projectListStrings` (§2.3: the old help pages).
pub fn project_list_item(w: &World, p: &Project) -> Value {
    let item = project_list_item_numbers(w, p);
    if w.readings.is_lenient(crate::Reading::ProjectListStrings) {
        return item;
    }
    match item {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, Value::String(s))
                })
                .collect(),
        ),
        other => other,
    }
}

fn project_list_item_numbers(w: &World, p: &Project) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(p.id));
    m.insert("Name".into(), json!(p.name));
    m.insert(
        "Url".into(),
        json!(format!("{}/Api/R3/Project/{}", w.urls.minicrm, p.id)),
    );
    m.insert("ContactId".into(), json!(p.contact_id));
    m.insert("StatusId".into(), json!(p.status_id));
    m.insert("UserId".into(), json!(p.user_id));
    m.insert("Deleted".into(), json!(p.deleted as u8));
    if let Some(b) = p.business_id {
        m.insert("BusinessId".into(), json!(b));
    }
    Value::Object(m)
}

pub fn status_group(st: &State, p: &Project) -> Option<StatusGroup> {
    st.category(p.category_id)
        .and_then(|c| c.status(p.status_id))
        .map(|s| s.group)
}

/// `GET /Api/R3/Project?...` (§2.3). Parameters arrive checked against the allow-list: `Query`,
/// `Name` and `ContactId` only under the lenient reading of `projectSearchExtraFilters`.
pub fn search_projects(w: &World, params: &[(String, String)]) -> ApiResult<Value> {
    let ctx = "Project (GET)";
    let st = &w.minicrm;
    let mut page = 0;
    let mut deleted = false;
    let mut filters: Vec<Filter<'_, Project>> = Vec::new();
    for (k, v) in params {
        let raw = Value::from(v.clone());
        match k.as_str() {
            "Page" => page = parse_page(ctx, v)?,
            "Deleted" => deleted = v == "1",
            "CategoryId" => {
                let id: u32 = v.parse().map_err(|_| invalid(ctx, &raw, "CategoryId"))?;
                filters.push(Box::new(move |p| p.category_id == id));
            }
            "StatusId" => {
                let ids: Vec<u64> = st
                    .categories
                    .iter()
                    .filter_map(|c| resolve_status(&c.statuses, &raw))
                    .collect();
                if ids.is_empty() {
                    return Err(invalid(ctx, &raw, "Status"));
                }
                filters.push(Box::new(move |p| ids.contains(&p.status_id)));
            }
            "StatusGroup" => {
                let g = StatusGroup::parse(v).ok_or_else(|| invalid(ctx, &raw, "StatusGroup"))?;
                filters.push(Box::new(move |p| status_group(st, p) == Some(g)));
            }
            "UserId" => {
                let options: Vec<(u64, String)> = st.users.iter().map(|u| (u.id, u.name.clone())).collect();
                let id = resolve_option(&options, &raw).ok_or_else(|| invalid(ctx, &raw, "UserId"))?;
                filters.push(Box::new(move |p| p.user_id == id));
            }
            "MainContactId" => {
                let id: u64 = v.parse().map_err(|_| invalid(ctx, &raw, "MainContactId"))?;
                filters.push(Box::new(move |p| p.business_id == Some(id) || p.contact_id == id));
            }
            "ContactId" => {
                let id: u64 = v.parse().map_err(|_| invalid(ctx, &raw, "ContactId"))?;
                filters.push(Box::new(move |p| p.contact_id == id));
            }
            "ReferenceId" => {
                let r = v.clone();
                filters.push(Box::new(move |p| p.reference_id == r));
            }
            "UpdatedSince" => {
                let since = parse_since(ctx, k, v)?;
                filters.push(Box::new(move |p| p.updated_ms >= since));
            }
            "UpdatedAt" => {
                let at = parse_since(ctx, k, v)?;
                let day = !v.contains(':');
                filters.push(Box::new(move |p| {
                    if day {
                        p.updated_ms >= at && p.updated_ms < at + 86_400_000
                    } else {
                        p.updated_ms / 1000 == at / 1000
                    }
                }));
            }
            "Name" => {
                let needle = fold(v);
                filters.push(Box::new(move |p| fold(&p.name).contains(&needle)));
            }
            "Query" => {
                let q = words(v);
                filters.push(Box::new(move |p| {
                    let mut text = p.name.clone();
                    for val in p.fields.values() {
                        if let Value::String(s) = val {
                            text.push(' ');
                            text.push_str(s);
                        }
                    }
                    let have = words(&text);
                    q.iter().all(|w| have.contains(w))
                }));
            }
            field => {
                let defs: Vec<&FieldDef> = st.categories.iter().filter_map(|c| c.field(field)).collect();
                if defs.is_empty() {
                    return Err(unknown_parameter(ctx, field));
                }
                let name = field.to_string();
                let want = v.clone();
                filters.push(Box::new(move |p| {
                    let Some(def) = st.category(p.category_id).and_then(|c| c.field(&name)) else {
                        return false;
                    };
                    field_matches(def, p.fields.get(&name), &want)
                }));
            }
        }
    }
    let items: Vec<(String, Value)> = st
        .projects
        .values()
        .filter(|p| p.deleted == deleted)
        .filter(|p| filters.iter().all(|f| f(p)))
        .map(|p| (p.id.to_string(), project_list_item(w, p)))
        .collect();
    Ok(paginate(items, page, empty_as_array(w)))
}

/// Filter semantics for `<field>=<value>`: enums by label or id, the rest by equal text.
pub fn field_matches(def: &FieldDef, stored: Option<&Value>, want: &str) -> bool {
    match (&def.kind, stored) {
        (FieldKind::Enum(options), Some(v)) => {
            resolve_option(options, &Value::from(want)).is_some_and(|id| v.as_u64() == Some(id))
        }
        (_, Some(v)) => show(v) == want || fold(&show(v)) == fold(want),
        (_, None) => want.is_empty(),
    }
}

/// Who writes: the API (rules apply), the card page (rules apply), or the control API (no rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// `PUT /Api/R3/Project/{id}`.
    R3,
    /// `POST /Api/{Offer|Order}/{id}/Project`.
    DocumentEndpoint,
    /// The logged-in user on the card page.
    Ui,
    /// `POST /__control/minicrm/project/{id}`: sets anything, bypassing the status rules.
    Control,
}

enum Change {
    Status(u64),
    User(u64),
    Name(String),
    Contact(u64, Option<u64>),
    Deleted(bool),
    Private(bool),
    Reference(String),
    Field(String, Option<Value>),
}

/// Keys of the card object that a client may send back but cannot change (§2.3 Get).
const IGNORED_PROJECT_KEYS: [&str; 9] = [
    "Id",
    "CreatedBy",
    "CreatedAt",
    "UpdatedBy",
    "UpdatedAt",
    "StatusUpdatedAt",
    "ProjectHash",
    "ProjectEmail",
    "Invited",
];

pub fn order_status_refused(ctx: &str) -> ApiError {
    ApiError::not_allowed(format!(
        "{ctx}: The status of an order can only be changed with the Finalize, Edit, Complete, Paid and Storno actions."
    ))
}

/// Validates every key of `body` first, then applies them all (no partial writes).
/// Bumps `UpdatedAt` (and `StatusUpdatedAt` on a status change) of the card.
pub fn update_project(
    w: &mut World,
    ctx: &str,
    id: u64,
    body: &Map<String, Value>,
    writer: Writer,
) -> ApiResult<()> {
    let p = project_or_404(&w.minicrm, ctx, id)?;
    let Some(cat) = w.minicrm.category(p.category_id).cloned() else {
        return Err(ApiError::bad(format!(
            "{ctx}: Unknown category {}",
            p.category_id
        )));
    };
    let mut changes = Vec::new();
    for (key, raw) in body {
        let k = key.as_str();
        if IGNORED_PROJECT_KEYS.contains(&k) {
            continue;
        }
        match k {
            "StatusId" => {
                let sid = resolve_status(&cat.statuses, raw).ok_or_else(|| invalid(ctx, raw, "Status"))?;
                let locked = cat.kind == CategoryKind::Order
                    && matches!(writer, Writer::R3 | Writer::DocumentEndpoint);
                if locked && sid != p.status_id {
                    return Err(order_status_refused(ctx));
                }
                changes.push(Change::Status(sid));
            }
            "UserId" => {
                if writer == Writer::DocumentEndpoint {
                    return Err(ApiError::bad(format!(
                        "{ctx}: The owner of the card cannot be changed here."
                    )));
                }
                changes.push(Change::User(resolve_user(&w.minicrm, raw)));
            }
            "Name" => {
                let name = show(raw);
                if name.trim().is_empty() || name.chars().count() > 512 || raw.is_object() || raw.is_array() {
                    return Err(invalid(ctx, raw, "Name"));
                }
                changes.push(Change::Name(name));
            }
            "CategoryId" => {
                if show(raw) != p.category_id.to_string() {
                    return Err(ApiError::bad(format!(
                        "{ctx}: The CategoryId of a card cannot be changed."
                    )));
                }
            }
            "ContactId" | "BusinessId" if writer != Writer::DocumentEndpoint => {
                if k == "BusinessId" && body.contains_key("ContactId") {
                    continue;
                }
                let contact_raw = body
                    .get("ContactId")
                    .cloned()
                    .unwrap_or(Value::from(p.contact_id));
                let cid = contact_raw
                    .as_u64()
                    .or_else(|| contact_raw.as_str().and_then(|s| s.parse().ok()))
                    .filter(|c| w.minicrm.contacts.contains_key(c))
                    .ok_or_else(|| invalid(ctx, &contact_raw, "ContactId"))?;
                let contact = &w.minicrm.contacts[&cid];
                let business = match contact.kind {
                    super::model::ContactKind::Business => Some(cid),
                    super::model::ContactKind::Person => contact.business_id,
                };
                if business.is_none() && cid != p.contact_id {
                    return Err(ApiError::bad(format!(
                        "{ctx}: The card cannot be moved to a contact that has no company."
                    )));
                }
                if let Some(b) = body.get("BusinessId") {
                    if show(b) != business.map(|x| x.to_string()).unwrap_or_default() {
                        return Err(invalid(ctx, b, "BusinessId"));
                    }
                }
                changes.push(Change::Contact(cid, business));
            }
            "Deleted" if writer != Writer::DocumentEndpoint => {
                let d = match show(raw).as_str() {
                    "1" | "true" => true,
                    "0" | "false" | "" => false,
                    _ => return Err(invalid(ctx, raw, "Deleted")),
                };
                changes.push(Change::Deleted(d));
            }
            "IsPrivate" if writer != Writer::DocumentEndpoint => {
                changes.push(Change::Private(matches!(show(raw).as_str(), "1" | "true")));
            }
            "ReferenceId"
                if writer == Writer::Control
                    || (writer == Writer::R3
                        && w.readings.is_lenient(crate::Reading::ProjectReferenceIdWrite)) =>
            {
                changes.push(Change::Reference(show(raw)))
            }
            field => {
                let def = cat.field(field).ok_or_else(|| unknown_field(ctx, field))?;
                let refused_file = def.kind == FieldKind::File
                    && writer == Writer::DocumentEndpoint
                    && w.readings.is_strict(crate::Reading::FileViaDocumentProject);
                if refused_file && !is_empty(raw) {
                    return Err(ApiError::bad(format!(
                        "{ctx}: The File field '{}' cannot be set here.",
                        def.label
                    )));
                }
                let value = coerce_field(w, ctx, def, raw)?;
                changes.push(Change::Field(field.to_string(), value));
            }
        }
    }
    let now = w.clock.now_ms();
    let admin = w.minicrm.users.first().map(|u| u.id).unwrap_or(0);
    let Some(p) = w.minicrm.projects.get_mut(&id) else {
        return Err(ApiError::not_found(format!("{ctx}: Project not found: {id}")));
    };
    for change in changes {
        match change {
            Change::Status(s) => {
                if s != p.status_id {
                    p.status_id = s;
                    p.status_updated_ms = now;
                }
            }
            Change::User(u) => p.user_id = u,
            Change::Name(n) => p.name = n,
            Change::Contact(c, b) => {
                p.contact_id = c;
                p.business_id = b;
            }
            Change::Deleted(d) => p.deleted = d,
            Change::Private(x) => p.is_private = x,
            Change::Reference(r) => p.reference_id = r,
            Change::Field(name, Some(v)) => {
                p.fields.insert(name, v);
            }
            Change::Field(name, None) => {
                p.fields.remove(&name);
            }
        }
    }
    p.updated_ms = now;
    p.updated_by = admin;
    // The document's own modification time is not touched: whether a card change counts for the
    // document lists is the `documentListCardChanges` reading (see `documents::modified_ms`).
    Ok(())
}

/// `PUT /Api/R3/Project`: needs CategoryId, ContactId, StatusId, UserId and Name.
pub fn create_project(w: &mut World, body: &Map<String, Value>) -> ApiResult<u64> {
    let ctx = "Project (PUT)";
    for key in ["CategoryId", "ContactId", "StatusId", "UserId", "Name"] {
        if body.get(key).is_none_or(is_empty) {
            return Err(missing(ctx, key));
        }
    }
    let cat_raw = &body["CategoryId"];
    let cat_id = show(cat_raw)
        .parse::<u32>()
        .ok()
        .filter(|c| w.minicrm.category(*c).is_some())
        .ok_or_else(|| invalid(ctx, cat_raw, "CategoryId"))?;
    let contact_raw = &body["ContactId"];
    let contact_id = show(contact_raw)
        .parse::<u64>()
        .ok()
        .filter(|c| w.minicrm.contacts.contains_key(c))
        .ok_or_else(|| invalid(ctx, contact_raw, "ContactId"))?;
    let business_id = match &w.minicrm.contacts[&contact_id] {
        c if c.kind == super::model::ContactKind::Business => Some(c.id),
        c => c.business_id,
    };
    let now = w.clock.now_ms();
    let id = w.minicrm.next_project;
    w.minicrm.next_project += 1;
    let first_status = w
        .minicrm
        .category(cat_id)
        .and_then(|c| c.statuses.first())
        .map(|s| s.id)
        .unwrap_or(0);
    let admin = w.minicrm.users.first().map(|u| u.id).unwrap_or(0);
    w.minicrm.projects.insert(
        id,
        Project {
            id,
            category_id: cat_id,
            contact_id,
            business_id,
            status_id: first_status,
            user_id: admin,
            name: String::new(),
            reference_id: String::new(),
            is_private: false,
            deleted: false,
            created_by: admin,
            updated_by: admin,
            created_ms: now,
            updated_ms: now,
            status_updated_ms: now,
            fields: Default::default(),
        },
    );
    let mut rest = body.clone();
    rest.remove("CategoryId");
    rest.remove("ContactId");
    rest.remove("BusinessId");
    if let Err(e) = update_project(w, ctx, id, &rest, Writer::Control) {
        w.minicrm.projects.remove(&id);
        return Err(e);
    }
    Ok(id)
}
