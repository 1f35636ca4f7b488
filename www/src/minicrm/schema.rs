//! The tenant's configuration: modules (categories), their statuses, users, and the field schemas of
//! cards (Project), companies (Business) and persons (Person). This is account set-up, not demo data,
//! so it exists even when the sandbox starts without a seed.

use serde_json::{Map, Value};

/// A field's type, as `GET /Api/R3/Schema/...` prints it.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldKind {
    Int,
    Float,
    Boolean,
    DateTime,
    Date,
    /// `Text(n)`: at most n characters.
    Text(usize),
    /// `File(10MB)`: written as a URL, read as a download URL.
    File,
    /// `Url`: a link (a text that must be an absolute http(s) URL under the strict reading).
    Url,
    /// A dropdown: option id → label. Option ids are global numbers.
    Enum(Vec<(u64, String)>),
}

impl FieldKind {
    /// The schema value: a type string, or the `{ "<optionId>": "<label>" }` map for enums.
    pub fn schema_value(&self) -> Value {
        match self {
            FieldKind::Int => Value::from("Int"),
            FieldKind::Float => Value::from("Float"),
            FieldKind::Boolean => Value::from("Boolean"),
            FieldKind::DateTime => Value::from("DateTime"),
            FieldKind::Date => Value::from("Date"),
            FieldKind::Text(n) => Value::from(format!("Text({n})")),
            FieldKind::File => Value::from("File(10MB)"),
            FieldKind::Url => Value::from("Url"),
            FieldKind::Enum(options) => enum_map(options),
        }
    }

    /// A short type name for the UI endpoints.
    pub fn type_name(&self) -> String {
        match self {
            FieldKind::Enum(_) => "Enum".to_string(),
            other => other.schema_value().as_str().unwrap_or("").to_string(),
        }
    }
}

pub fn enum_map(options: &[(u64, String)]) -> Value {
    let mut m = Map::new();
    for (id, label) in options {
        m.insert(id.to_string(), Value::from(label.clone()));
    }
    Value::Object(m)
}

/// A writable field: registered name (case-sensitive, as the API uses it) and its UI label (Romanian).
#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
}

impl FieldDef {
    pub fn new(name: &str, label: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            name: name.to_string(),
            label: label.to_string(),
            kind,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusGroup {
    Lead,
    Open,
    Success,
    Failed,
}

impl StatusGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusGroup::Lead => "Lead",
            StatusGroup::Open => "Open",
            StatusGroup::Success => "Success",
            StatusGroup::Failed => "Failed",
        }
    }

    pub fn parse(s: &str) -> Option<StatusGroup> {
        match s {
            "Lead" => Some(StatusGroup::Lead),
            "Open" => Some(StatusGroup::Open),
            "Success" => Some(StatusGroup::Success),
            "Failed" => Some(StatusGroup::Failed),
            _ => None,
        }
    }
}

/// The documented order lifecycle. An order card's status maps onto exactly one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderPhase {
    Draft,
    InProgress,
    Completed,
    Paid,
    Failed,
}

/// The order transition endpoints (`/Api/Order/{id}/<Transition>`) and what they allow.
pub const ORDER_TRANSITIONS: [(&str, &[OrderPhase], OrderPhase); 5] = [
    ("Finalize", &[OrderPhase::Draft], OrderPhase::InProgress),
    ("Edit", &[OrderPhase::InProgress], OrderPhase::Draft),
    ("Complete", &[OrderPhase::InProgress], OrderPhase::Completed),
    (
        "Paid",
        &[OrderPhase::Completed, OrderPhase::Failed],
        OrderPhase::Paid,
    ),
    (
        "Storno",
        &[OrderPhase::Completed, OrderPhase::Paid],
        OrderPhase::Failed,
    ),
];

/// The transition that moves an order from `from` to `to`, if one exists.
pub fn transition_between(from: OrderPhase, to: OrderPhase) -> Option<&'static str> {
    ORDER_TRANSITIONS
        .iter()
        .find(|(_, sources, target)| *target == to && sources.contains(&from))
        .map(|(name, _, _)| *name)
}

