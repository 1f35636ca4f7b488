//! **What the vendors document, and nothing more**: the single allow-list of the sandbox.
//!
//! For every endpoint the sandbox serves (service, method, path pattern) this file lists the
//! documented query parameters and body keys, each with a pointer into `shared/reference/`
//! (`minicrm-api.md §…`, `smartbill-api.md §…`, or the Swagger definition of
//! `smartbill-swagger-v1.json`). The fake services refuse anything else as the vendor does —
//! MiniCRM with HTTP 400 and a plain-text `<Ctx>: Unknown parameter 'X'.` (minicrm-api.md §1.6),
//! SmartBill with 400 `invalid_request_error` / `json_mapping_error` (smartbill-api.md §3.3(3)) —
//! and the `check-requests` binary judges the request log against the very same tables.
//!
//! The second half of the file is [`READINGS`]: the points where the reference is silent or
//! contradicts itself. The sandbox takes the least convenient reading for a client (`strict`)
//! unless switched to the other one (`lenient`), per point or all at once: the control API
//! (`POST /__control/readings`, or `readings` in the two settings routes) or, for a whole run,
//! `sandbox --readings lenient` / `SANDBOX_READINGS=lenient`. An entry of the allow-list may be
//! conditional on a reading (`lenient_only`): it is then accepted only under the lenient reading,
//! and the checker reports it, since a client cannot rely on it.

use serde_json::Value;

use crate::http::Service;

// ------------------------------------------------------------------------------------------
// Readings
// ------------------------------------------------------------------------------------------

/// A point where the reference is silent or contradicts itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reading {
    UnknownQuery,
    OfferListDrafts,
    DocumentListCardChanges,
    OfferDetailIds,
    DocumentsRateLimited,
    FileViaDocumentProject,
    ProjectListStrings,
    AuthFailureStatus,
    ProjectSearchExtraFilters,
    ProjectReferenceIdWrite,
    OrderTransitionsGet,
    UrlFieldValues,
    EmptyResults,
    ContactTypeLabels,
    PersonNameRule,
    LockoutStatus,
    RateWindow,
    SeriesNameCamelCase,
    BodyFieldsOutsideSwagger,
    InvoiceEstimatePaymentUrl,
    CifExactMatch,
    NumericStrings,
}

/// One silent or contradictory point, with the reference's words and both readings.
#[derive(Debug)]
pub struct Point {
    pub reading: Reading,
    /// The name used by the control API and `SANDBOX_READINGS`.
    pub key: &'static str,
    pub service: Service,
    pub question: &'static str,
    /// Where the reference says it.
    pub source: &'static str,
    /// The reference's own words.
    pub quote: &'static str,
    /// The default: the least convenient reading for a client.
    pub strict: &'static str,
    pub lenient: &'static str,
}

/// Every silent or contradictory point the sandbox can be switched on.
pub const READINGS: &[Point] = &[
    Point {
        reading: Reading::UnknownQuery,
        key: "unknownQuery",
        service: Service::MiniCrm,
        question: "An undocumented query parameter (both services).",
        source: "minicrm-api.md §1.6; smartbill-api.md is silent on query parameters",
        quote: "400 | Unknown/misspelled parameter, missing required parameter, or invalid value",
        strict: "refused: MiniCRM 400 `<Ctx>: Unknown parameter 'X'.`, SmartBill 400 invalid_request_error/json_mapping_error with `param` = X",
        lenient: "silently ignored (the endpoint answers as if it had not been sent)",
    },
    Point {
        reading: Reading::OfferListDrafts,
        key: "offerListDrafts",
        service: Service::MiniCrm,
        question: "Does `GET /Api/Offer/List` list un-issued (draft) offers?",
        source: "minicrm-api.md §2.9, §8",
        quote: "The docs contradict each other on whether un-issued offers are listed.",
        strict: "not listed (like orders: only issued documents)",
        lenient: "listed, with an empty `Number`",
    },
    Point {
        reading: Reading::DocumentListCardChanges,
        key: "documentListCardChanges",
        service: Service::MiniCrm,
        question: "Document lists: does a change of the card (status, card fields) count as a change of the document for `UpdatedSince` and the order?",
        source: "minicrm-api.md §2.9, §1.5",
        quote: "List: GET /Api/Offer/List[?Page=&UpdatedSince=2024-02-12 10:00&StatusGroup=…]; Ordering of document lists: most recently modified document first",
        strict: "only the document's own changes count (creation, order edits and transitions)",
        lenient: "a change of its card counts too",
    },
    Point {
        reading: Reading::OfferDetailIds,
        key: "offerDetailIds",
        service: Service::MiniCrm,
        question: "Does `GET /Api/Offer/{id}` carry `ProjectId` and `CustomerId`?",
        source: "minicrm-api.md §2.9",
        quote: "This GET example shows no ProjectId or CustomerId. The order GET has both. Expect them to be present [INF].",
        strict: "absent on offers (orders have both)",
        lenient: "present on offers too",
    },
    Point {
        reading: Reading::DocumentsRateLimited,
        key: "documentsRateLimited",
        service: Service::MiniCrm,
        question: "Do `/Api/Offer*` and `/Api/Order*` count against the 60 requests a minute?",
        source: "minicrm-api.md §1.3, §8",
        quote: "The manual does not state whether /Api/Offer and /Api/Order fall under the 60/min limit.",
        strict: "they count (429 beyond 60 a minute, shared with /Api/R3)",
        lenient: "they do not count",
    },
    Point {
        reading: Reading::FileViaDocumentProject,
        key: "fileViaDocumentProject",
        service: Service::MiniCrm,
        question: "Can a File field be written through `POST /Api/{Offer|Order}/{id}/Project`?",
        source: "minicrm-api.md §3, §8",
        quote: "For offer/order/invoice cards, the same presumably works via POST /Api/{Offer|Order|Invoice}/{id}/Project, or via PUT /Api/R3/Project/{cardProjectId} [INF].",
        strict: "refused with 400 `<Ctx>: The File field '<label>' cannot be set here.`; `PUT /Api/R3/Project/{cardId}` with the URL works (documented)",
        lenient: "accepted: the file is downloaded from the URL",
    },
    Point {
        reading: Reading::ProjectListStrings,
        key: "projectListStrings",
        service: Service::MiniCrm,
        question: "Card search results (`GET /Api/R3/Project?…`): numbers or strings?",
        source: "minicrm-api.md §2.3",
        quote: "The old help pages show all values as strings; the newer manual and live captures show numbers.",
        strict: "every value of a result item is a string (`\"Id\":\"1001\"`, `\"StatusId\":\"3002\"`)",
        lenient: "ids are JSON numbers",
    },
    Point {
        reading: Reading::AuthFailureStatus,
        key: "authFailureStatus",
        service: Service::MiniCrm,
        question: "Status of a refused login (bad SystemId/API key, or no API add-on).",
        source: "minicrm-api.md §1.1, §1.6",
        quote: "The manual labels this error \"404 - Unauthorized\" in its error table. This is probably 401 in practice [INF].",
        strict: "404 with the text `Unauthorized` (as the manual's table says)",
        lenient: "401 with the text `Unauthorized`",
    },
    Point {
        reading: Reading::ProjectSearchExtraFilters,
        key: "projectSearchExtraFilters",
        service: Service::MiniCrm,
        question: "Card search: `Query`, and system fields (`Name`, `ContactId`) as `<field>=<value>` filters.",
        source: "minicrm-api.md §2.3",
        quote: "Query | free text; used by nexly for Projects, documented only for Contacts [OBS]; any field name = value (example: ?Enum1221=Facebook)",
        strict: "refused as unknown parameters (only the listed filters and custom fields)",
        lenient: "`Query` (whole words), `Name` (part of the name) and `ContactId` filter",
    },
    Point {
        reading: Reading::ProjectReferenceIdWrite,
        key: "projectReferenceIdWrite",
        service: Service::MiniCrm,
        question: "Can `ReferenceId` be written on a card through `PUT /Api/R3/Project`?",
        source: "minicrm-api.md §2.3, §2.13",
        quote: "ReferenceId | external id; <Project Id> becomes the card's ReferenceId (XML sync)",
        strict: "refused (only the XML sync sets it)",
        lenient: "accepted",
    },
    Point {
        reading: Reading::OrderTransitionsGet,
        key: "orderTransitionsGet",
        service: Service::MiniCrm,
        question: "Order transitions (`/Api/Order/{id}/Finalize` …): POST only, or GET too?",
        source: "minicrm-api.md §2.10",
        quote: "Nexly's client sends these as GET [OBS]; the manual says POST.",
        strict: "POST only (GET gets 405)",
        lenient: "GET works too",
    },
    Point {
        reading: Reading::UrlFieldValues,
        key: "urlFieldValues",
        service: Service::MiniCrm,
        question: "What a field of type `Url` takes.",
        source: "minicrm-api.md §2.2 (type strings seen; `Url` is not among them)",
        quote: "Float, Date, etc. are probably also present [INF].",
        strict: "only an absolute http(s) URL (else 400 Invalid value)",
        lenient: "any text",
    },
    Point {
        reading: Reading::EmptyResults,
        key: "emptyResults",
        service: Service::MiniCrm,
        question: "An empty search or list: `Results` as `[]` or `{}`?",
        source: "minicrm-api.md §1.5",
        quote: "For an empty Invoice/List, a real tenant returned {\"Count\":0,\"Results\":[]}, i.e. an empty array [OBS].",
        strict: "`[]` for every empty search and list (R3 searches, AddressList, document lists)",
        lenient: "`{}` for the R3 searches and AddressList (document lists keep `[]`)",
    },
    Point {
        reading: Reading::ContactTypeLabels,
        key: "contactTypeLabels",
        service: Service::MiniCrm,
        question: "Contact create: localized `Type` labels (`Cég`, `Személy`)?",
        source: "minicrm-api.md §2.4",
        quote: "The Cheppers client sends the HU labels \"Cég\"/\"Személy\" [OBS]. So localized labels are probably accepted too [INF].",
        strict: "only `Business` and `Person`",
        lenient: "the Hungarian labels too",
    },
    Point {
        reading: Reading::PersonNameRule,
        key: "personNameRule",
        service: Service::MiniCrm,
        question: "Person create: which name is required?",
        source: "minicrm-api.md §2.4",
        quote: "The manual says \"at least first name or last name\"; another section says FirstName is required.",
        strict: "`FirstName` is required",
        lenient: "`FirstName` or `LastName`",
    },
    Point {
        reading: Reading::LockoutStatus,
        key: "lockoutStatus",
        service: Service::SmartBill,
        question: "Status while blocked for exceeding 30 calls / 10 s.",
        source: "smartbill-api.md §3.5",
        quote: "Status while blocked: old spec → 403 FORBIDDEN; new spec's V1 table → 429. No body example exists for either.",
        strict: "403 (also the status of \"no permission\" and of deleting a non-last document)",
        lenient: "429",
    },
    Point {
        reading: Reading::RateWindow,
        key: "rateWindow",
        service: Service::SmartBill,
        question: "30 calls per 10 s: counted in a sliding or a fixed window?",
        source: "smartbill-api.md §3.5, §6 item 2",
        quote: "Rate limiter per token: 30/10 s sliding or fixed window; on breach block 10 min",
        strict: "sliding: the 31st call within any 10 s blocks the token for 10 minutes",
        lenient: "fixed: a window starts at the first call after the previous one ended (`X-RateLimit-Reset` is its end)",
    },
    Point {
        reading: Reading::SeriesNameCamelCase,
        key: "seriesNameCamelCase",
        service: Service::SmartBill,
        question: "Query parameter `seriesName` (camelCase) instead of `seriesname`.",
        source: "smartbill-api.md §1.3; swagger #/parameters/SeriesName",
        quote: "the old spec's shared parameter is seriesName (camelCase) but its own URL templates and all official plugins, the Postman collection and the new spec use seriesname (lowercase)",
        strict: "only `seriesname`; `seriesName` is an unknown parameter",
        lenient: "both spellings",
    },
    Point {
        reading: Reading::BodyFieldsOutsideSwagger,
        key: "bodyFieldsOutsideSwagger",
        service: Service::SmartBill,
        question: "Body fields no definition of the official Swagger 2.0 has: `useSBProductName` (newer spec) and `discountTaxValue` (prose of fiscal receipts) on product lines, `email.to` (the reference's table), `showExchangeRate` (prose only), `ecommercePluginInfo` (plugins only).",
        source: "smartbill-api.md §2.1 ([D-new], [PLUGIN]); smartbill-swagger-v1.json",
        quote: "useSBProductName … [D-new][PLUGIN]; ecommercePluginInfo | object | no | sent only by official plugins; showExchangeRate | bool | no | old doc mentions it … absent from new spec",
        strict: "refused with 400 json_mapping_error \"Unrecognized property\"",
        lenient: "accepted",
    },
    Point {
        reading: Reading::InvoiceEstimatePaymentUrl,
        key: "invoiceEstimatePaymentUrl",
        service: Service::SmartBill,
        question: "`estimate.paymentUrl` in an invoice made from a proforma.",
        source: "smartbill-api.md §2.1, §3.3(3); swagger #/definitions/bazaProforma",
        quote: "estimate | object | with useEstimateDetails | {seriesName, number, useStock?} (also paymentUrl in old table); `param` may be a path like estimate.paymentUrl",
        strict: "refused (the new spec shows it rejected)",
        lenient: "accepted and ignored (the old table lists it)",
    },
    Point {
        reading: Reading::CifExactMatch,
        key: "cifExactMatch",
        service: Service::SmartBill,
        question: "Company CIF with or without the `RO` prefix.",
        source: "smartbill-api.md §1.3, §2.1",
        quote: "companyVatCode | string | yes | issuing company CIF exactly as in Cloud",
        strict: "exactly as registered (`RO18547290`); `18547290` gets 401 \"Firma … nu mai este disponibila in Cloud.\"",
        lenient: "the `RO` prefix is ignored when comparing",
    },
    Point {
        reading: Reading::NumericStrings,
        key: "numericStrings",
        service: Service::SmartBill,
        question: "A number sent as a JSON string (`\"quantity\": \"2\"`).",
        source: "smartbill-api.md §1.2, §3.3(3)",
        quote: "wrong-cased names … or misspelled names are reported … as 400 invalid_request_error/json_mapping_error; \"Could not map property: products[0].quantity.\"",
        strict: "400 json_mapping_error \"Could not map property\"",
        lenient: "a numeric string is read as the number",
    },
];

