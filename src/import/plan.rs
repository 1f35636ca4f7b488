//! What to write to MiniCRM for one candidate, given what MiniCRM already holds: pure.
//!
//! Mapping (minicrm-api.md §2.4, §2.5, §6.1): a company is `Type: Business` with `Name`,
//! `VatNumber` (CIF digits), `EUVatNumber` (`RO` + digits, VAT payers only), `RegistrationNumber`,
//! `Email`, `Phone`, `BankAccount` and the custom fields that exist (client code, bank); its
//! address is a separate record (`CountryId` is a country *name*, `County`, `City`, `PostalCode`,
//! `Address`); a contact person becomes a `Person` linked with `BusinessId`. An individual
//! (CNP) becomes a `Person` with the CNP in `VatNumber`, its name split family name first
//! ([`split_family_first`]). A company of another EU state keeps its VAT code whole, in
//! `VatNumber` as the export gives it and in `EUVatNumber` compact. Fields missing from the account's schema
//! are left out and named. Empty cells never clear what MiniCRM has.

use crate::platform::SortedMap;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rows::{name_key, Candidate, Kind};
use crate::text::fold;

/// The field names of `GET /Api/R3/Schema/Business` and `/Schema/Person`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SchemaInfo {
    pub business: Vec<String>,
    pub person: Vec<String>,
}

impl SchemaInfo {
    fn has(&self, kind: Kind, field: &str) -> bool {
        let list = if kind == Kind::Individual {
            &self.person
        } else {
            &self.business
        };
        list.iter().any(|f| f == field)
    }

    /// A custom company field whose name says it holds SmartBill's client code
    /// (`CodClientSmartBill`, `CodClient`, `ClientCode`, `UgyfelKod`).
    pub fn client_code_field(&self) -> Option<&str> {
        self.business
            .iter()
            .find(|f| {
                let f = fold(f);
                f.contains("codclient") || f.contains("clientcode") || f.contains("ugyfelkod")
            })
            .map(String::as_str)
    }

    /// A custom company field for the bank's name (`Banca`, `BankName`, `NumeBanca`).
    pub fn bank_field(&self) -> Option<&str> {
        self.business
            .iter()
            .find(|f| {
                matches!(
                    fold(f).as_str(),
                    "banca" | "bank" | "bankname" | "numebanca" | "bancaclient"
                )
            })
            .map(String::as_str)
    }
}

