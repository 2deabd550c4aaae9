//! Local passwords: argon2id hashing and the rules a new password must meet.
//!
//! Parameters follow the OWASP recommendation for argon2id (19 MiB, 2 iterations,
//! 1 lane). Unknown usernames are verified against a dummy hash made with the same
//! parameters, so both paths cost the same (SECURITY.md T4).

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// Memory cost in KiB.
pub const ARGON2_M_COST: u32 = 19 * 1024;
pub const ARGON2_T_COST: u32 = 2;
pub const ARGON2_P_COST: u32 = 1;
/// Longest password accepted (argon2 is fed the whole thing; bound the work).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The most common passwords (from public breach corpora's top lists), lower-case.
/// A password is refused when it, lower-cased, is one of these.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn hasher() -> Argon2<'static> {
    let params = Params::new(ARGON2_M_COST, ARGON2_T_COST, ARGON2_P_COST, None)
        .expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2id PHC string for `password`, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PasswordError::Hashing)
}

/// True when `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so the work done (and
/// the time taken) is the same as for a real account. Made on first use, not at
/// start-up: hashing costs tens of milliseconds and 19 MiB, which every cold start
/// would otherwise pay.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash("spotter dummy password for timing equalisation").expect("argon2 hash")
    });
    &DUMMY
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("password must be at least {0} characters")]
    TooShort(usize),
    #[error("password must be at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("password is one of the most common passwords; choose another")]
    Common,
    #[error("password must not be the username")]
    SameAsUsername,
    #[error("cannot hash password")]
    Hashing,
}

/// Checks a new password against the rules.
pub fn check_new(password: &str, username: &str, min_len: usize) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < min_len {
        return Err(PasswordError::TooShort(min_len));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if lower == username.to_lowercase() {
        return Err(PasswordError::SameAsUsername);
    }
    if COMMON_PASSWORDS.lines().any(|p| p == lower) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_and_rejects() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a phc string"));
    }

    #[test]
    fn rules() {
        assert_eq!(
            check_new("short", "u", 10),
            Err(PasswordError::TooShort(10))
        );
        assert_eq!(
            check_new("password123", "u", 10),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_new("Password123", "u", 10),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_new("aliceliddell", "AliceLiddell", 10),
            Err(PasswordError::SameAsUsername)
        );
        assert_eq!(
            check_new(&"x".repeat(2000), "u", 10),
            Err(PasswordError::TooLong)
        );
        assert!(check_new("violet tractor anthem", "u", 10).is_ok());
    }

    #[test]
    fn blocklist_is_lowercase_and_substantial() {
        let n = COMMON_PASSWORDS.lines().count();
        assert!(n >= 200, "{n}");
        assert!(
            COMMON_PASSWORDS
                .lines()
                .all(|l| l == l.to_lowercase() && !l.is_empty())
        );
    }
}