impl Reading {
    pub fn point(self) -> &'static Point {
        // Every variant has exactly one entry (see the test `every_reading_has_one_point`).
        READINGS
            .iter()
            .find(|p| p.reading == self)
            .unwrap_or(&READINGS[0])
    }

    pub fn key(self) -> &'static str {
        self.point().key
    }

    pub fn parse(key: &str) -> Option<Reading> {
        READINGS.iter().find(|p| p.key == key).map(|p| p.reading)
    }

    fn bit(self) -> u64 {
        1u64 << (self as u32)
    }
}

/// Which readings are switched to `lenient`; everything else is `strict`. Copy, so handlers take
/// it by value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readings(u64);

impl Readings {
    pub fn strict() -> Readings {
        Readings(0)
    }

    pub fn lenient() -> Readings {
        let mut r = Readings(0);
        for p in READINGS {
            r.set(p.reading, true);
        }
        r
    }

    pub fn is_lenient(self, r: Reading) -> bool {
        self.0 & r.bit() != 0
    }

    pub fn is_strict(self, r: Reading) -> bool {
        !self.is_lenient(r)
    }

    pub fn set(&mut self, r: Reading, lenient: bool) {
        if lenient {
            self.0 |= r.bit();
        } else {
            self.0 &= !r.bit();
        }
    }

    /// `strict`, `lenient`, or a comma-separated list applied from left to right: `strict`,
    /// `lenient`, `<key>` (that point lenient), `<key>=strict|lenient`.
    /// E.g. `lenient,unknownQuery=strict` or `offerListDrafts,lockoutStatus`.
    pub fn parse(spec: &str) -> Result<Readings, String> {
        let mut r = Readings::strict();
        for token in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match token {
                "strict" => r = Readings::strict(),
                "lenient" => r = Readings::lenient(),
                _ => {
                    let (key, value) = token.split_once('=').unwrap_or((token, "lenient"));
                    let reading =
                        Reading::parse(key.trim()).ok_or_else(|| format!("unknown reading '{key}'"))?;
                    match value.trim() {
                        "lenient" => r.set(reading, true),
                        "strict" => r.set(reading, false),
                        other => return Err(format!("'{other}' is neither strict nor lenient")),
                    }
                }
            }
        }
        Ok(r)
    }

    /// `strict`, `lenient`, or the keys of the lenient points (`"offerListDrafts,lockoutStatus"`).
    pub fn summary(self) -> String {
        if self == Readings::strict() {
            return "strict".into();
        }
        if self == Readings::lenient() {
            return "lenient".into();
        }
        READINGS
            .iter()
            .filter(|p| self.is_lenient(p.reading))
            .map(|p| p.key)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Applies `{"<key>": "strict"|"lenient"|true|false, "all": "strict"|"lenient"}` (true =
    /// lenient). Unknown keys are an error.
    pub fn apply_json(&mut self, v: &Value) -> Result<(), String> {
        let Some(map) = v.as_object() else {
            return match v.as_str() {
                Some(s) => Readings::parse(s).map(|r| *self = r),
                None => Err("readings: an object or a string".into()),
            };
        };
        if let Some(all) = map.get("all") {
            match all.as_str() {
                Some("strict") => *self = Readings::strict(),
                Some("lenient") => *self = Readings::lenient(),
                _ => return Err("all: \"strict\" or \"lenient\"".into()),
            }
        }
        for (key, value) in map.iter().filter(|(k, _)| k.as_str() != "all") {
            let reading = Reading::parse(key).ok_or_else(|| format!("unknown reading '{key}'"))?;
            let lenient = match value {
                Value::Bool(b) => *b,
                Value::String(s) if s == "lenient" => true,
                Value::String(s) if s == "strict" => false,
                _ => return Err(format!("{key}: \"strict\" or \"lenient\"")),
            };
            self.set(reading, lenient);
        }
        Ok(())
    }

    /// Every point with its reading in force, for `GET /__control/readings`.
    pub fn to_json(self, service: Option<Service>) -> Value {
        let items: Vec<Value> = READINGS
            .iter()
            .filter(|p| service.is_none_or(|s| s == p.service || p.reading == Reading::UnknownQuery))
            .map(|p| {
                serde_json::json!({
                    "key": p.key,
                    "service": p.service,
                    "reading": if self.is_lenient(p.reading) { "lenient" } else { "strict" },
                    "question": p.question,
                    "source": p.source,
                    "quote": p.quote,
                    "strict": p.strict,
                    "lenient": p.lenient,
                })
            })
            .collect();
        Value::Array(items)
    }
}

// ------------------------------------------------------------------------------------------
// The allow-list
// ------------------------------------------------------------------------------------------

/// A documented query parameter.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub source: &'static str,
    /// Accepted only when this reading is lenient.
    pub lenient_only: Option<Reading>,
}

