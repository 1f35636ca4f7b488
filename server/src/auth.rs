//! Who may do what. Three secrets reach the server: the admin token (a Workers secret), the stock
//! webhook token (the "Token autentificare" pasted into SmartBill, a Workers secret) and the
//! member keys (one per colleague's extension, created and revoked by the admin, kept in the
//! team's Durable Object only as SHA-256 hashes). Every comparison is constant-time: both sides
//! are hashed first, so neither the content nor the length of a secret shows in the timing.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Prefix of member keys, so a key pasted in the wrong field is recognisable.
pub const MEMBER_KEY_PREFIX: &str = "mcsb_";

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    sha256(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time equality of two byte strings of any length (compares their SHA-256 digests
/// with no early exit).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    ct_eq_digest(&sha256(a), &sha256(b))
}

fn ct_eq_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

/// Whether `given` is the expected secret. An unset expected secret never matches.
pub fn secret_matches(given: Option<&str>, expected: &str) -> bool {
    let given = given.unwrap_or("");
    // Always compare, even when nothing was given, so a missing header costs the same time.
    let equal = ct_eq(given.as_bytes(), expected.as_bytes());
    equal && !expected.is_empty() && !given.is_empty()
}

/// A new member key from 32 random bytes: `mcsb_` + base64url (43 characters).
pub fn member_key(random: &[u8; 32]) -> String {
    format!(
        "{MEMBER_KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    )
}

/// A colleague's access, as the Durable Object stores it: never the key itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub name: String,
    /// SHA-256 of the key, hex.
    pub key_hash: String,
    pub created_ms: i64,
    #[serde(default)]
    pub revoked_ms: Option<i64>,
}

impl Member {
    /// What the admin sees in the list.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "createdMs": self.created_ms,
            "revokedMs": self.revoked_ms,
            "active": self.revoked_ms.is_none(),
        })
    }
}

/// The active member holding `key`, if any. Every stored hash is compared in constant time,
/// with no early exit.
pub fn find_member<'a>(members: &'a [Member], key: &str) -> Option<&'a Member> {
    let digest = sha256(key.as_bytes());
    let mut found = None;
    for m in members {
        let stored = hex32(&m.key_hash).unwrap_or([0; 32]);
        if ct_eq_digest(&digest, &stored) && m.revoked_ms.is_none() {
            found = Some(m);
        }
    }
    found
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Who is calling.
#[derive(Clone, Debug, PartialEq)]
pub enum Caller {
    Admin,
    Member { id: String, name: String },
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin)
    }
}

/// Core commands a member's extension may run on the server: the panel and card actions (emit,
/// retry, cancel, storno, confirm, PDF, status), the jobs' status and "sync now". Settings,
/// connection tests, the checklist and warehouses are the admin's.
pub const MEMBER_COMMANDS: [&str; 4] = ["panelState", "card", "jobsStatus", "syncNow"];

/// Commands the server does not run at all (yet): the company import reads a file in the
/// browser and is driven from the import page.
pub const SERVER_REFUSES: [&str; 2] = ["import", "openOptions"];

pub fn may_run(caller: &Caller, command: &str) -> bool {
    if SERVER_REFUSES.contains(&command) {
        return false;
    }
    caller.is_admin() || MEMBER_COMMANDS.contains(&command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_and_secret_checks() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer   abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(None), None);
        assert!(secret_matches(Some("s3cret-token"), "s3cret-token"));
        assert!(!secret_matches(Some("s3cret-tokem"), "s3cret-token"));
        assert!(!secret_matches(Some("s3cret"), "s3cret-token"));
        assert!(!secret_matches(None, "s3cret-token"));
        // An unset secret never lets anyone in, not even with an empty token.
        assert!(!secret_matches(Some(""), ""));
        assert!(!secret_matches(None, ""));
    }

    #[test]
    fn members_are_found_by_key_and_revocation_ends_access() {
        let key = member_key(&[7; 32]);
        assert!(key.starts_with("mcsb_") && key.len() == 5 + 43);
        let mut members = vec![
            Member {
                id: "a".into(),
                name: "Ana".into(),
                key_hash: sha256_hex(b"other"),
                created_ms: 1,
                revoked_ms: None,
            },
            Member {
                id: "b".into(),
                name: "Bogdan".into(),
                key_hash: sha256_hex(key.as_bytes()),
                created_ms: 2,
                revoked_ms: None,
            },
        ];
        assert_eq!(find_member(&members, &key).map(|m| m.id.as_str()), Some("b"));
        assert!(find_member(&members, "mcsb_wrong").is_none());
        members[1].revoked_ms = Some(3);
        assert!(find_member(&members, &key).is_none());
    }

    #[test]
    fn members_run_card_commands_only() {
        let member = Caller::Member {
            id: "b".into(),
            name: "Bogdan".into(),
        };
        assert!(may_run(&member, "card"));
        assert!(may_run(&member, "panelState"));
        assert!(!may_run(&member, "saveSettings"));
        assert!(!may_run(&member, "getSettings"));
        assert!(!may_run(&member, "tick"));
        assert!(may_run(&Caller::Admin, "saveSettings"));
        assert!(!may_run(&Caller::Admin, "import"));
    }
}
