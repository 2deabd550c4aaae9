//! The sealed envelope.
//!
//! Text form: `spotter:v2:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`.
//! AES-256-GCM with a fresh random 96-bit nonce per seal. The associated data binds the
//! ciphertext to its place — envelope version, key id, table, column, row id, and
//! (version 2) the user and provider it belongs to — so a value copied to another row,
//! column or owner, or relabelled with another key id, does not open.
//!
//! Version 1 (`spotter:v1:`) bound no owner: with ids that could be reused, a value
//! could be moved to the same row id of another user (issue 10, finding 9). Version 1
//! values still open; nothing seals them any more, and a key rotation re-seals them
//! as version 2.

use std::collections::HashMap;

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use super::{Key, KeyId, SecretString};

/// What every value sealed now starts with.
pub const ENVELOPE_PREFIX: &str = "spotter:v2:";
/// Values sealed before the owner was bound; they still open.
pub const ENVELOPE_V1_PREFIX: &str = "spotter:v1:";
/// What every sealed value of any version starts with; the registry audit searches
/// the database for it.
pub const ENVELOPE_MARKER: &str = "spotter:v";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Where a sealed value lives; part of its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealed<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
    /// Whose it is, where its column says (bound by version 2).
    pub owner: Owner<'a>,
}

/// The user (id as text) and provider a sealed value belongs to, where it has them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owner<'a> {
    pub user_id: Option<&'a str>,
    pub provider: Option<&'a str>,
}

/// The envelope versions that open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

impl Version {
    fn prefix(self) -> &'static str {
        match self {
            Version::V1 => ENVELOPE_V1_PREFIX,
            Version::V2 => ENVELOPE_PREFIX,
        }
    }
}

impl Sealed<'_> {
    fn aad(&self, version: Version, key_id: &KeyId) -> Vec<u8> {
        // Unit separators keep "a|b" + "c" from colliding with "a" + "b|c".
        let mut aad = format!(
            "{}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            version.prefix(),
            key_id.as_str(),
            self.table,
            self.column,
            self.row_id
        );
        if version == Version::V2 {
            // "-" for "none": never a user id or provider name, so absent and empty
            // cannot be confused.
            for part in [self.owner.user_id, self.owner.provider] {
                aad.push('\u{1f}');
                aad.push_str(part.unwrap_or("-"));
            }
        }
        aad.into_bytes()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("encryption failed")]
    Cipher,
}

/// Why a value did not open. Deliberately coarse: it never says more than a client
/// or a log needs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("value is not a spotter sealed envelope")]
    NotSealed,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("value was sealed with key {0}, which is not in the keyring")]
    UnknownKey(String),
    #[error("sealed value failed authentication (wrong key, or moved from another row/column)")]
    Authentication,
    #[error("sealed value is not UTF-8")]
    NotUtf8,
}

/// The primary key (seals) plus older keys (open only), e.g. during online rotation.
#[derive(Clone, Debug)]
pub struct Keyring {
    primary: Key,
    by_id: HashMap<KeyId, Key>,
}

impl Keyring {
    pub fn new(primary: Key) -> Self {
        let mut by_id = HashMap::new();
        by_id.insert(primary.id(), primary.clone());
        Keyring { primary, by_id }
    }

    /// Adds a key that can open values but never seals.
    pub fn with_old_key(mut self, key: Key) -> Self {
        self.by_id.entry(key.id()).or_insert(key);
        self
    }

    /// Adds every key of `other` as an old key (used after an online rotation).
    pub fn with_keyring(mut self, other: Keyring) -> Self {
        for (id, key) in other.by_id {
            self.by_id.entry(id).or_insert(key);
        }
        self
    }

    pub fn primary_id(&self) -> KeyId {
        self.primary.id()
    }

    pub fn seal(&self, at: Sealed<'_>, plaintext: &str) -> Result<String, SealError> {
        seal_with(&self.primary, at, plaintext)
    }