/// Whose custom (schema) fields an object or a filter may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The card's module: the card of the URL (`/Api/R3/Project/{id}`), or the document's card
    /// (`/Api/{Offer|Order}/{id}/Project`).
    Card,
    /// The module named by `CategoryId` in the body (card create).
    NewCard,
    /// The Offers module (the `Project` block of an offer).
    OfferCard,
    /// The Orders module (the `Project` block of an order).
    OrderCard,
    /// Any module (card search filters).
    AnyCard,
    /// The company or person schema of the contact (by `Type` on create).
    Contact,
    /// Custom fields of companies and persons only (contact search filters, §2.4).
    ContactCustom,
    /// The tenant's product fields (`"<customField>": "…"`, §2.8).
    Product,
}

/// A JSON value's documented type (SmartBill types are checked, §1.2; MiniCRM values are checked
/// by the endpoint itself: `Val`).
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    Str,
    Num,
    Int,
    Bool,
    Date,
    /// Any JSON value.
    Any,
    /// Any value; the endpoint validates it (MiniCRM).
    Val,
    Obj(&'static Shape),
    /// An array of objects.
    Arr(&'static Shape),
    /// An object or an array of objects (`invoicesList`).
    ObjOrArr(&'static Shape),
}

/// A documented body key.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub ty: Ty,
    pub source: &'static str,
    pub lenient_only: Option<Reading>,
}

/// A documented object: its keys, plus the tenant's custom fields of `schema`.
#[derive(Debug)]
pub struct Shape {
    pub keys: &'static [Key],
    pub schema: Option<Scope>,
}

impl Shape {
    pub fn key(&self, name: &str, readings: Readings) -> Option<&'static Key> {
        self.keys
            .iter()
            .find(|k| k.name == name && k.lenient_only.is_none_or(|r| readings.is_lenient(r)))
    }
}

/// One endpoint: service, method, path pattern (`{id}` = one path segment), documented query
/// parameters, custom-field filters, body.
#[derive(Debug)]
pub struct Endpoint {
    pub service: Service,
    pub method: &'static str,
    pub path: &'static str,
    pub query: &'static [Param],
    /// `<FieldName>=<value>` filters on these custom fields.
    pub filters: Option<Scope>,
    pub body: Option<&'static Shape>,
    pub source: &'static str,
    /// The whole endpoint exists only under this lenient reading.
    pub lenient_only: Option<Reading>,
}

const fn q(name: &'static str, source: &'static str) -> Param {
    Param {
        name,
        source,
        lenient_only: None,
    }
}

const fn ql(name: &'static str, source: &'static str, r: Reading) -> Param {
    Param {
        name,
        source,
        lenient_only: Some(r),
    }
}

const fn k(name: &'static str, ty: Ty, source: &'static str) -> Key {
    Key {
        name,
        ty,
        source,
        lenient_only: None,
    }
}

const fn kl(name: &'static str, ty: Ty, source: &'static str, r: Reading) -> Key {
    Key {
        name,
        ty,
        source,
        lenient_only: Some(r),
    }
}

const fn ep(
    service: Service,
    method: &'static str,
    path: &'static str,
    query: &'static [Param],
    body: Option<&'static Shape>,
    source: &'static str,
) -> Endpoint {
    Endpoint {
        service,
        method,
        path,
        query,
        filters: None,
        body,
        source,
        lenient_only: None,
    }
}

/// MiniCRM (`minicrm-api.md`).
pub mod minicrm {
    use super::{k, kl, q, ql, Key, Param, Reading, Scope, Shape, Ty};

    const V: Ty = Ty::Val;
    const S23: &str = "minicrm-api.md §2.3";
    const S24: &str = "minicrm-api.md §2.4";
    const S25: &str = "minicrm-api.md §2.5";
    const S28: &str = "minicrm-api.md §2.8";
    const S29: &str = "minicrm-api.md §2.9";
    const S210: &str = "minicrm-api.md §2.10";
    const S63: &str = "minicrm-api.md §6.3";

    pub const CATEGORY_QUERY: &[Param] = &[q("Detailed", "minicrm-api.md §2.1")];

    /// `GET /Api/R3/Project?…` (§2.3): the filter table; custom fields via `filters`.
    pub const PROJECT_SEARCH: &[Param] = &[
        q("CategoryId", S23),
        q("StatusId", S23),
        q("StatusGroup", S23),
        q("UserId", S23),
        q("MainContactId", S23),
        q("ReferenceId", S23),
        q("UpdatedSince", S23),
        q("UpdatedAt", S23),
        q("Deleted", S23),
        q("Page", "minicrm-api.md §2.3, §1.5"),
        ql("Query", S23, Reading::ProjectSearchExtraFilters),
        ql("Name", S23, Reading::ProjectSearchExtraFilters),
        ql("ContactId", S23, Reading::ProjectSearchExtraFilters),
    ];

    /// The keys of a card (§2.3 Get, Create, Update, Trash); custom fields come from the schema.
    const PROJECT_KEYS: &[Key] = &[
        k("Id", V, S23),
        k("CategoryId", V, S23),
        k("ContactId", V, S23),
        k("StatusId", V, S23),
        k("UserId", V, S23),
        k("Name", V, S23),
        k("StatusUpdatedAt", V, S23),
        k("IsPrivate", V, S23),
        k("Invited", V, S23),
        k("Deleted", V, "minicrm-api.md §2.3 (trash / restore)"),
        k("CreatedBy", V, S23),
        k("CreatedAt", V, S23),
        k("UpdatedBy", V, S23),
        k("UpdatedAt", V, S23),
        k("BusinessId", V, "minicrm-api.md §2.3 (moving the card)"),
        k("ProjectHash", V, S23),
        k("ProjectEmail", V, S23),
        kl("ReferenceId", V, S23, Reading::ProjectReferenceIdWrite),
    ];

    pub const PROJECT_CREATE: Shape = Shape {
        keys: PROJECT_KEYS,
        schema: Some(Scope::NewCard),
    };

    pub const PROJECT_UPDATE: Shape = Shape {
        keys: PROJECT_KEYS,
        schema: Some(Scope::Card),
    };

    /// `GET /Api/R3/Contact?…` (§2.4); custom fields via `filters`.
    pub const CONTACT_SEARCH: &[Param] = &[
        q("Name", S24),
        q("Email", S24),
        q("Phone", S24),
        q("UpdatedSince", S24),
        q("Query", S24),
        q("MainContactId", S24),
        q("Page", "minicrm-api.md §2.4, §1.5"),
    ];

    /// The standard (non-custom) keys of companies and persons (§6.1, §6.2, §2.4).
    pub const STANDARD_CONTACT_KEYS: &[&str] = &[
        "Id",
        "Type",
        "Name",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "EmailType",
        "PhoneType",
        "Description",
        "Url",
        "VatNumber",
        "EUVatNumber",
        "RegistrationNumber",
        "GroupIdentificationNumber",
        "BankAccount",
        "Swift",
        "Industry",
        "Region",
        "Employees",
        "YearlyRevenue",
        "FoundingYear",
        "Capital",
        "MainActivity",
        "BisnodeTrafficLight",
        "NonGovernmentalOrganization",
        "Tags",
        "Deleted",
        "CreatedBy",
        "CreatedAt",
        "UpdatedBy",
        "UpdatedAt",
        "ParentId",
        "ReferenceId",
        "Position",
        "DataManagement_Consent",
        "BusinessId",
    ];

