//! The team server this browser works through (team mode, see `team_mode`): its address and the
//! member key, as stored, as the options page sends them and as pages see them.

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use crate::error::team::TeamProblem;
use crate::error::Error;
use crate::url::{origin, permission_covers, split};

/// Where the member key is kept (a secret key: out of content scripts' reach).
pub const SECRET_KEY_KEY: &str = "secret.server.memberKey";

/// The team server this browser works through. Empty address: no team mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerSettings {
    /// The server's origin, e.g. `https://minicrm-smartbill-team.firma.workers.dev`.
    pub url: String,
    /// The member key (`mcsb_…`), given by the team's admin. Kept with the secrets, never
    /// serialised with the rest of the settings.
    #[serde(skip)]
    pub key: String,
}

/// What the options page sends. An empty or missing key keeps the stored one.
#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerInput {
    pub url: String,
    pub key: Option<String>,
}

/// What pages see: never the key.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServerView {
    pub url: String,
    pub key_set: bool,
    /// Team mode is on (a server address is set).
    pub enabled: bool,
}

impl ServerSettings {
    pub fn enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }

    pub fn view(&self) -> ServerView {
        ServerView {
            url: self.url.clone(),
            key_set: !self.key.is_empty(),
            enabled: self.enabled(),
        }
    }

    /// The form's values over the stored ones: the address is reduced to its origin (the
    /// server's routes are absolute), the key kept when not retyped. Clearing the address leaves
    /// team mode and forgets the key.
    pub fn merged(&self, input: &ServerInput) -> ServerSettings {
        let typed = input.url.trim().trim_end_matches('/');
        let url = if typed.is_empty() {
            String::new()
        } else {
            origin(typed).unwrap_or_else(|| typed.to_string())
        };
        if url.is_empty() {
            return ServerSettings::default();
        }
        let key = match input.key.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => k.to_string(),
            _ => self.key.clone(),
        };
        ServerSettings { url, key }
    }

    /// Every problem of the server part (only meaningful in team mode).
    pub fn validate(&self, host_permissions: &[String]) -> Vec<Error> {
        let mut errors = Vec::new();
        if !address_allowed(&self.url, host_permissions) {
            errors.push(Error::from(TeamProblem::Address {
                url: self.url.clone(),
            }));
        }
        let key = self.key.trim();
        if key.is_empty() {
            errors.push(Error::from(TeamProblem::KeyMissing));
        } else if !key_like(key) {
            errors.push(Error::from(TeamProblem::KeyShape));
        }
        errors
    }

    /// The host permission the browser must grant for the server: the extension's own pattern
    /// covering it (the sandbox build's `http://127.0.0.1/*`), else `https://<host>/*`, which the
    /// production build asks for at run time (its `optional_host_permissions`).
    pub fn permission(&self, host_permissions: &[String]) -> Option<String> {
        if !self.enabled() {
            return None;
        }
        if let Some(p) = host_permissions.iter().find(|p| permission_covers(p, &self.url)) {
            return Some(p.clone());
        }
        let (scheme, host, _, _) = split(&self.url)?;
        Some(format!("{scheme}://{host}/*"))
    }
}

/// A server address must be https, or covered by the build's own host permissions (the sandbox
/// build reaches `http://127.0.0.1`). A plain-http server would carry the member key in clear.
fn address_allowed(url: &str, host_permissions: &[String]) -> bool {
    let Some((scheme, _, _, _)) = split(url) else {
        return false;
    };
    scheme == "https" || host_permissions.iter().any(|p| permission_covers(p, url))
}

/// Member keys are `mcsb_` + 43 base64url characters; an admin token is any long string. Both
/// are a single word of printable characters.
fn key_like(key: &str) -> bool {
    (16..=512).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str, key: Option<&str>) -> ServerInput {
        ServerInput {
            url: url.into(),
            key: key.map(Into::into),
        }
    }

    #[test]
    fn the_address_is_an_origin_and_the_key_is_kept_unless_retyped() {
        let stored = ServerSettings {
            url: "https://old.example".into(),
            key: "mcsb_stored-key-stored-key".into(),
        };
        let m = stored.merged(&input(" https://Team.Example.workers.dev/api/health/ ", Some("")));
        assert_eq!(m.url, "https://team.example.workers.dev");
        assert_eq!(m.key, stored.key);
        let m = stored.merged(&input("https://team.example", Some(" mcsb_new-key-new-key-new ")));
        assert_eq!(m.key, "mcsb_new-key-new-key-new");
        // Clearing the address leaves team mode and forgets the key.
        assert_eq!(stored.merged(&input("  ", None)), ServerSettings::default());
        assert!(!ServerSettings::default().enabled());
    }

    #[test]
    fn https_only_unless_the_build_covers_the_address() {
        let s = |url: &str| ServerSettings {
            url: url.into(),
            key: "mcsb_0123456789abcdefghij".into(),
        };
        assert!(s("https://team.example").validate(&[]).is_empty());
        assert_eq!(s("http://team.example").validate(&[]).len(), 1);
        assert_eq!(s("http://127.0.0.1:8787").validate(&[]).len(), 1);
        let sandbox = vec!["http://127.0.0.1/*".to_string()];
        assert!(s("http://127.0.0.1:8787").validate(&sandbox).is_empty());
        assert_eq!(s("team.example").validate(&[]).len(), 1);
        let mut no_key = s("https://team.example");
        no_key.key.clear();
        assert_eq!(
            no_key.validate(&[])[0].code(),
            "team.keyMissing",
            "the key is required"
        );
        no_key.key = "two words here, really".into();
        assert_eq!(no_key.validate(&[])[0].code(), "team.keyShape");
    }

    #[test]
    fn the_permission_is_the_builds_pattern_or_the_servers_host() {
        let s = ServerSettings {
            url: "https://team.example.workers.dev".into(),
            key: String::new(),
        };
        assert_eq!(
            s.permission(&[]).as_deref(),
            Some("https://team.example.workers.dev/*")
        );
        let local = ServerSettings {
            url: "http://127.0.0.1:8787".into(),
            key: String::new(),
        };
        assert_eq!(
            local.permission(&["http://127.0.0.1/*".to_string()]).as_deref(),
            Some("http://127.0.0.1/*")
        );
        assert_eq!(ServerSettings::default().permission(&[]), None);
    }

    #[test]
    fn the_view_never_shows_the_key() {
        let s = ServerSettings {
            url: "https://team.example".into(),
            key: "mcsb_secret-secret-secret".into(),
        };
        let text = serde_json::to_string(&s.view()).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("\"keySet\":true"));
    }
}
