//! The server's configuration, from the Worker's environment (`wrangler.toml` vars and Workers
//! secrets), and how it meets the core's settings.
//!
//! The team's identity and the vendor secrets come from the environment only; everything else
//! (series, module, card fields, triggers, stock warehouse, …) is the core's ordinary settings,
//! stored in the team's Durable Object by the admin's `saveSettings`. The core reads its settings
//! through [`Config::overlay`], which puts the identity and the secrets in, and writes them
//! through [`Config::strip`], which takes the secrets out: they never land in storage and no
//! reply can carry them (the core's settings view only says whether they are set).

use serde_json::{json, Map, Value};

/// Variables (`[vars]` in wrangler.toml).
pub const SMARTBILL_CIF: &str = "SMARTBILL_CIF";
pub const SMARTBILL_EMAIL: &str = "SMARTBILL_EMAIL";
pub const SMARTBILL_API_BASE: &str = "SMARTBILL_API_BASE";
pub const MINICRM_URL: &str = "MINICRM_URL";
pub const MINICRM_SYSTEM_ID: &str = "MINICRM_SYSTEM_ID";
pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
/// Extra addresses the core may call besides the vendors' production hosts (the sandbox, in
/// tests: `http://127.0.0.1/*`). Leave unset in production.
pub const EXTRA_HOSTS: &str = "EXTRA_HOSTS";
/// Optional: how long one cron trigger or alarm slice works on the jobs (ms, default 20 s,
/// 100 ms – 4 min); the object's alarm goes on with the next slice. Tests shorten it.
pub const TICK_SLICE_MS: &str = "TICK_SLICE_MS";
pub const DEFAULT_SLICE_MS: i64 = 20_000;
/// Secrets (`wrangler secret put`).
pub const SMARTBILL_TOKEN: &str = "SMARTBILL_TOKEN";
pub const MINICRM_API_KEY: &str = "MINICRM_API_KEY";
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";
/// Optional: the "Token autentificare" of SmartBill's stock sync. Defaults to the SmartBill API
/// token, which is what SmartBill's own plugins tell users to paste there (smartbill-api.md §4.1).
pub const STOCK_WEBHOOK_TOKEN: &str = "STOCK_WEBHOOK_TOKEN";

#[derive(Clone)]
pub struct Config {
    pub smartbill_cif: String,
    pub smartbill_email: String,
    pub smartbill_api_base: String,
    pub smartbill_token: String,
    pub minicrm_url: String,
    pub minicrm_system_id: String,
    pub minicrm_api_key: String,
    pub admin_token: String,
    pub webhook_token: String,
    /// Extension origins allowed by CORS (`chrome-extension://<id>`, `moz-extension://<uuid>`).
    pub allowed_origins: Vec<String>,
    /// Entries of `ALLOWED_ORIGINS` that are not extension origins (ignored).
    pub ignored_origins: Vec<String>,
    pub extra_hosts: Vec<String>,
    /// See [`TICK_SLICE_MS`].
    pub slice_ms: i64,
}

impl std::fmt::Debug for Config {
    /// Never prints a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("smartbill_cif", &self.smartbill_cif)
            .field("minicrm_system_id", &self.minicrm_system_id)
            .field("allowed_origins", &self.allowed_origins)
            .finish_non_exhaustive()
    }
}