    const S6: &str = "minicrm-api.md §6.1, §6.2";

    const CONTACT_KEYS: &[Key] = &[
        k("Type", V, S24),
        k("BusinessId", V, S24),
        k("Id", V, S6),
        k("Name", V, S6),
        k("FirstName", V, S6),
        k("LastName", V, S6),
        k("Email", V, S6),
        k("Phone", V, S6),
        k("EmailType", V, "minicrm-api.md §6.1 [OBS]"),
        k("PhoneType", V, "minicrm-api.md §6.1 [OBS]"),
        k("Description", V, S6),
        k("Url", V, S6),
        k("VatNumber", V, S6),
        k("EUVatNumber", V, S6),
        k("RegistrationNumber", V, S6),
        k("GroupIdentificationNumber", V, S6),
        k("BankAccount", V, S6),
        k("Swift", V, S6),
        k("Industry", V, S6),
        k("Region", V, S6),
        k("Employees", V, S6),
        k("YearlyRevenue", V, S6),
        k("FoundingYear", V, S6),
        k("Capital", V, S6),
        k("MainActivity", V, S6),
        k("BisnodeTrafficLight", V, S6),
        k("NonGovernmentalOrganization", V, S6),
        k("Tags", V, S6),
        k("Deleted", V, S6),
        k("CreatedBy", V, S6),
        k("CreatedAt", V, S6),
        k("UpdatedBy", V, S6),
        k("UpdatedAt", V, S6),
        k("ParentId", V, S6),
        k("ReferenceId", V, "minicrm-api.md §6.1 (settable via the API)"),
        k("Position", V, S6),
        k("DataManagement_Consent", V, S6),
    ];

    pub const CONTACT: Shape = Shape {
        keys: CONTACT_KEYS,
        schema: Some(Scope::Contact),
    };

    pub const ADDRESS_LIST_QUERY: &[Param] = &[q("Structured", S25)];

    pub const ADDRESS: Shape = Shape {
        keys: &[
            k("ContactId", V, S25),
            k("Type", V, S25),
            k("Name", V, S25),
            k("CountryId", V, S25),
            k("County", V, S25),
            k("City", V, S25),
            k("PostalCode", V, S25),
            k("Address", V, S25),
            k("Default", V, S25),
            k("Id", V, S25),
            k("CreatedBy", V, S25),
            k("CreatedAt", V, S25),
            k("UpdatedBy", V, S25),
            k("UpdatedAt", V, S25),
        ],
        schema: None,
    };

    pub const PRODUCT: Shape = Shape {
        keys: &[
            k("Name", V, S28),
            k("SKU", V, S28),
            k("EAN", V, S28),
            k("FolderName", V, S28),
            k("VAT", V, S28),
            k("PriceNet", V, S28),
            k("CurrencyCode", V, S28),
            k("UnitName", V, S28),
            k("Quantity", V, S28),
            k("Warehouse_Name", V, S28),
            k("Description", V, S28),
            k("Deleted", V, S28),
        ],
        schema: Some(Scope::Product),
    };

    /// `Customer` of a document (§2.9 example, §2.10 example, §6.3).
    const CUSTOMER: Shape = Shape {
        keys: &[
            k("Name", V, S63),
            k("CountryId", V, S63),
            k("Country", V, "minicrm-api.md §6.3, §2.10 (create example)"),
            k("County", V, S63),
            k("PostalCode", V, S63),
            k("City", V, S63),
            k("Address", V, S63),
            k("AccountNumber", V, S63),
            k("VatNumber", V, S63),
            k("EUVatNumber", V, S63),
            k("RegistrationNumber", V, S63),
            k("GroupIdentificationNumber", V, S63),
        ],
        schema: None,
    };

    /// `Vendor` of an offer (§2.9 example, §6.3).
    const VENDOR: Shape = Shape {
        keys: &[
            k("Name", V, S63),
            k("CountryId", V, S63),
            k("Country", V, S63),
            k("County", V, S63),
            k("PostalCode", V, S63),
            k("City", V, S63),
            k("Address", V, S63),
            k("AccountNumber", V, S63),
            k("IBAN", V, S63),
            k("SWIFT", V, S63),
            k("VatNumber", V, S63),
            k("EUVatNumber", V, S63),
            k("GroupIdentificationNumber", V, S63),
            k("RegistrationNumber", V, S63),
            k("Miscellaneous", V, S63),
        ],
        schema: None,
    };

    /// `Items[]` of a document (§2.9, §2.10 examples; `Id` edits an order line).
    const ITEM: Shape = Shape {
        keys: &[
            k("Id", V, "minicrm-api.md §2.10 (edit an item)"),
            k("SKU", V, S29),
            k("EAN", V, S29),
            k("Name", V, S29),
            k("Description", V, S29),
            k("PriceNet", V, S29),
            k("Quantity", V, S29),
            k("Unit", V, S29),
            k("PriceNetTotal", V, S29),
            k("VAT", V, S29),
            k("VATSubtype", V, S29),
            k("PriceTotal", V, S29),
        ],
        schema: None,
    };

    /// `Project` of an offer: the card's custom fields and `StatusId` (§2.9 Get).
    const OFFER_PROJECT: Shape = Shape {
        keys: &[k("StatusId", V, S29)],
        schema: Some(Scope::OfferCard),
    };

    /// `Project` of an order: `Name` and the card's custom fields (§2.10 Get).
    const ORDER_PROJECT: Shape = Shape {
        keys: &[k("Name", V, S210)],
        schema: Some(Scope::OrderCard),
    };

    /// `POST /Api/Offer` (§2.9: "fields are the same as the GET below").
    pub const OFFER_CREATE: Shape = Shape {
        keys: &[
            k("CustomerId", V, S29),
            k("ReferenceId", V, S29),
            k("Id", V, S29),
            k("InvoicePadCounter", V, S29),
            k("Number", V, S29),
            k("Type", V, S29),
            k("InvoiceMode", V, S29),
            k("Media", V, S29),
            k("Language", V, S29),
            k("Customer", Ty::Obj(&CUSTOMER), S29),
            k("Vendor", Ty::Obj(&VENDOR), S29),
            k("ExtraData", V, S29),
            k("Subject", V, S29),
            k("PaymentMethod", V, S29),
            k("Issued", V, S29),
            k("Performance", V, S29),
            k("Prompt", V, S29),
            k("Paid", V, S29),
            k("CurrencyCode", V, S29),
            k("ConversionRate", V, S29),
            k("AmountNet", V, S29),
            k("AmountVat", V, S29),
            k("Amount", V, S29),
            k("VATMode", V, S29),
            k("Accounting", V, S29),
            k("DocumentId", V, S29),
            k("DocumentUrl", V, S29),
            k("Items", Ty::Arr(&ITEM), S29),
            k("Project", Ty::Obj(&OFFER_PROJECT), S29),
        ],
        schema: None,
    };

    /// `POST /Api/Order` and `POST /Api/Order/{id}` (§2.10 create example and Get).
    pub const ORDER: Shape = Shape {
        keys: &[
            k("CustomerId", V, S210),
            k("ReferenceId", V, S210),
            k("CurrencyCode", V, S210),
            k("Customer", Ty::Obj(&CUSTOMER), S210),
            k("Subject", V, S210),
            k("Items", Ty::Arr(&ITEM), S210),
            k("Id", V, S210),
            k("ProjectId", V, S210),
            k("Number", V, S210),
            k("InvoiceMode", V, S210),
            k("VendorGroupIdentificationNumber", V, S210),
            k("PaymentMethod", V, S210),
            k("Performance", V, S210),
            k("AmountNet", V, S210),
            k("AmountVat", V, S210),
            k("Amount", V, S210),
            k("Accounting", V, S210),
            k("OSS", V, S210),
            k("Project", Ty::Obj(&ORDER_PROJECT), S210),
        ],
        schema: None,
    };

    /// `POST /Api/{Offer|Order}/{id}/Project` (§2.9, §2.10, §3): `StatusId` and card fields.
    pub const DOCUMENT_PROJECT: Shape = Shape {
        keys: &[k("StatusId", V, "minicrm-api.md §2.9, §4.1")],
        schema: Some(Scope::Card),
    };

    pub const DOCUMENT_LIST: &[Param] = &[q("Page", S29), q("UpdatedSince", S29), q("StatusGroup", S29)];

    /// The order transitions (§2.10): "POST, no body".
    pub const NO_BODY: Shape = Shape {
        keys: &[],
        schema: None,
    };
}

/// SmartBill V1 (`smartbill-api.md`, `smartbill-swagger-v1.json`).
pub mod smartbill {
    use super::{k, kl, q, ql, Param, Reading, Shape, Ty};

