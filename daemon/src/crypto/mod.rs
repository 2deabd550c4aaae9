//! Encryption at rest (SECURITY.md T1, T1b): keys, the sealed envelope, the keyring that
//! opens values sealed under older keys, and the registry of every sealed column.

mod envelope;
mod key;
pub mod registry;
mod secret;

#[cfg(test)]
pub(crate) use envelope::seal_v1;
pub use envelope::{
    ENVELOPE_MARKER, ENVELOPE_PREFIX, ENVELOPE_V1_PREFIX, Keyring, OpenError, Owner, SealError,
    Sealed,
};
pub(crate) use key::PLACEHOLDERS;
pub use key::{
    ENCRYPTION_KEY, JWT_SECRET, KEY_ENV, KEY_FILE_NAME, Key, KeyError, KeyFormatError, KeyId,
    KeyInputs, KeySource, LASTFM_SHARED_SECRET, SecretSpec, read_key_file, staged_key_path,
    write_key_file,
};
pub use registry::{SEALED_COLUMNS, SealedColumn};
pub use secret::SecretString;
