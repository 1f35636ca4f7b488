//! Companies and persons (`/Api/R3/Contact`), their addresses (`/Api/R3/Address`, `AddressList`)
//! and the write-only product list (`/Api/R3/Product`).

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::model::{format_ts, Address, Contact, ContactKind, Product, CONTACT_REFERENCE_ID};
use super::ops::{
    body_object, empty_as_array, fold, invalid, missing, paginate, parse_page, parse_since, show,
    unknown_field, unknown_parameter, words, ApiError, ApiResult,
};
use super::schema::{FieldDef, WRITE_ONLY_CONTACT_FIELDS};
use crate::World;

/// Documented keys of a contact that a client may send back but cannot change (§6.1, §6.2).
const CONTACT_SYSTEM_KEYS: [&str; 6] = ["Id", "CreatedBy", "CreatedAt", "UpdatedBy", "UpdatedAt", "Tags"];

fn schema_for(w: &World, kind: ContactKind) -> Vec<FieldDef> {
    match kind {
        ContactKind::Business => w.minicrm.business_fields.clone(),
        ContactKind::Person => w.minicrm.person_fields.clone(),
    }
}

/// `GET /Api/R3/Schema/Business` and `/Schema/Person`.
pub fn contact_schema(w: &World, kind: ContactKind) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!("Int"));
    if kind == ContactKind::Person {
        m.insert("BusinessId".into(), json!("Int"));
    }
    m.insert("ParentId".into(), json!("Int"));
    for def in schema_for(w, kind) {
        m.insert(def.name.clone(), def.kind.schema_value());
    }
    m.insert("Deleted".into(), json!("Boolean"));
    let users = super::schema::enum_map(
        &w.minicrm
            .users
            .iter()
            .map(|u| (u.id, u.name.clone()))
            .collect::<Vec<_>>(),
    );
    m.insert("CreatedBy".into(), users.clone());
    m.insert("CreatedAt".into(), json!("DateTime"));
    m.insert("UpdatedBy".into(), users);
    m.insert("UpdatedAt".into(), json!("DateTime"));
    Value::Object(m)
}

pub fn contact_or_404(w: &World, ctx: &str, id: u64) -> ApiResult<Contact> {
    w.minicrm
        .contacts
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("{ctx}: Contact not found: {id}")))
}

/// `GET /Api/R3/Contact/{id}`.
pub fn contact_detail(w: &World, c: &Contact) -> Value {
    let admin = w
        .minicrm
        .users
        .first()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("Id".into(), json!(c.id));
    m.insert("Type".into(), json!(c.kind.as_str()));
    for def in schema_for(w, c.kind) {
        if WRITE_ONLY_CONTACT_FIELDS.contains(&def.name.as_str()) {
            continue;
        }
        m.insert(def.name.clone(), json!(c.get(&def.name)));
    }
    if c.kind == ContactKind::Person {
        m.insert(
            "BusinessId".into(),
            c.business_id.map(Value::from).unwrap_or_else(|| json!("")),
        );
    }
    m.insert("Deleted".into(), json!(c.deleted as u8));
    m.insert("CreatedBy".into(), json!(admin));
    m.insert("CreatedAt".into(), json!(format_ts(c.created_ms)));
    m.insert("UpdatedBy".into(), json!(admin));
    m.insert("UpdatedAt".into(), json!(format_ts(c.updated_ms)));
    m.insert("Tags".into(), json!([]));
    if !c.get(CONTACT_REFERENCE_ID).is_empty() {
        m.insert("ReferenceId".into(), json!(c.get(CONTACT_REFERENCE_ID)));
    }
    Value::Object(m)
}

fn contact_list_item(w: &World, c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(c.id));
    m.insert("Name".into(), json!(c.display_name()));
    m.insert(
        "Url".into(),
        json!(format!("{}/Api/R3/Contact/{}", w.urls.minicrm, c.id)),
    );
    m.insert("Type".into(), json!(c.kind.as_str()));
    m.insert("Email".into(), json!(c.get("Email")));
    m.insert("Phone".into(), json!(c.get("Phone")));
    if let Some(b) = c.business_id {
        m.insert("BusinessId".into(), json!(b));
    }
    Value::Object(m)
}

