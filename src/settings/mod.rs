//! The configuration: defaults, validation (CIF control digit, e-mail, token shape, addresses the
//! extension may contact) and versioned migrations. Secrets (SmartBill token, MiniCRM API key) are
//! stored with the rest in `chrome.storage.local` and never leave the background and the
//! extension's own pages: [`SettingsView`] is what pages see.

pub mod server;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};

use crate::cif::parse_cif;
use crate::document::DocumentKind;
use crate::error::{Error, Field, Problem, Result};
use crate::minicrm;
use crate::platform::json::AnyValue;
use crate::smartbill::{self, SeriesType};
use crate::url::{origin, permission_covers, split};

pub const STORE_KEY: &str = "settings";
pub const CURRENT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum DocumentType {
    #[default]
    Invoice,
    Proforma,
}

impl DocumentType {
    pub fn series_type(self) -> SeriesType {
        match self {
            DocumentType::Invoice => SeriesType::Invoice,
            DocumentType::Proforma => SeriesType::Proforma,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Module {
    #[default]
    Offers,
    Orders,
}

impl Module {
    pub fn document_kind(self) -> DocumentKind {
        match self {
            Module::Offers => DocumentKind::Offer,
            Module::Orders => DocumentKind::Order,
        }
    }

    /// Whether a MiniCRM category looks like this module: by its type (`?Detailed=1`), else by
    /// its name in Romanian, English or Hungarian (minicrm-api.md §2.1, §5).
    pub fn matches(self, category: &minicrm::Category) -> bool {
        let wanted = match self {
            Module::Offers => "offer",
            Module::Orders => "order",
        };
        if let Some(kind) = &category.kind {
            if kind.eq_ignore_ascii_case(wanted) {
                return true;
            }
        }
        let name = crate::text::fold(&category.name);
        let names: &[&str] = match self {
            Module::Offers => &["oferte", "oferta", "offers", "offer", "ajanlat", "ajanlatok"],
            Module::Orders => &[
                "comenzi",
                "comanda",
                "orders",
                "order",
                "megrendeles",
                "megrendelesek",
                "rendelesek",
            ],
        };
        names.contains(&name.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SmartBillSettings {
    pub cif: String,
    pub email: String,
    pub token: String,
    pub api_base: String,
}

impl Default for SmartBillSettings {
    fn default() -> Self {
        SmartBillSettings {
            cif: String::new(),
            email: String::new(),
            token: String::new(),
            api_base: smartbill::DEFAULT_API_BASE.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MiniCrmSettings {
    /// `https://r3.minicrm.ro` (the address the user opens MiniCRM at).
    pub url: String,
    pub system_id: String,
    pub api_key: String,
    pub module: Module,
    /// The module's CategoryId, found by "Test connection".
    pub category_id: Option<u64>,
}

impl Default for MiniCrmSettings {
    fn default() -> Self {
        MiniCrmSettings {
            url: minicrm::HOSTS[0].to_string(),
            system_id: String::new(),
            api_key: String::new(),
            module: Module::Offers,
            category_id: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct DocumentSettings {
    pub kind: DocumentType,
    /// The SmartBill series to issue on (of the document type's kind).
    pub series: String,
    /// Due date = issue date + this many days.
    pub due_days: u32,
    /// Issue drafts (no number), for a safe first try.
    pub draft: bool,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        DocumentSettings {
            kind: DocumentType::Invoice,
            series: String::new(),
            due_days: 15,
            draft: false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub version: u32,
    pub smartbill: SmartBillSettings,
    pub minicrm: MiniCrmSettings,
    pub document: DocumentSettings,
    /// MiniCRM unit (folded with `text::fold`) → SmartBill unit; over `invoice::default_units`.
    pub units: crate::platform::SortedMap<String, String>,
    pub stock: StockSettings,
    pub integration: IntegrationSettings,
    pub team: TeamSettings,
    pub advanced: AdvancedSettings,
    /// Team mode: the team's server, when set (see `team_mode`).
    pub server: server::ServerSettings,
}

/// This browser within the team: several colleagues use the extension on one MiniCRM account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct TeamSettings {
    /// A name colleagues recognise on the cards this browser is issuing ("Ana – laptop").
    pub browser_label: String,
    /// This browser runs automatic emission and the background jobs for the team. Only one
    /// browser should: the first one configured is, and it steps down when it meets another
    /// browser that has been running them longer (see `team`).
    pub runner: bool,
    /// Since when this browser runs them.
    pub runner_since_ms: Option<i64>,
    /// The browser seen running automatic emission for the team, when it is not this one.
    pub other_runner: Option<OtherRunner>,
}

impl Default for TeamSettings {
    fn default() -> Self {
        TeamSettings {
            browser_label: String::new(),
            runner: true,
            runner_since_ms: None,
            other_runner: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct OtherRunner {
    pub browser: String,
    pub label: String,
    pub since_ms: Option<i64>,
    /// When its claim was seen on a card.
    pub seen_ms: i64,
}

/// The key of the team's runner this browser saw last ([`OtherRunner`]): written by the emission
/// alone when it meets another browser's automatic claim on a card, never with the settings, so
/// that a person's save from the options page (the setup module) and the core's notice (the full
/// core) never write the same record. [`load`] folds it into [`TeamSettings`].
pub const RUNNER_SEEN_KEY: &str = "team.runnerSeen";

impl TeamSettings {
    /// The team settings as a person saved them, with the runner seen since. The emission
    /// records one only when this browser is not the runner, or steps down for it (`team`): one
    /// seen after this browser became the runner made it step down, until a person ticks the box
    /// again (which makes `runner_since_ms` later).
    fn with_runner_seen(mut self, seen: OtherRunner) -> TeamSettings {
        if self.runner && self.runner_since_ms.is_none_or(|since| seen.seen_ms >= since) {
            self.runner = false;
            self.runner_since_ms = None;
        }
        if !self.runner {
            self.other_runner = Some(seen);
        }
        self
    }
}

/// A status of the module (`StatusId` option of the schema).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct StatusRef {
    pub id: String,
    pub label: String,
}

/// How emission meets MiniCRM: the card fields, the trigger statuses, automatic emission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct IntegrationSettings {
    pub fields: crate::fields::FieldMap,
    /// Reaching one of these statuses emits automatically (when `auto` is on).
    pub triggers: Vec<StatusRef>,
    pub auto: bool,
    /// How often the background looks for documents that reached a trigger status.
    pub interval_minutes: u32,
    /// When automatic emission was switched on: older changes are never invoiced automatically.
    pub auto_since_ms: Option<i64>,
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        IntegrationSettings {
            fields: Default::default(),
            triggers: Vec::new(),
            auto: false,
            interval_minutes: 2,
            auto_since_ms: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct StockSettings {
    /// SmartBill is the source of truth for quantities; invoices discharge stock.
    pub enabled: bool,
    /// The SmartBill warehouse invoices discharge and the sync reads.
    pub warehouse: String,
}

/// Only honoured by builds that may reach the sandbox (see [`Settings::time_scale`]).
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct AdvancedSettings {
    /// Shrinks rate-limit windows by this factor, to match the sandbox's sped-up clock.
    pub time_scale: f64,
    /// Tests: how long a request may take before its outcome is unknown.
    pub request_timeout_ms: Option<u32>,
    /// Tests: the claim's bound `D` (see `emission::claim`).
    pub claim_bound_ms: Option<u32>,
    /// Tests: the margin after a request's timeout before its outcome is judged.
    pub land_margin_ms: Option<u32>,
}

impl Default for AdvancedSettings {
    fn default() -> Self {
        AdvancedSettings {
            time_scale: 1.0,
            request_timeout_ms: None,
            claim_bound_ms: None,
            land_margin_ms: None,
        }
    }
}

/// The claim's time limits (see `emission::claim` for the protocol and its argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimTiming {
    /// `D`: a claim write acknowledged later than this after R1 was sent is given up.
    pub bound_ms: i64,
    /// `D'` (> `D`): the wait between the acknowledgement and R2.
    pub wait_ms: i64,
    /// A claim older than this is stale.
    pub lease_ms: i64,
}

/// How long requests and claims may take (see `emission::claim` for the claim's argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// A request without an answer after this long is given up; its outcome is unknown.
    pub request_timeout_ms: i64,
    /// After a request was given up (or its worker stopped), this much longer before anyone
    /// concludes what it did: the server may still be working on it.
    pub land_margin_ms: i64,
    pub claim: ClaimTiming,
}

impl Timing {
    /// Production values: 30 s requests, 10 s margin, claim writes within 6 s, a 7 s wait, a
    /// 10-minute lease.
    pub const PRODUCTION: Timing = Timing {
        request_timeout_ms: 30_000,
        land_margin_ms: 10_000,
        claim: ClaimTiming {
            bound_ms: 6_000,
            wait_ms: 7_000,
            lease_ms: 600_000,
        },
    };

    /// From a request's start until nobody can doubt its outcome.
    pub fn settle_ms(&self) -> i64 {
        self.request_timeout_ms + self.land_margin_ms
    }
}

/// What the options page sees: everything but the secrets, which are replaced by "is set".
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub smartbill: SmartBillView,
    pub minicrm: MiniCrmView,
    pub document: DocumentSettings,
    pub integration: IntegrationSettings,
    pub stock: StockSettings,
    #[cfg_attr(test, ts(as = "std::collections::BTreeMap<String, String>"))]
    pub units: crate::platform::SortedMap<String, String>,
    /// The units table as text, one `MiniCRM unit = SmartBill unit` per line.
    pub units_text: String,
    pub advanced: AdvancedSettings,
    pub team: TeamSettings,
    pub server: server::ServerView,
    pub complete: bool,
    /// The host permissions these settings need granted (see [`Settings::origins_needed`]).
    pub origins: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SmartBillView {
    pub cif: String,
    pub email: String,
    pub token_set: bool,
    pub api_base: String,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MiniCrmView {
    pub url: String,
    pub system_id: String,
    pub api_key_set: bool,
    pub module: Module,
    pub category_id: Option<u64>,
}

/// What the options page sends. An empty or missing secret keeps the stored one.
#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SettingsInput {
    pub smartbill: SmartBillInput,
    pub minicrm: MiniCrmInput,
    pub document: Option<DocumentSettings>,
    pub integration: Option<IntegrationInput>,
    pub stock: Option<StockSettings>,
    pub units: Option<crate::platform::SortedMap<String, String>>,
    /// The units table as the person typed it: one `MiniCRM unit = SmartBill unit` per line.
    pub units_text: Option<String>,
    pub advanced: Option<AdvancedSettings>,
    pub team: Option<TeamInput>,
    pub server: Option<server::ServerInput>,
}

#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TeamInput {
    pub browser_label: String,
    pub runner: bool,
}

#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntegrationInput {
    pub fields: crate::fields::FieldMap,
    pub triggers: Vec<StatusRef>,
    pub auto: bool,
    pub interval_minutes: Option<u32>,
}

#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SmartBillInput {
    pub cif: String,
    pub email: String,
    pub token: Option<String>,
    pub api_base: Option<String>,
}

#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MiniCrmInput {
    pub url: String,
    pub system_id: String,
    pub api_key: Option<String>,
    pub module: Module,
    pub category_id: Option<u64>,
}

impl Settings {
    /// The form's values over the stored settings (secrets kept when not retyped). Values are
    /// trimmed; the CIF keeps the user's spelling (SmartBill wants it exactly as in Cloud).
    pub fn merged(&self, input: &SettingsInput) -> Settings {
        let keep = |new: &Option<String>, old: &str| match new.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => old.to_string(),
        };
        let mut s = self.clone();
        s.version = CURRENT_VERSION;
        s.smartbill.cif = input.smartbill.cif.trim().to_string();
        s.smartbill.email = input.smartbill.email.trim().to_string();
        s.smartbill.token = keep(&input.smartbill.token, &self.smartbill.token);
        if let Some(base) = &input.smartbill.api_base {
            let b = base.trim().trim_end_matches('/');
            s.smartbill.api_base = if b.is_empty() {
                smartbill::DEFAULT_API_BASE.to_string()
            } else {
                b.to_string()
            };
        }
        let url = input.minicrm.url.trim().trim_end_matches('/');
        s.minicrm.url = origin(url).unwrap_or_else(|| url.to_string());
        s.minicrm.system_id = input.minicrm.system_id.trim().to_string();
        s.minicrm.api_key = keep(&input.minicrm.api_key, &self.minicrm.api_key);
        if s.minicrm.module != input.minicrm.module || input.minicrm.category_id.is_some() {
            s.minicrm.category_id = input.minicrm.category_id;
        }
        s.minicrm.module = input.minicrm.module;
        if let Some(advanced) = &input.advanced {
            s.advanced = advanced.clone();
        }
        if let Some(i) = &input.integration {
            s.integration.fields = i.fields.clone();
            s.integration.triggers = i.triggers.clone();
            if i.auto && !self.integration.auto {
                // Set by the caller, who knows the time.
                s.integration.auto_since_ms = None;
            }
            s.integration.auto = i.auto;
            if let Some(m) = i.interval_minutes {
                s.integration.interval_minutes = m;
            }
        }
        if let Some(stock) = &input.stock {
            s.stock = stock.clone();
            s.stock.warehouse = stock.warehouse.trim().to_string();
        }
        let typed = input.units_text.as_deref().map(parse_units);
        if let Some(units) = typed.as_ref().or(input.units.as_ref()) {
            s.units = unit_table(units.iter().map(|(k, v)| (crate::text::fold(k), v.trim())));
        }
        if let Some(doc) = &input.document {
            s.document = doc.clone();
            s.document.series = doc.series.trim().to_string();
        }
        if let Some(team) = &input.team {
            s.team.browser_label = team.browser_label.trim().chars().take(40).collect();
            if team.runner != self.team.runner {
                s.team.runner = team.runner;
                s.team.runner_since_ms = None;
                if team.runner {
                    s.team.other_runner = None;
                }
            }
        }
        if let Some(server) = &input.server {
            s.server = self.server.merged(server);
        }
        if s.server.enabled() {
            // Team mode keeps no vendor secret in the browser: the server holds its own.
            s.smartbill.token.clear();
            s.minicrm.api_key.clear();
        }
        s
    }

    pub fn view(&self, host_permissions: &[String]) -> SettingsView {
        SettingsView {
            smartbill: SmartBillView {
                cif: self.smartbill.cif.clone(),
                email: self.smartbill.email.clone(),
                token_set: !self.smartbill.token.is_empty(),
                api_base: self.smartbill.api_base.clone(),
            },
            minicrm: MiniCrmView {
                url: self.minicrm.url.clone(),
                system_id: self.minicrm.system_id.clone(),
                api_key_set: !self.minicrm.api_key.is_empty(),
                module: self.minicrm.module,
                category_id: self.minicrm.category_id,
            },
            document: self.document.clone(),
            integration: self.integration.clone(),
            stock: self.stock.clone(),
            units: self.units.clone(),
            units_text: self
                .units
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            advanced: self.advanced.clone(),
            team: self.team.clone(),
            server: self.server.view(),
            complete: self.validate_all(host_permissions).is_empty(),
            origins: self.origins_needed(host_permissions),
        }
    }

    /// The host permissions the browser must have granted for these settings to work: the ones
    /// covering the SmartBill API address and the MiniCRM address (the content script runs there
    /// too; by default r3.minicrm.ro); with no MiniCRM address, every MiniCRM one. Firefox lets the user
    /// withdraw an MV3 extension's host permissions (Chrome's "site access" too): the options
    /// page checks these with `permissions.contains` and asks for the missing ones.
    pub fn origins_needed(&self, host_permissions: &[String]) -> Vec<String> {
        // In team mode the browser calls the team's server instead of SmartBill.
        let mut urls = if self.server.enabled() {
            Vec::new()
        } else {
            vec![self.smartbill.api_base.clone()]
        };
        if split(&self.minicrm.url).is_some() {
            urls.push(self.minicrm.url.clone());
        } else {
            urls.extend(minicrm::HOSTS.iter().map(|h| format!("{h}/")));
        }
        let mut out: Vec<String> = Vec::new();
        for url in &urls {
            if let Some(p) = host_permissions.iter().find(|p| permission_covers(p, url)) {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        if let Some(p) = self.server.permission(host_permissions) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// Every problem of the SmartBill part, the CIF first (it is checked before any call).
    pub fn validate_smartbill(&self, host_permissions: &[String]) -> Vec<Error> {
        let mut errors = Vec::new();
        let s = &self.smartbill;
        if let Err(p) = parse_cif(&s.cif) {
            errors.push(setting(Field::SmartbillCif, p.into()));
        }
        if s.email.is_empty() {
            errors.push(setting(Field::SmartbillEmail, Problem::Missing));
        } else if !email_like(&s.email) {
            errors.push(setting(Field::SmartbillEmail, Problem::Email));
        }
        if s.token.is_empty() {
            errors.push(setting(Field::SmartbillToken, Problem::Missing));
        } else if !token_like(&s.token) {
            errors.push(setting(Field::SmartbillToken, Problem::Token));
        }
        if !address_allowed(&s.api_base, host_permissions, true) {
            errors.push(setting(
                Field::SmartbillApiBase,
                Problem::Url {
                    allowed: vec![smartbill::DEFAULT_API_BASE.to_string()],
                },
            ));
        }
        errors
    }

    /// Every problem of the MiniCRM part.
    pub fn validate_minicrm(&self, host_permissions: &[String]) -> Vec<Error> {
        let mut errors = Vec::new();
        let m = &self.minicrm;
        if m.url.is_empty() {
            errors.push(setting(Field::MinicrmUrl, Problem::Missing));
        } else if !address_allowed(&m.url, host_permissions, false) {
            errors.push(setting(
                Field::MinicrmUrl,
                Problem::Url {
                    allowed: minicrm::HOSTS.iter().map(|h| h.to_string()).collect(),
                },
            ));
        }
        if m.system_id.is_empty() {
            errors.push(setting(Field::MinicrmSystemId, Problem::Missing));
        } else if !(m.system_id.len() <= 9 && m.system_id.chars().all(|c| c.is_ascii_digit())) {
            errors.push(setting(Field::MinicrmSystemId, Problem::SystemId));
        }
        if m.api_key.is_empty() {
            errors.push(setting(Field::MinicrmApiKey, Problem::Missing));
        } else if !key_like(&m.api_key) {
            errors.push(setting(Field::MinicrmApiKey, Problem::ApiKey));
        }
        errors
    }

    pub fn validate_document(&self) -> Vec<Error> {
        let mut errors = Vec::new();
        let series = &self.document.series;
        if series.is_empty() {
            errors.push(setting(Field::SmartbillSeries, Problem::Missing));
        } else if series.len() > 20 || series.chars().any(|c| c.is_whitespace() || c.is_control()) {
            errors.push(setting(Field::SmartbillSeries, Problem::Series));
        }
        if self.document.due_days > 365 {
            errors.push(setting(Field::DueDays, Problem::Range { min: 0, max: 365 }));
        }
        let i = &self.integration;
        if !(1..=1440).contains(&i.interval_minutes) {
            errors.push(setting(Field::PollInterval, Problem::Range { min: 1, max: 1440 }));
        }
        if i.auto && i.triggers.is_empty() {
            errors.push(setting(Field::Triggers, Problem::Missing));
        }
        if self.stock.enabled && self.stock.warehouse.is_empty() {
            errors.push(setting(Field::StockWarehouse, Problem::Missing));
        }
        errors
    }

    pub fn validate_all(&self, host_permissions: &[String]) -> Vec<Error> {
        if self.server.enabled() {
            // Team mode: everything else is the server's settings (its admin's).
            return self.server.validate(host_permissions);
        }
        let mut all = self.validate_smartbill(host_permissions);
        all.extend(self.validate_minicrm(host_permissions));
        all.extend(self.validate_document());
        all
    }

    /// Complete, with the module's category found: the panel works on cards, and the ticks run.
    pub fn configured(&self, host_permissions: &[String]) -> bool {
        self.validate_all(host_permissions).is_empty() && self.minicrm.category_id.is_some()
    }

    /// The rate-limit time scale in effect: 1 in production builds whatever is stored.
    pub fn time_scale(&self, host_permissions: &[String]) -> f64 {
        if is_sandbox_build(host_permissions)
            && self.advanced.time_scale.is_finite()
            && self.advanced.time_scale >= 1.0
        {
            self.advanced.time_scale
        } else {
            1.0
        }
    }

    /// [`Timing::PRODUCTION`]; sandbox builds scale it with the time scale (the sandbox's clock
    /// runs faster) and let tests set the request timeout and the claim's bound.
    pub fn timing(&self, host_permissions: &[String]) -> Timing {
        let scale = self.time_scale(host_permissions);
        if scale <= 1.0 && !is_sandbox_build(host_permissions) {
            return Timing::PRODUCTION;
        }
        let p = Timing::PRODUCTION;
        let scaled = |ms: i64, min: i64| ((ms as f64 / scale).ceil() as i64).max(min);
        let bound = self
            .advanced
            .claim_bound_ms
            .map(i64::from)
            .unwrap_or_else(|| scaled(p.claim.bound_ms, 200));
        let request_timeout_ms = self
            .advanced
            .request_timeout_ms
            .map(i64::from)
            .unwrap_or(p.request_timeout_ms);
        let land_margin_ms = self
            .advanced
            .land_margin_ms
            .map(i64::from)
            .unwrap_or_else(|| scaled(p.land_margin_ms, 500));
        Timing {
            request_timeout_ms,
            land_margin_ms,
            claim: ClaimTiming {
                bound_ms: bound,
                // D' − D only has to be positive; a sixth of D, as in production (7 s after 6 s).
                wait_ms: bound + (bound / 6).max(50),
                // The lease must outlast a POST (timeout and margin) with room for the work
                // before it, whatever the tests shrink.
                lease_ms: scaled(p.claim.lease_ms, 20_000).max(request_timeout_ms + land_margin_ms + 60_000),
            },
        }
    }

    pub fn smartbill_credentials(&self, host_permissions: &[String]) -> Result<smartbill::Credentials> {
        if let Some(e) = self.validate_smartbill(host_permissions).into_iter().next() {
            return Err(e);
        }
        Ok(smartbill::Credentials {
            api_base: self.smartbill.api_base.clone(),
            email: self.smartbill.email.clone(),
            token: self.smartbill.token.clone(),
            cif: self.smartbill.cif.split_whitespace().collect(),
        })
    }

    pub fn minicrm_credentials(&self, host_permissions: &[String]) -> Result<minicrm::Credentials> {
        if let Some(e) = self.validate_minicrm(host_permissions).into_iter().next() {
            return Err(e);
        }
        Ok(minicrm::Credentials {
            base: self.minicrm.url.clone(),
            system_id: self.minicrm.system_id.clone(),
            api_key: self.minicrm.api_key.clone(),
        })
    }
}

/// The units table typed in the options page: `ore = ora` per line; lines without `=` or with an
/// empty side are left out.
pub fn parse_units(text: &str) -> crate::platform::SortedMap<String, String> {
    unit_table(
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(from, to)| (from.trim(), to.trim())),
    )
}

/// A unit table from (MiniCRM unit, SmartBill unit) pairs, the empty ones left out; a later pair
/// replaces an earlier one. Inserted, not collected: `collect` into a B-tree map sorts its input,
/// and each call site of it brings its own copy of the sort into the module.
fn unit_table<K, V>(pairs: impl Iterator<Item = (K, V)>) -> crate::platform::SortedMap<String, String>
where
    K: AsRef<str> + Into<String>,
    V: AsRef<str> + Into<String>,
{
    let mut table = crate::platform::SortedMap::new();
    for (from, to) in pairs {
        if !from.as_ref().is_empty() && !to.as_ref().is_empty() {
            table.insert(from.into(), to.into());
        }
    }
    table
}

/// A build that may reach more than the real services (the sandbox build of the demo and tests).
pub fn is_sandbox_build(host_permissions: &[String]) -> bool {
    let production = production_host_permissions();
    host_permissions.iter().any(|p| !production.contains(&p.as_str()))
}

fn setting(field: Field, problem: Problem) -> Error {
    Error::Setting { field, problem }
}

fn email_like(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        && !domain.contains('@')
}

/// SmartBill tokens are 32 lowercase hex characters in every example (§1.1); we accept any
/// 16–128 characters of letters, digits, `-` and `_` so a format change does not lock users out.
fn token_like(s: &str) -> bool {
    (16..=128).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn key_like(s: &str) -> bool {
    (8..=128).contains(&s.len()) && s.chars().all(|c| c.is_ascii_graphic())
}

/// An address is allowed when it is the vendor's production address (https) or covered by one of
/// the extension's host permissions (the sandbox build adds `http://127.0.0.1/*`).
fn address_allowed(url: &str, host_permissions: &[String], smartbill: bool) -> bool {
    if split(url).is_none() {
        return false;
    }
    let production = if smartbill {
        url == smartbill::DEFAULT_API_BASE
    } else {
        // Exactly one of MiniCRM's hosts (not any address that ends like one).
        origin(url).is_some_and(|o| o == url && minicrm::HOSTS.contains(&o.as_str()))
    };
    production || host_permissions.iter().any(|p| permission_covers(p, url))
}

/// The host permissions of the production build (`extension/manifest.json`).
pub fn production_host_permissions() -> [&'static str; 4] {
    [
        "https://ws.smartbill.ro/*",
        "https://r3.minicrm.ro/*",
        "https://r3.minicrm.hu/*",
        "https://r3.minicrm.io/*",
    ]
}

/// Stored settings from their text: straight into [`Settings`] when this version wrote them,
/// through [`migrate`] otherwise.
pub fn from_stored(text: &[u8]) -> Result<Settings> {
    match crate::platform::json::from_slice::<Option<Settings>>(text) {
        Ok(Some(settings)) if settings.version == CURRENT_VERSION => Ok(settings),
        Ok(None) => Ok(Settings {
            version: CURRENT_VERSION,
            ..Settings::default()
        }),
        _ => migrate(text),
    }
}

/// What an older version's settings say beside the fields read now.
#[derive(Default, LeanDeserialize)]
#[serde(default)]
struct Older {
    version: AnyValue,
    /// Version 0's series (see [`migrate`]).
    #[serde(rename = "invoiceSeries")]
    invoice_series: Option<AnyValue>,
    document: AnyValue,
}

#[derive(Default, LeanDeserialize)]
#[serde(default)]
struct OlderDocument {
    series: Option<AnyValue>,
}

/// Reads stored settings of any version and brings them to [`CURRENT_VERSION`].
pub fn migrate(text: &[u8]) -> Result<Settings> {
    let unreadable = |e: &dyn std::fmt::Display| Error::Storage {
        detail: format!("settings are unreadable: {e}"),
    };
    let older: Older = crate::platform::json::from_slice(text).map_err(|e| unreadable(&e))?;
    let version = match &older.version {
        AnyValue::Number(n) => n.parse().unwrap_or(0),
        _ => 0u64,
    };
    if version > u64::from(CURRENT_VERSION) {
        return Err(Error::Storage {
            detail: format!("settings version {version} is newer than this extension"),
        });
    }
    let mut settings: Settings = crate::platform::json::from_slice(text).map_err(|e| unreadable(&e))?;
    // Version 0 (never released in a store) kept the series at the top level as
    // `invoiceSeries`; it moved under `document.series`, unless that was set too.
    let series_set = older
        .document
        .read::<OlderDocument>()
        .is_some_and(|d| d.series.is_some());
    if let (0, Some(series), false) = (version, older.invoice_series, series_set) {
        settings.document.series = series
            .as_str()
            .ok_or_else(|| unreadable(&"invoiceSeries is not text"))?
            .to_string();
    }
    settings.version = CURRENT_VERSION;
    Ok(settings)
}

/// Where the secrets live: apart from the rest of the settings, under keys the platform's store
/// keeps out of content scripts' reach (the extension origin's IndexedDB in the browser, see
/// `platform::SECRET_PREFIX`).
const SECRET_TOKEN_KEY: &str = "secret.smartbill.token";
const SECRET_API_KEY_KEY: &str = "secret.minicrm.apiKey";

pub async fn load(store: &dyn crate::platform::Store) -> Result<Settings> {
    let storage = |detail| Error::Storage { detail };
    // The four reads at once (a cold worker waits for each).
    use crate::platform::join;
    let ((stored, seen), (token, api_key)) = join(
        join(store.get_json(STORE_KEY), store.get_json(RUNNER_SEEN_KEY)),
        join(
            store.get_text(SECRET_TOKEN_KEY),
            store.get_text(SECRET_API_KEY_KEY),
        ),
    )
    .await;
    let mut settings = match stored.map_err(storage)? {
        None => Settings {
            version: CURRENT_VERSION,
            ..Settings::default()
        },
        Some(text) => from_stored(&text)?,
    };
    // Unreadable: none, which the emission learns again.
    let seen = seen.ok().flatten();
    if let Some(seen) = seen.and_then(|text| crate::platform::from_json::<OtherRunner>(&text).ok()) {
        settings.team = settings.team.with_runner_seen(seen);
    }
    let (token, api_key) = (
        token.map_err(storage)?.unwrap_or_default(),
        api_key.map_err(storage)?.unwrap_or_default(),
    );
    if !settings.smartbill.token.is_empty() || !settings.minicrm.api_key.is_empty() {
        // Written by an older version next to the other settings: moved to the secrets (what
        // was read from them before the move is superseded).
        save(store, &settings).await?;
    } else {
        settings.smartbill.token = token;
        settings.minicrm.api_key = api_key;
    }
    if settings.server.enabled() {
        settings.server.key = store
            .get_text(server::SECRET_KEY_KEY)
            .await
            .map_err(storage)?
            .unwrap_or_default();
    }
    Ok(settings)
}

/// Saves the settings; the token and the API key go to the secrets, never beside the rest.
pub async fn save(store: &dyn crate::platform::Store, settings: &Settings) -> Result<()> {
    let storage = |detail| Error::Storage { detail };
    for (key, secret) in [
        (SECRET_TOKEN_KEY, &settings.smartbill.token),
        (SECRET_API_KEY_KEY, &settings.minicrm.api_key),
        (server::SECRET_KEY_KEY, &settings.server.key),
    ] {
        store.set_text(key, secret).await.map_err(storage)?;
    }
    let mut open = settings.clone();
    open.smartbill.token.clear();
    open.minicrm.api_key.clear();
    crate::platform::save(store, STORE_KEY, &open)
        .await
        .map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner seen on the cards (its own key) over what a person saved.
    #[test]
    fn a_step_down_holds_until_a_person_ticks_the_box_again() {
        let seen = OtherRunner {
            browser: "b1".into(),
            label: "Ana".into(),
            since_ms: Some(10),
            seen_ms: 500,
        };
        let runner_since = |since: Option<i64>| TeamSettings {
            runner: true,
            runner_since_ms: since,
            ..TeamSettings::default()
        };
        // Seen after this browser became the runner (or since ever): it stepped down.
        for since in [Some(100), Some(500), None] {
            let team = runner_since(since).with_runner_seen(seen.clone());
            assert!(!team.runner);
            assert_eq!(team.runner_since_ms, None);
            assert_eq!(team.other_runner.as_ref(), Some(&seen));
        }
        // A person ticked the box after: the runner again, naming no other.
        let team = runner_since(Some(900)).with_runner_seen(seen.clone());
        assert!(team.runner);
        assert_eq!(team.runner_since_ms, Some(900));
        assert_eq!(team.other_runner, None);
        // Not the runner by a person's choice: the runner seen is named.
        let team = TeamSettings {
            runner: false,
            ..TeamSettings::default()
        }
        .with_runner_seen(seen.clone());
        assert_eq!(team.other_runner, Some(seen));
    }
    use crate::error::CifProblemKind;

    #[tokio::test]
    async fn secrets_are_kept_apart_from_the_settings_and_moved_there_from_old_ones() {
        let store = crate::platform::native::MemoryStore::new();
        let s = complete();
        save(&store, &s).await.unwrap();
        let open = store.get_raw(STORE_KEY).await.unwrap().unwrap().to_string();
        assert!(
            !open.contains(&s.smartbill.token) && !open.contains(&s.minicrm.api_key),
            "{open}"
        );
        assert_eq!(load(&store).await.unwrap(), s);
        // An older version's settings, secrets inside: read right, and moved out.
        let store = crate::platform::native::MemoryStore::new();
        crate::platform::save(&store, STORE_KEY, &s).await.unwrap();
        assert_eq!(load(&store).await.unwrap(), s);
        let open = store.get_raw(STORE_KEY).await.unwrap().unwrap().to_string();
        assert!(!open.contains(&s.smartbill.token), "{open}");
        // The same beside secrets from before (read at the same time as the settings): the ones
        // inside the old settings win, and replace them.
        let store = crate::platform::native::MemoryStore::new();
        crate::platform::save(&store, STORE_KEY, &s).await.unwrap();
        let stale = serde_json::Value::String("stale".into());
        store.set_raw(SECRET_TOKEN_KEY, stale.clone()).await.unwrap();
        store.set_raw(SECRET_API_KEY_KEY, stale).await.unwrap();
        assert_eq!(load(&store).await.unwrap(), s);
        assert_eq!(load(&store).await.unwrap(), s);
    }

    #[tokio::test]
    async fn a_secret_is_a_text_and_anything_else_there_reads_as_none() {
        let store = crate::platform::native::MemoryStore::new();
        let s = complete();
        save(&store, &s).await.unwrap();
        // Written as texts, read back as texts.
        assert_eq!(
            store.get_raw(SECRET_TOKEN_KEY).await.unwrap(),
            Some(serde_json::Value::String(s.smartbill.token.clone()))
        );
        // Not a text (a damaged store, another program's value): no secret, the rest intact.
        store
            .set_raw(SECRET_TOKEN_KEY, serde_json::json!(42))
            .await
            .unwrap();
        store
            .set_raw(SECRET_API_KEY_KEY, serde_json::json!({"key": "x"}))
            .await
            .unwrap();
        let read = load(&store).await.unwrap();
        assert_eq!(
            (read.smartbill.token.as_str(), read.minicrm.api_key.as_str()),
            ("", "")
        );
        assert_eq!(read.document, s.document);
    }

    #[test]
    fn origins_needed_are_the_permissions_covering_the_configured_addresses() {
        let perms: Vec<String> = production_host_permissions()
            .iter()
            .map(|p| p.to_string())
            .chain(["http://127.0.0.1/*".to_string()])
            .collect();
        let mut s = Settings::default();
        // The defaults: SmartBill's API and MiniCRM's Romanian address.
        assert_eq!(
            s.origins_needed(&perms),
            vec!["https://ws.smartbill.ro/*", "https://r3.minicrm.ro/*"]
        );
        // No MiniCRM address: every MiniCRM one.
        s.minicrm.url = String::new();
        assert_eq!(s.origins_needed(&perms), production_host_permissions().to_vec());
        s.minicrm.url = "https://r3.minicrm.hu".into();
        assert_eq!(
            s.origins_needed(&perms),
            vec!["https://ws.smartbill.ro/*", "https://r3.minicrm.hu/*"]
        );
        // The sandbox: one pattern covers both local services.
        s.smartbill.api_base = "http://127.0.0.1:4100/SBORO/api".into();
        s.minicrm.url = "http://127.0.0.1:4200".into();
        assert_eq!(s.origins_needed(&perms), vec!["http://127.0.0.1/*"]);
    }

    fn complete() -> Settings {
        Settings {
            version: 1,
            smartbill: SmartBillSettings {
                cif: "RO18547290".into(),
                email: "contabilitate@firmademo.ro".into(),
                token: "6c1f0e5b9a7d43e28b4f1a0c9d2e7b35".into(),
                api_base: smartbill::DEFAULT_API_BASE.into(),
            },
            minicrm: MiniCrmSettings {
                url: "https://r3.minicrm.ro".into(),
                system_id: "53832".into(),
                api_key: "q7Rk2VnX9sLp4TzW8yHc3MdF6aJb1GeN".into(),
                module: Module::Offers,
                category_id: Some(21),
            },
            document: DocumentSettings {
                series: "FCT".into(),
                ..Default::default()
            },
            units: Default::default(),
            stock: StockSettings::default(),
            integration: IntegrationSettings::default(),
            team: TeamSettings::default(),
            advanced: AdvancedSettings::default(),
            server: Default::default(),
        }
    }

    #[test]
    fn the_minicrm_address_is_exactly_one_of_minicrms_hosts() {
        for ok in [
            "https://r3.minicrm.ro",
            "https://r3.minicrm.hu",
            "https://r3.minicrm.io",
        ] {
            let mut s = complete();
            s.minicrm.url = ok.into();
            assert!(s.validate_minicrm(&[]).is_empty(), "{ok}");
        }
        for bad in [
            "https://icrm.ro",
            "https://m.ro",
            "https://ro",
            "http://r3.minicrm.ro",
            "https://evil-r3.minicrm.ro",
            "https://r3.minicrm.ro.evil.com",
            "https://r3.minicrm.com",
        ] {
            let mut s = complete();
            s.minicrm.url = bad.into();
            assert_eq!(s.validate_minicrm(&[]).len(), 1, "{bad} must be refused");
        }
    }

    #[test]
    fn the_units_table_is_read_from_the_typed_text() {
        let units = parse_units("ore = ora\n cutie=buc \n\n= x\nfără egal\nkg =  ");
        assert_eq!(units.len(), 2);
        assert_eq!(units["ore"], "ora");
        assert_eq!(units["cutie"], "buc");
    }

    #[test]
    fn production_timing_ignores_test_overrides() {
        let mut s = complete();
        s.advanced.request_timeout_ms = Some(1_000);
        s.advanced.claim_bound_ms = Some(10);
        assert_eq!(s.timing(&[]), Timing::PRODUCTION);
        let t = s.timing(&["http://127.0.0.1/*".to_string()]);
        assert_eq!((t.request_timeout_ms, t.claim.bound_ms), (1_000, 10));
        assert!(t.claim.wait_ms > t.claim.bound_ms);
    }

    #[test]
    fn time_scale_only_applies_to_sandbox_builds() {
        let mut s = complete();
        s.advanced.time_scale = 100.0;
        assert_eq!(s.time_scale(&[]), 1.0);
        assert_eq!(s.time_scale(&["http://127.0.0.1/*".to_string()]), 100.0);
    }

    #[test]
    fn complete_settings_are_valid_in_production() {
        assert!(complete().validate_all(&[]).is_empty());
        assert!(complete().view(&[]).complete);
    }

    #[test]
    fn bad_cif_is_reported_first_with_its_reason() {
        let mut s = complete();
        s.smartbill.cif = "RO18547291".into();
        s.smartbill.email = "not-an-email".into();
        let errors = s.validate_smartbill(&[]);
        assert_eq!(
            errors[0],
            Error::Setting {
                field: Field::SmartbillCif,
                problem: Problem::Cif {
                    problem: CifProblemKind::ControlDigit
                }
            }
        );
        assert_eq!(
            errors[1],
            Error::Setting {
                field: Field::SmartbillEmail,
                problem: Problem::Email
            }
        );
        assert!(s.smartbill_credentials(&[]).is_err());
    }

    #[test]
    fn sandbox_addresses_need_a_host_permission() {
        let mut s = complete();
        s.minicrm.url = "http://127.0.0.1:41002".into();
        s.smartbill.api_base = "http://127.0.0.1:41001/SBORO/api".into();
        assert_eq!(s.validate_all(&[]).len(), 2);
        let sandbox = vec!["http://127.0.0.1/*".to_string()];
        assert!(s.validate_all(&sandbox).is_empty());
        // Plain http to the real host is never allowed.
        s.minicrm.url = "http://r3.minicrm.ro".into();
        assert_eq!(s.validate_minicrm(&sandbox).len(), 1);
    }

    #[test]
    fn merging_keeps_secrets_that_were_not_retyped() {
        let stored = complete();
        let input = SettingsInput {
            smartbill: SmartBillInput {
                cif: " RO18547290 ".into(),
                email: "a@b.ro".into(),
                token: Some("".into()),
                api_base: None,
            },
            minicrm: MiniCrmInput {
                url: "https://r3.minicrm.hu/53832/".into(),
                system_id: "53832".into(),
                api_key: None,
                module: Module::Orders,
                category_id: None,
            },
            ..Default::default()
        };
        let merged = stored.merged(&input);
        assert_eq!(merged.smartbill.token, stored.smartbill.token);
        assert_eq!(merged.minicrm.api_key, stored.minicrm.api_key);
        assert_eq!(merged.smartbill.cif, "RO18547290");
        assert_eq!(merged.minicrm.url, "https://r3.minicrm.hu");
        // Changing the module forgets the old module's category.
        assert_eq!(merged.minicrm.category_id, None);
    }

    #[test]
    fn view_hides_secrets() {
        let json = serde_json::to_string(&complete().view(&[])).unwrap();
        assert!(!json.contains("6c1f0e5b9a7d43e28b4f1a0c9d2e7b35"));
        assert!(!json.contains("q7Rk2VnX9sLp4TzW8yHc3MdF6aJb1GeN"));
        assert!(json.contains("\"tokenSet\":true"));
    }

    #[test]
    fn migrates_version_zero_and_refuses_the_future() {
        let old = br#"{"smartbill": {"cif": "RO18547290"}, "invoiceSeries": "FCT"}"#;
        let s = migrate(old).unwrap();
        assert_eq!(s.version, CURRENT_VERSION);
        assert_eq!(s.document.series, "FCT");
        assert_eq!(s.smartbill.api_base, smartbill::DEFAULT_API_BASE);
        // A series under `document` too is kept; one that is not text is refused.
        let both = br#"{"version": 0, "invoiceSeries": "FCT", "document": {"series": "B"}}"#;
        assert_eq!(migrate(both).unwrap().document.series, "B");
        let number = migrate(br#"{"invoiceSeries": 7}"#).unwrap_err().to_string();
        assert!(number.contains("settings are unreadable"), "{number}");
        // Only version 0 had it.
        let v1 = br#"{"version": 1, "invoiceSeries": "FCT", "document": {"series": "B"}}"#;
        assert_eq!(migrate(v1).unwrap().document.series, "B");
        assert!(migrate(br#"{"version": 99}"#).is_err());
    }

    #[test]
    fn stored_text_is_read_straight_or_migrated() {
        let current = br#"{"version": 1, "smartbill": {"cif": "RO18547290"}, "document": {"series": "A"}}"#;
        let s = from_stored(current).unwrap();
        assert_eq!(
            (s.version, s.smartbill.cif.as_str(), s.document.series.as_str()),
            (1, "RO18547290", "A")
        );
        let old = from_stored(br#"{"smartbill": {"cif": "RO18547290"}, "invoiceSeries": "FCT"}"#).unwrap();
        assert_eq!(
            (old.version, old.document.series.as_str()),
            (CURRENT_VERSION, "FCT")
        );
        assert_eq!(from_stored(b"null").unwrap().version, CURRENT_VERSION);
        let newer = from_stored(br#"{"version": 99}"#).unwrap_err().to_string();
        assert!(newer.contains("newer than this extension"), "{newer}");
        let broken = from_stored(br#"{"version": 1, "smartbill": "#)
            .unwrap_err()
            .to_string();
        assert!(broken.contains("settings are unreadable"), "{broken}");
    }

    #[test]
    fn modules_are_recognised_by_type_or_name() {
        let c = |name: &str, kind: Option<&str>| minicrm::Category {
            id: 1,
            name: name.into(),
            kind: kind.map(Into::into),
        };
        assert!(Module::Offers.matches(&c("Oferte", None)));
        assert!(Module::Offers.matches(&c("Whatever", Some("Offer"))));
        assert!(Module::Orders.matches(&c("Megrendelések", None)));
        assert!(!Module::Orders.matches(&c("Vânzări", Some("Generic"))));
    }
}
