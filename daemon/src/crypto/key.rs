//! Encryption keys: parsing, validation, the sources they come from, and generation.
//!
//! Key sources, first match wins (SECURITY.md T1):
//! 1. `$CREDENTIALS_DIRECTORY/encryption-key` (systemd `LoadCredential=`),
//! 2. `SPOTTER_SECURITY_ENCRYPTION_KEY`,
//! 3. the file named by `security.encryption_key_file`,
//! 4. personal mode only: `<config dir>/encryption-key`, generated on first run.

use std::{
    fmt,
    fs::{self, OpenOptions},
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

use aes_gcm::aead::{OsRng, rand_core::RngCore};
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Environment variable that may carry the key.
pub const KEY_ENV: &str = "SPOTTER_SECURITY_ENCRYPTION_KEY";
/// File name of the key in `$CREDENTIALS_DIRECTORY` and of the generated key.
pub const KEY_FILE_NAME: &str = "encryption-key";

/// A secret the daemon loads from the standard sources: its systemd credential name,
/// its environment variable, and what to call it in messages.
#[derive(Debug, PartialEq, Eq)]
pub struct SecretSpec {
    pub credential: &'static str,
    pub env: &'static str,
    pub what: &'static str,
    pub config_key: &'static str,
}

pub const ENCRYPTION_KEY: SecretSpec = SecretSpec {
    credential: KEY_FILE_NAME,
    env: KEY_ENV,
    what: "encryption key",
    config_key: "security.encryption_key_file",
};

pub const JWT_SECRET: SecretSpec = SecretSpec {
    credential: "jwt-secret",
    env: "SPOTTER_SECURITY_JWT_SECRET",
    what: "JWT signing secret",
    config_key: "security.jwt_secret_file",
};

pub const LASTFM_SHARED_SECRET: SecretSpec = SecretSpec {
    credential: "lastfm-shared-secret",
    env: "SPOTTER_LASTFM_SHARED_SECRET",
    what: "Last.fm shared secret",
    config_key: "lastfm.shared_secret_file",
};

/// Values people paste from documentation instead of generating a key. Compared
/// case-insensitively after trimming.
pub(crate) const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "your-key-here",
    "your_key_here",
    "placeholder",
    "replace-me",
    "<key>",
];

/// A 256-bit AES key. Never printed, zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key {
    bytes: [u8; 32],
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(id={}, ..)", self.id())
    }
}

impl Key {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Key { bytes }
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key { bytes }
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Short public identifier written into every envelope, so a keyring knows which key
    /// opens a value. A truncated domain-separated hash: it names the key without
    /// revealing anything useful about it.
    pub fn id(&self) -> KeyId {
        let digest = Sha256::new()
            .chain_update(b"spotter key id v1\0")
            .chain_update(self.bytes)
            .finalize();
        KeyId(hex::encode(&digest[..4]))
    }

    /// Parses 64 hex characters or standard base64 of exactly 32 bytes (surrounding
    /// whitespace ignored). Placeholders and degenerate keys are refused.
    pub fn parse(text: &str) -> Result<Self, KeyFormatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyFormatError::Empty);
        }
        if PLACEHOLDERS.iter().any(|p| text.eq_ignore_ascii_case(p)) {
            return Err(KeyFormatError::Placeholder);
        }
        let bytes: Zeroizing<Vec<u8>> =
            if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                Zeroizing::new(
                    hex::decode(text).map_err(|_| KeyFormatError::Malformed { len: text.len() })?,
                )
            } else {
                match base64::engine::general_purpose::STANDARD.decode(text) {
                    Ok(b) if b.len() == 32 => Zeroizing::new(b),
                    Ok(b) => return Err(KeyFormatError::WrongLength { bytes: b.len() }),
                    Err(_) => return Err(KeyFormatError::Malformed { len: text.len() }),
                }
            };
        // A key whose bytes are all the same ("000…0", "fff…f", "AAAA…") is a
        // placeholder in disguise.
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err(KeyFormatError::Placeholder);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(&bytes);
        Ok(Key { bytes: out })
    }

    /// A fresh key as the text of a key file.
    fn generate_text() -> Zeroizing<String> {
        Key::generate().to_hex()
    }

    /// The key as 64 lowercase hex characters, for writing a key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes))
    }
}

/// Public identifier of a key (8 hex characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) String);

