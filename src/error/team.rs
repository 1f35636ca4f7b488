//! What can go wrong between a colleague's browser and the team's server, in words a person can
//! act on (Romanian first, English, Hungarian).

use crate::error::{Error, Field};
use crate::i18n::{Lang, Text};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamProblem {
    /// The server address is missing, malformed or not https.
    #[error("team server address {url:?} is not valid")]
    Address { url: String },
    #[error("no member key")]
    KeyMissing,
    /// Not a single word of printable characters (a key pasted with spaces or cut short).
    #[error("the member key is not shaped like one")]
    KeyShape,
    /// No answer to a request that changes nothing: the server is down, the address is wrong, or
    /// the browser refused the request (no access to the address, or the server's CORS refused
    /// this extension). A browser cannot tell these apart.
    #[error("team server {url} unreachable (origin {origin})")]
    Unreachable { url: String, origin: String },
    /// No answer to an action (emit, cancel, …): it may still be running on the server.
    #[error("no answer from team server {url}")]
    NoAnswer { url: String },
    /// 401: the key is wrong or was revoked.
    #[error("the member key was refused")]
    Unauthorized,
    /// 403: this extension's origin is not in the server's `ALLOWED_ORIGINS`.
    #[error("origin {origin} is not allowed by the team server")]
    OriginRefused { origin: String },
    /// 403: the key may not run this command (settings are the admin's).
    #[error("the member key may not run {command:?}")]
    Forbidden { command: String },
    /// 409: a colleague is acting on this card right now (the server's card lease).
    #[error("a colleague is acting on the card")]
    CardBusy,
    /// 500: the server lacks part of its configuration (names of Workers vars or secrets).
    #[error("the team server lacks configuration {missing:?}")]
    NotConfigured { missing: Vec<String> },
    /// The address answers, but not as a team server (404, HTML, …).
    #[error("no team server at {url} (HTTP {status})")]
    NotTeamServer { url: String, status: u16 },
    /// An answer we could not understand (5xx from the platform, …).
    #[error("unexpected answer from the team server (HTTP {status}): {detail}")]
    Unexpected { status: u16, detail: String },
    /// The server's core refused or failed the command: its own words, already in our language.
    #[error("the team server answered {code}: {message}")]
    Remote {
        code: String,
        message: String,
        vendor_text: Option<String>,
        vendor: Option<String>,
    },
    /// In team mode this is the server's business (connection tests, checklist, warehouses).
    #[error("{command:?} is the team server's in team mode")]
    ServerHolds { command: String },
    /// The company import needs the MiniCRM API key in this browser, which team mode does not keep.
    #[error("the company import is not available in team mode")]
    ImportUnavailable,
    /// The jobs run on the server; only its admin stops them.
    #[error("the jobs run on the team server")]
    JobsOnServer,
    /// Team mode was turned on after the worker chose the module for a panel's command: the full
    /// core, built without team mode's forwarding, did nothing (the panel asks again).
    #[error("team mode was turned on meanwhile")]
    Switched,
}

impl TeamProblem {
    pub fn code(&self) -> &'static str {
        match self {
            TeamProblem::Address { .. } => "team.address",
            TeamProblem::KeyMissing => "team.keyMissing",
            TeamProblem::KeyShape => "team.keyShape",
            TeamProblem::Unreachable { .. } => "team.unreachable",
            TeamProblem::NoAnswer { .. } => "team.noAnswer",
            TeamProblem::Unauthorized => "team.unauthorized",
            TeamProblem::OriginRefused { .. } => "team.originRefused",
            TeamProblem::Forbidden { .. } => "team.forbidden",
            TeamProblem::CardBusy => "team.cardBusy",
            TeamProblem::NotConfigured { .. } => "team.notConfigured",
            TeamProblem::NotTeamServer { .. } => "team.notTeamServer",
            TeamProblem::Unexpected { .. } => "team.unexpected",
            TeamProblem::Remote { .. } => "team.remote",
            TeamProblem::ServerHolds { .. } => "team.serverHolds",
            TeamProblem::ImportUnavailable => "team.importUnavailable",
            TeamProblem::JobsOnServer => "team.jobsOnServer",
            TeamProblem::Switched => "team.switched",
        }
    }
}

impl From<TeamProblem> for Error {
    fn from(problem: TeamProblem) -> Error {
        Error::Team {
            problem: Box::new(problem),
        }
    }
}