    const SW_CLIENT: &str = "swagger #/definitions/client (smartbill-api.md §2.1)";
    const SW_DOC: &str = "swagger #/definitions/dateFacturare (smartbill-api.md §2.1)";
    const SW_PRODUCT: &str = "swagger #/definitions/dateProdus (smartbill-api.md §2.1)";
    const SW_DISCOUNT: &str = "swagger #/definitions/dateDiscount (smartbill-api.md §2.1)";
    const SW_PAYMENT: &str = "swagger exempluEmitere* payment (smartbill-api.md §2.8)";
    const OUTSIDE: Reading = Reading::BodyFieldsOutsideSwagger;

    /// Query keys of the documents addressed by series and number (§2.3–§2.8).
    pub const DOCUMENT_QUERY: &[Param] = &[
        q("cif", "smartbill-api.md §1.3; swagger #/parameters/Cif"),
        q(
            "seriesname",
            "smartbill-api.md §1.3 (URL templates, plugins, new spec)",
        ),
        q("number", "smartbill-api.md §1.3; swagger #/parameters/Number"),
        ql(
            "seriesName",
            "smartbill-api.md §1.3; swagger #/parameters/SeriesName",
            Reading::SeriesNameCamelCase,
        ),
    ];

    pub const CIF_ONLY: &[Param] = &[q("cif", "smartbill-api.md §1.3; swagger #/parameters/Cif")];

    pub const SERIES_QUERY: &[Param] = &[
        q("cif", "smartbill-api.md §2.11; swagger GET /series"),
        q("type", "smartbill-api.md §2.11; swagger GET /series"),
    ];

    pub const STOCKS_QUERY: &[Param] = &[
        q("cif", "smartbill-api.md §2.12; swagger GET /stocks"),
        q("date", "smartbill-api.md §2.12; swagger GET /stocks"),
        q(
            "warehouseName",
            "smartbill-api.md §2.12; swagger GET /stocks (description)",
        ),
        q(
            "productName",
            "smartbill-api.md §2.12; swagger GET /stocks (description)",
        ),
        q(
            "productCode",
            "smartbill-api.md §2.12; swagger GET /stocks (description)",
        ),
    ];

    pub const CLIENT: Shape = Shape {
        keys: &[
            k("name", Ty::Str, SW_CLIENT),
            k("vatCode", Ty::Str, SW_CLIENT),
            k("code", Ty::Str, SW_CLIENT),
            k("regCom", Ty::Str, SW_CLIENT),
            k("isTaxPayer", Ty::Bool, SW_CLIENT),
            k("address", Ty::Str, SW_CLIENT),
            k("city", Ty::Str, SW_CLIENT),
            k("county", Ty::Str, SW_CLIENT),
            k("country", Ty::Str, SW_CLIENT),
            k("email", Ty::Str, SW_CLIENT),
            k("phone", Ty::Str, SW_CLIENT),
            k("contact", Ty::Str, SW_CLIENT),
            k("bank", Ty::Str, SW_CLIENT),
            k("iban", Ty::Str, SW_CLIENT),
            k("saveToDb", Ty::Bool, SW_CLIENT),
        ],
        schema: None,
    };

    /// Product and discount lines share one schema (as the server's single DTO does): the
    /// Swagger's `dateProdus` and `dateDiscount`. `useSBProductName` (newer spec) and
    /// `discountTaxValue` (named in the prose of `POST /payment` for fiscal receipts, in no
    /// definition) only under the lenient reading of `bodyFieldsOutsideSwagger`.
    pub const PRODUCT: Shape = Shape {
        keys: &[
            k("name", Ty::Str, SW_PRODUCT),
            k("code", Ty::Str, SW_PRODUCT),
            k("productDescription", Ty::Str, SW_PRODUCT),
            k("translatedName", Ty::Str, SW_PRODUCT),
            k("translatedMeasuringUnit", Ty::Str, SW_PRODUCT),
            k("measuringUnitName", Ty::Str, SW_PRODUCT),
            k("currency", Ty::Str, SW_PRODUCT),
            k("quantity", Ty::Num, SW_PRODUCT),
            k("price", Ty::Num, SW_PRODUCT),
            k("isTaxIncluded", Ty::Bool, SW_PRODUCT),
            k("taxName", Ty::Str, SW_PRODUCT),
            k("taxPercentage", Ty::Num, SW_PRODUCT),
            k("exchangeRate", Ty::Num, SW_PRODUCT),
            k("saveToDb", Ty::Bool, SW_PRODUCT),
            k("warehouseName", Ty::Str, SW_PRODUCT),
            k("isService", Ty::Bool, SW_PRODUCT),
            k("isDiscount", Ty::Bool, SW_DISCOUNT),
            k("numberOfItems", Ty::Int, SW_DISCOUNT),
            k("discountType", Ty::Int, SW_DISCOUNT),
            k("discountPercentage", Ty::Num, SW_DISCOUNT),
            k("discountValue", Ty::Num, SW_DISCOUNT),
            kl(
                "useSBProductName",
                Ty::Bool,
                "smartbill-api.md §2.1 [D-new][PLUGIN]",
                OUTSIDE,
            ),
            kl(
                "discountTaxValue",
                Ty::Num,
                "smartbill-api.md §2.1 [D-old]; swagger POST /payment (prose only)",
                OUTSIDE,
            ),
        ],
        schema: None,
    };

    /// `estimate` inside an invoice body (swagger #/definitions/bazaProforma).
    pub const ESTIMATE_REF: Shape = Shape {
        keys: &[
            k("seriesName", Ty::Str, "swagger #/definitions/bazaProforma"),
            k("number", Ty::Str, "swagger #/definitions/bazaProforma"),
            k("useStock", Ty::Bool, "swagger #/definitions/bazaProforma"),
            kl(
                "paymentUrl",
                Ty::Str,
                "swagger #/definitions/bazaProforma; smartbill-api.md §3.3(3)",
                Reading::InvoiceEstimatePaymentUrl,
            ),
        ],
        schema: None,
    };

    pub const PAYMENT_AT_ISSUE: Shape = Shape {
        keys: &[
            k("value", Ty::Num, "swagger #/definitions/dateIncasare"),
            k("type", Ty::Str, "swagger #/definitions/dateIncasare"),
            k("paymentSeries", Ty::Str, "swagger #/definitions/dateIncasare"),
            k("isCash", Ty::Bool, "swagger #/definitions/dateIncasare"),
        ],
        schema: None,
    };

    pub const EMAIL: Shape = Shape {
        keys: &[
            k("cc", Ty::Str, SW_EMAIL),
            k("bcc", Ty::Str, SW_EMAIL),
            kl(
                "to",
                Ty::Str,
                "smartbill-api.md §2.1 (email {to, cc, bcc})",
                OUTSIDE,
            ),
        ],
        schema: None,
    };

    pub const PLUGIN_INFO: Shape = Shape {
        keys: &[
            k("platformName", Ty::Str, "smartbill-api.md §2.1 [PLUGIN]"),
            k("platformVersion", Ty::Str, "smartbill-api.md §2.1 [PLUGIN]"),
            k("sbPluginVersion", Ty::Str, "smartbill-api.md §2.1 [PLUGIN]"),
            k("details", Ty::Any, "smartbill-api.md §2.1 [PLUGIN]"),
        ],
        schema: None,
    };

    /// The keys of invoices and proformas, plus `$extra` (the invoice-only ones).
    macro_rules! document_keys {
        ($($extra:expr),* $(,)?) => {
            &[
                k("companyVatCode", Ty::Str, "swagger #/definitions/companyVatCode"),
                k("client", Ty::Obj(&CLIENT), SW_CLIENT),
                k("products", Ty::Arr(&PRODUCT), SW_PRODUCT),
                k("seriesName", Ty::Str, SW_DOC),
                k("issueDate", Ty::Date, SW_DOC),
                k("dueDate", Ty::Date, SW_DOC),
                k("deliveryDate", Ty::Date, SW_DOC),
                k("isDraft", Ty::Bool, SW_DOC),
                k("currency", Ty::Str, SW_DOC),
                k("exchangeRate", Ty::Num, SW_DOC),
                k("language", Ty::Str, SW_DOC),
                k("precision", Ty::Int, SW_DOC),
                k("issuerName", Ty::Str, SW_DOC),
                k("issuerCnp", Ty::Str, SW_DOC),
                k("delegateName", Ty::Str, SW_DOC),
                k("delegateIdentityCard", Ty::Str, SW_DOC),
                k("delegateAuto", Ty::Str, SW_DOC),
                k("aviz", Ty::Str, SW_DOC),
                k("mentions", Ty::Str, SW_DOC),
                k("observations", Ty::Str, SW_DOC),
                k("paymentUrl", Ty::Str, "swagger #/definitions/exempluFacturaCuLinkDePlata"),
                k("sendEmail", Ty::Bool, SW_EMAIL),
                k("email", Ty::Obj(&EMAIL), SW_EMAIL),
                k("useIntraCif", Ty::Bool, "swagger #/definitions/exempluFacturaCuCifIntracom"),
                kl("ecommercePluginInfo", Ty::Obj(&PLUGIN_INFO), "smartbill-api.md §2.1 [PLUGIN]", OUTSIDE),
                kl("showExchangeRate", Ty::Bool, "smartbill-api.md §2.1 [D-old] (swagger prose only)", OUTSIDE),
                $($extra,)*
            ]
        };
    }

