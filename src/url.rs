//! URL helpers: query encoding, origins, and the host permissions an address must be covered by.

/// Percent-encodes `k=v&…` (RFC 3986 unreserved characters stay; space becomes %20).
pub fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits `scheme://host[:port]/path…` into (scheme, host, port, rest). `None` when malformed.
pub fn split(url: &str) -> Option<(String, String, Option<u16>, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (authority, None),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port, path.to_string()))
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, host, port, _) = split(url)?;
    Some(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Whether a host permission pattern (`https://r3.minicrm.ro/*`, `*://*.example.com/*`,
/// `http://127.0.0.1/*`) covers the URL. As in Chrome, the port is not part of the pattern.
pub fn permission_covers(pattern: &str, url: &str) -> bool {
    let Some((scheme, host, _, _)) = split(url) else {
        return false;
    };
    let Some((p_scheme, rest)) = pattern.split_once("://") else {
        return false;
    };
    let p_host = rest.split('/').next().unwrap_or("").to_ascii_lowercase();
    let scheme_ok = p_scheme == scheme || (p_scheme == "*" && (scheme == "http" || scheme == "https"));
    let host_ok = p_host == "*"
        || p_host == host
        || p_host
            .strip_prefix("*.")
            .is_some_and(|suffix| host == suffix || host.ends_with(&format!(".{suffix}")));
    scheme_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_queries() {
        assert_eq!(
            encode_query(&[("warehouseName", "Depozit Central"), ("cif", "RO1")]),
            "warehouseName=Depozit%20Central&cif=RO1"
        );
        assert_eq!(encode("Ș"), "%C8%98");
    }

    #[test]
    fn origins_and_permissions() {
        assert_eq!(
            origin("https://R3.minicrm.ro/53832/#Project-21/5"),
            Some("https://r3.minicrm.ro".into())
        );
        assert_eq!(
            origin("http://127.0.0.1:4100/x"),
            Some("http://127.0.0.1:4100".into())
        );
        assert_eq!(origin("ftp://x"), None);
        assert_eq!(origin("https://user:pw@evil.com"), None);
        assert!(permission_covers(
            "https://r3.minicrm.ro/*",
            "https://r3.minicrm.ro/Api/R3"
        ));
        assert!(permission_covers(
            "http://127.0.0.1/*",
            "http://127.0.0.1:41002/Api"
        ));
        assert!(!permission_covers(
            "https://r3.minicrm.ro/*",
            "http://r3.minicrm.ro/"
        ));
        assert!(permission_covers("*://*.minicrm.ro/*", "https://r3.minicrm.ro/"));
        assert!(!permission_covers(
            "https://r3.minicrm.ro/*",
            "https://r3.minicrm.ro.evil.com/"
        ));
    }
}
