//! Offer and order documents (`/Api/Offer`, `/Api/Order`): strings everywhere, lists, card-field
//! writes through `/{id}/Project`, order status transitions.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};

use super::model::{format_ts, CustomerBlock, DocKind, Document, Item, Project, State};
use super::ops::{
    block_value, body_object, invalid, missing, order_status_refused, paginate, parse_page, parse_since,
    show, unknown_parameter, update_project, ApiError, ApiResult, Writer,
};
use super::schema::{transition_between, CategoryKind, OrderPhase, StatusGroup, ORDER_TRANSITIONS};
use crate::seed::{COMPANY_CIF, COMPANY_NAME, MINICRM_SYSTEM_ID};
use crate::{Reading, World};

/// A decimal with exactly `dp` decimals, e.g. `"7500.0000"`.
pub fn fmt_dec(d: Decimal, dp: u32) -> String {
    let r = d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    format!("{:.*}", dp as usize, r)
}

pub fn ctx(kind: DocKind, method: &str) -> String {
    format!("{} ({method})", kind.as_str())
}

pub fn doc_or_404(w: &World, kind: DocKind, method: &str, id: u64) -> ApiResult<Document> {
    w.minicrm
        .documents
        .get(&id)
        .filter(|d| d.kind == kind)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{}: {} not found: {id}",
                ctx(kind, method),
                kind.as_str()
            ))
        })
}

pub fn doc_url(w: &World, d: &Document) -> String {
    if d.number.is_empty() {
        return String::new();
    }
    format!(
        "{}/{}/Download/S3/?t=doc&inline=0&e={}",
        w.urls.minicrm, MINICRM_SYSTEM_ID, d.token
    )
}

/// When the document last changed, for `UpdatedSince` and the order of the lists: its own
/// changes only (strict), or also its card's (lenient reading of `documentListCardChanges`).
pub fn modified_ms(w: &World, d: &Document) -> i64 {
    if w.readings.is_strict(Reading::DocumentListCardChanges) {
        return d.updated_ms;
    }
    let card = w
        .minicrm
        .projects
        .get(&d.project_id)
        .map(|p| p.updated_ms)
        .unwrap_or(0);
    d.updated_ms.max(card)
}

pub fn order_phase(w: &World, p: &Project) -> Option<OrderPhase> {
    w.minicrm
        .category(p.category_id)
        .and_then(|c| c.status(p.status_id))
        .and_then(|s| s.phase)
}

fn customer_json(c: &CustomerBlock) -> Value {
    json!({
        "Name": c.name,
        "CountryId": c.country_id,
        "County": c.county,
        "PostalCode": c.postal_code,
        "City": c.city,
        "Address": c.address,
        "AccountNumber": c.account_number,
        "VatNumber": c.vat_number,
        "EUVatNumber": c.eu_vat_number,
        "RegistrationNumber": c.registration_number,
        "GroupIdentificationNumber": "",
    })
}

fn vendor_json() -> Value {
    json!({
        "Name": COMPANY_NAME,
        "CountryId": "40",
        "County": "Cluj",
        "PostalCode": "400001",
        "City": "Cluj-Napoca",
        "Address": "Str. Republicii 10",
        "AccountNumber": "RO66BTRL01301202K12345XX",
        "IBAN": "RO66BTRL01301202K12345XX",
        "SWIFT": "BTRLRO22",
        "VatNumber": COMPANY_CIF.trim_start_matches("RO"),
        "EUVatNumber": COMPANY_CIF,
        "GroupIdentificationNumber": "",
        "RegistrationNumber": "J12/1001/2006",
    })
}