#[derive(Clone, Debug)]
pub struct StatusDef {
    pub id: u64,
    pub label: String,
    pub group: StatusGroup,
    /// Set on the Orders module only.
    pub phase: Option<OrderPhase>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CategoryKind {
    Generic,
    Offer,
    Order,
}

impl CategoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CategoryKind::Generic => "Generic",
            CategoryKind::Offer => "Offer",
            CategoryKind::Order => "Order",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Category {
    pub id: u32,
    pub order_id: u32,
    pub name: String,
    pub kind: CategoryKind,
    pub statuses: Vec<StatusDef>,
    /// Custom fields of the module's cards, in the order the schema lists them.
    pub fields: Vec<FieldDef>,
}

impl Category {
    pub fn status(&self, id: u64) -> Option<&StatusDef> {
        self.statuses.iter().find(|s| s.id == id)
    }

    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub name: String,
}

/// The users of the tenant. The first one is the administrator who owns the API key; unknown
/// users in writes are silently replaced by them.
pub fn default_users() -> Vec<User> {
    vec![
        User {
            id: 39636,
            name: "Andrei Ionescu".to_string(),
        },
        User {
            id: 39637,
            name: "Maria Popa".to_string(),
        },
        User {
            id: 39638,
            name: "Radu Stan".to_string(),
        },
    ]
}

fn status(id: u64, label: &str, group: StatusGroup, phase: Option<OrderPhase>) -> StatusDef {
    StatusDef {
        id,
        label: label.to_string(),
        group,
        phase,
    }
}

fn options(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|(id, l)| (*id, l.to_string())).collect()
}

/// The labels of the SmartBill payment-status options, in option order.
pub const PAYMENT_STATUS_LABELS: [&str; 5] = [
    "Neîncasată",
    "Încasată parțial",
    "Încasată",
    "Anulată",
    "Stornată",
];

/// The field names the SmartBill extension adds to a module, [INF]: the real names are not public
/// (minicrm-api.md §5 "Their registered API names are therefore unknown").
#[derive(Clone, Copy, Debug)]
pub struct SmartBillFields {
    pub invoice_number: &'static str,
    pub link: &'static str,
    /// The link's type: `Text(1024)` or `Url`.
    pub link_is_url: bool,
    pub payment_status: &'static str,
    pub pdf: &'static str,
    pub error: &'static str,
    /// The first option id of the payment-status enum (the others follow).
    pub first_option: u64,
}

/// The default shape: readable registered names, different on the two modules.
pub const OFFER_SB_FIELDS: SmartBillFields = SmartBillFields {
    invoice_number: "SmartBillInvoiceNumber",
    link: "SmartBillInvoiceLink",
    link_is_url: false,
    payment_status: "SmartBillPaymentStatus",
    pdf: "SmartBillInvoicePdf",
    error: "SmartBillErrorMessage",
    first_option: 4101,
};

pub const ORDER_SB_FIELDS: SmartBillFields = SmartBillFields {
    invoice_number: "NumarFacturaSmartBill",
    link: "LinkSmartBill",
    link_is_url: false,
    payment_status: "StarePlataSmartBill",
    pdf: "FacturaPdfSmartBill",
    error: "MesajEroareSmartBill",
    first_option: 4201,
};

/// The `typeIds` shape: auto names `<Type><id>` only (minicrm-api.md §3), other ids on each
/// module, and the link a `Url` on offers but a `Text` on orders.
pub const OFFER_SB_FIELDS_TYPE_IDS: SmartBillFields = SmartBillFields {
    invoice_number: "Text2201",
    link: "Url2202",
    link_is_url: true,
    payment_status: "Enum2203",
    pdf: "File2204",
    error: "Text2205",
    first_option: 5101,
};

