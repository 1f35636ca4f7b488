//! Errors are values a person can act on: each says, in the user's language, what is wrong and
//! what to do, and keeps the vendor's own text (HTML stripped) beside it.
//!
//! The problems of single workflows (an emission, an invoice's mapping, the company import, team
//! mode) are in the submodules here, below the workflows that raise them, so that this module
//! uses none of them.

pub mod emission;
pub mod import;
pub mod invoice;
pub mod team;

use serde::Serialize;

use crate::cif::CifProblem;
use crate::i18n::{Lang, Text};

pub use emission::EmissionProblem;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    #[serde(rename = "smartbill")]
    SmartBill,
    #[serde(rename = "minicrm")]
    MiniCrm,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::SmartBill => "SmartBill",
            Service::MiniCrm => "MiniCRM",
        }
    }

    /// The one of two values that belongs to this service (an error's code, …).
    pub fn pick<T>(self, smartbill: T, minicrm: T) -> T {
        match self {
            Service::SmartBill => smartbill,
            Service::MiniCrm => minicrm,
        }
    }
}

/// The settings a problem can be about (also the form field the options page highlights).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Field {
    SmartbillCif,
    SmartbillEmail,
    SmartbillToken,
    SmartbillSeries,
    SmartbillApiBase,
    MinicrmUrl,
    MinicrmSystemId,
    MinicrmApiKey,
    MinicrmModule,
    DueDays,
    PollInterval,
    Triggers,
    StockWarehouse,
    /// Team mode: the team server's address and this browser's member key.
    ServerUrl,
    ServerKey,
}

impl Field {
    /// The code of a problem with this setting: `setting.` and the field's name on the options
    /// page (its serialised name).
    pub fn code(self) -> &'static str {
        match self {
            Field::SmartbillCif => "setting.smartbillCif",
            Field::SmartbillEmail => "setting.smartbillEmail",
            Field::SmartbillToken => "setting.smartbillToken",
            Field::SmartbillSeries => "setting.smartbillSeries",
            Field::SmartbillApiBase => "setting.smartbillApiBase",
            Field::MinicrmUrl => "setting.minicrmUrl",
            Field::MinicrmSystemId => "setting.minicrmSystemId",
            Field::MinicrmApiKey => "setting.minicrmApiKey",
            Field::MinicrmModule => "setting.minicrmModule",
            Field::DueDays => "setting.dueDays",
            Field::PollInterval => "setting.pollInterval",
            Field::Triggers => "setting.triggers",
            Field::StockWarehouse => "setting.stockWarehouse",
            Field::ServerUrl => "setting.serverUrl",
            Field::ServerKey => "setting.serverKey",
        }
    }
}

/// What is wrong with a setting's value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("missing")]
    Missing,
    #[error("not a valid CIF ({problem:?})")]
    Cif { problem: CifProblemKind },
    #[error("not an e-mail address")]
    Email,
    #[error("not shaped like a SmartBill token")]
    Token,
    #[error("not a series name")]
    Series,
    /// The address is not https (or not an origin the extension may contact).
    #[error("not one of the allowed addresses {allowed:?}")]
    Url { allowed: Vec<String> },
    #[error("not a MiniCRM system id")]
    SystemId,
    #[error("not shaped like a MiniCRM API key")]
    ApiKey,
    #[error("outside {min}..={max}")]
    Range { min: i64, max: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CifProblemKind {
    NotDigits,
    Length,
    ControlDigit,
}

impl From<CifProblem> for Problem {
    fn from(p: CifProblem) -> Problem {
        match p {
            CifProblem::Empty => Problem::Missing,
            CifProblem::NotDigits => Problem::Cif {
                problem: CifProblemKind::NotDigits,
            },
            CifProblem::Length => Problem::Cif {
                problem: CifProblemKind::Length,
            },
            CifProblem::ControlDigit => Problem::Cif {
                problem: CifProblemKind::ControlDigit,
            },
        }
    }
}

/// What kind of error SmartBill answered: the SmartBill side's refusals.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmartBillKind {
    /// 401, wrong e-mail or token.
    #[error("wrong e-mail or API token")]
    Auth,
    /// 401, the CIF is not a company this user can access.
    #[error("no company with this CIF for this user")]
    Company,
    /// 403/429 lockout for exceeding 30 calls / 10 s; `until_ms` is when calls may resume.
    #[error("locked out for too many calls until {until_ms}")]
    RateLimited { until_ms: i64 },
    /// 400 with an `errorText`: the document was refused (nothing was created).
    #[error("request refused")]
    Rejected,
    /// 400 `invalid_request_error`: the request itself is malformed (a bug on our side).
    #[error("malformed request (parameter {param:?})")]
    BadRequest { param: Option<String> },
    /// 403 (other than the lockout), e.g. deleting a document that is not the last of its series.
    #[error("operation not allowed")]
    Forbidden,
    /// 404/410/502: the document does not exist.
    #[error("no such document")]
    NotFound,
    /// 5xx: SmartBill failed.
    #[error("SmartBill failed")]
    Server,
}