fn item_json(kind: DocKind, it: &Item) -> Value {
    let net = it.net();
    let total = net + it.vat_amount();
    // Offers print the rate as "21", orders as "21%": both forms are in the documentation.
    let vat = match kind {
        DocKind::Offer => it.vat.normalize().to_string(),
        DocKind::Order => format!("{}%", it.vat.normalize()),
    };
    json!({
        "Id": it.id.to_string(),
        "SKU": it.sku,
        "EAN": it.ean,
        "Name": it.name,
        "Description": it.description,
        "PriceNet": fmt_dec(it.price_net, 4),
        "Quantity": fmt_dec(it.quantity, if kind == DocKind::Offer { 2 } else { 4 }),
        "Unit": it.unit,
        "PriceNetTotal": fmt_dec(net, 4),
        "VAT": vat,
        "VATSubtype": "",
        "PriceTotal": fmt_dec(total, 2),
    })
}

/// The `Project` block: the card's custom fields (strings, enums as ids) and `StatusId` as an id string.
fn project_block(w: &World, d: &Document) -> Value {
    let mut m = Map::new();
    if let Some(p) = w.minicrm.projects.get(&d.project_id) {
        if d.kind == DocKind::Order {
            m.insert("Name".into(), json!(p.name));
        }
        if let Some(cat) = w.minicrm.category(p.category_id) {
            for def in &cat.fields {
                m.insert(def.name.clone(), block_value(p.fields.get(&def.name)));
            }
        }
        m.insert("StatusId".into(), json!(p.status_id.to_string()));
    }
    Value::Object(m)
}

/// `GET /Api/Offer/{id}` / `GET /Api/Order/{id}`: the full document, strings everywhere.
pub fn doc_json(w: &World, d: &Document) -> Value {
    let (net, vat, total) = d.totals();
    let items: Vec<Value> = d.items.iter().map(|it| item_json(d.kind, it)).collect();
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("Id", json!(d.id.to_string()));
    // §2.9: the offer GET example shows neither; the order GET has both (a reading for offers).
    if d.kind == DocKind::Order || w.readings.is_lenient(Reading::OfferDetailIds) {
        put("ProjectId", json!(d.project_id.to_string()));
        put("CustomerId", json!(d.customer_id.to_string()));
    }
    match d.kind {
        DocKind::Offer => {
            put("InvoicePadCounter", json!(d.pad_counter));
            put("Number", json!(d.number));
            put("Type", json!("Offer"));
            put("InvoiceMode", json!("Normal"));
            put("Media", json!("PKI"));
            put("Language", json!(d.language));
            put("Customer", customer_json(&d.customer));
            put("Vendor", vendor_json());
            put("ExtraData", json!("{\"VendorMiscellaneous\":\"\"}"));
        }
        DocKind::Order => {
            put("Number", json!(d.number));
            put("Type", json!("Order"));
            put("InvoiceMode", json!("Normal"));
            put("Customer", customer_json(&d.customer));
            put("VendorGroupIdentificationNumber", json!(""));
        }
    }
    put("Subject", json!(d.subject));
    put("PaymentMethod", json!(d.payment_method));
    put("Issued", json!(d.issued));
    put("Performance", json!(d.performance));
    put("Prompt", json!(d.prompt));
    put("Paid", json!(d.paid));
    put("CurrencyCode", json!(d.currency));
    put("ConversionRate", json!(d.conversion_rate));
    put("AmountNet", json!(fmt_dec(net, 4)));
    put("AmountVat", json!(fmt_dec(vat, 4)));
    put("Amount", json!(fmt_dec(total, 4)));
    if d.kind == DocKind::Offer {
        put("VATMode", json!("NormalVAT"));
    }
    put("Accounting", json!("Normal"));
    if d.kind == DocKind::Order {
        put("OSS", json!("0"));
    }
    put(
        "DocumentId",
        json!(if d.number.is_empty() {
            String::new()
        } else {
            d.id.to_string()
        }),
    );
    put("DocumentUrl", json!(doc_url(w, d)));
    put("Items", Value::Array(items));
    put("Project", project_block(w, d));
    Value::Object(m)
}

