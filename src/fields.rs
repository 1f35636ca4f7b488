//! The five card fields the integration writes (invoice number, link, payment status, PDF, error
//! message) and the trigger statuses, found in `GET /Api/R3/Schema/Project/{CategoryId}`.
//!
//! Their registered names are not public (minicrm-api.md §5): the "Smart Bill" extension of the
//! Oferte/Comenzi module adds them, so we suggest each role from the field names and types and
//! let the user confirm or change it.

use serde::{Deserialize, Serialize};

use crate::minicrm::{FieldType, Schema};
use crate::text::fold;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
        Role::InvoiceNumber | Role::Link | Role::Error => matches!(t, FieldType::Text { .. }),
        Role::PaymentStatus => matches!(t, FieldType::Enum { .. } | FieldType::Text { .. }),
        Role::Pdf => matches!(t, FieldType::File),
    }
}

/// How well a field name fits a role (0 = not at all). Names are folded (case, diacritics,
/// punctuation) and matched against Romanian, English and Hungarian words.
fn score(role: Role, name: &str, t: &FieldType) -> u32 {
    if !compatible(role, t) || SYSTEM.contains(&name) {
        return 0;
    }
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

/// Fields of the schema that can hold a role, best first.
pub fn candidates(schema: &Schema, role: Role) -> Vec<String> {
    let mut scored: Vec<(u32, usize, &String)> = schema
        .iter()
        .enumerate()
        .filter(|(_, (name, t))| compatible(role, t) && !SYSTEM.contains(&name.as_str()))
        .map(|(i, (name, t))| (score(role, name, t), i, name))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, n)| n.clone()).collect()
}

/// The best field for each role, each field used once.
pub fn suggest(schema: &Schema) -> FieldMap {
    let mut map = FieldMap::default();
    let mut used: Vec<String> = Vec::new();
    // The most specific roles first.
    for role in [
        Role::PaymentStatus,
        Role::Pdf,
        Role::Link,
        Role::Error,
        Role::InvoiceNumber,
    ] {
        let best = schema
            .iter()
            .filter(|(name, _)| !used.contains(name))
            .map(|(name, t)| (score(role, name, t), name))
            .filter(|(s, _)| *s > 0)
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        if let Some((_, name)) = best {
            used.push(name.clone());
            map.set(role, Some(name.clone()));
        }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PaymentState {
    Unpaid,
    PartlyPaid,
    Paid,
    Cancelled,
    Reversed,
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
        json.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), FieldType::parse(v)))
            .collect()
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
        let m = suggest(&offers_schema());
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
        let m = suggest(&s);
        assert_eq!(m.invoice_number.as_deref(), Some("NumarFacturaSmartBill"));
        assert_eq!(m.payment_status.as_deref(), Some("StarePlataSmartBill"));
        assert_eq!(m.pdf.as_deref(), Some("FacturaPdfSmartBill"));
        assert_eq!(m.error.as_deref(), Some("MesajEroareSmartBill"));
        assert_eq!(m.link.as_deref(), Some("LinkSmartBill"));
    }

    #[test]
    fn reports_missing_fields() {
        let s = schema(serde_json::json!({"Name": "Text(512)", "Text1911": "Text(512)"}));
        let m = suggest(&s);
        assert_eq!(m.missing(&s).len(), 5);
        let mut stale = suggest(&offers_schema());
        stale.pdf = Some("Gone".into());
        assert_eq!(stale.missing(&offers_schema()), vec![Role::Pdf]);
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
        assert_eq!(candidates(&s, Role::Pdf), vec!["SmartBillInvoicePdf".to_string()]);
    }
}
