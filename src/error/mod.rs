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
}

/// The settings a problem can be about (also the form field the options page highlights).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Problem {
    Missing,
    Cif {
        problem: CifProblemKind,
    },
    Email,
    Token,
    Series,
    /// The address is not https (or not an origin the extension may contact).
    Url {
        allowed: Vec<String>,
    },
    SystemId,
    ApiKey,
    Range {
        min: i64,
        max: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// What kind of error SmartBill answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SmartBillKind {
    /// 401, wrong e-mail or token.
    Auth,
    /// 401, the CIF is not a company this user can access.
    Company,
    /// 403/429 lockout for exceeding 30 calls / 10 s; `until_ms` is when calls may resume.
    RateLimited { until_ms: i64 },
    /// 400 with an `errorText`: the document was refused (nothing was created).
    Rejected,
    /// 400 `invalid_request_error`: the request itself is malformed (a bug on our side).
    BadRequest { param: Option<String> },
    /// 403 (other than the lockout), e.g. deleting a document that is not the last of its series.
    Forbidden,
    /// 404/410/502: the document does not exist.
    NotFound,
    /// 5xx: SmartBill failed.
    Server,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MiniCrmKind {
    /// 401: bad SystemId/API key, or the API add-on is not active.
    Auth,
    /// 429: over 60 requests a minute.
    RateLimited,
    /// 404: unknown URL or record.
    NotFound,
    /// 400: invalid value.
    Rejected,
    /// 400 "Unknown parameter" or 404 "Unknown URL": MiniCRM does not accept a request the
    /// extension made. Nothing a person can fix in their data; never retried in a loop.
    Incompatible,
    /// 405: wrong method or forbidden status transition.
    NotAllowed,
    /// 5xx.
    Server,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Error {
    Setting {
        field: Field,
        problem: Problem,
    },
    /// The request never reached the service.
    Unreachable {
        service: Service,
        detail: String,
    },
    /// The request may have reached the service; no answer came back. Outcome unknown.
    NoAnswer {
        service: Service,
        detail: String,
    },
    SmartBill {
        status: u16,
        #[serde(flatten)]
        kind: SmartBillKind,
        text: String,
    },
    MiniCrm {
        status: u16,
        #[serde(flatten)]
        kind: MiniCrmKind,
        text: String,
    },
    /// An answer we could not understand.
    UnexpectedAnswer {
        service: Service,
        status: u16,
        detail: String,
    },
    Storage {
        detail: String,
    },
    /// The sender may not run this command (e.g. a content script asking for settings).
    Forbidden {
        command: String,
    },
    BadCommand {
        detail: String,
    },
    /// Not configured yet.
    NotConfigured,
    /// An emission cannot go ahead (see [`EmissionProblem`]).
    Emission {
        problem: Box<EmissionProblem>,
    },
    /// We hold calls to a service back until then: a lockout it imposed, or our own pacing.
    Paused {
        service: Service,
        until_ms: i64,
        locked_out: bool,
    },
    /// The company import's job cannot do what was asked (see `import::job`).
    Import {
        problem: import::JobProblem,
    },
    /// Team mode: the team's server refused or could not be reached (see `team_mode`).
    Team {
        problem: Box<team::TeamProblem>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<EmissionProblem> for Error {
    fn from(problem: EmissionProblem) -> Error {
        Error::Emission {
            problem: Box::new(problem),
        }
    }
}

impl Error {
    /// A short stable code for tests and logs, e.g. `smartbill.auth`, `setting.smartbillCif`.
    pub fn code(&self) -> String {
        match self {
            Error::Setting { field, .. } => format!("setting.{}", json_name(field)),
            Error::Unreachable { service, .. } => format!("{}.unreachable", json_name(service)),
            Error::NoAnswer { service, .. } => format!("{}.noAnswer", json_name(service)),
            Error::SmartBill { kind, .. } => format!("smartbill.{}", tag(kind)),
            Error::MiniCrm { kind, .. } => format!("minicrm.{}", tag(kind)),
            Error::UnexpectedAnswer { service, .. } => format!("{}.unexpected", json_name(service)),
            Error::Storage { .. } => "storage".into(),
            Error::Forbidden { .. } => "forbidden".into(),
            Error::BadCommand { .. } => "badCommand".into(),
            Error::NotConfigured => "notConfigured".into(),
            Error::Emission { problem } => format!("emission.{}", tag(problem)),
            Error::Paused { service, .. } => format!("{}.paused", json_name(service)),
            Error::Import { problem } => format!("import.{}", tag(problem)),
            Error::Team { problem } => format!("team.{}", tag(problem)),
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
            code: e.code(),
            message: e.message(lang),
            vendor_text: e.vendor_text().map(str::to_string),
            vendor: e.vendor(),
            field: e.field(),
        }
    }
}

fn json_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn tag<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default()
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
