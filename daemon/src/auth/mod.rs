//! Authentication primitives: access tokens (`jwt`), passwords, refresh tokens and
//! lockout keys. Who may call what (the access table and the layer that enforces it)
//! belongs to the identity domain (`domains::identity::access`).

pub mod jwt;
pub mod password;

use aes_gcm::aead::{OsRng, rand_core::RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Failures in a row before an account locks (SECURITY.md T4).
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// Lock durations per tier: 15 → 30 → 60 → 120 minutes (the last repeats).
pub const LOCKOUT_TIERS_SECS: [i64; 4] = [15 * 60, 30 * 60, 60 * 60, 120 * 60];

/// Limits on what a client may send (SECURITY.md T9).
pub const MAX_USERNAME_CHARS: usize = 255;
pub const MAX_DEVICE_LABEL_CHARS: usize = 255;

/// A new refresh token: 32 random bytes, base64url for the client; only its SHA-256
/// is stored.
pub fn new_refresh_token() -> (Zeroizing<String>, [u8; 32]) {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(bytes.as_mut());
    let token = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
    let hash = refresh_token_hash_bytes(bytes.as_ref());
    (token, hash)
}

/// The stored hash of a presented refresh token, or `None` when it is not one of ours.
pub fn refresh_token_hash(token: &str) -> Option<[u8; 32]> {
    let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(token.trim()).ok()?);
    (bytes.len() == 32).then(|| refresh_token_hash_bytes(&bytes))
}

fn refresh_token_hash_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A random public identifier (sessions, token ids): 16 bytes, hex.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The lockout row key for `username`: HMAC-SHA256 under a key derived from the JWT
/// secret, so the table holds no usernames and cannot be reversed with a word list.
pub fn lockout_key(secret: &jwt::JwtSecret, username: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.bytes()).expect("HMAC takes any key length");
    mac.update(b"spotter lockout v1\0");
    mac.update(username.trim().to_lowercase().as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_and_only_their_hash_matches() {
        let (a, ha) = new_refresh_token();
        let (b, hb) = new_refresh_token();
        assert_ne!(*a, *b);
        assert_eq!(refresh_token_hash(&a), Some(ha));
        assert_ne!(ha, hb);
        assert_eq!(refresh_token_hash("not-a-token"), None);
        assert_eq!(refresh_token_hash(&URL_SAFE_NO_PAD.encode([1u8; 31])), None);
    }

    #[test]
    fn lockout_key_is_case_insensitive_and_keyed() {
        let s1 = jwt::JwtSecret::parse("secret-one-secret-one-secret-one-1").unwrap();
        let s2 = jwt::JwtSecret::parse("secret-two-secret-two-secret-two-2").unwrap();
        assert_eq!(lockout_key(&s1, "Alice"), lockout_key(&s1, "alice "));
        assert_ne!(lockout_key(&s1, "alice"), lockout_key(&s2, "alice"));
        assert!(!lockout_key(&s1, "alice").contains("alice"));
    }
}