    pub fn open(&self, at: Sealed<'_>, envelope: &str) -> Result<SecretString, OpenError> {
        let (version, key_id, blob) = parse(envelope)?;
        let key = self
            .by_id
            .get(&key_id)
            .ok_or_else(|| OpenError::UnknownKey(key_id.0.clone()))?;
        open_with(key, version, &key_id, at, &blob)
    }

    /// The key id named by an envelope, without opening it.
    pub fn key_id_of(envelope: &str) -> Result<KeyId, OpenError> {
        parse(envelope).map(|(_, id, _)| id)
    }

    /// True for an envelope of the current version (one a rotation need not upgrade).
    pub fn is_current(envelope: &str) -> bool {
        envelope.starts_with(ENVELOPE_PREFIX)
    }
}

fn seal_with(key: &Key, at: Sealed<'_>, plaintext: &str) -> Result<String, SealError> {
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).map_err(|_| SealError::Cipher)?;
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let key_id = key.id();
    let aad = at.aad(Version::V2, &key_id);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext.as_bytes(),
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Cipher)?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(format!(
        "{ENVELOPE_PREFIX}{}:{}",
        key_id.as_str(),
        URL_SAFE_NO_PAD.encode(blob)
    ))
}

/// A version 1 envelope, as releases before version 2 wrote them (tests of what still
/// opens and what rotation upgrades).
#[cfg(test)]
pub(crate) fn seal_v1(key: &Key, at: Sealed<'_>, plaintext: &str) -> String {
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).unwrap();
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = at.aad(Version::V1, &key.id());
    let mut blob = nonce.to_vec();
    blob.extend(
        cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .unwrap(),
    );
    format!(
        "{ENVELOPE_V1_PREFIX}{}:{}",
        key.id().as_str(),
        URL_SAFE_NO_PAD.encode(blob)
    )
}

fn parse(envelope: &str) -> Result<(Version, KeyId, Vec<u8>), OpenError> {
    let (version, rest) = [Version::V2, Version::V1]
        .into_iter()
        .find_map(|v| envelope.strip_prefix(v.prefix()).map(|rest| (v, rest)))
        .ok_or(OpenError::NotSealed)?;
    let (key_id, b64) = rest.split_once(':').ok_or(OpenError::Malformed)?;
    if key_id.len() != 8 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpenError::Malformed);
    }
    let blob = URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|_| OpenError::Malformed)?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(OpenError::Malformed);
    }
    Ok((version, KeyId(key_id.to_ascii_lowercase()), blob))
}