impl KeyId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyFormatError {
    #[error("it is empty")]
    Empty,
    #[error("it is a placeholder value, not a generated key")]
    Placeholder,
    #[error("it is {len} characters that are neither 64 hex characters nor base64 of 32 bytes")]
    Malformed { len: usize },
    #[error("it decodes to {bytes} bytes; a key is exactly 32 bytes")]
    WrongLength { bytes: usize },
    #[error("it is {bytes} bytes long; at least 32 random bytes are needed")]
    TooShort { bytes: usize },
}

/// Where the key in use came from (shown by `check-config`; never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    SystemdCredential(PathBuf),
    /// The named environment variable.
    Environment(&'static str),
    File(PathBuf),
    /// The personal-mode key file; `created` is true when this run generated it.
    Generated {
        path: PathBuf,
        created: bool,
    },
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::SystemdCredential(p) => write!(f, "systemd credential {}", p.display()),
            KeySource::Environment(var) => write!(f, "environment variable {var}"),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
            KeySource::Generated { path, .. } => write!(f, "generated key file {}", path.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{what} from {source_name} is unusable: {reason}. Generate one with `spotterd admin gen-key --out FILE`"
    )]
    Invalid {
        what: &'static str,
        source_name: String,
        reason: KeyFormatError,
    },
    #[error("cannot read {what} file {path}: {err}")]
    Read {
        what: &'static str,
        path: PathBuf,
        err: std::io::Error,
    },
    #[error("cannot write generated {what} to {path}: {err}")]
    Write {
        what: &'static str,
        path: PathBuf,
        err: std::io::Error,
    },
    #[error(
        "no {} configured. In system mode provide one as the systemd credential `{}` \
         (LoadCredential=), in {}, or with {}; create one with `spotterd admin gen-key --out FILE`",
        .0.what, .0.credential, .0.env, .0.config_key
    )]
    Missing(&'static SecretSpec),
    #[error("the JWT signing secret must differ from the encryption key")]
    SameAsEncryptionKey,
}

/// What the loader of one secret may look at. Captured from the process environment
/// by [`KeyInputs::from_env`]; tests build it directly. `Default` is for the
/// encryption key.
#[derive(Clone)]
pub struct KeyInputs {
    pub spec: &'static SecretSpec,
    pub credentials_directory: Option<PathBuf>,
    pub env_value: Option<Zeroizing<String>>,
    pub key_file: Option<PathBuf>,
    /// Personal mode: where to find or generate the key. `None` in system mode.
    pub generated_key_path: Option<PathBuf>,
}

impl Default for KeyInputs {
    fn default() -> Self {
        KeyInputs {
            spec: &ENCRYPTION_KEY,
            credentials_directory: None,
            env_value: None,
            key_file: None,
            generated_key_path: None,
        }
    }
}

impl fmt::Debug for KeyInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyInputs")
            .field("secret", &self.spec.what)
            .field("credentials_directory", &self.credentials_directory)
            .field("env_value", &self.env_value.as_ref().map(|_| "<redacted>"))
            .field("key_file", &self.key_file)
            .field("generated_key_path", &self.generated_key_path)
            .finish()
    }
}

impl KeyInputs {
    /// Reads `CREDENTIALS_DIRECTORY` and the spec's variable from the process environment.
    pub fn from_env(
        spec: &'static SecretSpec,
        key_file: Option<PathBuf>,
        generated_key_path: Option<PathBuf>,
    ) -> Self {
        KeyInputs {
            spec,
            credentials_directory: std::env::var_os("CREDENTIALS_DIRECTORY")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            env_value: std::env::var(spec.env)
                .ok()
                .filter(|v| !v.is_empty())
                .map(Zeroizing::new),
            key_file,
            generated_key_path,
        }
    }

    /// Finds the key, in the documented order, generating the personal key if allowed.
    pub fn load(&self) -> Result<(Key, KeySource), KeyError> {
        self.find(true, Key::generate_text, Key::parse)
    }

    /// Like [`KeyInputs::load`] but never generates: for admin commands and
    /// `check-config`, which must not create a key as a side effect.
    pub fn load_existing(&self) -> Result<(Key, KeySource), KeyError> {
        self.find(false, Key::generate_text, Key::parse)
    }

