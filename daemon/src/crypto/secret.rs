//! The secret string type every credential travels in: redacted `Debug`/`Display`,
//! zeroed on drop (secrecy), and a serde form that can only ever write a mask.

use std::fmt;

use secrecy::{ExposeSecret, SecretBox};

/// Shown wherever a secret would be.
pub const MASK: &str = "********";

pub struct SecretString(SecretBox<str>);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(SecretBox::from(value.into().into_boxed_str()))
    }

    /// The plaintext. Call sites are few and reviewed: sealing and upstream calls.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl Clone for SecretString {
    fn clone(&self) -> Self {
        SecretString::new(self.expose())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.expose()
            .as_bytes()
            .ct_eq(other.expose().as_bytes())
            .into()
    }
}

impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown_or_serialised() {
        let s = SecretString::new("hunter2-navidrome");
        assert_eq!(format!("{s} {s:?}"), format!("{MASK} {MASK}"));
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{MASK}\""));
        assert_eq!(s.expose(), "hunter2-navidrome");
    }
}
