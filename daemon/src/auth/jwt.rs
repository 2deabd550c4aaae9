//! Access tokens (SECURITY.md T3, T3b): JWT signed with HS256 and nothing else.
//!
//! Claims: `iss`/`aud` fixed and checked, `exp` at most 15 minutes after `iat`, `nbf`,
//! a random `jti`, the user id (`sub`), role, the user's `token_version` (`tv`), the
//! session id (`sid`) and the Unix uid the token was issued to (`uid`).

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::{KeyFormatError, PLACEHOLDERS};

pub const ISSUER: &str = "spotterd";
pub const AUDIENCE: &str = "spotter";
/// Hard ceiling on an access token's lifetime, whatever the configuration says.
pub const MAX_ACCESS_TTL_SECS: u64 = 15 * 60;
/// Clock skew tolerated on `exp`/`nbf`.
pub const LEEWAY_SECS: u64 = 5;
/// Shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

/// The HMAC secret. Never printed, zeroed on drop.
#[derive(Clone)]
pub struct JwtSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

impl JwtSecret {
    /// The secret is the text itself (trimmed): at least 32 bytes, not a placeholder,
    /// not one repeated character.
    pub fn parse(text: &str) -> Result<Self, KeyFormatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyFormatError::Empty);
        }
        let lower = text.to_ascii_lowercase();
        if PLACEHOLDERS
            .iter()
            .any(|p| lower == *p || lower.contains("changeme") || lower.contains("placeholder"))
        {
            return Err(KeyFormatError::Placeholder);
        }
        if text.len() < MIN_SECRET_BYTES {
            return Err(KeyFormatError::TooShort { bytes: text.len() });
        }
        let first = text.as_bytes()[0];
        if text.bytes().all(|b| b == first) {
            return Err(KeyFormatError::Placeholder);
        }
        Ok(JwtSecret(Zeroizing::new(text.as_bytes().to_vec())))
    }

    /// A fresh secret as file text: 64 hex characters of 32 random bytes.
    pub fn generate_text() -> Zeroizing<String> {
        crate::crypto::Key::generate().to_hex()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// User id.
    pub sub: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    /// "user", "admin" or "owner".
    pub role: String,
    /// The user's token version when issued.
    pub tv: i64,
    /// Session (refresh family) id.
    pub sid: String,
    /// Unix uid of the peer the token was issued to.
    pub uid: u32,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("access token is invalid")]
    Invalid,
    #[error("access token has expired")]
    Expired,
    #[error("cannot sign access token")]
    Signing,
}

/// Signs and verifies access tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSigner(..)")
    }
}

impl TokenSigner {
    pub fn new(secret: &JwtSecret) -> Self {
        // Only HS256 verifies: a header naming any other algorithm (none, HS512, RS256
        // with the secret as a "public key", …) is rejected before any signature check.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECS;
        TokenSigner {
            encoding: EncodingKey::from_secret(secret.bytes()),
            decoding: DecodingKey::from_secret(secret.bytes()),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|_| TokenError::Signing)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        // Our own ceiling, beyond what the library checks.
        if claims.exp.saturating_sub(claims.iat) > MAX_ACCESS_TTL_SECS || claims.nbf > claims.exp {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn secret() -> JwtSecret {
        JwtSecret::parse("0123456789abcdef0123456789abcdef-test-secret").unwrap()
    }

    fn claims() -> Claims {
        let t = now();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "7".into(),
            iat: t,
            nbf: t,
            exp: t + 600,
            jti: "j1".into(),
            role: "user".into(),
            tv: 0,
            sid: "s1".into(),
            uid: 1000,
        }
    }

    #[test]
    fn round_trip() {
        let signer = TokenSigner::new(&secret());
        let token = signer.sign(&claims()).unwrap();
        assert_eq!(signer.verify(&token).unwrap(), claims());
    }

    #[test]
    fn secret_rules() {
        assert_eq!(
            JwtSecret::parse("short").unwrap_err(),
            KeyFormatError::TooShort { bytes: 5 }
        );
        assert_eq!(
            JwtSecret::parse(&"a".repeat(40)).unwrap_err(),
            KeyFormatError::Placeholder
        );
        assert_eq!(
            JwtSecret::parse("changeme-changeme-changeme-changeme").unwrap_err(),
            KeyFormatError::Placeholder
        );
        assert!(JwtSecret::parse(&JwtSecret::generate_text()).is_ok());
        assert!(!format!("{:?}", secret()).contains("0123"));
    }

    #[test]
    fn lifetime_above_the_ceiling_is_refused_even_if_signed() {
        let signer = TokenSigner::new(&secret());
        let mut c = claims();
        c.exp = c.iat + MAX_ACCESS_TTL_SECS + 60;
        assert_eq!(
            signer.verify(&signer.sign(&c).unwrap()).unwrap_err(),
            TokenError::Invalid
        );
    }
}