    /// Finds the secret's text in the documented order and parses it with `parse`;
    /// in personal mode writes `generate()` to the generated path first if allowed.
    pub fn find<T>(
        &self,
        generate: bool,
        generate_text: fn() -> Zeroizing<String>,
        parse: fn(&str) -> Result<T, KeyFormatError>,
    ) -> Result<(T, KeySource), KeyError> {
        let what = self.spec.what;
        let invalid = |source_name: String| {
            move |reason| KeyError::Invalid {
                what,
                source_name,
                reason,
            }
        };
        if let Some(dir) = &self.credentials_directory {
            let path = dir.join(self.spec.credential);
            if path.exists() {
                let text = read_text(what, &path)?;
                let value = parse(&text)
                    .map_err(invalid(format!("systemd credential {}", path.display())))?;
                return Ok((value, KeySource::SystemdCredential(path)));
            }
        }
        if let Some(text) = &self.env_value {
            let value = parse(text).map_err(invalid(self.spec.env.to_string()))?;
            return Ok((value, KeySource::Environment(self.spec.env)));
        }
        if let Some(path) = &self.key_file {
            let text = read_text(what, path)?;
            let value = parse(&text).map_err(invalid(format!("file {}", path.display())))?;
            return Ok((value, KeySource::File(path.clone())));
        }
        if let Some(path) = &self.generated_key_path {
            if path.exists() {
                let text = read_text(what, path)?;
                let value = parse(&text).map_err(invalid(format!("file {}", path.display())))?;
                return Ok((
                    value,
                    KeySource::Generated {
                        path: path.clone(),
                        created: false,
                    },
                ));
            }
            if !generate {
                return Err(KeyError::Missing(self.spec));
            }
            let text = generate_text();
            write_private_text(path, &text).map_err(|err| KeyError::Write {
                what,
                path: path.clone(),
                err,
            })?;
            let value = parse(&text).map_err(invalid(format!("file {}", path.display())))?;
            return Ok((
                value,
                KeySource::Generated {
                    path: path.clone(),
                    created: true,
                },
            ));
        }
        Err(KeyError::Missing(self.spec))
    }
}

fn read_text(what: &'static str, path: &Path) -> Result<Zeroizing<String>, KeyError> {
    fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|err| KeyError::Read {
            what,
            path: path.to_path_buf(),
            err,
        })
}

/// Where a key rotation stages the new key beside the personal key file
/// (`encryption-key.new`) until the re-sealed database is committed and the key moved
/// into place (`service::rotation`).
pub fn staged_key_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    key_file.with_file_name(name)
}

impl KeySource {
    /// The key a rotation staged beside the personal key file and did not move into
    /// place (a crash, or a failed rename), if any. Other sources never have one:
    /// spotterd does not own them.
    pub fn staged_key(&self) -> Result<Option<Key>, KeyError> {
        let KeySource::Generated { path, .. } = self else {
            return Ok(None);
        };
        match read_key_file(&staged_key_path(path)) {
            Ok(key) => Ok(Some(key)),
            Err(KeyError::Read { err, .. }) if err.kind() == std::io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Reads and validates a key file.
pub fn read_key_file(path: &Path) -> Result<Key, KeyError> {
    let what = ENCRYPTION_KEY.what;
    let text = read_text(what, path)?;
    Key::parse(&text).map_err(|reason| KeyError::Invalid {
        what,
        source_name: format!("file {}", path.display()),
        reason,
    })
}

/// Writes `key` as hex to a new file created 0600 (refusing to overwrite), creating
/// its directory 0700 if needed.
pub fn write_key_file(path: &Path, key: &Key) -> Result<(), KeyError> {
    write_private_text(path, &key.to_hex()).map_err(|err| KeyError::Write {
        what: ENCRYPTION_KEY.what,
        path: path.to_path_buf(),
        err,
    })
}

/// Writes `text` and a newline to a new file created 0600 (refusing to overwrite),
/// creating its directory 0700 if needed.
fn write_private_text(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::fsutil::ensure_private_dir(dir)?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // The mode above is filtered by the umask; make sure it is exactly 0600.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "8f3a1c9e0b7d4f2a6c5e8d1b3f7a9c0e2d4b6f8a1c3e5d7b9f0a2c4e6d8b1f3a";

    #[test]
    fn accepts_hex_and_base64_of_the_same_key() {
        let a = Key::parse(HEX).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(hex::decode(HEX).unwrap());
        let b = Key::parse(&format!("  {b64}\n")).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(a.id(), b.id());
    }

    #[test]
    fn refuses_bad_keys_with_a_reason() {
        assert_eq!(Key::parse("").unwrap_err(), KeyFormatError::Empty);
        assert_eq!(
            Key::parse("changeme").unwrap_err(),
            KeyFormatError::Placeholder
        );
        assert_eq!(
            Key::parse(&"0".repeat(64)).unwrap_err(),
            KeyFormatError::Placeholder
        );
        // short hex
        assert!(matches!(
            Key::parse(&HEX[..40]),
            Err(KeyFormatError::Malformed { .. } | KeyFormatError::WrongLength { .. })
        ));
        // 64 characters, not hex, not base64
        assert!(matches!(
            Key::parse(&"g".repeat(64)),
            Err(KeyFormatError::Malformed { len: 64 }) | Err(KeyFormatError::WrongLength { .. })
        ));
        // base64 of 16 bytes
        assert_eq!(
            Key::parse("AAECAwQFBgcICQoLDA0ODw==").unwrap_err(),
            KeyFormatError::WrongLength { bytes: 16 }
        );
        // 66 hex characters
        assert!(Key::parse(&format!("{HEX}ab")).is_err());
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key = Key::parse(HEX).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&HEX[..8]), "{shown}");
        assert!(shown.contains(key.id().as_str()));
    }

    #[test]
    fn generated_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/encryption-key");
        let inputs = KeyInputs {
            generated_key_path: Some(path.clone()),
            ..Default::default()
        };
        let (k1, s1) = inputs.load().unwrap();
        assert_eq!(
            s1,
            KeySource::Generated {
                path: path.clone(),
                created: true
            }
        );
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        let (k2, s2) = inputs.load().unwrap();
        assert_eq!(
            s2,
            KeySource::Generated {
                path,
                created: false
            }
        );
        assert_eq!(k1.as_bytes(), k2.as_bytes());
    }

