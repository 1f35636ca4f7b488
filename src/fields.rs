//! The five card fields the integration writes (invoice number, link, payment status, PDF, error
//! message) and the trigger statuses, found in `GET /Api/R3/Schema/Project/{CategoryId}`.
//!
//! Their registered names are not public (minicrm-api.md §5): the "Smart Bill" extension of the
//! Oferte/Comenzi module adds them, so we suggest each role from the field names and types and
//! let the user confirm or change it.

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};

use crate::minicrm::{FieldType, Schema};
use crate::text::fold;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Role {
    InvoiceNumber,
    Link,
    PaymentStatus,
    Pdf,
    Error,
}

pub const ROLES: [Role; 5] = [
    Role::InvoiceNumber,
    Role::Link,
    Role::PaymentStatus,
    Role::Pdf,
    Role::Error,
];

/// Role → field name, saved with the settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct FieldMap {
    pub invoice_number: Option<String>,
    pub link: Option<String>,
    pub payment_status: Option<String>,
    pub pdf: Option<String>,
    pub error: Option<String>,
}

impl FieldMap {
    pub fn get(&self, role: Role) -> Option<&str> {
        match role {
            Role::InvoiceNumber => self.invoice_number.as_deref(),
            Role::Link => self.link.as_deref(),
            Role::PaymentStatus => self.payment_status.as_deref(),
            Role::Pdf => self.pdf.as_deref(),
            Role::Error => self.error.as_deref(),
        }
        .filter(|s| !s.is_empty())
    }

    pub fn set(&mut self, role: Role, name: Option<String>) {
        let slot = match role {
            Role::InvoiceNumber => &mut self.invoice_number,
            Role::Link => &mut self.link,
            Role::PaymentStatus => &mut self.payment_status,
            Role::Pdf => &mut self.pdf,
            Role::Error => &mut self.error,
        };
        *slot = name;
    }

    /// The saved choice where it still names a fitting field of this schema, the suggestion for
    /// the other roles (e.g. after switching from Offers to Orders, whose fields differ).
    pub fn or_suggested(&self, schema: &Schema, suggestion: &FieldMap) -> FieldMap {
        let missing = self.missing(schema);
        let mut chosen = self.clone();
        for role in missing {
            chosen.set(role, suggestion.get(role).map(str::to_string));
        }
        chosen
    }

    /// Roles without a field, or whose field is not in the schema (any more).
    pub fn missing(&self, schema: &Schema) -> Vec<Role> {
        ROLES
            .iter()
            .copied()
            .filter(|r| match self.get(*r) {
                None => true,
                Some(name) => !schema.iter().any(|(n, t)| n == name && compatible(*r, t)),
            })
            .collect()
    }
}

/// System fields of every card: never candidates.
const SYSTEM: [&str; 17] = [
    "Id",
    "CategoryId",
    "ContactId",
    "StatusId",
    "UserId",
    "Name",
    "StatusUpdatedAt",
    "IsPrivate",
    "Invited",
    "Deleted",
    "CreatedBy",
    "CreatedAt",
    "UpdatedBy",
    "UpdatedAt",
    "BusinessId",
    "ProjectHash",
    "ProjectEmail",
];

fn compatible(role: Role, t: &FieldType) -> bool {
    match role {
        Role::InvoiceNumber | Role::Error => matches!(t, FieldType::Text { .. }),
        // The link is a `Url` field on some tenants, a `Text` one on others.
        Role::Link => matches!(t, FieldType::Text { .. } | FieldType::Url),
        Role::PaymentStatus => matches!(t, FieldType::Enum { .. } | FieldType::Text { .. }),
        Role::Pdf => matches!(t, FieldType::File),
    }
}

/// Values seen in the module's fields on recent cards: field name → a few non-empty values.
pub type Samples = crate::platform::SortedMap<String, Vec<String>>;

