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
use crate::i18n::Lang;

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
            Error::Unreachable { service, .. } => lang.pick(
                format!("{} nu poate fi contactat. Verifică conexiunea la internet și adresa din setări.", service.name()),
                format!("{} cannot be reached. Check the internet connection and the address in the settings.", service.name()),
                format!("A(z) {} nem érhető el. Ellenőrizd az internetkapcsolatot és a beállításokban megadott címet.", service.name()),
            ),
            Error::NoAnswer { service, .. } => lang.pick(
                format!("{} nu a răspuns (conexiune întreruptă sau timp depășit).", service.name()),
                format!("{} did not answer (connection dropped or timed out).", service.name()),
                format!("A(z) {} nem válaszolt (megszakadt kapcsolat vagy időtúllépés).", service.name()),
            ),
            Error::SmartBill { status, kind, text } => smartbill_message(lang, *status, kind, text),
            Error::MiniCrm { status, kind, text } => minicrm_message(lang, *status, kind, text),
            Error::UnexpectedAnswer { service, status, .. } => lang.pick(
                format!("{} a trimis un răspuns neașteptat (HTTP {status}).", service.name()),
                format!("{} sent an unexpected answer (HTTP {status}).", service.name()),
                format!("A(z) {} váratlan választ küldött (HTTP {status}).", service.name()),
            ),
            Error::Storage { detail } => lang.pick(
                format!("Setările nu pot fi citite sau salvate în browser: {detail}"),
                format!("The browser storage failed: {detail}"),
                format!("A böngésző tárolója hibát jelzett: {detail}"),
            ),
            Error::Forbidden { command } => lang.pick(
                format!("Comanda „{command}” nu este permisă din această pagină."),
                format!("The command \"{command}\" is not allowed from this page."),
                format!("A(z) „{command}” parancs ebből az oldalból nem engedélyezett."),
            ),
            Error::BadCommand { detail } => lang.pick(
                format!("Comandă necunoscută sau incompletă: {detail}"),
                format!("Unknown or incomplete command: {detail}"),
                format!("Ismeretlen vagy hiányos parancs: {detail}"),
            ),
            Error::Paused { service, until_ms, locked_out } => {
                let until = crate::platform::local_ro(*until_ms).format("%H:%M:%S").to_string();
                let name = service.name();
                if *locked_out {
                    lang.pick(
                        format!("{name} a blocat temporar apelurile prea dese. Toată activitatea cu {name} e în pauză până la {until} și se reia automat."),
                        format!("{name} temporarily blocked too frequent calls. All {name} work is paused until {until} and resumes automatically."),
                        format!("A(z) {name} ideiglenesen letiltotta a túl gyakori hívásokat. Minden {name} művelet szünetel {until}-ig, utána automatikusan folytatódik."),
                    )
                } else {
                    lang.pick(
                        format!("Respectăm limita de apeluri {name}; continuăm la {until}."),
                        format!("Keeping to {name}'s call limit; continuing at {until}."),
                        format!("Betartjuk a(z) {name} hívási korlátját; {until}-kor folytatjuk."),
                    )
                }
            }
            Error::Import { problem } => problem.message(lang),
            Error::Team { problem } => problem.message(lang),
            Error::Emission { problem } => problem.message(lang),
            Error::NotConfigured => lang.pick(
                "Extensia nu este configurată încă: completează setările SmartBill și MiniCRM.",
                "The extension is not configured yet: fill in the SmartBill and MiniCRM settings.",
                "A bővítmény még nincs beállítva: add meg a SmartBill és MiniCRM beállításokat.",
            ),
        }
    }
}