fn list_item(w: &World, d: &Document) -> Value {
    let (net, vat, total) = d.totals();
    let (status, group) = w
        .minicrm
        .projects
        .get(&d.project_id)
        .and_then(|p| {
            w.minicrm
                .category(p.category_id)
                .and_then(|c| c.status(p.status_id))
        })
        .map(|s| (s.label.clone(), s.group.as_str()))
        .unwrap_or_default();
    json!({
        "Id": d.id.to_string(),
        "ProjectId": d.project_id.to_string(),
        "StornedId": d.storned_id,
        "Number": d.number,
        "Type": d.kind.as_str(),
        "Issued": d.issued,
        "Performance": d.performance,
        "Prompt": d.prompt,
        "Paid": d.paid,
        "CurrencyCode": d.currency,
        "AmountNet": fmt_dec(net, 4),
        "AmountVat": fmt_dec(vat, 4),
        "Amount": fmt_dec(total, 4),
        "Status": status,
        "StatusGroup": group,
        "DocumentUrl": doc_url(w, d),
    })
}

/// `GET /Api/{Offer|Order}/List?Page=&UpdatedSince=&StatusGroup=` (§2.9): most recently
/// modified first; only issued documents (orders out of Draft; un-issued offers only under the
/// lenient reading of `offerListDrafts`); `"Results":[]` when empty.
pub fn doc_list(w: &World, kind: DocKind, params: &[(String, String)]) -> ApiResult<Value> {
    let c = ctx(kind, "GET");
    let mut page = 0;
    let mut filters: Vec<super::ops::Filter<'_, Document>> = Vec::new();
    for (k, v) in params {
        let raw = Value::from(v.clone());
        match k.as_str() {
            "Page" => page = parse_page(&c, v)?,
            "UpdatedSince" => {
                let since = parse_since(&c, k, v)?;
                filters.push(Box::new(move |d| modified_ms(w, d) >= since));
            }
            "StatusGroup" => {
                let g = StatusGroup::parse(v).ok_or_else(|| invalid(&c, &raw, "StatusGroup"))?;
                filters.push(Box::new(move |d| {
                    w.minicrm
                        .projects
                        .get(&d.project_id)
                        .and_then(|p| super::ops::status_group(&w.minicrm, p))
                        == Some(g)
                }));
            }
            other => return Err(unknown_parameter(&c, other)),
        }
    }
    let drafts_listed = w.readings.is_lenient(Reading::OfferListDrafts);
    let mut docs: Vec<&Document> = w
        .minicrm
        .documents
        .values()
        .filter(|d| d.kind == kind)
        .filter(|d| match kind {
            DocKind::Offer => drafts_listed || !d.number.is_empty(),
            DocKind::Order => {
                w.minicrm
                    .projects
                    .get(&d.project_id)
                    .and_then(|p| order_phase(w, p))
                    != Some(OrderPhase::Draft)
            }
        })
        .filter(|d| filters.iter().all(|f| f(d)))
        .collect();
    docs.sort_by(|a, b| modified_ms(w, b).cmp(&modified_ms(w, a)).then(b.id.cmp(&a.id)));
    let items = docs
        .into_iter()
        .map(|d| (d.id.to_string(), list_item(w, d)))
        .collect();
    Ok(paginate(items, page, true))
}

/// `POST /Api/{Offer|Order}/{id}/Project`: card fields (label or id on enums; files by URL only
/// under the lenient reading of `fileViaDocumentProject`). Offers may change `StatusId` here,
/// orders may not (405). Answers the full document. A card change, not a document change.
pub fn doc_set_project(w: &mut World, kind: DocKind, id: u64, body: &[u8]) -> ApiResult<Value> {
    let c = ctx(kind, "POST");
    let d = doc_or_404(w, kind, "POST", id)?;
    let body = body_object(&c, body)?;
    update_project(w, &c, d.project_id, &body, Writer::DocumentEndpoint)?;
    let d = doc_or_404(w, kind, "POST", id)?;
    Ok(doc_json(w, &d))
}

fn today(w: &World) -> String {
    w.clock.today_ro().to_string()
}