    const SW_EMAIL: &str = "swagger #/definitions/exempluTrimitereaFacturiiClientuluiLaEmitere";

    /// `POST /invoice`, `/invoice/v2` (§2.1).
    pub const INVOICE: Shape = Shape {
        keys: document_keys![
            k("paymentDate", Ty::Date, SW_DOC),
            k("useStock", Ty::Bool, SW_DOC),
            k("useEstimateDetails", Ty::Bool, SW_DOC),
            k(
                "estimate",
                Ty::Obj(&ESTIMATE_REF),
                "swagger #/definitions/bazaProforma"
            ),
            k("usePaymentTax", Ty::Bool, SW_DOC),
            k("paymentBase", Ty::Num, SW_DOC),
            k("colectedTax", Ty::Num, SW_DOC),
            k("paymentTotal", Ty::Num, SW_DOC),
            k(
                "payment",
                Ty::Obj(&PAYMENT_AT_ISSUE),
                "swagger #/definitions/dateIncasare"
            ),
        ],
        schema: None,
    };

    /// `POST /estimate`, `/estimate/v2` (§2.2): the invoice body minus the invoice-only fields.
    pub const ESTIMATE: Shape = Shape {
        keys: document_keys![],
        schema: None,
    };

    pub const INVOICE_REF: Shape = Shape {
        keys: &[
            k("seriesName", Ty::Str, "swagger #/definitions/exempluInvoicesList"),
            k("number", Ty::Str, "swagger #/definitions/exempluInvoicesList"),
        ],
        schema: None,
    };

    /// `POST /payment` (§2.8).
    pub const PAYMENT: Shape = Shape {
        keys: &[
            k("companyVatCode", Ty::Str, SW_PAYMENT),
            k("type", Ty::Str, SW_PAYMENT),
            k(
                "client",
                Ty::Obj(&CLIENT),
                "swagger #/definitions/client (smartbill-api.md §2.8)",
            ),
            k("value", Ty::Num, SW_PAYMENT),
            k("issueDate", Ty::Date, SW_PAYMENT),
            k("seriesName", Ty::Str, SW_PAYMENT),
            k("isDraft", Ty::Bool, SW_PAYMENT),
            k("isCash", Ty::Bool, SW_PAYMENT),
            k("currency", Ty::Str, SW_PAYMENT),
            k("exchangeRate", Ty::Num, SW_PAYMENT),
            k("precision", Ty::Int, SW_PAYMENT),
            k("language", Ty::Str, SW_PAYMENT),
            k("text", Ty::Str, SW_PAYMENT),
            k("translatedText", Ty::Str, SW_PAYMENT),
            k("observation", Ty::Str, SW_PAYMENT),
            k("useInvoiceDetails", Ty::Bool, SW_PAYMENT),
            k(
                "invoicesList",
                Ty::ObjOrArr(&INVOICE_REF),
                "swagger #/definitions/exempluInvoicesList (smartbill-api.md §2.8)",
            ),
            k("issuerCnp", Ty::Str, SW_PAYMENT),
            k("products", Ty::Arr(&PRODUCT), SW_PAYMENT),
            k("useStock", Ty::Bool, SW_PAYMENT),
            k("number", Ty::Str, SW_PAYMENT),
            k("returnFiscalPrinterText", Ty::Bool, SW_PAYMENT),
            k("receivedCash", Ty::Num, SW_PAYMENT),
            k("receivedCard", Ty::Num, SW_PAYMENT),
            k("receivedTicheteMasa", Ty::Num, SW_PAYMENT),
            k("receivedTicheteCadou", Ty::Num, SW_PAYMENT),
            k("receivedOrdinDePlata", Ty::Num, SW_PAYMENT),
            k("receivedCec", Ty::Num, SW_PAYMENT),
            k("receivedCredit", Ty::Num, SW_PAYMENT),
            k("receivedCupon", Ty::Num, SW_PAYMENT),
            k("receivedPuncteDeFidelitate", Ty::Num, SW_PAYMENT),
            k("receivedBonuriValoareFixa", Ty::Num, SW_PAYMENT),
            k("receivedMonedaAlternativa", Ty::Num, SW_PAYMENT),
        ],
        schema: None,
    };

    /// `POST /invoice/reverse` (§2.6; swagger #/definitions/exempluFacturaStorno).
    pub const REVERSE: Shape = Shape {
        keys: &[
            k(
                "companyVatCode",
                Ty::Str,
                "swagger #/definitions/exempluFacturaStorno",
            ),
            k(
                "seriesName",
                Ty::Str,
                "swagger #/definitions/exempluFacturaStorno",
            ),
            k("number", Ty::Str, "swagger #/definitions/exempluFacturaStorno"),
            k(
                "issueDate",
                Ty::Date,
                "swagger #/definitions/exempluFacturaStorno",
            ),
        ],
        schema: None,
    };

    const SW_SEND: &str = "swagger #/definitions/exempluTrimitereEmail (smartbill-api.md §2.9)";

    /// `POST /document/send` (§2.9).
    pub const SEND: Shape = Shape {
        keys: &[
            k("companyVatCode", Ty::Str, SW_SEND),
            k("seriesName", Ty::Str, SW_SEND),
            k("number", Ty::Str, SW_SEND),
            k("type", Ty::Str, SW_SEND),
            k("to", Ty::Str, SW_SEND),
            k("cc", Ty::Str, SW_SEND),
            k("bcc", Ty::Str, SW_SEND),
            k("subject", Ty::Str, SW_SEND),
            k("bodyText", Ty::Str, SW_SEND),
        ],
        schema: None,
    };
}

use minicrm as mc;
use smartbill as sb;

const M: Service = Service::MiniCrm;
const B: Service = Service::SmartBill;