impl SmartBillKind {
    pub fn code(&self) -> &'static str {
        match self {
            SmartBillKind::Auth => "smartbill.auth",
            SmartBillKind::Company => "smartbill.company",
            SmartBillKind::RateLimited { .. } => "smartbill.rateLimited",
            SmartBillKind::Rejected => "smartbill.rejected",
            SmartBillKind::BadRequest { .. } => "smartbill.badRequest",
            SmartBillKind::Forbidden => "smartbill.forbidden",
            SmartBillKind::NotFound => "smartbill.notFound",
            SmartBillKind::Server => "smartbill.server",
        }
    }
}

/// What kind of error MiniCRM answered: the MiniCRM side's refusals.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MiniCrmKind {
    /// 401: bad SystemId/API key, or the API add-on is not active.
    #[error("wrong system id or API key, or the API add-on is off")]
    Auth,
    /// 429: over 60 requests a minute.
    #[error("over 60 requests a minute")]
    RateLimited,
    /// 404: unknown URL or record.
    #[error("no such record")]
    NotFound,
    /// 400: invalid value.
    #[error("invalid value")]
    Rejected,
    /// 400 "Unknown parameter" or 404 "Unknown URL": MiniCRM does not accept a request the
    /// extension made. Nothing a person can fix in their data; never retried in a loop.
    #[error("request unknown to MiniCRM")]
    Incompatible,
    /// 405: wrong method or forbidden status transition.
    #[error("method or status change not allowed")]
    NotAllowed,
    /// 5xx.
    #[error("MiniCRM failed")]
    Server,
}

impl MiniCrmKind {
    pub fn code(&self) -> &'static str {
        match self {
            MiniCrmKind::Auth => "minicrm.auth",
            MiniCrmKind::RateLimited => "minicrm.rateLimited",
            MiniCrmKind::NotFound => "minicrm.notFound",
            MiniCrmKind::Rejected => "minicrm.rejected",
            MiniCrmKind::Incompatible => "minicrm.incompatible",
            MiniCrmKind::NotAllowed => "minicrm.notAllowed",
            MiniCrmKind::Server => "minicrm.server",
        }
    }
}