fn list(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .map(|s| s.trim().trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `chrome-extension://` + 32 letters a–p (Chrome's id alphabet), or `moz-extension://` + a UUID.
pub fn is_extension_origin(origin: &str) -> bool {
    if let Some(id) = origin.strip_prefix("chrome-extension://") {
        return id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b));
    }
    if let Some(uuid) = origin.strip_prefix("moz-extension://") {
        let parts: Vec<&str> = uuid.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        return parts.len() == 5
            && parts
                .iter()
                .zip(lens)
                .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    false
}

impl Config {
    /// Reads the environment through `get` (a var or a secret by name). `Err` lists the names
    /// of what is missing (never values).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, Vec<&'static str>> {
        let mut missing = Vec::new();
        let mut need = |name: &'static str| -> String {
            match get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
                Some(v) => v,
                None => {
                    missing.push(name);
                    String::new()
                }
            }
        };
        let smartbill_cif = need(SMARTBILL_CIF);
        let smartbill_email = need(SMARTBILL_EMAIL);
        let smartbill_token = need(SMARTBILL_TOKEN);
        let minicrm_url = need(MINICRM_URL);
        let minicrm_system_id = need(MINICRM_SYSTEM_ID);
        let minicrm_api_key = need(MINICRM_API_KEY);
        let admin_token = need(ADMIN_TOKEN);
        if !missing.is_empty() {
            return Err(missing);
        }
        let optional = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let (allowed_origins, ignored_origins) = optional(ALLOWED_ORIGINS)
            .map(|raw| list(&raw))
            .unwrap_or_default()
            .into_iter()
            .partition(|o| is_extension_origin(o));
        Ok(Config {
            smartbill_api_base: optional(SMARTBILL_API_BASE)
                .map(|b| b.trim_end_matches('/').to_string())
                .unwrap_or_else(|| minicrm_smartbill::smartbill::DEFAULT_API_BASE.to_string()),
            webhook_token: optional(STOCK_WEBHOOK_TOKEN).unwrap_or_else(|| smartbill_token.clone()),
            smartbill_cif,
            smartbill_email,
            smartbill_token,
            minicrm_url: minicrm_url.trim_end_matches('/').to_string(),
            minicrm_system_id,
            minicrm_api_key,
            admin_token,
            allowed_origins,
            ignored_origins,
            extra_hosts: optional(EXTRA_HOSTS).map(|raw| list(&raw)).unwrap_or_default(),
            slice_ms: optional(TICK_SLICE_MS)
                .and_then(|v| v.parse::<i64>().ok())
                .map_or(DEFAULT_SLICE_MS, |v| v.clamp(100, 240_000)),
        })
    }

    /// The name the team's Durable Object is derived from: SmartBill CUI (digits, without the RO
    /// prefix) and MiniCRM System ID. One deployment serves one team; this keeps its object
    /// stable across deployments and tells teams apart if a deployment is ever shared.
    pub fn team_name(&self) -> String {
        let cif: String = self
            .smartbill_cif
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let cif = cif.strip_prefix("RO").unwrap_or(&cif).to_string();
        format!("team:{cif}:{}", self.minicrm_system_id.trim())
    }

    /// The "host permissions" the core checks addresses against: the vendors' production hosts,
    /// plus `EXTRA_HOSTS` (tests). With extra hosts the core also honours the settings' time scale,
    /// as the extension's sandbox build does.
    pub fn host_permissions(&self) -> Vec<String> {
        let mut all: Vec<String> = minicrm_smartbill::settings::production_host_permissions()
            .iter()
            .map(|s| s.to_string())
            .collect();
        all.extend(self.extra_hosts.iter().cloned());
        all
    }

    fn identity(&self, settings: &mut Map<String, Value>, secrets: bool) {
        let section = |settings: &mut Map<String, Value>, name: &str| -> Map<String, Value> {
            match settings.remove(name) {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            }
        };
        let mut sb = section(settings, "smartbill");
        sb.insert("cif".into(), json!(self.smartbill_cif));
        sb.insert("email".into(), json!(self.smartbill_email));
        sb.insert("apiBase".into(), json!(self.smartbill_api_base));
        if secrets {
            sb.insert("token".into(), json!(self.smartbill_token));
        } else {
            sb.remove("token");
        }
        settings.insert("smartbill".into(), Value::Object(sb));
        let mut mc = section(settings, "minicrm");
        mc.insert("url".into(), json!(self.minicrm_url));
        mc.insert("systemId".into(), json!(self.minicrm_system_id));
        if secrets {
            mc.insert("apiKey".into(), json!(self.minicrm_api_key));
        } else {
            mc.remove("apiKey");
        }
        settings.insert("minicrm".into(), Value::Object(mc));
    }

    /// The stored settings as the core must see them: identity and secrets from the environment.
    /// Never team mode: the server is the team's server (a `server` section would make its core
    /// forward commands to itself).
    pub fn overlay(&self, stored: Option<Value>) -> Value {
        let mut map = match stored {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        map.remove("server");
        self.identity(&mut map, true);
        Value::Object(map)
    }

    /// The secrets the core keeps under `secret.` keys (see `minicrm_smartbill::settings`): on
    /// the server they are the environment's, read-only. `None` for any other key.
    pub fn secret(&self, key: &str) -> Option<Value> {
        match key {
            "secret.smartbill.token" => Some(json!(self.smartbill_token)),
            "secret.minicrm.apiKey" => Some(json!(self.minicrm_api_key)),
            _ => None,
        }
    }

    /// SmartBill's "Sincronizare stocuri" fields for this deployment, as `GET /api/health` tells
    /// them. The URL is everyone's; the token only the admin's, and only when it is a dedicated
    /// `STOCK_WEBHOOK_TOKEN`: a member's extension never needs it (pasting it into SmartBill is
    /// the account admin's one-time act), whoever holds it can write stock quantities into
    /// MiniCRM, Workers secrets are write-only by design, and when it defaults to the SmartBill
    /// API token it is a vendor secret that no route ever returns.
    pub fn webhook_view(&self, origin: &str, admin: bool) -> Value {
        let dedicated = self.webhook_token != self.smartbill_token;
        json!({
            "url": format!("{}/smartbill/stock", origin.trim_end_matches('/')),
            "token": if admin && dedicated { Some(self.webhook_token.clone()) } else { None },
            "tokenSource": if dedicated { "stockWebhookToken" } else { "smartbillToken" },
        })
    }

    /// Settings on their way to storage: without the secrets.
    pub fn strip(&self, settings: Value) -> Value {
        let mut map = match settings {
            Value::Object(m) => m,
            other => return other,
        };
        map.remove("server");
        for (section, key) in [("smartbill", "token"), ("minicrm", "apiKey")] {
            if let Some(Value::Object(s)) = map.get_mut(section) {
                s.remove(key);
            }
        }
        Value::Object(map)
    }

    /// An admin command's settings form (`saveSettings`, `testSmartBill`, `testMiniCrm`,
    /// `checklist`): the identity is the environment's whatever was typed, and typed secrets are
    /// dropped (the environment's are used). Returns whether a secret was dropped.
    pub fn fill_input(&self, command: &mut Value) -> bool {
        let Some(Value::Object(settings)) = command.get_mut("settings") else {
            return false;
        };
        let typed = |section: &str, key: &str| {
            settings
                .get(section)
                .and_then(|s| s.get(key))
                .and_then(Value::as_str)
                .is_some_and(|v| !v.trim().is_empty())
        };
        let dropped = typed("smartbill", "token") || typed("minicrm", "apiKey");
        // The server never works through another server (team mode is the members' side).
        settings.remove("server");
        self.identity(settings, false);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(extra: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut vars: Vec<(String, String)> = [
            (SMARTBILL_CIF, "RO18547290"),
            (SMARTBILL_EMAIL, "contabilitate@firmademo.ro"),
            (SMARTBILL_TOKEN, "6c1f0e5b9a7d43e28b4f1a0c9d2e7b35"),
            (MINICRM_URL, "https://r3.minicrm.ro/"),
            (MINICRM_SYSTEM_ID, "53832"),
            (MINICRM_API_KEY, "q7Rk2VnX9sLp4TzW8yHc3MdF6aJb1GeN"),
            (ADMIN_TOKEN, "admin-secret-admin-secret"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            vars.retain(|(name, _)| name != k);
            vars.push((k.to_string(), v.to_string()));
        }
        move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn missing_names_are_listed_and_the_webhook_token_defaults_to_the_api_token() {
        let missing = Config::from_lookup(|_| None).unwrap_err();
        assert!(missing.contains(&ADMIN_TOKEN) && missing.contains(&SMARTBILL_TOKEN));
        let c = Config::from_lookup(env(&[])).unwrap();
        assert_eq!(c.webhook_token, c.smartbill_token);
        assert_eq!(c.team_name(), "team:18547290:53832");
        assert_eq!(c.minicrm_url, "https://r3.minicrm.ro");
        let c = Config::from_lookup(env(&[(STOCK_WEBHOOK_TOKEN, "hook-token")])).unwrap();
        assert_eq!(c.webhook_token, "hook-token");
        assert!(!format!("{c:?}").contains("6c1f0e5b"));
    }

    #[test]
    fn the_tick_slice_defaults_and_stays_within_its_bounds() {
        assert_eq!(Config::from_lookup(env(&[])).unwrap().slice_ms, DEFAULT_SLICE_MS);
        let slice = |v: &str| Config::from_lookup(env(&[(TICK_SLICE_MS, v)])).unwrap().slice_ms;
        assert_eq!(slice("500"), 500);
        assert_eq!(slice("5"), 100);
        assert_eq!(slice("99999999"), 240_000);
        assert_eq!(slice("soon"), DEFAULT_SLICE_MS);
    }

    #[test]
    fn only_extension_origins_are_allowed() {
        let c = Config::from_lookup(env(&[(
            ALLOWED_ORIGINS,
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop, https://evil.example moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/",
        )]))
        .unwrap();
        assert_eq!(
            c.allowed_origins,
            vec![
                "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
                "moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
            ]
        );
        assert_eq!(c.ignored_origins, vec!["https://evil.example"]);
        assert!(!is_extension_origin("chrome-extension://short"));
    }

    #[test]
    fn secrets_come_from_the_environment_and_never_go_to_storage() {
        let c = Config::from_lookup(env(&[])).unwrap();
        let stored =
            json!({"version": 1, "document": {"series": "FCT"}, "smartbill": {"cif": "X", "token": "old"}});
        let seen = c.overlay(Some(stored));
        assert_eq!(seen["smartbill"]["token"], c.smartbill_token.as_str());
        assert_eq!(seen["smartbill"]["cif"], "RO18547290");
        assert_eq!(seen["minicrm"]["apiKey"], c.minicrm_api_key.as_str());
        assert_eq!(seen["document"]["series"], "FCT");
        let kept = c.strip(seen);
        assert!(kept["smartbill"].get("token").is_none());
        assert!(kept["minicrm"].get("apiKey").is_none());
        let mut cmd = json!({"cmd": "saveSettings", "settings": {"smartbill": {"cif": "RO1", "token": "typed"}, "minicrm": {"module": "orders"}}});
        assert!(c.fill_input(&mut cmd));
        assert_eq!(cmd["settings"]["smartbill"]["cif"], "RO18547290");
        assert!(cmd["settings"]["smartbill"].get("token").is_none());
        assert_eq!(cmd["settings"]["minicrm"]["module"], "orders");
        assert_eq!(cmd["settings"]["minicrm"]["systemId"], "53832");
        // Team mode never reaches the server's own settings.
        let mut cmd =
            json!({"cmd": "saveSettings", "settings": {"server": {"url": "https://x.example", "key": "k"}}});
        c.fill_input(&mut cmd);
        assert!(cmd["settings"].get("server").is_none());
        assert!(c
            .overlay(Some(json!({"server": {"url": "https://x.example"}})))
            .get("server")
            .is_none());
        assert!(c
            .strip(json!({"server": {"url": "https://x.example"}}))
            .get("server")
            .is_none());
        assert_eq!(c.secret("secret.minicrm.apiKey"), Some(json!(c.minicrm_api_key)));
        assert_eq!(c.secret("secret.server.memberKey"), None);
    }

    #[test]
    fn the_webhook_token_is_shown_to_the_admin_only_and_never_the_api_token() {
        let shared = Config::from_lookup(env(&[])).unwrap();
        let v = shared.webhook_view("https://team.example/", true);
        assert_eq!(v["url"], "https://team.example/smartbill/stock");
        assert_eq!(
            v["token"],
            Value::Null,
            "the SmartBill API token is a vendor secret"
        );
        assert_eq!(v["tokenSource"], "smartbillToken");
        let own = Config::from_lookup(env(&[(STOCK_WEBHOOK_TOKEN, "hook-token-hook-token")])).unwrap();
        assert_eq!(
            own.webhook_view("https://team.example", true)["token"],
            "hook-token-hook-token"
        );
        assert_eq!(
            own.webhook_view("https://team.example", false)["token"],
            Value::Null
        );
        assert_eq!(
            own.webhook_view("https://team.example", false)["tokenSource"],
            "stockWebhookToken"
        );
    }
}