/// What MiniCRM holds for a matched contact (read in the match phase).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Existing {
    pub contact_id: u64,
    /// The contact's fields as text (`GET /Api/R3/Contact/{id}`).
    pub fields: SortedMap<String, String>,
    /// The default address (or the first one), if any.
    pub address: Option<ExistingAddress>,
    /// Name keys ([`name_key`]) of the company's persons; read only when the row has a contact.
    pub persons: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExistingAddress {
    pub id: u64,
    pub fields: SortedMap<String, String>,
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportRowAction"))]
#[serde(rename_all = "camelCase")]
pub enum Action {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    Create,
    Update,
    Unchanged,
    /// Not imported: an error in the row.
    Invalid,
    /// The same company as an earlier row.
    Merged,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressPlan {
    /// `None`: create an address for the contact.
    pub id: Option<u64>,
    pub fields: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowPlan {
    pub action: Action,
    /// Fields of `PUT /Api/R3/Contact[/{id}]` (with `Type` on create); empty: nothing to write.
    pub contact: Map<String, Value>,
    pub address: Option<AddressPlan>,
    /// A person to create under the company (`BusinessId` is added when the company id is known).
    pub person: Option<Map<String, Value>>,
    /// MiniCRM field names this row has values for but the account's schema lacks.
    pub left_out: Vec<String>,
    /// Names of the fields that change (for the preview).
    pub changes: Vec<String>,
}

impl RowPlan {
    fn none(action: Action) -> RowPlan {
        RowPlan {
            action,
            contact: Map::new(),
            address: None,
            person: None,
            left_out: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// MiniCRM calls the execution of this plan takes.
    pub fn calls(&self) -> u32 {
        let contact = u32::from(!self.contact.is_empty());
        contact + u32::from(self.address.is_some()) + u32::from(self.person.is_some())
    }
}

/// A contact person as people type it, given name first: "Ion Popescu" → ("Ion", "Popescu");
/// one word → ("", word).
pub fn split_name(name: &str) -> (String, String) {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.split_last() {
        None => (String::new(), String::new()),
        Some((last, [])) => (String::new(), (*last).to_string()),
        Some((last, rest)) => (rest.join(" "), (*last).to_string()),
    }
}

/// An individual's name in a SmartBill export, written the Romanian official way, family name
/// first: "Popescu Ion Mihai" → ("Ion Mihai", "Popescu"), as (first name, last name). A family
/// name written in capitals wins wherever it stands ("Ion POPESCU" → ("Ion", "POPESCU")); one word
/// → ("", word).
pub fn split_family_first(name: &str) -> (String, String) {
    let words: Vec<&str> = name.split_whitespace().collect();
    let capitals = |w: &str| {
        w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && w.chars().all(|c| !c.is_lowercase())
    };
    let caps: Vec<usize> = (0..words.len()).filter(|&i| capitals(words[i])).collect();
    let family = match caps.as_slice() {
        [i] if words.len() > 1 => *i,
        _ => 0,
    };
    match words.get(family) {
        None => (String::new(), String::new()),
        Some(last) => {
            let first: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != family)
                .map(|(_, w)| *w)
                .collect();
            (first.join(" "), (*last).to_string())
        }
    }
}

fn vat_norm(s: &str) -> String {
    let up: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    up.strip_prefix("RO").map(str::to_string).unwrap_or(up)
}

fn phone_norm(s: &str) -> String {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    // "+40 21 312 4567" and "0213124567" are the same number.
    digits[digits.len().saturating_sub(9)..].to_string()
}

/// Are a file value and a MiniCRM value the same, for this field?
pub fn same(field: &str, want: &str, have: &str) -> bool {
    match field {
        "VatNumber" | "EUVatNumber" => vat_norm(want) == vat_norm(have),
        "Email" => want.trim().eq_ignore_ascii_case(have.trim()),
        "Phone" => phone_norm(want) == phone_norm(have) && !phone_norm(want).is_empty(),
        "BankAccount" => {
            let n = |s: &str| crate::text::upper(&s.split_whitespace().collect::<String>());
            n(want) == n(have)
        }
        "CountryId" => fold(want) == fold(have),
        _ => {
            let n = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            n(want) == n(have)
        }
    }
}

/// The contact fields the file gives for a candidate, as (MiniCRM field, value), non-empty only.
pub fn desired_contact(c: &Candidate, schema: &SchemaInfo) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            out.push((k.to_string(), v.to_string()));
        }
    };
    match c.kind {
        Some(Kind::Individual) => {
            let (first, last) = split_family_first(&c.name);
            push("FirstName", &first);
            push("LastName", &last);
            push("VatNumber", &c.vat);
        }
        _ => {
            push("Name", &c.name);
            push("VatNumber", &c.vat);
            if c.vat_payer && c.kind == Some(Kind::Company) {
                push("EUVatNumber", &format!("RO{}", c.vat));
            } else if c.kind == Some(Kind::Foreign) && !c.eu_vat.is_empty() {
                // Another EU state's VAT code is its EU VAT number, prefix and all.
                push("EUVatNumber", &c.eu_vat);
            } else if c.vat_payer && c.kind == Some(Kind::Foreign) {
                push("EUVatNumber", &c.vat);
            }
            push("RegistrationNumber", &c.reg_com);
        }
    }
    push("Email", &c.email);
    push("Phone", &c.phone);
    push("BankAccount", &c.iban);
    if c.kind != Some(Kind::Individual) {
        match schema.client_code_field() {
            Some(f) => push(f, &c.client_code),
            None => push("CodClientSmartBill", &c.client_code),
        }
        match schema.bank_field() {
            Some(f) => push(f, &c.bank),
            None => push("Banca", &c.bank),
        }
    }
    out
}

fn desired_address(c: &Candidate) -> Vec<(&'static str, String)> {
    if c.address.is_empty() {
        return Vec::new();
    }
    let a = &c.address;
    [
        ("CountryId", &a.country),
        ("County", &a.county),
        ("City", &a.city),
        ("PostalCode", &a.postal_code),
        ("Address", &a.street),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect()
}

/// The address fields to write: all of them for a new address, the differing ones otherwise;
/// `None` when nothing is to be written.
fn plan_address(c: &Candidate, existing: Option<&Existing>) -> Option<AddressPlan> {
    let address = desired_address(c);
    if address.is_empty() {
        return None;
    }
    let current = existing.and_then(|e| e.address.as_ref());
    let mut fields = Map::new();
    for (k, v) in &address {
        let have = current
            .and_then(|a| a.fields.get(*k))
            .map(String::as_str)
            .unwrap_or("");
        if current.is_none() || !same(k, v, have) {
            fields.insert((*k).to_string(), Value::String(v.clone()));
        }
    }
    if fields.is_empty() {
        return None;
    }
    if current.is_none() {
        // The address record the documents use (§2.5): the default one.
        fields.insert("Default".into(), Value::from(1));
    }
    Some(AddressPlan {
        id: current.map(|a| a.id),
        fields,
    })
}

/// The company's contact person to create, unless MiniCRM already has one by that name.
fn plan_person(c: &Candidate, kind: Kind, existing: Option<&Existing>) -> Option<Map<String, Value>> {
    if kind == Kind::Individual || c.contact.trim().is_empty() {
        return None;
    }
    let key = name_key(&c.contact);
    if existing.is_some_and(|e| e.persons.contains(&key)) {
        return None;
    }
    let (first, last) = split_name(&c.contact);
    let mut p = Map::new();
    p.insert("Type".into(), Value::String("Person".into()));
    if !first.is_empty() {
        p.insert("FirstName".into(), Value::String(first));
    }
    p.insert("LastName".into(), Value::String(last));
    Some(p)
}

/// Plans one candidate. `existing` is `None` when MiniCRM has no such contact.
pub fn plan_row(c: &Candidate, existing: Option<&Existing>, schema: &SchemaInfo) -> RowPlan {
    if !c.valid() {
        return RowPlan::none(Action::Invalid);
    }
    if c.merged() {
        return RowPlan::none(Action::Merged);
    }
    let kind = c.kind.unwrap_or(Kind::Company);
    let mut plan = RowPlan::none(Action::Unchanged);
    for (field, value) in desired_contact(c, schema) {
        if !schema.has(kind, &field) {
            plan.left_out.push(field);
            continue;
        }
        let have = existing
            .and_then(|e| e.fields.get(&field))
            .map(String::as_str)
            .unwrap_or("");
        if existing.is_some() && (same(&field, &value, have) || (field == "Name" && !have.is_empty())) {
            // The name in MiniCRM is the user's: matched by CIF, it is not renamed.
            continue;
        }
        plan.changes.push(field.clone());
        plan.contact.insert(field, Value::String(value));
    }
    if let Some(address) = plan_address(c, existing) {
        plan.changes.push("Address".into());
        plan.address = Some(address);
    }
    if let Some(person) = plan_person(c, kind, existing) {
        plan.changes.push("Person".into());
        plan.person = Some(person);
    }
    plan.action = match existing {
        None => {
            plan.contact.insert(
                "Type".into(),
                Value::String(
                    if kind == Kind::Individual {
                        "Person"
                    } else {
                        "Business"
                    }
                    .into(),
                ),
            );
            Action::Create
        }
        Some(_) if plan.calls() > 0 => Action::Update,
        Some(_) => Action::Unchanged,
    };
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::rows::AddressData;

    fn schema() -> SchemaInfo {
        SchemaInfo {
            business: [
                "Name",
                "Email",
                "Phone",
                "VatNumber",
                "EUVatNumber",
                "RegistrationNumber",
                "BankAccount",
                "CodClientSmartBill",
            ]
            .map(String::from)
            .to_vec(),
            person: ["FirstName", "LastName", "Email", "Phone", "VatNumber"]
                .map(String::from)
                .to_vec(),
        }
    }

    fn alfa() -> Candidate {
        Candidate {
            row: 2,
            kind: Some(Kind::Company),
            key: Some("cif:18547290".into()),
            name: "Alfa SRL".into(),
            vat: "18547290".into(),
            vat_payer: true,
            reg_com: "J40/1/2020".into(),
            email: "office@alfa.ro".into(),
            phone: "0213124567".into(),
            client_code: "C001".into(),
            bank: "BT".into(),
            contact: "Ion Popescu".into(),
            address: AddressData {
                country: "Romania".into(),
                county: "Cluj".into(),
                city: "Cluj-Napoca".into(),
                postal_code: "400001".into(),
                street: "Str. A 1".into(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn new_company() {
        let p = plan_row(&alfa(), None, &schema());
        assert_eq!(p.action, Action::Create);
        assert_eq!(p.contact["Type"], "Business");
        assert_eq!(p.contact["EUVatNumber"], "RO18547290");
        assert_eq!(p.contact["CodClientSmartBill"], "C001");
        assert_eq!(p.left_out, vec!["Banca".to_string()]);
        let a = p.address.as_ref().expect("address");
        assert_eq!(a.id, None);
        assert_eq!(a.fields["CountryId"], "Romania");
        let person = p.person.as_ref().expect("person");
        assert_eq!(person["FirstName"], "Ion");
        assert_eq!(person["LastName"], "Popescu");
        assert_eq!(p.calls(), 3);
    }

    #[test]
    fn individuals_are_split_family_name_first() {
        assert_eq!(
            split_family_first("Popescu Ion"),
            ("Ion".into(), "Popescu".into())
        );
        assert_eq!(
            split_family_first("Ionescu Maria Elena"),
            ("Maria Elena".into(), "Ionescu".into())
        );
        assert_eq!(
            split_family_first("Popescu-Tăriceanu Călin"),
            ("Călin".into(), "Popescu-Tăriceanu".into())
        );
        assert_eq!(
            split_family_first("Ion POPESCU"),
            ("Ion".into(), "POPESCU".into())
        );
        assert_eq!(split_family_first("Popescu"), (String::new(), "Popescu".into()));
        assert_eq!(split_family_first("  "), (String::new(), String::new()));
        // A contact person is written given name first, as people type it.
        assert_eq!(split_name("Ion Popescu"), ("Ion".into(), "Popescu".into()));

        let person = Candidate {
            row: 3,
            kind: Some(Kind::Individual),
            key: Some("cnp:1850315224515".into()),
            name: "Popescu Ion".into(),
            vat: "1850315224515".into(),
            ..Default::default()
        };
        let p = plan_row(&person, None, &schema());
        assert_eq!(p.contact["Type"], "Person");
        assert_eq!(p.contact["LastName"], "Popescu");
        assert_eq!(p.contact["FirstName"], "Ion");
        assert_eq!(p.contact["VatNumber"], "1850315224515");
    }

    #[test]
    fn a_foreign_eu_vat_code_is_kept_whole() {
        let hu = Candidate {
            row: 4,
            kind: Some(Kind::Foreign),
            key: Some("vat:HU12345678".into()),
            name: "Budapest Kft".into(),
            vat: "HU 12345678".into(),
            eu_vat: "HU12345678".into(),
            ..Default::default()
        };
        let p = plan_row(&hu, None, &schema());
        assert_eq!(p.contact["VatNumber"], "HU 12345678", "as the export gives it");
        assert_eq!(p.contact["EUVatNumber"], "HU12345678");
        // The same code in MiniCRM, written another way: unchanged.
        let mut fields = SortedMap::new();
        fields.insert("Name".to_string(), "Budapest Kft".to_string());
        fields.insert("VatNumber".to_string(), "HU12345678".to_string());
        fields.insert("EUVatNumber".to_string(), "hu 12345678".to_string());
        let existing = Existing {
            contact_id: 9,
            fields,
            ..Default::default()
        };
        assert_eq!(
            plan_row(&hu, Some(&existing), &schema()).action,
            Action::Unchanged
        );
    }

    #[test]
    fn unchanged_and_edited() {
        let c = alfa();
        let mut fields = SortedMap::new();
        for (k, v) in [
            ("Name", "ALFA S.R.L."),
            ("VatNumber", "RO18547290"),
            ("EUVatNumber", "RO 18547290"),
            ("RegistrationNumber", "J40/1/2020"),
            ("Email", "Office@alfa.ro"),
            ("Phone", "+40 21 312 4567"),
            ("CodClientSmartBill", "C001"),
        ] {
            fields.insert(k.to_string(), v.to_string());
        }
        let mut addr = SortedMap::new();
        for (k, v) in [
            ("CountryId", "România"),
            ("County", "Cluj"),
            ("City", "Cluj-Napoca"),
            ("PostalCode", "400001"),
            ("Address", "Str. A 1"),
        ] {
            addr.insert(k.to_string(), v.to_string());
        }
        let existing = Existing {
            contact_id: 7,
            fields,
            address: Some(ExistingAddress { id: 3, fields: addr }),
            persons: vec![name_key("Popescu Ion")],
        };
        let p = plan_row(&c, Some(&existing), &schema());
        assert_eq!(p.action, Action::Unchanged, "{p:?}");
        let mut edited = c.clone();
        edited.address.street = "Str. B 2".into();
        edited.phone = "0722000111".into();
        let p = plan_row(&edited, Some(&existing), &schema());
        assert_eq!(p.action, Action::Update);
        assert_eq!(p.contact.len(), 1);
        assert_eq!(p.contact["Phone"], "0722000111");
        let a = p.address.expect("address");
        assert_eq!(a.id, Some(3));
        assert_eq!(a.fields.len(), 1);
    }
}