/// Everything that can go wrong, by domain: a setting, a call to SmartBill or MiniCRM (no answer,
/// a refusal, an answer we cannot read, calls held back), the browser's storage, a command, an
/// emission, the company import, the team's server. Where a domain has its own error type, the
/// variant holds it and [`std::error::Error::source`] returns it.
///
/// `Display` is a short English text for developers and logs; a person sees [`Error::message`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("setting {field:?} is not valid: {problem}")]
    Setting {
        field: Field,
        #[source]
        problem: Problem,
    },
    /// The request never reached the service.
    #[error("{} unreachable: {detail}", .service.name())]
    Unreachable { service: Service, detail: String },
    /// The request may have reached the service; no answer came back. Outcome unknown.
    #[error("no answer from {}: {detail}", .service.name())]
    NoAnswer { service: Service, detail: String },
    #[error("SmartBill refused the call (HTTP {status}, {kind}): {text}")]
    SmartBill {
        status: u16,
        #[source]
        kind: SmartBillKind,
        text: String,
    },
    #[error("MiniCRM refused the call (HTTP {status}, {kind}): {text}")]
    MiniCrm {
        status: u16,
        #[source]
        kind: MiniCrmKind,
        text: String,
    },
    /// An answer we could not understand.
    #[error("unexpected answer from {} (HTTP {status}): {detail}", .service.name())]
    UnexpectedAnswer {
        service: Service,
        status: u16,
        detail: String,
    },
    #[error("browser storage failed: {detail}")]
    Storage { detail: String },
    /// The sender may not run this command (e.g. a content script asking for settings).
    #[error("command {command:?} not allowed from this sender")]
    Forbidden { command: String },
    #[error("bad command: {detail}")]
    BadCommand { detail: String },
    /// Not configured yet.
    #[error("not configured")]
    NotConfigured,
    /// An emission cannot go ahead (see [`EmissionProblem`]).
    #[error("emission stopped: {problem}")]
    Emission {
        #[source]
        problem: Box<EmissionProblem>,
    },
    /// We hold calls to a service back until then: a lockout it imposed, or our own pacing.
    #[error("{} calls held back until {until_ms} (locked out: {locked_out})", .service.name())]
    Paused {
        service: Service,
        until_ms: i64,
        locked_out: bool,
    },
    /// The company import's job cannot do what was asked (see `import::job`).
    #[error("import: {problem}")]
    Import {
        #[source]
        problem: import::JobProblem,
    },
    /// Team mode: the team's server refused or could not be reached (see `team_mode`).
    #[error("team server: {problem}")]
    Team {
        #[source]
        problem: Box<team::TeamProblem>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<import::JobProblem> for Error {
    fn from(problem: import::JobProblem) -> Error {
        Error::Import { problem }
    }
}

impl From<EmissionProblem> for Error {
    fn from(problem: EmissionProblem) -> Error {
        Error::Emission {
            problem: Box::new(problem),
        }
    }
}

impl Error {
    /// A short stable code for tests and logs, e.g. `smartbill.auth`, `setting.smartbillCif`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Setting { field, .. } => field.code(),
            Error::Unreachable { service, .. } => {
                service.pick("smartbill.unreachable", "minicrm.unreachable")
            }
            Error::NoAnswer { service, .. } => service.pick("smartbill.noAnswer", "minicrm.noAnswer"),
            Error::SmartBill { kind, .. } => kind.code(),
            Error::MiniCrm { kind, .. } => kind.code(),
            Error::UnexpectedAnswer { service, .. } => {
                service.pick("smartbill.unexpected", "minicrm.unexpected")
            }
            Error::Storage { .. } => "storage",
            Error::Forbidden { .. } => "forbidden",
            Error::BadCommand { .. } => "badCommand",
            Error::NotConfigured => "notConfigured",
            Error::Emission { problem } => problem.code(),
            Error::Paused { service, .. } => service.pick("smartbill.paused", "minicrm.paused"),
            Error::Import { problem } => problem.code(),
            Error::Team { problem } => problem.code(),
        }
    }

    /// The vendor's own words, when there are some.
    pub fn vendor_text(&self) -> Option<&str> {
        match self {
            Error::SmartBill { text, .. } | Error::MiniCrm { text, .. } if !text.is_empty() => Some(text),
            Error::Emission { problem } => match problem.as_ref() {
                EmissionProblem::InsufficientStock { vendor, .. } => Some(vendor),
                _ => None,
            },
            Error::Team { problem } => problem.vendor_text(),
            _ => None,
        }
    }

    /// Whose words [`Self::vendor_text`] are.
    pub fn vendor(&self) -> Option<&'static str> {
        self.vendor_text()?;
        Some(match self {
            Error::Team { problem } => return problem.vendor(),
            Error::MiniCrm { .. } => "MiniCRM",
            _ => "SmartBill",
        })
    }

    pub fn field(&self) -> Option<Field> {
        match self {
            Error::Setting { field, .. } => Some(*field),
            Error::Team { problem } => problem.field(),
            Error::SmartBill {
                kind: SmartBillKind::Auth,
                ..
            } => Some(Field::SmartbillToken),
            Error::SmartBill {
                kind: SmartBillKind::Company,
                ..
            } => Some(Field::SmartbillCif),
            Error::MiniCrm {
                kind: MiniCrmKind::Auth,
                ..
            } => Some(Field::MinicrmApiKey),
            _ => None,
        }
    }

    /// The outcome of the call is unknown (it may have been carried out).
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::NoAnswer { .. })
            || matches!(
                self,
                Error::SmartBill {
                    kind: SmartBillKind::Server,
                    ..
                }
            )
            || matches!(
                self,
                Error::UnexpectedAnswer {
                    status: 200..=299,
                    ..
                }
            )
    }

    /// A person-readable message in `lang`: what is wrong and what to do.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::Setting { field, problem } => setting_message(lang, *field, problem),
            Error::Unreachable { service, .. } => {
                lang.fill(Text::ErrorUnreachable, &[("service", &service.name())])
            }
            Error::NoAnswer { service, .. } => {
                lang.fill(Text::ErrorNoAnswer, &[("service", &service.name())])
            }
            Error::SmartBill { status, kind, text } => smartbill_message(lang, *status, kind, text),
            Error::MiniCrm { status, kind, text } => minicrm_message(lang, *status, kind, text),
            Error::UnexpectedAnswer { service, status, .. } => lang.fill(
                Text::ErrorUnexpectedAnswer,
                &[("service", &service.name()), ("status", &status)],
            ),
            Error::Storage { detail } => lang.fill(Text::ErrorStorage, &[("detail", &detail)]),
            Error::Forbidden { command } => lang.fill(Text::ErrorForbidden, &[("command", &command)]),
            Error::BadCommand { detail } => lang.fill(Text::ErrorBadCommand, &[("detail", &detail)]),
            Error::Paused {
                service,
                until_ms,
                locked_out,
            } => {
                let until = crate::platform::when::hms(crate::platform::local_ro(*until_ms));
                let name = service.name();
                if *locked_out {
                    lang.fill(Text::ErrorPausedLockedOut, &[("name", &name), ("until", &until)])
                } else {
                    lang.fill(Text::ErrorPaused, &[("name", &name), ("until", &until)])
                }
            }
            Error::Import { problem } => problem.message(lang),
            Error::Team { problem } => problem.message(lang),
            Error::Emission { problem } => problem.message(lang),
            Error::NotConfigured => lang.text(Text::ErrorNotConfigured).to_string(),
        }
    }
}