fn issue_number(w: &mut World, d: &mut Document) {
    if !d.number.is_empty() {
        return;
    }
    let year = w.clock.today_ro().format("%Y").to_string();
    let prefix = if d.kind == DocKind::Offer { "OF" } else { "CMD" };
    let n = w
        .minicrm
        .documents
        .values()
        .filter(|x| x.kind == d.kind && !x.number.is_empty())
        .count()
        + 11;
    d.pad_counter = format!("{n:05}");
    d.number = format!("{prefix}{year}-E/{n:05}");
    d.issued = today(w);
    if d.performance.is_empty() {
        d.performance = d.issued.clone();
    }
    if d.prompt.is_empty() {
        d.prompt = d.issued.clone();
    }
}

/// Moves an order card to the status of `target`'s phase, with the transition's side effects.
fn set_order_phase(w: &mut World, id: u64, transition: &str, target: OrderPhase) -> ApiResult<()> {
    let Some(mut d) = w.minicrm.documents.get(&id).cloned() else {
        return Err(ApiError::not_found(format!(
            "Order (POST): Order not found: {id}"
        )));
    };
    let now = w.clock.now_ms();
    let project_id = d.project_id;
    let status = w
        .minicrm
        .projects
        .get(&project_id)
        .and_then(|p| w.minicrm.category(p.category_id))
        .and_then(|c| c.statuses.iter().find(|s| s.phase == Some(target)))
        .map(|s| s.id)
        .ok_or_else(|| ApiError::bad("Order (POST): The module has no status for this phase."))?;
    match transition {
        "Finalize" => issue_number(w, &mut d),
        "Paid" => d.paid = today(w),
        "Storno" => d.paid = String::new(),
        _ => {}
    }
    d.updated_ms = now;
    w.minicrm.documents.insert(id, d);
    if let Some(p) = w.minicrm.projects.get_mut(&project_id) {
        p.status_id = status;
        p.status_updated_ms = now;
        p.updated_ms = now;
    }
    Ok(())
}

/// `POST|GET /Api/Order/{id}/{Finalize|Edit|Complete|Paid|Storno}`; other transitions → 405.
pub fn order_transition(w: &mut World, id: u64, transition: &str) -> ApiResult<Value> {
    let c = "Order (POST)";
    let d = doc_or_404(w, DocKind::Order, "POST", id)?;
    let Some((name, sources, target)) = ORDER_TRANSITIONS.iter().find(|(n, _, _)| *n == transition) else {
        return Err(ApiError::not_found(format!(
            "Unknown URL: /Api/Order/{id}/{transition}"
        )));
    };
    let p = super::ops::project_or_404(&w.minicrm, c, d.project_id)?;
    let phase = order_phase(w, &p);
    let label = w
        .minicrm
        .category(p.category_id)
        .and_then(|cat| cat.status(p.status_id))
        .map(|s| s.label.clone());
    if !phase.is_some_and(|ph| sources.contains(&ph)) {
        return Err(ApiError::not_allowed(format!(
            "{c}: The {name} action is not allowed in the '{}' status.",
            label.unwrap_or_default()
        )));
    }
    set_order_phase(w, id, name, *target)?;
    let d = doc_or_404(w, DocKind::Order, "POST", id)?;
    Ok(doc_json(w, &d))
}