/// The number of an auto-named field (`Text2201` → 2201; minicrm-api.md §3).
fn auto_id(name: &str) -> Option<u64> {
    let digits = name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    (!digits.is_empty() && digits.len() < name.len() && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

fn looks_like_invoice_number(v: &str) -> bool {
    let v = v.trim();
    let letters = v.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = v[letters..].trim_start_matches([' ', '-', '/']);
    (1..=12).contains(&letters)
        && !rest.is_empty()
        && rest.len() <= 10
        && rest.chars().all(|c| c.is_ascii_digit())
}

fn looks_like_url(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    v.starts_with("https://") || v.starts_with("http://")
}

fn looks_like_message(v: &str) -> bool {
    let v = v.trim();
    v.contains("[sbclaim") || (v.chars().count() > 20 && v.contains(' ') && !looks_like_url(v))
}

/// How well a field's name fits a role (0 = not at all). Names are folded (case, diacritics,
/// punctuation) and matched against Romanian, English and Hungarian words.
fn name_score(role: Role, name: &str, t: &FieldType) -> u32 {
    let f = fold(name);
    let has = |words: &[&str]| words.iter().any(|w| f.contains(w));
    let smartbill = has(&["smartbill"]);
    let invoice = has(&["factur", "invoice", "szamla"]);
    let base = match role {
        Role::InvoiceNumber => {
            if invoice && has(&["numar", "number", "nr", "szam", "no"]) {
                10
            } else if invoice && !has(&["pdf", "link", "url", "plata", "payment", "eroare", "error"]) {
                4
            } else {
                0
            }
        }
        Role::Link => {
            if has(&["link", "url"]) {
                10
            } else {
                0
            }
        }
        Role::PaymentStatus => {
            let words = has(&["plata", "plati", "payment", "paid", "fizet", "incas"]);
            let options_fit = t
                .enum_options()
                .iter()
                .any(|(_, label)| payment_state_of(label).is_some());
            match (words, options_fit) {
                (true, true) => 12,
                (false, true) => 8,
                (true, false) if matches!(t, FieldType::Enum { .. }) => 6,
                _ => 0,
            }
        }
        Role::Pdf => {
            if has(&["pdf"]) || invoice {
                10
            } else {
                3
            }
        }
        Role::Error => {
            if has(&["eroare", "error", "hiba", "mesaj", "message"]) {
                10
            } else {
                0
            }
        }
    };
    if base == 0 {
        0
    } else {
        base + if smartbill { 5 } else { 0 }
    }
}

/// How well the values seen in a field fit a role.
fn value_score(role: Role, t: &FieldType, values: &[String]) -> u32 {
    let any = |f: fn(&str) -> bool| values.iter().any(|v| f(v));
    let all = |f: fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
    match role {
        Role::InvoiceNumber if all(looks_like_invoice_number) => 20,
        Role::Link if any(|v| looks_like_url(v) && v.to_ascii_lowercase().contains("smartbill")) => 20,
        Role::Link if all(looks_like_url) => 12,
        Role::Link if matches!(t, FieldType::Url) => 8,
        Role::PaymentStatus if all(|v| payment_state_of(v).is_some()) => 10,
        Role::Pdf if any(looks_like_url) => 3,
        Role::Error if any(looks_like_message) => 12,
        _ => 0,
    }
}

/// The numbers of the fields the MiniCRM "Smart Bill" extension adds together (minicrm-api.md
/// §5): around its payment-status enum, the one field whose options are payment states.
fn group(schema: &Schema) -> Option<(u64, u64)> {
    let center = schema
        .iter()
        .filter(|(name, t)| {
            matches!(t, FieldType::Enum { .. })
                && !SYSTEM.contains(&name.as_str())
                && t.enum_options()
                    .iter()
                    .filter(|(_, l)| payment_state_of(l).is_some())
                    .count()
                    >= 2
        })
        .find_map(|(name, _)| auto_id(name))?;
    Some((center.saturating_sub(6), center + 6))
}

/// A field's score for a role: its name, the values seen in it, its type, and whether it is one
/// of the five fields added together. 0 when nothing speaks for it.
fn score(role: Role, name: &str, t: &FieldType, samples: &Samples, group: Option<(u64, u64)>) -> u32 {
    if !compatible(role, t) || SYSTEM.contains(&name) {
        return 0;
    }
    let values = samples.get(name).map(Vec::as_slice).unwrap_or(&[]);
    // Values that fit another role speak against this one.
    let mismatch = match role {
        Role::InvoiceNumber => values.iter().any(|v| looks_like_url(v) || looks_like_message(v)),
        Role::Error => values
            .iter()
            .any(|v| looks_like_invoice_number(v) || looks_like_url(v)),
        Role::Link => values.iter().any(|v| !looks_like_url(v)),
        _ => false,
    };
    if mismatch {
        return 0;
    }
    let by_name = name_score(role, name, t);
    let by_value = value_score(role, t, values);
    let in_group = group.is_some_and(|(lo, hi)| auto_id(name).is_some_and(|id| (lo..=hi).contains(&id)));
    if by_name == 0 && by_value == 0 && !in_group {
        return 0;
    }
    // Without names or values, the group's text fields are told apart by size: the number is
    // short, the error message long.
    let size = match (role, t) {
        (Role::InvoiceNumber, FieldType::Text { max: Some(m) }) if *m <= 255 => 2,
        (Role::Error, FieldType::Text { max }) if max.is_none_or(|m| m >= 4000) => 2,
        (Role::Link, FieldType::Url) => 2,
        (Role::Link, FieldType::Text { max: Some(m) }) if (512..4000).contains(m) => 1,
        _ => 0,
    };
    by_name + by_value + if in_group { 5 } else { 0 } + size
}

/// Fields of the schema that can hold a role, best first.
pub fn candidates(schema: &Schema, role: Role, samples: &Samples) -> Vec<String> {
    let g = group(schema);
    let mut scored: Vec<(u32, usize, &String)> = schema
        .iter()
        .enumerate()
        .filter(|(_, (name, t))| compatible(role, t) && !SYSTEM.contains(&name.as_str()))
        .map(|(i, (name, t))| (score(role, name, t, samples, g), i, name))
        .collect();
    crate::platform::sort_short_by(&mut scored, |a, b| (b.0, a.1) < (a.0, b.1));
    scored.into_iter().map(|(_, _, n)| n.clone()).collect()
}

/// The best field for each role, each field used once: the strongest (role, field) pairs first.
pub fn suggest(schema: &Schema, samples: &Samples) -> FieldMap {
    let g = group(schema);
    let mut pairs: Vec<(u32, usize, Role, &String)> = Vec::new();
    for role in ROLES {
        for (i, (name, t)) in schema.iter().enumerate() {
            let s = score(role, name, t, samples, g);
            if s > 0 {
                pairs.push((s, i, role, name));
            }
        }
    }
    // Best score first; on a tie the earlier field (the extension adds them in order).
    crate::platform::sort_short_by(&mut pairs, |a, b| (b.0, a.1) < (a.0, b.1));
    let mut map = FieldMap::default();
    let mut used: Vec<&String> = Vec::new();
    for (_, _, role, name) in pairs {
        if map.get(role).is_some() || used.contains(&name) {
            continue;
        }
        used.push(name);
        map.set(role, Some(name.clone()));
    }
    map
}

/// The module's statuses (`StatusId` enum): (id, label).
pub fn statuses(schema: &Schema) -> Vec<(String, String)> {
    schema
        .iter()
        .find(|(n, _)| n == "StatusId")
        .map(|(_, t)| t.enum_options().to_vec())
        .unwrap_or_default()
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PaymentState {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    Unpaid,
    PartlyPaid,
    Paid,
    Cancelled,
    Reversed,
}

impl PaymentState {
    /// Its name as it is written (serde's, `camelCase`).
    pub fn key(self) -> &'static str {
        match self {
            PaymentState::Unpaid => "unpaid",
            PaymentState::PartlyPaid => "partlyPaid",
            PaymentState::Paid => "paid",
            PaymentState::Cancelled => "cancelled",
            PaymentState::Reversed => "reversed",
        }
    }
}

/// Recognises a payment-status label ("Neîncasată", "Încasată parțial", "Paid", "Fizetve", …).
pub fn payment_state_of(label: &str) -> Option<PaymentState> {
    let f = fold(label);
    let has = |w: &[&str]| w.iter().any(|x| f.contains(x));
    if has(&["storn", "reversed", "creditnote"]) {
        Some(PaymentState::Reversed)
    } else if has(&["anulat", "cancel", "torolt", "sztorno"]) {
        Some(PaymentState::Cancelled)
    } else if has(&["partial", "reszben", "partly"]) {
        Some(PaymentState::PartlyPaid)
    } else if has(&[
        "neincas",
        "neplat",
        "unpaid",
        "notpaid",
        "nincsfizetve",
        "fizetetlen",
        "nefizet",
        "restant",
    ]) {
        Some(PaymentState::Unpaid)
    } else if has(&["incasat", "platit", "paid", "fizetve", "kifizetve", "achitat"]) {
        Some(PaymentState::Paid)
    } else {
        None
    }
}

/// The value to write for a payment state: the enum option's label, or a Romanian text for a
/// Text field. `None` when the enum has no matching option.
pub fn payment_value(schema: &Schema, field: &str, state: PaymentState) -> Option<String> {
    let t = schema.iter().find(|(n, _)| n == field).map(|(_, t)| t)?;
    match t {
        FieldType::Enum { options } => options
            .iter()
            .find(|(_, label)| payment_state_of(label) == Some(state))
            .map(|(_, l)| l.clone()),
        _ => Some(
            match state {
                PaymentState::Unpaid => "Neîncasată",
                PaymentState::PartlyPaid => "Încasată parțial",
                PaymentState::Paid => "Încasată",
                PaymentState::Cancelled => "Anulată",
                PaymentState::Reversed => "Stornată",
            }
            .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(json: serde_json::Value) -> Schema {
        let text = serde_json::to_vec(&json).unwrap();
        crate::minicrm::schema_of(&crate::platform::from_json(&text).unwrap())
    }

    fn offers_schema() -> Schema {
        schema(serde_json::json!({
            "Id": "Int", "Name": "Text(512)",
            "StatusId": {"3001": "Ofertă în pregătire", "3003": "Acceptată"},
            "Text1911": "Text(512)",
            "Enum1907": {"1": "Facebook", "2": "Recomandare"},
            "SmartBillInvoiceNumber": "Text(255)",
            "SmartBillInvoiceLink": "Text(1024)",
            "SmartBillPaymentStatus": {"4101": "Neîncasată", "4102": "Încasată parțial", "4103": "Încasată", "4104": "Anulată", "4105": "Stornată"},
            "SmartBillInvoicePdf": "File(10MB)",
            "SmartBillErrorMessage": "Text(4096)"
        }))
    }

    #[test]
    fn suggests_every_role_from_names_and_types() {
        let m = suggest(&offers_schema(), &Samples::new());
        assert_eq!(m.invoice_number.as_deref(), Some("SmartBillInvoiceNumber"));
        assert_eq!(m.link.as_deref(), Some("SmartBillInvoiceLink"));
        assert_eq!(m.payment_status.as_deref(), Some("SmartBillPaymentStatus"));
        assert_eq!(m.pdf.as_deref(), Some("SmartBillInvoicePdf"));
        assert_eq!(m.error.as_deref(), Some("SmartBillErrorMessage"));
        assert!(m.missing(&offers_schema()).is_empty());
    }

    #[test]
    fn suggests_romanian_names_too() {
        let s = schema(serde_json::json!({
            "NumarFacturaSmartBill": "Text(255)", "LinkSmartBill": "Text(1024)",
            "StarePlataSmartBill": {"4201": "Neîncasată", "4203": "Încasată"},
            "FacturaPdfSmartBill": "File(10MB)", "MesajEroareSmartBill": "Text(4096)", "Text2000": "Text(255)"
        }));
        let m = suggest(&s, &Samples::new());
        assert_eq!(m.invoice_number.as_deref(), Some("NumarFacturaSmartBill"));
        assert_eq!(m.payment_status.as_deref(), Some("StarePlataSmartBill"));
        assert_eq!(m.pdf.as_deref(), Some("FacturaPdfSmartBill"));
        assert_eq!(m.error.as_deref(), Some("MesajEroareSmartBill"));
        assert_eq!(m.link.as_deref(), Some("LinkSmartBill"));
    }

    /// The tenant of the second shape: type-and-id names only, different on each module, the
    /// link a `Url` field on offers and a `Text` one on orders.
    fn type_id_schema(link_type: &str, base: u64) -> Schema {
        let mut m = serde_json::Map::new();
        let mut put = |k: String, v: serde_json::Value| {
            m.insert(k, v);
        };
        put("Id".into(), "Int".into());
        put("Name".into(), "Text(512)".into());
        put(
            "StatusId".into(),
            serde_json::json!({"3001": "Ofertă în pregătire", "3003": "Acceptată"}),
        );
        put("Text1911".into(), "Text(512)".into());
        put(
            "Enum1907".into(),
            serde_json::json!({"1": "Facebook", "2": "Recomandare"}),
        );
        put(format!("Text{}", base + 1), "Text(255)".into());
        put(
            format!("{link_type}{}", base + 2),
            if link_type == "Url" { "Url" } else { "Text(1024)" }.into(),
        );
        put(
            format!("Enum{}", base + 3),
            serde_json::json!({"9101": "Neîncasată", "9102": "Încasată parțial", "9103": "Încasată", "9104": "Anulată", "9105": "Stornată"}),
        );
        put(format!("File{}", base + 4), "File(10MB)".into());
        put(format!("Text{}", base + 5), "Text(4096)".into());
        schema(serde_json::Value::Object(m))
    }

    #[test]
    fn suggests_roles_on_a_tenant_with_type_and_id_names_only() {
        // From recent cards' values.
        let mut samples = Samples::new();
        samples.insert("Text2201".into(), vec!["FCT 0118".into()]);
        samples.insert(
            "Url2202".into(),
            vec!["https://cloud.smartbill.ro/documente/editare/factura/20301/".into()],
        );
        samples.insert("Enum2203".into(), vec!["Încasată".into()]);
        samples.insert(
            "Text2205".into(),
            vec!["Seria nu a fost gasita! Folositi o serie creata in contul de cloud.".into()],
        );
        let s = type_id_schema("Url", 2200);
        let m = suggest(&s, &samples);
        assert_eq!(m.invoice_number.as_deref(), Some("Text2201"));
        assert_eq!(m.link.as_deref(), Some("Url2202"));
        assert_eq!(m.payment_status.as_deref(), Some("Enum2203"));
        assert_eq!(m.pdf.as_deref(), Some("File2204"));
        assert_eq!(m.error.as_deref(), Some("Text2205"));
        // Without any value yet (a new tenant): types, sizes and the group decide.
        let s = type_id_schema("Text", 3300);
        let m = suggest(&s, &Samples::new());
        assert_eq!(m.invoice_number.as_deref(), Some("Text3301"));
        assert_eq!(m.link.as_deref(), Some("Text3302"));
        assert_eq!(m.payment_status.as_deref(), Some("Enum3303"));
        assert_eq!(m.pdf.as_deref(), Some("File3304"));
        assert_eq!(m.error.as_deref(), Some("Text3305"));
        assert!(m.missing(&s).is_empty());
        // An unrelated text field of the module is never taken.
        assert!(!candidates(&s, Role::Error, &Samples::new()).is_empty());
        assert_ne!(m.error.as_deref(), Some("Text1911"));
    }

    #[test]
    fn reports_missing_fields() {
        let s = schema(serde_json::json!({"Name": "Text(512)", "Text1911": "Text(512)"}));
        let m = suggest(&s, &Samples::new());
        assert_eq!(m.missing(&s).len(), 5);
        let mut stale = suggest(&offers_schema(), &Samples::new());
        stale.pdf = Some("Gone".into());
        assert_eq!(stale.missing(&offers_schema()), vec![Role::Pdf]);
    }

    #[test]
    fn a_saved_choice_of_another_module_gives_way_to_the_suggestion() {
        let offers = suggest(&offers_schema(), &Samples::new());
        let orders = schema(serde_json::json!({
            "Text3301": "Text(255)", "Text3302": "Text(255)", "Enum3303": {"Type": "Enum"},
        }));
        let mut saved = offers.clone();
        saved.error = Some("Text3302".into());
        let suggestion = FieldMap {
            invoice_number: Some("Text3301".into()),
            ..FieldMap::default()
        };
        let chosen = saved.or_suggested(&orders, &suggestion);
        assert_eq!(chosen.invoice_number.as_deref(), Some("Text3301"));
        assert_eq!(
            chosen.error.as_deref(),
            Some("Text3302"),
            "a fitting saved choice stays"
        );
        assert_eq!(
            offers.or_suggested(&offers_schema(), &FieldMap::default()),
            offers
        );
    }

    #[test]
    fn payment_labels() {
        assert_eq!(payment_state_of("Neîncasată"), Some(PaymentState::Unpaid));
        assert_eq!(
            payment_state_of("Încasată parțial"),
            Some(PaymentState::PartlyPaid)
        );
        assert_eq!(payment_state_of("Încasată"), Some(PaymentState::Paid));
        assert_eq!(payment_state_of("Stornată"), Some(PaymentState::Reversed));
        assert_eq!(payment_state_of("Fizetve"), Some(PaymentState::Paid));
        assert_eq!(payment_state_of("Facebook"), None);
        let s = offers_schema();
        assert_eq!(
            payment_value(&s, "SmartBillPaymentStatus", PaymentState::PartlyPaid).as_deref(),
            Some("Încasată parțial")
        );
        assert_eq!(statuses(&s).len(), 2);
        assert_eq!(
            candidates(&s, Role::Pdf, &Samples::new()),
            vec!["SmartBillInvoicePdf".to_string()]
        );
    }
}