/// Validates the schema fields of a contact write; returns (field, value or None to clear).
fn contact_changes(
    w: &mut World,
    ctx: &str,
    kind: ContactKind,
    body: &Map<String, Value>,
) -> ApiResult<Vec<(String, Option<String>)>> {
    let defs = schema_for(w, kind);
    let mut out = Vec::new();
    for (key, raw) in body {
        if key == "Type" || key == "BusinessId" || CONTACT_SYSTEM_KEYS.contains(&key.as_str()) {
            continue;
        }
        if key == CONTACT_REFERENCE_ID {
            let r = show(raw);
            out.push((key.clone(), (!r.is_empty()).then_some(r)));
            continue;
        }
        let def = defs
            .iter()
            .find(|d| &d.name == key)
            .ok_or_else(|| unknown_field(ctx, key))?;
        let v = super::ops::coerce_field(w, ctx, def, raw)?;
        out.push((key.clone(), v.map(|v| show(&v))));
    }
    Ok(out)
}

fn parse_id(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// `PUT /Api/R3/Contact`: Business needs `Name`; Person `FirstName` (strict reading of
/// `personNameRule`) or `FirstName` or `LastName` (lenient), §2.4.
pub fn create_contact(w: &mut World, body: &[u8]) -> ApiResult<u64> {
    let ctx = "Contact (PUT)";
    let body = body_object(ctx, body)?;
    let type_raw = body.get("Type").ok_or_else(|| missing(ctx, "Type"))?;
    let kind = ContactKind::parse(type_raw, w.readings).ok_or_else(|| invalid(ctx, type_raw, "Type"))?;
    let changes = contact_changes(w, ctx, kind, &body)?;
    let has = |k: &str| changes.iter().any(|(name, v)| name == k && v.is_some());
    let either_name = w.readings.is_lenient(crate::Reading::PersonNameRule);
    match kind {
        ContactKind::Business if !has("Name") => return Err(missing(ctx, "Name")),
        ContactKind::Person if !(has("FirstName") || (either_name && has("LastName"))) => {
            return Err(missing(ctx, "FirstName"))
        }
        _ => {}
    }
    let business_id = match (kind, body.get("BusinessId")) {
        (ContactKind::Person, Some(raw)) if !show(raw).is_empty() => {
            let id = parse_id(raw)
                .filter(|id| {
                    w.minicrm
                        .contacts
                        .get(id)
                        .is_some_and(|c| c.kind == ContactKind::Business)
                })
                .ok_or_else(|| invalid(ctx, raw, "BusinessId"))?;
            Some(id)
        }
        (ContactKind::Business, Some(raw)) if !show(raw).is_empty() => {
            return Err(unknown_field(ctx, "BusinessId"))
        }
        _ => None,
    };
    let now = w.clock.now_ms();
    let id = w.minicrm.next_contact;
    w.minicrm.next_contact += 1;
    let fields = changes
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    w.minicrm.contacts.insert(
        id,
        Contact {
            id,
            kind,
            business_id,
            fields,
            deleted: false,
            created_ms: now,
            updated_ms: now,
        },
    );
    Ok(id)
}

/// `PUT /Api/R3/Contact/{id}`: Type cannot change, persons cannot move between companies.
pub fn update_contact(w: &mut World, id: u64, body: &[u8]) -> ApiResult<()> {
    let ctx = "Contact (PUT)";
    let body = body_object(ctx, body)?;
    let c = contact_or_404(w, ctx, id)?;
    if let Some(t) = body.get("Type") {
        if ContactKind::parse(t, w.readings) != Some(c.kind) {
            return Err(ApiError::bad(format!(
                "{ctx}: The Type of a contact cannot be changed."
            )));
        }
    }
    if let Some(b) = body.get("BusinessId") {
        let same = match c.business_id {
            Some(cur) => parse_id(b) == Some(cur),
            None => show(b).is_empty(),
        };
        if !same {
            return Err(ApiError::bad(format!(
                "{ctx}: A person cannot be moved to another company."
            )));
        }
    }
    let changes = contact_changes(w, ctx, c.kind, &body)?;
    let now = w.clock.now_ms();
    if let Some(c) = w.minicrm.contacts.get_mut(&id) {
        for (k, v) in changes {
            match v {
                Some(v) => c.fields.insert(k, v),
                None => c.fields.remove(&k),
            };
        }
        c.updated_ms = now;
    }
    Ok(())
}

/// `GET /Api/R3/Contact?Name=&Email=&Phone=&Query=&MainContactId=&UpdatedSince=&<custom field>=&Page=`
/// (§2.4; the parameters arrive checked against the allow-list).
pub fn search_contacts(w: &World, params: &[(String, String)]) -> ApiResult<Value> {
    let ctx = "Contact (GET)";
    let st = &w.minicrm;
    let mut page = 0;
    let mut filters: Vec<super::ops::Filter<'_, Contact>> = Vec::new();
    for (k, v) in params {
        let raw = Value::from(v.clone());
        match k.as_str() {
            "Page" => page = parse_page(ctx, v)?,
            "Name" => {
                let needle = fold(v);
                filters.push(Box::new(move |c| fold(&c.display_name()).contains(&needle)));
            }
            "Email" => {
                let e = v.trim().to_lowercase();
                filters.push(Box::new(move |c| c.get("Email").to_lowercase() == e));
            }
            "Phone" => {
                let digits: String = v.chars().filter(char::is_ascii_digit).collect();
                filters.push(Box::new(move |c| {
                    let have: String = c.get("Phone").chars().filter(char::is_ascii_digit).collect();
                    !digits.is_empty() && (have == digits || have.ends_with(&digits))
                }));
            }
            "Query" => {
                let q = words(v);
                filters.push(Box::new(move |c| {
                    let mut text = c.display_name();
                    for val in c.fields.values() {
                        text.push(' ');
                        text.push_str(val);
                    }
                    let have = words(&text);
                    q.iter().all(|w| have.contains(w))
                }));
            }
            "MainContactId" => {
                let id: u64 = v.parse().map_err(|_| invalid(ctx, &raw, "MainContactId"))?;
                filters.push(Box::new(move |c| c.id == id || c.business_id == Some(id)));
            }
            "UpdatedSince" => {
                let since = parse_since(ctx, k, v)?;
                filters.push(Box::new(move |c| c.updated_ms >= since));
            }
            // Custom fields only (§2.4 "any custom field <FieldName>=<value>").
            field => {
                let known = !crate::documented::minicrm::STANDARD_CONTACT_KEYS.contains(&field)
                    && st
                        .business_fields
                        .iter()
                        .chain(st.person_fields.iter())
                        .any(|d| d.name == field);
                if !known {
                    return Err(unknown_parameter(ctx, field));
                }
                let name = field.to_string();
                let want = fold(v);
                filters.push(Box::new(move |c| fold(c.get(&name)) == want));
            }
        }
    }
    let items: Vec<(String, Value)> = st
        .contacts
        .values()
        .filter(|c| !c.deleted)
        .filter(|c| filters.iter().all(|f| f(c)))
        .map(|c| (c.id.to_string(), contact_list_item(w, c)))
        .collect();
    Ok(paginate(items, page, empty_as_array(w)))
}

// --- Addresses -------------------------------------------------------------------------------

pub fn address_detail(w: &World, a: &Address) -> Value {
    let admin = w
        .minicrm
        .users
        .first()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    json!({
        "Id": a.id,
        "ContactId": a.contact_id,
        "Type": a.kind,
        "Name": a.name,
        "CountryId": a.country,
        "PostalCode": a.postal_code,
        "City": a.city,
        "County": a.county,
        "Address": a.address,
        "Default": a.default as u8,
        "CreatedBy": admin,
        "CreatedAt": format_ts(a.created_ms),
        "UpdatedBy": admin,
        "UpdatedAt": format_ts(a.updated_ms),
    })
}

/// The display string of `AddressList`: `"<Name> (<PostalCode> <City>, <Address>)"`.
pub fn address_display(a: &Address) -> String {
    let name = if a.name.is_empty() {
        "NoName"
    } else {
        a.name.as_str()
    };
    let place = [a.postal_code.as_str(), a.city.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>();
    let mut parts = vec![place.join(" ")];
    if !a.address.is_empty() {
        parts.push(a.address.clone());
    }
    format!(
        "{name} ({})",
        parts
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn apply_address(ctx: &str, a: &mut Address, body: &Map<String, Value>) -> ApiResult<()> {
    for (key, raw) in body {
        let text = || -> ApiResult<String> {
            if raw.is_object() || raw.is_array() {
                return Err(invalid(ctx, raw, key));
            }
            Ok(show(raw))
        };
        match key.as_str() {
            "ContactId" | "Id" | "CreatedBy" | "CreatedAt" | "UpdatedBy" | "UpdatedAt" => {}
            "Type" => a.kind = text()?,
            "Name" => a.name = text()?,
            "CountryId" => a.country = text()?,
            "County" => a.county = text()?,
            "City" => a.city = text()?,
            "PostalCode" => a.postal_code = text()?,
            "Address" => a.address = text()?,
            "Default" => {
                a.default = match show(raw).as_str() {
                    "1" | "true" => true,
                    "0" | "false" | "" => false,
                    _ => return Err(invalid(ctx, raw, "Default")),
                }
            }
            other => return Err(unknown_field(ctx, other)),
        }
    }
    Ok(())
}

fn set_default(w: &mut World, contact_id: u64, keep: u64) {
    for a in w
        .minicrm
        .addresses
        .values_mut()
        .filter(|a| a.contact_id == contact_id && a.id != keep)
    {
        a.default = false;
    }
}

/// `PUT /Api/R3/Address`: `ContactId` required; `CountryId` is a country name.
pub fn create_address(w: &mut World, body: &[u8]) -> ApiResult<u64> {
    let ctx = "Address (PUT)";
    let body = body_object(ctx, body)?;
    let raw = body.get("ContactId").ok_or_else(|| missing(ctx, "ContactId"))?;
    let contact_id = parse_id(raw)
        .filter(|id| w.minicrm.contacts.contains_key(id))
        .ok_or_else(|| invalid(ctx, raw, "ContactId"))?;
    let now = w.clock.now_ms();
    let id = w.minicrm.next_address;
    let mut a = Address {
        id,
        contact_id,
        created_ms: now,
        updated_ms: now,
        ..Default::default()
    };
    apply_address(ctx, &mut a, &body)?;
    w.minicrm.next_address += 1;
    let first = !w.minicrm.addresses.values().any(|x| x.contact_id == contact_id);
    if first {
        a.default = true;
    }
    let is_default = a.default;
    w.minicrm.addresses.insert(id, a);
    if is_default {
        set_default(w, contact_id, id);
    }
    touch_contact(w, contact_id);
    Ok(id)
}

fn touch_contact(w: &mut World, id: u64) {
    let now = w.clock.now_ms();
    if let Some(c) = w.minicrm.contacts.get_mut(&id) {
        c.updated_ms = now;
    }
}

/// `PUT /Api/R3/Address/{id}`.
pub fn update_address(w: &mut World, id: u64, body: &[u8]) -> ApiResult<()> {
    let ctx = "Address (PUT)";
    let body = body_object(ctx, body)?;
    let mut a = w
        .minicrm
        .addresses
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("{ctx}: Address not found: {id}")))?;
    if let Some(raw) = body.get("ContactId") {
        if parse_id(raw) != Some(a.contact_id) {
            return Err(ApiError::bad(format!(
                "{ctx}: The ContactId of an address cannot be changed."
            )));
        }
    }
    apply_address(ctx, &mut a, &body)?;
    a.updated_ms = w.clock.now_ms();
    let (contact_id, is_default) = (a.contact_id, a.default);
    w.minicrm.addresses.insert(id, a);
    if is_default {
        set_default(w, contact_id, id);
    }
    touch_contact(w, contact_id);
    Ok(())
}

/// `GET /Api/R3/AddressList/{ContactId}[?Structured=1]`.
pub fn address_list(w: &World, contact_id: u64, structured: bool) -> ApiResult<Value> {
    let ctx = "AddressList (GET)";
    contact_or_404(w, ctx, contact_id)?;
    let items: Vec<(String, Value)> = w
        .minicrm
        .addresses
        .values()
        .filter(|a| a.contact_id == contact_id)
        .map(|a| {
            let v = if structured {
                json!({"Id": a.id, "Address": address_display(a), "Url": format!("{}/Api/R3/Address/{}", w.urls.minicrm, a.id)})
            } else {
                json!(address_display(a))
            };
            (a.id.to_string(), v)
        })
        .collect();
    let count = items.len();
    let results = if items.is_empty() && empty_as_array(w) {
        Value::Array(Vec::new())
    } else {
        Value::Object(items.into_iter().collect())
    };
    Ok(json!({"Results": results, "Count": count}))
}

// --- Products --------------------------------------------------------------------------------

pub const PRODUCT_FOLDERS: [&str; 2] = ["Produse", "Servicii"];

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A decimal as a JSON number: an integer when it has no fraction.
fn number_value(d: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    if d.fract().is_zero() {
        d.to_i64().map(Value::from).unwrap_or(Value::Null)
    } else {
        d.to_f64().map(Value::from).unwrap_or(Value::Null)
    }
}

/// Normalises a product write into stored fields. Custom fields are kept as written.
fn product_fields(ctx: &str, body: &Map<String, Value>) -> ApiResult<Map<String, Value>> {
    let mut out = Map::new();
    for (key, raw) in body {
        let v = match key.as_str() {
            "Id" => continue,
            "PriceNet" | "Quantity" => {
                let d = decimal_of(raw).ok_or_else(|| invalid(ctx, raw, key))?.normalize();
                number_value(d)
            }
            "VAT" => {
                let s = show(raw);
                let n = s.trim().trim_end_matches('%').trim();
                let d: Decimal = n.parse().map_err(|_| invalid(ctx, raw, "VAT"))?;
                if d < Decimal::ZERO || d > Decimal::ONE_HUNDRED {
                    return Err(invalid(ctx, raw, "VAT"));
                }
                Value::from(format!("{}%", d.normalize()))
            }
            "Deleted" => match show(raw).as_str() {
                "1" | "true" => Value::from(1),
                "0" | "false" | "" => Value::from(0),
                _ => return Err(invalid(ctx, raw, "Deleted")),
            },
            "FolderName" => {
                let s = show(raw);
                // An unknown or missing folder puts the product in the first folder [DOC].
                Value::from(if PRODUCT_FOLDERS.contains(&s.as_str()) {
                    s
                } else {
                    PRODUCT_FOLDERS[0].to_string()
                })
            }
            "CurrencyCode" => {
                let s = show(raw).to_uppercase();
                if s.len() != 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(invalid(ctx, raw, "CurrencyCode"));
                }
                Value::from(s)
            }
            _ if raw.is_object() || raw.is_array() => return Err(invalid(ctx, raw, key)),
            _ => Value::from(show(raw)),
        };
        out.insert(key.clone(), v);
    }
    Ok(out)
}

/// `PUT /Api/R3/Product[/]`: creates, or updates the product with the same `SKU`.
/// Returns (id, created).
pub fn upsert_product(w: &mut World, body: &[u8]) -> ApiResult<(u64, bool)> {
    let ctx = "Product (PUT)";
    let body = body_object(ctx, body)?;
    let fields = product_fields(ctx, &body)?;
    let sku = fields.get("SKU").map(show).unwrap_or_default();
    let existing = if sku.is_empty() {
        None
    } else {
        w.minicrm
            .products
            .values()
            .find(|p| p.fields.get("SKU").map(show).as_deref() == Some(sku.as_str()))
            .map(|p| p.id)
    };
    match existing {
        Some(id) => {
            apply_product(w, id, fields);
            Ok((id, false))
        }
        None => {
            if fields.get("Name").map(show).unwrap_or_default().is_empty() {
                return Err(missing(ctx, "Name"));
            }
            let now = w.clock.now_ms();
            let id = w.minicrm.next_product;
            w.minicrm.next_product += 1;
            let mut stored = Map::new();
            stored.insert("FolderName".into(), json!(PRODUCT_FOLDERS[0]));
            stored.insert("CurrencyCode".into(), json!("RON"));
            // The highest national rate is the default [DOC]; 21% in Romania since August 2025.
            stored.insert("VAT".into(), json!("21%"));
            stored.insert("Deleted".into(), json!(0));
            w.minicrm.products.insert(
                id,
                Product {
                    id,
                    fields: stored,
                    deleted: false,
                    created_ms: now,
                    updated_ms: now,
                },
            );
            apply_product(w, id, fields);
            Ok((id, true))
        }
    }
}

fn apply_product(w: &mut World, id: u64, fields: Map<String, Value>) {
    let now = w.clock.now_ms();
    if let Some(p) = w.minicrm.products.get_mut(&id) {
        let deleted_given = fields.contains_key("Deleted");
        for (k, v) in fields {
            p.fields.insert(k, v);
        }
        if !deleted_given && p.deleted {
            // Writing a deleted product's SKU again brings it back [INF].
            p.fields.insert("Deleted".into(), json!(0));
        }
        p.deleted = p.fields.get("Deleted").and_then(Value::as_u64) == Some(1);
        p.updated_ms = now;
    }
}

/// `PUT /Api/R3/Product/{id}`; `{"Deleted":1}` deletes.
pub fn update_product(w: &mut World, id: u64, body: &[u8]) -> ApiResult<()> {
    let ctx = "Product (PUT)";
    let body = body_object(ctx, body)?;
    if !w.minicrm.products.contains_key(&id) {
        return Err(ApiError::not_found(format!("{ctx}: Product not found: {id}")));
    }
    let fields = product_fields(ctx, &body)?;
    if let Some(sku) = fields.get("SKU").map(show).filter(|s| !s.is_empty()) {
        let clash = w
            .minicrm
            .products
            .values()
            .any(|p| p.id != id && p.fields.get("SKU").map(show) == Some(sku.clone()));
        if clash {
            return Err(invalid(ctx, &Value::from(sku), "SKU"));
        }
    }
    apply_product(w, id, fields);
    Ok(())
}

pub fn product_json(p: &Product) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(p.id));
    for (k, v) in &p.fields {
        m.insert(k.clone(), v.clone());
    }
    m.insert("Deleted".into(), json!(p.deleted as u8));
    m.insert("CreatedAt".into(), json!(format_ts(p.created_ms)));
    m.insert("UpdatedAt".into(), json!(format_ts(p.updated_ms)));
    Value::Object(m)
}