pub const ORDER_SB_FIELDS_TYPE_IDS: SmartBillFields = SmartBillFields {
    invoice_number: "Text3301",
    link: "Text3302",
    link_is_url: false,
    payment_status: "Enum3303",
    pdf: "File3304",
    error: "Text3305",
    first_option: 5201,
};

/// The SmartBill fields of the Offers and Orders modules in a tenant shape.
pub fn sb_fields(shape: crate::seed::TenantShape) -> (SmartBillFields, SmartBillFields) {
    match shape {
        crate::seed::TenantShape::Default => (OFFER_SB_FIELDS, ORDER_SB_FIELDS),
        crate::seed::TenantShape::TypeIds => (OFFER_SB_FIELDS_TYPE_IDS, ORDER_SB_FIELDS_TYPE_IDS),
    }
}

fn smartbill_fields(f: &SmartBillFields) -> Vec<FieldDef> {
    let opts: Vec<(u64, String)> = PAYMENT_STATUS_LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| (f.first_option + i as u64, l.to_string()))
        .collect();
    let link_kind = if f.link_is_url {
        FieldKind::Url
    } else {
        FieldKind::Text(1024)
    };
    vec![
        FieldDef::new(f.invoice_number, "Numărul facturii", FieldKind::Text(255)),
        FieldDef::new(f.link, "Link", link_kind),
        FieldDef::new(f.payment_status, "Stare de plată", FieldKind::Enum(opts)),
        FieldDef::new(f.pdf, "Factura .pdf", FieldKind::File),
        FieldDef::new(f.error, "Mesaj de eroare", FieldKind::Text(4096)),
    ]
}

/// The modules of a tenant shape (they differ only in the SmartBill fields).
pub fn categories(shape: crate::seed::TenantShape) -> Vec<Category> {
    let (offer_sb, order_sb) = sb_fields(shape);
    use OrderPhase as P;
    use StatusGroup as G;
    let lead_source = options(&[
        (2671, "Recomandare"),
        (2672, "Site web"),
        (2673, "Facebook"),
        (2674, "Târg"),
    ]);
    let mut offer_fields = vec![
        FieldDef::new("Text1911", "Observații", FieldKind::Text(512)),
        FieldDef::new(
            "Enum1907",
            "Sursa clientului",
            FieldKind::Enum(lead_source.clone()),
        ),
        FieldDef::new("Float1910", "Discount negociat (%)", FieldKind::Float),
        FieldDef::new("Int1909", "Valabilitate (zile)", FieldKind::Int),
    ];
    offer_fields.extend(smartbill_fields(&offer_sb));
    let mut order_fields = vec![
        FieldDef::new("Text1951", "Adresă de livrare", FieldKind::Text(1024)),
        FieldDef::new(
            "Enum1952",
            "Metodă de livrare",
            FieldKind::Enum(options(&[
                (2681, "Curier"),
                (2682, "Ridicare personală"),
                (2683, "Transport propriu"),
            ])),
        ),
        FieldDef::new("Int1953", "Număr colete", FieldKind::Int),
        FieldDef::new("DateTime1954", "Dată livrare", FieldKind::DateTime),
    ];
    order_fields.extend(smartbill_fields(&order_sb));
    vec![
        Category {
            id: crate::seed::SALES_CATEGORY,
            order_id: 1,
            name: "Vânzări".to_string(),
            kind: CategoryKind::Generic,
            statuses: vec![
                status(2501, "Lead nou", G::Lead, None),
                status(2502, "Contactat", G::Lead, None),
                status(2503, "Ofertare", G::Open, None),
                status(2504, "Câștigat", G::Success, None),
                status(2505, "Pierdut", G::Failed, None),
            ],
            fields: vec![
                FieldDef::new("Enum1221", "Sursa clientului", FieldKind::Enum(lead_source)),
                FieldDef::new("Int1107", "Valoare estimată (RON)", FieldKind::Int),
                FieldDef::new("Text1105", "Note", FieldKind::Text(4096)),
                FieldDef::new("File1103", "Documente", FieldKind::File),
            ],
        },
        Category {
            id: crate::seed::OFFERS_CATEGORY,
            order_id: 2,
            name: "Oferte".to_string(),
            kind: CategoryKind::Offer,
            statuses: vec![
                status(3001, "Ofertă în pregătire", G::Open, None),
                status(3002, "Trimisă clientului", G::Open, None),
                status(3003, "Acceptată", G::Success, None),
                status(3004, "Respinsă", G::Failed, None),
                status(3005, "Anulată", G::Failed, None),
            ],
            fields: offer_fields,
        },
        Category {
            id: crate::seed::ORDERS_CATEGORY,
            order_id: 3,
            name: "Comenzi".to_string(),
            kind: CategoryKind::Order,
            statuses: vec![
                status(3101, "Ciornă", G::Lead, Some(P::Draft)),
                status(3102, "În lucru", G::Open, Some(P::InProgress)),
                status(3103, "Finalizată", G::Success, Some(P::Completed)),
                status(3104, "Plătită", G::Success, Some(P::Paid)),
                status(3105, "Stornată", G::Failed, Some(P::Failed)),
            ],
            fields: order_fields,
        },
    ]
}