/// The card-page rule for a status change: offers and generic cards take any status; orders only
/// a status reachable through one transition (else 405, as the API).
pub fn change_status_as_user(w: &mut World, project_id: u64, raw: &Value) -> ApiResult<()> {
    let c = "Project (PUT)";
    let p = super::ops::project_or_404(&w.minicrm, c, project_id)?;
    let Some(cat) = w.minicrm.category(p.category_id).cloned() else {
        return Err(ApiError::bad("Unknown module"));
    };
    let sid = super::ops::resolve_status(&cat.statuses, raw).ok_or_else(|| invalid(c, raw, "Status"))?;
    if cat.kind != CategoryKind::Order {
        let mut body = Map::new();
        body.insert("StatusId".into(), json!(sid));
        return update_project(w, c, project_id, &body, Writer::Ui);
    }
    if sid == p.status_id {
        return Ok(());
    }
    let from = cat.status(p.status_id).and_then(|s| s.phase);
    let to = cat.status(sid).and_then(|s| s.phase);
    let transition = match (from, to) {
        (Some(f), Some(t)) => transition_between(f, t),
        _ => None,
    };
    let doc = w.minicrm.document_of_project(project_id).map(|d| d.id);
    match (transition, doc) {
        (Some(name), Some(doc_id)) => order_transition(w, doc_id, name).map(|_| ()),
        _ => Err(order_status_refused("Order (POST)")),
    }
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

fn parse_item(w: &mut World, c: &str, raw: &Value, existing: Option<&Item>) -> ApiResult<Item> {
    let Some(o) = raw.as_object() else {
        return Err(invalid(c, raw, "Items"));
    };
    let text = |k: &str, dflt: &str| o.get(k).map(show).unwrap_or_else(|| dflt.to_string());
    let name = text("Name", existing.map(|e| e.name.as_str()).unwrap_or(""));
    if name.trim().is_empty() {
        return Err(missing(c, "Items.Name"));
    }
    let price_net = match o.get("PriceNet") {
        Some(v) => decimal_of(v).ok_or_else(|| invalid(c, v, "PriceNet"))?,
        None => existing
            .map(|e| e.price_net)
            .ok_or_else(|| missing(c, "Items.PriceNet"))?,
    };
    let quantity = match o.get("Quantity") {
        Some(v) => decimal_of(v).ok_or_else(|| invalid(c, v, "Quantity"))?,
        None => existing.map(|e| e.quantity).unwrap_or(Decimal::ONE),
    };
    let vat = match o.get("VAT") {
        Some(v) => {
            let s = show(v);
            s.trim()
                .trim_end_matches('%')
                .trim()
                .parse::<Decimal>()
                .map_err(|_| invalid(c, v, "VAT"))?
        }
        None => existing.map(|e| e.vat).unwrap_or(Decimal::from(21)),
    };
    let id = match existing {
        Some(e) => e.id,
        None => {
            w.minicrm.next_item += 1;
            w.minicrm.next_item
        }
    };
    Ok(Item {
        id,
        sku: text("SKU", existing.map(|e| e.sku.as_str()).unwrap_or("")),
        ean: text("EAN", existing.map(|e| e.ean.as_str()).unwrap_or("")),
        name,
        description: text(
            "Description",
            existing.map(|e| e.description.as_str()).unwrap_or(""),
        ),
        price_net,
        quantity,
        unit: text("Unit", existing.map(|e| e.unit.as_str()).unwrap_or("buc")),
        vat,
    })
}

/// The customer of a document write: `CustomerId` or `ReferenceId` (the card's external id).
fn customer_of(w: &World, c: &str, body: &Map<String, Value>) -> ApiResult<u64> {
    if let Some(raw) = body.get("CustomerId").filter(|v| !show(v).is_empty()) {
        return show(raw)
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|id| w.minicrm.contacts.contains_key(id))
            .ok_or_else(|| invalid(c, raw, "CustomerId"));
    }
    // The contact's external id (§6.1: "ReferenceId … used by document create instead of CustomerId").
    if let Some(raw) = body.get("ReferenceId").filter(|v| !show(v).is_empty()) {
        let r = show(raw);
        return w
            .minicrm
            .contacts
            .values()
            .find(|ct| ct.get(super::model::CONTACT_REFERENCE_ID) == r)
            .map(|ct| ct.id)
            .ok_or_else(|| invalid(c, raw, "ReferenceId"));
    }
    Err(ApiError::bad(format!(
        "{c}: CustomerId or ReferenceId is required."
    )))
}

/// The customer block printed on a document, from the contact and its billing address.
pub fn customer_block(st: &State, contact_id: u64) -> CustomerBlock {
    let Some(c) = st.contacts.get(&contact_id) else {
        return CustomerBlock::default();
    };
    let a = st.billing_address(contact_id).cloned().unwrap_or_default();
    let country_id = match super::ops::fold(&a.country).as_str() {
        "romania" | "" => "40",
        "magyarorszag" | "hungary" | "ungaria" => "36",
        _ => "",
    };
    CustomerBlock {
        name: c.display_name(),
        country_id: country_id.to_string(),
        county: a.county,
        city: a.city,
        postal_code: a.postal_code,
        address: a.address,
        account_number: c.get("BankAccount").to_string(),
        vat_number: c.get("VatNumber").to_string(),
        eu_vat_number: c.get("EUVatNumber").to_string(),
        registration_number: c.get("RegistrationNumber").to_string(),
    }
}