/// Every endpoint the sandbox serves, with what the reference documents for it.
pub const ENDPOINTS: &[Endpoint] = &[
    // ---- MiniCRM (minicrm-api.md) ----
    ep(
        M,
        "GET",
        "/Api/R3/Category",
        mc::CATEGORY_QUERY,
        None,
        "minicrm-api.md §2.1",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/Schema/Project/{id}",
        &[],
        None,
        "minicrm-api.md §2.2",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/Schema/Business",
        &[],
        None,
        "minicrm-api.md §2.2",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/Schema/Person",
        &[],
        None,
        "minicrm-api.md §2.2",
    ),
    Endpoint {
        filters: Some(Scope::AnyCard),
        ..ep(
            M,
            "GET",
            "/Api/R3/Project",
            mc::PROJECT_SEARCH,
            None,
            "minicrm-api.md §2.3 (Search)",
        )
    },
    ep(
        M,
        "PUT",
        "/Api/R3/Project",
        &[],
        Some(&mc::PROJECT_CREATE),
        "minicrm-api.md §2.3 (Create)",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/Project/{id}",
        &[],
        None,
        "minicrm-api.md §2.3 (Get)",
    ),
    ep(
        M,
        "PUT",
        "/Api/R3/Project/{id}",
        &[],
        Some(&mc::PROJECT_UPDATE),
        "minicrm-api.md §2.3 (Update), §3",
    ),
    Endpoint {
        filters: Some(Scope::ContactCustom),
        ..ep(
            M,
            "GET",
            "/Api/R3/Contact",
            mc::CONTACT_SEARCH,
            None,
            "minicrm-api.md §2.4 (Search)",
        )
    },
    ep(
        M,
        "PUT",
        "/Api/R3/Contact",
        &[],
        Some(&mc::CONTACT),
        "minicrm-api.md §2.4 (Create), §6",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/Contact/{id}",
        &[],
        None,
        "minicrm-api.md §2.4 (Get)",
    ),
    ep(
        M,
        "PUT",
        "/Api/R3/Contact/{id}",
        &[],
        Some(&mc::CONTACT),
        "minicrm-api.md §2.4 (Update), §6",
    ),
    ep(
        M,
        "PUT",
        "/Api/R3/Address",
        &[],
        Some(&mc::ADDRESS),
        "minicrm-api.md §2.5",
    ),
    ep(M, "GET", "/Api/R3/Address/{id}", &[], None, "minicrm-api.md §2.5"),
    ep(
        M,
        "PUT",
        "/Api/R3/Address/{id}",
        &[],
        Some(&mc::ADDRESS),
        "minicrm-api.md §2.5",
    ),
    ep(
        M,
        "GET",
        "/Api/R3/AddressList/{id}",
        mc::ADDRESS_LIST_QUERY,
        None,
        "minicrm-api.md §2.5",
    ),
    ep(
        M,
        "PUT",
        "/Api/R3/Product",
        &[],
        Some(&mc::PRODUCT),
        "minicrm-api.md §2.8",
    ),
    ep(
        M,
        "PUT",
        "/Api/R3/Product/{id}",
        &[],
        Some(&mc::PRODUCT),
        "minicrm-api.md §2.8",
    ),
    ep(
        M,
        "POST",
        "/Api/Offer",
        &[],
        Some(&mc::OFFER_CREATE),
        "minicrm-api.md §2.9 (Create)",
    ),
    ep(
        M,
        "GET",
        "/Api/Offer/List",
        mc::DOCUMENT_LIST,
        None,
        "minicrm-api.md §2.9 (List)",
    ),
    ep(
        M,
        "GET",
        "/Api/Offer/{id}",
        &[],
        None,
        "minicrm-api.md §2.9 (Get)",
    ),
    ep(
        M,
        "POST",
        "/Api/Offer/{id}/Project",
        &[],
        Some(&mc::DOCUMENT_PROJECT),
        "minicrm-api.md §2.9, §3",
    ),
    ep(
        M,
        "POST",
        "/Api/Order",
        &[],
        Some(&mc::ORDER),
        "minicrm-api.md §2.10 (Create)",
    ),
    ep(
        M,
        "GET",
        "/Api/Order/List",
        mc::DOCUMENT_LIST,
        None,
        "minicrm-api.md §2.10 (List)",
    ),
    ep(
        M,
        "GET",
        "/Api/Order/{id}",
        &[],
        None,
        "minicrm-api.md §2.10 (Get)",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}",
        &[],
        Some(&mc::ORDER),
        "minicrm-api.md §2.10 (Update)",
    ),
    ep(
        M,
        "GET",
        "/Api/Order/{id}/DeleteItem/{id}",
        &[],
        None,
        "minicrm-api.md §2.10",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Project",
        &[],
        Some(&mc::DOCUMENT_PROJECT),
        "minicrm-api.md §2.10, §3",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Finalize",
        &[],
        Some(&mc::NO_BODY),
        "minicrm-api.md §2.10",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Edit",
        &[],
        Some(&mc::NO_BODY),
        "minicrm-api.md §2.10",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Complete",
        &[],
        Some(&mc::NO_BODY),
        "minicrm-api.md §2.10",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Paid",
        &[],
        Some(&mc::NO_BODY),
        "minicrm-api.md §2.10",
    ),
    ep(
        M,
        "POST",
        "/Api/Order/{id}/Storno",
        &[],
        Some(&mc::NO_BODY),
        "minicrm-api.md §2.10",
    ),
    Endpoint {
        lenient_only: Some(Reading::OrderTransitionsGet),
        ..ep(
            M,
            "GET",
            "/Api/Order/{id}/Finalize",
            &[],
            None,
            "minicrm-api.md §2.10 [OBS]",
        )
    },
    Endpoint {
        lenient_only: Some(Reading::OrderTransitionsGet),
        ..ep(
            M,
            "GET",
            "/Api/Order/{id}/Edit",
            &[],
            None,
            "minicrm-api.md §2.10 [OBS]",
        )
    },
    Endpoint {
        lenient_only: Some(Reading::OrderTransitionsGet),
        ..ep(
            M,
            "GET",
            "/Api/Order/{id}/Complete",
            &[],
            None,
            "minicrm-api.md §2.10 [OBS]",
        )
    },
    Endpoint {
        lenient_only: Some(Reading::OrderTransitionsGet),
        ..ep(
            M,
            "GET",
            "/Api/Order/{id}/Paid",
            &[],
            None,
            "minicrm-api.md §2.10 [OBS]",
        )
    },
    Endpoint {
        lenient_only: Some(Reading::OrderTransitionsGet),
        ..ep(
            M,
            "GET",
            "/Api/Order/{id}/Storno",
            &[],
            None,
            "minicrm-api.md §2.10 [OBS]",
        )
    },
    // ---- SmartBill V1 (smartbill-api.md, smartbill-swagger-v1.json) ----
    ep(
        B,
        "POST",
        "/SBORO/api/invoice",
        &[],
        Some(&sb::INVOICE),
        "smartbill-api.md §2.1; swagger POST /invoice",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/invoice/v2",
        &[],
        Some(&sb::INVOICE),
        "smartbill-api.md §2.1 [D-new]",
    ),
    ep(
        B,
        "DELETE",
        "/SBORO/api/invoice",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger DELETE /invoice",
    ),
    ep(
        B,
        "PUT",
        "/SBORO/api/invoice/cancel",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger PUT /invoice/cancel",
    ),
    ep(
        B,
        "PUT",
        "/SBORO/api/invoice/restore",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger PUT /invoice/restore",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/invoice/reverse",
        &[],
        Some(&sb::REVERSE),
        "smartbill-api.md §2.6; swagger POST /invoice/reverse",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/invoice/pdf",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.3; swagger GET /invoice/pdf",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/invoice/paymentstatus",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.4; swagger GET /invoice/paymentstatus",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/estimate",
        &[],
        Some(&sb::ESTIMATE),
        "smartbill-api.md §2.2; swagger POST /estimate",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/estimate/v2",
        &[],
        Some(&sb::ESTIMATE),
        "smartbill-api.md §2.2 [D-new]",
    ),
    ep(
        B,
        "DELETE",
        "/SBORO/api/estimate",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger DELETE /estimate",
    ),
    ep(
        B,
        "PUT",
        "/SBORO/api/estimate/cancel",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger PUT /estimate/cancel",
    ),
    ep(
        B,
        "PUT",
        "/SBORO/api/estimate/restore",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.5; swagger PUT /estimate/restore",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/estimate/pdf",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.3; swagger GET /estimate/pdf",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/estimate/invoices",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.7; swagger GET /estimate/invoices",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/payment",
        &[],
        Some(&sb::PAYMENT),
        "smartbill-api.md §2.8; swagger POST /payment",
    ),
    ep(
        B,
        "DELETE",
        "/SBORO/api/payment/chitanta",
        sb::DOCUMENT_QUERY,
        None,
        "smartbill-api.md §2.8; swagger DELETE /payment/chitanta",
    ),
    ep(
        B,
        "POST",
        "/SBORO/api/document/send",
        &[],
        Some(&sb::SEND),
        "smartbill-api.md §2.9; swagger POST /document/send",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/series",
        sb::SERIES_QUERY,
        None,
        "smartbill-api.md §2.11; swagger GET /series",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/tax",
        sb::CIF_ONLY,
        None,
        "smartbill-api.md §2.10; swagger GET /tax",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/stocks",
        sb::STOCKS_QUERY,
        None,
        "smartbill-api.md §2.12; swagger GET /stocks",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/company/warehouses",
        sb::CIF_ONLY,
        None,
        "smartbill-api.md §2.13 [PLUGIN]",
    ),
    ep(
        B,
        "GET",
        "/SBORO/api/company/mu",
        sb::CIF_ONLY,
        None,
        "smartbill-api.md §2.13 [PLUGIN]",
    ),
];

fn normalise(path: &str) -> &str {
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

/// Whether a concrete path matches a pattern (`{id}` = any one segment).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut a = pattern.split('/');
    let mut b = normalise(path).split('/');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p == s || (p == "{id}" && !s.is_empty()) => {}
            _ => return false,
        }
    }
}

/// The documented endpoint for a request, if any (ignoring readings).
pub fn lookup(service: Service, method: &str, path: &str) -> Option<&'static Endpoint> {
    // Literal segments win over `{id}` (`/Api/Offer/List` before `/Api/Offer/{id}`).
    let candidates = ENDPOINTS.iter().filter(|e| {
        e.service == service && e.method.eq_ignore_ascii_case(method) && path_matches(e.path, path)
    });
    candidates.min_by_key(|e| e.path.matches("{id}").count())
}

/// What is not documented in one request.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// No such endpoint (or only under a lenient reading: then it names it).
    Endpoint(Option<Reading>),
    /// A query parameter (and the reading that would accept it, if any).
    Query(String, Option<Reading>),
    /// A body key path (`Items[].Foo`, `Customer.X`), and the reading that would accept it.
    Body(String, Option<Reading>),
}

/// Resolves whether a name is a custom field of a scope.
pub trait Schemas {
    fn has(&self, scope: Scope, name: &str) -> bool;
}

impl<F: Fn(Scope, &str) -> bool> Schemas for F {
    fn has(&self, scope: Scope, name: &str) -> bool {
        self(scope, name)
    }
}

/// The query parameters of `endpoint` that are not documented under `readings`, in order.
/// Each comes with the reading that would accept it (if any).
pub fn undocumented_query<'a>(
    endpoint: &Endpoint,
    names: impl IntoIterator<Item = &'a str>,
    readings: Readings,
    schemas: &dyn Schemas,
) -> Vec<(String, Option<Reading>)> {
    let mut out = Vec::new();
    for name in names {
        if name.is_empty() {
            continue;
        }
        let param = endpoint.query.iter().find(|p| p.name == name);
        match param {
            Some(p) => match p.lenient_only {
                Some(r) if readings.is_strict(r) => out.push((name.to_string(), Some(r))),
                _ => {}
            },
            None => {
                let custom = endpoint.filters.is_some_and(|s| schemas.has(s, name));
                if !custom {
                    out.push((name.to_string(), None));
                }
            }
        }
    }
    out
}