/// An error as the pages show it.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ErrorView {
    pub code: String,
    pub message: String,
    pub vendor_text: Option<String>,
    /// Whose words `vendor_text` are: "SmartBill" or "MiniCRM".
    pub vendor: Option<&'static str>,
    pub field: Option<Field>,
}

impl ErrorView {
    pub fn new(e: &Error, lang: Lang) -> ErrorView {
        ErrorView {
            code: e.code().to_string(),
            message: e.message(lang),
            vendor_text: e.vendor_text().map(str::to_string),
            vendor: e.vendor(),
            field: e.field(),
        }
    }
}

fn field_label(lang: Lang, field: Field) -> String {
    lang.text(match field {
        Field::SmartbillCif => Text::FieldSmartbillCif,
        Field::SmartbillEmail => Text::FieldSmartbillEmail,
        Field::SmartbillToken => Text::FieldSmartbillToken,
        Field::SmartbillSeries => Text::FieldSmartbillSeries,
        Field::SmartbillApiBase => Text::FieldSmartbillApiBase,
        Field::MinicrmUrl => Text::FieldMinicrmUrl,
        Field::MinicrmSystemId => Text::FieldMinicrmSystemId,
        Field::MinicrmApiKey => Text::FieldMinicrmApiKey,
        Field::MinicrmModule => Text::FieldMinicrmModule,
        Field::DueDays => Text::FieldDueDays,
        Field::PollInterval => Text::FieldPollInterval,
        Field::Triggers => Text::FieldTriggers,
        Field::StockWarehouse => Text::FieldStockWarehouse,
        Field::ServerUrl => Text::FieldServerUrl,
        Field::ServerKey => Text::FieldServerKey,
    })
    .to_string()
}

fn setting_message(lang: Lang, field: Field, problem: &Problem) -> String {
    let label = field_label(lang, field);
    match problem {
        Problem::Missing => lang.fill(Text::SettingMissing, &[("label", &label)]),
        Problem::Cif { problem } => {
            let why = match problem {
                CifProblemKind::NotDigits => lang.text(Text::SettingCifNotDigits),
                CifProblemKind::Length => lang.text(Text::SettingCifLength),
                CifProblemKind::ControlDigit => lang.text(Text::SettingCifControlDigit),
            };
            lang.fill(Text::SettingCifInvalid, &[("label", &label), ("why", &why)])
        }
        Problem::Email => lang.fill(Text::SettingEmail, &[("label", &label)]),
        Problem::Token => lang.fill(Text::SettingToken, &[("label", &label)]),
        Problem::Series => lang.fill(Text::SettingSeries, &[("label", &label)]),
        Problem::Url { allowed } => lang.fill(
            Text::SettingUrl,
            &[("label", &label), ("allowed", &allowed.join(", "))],
        ),
        Problem::SystemId => lang.fill(Text::SettingSystemId, &[("label", &label)]),
        Problem::ApiKey => lang.fill(Text::SettingApiKey, &[("label", &label)]),
        Problem::Range { min, max } => lang.fill(
            Text::SettingRange,
            &[("label", &label), ("min", &min), ("max", &max)],
        ),
    }
}