/// A `Customer` block in a create: overwrites the contact's VAT number and bank account, and its
/// address is saved as the new default billing address unless it is already one of its addresses.
fn absorb_customer_block(w: &mut World, customer_id: u64, block: &Map<String, Value>) {
    let get = |k: &str| block.get(k).map(show).unwrap_or_default();
    let now = w.clock.now_ms();
    if let Some(c) = w.minicrm.contacts.get_mut(&customer_id) {
        for (from, to) in [("VatNumber", "VatNumber"), ("AccountNumber", "BankAccount")] {
            let v = get(from);
            if !v.is_empty() {
                c.fields.insert(to.to_string(), v);
            }
        }
        c.updated_ms = now;
    }
    let (city, address) = (get("City"), get("Address"));
    if city.is_empty() && address.is_empty() {
        return;
    }
    let known = w
        .minicrm
        .addresses
        .values()
        .any(|a| a.contact_id == customer_id && a.city == city && a.address == address);
    if known {
        return;
    }
    let id = w.minicrm.next_address;
    w.minicrm.next_address += 1;
    for a in w
        .minicrm
        .addresses
        .values_mut()
        .filter(|a| a.contact_id == customer_id)
    {
        a.default = false;
        if super::model::BILLING_ADDRESS_TYPES.contains(&a.kind.as_str()) {
            a.kind = "Adresă".to_string();
        }
    }
    let country = match get("CountryId").as_str() {
        "36" => "Magyarország".to_string(),
        "40" | "" => "România".to_string(),
        other => other.to_string(),
    };
    w.minicrm.addresses.insert(
        id,
        super::model::Address {
            id,
            contact_id: customer_id,
            kind: "Adresă de facturare".to_string(),
            name: get("Name"),
            country,
            county: get("County"),
            city,
            postal_code: get("PostalCode"),
            address,
            default: true,
            created_ms: now,
            updated_ms: now,
        },
    );
}