/// An error as the pages show it.
#[derive(Serialize)]
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
    match field {
        Field::SmartbillCif => lang.pick("CUI-ul firmei", "Company CUI", "Cég adószáma (CUI)"),
        Field::SmartbillEmail => lang.pick(
            "E-mailul contului SmartBill",
            "SmartBill account e-mail",
            "SmartBill fiók e-mail címe",
        ),
        Field::SmartbillToken => lang.pick(
            "Tokenul API SmartBill",
            "SmartBill API token",
            "SmartBill API token",
        ),
        Field::SmartbillSeries => lang.pick("Seria documentului", "Document series", "Bizonylat sorozat"),
        Field::SmartbillApiBase => lang.pick(
            "Adresa API SmartBill",
            "SmartBill API address",
            "SmartBill API cím",
        ),
        Field::MinicrmUrl => lang.pick("Adresa MiniCRM", "MiniCRM address", "MiniCRM cím"),
        Field::MinicrmSystemId => lang.pick(
            "System ID MiniCRM",
            "MiniCRM System ID",
            "MiniCRM rendszerazonosító",
        ),
        Field::MinicrmApiKey => lang.pick("Cheia API MiniCRM", "MiniCRM API key", "MiniCRM API kulcs"),
        Field::MinicrmModule => lang.pick("Modulul MiniCRM", "MiniCRM module", "MiniCRM modul"),
        Field::DueDays => lang.pick(
            "Zile până la scadență",
            "Days until due",
            "Fizetési határidő (nap)",
        ),
        Field::PollInterval => lang.pick("Intervalul de verificare", "Check interval", "Ellenőrzési időköz"),
        Field::Triggers => lang.pick(
            "Statusurile care emit factura",
            "Statuses that issue the invoice",
            "A számlát kiállító státuszok",
        ),
        Field::StockWarehouse => lang.pick("Gestiunea SmartBill", "SmartBill warehouse", "SmartBill raktár"),
        Field::ServerUrl => lang.pick(
            "Adresa serverului echipei",
            "Team server address",
            "Csapatszerver címe",
        ),
        Field::ServerKey => lang.pick("Cheia de membru", "Member key", "Tagkulcs"),
    }
}

fn setting_message(lang: Lang, field: Field, problem: &Problem) -> String {
    let label = field_label(lang, field);
    match problem {
        Problem::Missing => lang.pick(
            format!("{label}: câmp obligatoriu."),
            format!("{label}: required."),
            format!("{label}: kötelező mező."),
        ),
        Problem::Cif { problem } => {
            let why = match problem {
                CifProblemKind::NotDigits => lang.pick(
                    "trebuie să conțină doar cifre, cu sau fără prefixul RO",
                    "must contain only digits, with or without the RO prefix",
                    "csak számjegyeket tartalmazhat, RO előtaggal vagy anélkül",
                ),
                CifProblemKind::Length => lang.pick(
                    "trebuie să aibă între 2 și 10 cifre",
                    "must have between 2 and 10 digits",
                    "2–10 számjegyből kell állnia",
                ),
                CifProblemKind::ControlDigit => lang.pick(
                    "cifra de control nu se potrivește (verifică dacă ai tastat corect)",
                    "the control digit does not match (check for a typo)",
                    "az ellenőrző számjegy nem egyezik (ellenőrizd, nincs-e elgépelés)",
                ),
            };
            lang.pick(
                format!("{label} nu este valid: {why}."),
                format!("{label} is not valid: {why}."),
                format!("{label} érvénytelen: {why}."),
            )
        }
        Problem::Email => lang.pick(
            format!("{label} nu pare o adresă de e-mail (ex.: nume@firma.ro)."),
            format!("{label} does not look like an e-mail address (e.g. name@company.ro)."),
            format!("{label} nem tűnik e-mail címnek (pl. nev@ceg.ro)."),
        ),
        Problem::Token => lang.pick(
            format!("{label} nu arată ca un token SmartBill: copiază-l din SmartBill Cloud › Contul meu › Integrări › API, fără spații."),
            format!("{label} does not look like a SmartBill token: copy it from SmartBill Cloud › My account › Integrations › API, without spaces."),
            format!("{label} nem tűnik SmartBill tokennek: másold ki a SmartBill Cloud › Fiókom › Integrációk › API részből, szóközök nélkül."),
        ),
        Problem::Series => lang.pick(
            format!("{label}: scrie numele seriei exact ca în SmartBill (ex.: FCT)."),
            format!("{label}: type the series name exactly as in SmartBill (e.g. FCT)."),
            format!("{label}: add meg a sorozat nevét pontosan úgy, ahogy a SmartBillben szerepel (pl. FCT)."),
        ),
        Problem::Url { allowed } => lang.pick(
            format!("{label} trebuie să fie una dintre: {}.", allowed.join(", ")),
            format!("{label} must be one of: {}.", allowed.join(", ")),
            format!("{label} a következők egyike lehet: {}.", allowed.join(", ")),
        ),
        Problem::SystemId => lang.pick(
            format!("{label} este numărul din adresa MiniCRM, după r3.minicrm.ro/ (doar cifre)."),
            format!("{label} is the number in the MiniCRM address after r3.minicrm.ro/ (digits only)."),
            format!("{label} a MiniCRM címében az r3.minicrm.hu/ utáni szám (csak számjegyek)."),
        ),
        Problem::ApiKey => lang.pick(
            format!("{label} nu pare validă: generează una în MiniCRM › Setări › Sistem și copiaz-o fără spații."),
            format!("{label} does not look valid: generate one in MiniCRM › Settings › System and copy it without spaces."),
            format!("{label} érvénytelennek tűnik: hozz létre egyet a MiniCRM › Beállítások › Rendszer menüben, és másold be szóközök nélkül."),
        ),
        Problem::Range { min, max } => lang.pick(
            format!("{label} trebuie să fie între {min} și {max}."),
            format!("{label} must be between {min} and {max}."),
            format!("{label} értéke {min} és {max} között lehet."),
        ),
    }
}