impl TeamProblem {
    /// The form field a problem is about, for the options page.
    pub fn field(&self) -> Option<Field> {
        match self {
            TeamProblem::Address { .. } | TeamProblem::NotTeamServer { .. } => Some(Field::ServerUrl),
            TeamProblem::KeyMissing | TeamProblem::KeyShape | TeamProblem::Unauthorized => {
                Some(Field::ServerKey)
            }
            _ => None,
        }
    }

    pub fn vendor_text(&self) -> Option<&str> {
        match self {
            TeamProblem::Remote { vendor_text, .. } => vendor_text.as_deref(),
            TeamProblem::Unexpected { detail, .. } if !detail.is_empty() => Some(detail),
            _ => None,
        }
    }

    pub fn vendor(&self) -> Option<&'static str> {
        match self {
            TeamProblem::Remote { vendor, .. } => match vendor.as_deref() {
                Some("MiniCRM") => Some("MiniCRM"),
                Some(_) => Some("SmartBill"),
                None => None,
            },
            TeamProblem::Unexpected { .. } => Some("server"),
            _ => None,
        }
    }

    /// When the panel should ask again by itself: a colleague's work ends soon, a server that
    /// did not answer may be back. A refused key or origin needs a person first.
    pub fn refresh_ms(&self) -> Option<u32> {
        match self {
            TeamProblem::CardBusy | TeamProblem::Switched => Some(1_500),
            TeamProblem::NoAnswer { .. } => Some(2_000),
            TeamProblem::Unreachable { .. } | TeamProblem::Unexpected { .. } => Some(4_000),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            TeamProblem::Address { url } if url.trim().is_empty() => lang.text(Text::TeamAddress).to_string(),
            TeamProblem::Address { url } => invalid_address(url, lang),
            TeamProblem::KeyMissing => lang.text(Text::TeamKeyMissing).to_string(),
            TeamProblem::KeyShape => lang.text(Text::TeamKeyShape).to_string(),
            TeamProblem::Unreachable { url, origin } => unreachable(url, origin, lang),
            TeamProblem::NoAnswer { url } => lang.fill(Text::TeamNoAnswer, &[("url", &url)]),
            TeamProblem::Unauthorized => lang.text(Text::TeamUnauthorized).to_string(),
            TeamProblem::OriginRefused { origin } => origin_refused(origin, lang),
            TeamProblem::Forbidden { command } => lang.fill(Text::TeamForbidden, &[("command", &command)]),
            TeamProblem::CardBusy => lang.text(Text::TeamCardBusy).to_string(),
            TeamProblem::NotConfigured { missing } => {
                lang.fill(Text::TeamNotConfigured, &[("missing", &missing.join(", "))])
            }
            TeamProblem::NotTeamServer { url, status } => {
                lang.fill(Text::TeamNotTeamServer, &[("url", &url), ("status", &status)])
            }
            TeamProblem::Unexpected { status, .. } => lang.fill(Text::TeamUnexpected, &[("status", &status)]),
            TeamProblem::Remote { message, .. } => message.clone(),
            TeamProblem::ServerHolds { command } => server_holds(command, lang),
            TeamProblem::ImportUnavailable => lang.text(Text::TeamImportUnavailable).to_string(),
            TeamProblem::JobsOnServer => lang.text(Text::TeamJobsOnServer).to_string(),
            TeamProblem::Switched => lang.text(Text::TeamSwitched).to_string(),
        }
    }
}

/// The server cannot be reached: the address, the connection, or the browser's refusal.
fn unreachable(url: &str, origin: &str, lang: Lang) -> String {
    lang.fill(Text::TeamUnreachable, &[("url", &url), ("origin", &origin)])
}

/// The server refuses this extension's origin.
fn origin_refused(origin: &str, lang: Lang) -> String {
    lang.fill(Text::TeamOriginRefused, &[("origin", &origin)])
}

/// A command that in team mode is the server's business.
fn server_holds(command: &str, lang: Lang) -> String {
    lang.fill(Text::TeamServerBusiness, &[("command", &command)])
}

/// A team server address that is not a valid https address.
fn invalid_address(url: &str, lang: Lang) -> String {
    lang.fill(Text::TeamBadUrl, &[("url", &url)])
}