/// `POST /Api/Offer` and `POST /Api/Order`: makes the document and its card. Offers are issued at
/// once in the module's first status ("Create and issue", §2.9); orders start as drafts. The body
/// keys were checked against the allow-list; documented keys the server computes or sets itself
/// (`Id`, `Number`, totals, `DocumentUrl`, ...) are ignored. Answers the full document.
pub fn create_document(w: &mut World, kind: DocKind, body: &[u8]) -> ApiResult<Value> {
    let c = ctx(kind, "POST");
    let body = body_object(&c, body)?;
    let customer_id = customer_of(w, &c, &body)?;
    let currency = match body.get("CurrencyCode").map(show).filter(|s| !s.is_empty()) {
        Some(cur) if cur.len() == 3 && cur.chars().all(|ch| ch.is_ascii_alphabetic()) => cur.to_uppercase(),
        Some(cur) => return Err(invalid(&c, &Value::from(cur), "CurrencyCode")),
        None if kind == DocKind::Order => return Err(missing(&c, "CurrencyCode")),
        None => "RON".to_string(),
    };
    let raw_items = match body.get("Items") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Array(_)) | None if kind == DocKind::Offer => Vec::new(),
        Some(other) => return Err(invalid(&c, other, "Items")),
        None => return Err(missing(&c, "Items")),
    };
    let mut items = Vec::new();
    for raw in &raw_items {
        items.push(parse_item(w, &c, raw, None)?);
    }
    let cat_kind = if kind == DocKind::Offer {
        CategoryKind::Offer
    } else {
        CategoryKind::Order
    };
    let Some(cat) = w
        .minicrm
        .categories
        .iter()
        .find(|cat| cat.kind == cat_kind)
        .cloned()
    else {
        return Err(ApiError::bad(format!("{c}: The module is not active.")));
    };
    let project_fields = match body.get("Project") {
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(other) => return Err(invalid(&c, other, "Project")),
    };
    if let Some(Value::Object(block)) = body.get("Customer") {
        let block = block.clone();
        absorb_customer_block(w, customer_id, &block);
    }
    let customer = customer_block(&w.minicrm, customer_id);
    let contact = w.minicrm.contacts.get(&customer_id).cloned();
    let business_id = contact.as_ref().and_then(|ct| match ct.kind {
        super::model::ContactKind::Business => Some(ct.id),
        super::model::ContactKind::Person => ct.business_id,
    });
    let first_status = match kind {
        DocKind::Offer => cat.statuses.first().map(|s| s.id),
        DocKind::Order => cat
            .statuses
            .iter()
            .find(|s| s.phase == Some(OrderPhase::Draft))
            .map(|s| s.id),
    }
    .unwrap_or(0);
    let now = w.clock.now_ms();
    let admin = w.minicrm.users.first().map(|u| u.id).unwrap_or(0);
    let project_id = w.minicrm.next_project;
    w.minicrm.next_project += 1;
    let card_name = match kind {
        DocKind::Offer => format!("Ofertă nouă ({})", customer.name),
        DocKind::Order => format!("De emis ({})", customer.name),
    };
    w.minicrm.projects.insert(
        project_id,
        Project {
            id: project_id,
            category_id: cat.id,
            contact_id: customer_id,
            business_id,
            status_id: first_status,
            user_id: admin,
            name: card_name,
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
    if !project_fields.is_empty() {
        if let Err(e) = update_project(w, &c, project_id, &project_fields, Writer::DocumentEndpoint) {
            w.minicrm.projects.remove(&project_id);
            return Err(e);
        }
    }
    let id = w.minicrm.next_document;
    w.minicrm.next_document += 1;
    let token = w.minicrm.new_token();
    let text = |k: &str, d: &str| {
        body.get(k)
            .map(show)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| d.to_string())
    };
    let mut d = Document {
        id,
        kind,
        project_id,
        customer_id,
        number: String::new(),
        pad_counter: String::new(),
        issued: String::new(),
        performance: text("Performance", ""),
        prompt: text("Prompt", ""),
        paid: String::new(),
        conversion_rate: if currency == "RON" {
            String::new()
        } else {
            text("ConversionRate", "")
        },
        currency,
        payment_method: text("PaymentMethod", "WiredTransfer"),
        language: text("Language", "RO"),
        subject: text("Subject", ""),
        customer,
        items,
        storned_id: String::new(),
        updated_ms: now,
        token,
    };
    if kind == DocKind::Offer {
        issue_number(w, &mut d);
    }
    w.minicrm.documents.insert(id, d.clone());
    Ok(doc_json(w, &d))
}