fn smartbill_message(lang: Lang, status: u16, kind: &SmartBillKind, text: &str) -> String {
    match kind {
        SmartBillKind::Auth => lang.pick(
            "SmartBill a refuzat autentificarea: verifică e-mailul contului și tokenul API (SmartBill Cloud › Contul meu › Integrări › API). Tokenul se schimbă când se schimbă parola contului.",
            "SmartBill refused the login: check the account e-mail and the API token (SmartBill Cloud › My account › Integrations › API). The token changes when the account password changes.",
            "A SmartBill elutasította a bejelentkezést: ellenőrizd a fiók e-mail címét és az API tokent (SmartBill Cloud › Fiókom › Integrációk › API). A token megváltozik, ha a fiók jelszava változik.",
        ),
        SmartBillKind::Company => lang.pick(
            "Firma cu acest CUI nu este disponibilă în SmartBill pentru acest utilizator: verifică CUI-ul (exact ca în SmartBill Cloud) și accesul utilizatorului la firmă.",
            "SmartBill has no company with this CUI for this user: check the CUI (exactly as in SmartBill Cloud) and the user's access to the company.",
            "A SmartBillben ehhez a felhasználóhoz nem tartozik ilyen adószámú cég: ellenőrizd az adószámot (pontosan, ahogy a SmartBill Cloudban szerepel) és a felhasználó hozzáférését.",
        ),
        SmartBillKind::RateLimited { until_ms } => {
            let until = crate::platform::local_ro(*until_ms).format("%H:%M").to_string();
            lang.pick(
                format!("SmartBill a blocat temporar apelurile (limita de 30 de cereri la 10 secunde). Lucrul cu SmartBill se reia automat după ora {until}."),
                format!("SmartBill temporarily blocked calls (limit of 30 requests per 10 seconds). SmartBill work resumes automatically after {until}."),
                format!("A SmartBill ideiglenesen letiltotta a hívásokat (10 másodpercenként legfeljebb 30 kérés). A munka {until} után automatikusan folytatódik."),
            )
        }
        SmartBillKind::Rejected => lang.pick(
            format!("SmartBill a refuzat cererea: {text}"),
            format!("SmartBill refused the request: {text}"),
            format!("A SmartBill elutasította a kérést: {text}"),
        ),
        SmartBillKind::BadRequest { param } => {
            let p = param.clone().unwrap_or_default();
            lang.pick(
                format!("Cererea către SmartBill este greșit formată ({p}). Este o eroare a extensiei; te rugăm să o raportezi. Mesaj: {text}"),
                format!("The request to SmartBill is malformed ({p}). This is a bug in the extension; please report it. Message: {text}"),
                format!("A SmartBillnek küldött kérés hibás ({p}). Ez a bővítmény hibája, kérjük, jelentsd. Üzenet: {text}"),
            )
        }
        SmartBillKind::Forbidden => lang.pick(
            format!("SmartBill nu permite operația: {text}"),
            format!("SmartBill does not allow the operation: {text}"),
            format!("A SmartBill nem engedélyezi a műveletet: {text}"),
        ),
        SmartBillKind::NotFound => lang.pick(
            format!("Documentul nu a fost găsit în SmartBill. {text}"),
            format!("The document was not found in SmartBill. {text}"),
            format!("A bizonylat nem található a SmartBillben. {text}"),
        ),
        SmartBillKind::Server => lang.pick(
            format!("SmartBill nu funcționează momentan (HTTP {status}). Încearcă din nou peste câteva minute."),
            format!("SmartBill is not working right now (HTTP {status}). Try again in a few minutes."),
            format!("A SmartBill jelenleg nem működik (HTTP {status}). Próbáld újra néhány perc múlva."),
        ),
    }
}