fn open_with(
    key: &Key,
    version: Version,
    key_id: &KeyId,
    at: Sealed<'_>,
    blob: &[u8],
) -> Result<SecretString, OpenError> {
    let cipher =
        Aes256Gcm::new_from_slice(key.as_bytes()).map_err(|_| OpenError::Authentication)?;
    let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
    let aad = at.aad(version, key_id);
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| OpenError::Authentication)?,
    );
    let text = std::str::from_utf8(&plain).map_err(|_| OpenError::NotUtf8)?;
    Ok(SecretString::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AT: Sealed<'static> = Sealed {
        table: "provider_credentials",
        column: "secret",
        row_id: "7",
        owner: Owner {
            user_id: Some("3"),
            provider: Some("spotify"),
        },
    };

    proptest! {
        #[test]
        fn round_trip(plain in ".{0,512}", row in 0u64..u64::MAX) {
            let ring = Keyring::new(Key::generate());
            let row_id = row.to_string();
            let at = Sealed { row_id: &row_id, ..AT };
            let sealed = ring.seal(at, &plain).unwrap();
            prop_assert!(sealed.starts_with(ENVELOPE_PREFIX));
            let opened = ring.open(at, &sealed).unwrap();
            prop_assert_eq!(opened.expose(), plain.as_str());
        }

        #[test]
        fn garbage_never_panics_and_never_opens(s in ".{0,200}") {
            let ring = Keyring::new(Key::generate());
            prop_assert!(ring.open(AT, &s).is_err());
            let prefixed = format!("{ENVELOPE_PREFIX}{s}");
            prop_assert!(ring.open(AT, &prefixed).is_err());
        }
    }

    #[test]
    fn fresh_nonce_every_seal() {
        let ring = Keyring::new(Key::generate());
        let a = ring.seal(AT, "same").unwrap();
        let b = ring.seal(AT, "same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn moved_to_another_row_column_or_table_fails() {
        let ring = Keyring::new(Key::generate());
        let sealed = ring.seal(AT, "token").unwrap();
        for at in [
            Sealed { row_id: "8", ..AT },
            Sealed {
                column: "other",
                ..AT
            },
            Sealed {
                table: "instance_secrets",
                ..AT
            },
        ] {
            assert_eq!(
                ring.open(at, &sealed).unwrap_err(),
                OpenError::Authentication
            );
        }
    }

    /// Issue 10, finding 9: version 2 binds the owner: the same row id of another user
    /// or provider does not open.
    #[test]
    fn moved_to_another_owner_fails() {
        let ring = Keyring::new(Key::generate());
        let sealed = ring.seal(AT, "token").unwrap();
        assert!(sealed.starts_with("spotter:v2:"));
        for owner in [
            Owner {
                user_id: Some("4"),
                ..AT.owner
            },
            Owner {
                provider: Some("lastfm"),
                ..AT.owner
            },
            Owner {
                user_id: None,
                ..AT.owner
            },
            Owner {
                user_id: Some(""),
                ..AT.owner
            },
            Owner::default(),
        ] {
            assert_eq!(
                ring.open(Sealed { owner, ..AT }, &sealed).unwrap_err(),
                OpenError::Authentication,
                "{owner:?}"
            );
        }
        assert_eq!(ring.open(AT, &sealed).unwrap().expose(), "token");
    }

    /// A version 1 envelope (sealed before owners were bound) still opens, wherever
    /// its owner is said to be; only its row binds it.
    #[test]
    fn version_1_envelopes_still_open() {
        let key = Key::generate();
        let ring = Keyring::new(key.clone());
        let at = Sealed {
            owner: Owner::default(),
            ..AT
        };
        // What the previous release wrote: v1 associated data, v1 prefix.
        let v1 = seal_v1(&key, at, "old token");
        assert!(!Keyring::is_current(&v1));
        assert_eq!(ring.open(AT, &v1).unwrap().expose(), "old token");
        assert_eq!(
            ring.open(Sealed { row_id: "8", ..AT }, &v1).unwrap_err(),
            OpenError::Authentication
        );
        // Relabelling a v1 envelope as v2 does not open it (the version is bound).
        let relabelled = v1.replacen(ENVELOPE_V1_PREFIX, ENVELOPE_PREFIX, 1);
        assert_eq!(
            ring.open(AT, &relabelled).unwrap_err(),
            OpenError::Authentication
        );
    }

    #[test]
    fn wrong_key_fails_cleanly_and_keyring_opens_old_values() {
        let old = Key::generate();
        let sealed = Keyring::new(old.clone()).seal(AT, "token").unwrap();
        let new_only = Keyring::new(Key::generate());
        assert!(matches!(
            new_only.open(AT, &sealed),
            Err(OpenError::UnknownKey(_))
        ));
        let both = new_only.clone().with_old_key(old);
        assert_eq!(both.open(AT, &sealed).unwrap().expose(), "token");
        // and new seals use the primary
        let resealed = both.seal(AT, "token").unwrap();
        assert_eq!(
            Keyring::key_id_of(&resealed).unwrap(),
            new_only.primary_id()
        );
    }

    #[test]
    fn relabelled_key_id_fails() {
        // Same key bytes cannot be reached under another id, and a tampered id is
        // caught by the associated data even if the ring held a key under that id.
        let k = Key::generate();
        let ring = Keyring::new(k.clone());
        let sealed = ring.seal(AT, "token").unwrap();
        let id = k.id();
        let tampered = sealed.replacen(id.as_str(), "00000000", 1);
        assert!(ring.open(AT, &tampered).is_err());
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let ring = Keyring::new(Key::generate());
        let sealed = ring.seal(AT, "token").unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(ring.open(AT, &tampered).is_err());
    }
}