/// `POST /Api/Order/{id}`: only in Draft; `CustomerId`/`ReferenceId` on every update; items
/// without `Id` are added, with `Id` edited. Answers the full order.
pub fn update_order(w: &mut World, id: u64, body: &[u8]) -> ApiResult<Value> {
    let c = "Order (POST)";
    let mut d = doc_or_404(w, DocKind::Order, "POST", id)?;
    let body = body_object(c, body)?;
    let customer_id = customer_of(w, c, &body)?;
    let phase = w
        .minicrm
        .projects
        .get(&d.project_id)
        .and_then(|p| order_phase(w, p));
    if phase != Some(OrderPhase::Draft) {
        return Err(ApiError::not_allowed(format!(
            "{c}: An order can only be modified in Draft."
        )));
    }
    if customer_id != d.customer_id {
        d.customer_id = customer_id;
        d.customer = customer_block(&w.minicrm, customer_id);
    }
    for (key, raw) in &body {
        match key.as_str() {
            "CustomerId" | "ReferenceId" => {}
            "Subject" => d.subject = show(raw),
            "PaymentMethod" => d.payment_method = show(raw),
            "Performance" => d.performance = show(raw),
            "Prompt" => d.prompt = show(raw),
            "CurrencyCode" => d.currency = show(raw).to_uppercase(),
            "ConversionRate" => d.conversion_rate = show(raw),
            // Documented keys of the order that are computed or fixed (§2.10 Get).
            "Id"
            | "ProjectId"
            | "Number"
            | "InvoiceMode"
            | "VendorGroupIdentificationNumber"
            | "AmountNet"
            | "AmountVat"
            | "Amount"
            | "Accounting"
            | "OSS"
            | "Customer" => {}
            "Project" => {
                let Some(fields) = raw.as_object() else {
                    return Err(invalid(c, raw, "Project"));
                };
                update_project(w, c, d.project_id, fields, Writer::DocumentEndpoint)?;
            }
            "Items" => {
                let Some(list) = raw.as_array() else {
                    return Err(invalid(c, raw, "Items"));
                };
                for item in list {
                    let item_id = item.get("Id").map(show).and_then(|s| s.parse::<u64>().ok());
                    match item_id {
                        Some(iid) => {
                            let pos = d
                                .items
                                .iter()
                                .position(|x| x.id == iid)
                                .ok_or_else(|| invalid(c, &Value::from(iid), "Items.Id"))?;
                            let updated = parse_item(w, c, item, Some(&d.items[pos]))?;
                            d.items[pos] = updated;
                        }
                        None => {
                            let new = parse_item(w, c, item, None)?;
                            d.items.push(new);
                        }
                    }
                }
            }
            other => return Err(unknown_parameter(c, other)),
        }
    }
    d.updated_ms = w.clock.now_ms();
    w.minicrm.documents.insert(id, d.clone());
    Ok(doc_json(w, &d))
}

/// `GET /Api/Order/{id}/DeleteItem/{itemId}` (Draft only).
pub fn delete_order_item(w: &mut World, id: u64, item_id: u64) -> ApiResult<Value> {
    let c = "Order (GET)";
    let mut d = doc_or_404(w, DocKind::Order, "GET", id)?;
    let phase = w
        .minicrm
        .projects
        .get(&d.project_id)
        .and_then(|p| order_phase(w, p));
    if phase != Some(OrderPhase::Draft) {
        return Err(ApiError::not_allowed(format!(
            "{c}: An order can only be modified in Draft."
        )));
    }
    let before = d.items.len();
    d.items.retain(|x| x.id != item_id);
    if d.items.len() == before {
        return Err(invalid(c, &Value::from(item_id), "ItemId"));
    }
    d.updated_ms = w.clock.now_ms();
    w.minicrm.documents.insert(id, d.clone());
    Ok(doc_json(w, &d))
}

/// The document PDF behind `DocumentUrl` (`t=doc`).
pub fn document_pdf(w: &World, d: &Document) -> Vec<u8> {
    let (net, vat, total) = d.totals();
    let title = match d.kind {
        DocKind::Offer => format!("Oferta {}", d.number),
        DocKind::Order => format!("Comanda {}", d.number),
    };
    let mut lines = vec![
        title,
        format!("Furnizor: {COMPANY_NAME} ({COMPANY_CIF})"),
        format!("Client: {} ({})", d.customer.name, d.customer.vat_number),
        format!("Data: {}", d.issued),
        String::new(),
    ];
    for it in &d.items {
        lines.push(format!(
            "{} x {} {} @ {} {} (TVA {}%)",
            it.name,
            fmt_dec(it.quantity, 2),
            it.unit,
            fmt_dec(it.price_net, 2),
            d.currency,
            it.vat.normalize()
        ));
    }
    lines.push(String::new());
    lines.push(format!("Total fara TVA: {} {}", fmt_dec(net, 2), d.currency));
    lines.push(format!("TVA: {} {}", fmt_dec(vat, 2), d.currency));
    lines.push(format!("Total: {} {}", fmt_dec(total, 2), d.currency));
    lines.push(format!("Generat la {}", format_ts(w.clock.now_ms())));
    crate::pdf::render(&lines)
}