/// Every key path of a JSON body, in document order: `Name`, `Customer`, `Customer.City`,
/// `Items`, `Items[].SKU`, `invoicesList.number` (an object) or `invoicesList[].number` (an array).
pub fn key_paths(body: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = v {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.push(path.clone());
                match value {
                    Value::Object(_) => walk(value, &path, out),
                    Value::Array(items) => {
                        let item_prefix = format!("{path}[]");
                        for item in items {
                            walk(item, &item_prefix, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(body, "", &mut out);
    // An array of several objects repeats its keys; keep the first of each.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// Whether one key path is documented in `shape`; `Err(reading)` names the lenient reading that
/// would accept it, `Err(None)` when nothing would.
pub fn check_key_path(
    shape: &Shape,
    path: &str,
    readings: Readings,
    schemas: &dyn Schemas,
) -> Result<(), Option<Reading>> {
    let mut shape = shape;
    let mut segments = path.split('.').peekable();
    while let Some(seg) = segments.next() {
        let (name, array) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let last = segments.peek().is_none();
        let key = match shape.keys.iter().find(|k| k.name == name) {
            Some(key) => key,
            None => {
                // A custom field of the object's schema: a leaf.
                return match shape.schema {
                    Some(scope) if last && !array && schemas.has(scope, name) => Ok(()),
                    _ => Err(None),
                };
            }
        };
        if let Some(r) = key.lenient_only {
            if readings.is_strict(r) {
                return Err(Some(r));
            }
        }
        if last {
            return Ok(());
        }
        shape = match (key.ty, array) {
            (Ty::Obj(s), false) | (Ty::Arr(s), true) | (Ty::ObjOrArr(s), _) => s,
            (Ty::Any, _) => return Ok(()),
            // Nested keys under a scalar, or [] where no array is documented: let the endpoint
            // refuse the value; the key itself is documented.
            _ => return Ok(()),
        };
    }
    Ok(())
}

/// The undocumented key paths of a body sent to `endpoint` (in document order).
pub fn undocumented_body(
    endpoint: &Endpoint,
    paths: &[String],
    readings: Readings,
    schemas: &dyn Schemas,
) -> Vec<(String, Option<Reading>)> {
    let shape = match endpoint.body {
        Some(shape) => shape,
        None => &minicrm::NO_BODY,
    };
    // A key refused at some level hides its children.
    let mut refused: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for path in paths {
        let hidden = refused
            .iter()
            .any(|r| path.starts_with(&format!("{r}.")) || path.starts_with(&format!("{r}[]")));
        if hidden {
            continue;
        }
        if let Err(reading) = check_key_path(shape, path, readings, schemas) {
            refused.push(path.clone());
            out.push((path.clone(), reading));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_reading_has_one_point() {
        let all = [
            Reading::UnknownQuery,
            Reading::OfferListDrafts,
            Reading::DocumentListCardChanges,
            Reading::OfferDetailIds,
            Reading::DocumentsRateLimited,
            Reading::FileViaDocumentProject,
            Reading::ProjectListStrings,
            Reading::AuthFailureStatus,
            Reading::ProjectSearchExtraFilters,
            Reading::ProjectReferenceIdWrite,
            Reading::OrderTransitionsGet,
            Reading::UrlFieldValues,
            Reading::EmptyResults,
            Reading::ContactTypeLabels,
            Reading::PersonNameRule,
            Reading::LockoutStatus,
            Reading::RateWindow,
            Reading::SeriesNameCamelCase,
            Reading::BodyFieldsOutsideSwagger,
            Reading::InvoiceEstimatePaymentUrl,
            Reading::CifExactMatch,
            Reading::NumericStrings,
        ];
        assert_eq!(all.len(), READINGS.len());
        for r in all {
            assert_eq!(READINGS.iter().filter(|p| p.reading == r).count(), 1, "{r:?}");
            assert_eq!(Reading::parse(r.key()), Some(r));
        }
    }

    #[test]
    fn readings_parse_and_summarise() {
        assert_eq!(Readings::parse("strict").unwrap(), Readings::strict());
        assert_eq!(Readings::parse("").unwrap(), Readings::strict());
        assert_eq!(Readings::parse("lenient").unwrap(), Readings::lenient());
        let r = Readings::parse("lenient,unknownQuery=strict").unwrap();
        assert!(r.is_strict(Reading::UnknownQuery));
        assert!(r.is_lenient(Reading::OfferListDrafts));
        let r = Readings::parse("offerListDrafts, lockoutStatus").unwrap();
        assert_eq!(r.summary(), "offerListDrafts,lockoutStatus");
        assert!(Readings::parse("nope").is_err());
        assert!(Readings::parse("offerListDrafts=maybe").is_err());
        let mut r = Readings::strict();
        r.apply_json(&json!({"offerDetailIds": "lenient", "lockoutStatus": true}))
            .unwrap();
        assert_eq!(r.summary(), "offerDetailIds,lockoutStatus");
        r.apply_json(&json!({"all": "lenient", "unknownQuery": "strict"}))
            .unwrap();
        assert!(r.is_strict(Reading::UnknownQuery) && r.is_lenient(Reading::EmptyResults));
        assert!(r.apply_json(&json!({"zzz": "strict"})).is_err());
    }

    #[test]
    fn lookup_prefers_literal_segments() {
        let e = lookup(Service::MiniCrm, "GET", "/Api/Offer/List").unwrap();
        assert_eq!(e.path, "/Api/Offer/List");
        let e = lookup(Service::MiniCrm, "GET", "/Api/Offer/931").unwrap();
        assert_eq!(e.path, "/Api/Offer/{id}");
        let e = lookup(Service::MiniCrm, "PUT", "/Api/R3/Product/").unwrap();
        assert_eq!(e.path, "/Api/R3/Product");
        let e = lookup(Service::SmartBill, "GET", "/SBORO/api/stocks/").unwrap();
        assert_eq!(e.path, "/SBORO/api/stocks");
        assert!(lookup(Service::MiniCrm, "DELETE", "/Api/R3/Project/1").is_none());
        assert!(lookup(Service::SmartBill, "GET", "/SBORO/api/invoice/list").is_none());
    }

    #[test]
    fn query_and_body_checks() {
        let none = |_: Scope, _: &str| false;
        let list = lookup(Service::MiniCrm, "GET", "/Api/Offer/List").unwrap();
        let bad = undocumented_query(
            list,
            [
                "Page",
                "ProjectId",
                "UpdatedSince",
                "Status",
                "StatusGroup",
                "CustomerId",
            ],
            Readings::strict(),
            &none,
        );
        let names: Vec<&str> = bad.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ProjectId", "Status", "CustomerId"]);

        let custom = |s: Scope, n: &str| s == Scope::OfferCard && n == "Text2201";
        let create = lookup(Service::MiniCrm, "POST", "/Api/Offer").unwrap();
        let body = json!({"CustomerId": "1", "Items": [{"SKU": "a", "Colour": "x"}],
                          "Project": {"Text2201": "x", "Nope": 1}, "Zzz": {"a": 1}});
        let bad = undocumented_body(create, &key_paths(&body), Readings::strict(), &custom);
        let names: Vec<&str> = bad.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Items[].Colour", "Project.Nope", "Zzz"]);

        let inv = lookup(Service::SmartBill, "POST", "/SBORO/api/invoice/v2").unwrap();
        let body = json!({"products": [{"name": "a", "useSBProductName": true}], "email": {"to": "x"},
                          "estimate": {"paymentUrl": "x"}});
        let bad = undocumented_body(inv, &key_paths(&body), Readings::strict(), &none);
        assert_eq!(
            bad,
            vec![
                (
                    "products[].useSBProductName".to_string(),
                    Some(Reading::BodyFieldsOutsideSwagger)
                ),
                ("email.to".to_string(), Some(Reading::BodyFieldsOutsideSwagger)),
                (
                    "estimate.paymentUrl".to_string(),
                    Some(Reading::InvoiceEstimatePaymentUrl)
                ),
            ]
        );
        assert!(undocumented_body(inv, &key_paths(&body), Readings::lenient(), &none).is_empty());
        // invoicesList as an object or an array.
        let pay = lookup(Service::SmartBill, "POST", "/SBORO/api/payment").unwrap();
        for body in [
            json!({"invoicesList": {"seriesName": "F", "number": "1"}}),
            json!({"invoicesList": [{"seriesName": "F", "number": "1"}]}),
        ] {
            assert!(undocumented_body(pay, &key_paths(&body), Readings::strict(), &none).is_empty());
        }
    }
}