/// Writable company fields (Schema/Business), in schema order. `EmailType`/`PhoneType` are write-only.
pub fn default_business_fields() -> Vec<FieldDef> {
    vec![
        FieldDef::new("Name", "Denumire", FieldKind::Text(1000)),
        FieldDef::new("Email", "E-mail", FieldKind::Text(128)),
        FieldDef::new("EmailType", "Tip e-mail", FieldKind::Text(1024)),
        FieldDef::new("Phone", "Telefon", FieldKind::Text(128)),
        FieldDef::new("PhoneType", "Tip telefon", FieldKind::Text(1024)),
        FieldDef::new("Description", "Descriere", FieldKind::Text(4096)),
        FieldDef::new("Url", "Site web", FieldKind::Text(1024)),
        FieldDef::new("VatNumber", "CUI/CIF", FieldKind::Text(255)),
        FieldDef::new("EUVatNumber", "Cod TVA UE", FieldKind::Text(255)),
        FieldDef::new("RegistrationNumber", "Nr. Reg. Com.", FieldKind::Text(255)),
        FieldDef::new("BankAccount", "Cont bancar (IBAN)", FieldKind::Text(255)),
        FieldDef::new("Swift", "SWIFT", FieldKind::Text(128)),
        FieldDef::new("Industry", "Domeniu de activitate", FieldKind::Text(255)),
        FieldDef::new("Region", "Regiune", FieldKind::Text(255)),
        FieldDef::new("CodClientSmartBill", "Cod client SmartBill", FieldKind::Text(255)),
    ]
}

/// Writable person fields (Schema/Person), in schema order.
pub fn default_person_fields() -> Vec<FieldDef> {
    vec![
        FieldDef::new("FirstName", "Prenume", FieldKind::Text(255)),
        FieldDef::new("LastName", "Nume", FieldKind::Text(255)),
        FieldDef::new("Email", "E-mail", FieldKind::Text(128)),
        FieldDef::new("EmailType", "Tip e-mail", FieldKind::Text(1024)),
        FieldDef::new("Phone", "Telefon", FieldKind::Text(128)),
        FieldDef::new("PhoneType", "Tip telefon", FieldKind::Text(1024)),
        FieldDef::new("Description", "Descriere", FieldKind::Text(4096)),
        FieldDef::new("Position", "Funcție", FieldKind::Text(255)),
        FieldDef::new("VatNumber", "CNP / CIF", FieldKind::Text(255)),
        FieldDef::new("BankAccount", "Cont bancar (IBAN)", FieldKind::Text(255)),
        FieldDef::new("Swift", "SWIFT", FieldKind::Text(128)),
        FieldDef::new("Url", "Site web", FieldKind::Text(1024)),
    ]
}

/// Fields that are part of the object but never written by clients (ignored on writes).
pub const WRITE_ONLY_CONTACT_FIELDS: [&str; 2] = ["EmailType", "PhoneType"];
