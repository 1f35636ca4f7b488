//! CORS for the members' extensions: only the configured extension origins
//! (`chrome-extension://<id>`, `moz-extension://<uuid>`) are answered with
//! `Access-Control-Allow-Origin`; a request from any other origin is refused outright (403), and so
//! is its preflight. Requests without an `Origin` (SmartBill's webhook, the admin's curl) carry no
//! CORS headers and are judged by their credentials alone.

/// Methods and headers a member's extension uses.
pub const ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type";
pub const MAX_AGE_S: &str = "600";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No `Origin` header: not a browser page; no CORS headers.
    NoOrigin,
    /// An allowed extension origin: echo it back.
    Allowed(String),
    /// Any other origin: refuse.
    Refused,
}

pub fn judge(origin: Option<&str>, allowed: &[String]) -> Verdict {
    match origin.map(str::trim) {
        None | Some("") => Verdict::NoOrigin,
        Some(o) => {
            let o = o.trim_end_matches('/');
            if allowed.iter().any(|a| a == o) {
                Verdict::Allowed(o.to_string())
            } else {
                Verdict::Refused
            }
        }
    }
}

/// Headers for an answer to an allowed origin.
pub fn headers(origin: &str, preflight: bool) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("Access-Control-Allow-Origin", origin.to_string()),
        ("Vary", "Origin".to_string()),
    ];
    if preflight {
        h.push(("Access-Control-Allow-Methods", ALLOW_METHODS.to_string()));
        h.push(("Access-Control-Allow-Headers", ALLOW_HEADERS.to_string()));
        h.push(("Access-Control-Max-Age", MAX_AGE_S.to_string()));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_configured_origins_pass() {
        let allowed = vec!["chrome-extension://abcdefghijklmnopabcdefghijklmnop".to_string()];
        assert_eq!(judge(None, &allowed), Verdict::NoOrigin);
        assert_eq!(
            judge(
                Some("chrome-extension://abcdefghijklmnopabcdefghijklmnop"),
                &allowed
            ),
            Verdict::Allowed("chrome-extension://abcdefghijklmnopabcdefghijklmnop".into())
        );
        assert_eq!(judge(Some("https://evil.example"), &allowed), Verdict::Refused);
        assert_eq!(
            judge(
                Some("chrome-extension://pbcdefghijklmnopabcdefghijklmnop"),
                &allowed
            ),
            Verdict::Refused
        );
        assert_eq!(judge(Some("null"), &allowed), Verdict::Refused);
    }
}