fn minicrm_message(lang: Lang, status: u16, kind: &MiniCrmKind, text: &str) -> String {
    match kind {
        MiniCrmKind::Auth => lang.pick(
            "MiniCRM a refuzat accesul: verifică System ID și cheia API (MiniCRM › Setări › Sistem) și că add-on-ul „MiniCRM API + sincronizare XML” este activ în abonament.",
            "MiniCRM refused access: check the System ID and the API key (MiniCRM › Settings › System) and that the \"MiniCRM API + XML sync\" add-on is active in the subscription.",
            "A MiniCRM megtagadta a hozzáférést: ellenőrizd a rendszerazonosítót és az API kulcsot (MiniCRM › Beállítások › Rendszer), valamint hogy a „REST API + XML szinkronizáció” kiegészítő aktív-e.",
        ),
        MiniCrmKind::RateLimited => lang.pick(
            "MiniCRM limitează cererile (60 pe minut). Reîncercăm automat în curând.",
            "MiniCRM is rate-limiting requests (60 per minute). We retry automatically shortly.",
            "A MiniCRM korlátozza a kéréseket (percenként 60). Hamarosan automatikusan újrapróbáljuk.",
        ),
        MiniCrmKind::NotFound => lang.pick(
            format!("Înregistrarea nu a fost găsită în MiniCRM. {text}"),
            format!("The record was not found in MiniCRM. {text}"),
            format!("A rekord nem található a MiniCRM-ben. {text}"),
        ),
        MiniCrmKind::Incompatible => lang.pick(
            "MiniCRM nu acceptă o cerere pe care o face extensia (o incompatibilitate între extensie și contul tău MiniCRM, nu o problemă a datelor tale). Nu o repetăm automat; trimite textul MiniCRM de mai jos echipei extensiei.".to_string(),
            "MiniCRM does not accept a request the extension makes (an incompatibility between the extension and your MiniCRM account, not a problem with your data). It is not repeated automatically; send MiniCRM's text below to the extension's team.".to_string(),
            "A MiniCRM nem fogad el egy kérést, amelyet a bővítmény küld (összeférhetetlenség a bővítmény és a MiniCRM-fiókod között, nem az adataid hibája). Nem ismételjük automatikusan; küldd el az alábbi MiniCRM-szöveget a bővítmény csapatának.".to_string(),
        ),
        MiniCrmKind::Rejected => lang.pick(
            format!("MiniCRM a refuzat datele: {text}"),
            format!("MiniCRM refused the data: {text}"),
            format!("A MiniCRM elutasította az adatokat: {text}"),
        ),
        MiniCrmKind::NotAllowed => lang.pick(
            format!("MiniCRM nu permite operația (HTTP {status}). {text}"),
            format!("MiniCRM does not allow the operation (HTTP {status}). {text}"),
            format!("A MiniCRM nem engedélyezi a műveletet (HTTP {status}). {text}"),
        ),
        MiniCrmKind::Server => lang.pick(
            format!("MiniCRM nu funcționează momentan (HTTP {status}). Încearcă din nou mai târziu."),
            format!("MiniCRM is not working right now (HTTP {status}). Try again later."),
            format!("A MiniCRM jelenleg nem működik (HTTP {status}). Próbáld újra később."),
        ),
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
        let mut seen = std::collections::BTreeSet::new();
        let errors = every_error();
        assert_eq!(errors.len(), 15 + 8 + 8 + 7 + 4 + 17 + 6 + 16);
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
