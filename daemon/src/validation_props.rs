//! Property tests over everything that parses untrusted input before it reaches the
//! domain (SECURITY.md T9): arbitrary strings never panic, and what is accepted meets
//! the stated rules. Stands in for a fuzz target on the stable toolchain.

use proptest::prelude::*;

use crate::{
    auth::{jwt::JwtSecret, refresh_token_hash},
    crypto::Key,
    domains::identity::{service::check_username, store::like_escape},
};

proptest! {
    #[test]
    fn key_parsing_never_panics_and_accepts_only_32_bytes(s in ".{0,120}") {
        if let Ok(key) = Key::parse(&s) {
            // Accepted keys round-trip through their hex form.
            let again = Key::parse(&key.to_hex()).unwrap();
            prop_assert_eq!(again.id(), key.id());
        }
    }

    #[test]
    fn jwt_secrets_are_at_least_32_bytes(s in ".{0,80}") {
        if JwtSecret::parse(&s).is_ok() {
            prop_assert!(s.trim().len() >= 32);
        }
    }

    #[test]
    fn usernames_are_bounded_and_free_of_control_characters(s in "\\PC{0,300}|.{0,300}") {
        if let Ok(u) = check_username(&s) {
            prop_assert!(!u.is_empty() && u.chars().count() <= 255);
            prop_assert!(!u.chars().any(char::is_control));
            prop_assert_eq!(u.trim(), u.as_str());
        }
    }

    #[test]
    fn refresh_token_hashing_never_panics(s in ".{0,100}") {
        let _ = refresh_token_hash(&s);
    }

    /// An escaped pattern matches exactly the literal text, in SQLite's LIKE.
    #[test]
    fn like_escape_matches_literally(needle in "[a-c%_\\\\']{0,6}", hay in "[a-c%_\\\\']{0,10}") {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let matched: bool = rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
            sqlx::query_scalar("SELECT ? LIKE ? ESCAPE '\\'")
                .bind(&hay)
                .bind(format!("%{}%", like_escape(&needle)))
                .fetch_one(&mut conn)
                .await
                .unwrap()
        });
        // LIKE folds ASCII case; the alphabet above has one case only.
        prop_assert_eq!(matched, hay.contains(&needle));
    }
}