fn smartbill_message(lang: Lang, status: u16, kind: &SmartBillKind, text: &str) -> String {
    match kind {
        SmartBillKind::Auth => lang.text(Text::SmartBillAuth).to_string(),
        SmartBillKind::Company => lang.text(Text::SmartBillCompany).to_string(),
        SmartBillKind::RateLimited { until_ms } => {
            let until = crate::platform::when::hm(crate::platform::local_ro(*until_ms));
            lang.fill(Text::SmartBillRateLimited, &[("until", &until)])
        }
        SmartBillKind::Rejected => lang.fill(Text::SmartBillRejected, &[("text", &text)]),
        SmartBillKind::BadRequest { param } => {
            let p = param.clone().unwrap_or_default();
            lang.fill(Text::SmartBillMalformed, &[("p", &p), ("text", &text)])
        }
        SmartBillKind::Forbidden => lang.fill(Text::SmartBillForbidden, &[("text", &text)]),
        SmartBillKind::NotFound => lang.fill(Text::SmartBillNotFound, &[("text", &text)]),
        SmartBillKind::Server => lang.fill(Text::SmartBillServer, &[("status", &status)]),
    }
}

fn minicrm_message(lang: Lang, status: u16, kind: &MiniCrmKind, text: &str) -> String {
    match kind {
        MiniCrmKind::Auth => lang.text(Text::MiniCrmAuth).to_string(),
        MiniCrmKind::RateLimited => lang.text(Text::MiniCrmRateLimited).to_string(),
        MiniCrmKind::NotFound => lang.fill(Text::MiniCrmNotFound, &[("text", &text)]),
        MiniCrmKind::Incompatible => lang.text(Text::MiniCrmIncompatible).to_string(),
        MiniCrmKind::Rejected => lang.fill(Text::MiniCrmRejected, &[("text", &text)]),
        MiniCrmKind::NotAllowed => {
            lang.fill(Text::MiniCrmNotAllowed, &[("status", &status), ("text", &text)])
        }
        MiniCrmKind::Server => lang.fill(Text::MiniCrmServer, &[("status", &status)]),
    }
}

/// Removes HTML from a vendor text: tags go, `<br>` becomes a space, SmartBill's hidden
/// `<div id="moreErrorDetails">` help block is dropped, a few entities are decoded, spaces collapse.
pub fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..end].to_ascii_lowercase();
        rest = &after[end + 1..];
        if tag.starts_with("div") && tag.contains("moreerrordetails") {
            // Skip to the matching close of this block (nested divs counted).
            let mut depth = 1;
            let mut cursor = rest;
            while depth > 0 {
                let lower = cursor.to_ascii_lowercase();
                match (lower.find("<div"), lower.find("</div")) {
                    (Some(open), Some(close)) if open < close => {
                        depth += 1;
                        cursor = &cursor[open + 4..];
                    }
                    (_, Some(close)) => {
                        depth -= 1;
                        let tail = &cursor[close..];
                        cursor = tail.find('>').map(|i| &tail[i + 1..]).unwrap_or("");
                    }
                    _ => {
                        cursor = "";
                        break;
                    }
                }
            }
            rest = cursor;
        } else if tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("p") {
            out.push(' ');
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_smartbill_html() {
        assert_eq!(
            strip_html("Cantitate stoc insuficienta la <b>Factura FCT0124</b> din data <b>27/11/2026</b> pentru produsul <b> Toner HP 85A </b> de la pozitia 1"),
            "Cantitate stoc insuficienta la Factura FCT0124 din data 27/11/2026 pentru produsul Toner HP 85A de la pozitia 1"
        );
        assert_eq!(
            strip_html("Unitatea de masura BUC a produsului X nu are factor de conversie setat.<div id=\"moreErrorDetails\" style=\"display:none\"><div>help</div> more</div>"),
            "Unitatea de masura BUC a produsului X nu are factor de conversie setat."
        );
        assert_eq!(
            strip_html("Nu ai facut nicio achizitie.<br/>Incarca mai intai stoc."),
            "Nu ai facut nicio achizitie. Incarca mai intai stoc."
        );
        assert_eq!(strip_html("a < b"), "a");
    }

    #[test]
    fn codes_and_messages() {
        let e = Error::SmartBill {
            status: 401,
            kind: SmartBillKind::Auth,
            text: "Autentificare esuata.".into(),
        };
        assert_eq!(e.code(), "smartbill.auth");
        assert_eq!(e.vendor_text(), Some("Autentificare esuata."));
        assert!(e.message(Lang::Ro).contains("tokenul API"));
        assert!(e.message(Lang::En).contains("API token"));
        let s = Error::Setting {
            field: Field::SmartbillCif,
            problem: Problem::Cif {
                problem: CifProblemKind::ControlDigit,
            },
        };
        assert_eq!(s.code(), "setting.smartbillCif");
        assert!(s.message(Lang::Ro).contains("cifra de control"));
    }
}