    #[test]
    fn source_order_is_credentials_env_file_generated() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        fs::create_dir(&creds).unwrap();
        let file = dir.path().join("file.key");
        write_key_file(&file, &Key::generate()).unwrap();
        let mut inputs = KeyInputs {
            spec: &ENCRYPTION_KEY,
            credentials_directory: Some(creds.clone()),
            env_value: Some(Zeroizing::new(HEX.to_string())),
            key_file: Some(file.clone()),
            generated_key_path: Some(dir.path().join("gen.key")),
        };
        // credentials dir set but without the file: falls through to the environment
        assert_eq!(inputs.load().unwrap().1, KeySource::Environment(KEY_ENV));
        write_key_file(&creds.join(KEY_FILE_NAME), &Key::generate()).unwrap();
        assert!(matches!(
            inputs.load().unwrap().1,
            KeySource::SystemdCredential(_)
        ));
        inputs.credentials_directory = None;
        inputs.env_value = None;
        assert_eq!(inputs.load().unwrap().1, KeySource::File(file));
        inputs.key_file = None;
        assert!(matches!(
            inputs.load().unwrap().1,
            KeySource::Generated { created: true, .. }
        ));
        inputs.generated_key_path = None;
        assert!(matches!(inputs.load(), Err(KeyError::Missing(_))));
    }

    #[test]
    fn only_the_personal_key_file_has_a_staged_key_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("encryption-key");
        assert_eq!(
            staged_key_path(&path),
            dir.path().join("encryption-key.new")
        );
        let generated = KeySource::Generated {
            path: path.clone(),
            created: false,
        };
        assert!(generated.staged_key().unwrap().is_none());
        let staged = Key::generate();
        write_key_file(&staged_key_path(&path), &staged).unwrap();
        assert_eq!(generated.staged_key().unwrap().unwrap().id(), staged.id());
        // spotterd never stages beside a file the operator provides.
        assert!(KeySource::File(path).staged_key().unwrap().is_none());
        // A staged file that is not a key is an error, not "nothing staged".
        fs::write(staged_key_path(&dir.path().join("other")), "changeme").unwrap();
        let other = KeySource::Generated {
            path: dir.path().join("other"),
            created: false,
        };
        assert!(matches!(other.staged_key(), Err(KeyError::Invalid { .. })));
    }

    #[test]
    fn invalid_env_key_names_its_source() {
        let inputs = KeyInputs {
            env_value: Some(Zeroizing::new("abc123".into())),
            ..Default::default()
        };
        let msg = inputs.load().unwrap_err().to_string();
        assert!(msg.contains(KEY_ENV), "{msg}");
        assert!(
            !msg.contains("abc123"),
            "the error must not echo the value: {msg}"
        );
    }
}