#[cfg(test)]
mod codes_tests {
    use super::emission::EmissionProblem;
    use super::import::{ImportError, JobProblem, Phase};
    use super::invoice::MappingProblem;
    use super::team::TeamProblem;
    use super::*;
    use crate::document::DocumentKind;

    /// One error of every kind, and its code.
    fn every_error() -> Vec<(Error, &'static str)> {
        let fields = [
            (Field::SmartbillCif, "setting.smartbillCif"),
            (Field::SmartbillEmail, "setting.smartbillEmail"),
            (Field::SmartbillToken, "setting.smartbillToken"),
            (Field::SmartbillSeries, "setting.smartbillSeries"),
            (Field::SmartbillApiBase, "setting.smartbillApiBase"),
            (Field::MinicrmUrl, "setting.minicrmUrl"),
            (Field::MinicrmSystemId, "setting.minicrmSystemId"),
            (Field::MinicrmApiKey, "setting.minicrmApiKey"),
            (Field::MinicrmModule, "setting.minicrmModule"),
            (Field::DueDays, "setting.dueDays"),
            (Field::PollInterval, "setting.pollInterval"),
            (Field::Triggers, "setting.triggers"),
            (Field::StockWarehouse, "setting.stockWarehouse"),
            (Field::ServerUrl, "setting.serverUrl"),
            (Field::ServerKey, "setting.serverKey"),
        ];
        let mut all: Vec<(Error, &'static str)> = fields
            .into_iter()
            .map(|(field, code)| {
                (
                    Error::Setting {
                        field,
                        problem: Problem::Missing,
                    },
                    code,
                )
            })
            .collect();
        for (service, prefix) in [(Service::SmartBill, "smartbill"), (Service::MiniCrm, "minicrm")] {
            let codes: [&'static str; 4] = match prefix {
                "smartbill" => [
                    "smartbill.unreachable",
                    "smartbill.noAnswer",
                    "smartbill.unexpected",
                    "smartbill.paused",
                ],
                _ => [
                    "minicrm.unreachable",
                    "minicrm.noAnswer",
                    "minicrm.unexpected",
                    "minicrm.paused",
                ],
            };
            all.push((
                Error::Unreachable {
                    service,
                    detail: "x".into(),
                },
                codes[0],
            ));
            all.push((
                Error::NoAnswer {
                    service,
                    detail: "x".into(),
                },
                codes[1],
            ));
            all.push((
                Error::UnexpectedAnswer {
                    service,
                    status: 200,
                    detail: "x".into(),
                },
                codes[2],
            ));
            all.push((
                Error::Paused {
                    service,
                    until_ms: 0,
                    locked_out: true,
                },
                codes[3],
            ));
        }
        let smartbill = [
            (SmartBillKind::Auth, "smartbill.auth"),
            (SmartBillKind::Company, "smartbill.company"),
            (
                SmartBillKind::RateLimited { until_ms: 0 },
                "smartbill.rateLimited",
            ),
            (SmartBillKind::Rejected, "smartbill.rejected"),
            (SmartBillKind::BadRequest { param: None }, "smartbill.badRequest"),
            (SmartBillKind::Forbidden, "smartbill.forbidden"),
            (SmartBillKind::NotFound, "smartbill.notFound"),
            (SmartBillKind::Server, "smartbill.server"),
        ];
        for (kind, code) in smartbill {
            all.push((
                Error::SmartBill {
                    status: 400,
                    kind,
                    text: "x".into(),
                },
                code,
            ));
        }
        let minicrm = [
            (MiniCrmKind::Auth, "minicrm.auth"),
            (MiniCrmKind::RateLimited, "minicrm.rateLimited"),
            (MiniCrmKind::NotFound, "minicrm.notFound"),
            (MiniCrmKind::Rejected, "minicrm.rejected"),
            (MiniCrmKind::Incompatible, "minicrm.incompatible"),
            (MiniCrmKind::NotAllowed, "minicrm.notAllowed"),
            (MiniCrmKind::Server, "minicrm.server"),
        ];
        for (kind, code) in minicrm {
            all.push((
                Error::MiniCrm {
                    status: 400,
                    kind,
                    text: "x".into(),
                },
                code,
            ));
        }
        all.push((Error::Storage { detail: "x".into() }, "storage"));
        all.push((Error::Forbidden { command: "x".into() }, "forbidden"));
        all.push((Error::BadCommand { detail: "x".into() }, "badCommand"));
        all.push((Error::NotConfigured, "notConfigured"));
        let emission = [
            (
                EmissionProblem::Mapping {
                    problem: MappingProblem::NoItems,
                },
                "emission.mapping",
            ),
            (
                EmissionProblem::SeriesMissing {
                    series: "x".into(),
                    available: vec![],
                },
                "emission.seriesMissing",
            ),
            (
                EmissionProblem::InsufficientStock {
                    product: "x".into(),
                    code: "x".into(),
                    warehouse: "x".into(),
                    available: None,
                    needed: "1".into(),
                    unit: "buc".into(),
                    vendor: "x".into(),
                },
                "emission.insufficientStock",
            ),
            (EmissionProblem::DocumentNotFound, "emission.documentNotFound"),
            (
                EmissionProblem::DocumentNotListed {
                    document: DocumentKind::Order,
                },
                "emission.documentNotListed",
            ),
            (
                EmissionProblem::SeveralDocuments {
                    document: DocumentKind::Offer,
                    ids: vec![1, 2],
                },
                "emission.severalDocuments",
            ),
            (
                EmissionProblem::Indexing { page: 1, pages: 2 },
                "emission.indexing",
            ),
            (
                EmissionProblem::WrongCard { doc_id: 1, card: 2 },
                "emission.wrongCard",
            ),
            (EmissionProblem::NoClaimField, "emission.noClaimField"),
            (
                EmissionProblem::ClaimedByOther {
                    label: "x".into(),
                    at_ms: 0,
                    auto: false,
                },
                "emission.claimedByOther",
            ),
            (
                EmissionProblem::ClaimSlow { ms: 1, bound_ms: 2 },
                "emission.claimSlow",
            ),
            (EmissionProblem::ClaimLost, "emission.claimLost"),
            (EmissionProblem::ClaimExpired, "emission.claimExpired"),
            (EmissionProblem::Busy, "emission.busy"),
            (EmissionProblem::PageChanged, "emission.pageChanged"),
            (
                EmissionProblem::AlreadyIssued { number: "x".into() },
                "emission.alreadyIssued",
            ),
            (EmissionProblem::NothingToCancel, "emission.nothingToCancel"),
        ];
        for (problem, code) in emission {
            all.push((problem.into(), code));
        }
        let import = [
            (JobProblem::Busy, "import.busy"),
            (JobProblem::NoJob, "import.noJob"),
            (
                JobProblem::WrongPhase {
                    phase: Phase::Running,
                },
                "import.wrongPhase",
            ),
            (JobProblem::Nothing, "import.nothing"),
            (JobProblem::TooMany { companies: 2, max: 1 }, "import.tooMany"),
            (
                JobProblem::TooManyHits {
                    query: "x".into(),
                    max: 1,
                },
                "import.tooManyHits",
            ),
        ];
        for (problem, code) in import {
            all.push((Error::Import { problem }, code));
        }
        let team = [
            (TeamProblem::Address { url: "x".into() }, "team.address"),
            (TeamProblem::KeyMissing, "team.keyMissing"),
            (TeamProblem::KeyShape, "team.keyShape"),
            (
                TeamProblem::Unreachable {
                    url: "x".into(),
                    origin: "x".into(),
                },
                "team.unreachable",
            ),
            (TeamProblem::NoAnswer { url: "x".into() }, "team.noAnswer"),
            (TeamProblem::Unauthorized, "team.unauthorized"),
            (
                TeamProblem::OriginRefused { origin: "x".into() },
                "team.originRefused",
            ),
            (TeamProblem::Forbidden { command: "x".into() }, "team.forbidden"),
            (TeamProblem::CardBusy, "team.cardBusy"),
            (
                TeamProblem::NotConfigured { missing: vec![] },
                "team.notConfigured",
            ),
            (
                TeamProblem::NotTeamServer {
                    url: "x".into(),
                    status: 404,
                },
                "team.notTeamServer",
            ),
            (
                TeamProblem::Unexpected {
                    status: 500,
                    detail: "x".into(),
                },
                "team.unexpected",
            ),
            (
                TeamProblem::Remote {
                    code: "smartbill.auth".into(),
                    message: "x".into(),
                    vendor_text: None,
                    vendor: None,
                },
                "team.remote",
            ),
            (
                TeamProblem::ServerHolds { command: "x".into() },
                "team.serverHolds",
            ),
            (TeamProblem::ImportUnavailable, "team.importUnavailable"),
            (TeamProblem::JobsOnServer, "team.jobsOnServer"),
            (TeamProblem::Switched, "team.switched"),
        ];
        for (problem, code) in team {
            all.push((problem.into(), code));
        }
        all
    }

    /// A file the import refuses, of every kind, and its code.
    fn every_import_error() -> Vec<(ImportError, &'static str)> {
        vec![
            (ImportError::EmptyFile, "import.emptyFile"),
            (
                ImportError::NotSpreadsheet { hint: "csv".into() },
                "import.notSpreadsheet",
            ),
            (ImportError::Truncated, "import.truncated"),
            (ImportError::PasswordProtected, "import.passwordProtected"),
            (ImportError::Corrupt { detail: "x".into() }, "import.corrupt"),
            (ImportError::ZipBomb { declared_mb: 1 }, "import.zipBomb"),
            (ImportError::TooLarge { mb: 2, max_mb: 1 }, "import.tooLarge"),
            (ImportError::TooManyRows { rows: 2, max: 1 }, "import.tooManyRows"),
            (ImportError::NoHeader { sheets: vec![] }, "import.noHeader"),
        ]
    }

    /// The codes the pages and the tests match on, as they were when codes were made by
    /// serialising the enums (`setting.` and the field's serialised name, etc.).
    #[test]
    fn every_code_is_as_before_and_unique() {
        let mut seen = crate::platform::SortedSet::new();
        let errors = every_error();
        assert_eq!(errors.len(), 15 + 8 + 8 + 7 + 4 + 17 + 6 + 17);
        for (error, code) in &errors {
            assert_eq!(error.code(), *code, "{error:?}");
            assert!(seen.insert(code.to_string()), "{code} twice");
        }
        for (error, code) in every_import_error() {
            assert_eq!(error.code(), code, "{error:?}");
            assert!(seen.insert(code.to_string()), "{code} twice");
        }
    }

    /// A setting's code names the field as the options page knows it (its serialised name).
    #[test]
    fn setting_codes_name_the_serialised_field() {
        for (error, _) in every_error() {
            if let Error::Setting { field, .. } = error {
                let name = serde_json::to_value(field).unwrap();
                assert_eq!(
                    Some(field.code()),
                    name.as_str().map(|n| format!("setting.{n}")).as_deref()
                );
            }
        }
    }

    /// `Display` is a developer's English text, not the person's message; `source` leads to the
    /// domain's own error.
    #[test]
    fn display_and_source_chain() {
        use std::error::Error as _;
        let e = Error::from(EmissionProblem::Mapping {
            problem: MappingProblem::UnknownCountry { code: "XX".into() },
        });
        assert_eq!(
            e.to_string(),
            "emission stopped: the document cannot become a SmartBill request: unknown country code \"XX\""
        );
        let problem = e.source().expect("the emission problem");
        assert_eq!(
            problem.to_string(),
            "the document cannot become a SmartBill request: unknown country code \"XX\""
        );
        let mapping = problem.source().expect("the mapping problem");
        assert!(mapping.downcast_ref::<MappingProblem>().is_some());
        assert!(mapping.source().is_none());

        let refused = Error::SmartBill {
            status: 401,
            kind: SmartBillKind::Auth,
            text: "Autentificare esuata.".into(),
        };
        assert_eq!(
            refused.to_string(),
            "SmartBill refused the call (HTTP 401, wrong e-mail or API token): Autentificare esuata."
        );
        assert_eq!(
            refused.source().and_then(|k| k.downcast_ref()),
            Some(&SmartBillKind::Auth)
        );
        assert!(!refused.message(Lang::En).contains("wrong e-mail or API token"));

        let team = Error::from(TeamProblem::CardBusy);
        assert_eq!(
            team.source().map(|p| p.to_string()).as_deref(),
            Some("a colleague is acting on the card")
        );
        let import = Error::Import {
            problem: JobProblem::NoJob,
        };
        assert_eq!(
            import.source().and_then(|p| p.downcast_ref()),
            Some(&JobProblem::NoJob)
        );
        let setting = Error::Setting {
            field: Field::DueDays,
            problem: Problem::Range { min: 0, max: 365 },
        };
        assert_eq!(
            setting.to_string(),
            "setting DueDays is not valid: outside 0..=365"
        );
        assert!(setting.source().is_some());
        // No domain error behind these: their detail is all there is.
        let paused = Error::Paused {
            service: Service::MiniCrm,
            until_ms: 5,
            locked_out: false,
        };
        assert!(paused.source().is_none());
        assert_eq!(
            paused.to_string(),
            "MiniCRM calls held back until 5 (locked out: false)"
        );
    }
}
