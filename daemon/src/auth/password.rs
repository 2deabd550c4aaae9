//! Local passwords: argon2id hashing and the rules a new password must meet.
//!
//! Parameters follow the OWASP recommendation for argon2id (19 MiB, 2 iterations,
//! 1 lane). Unknown usernames are verified against a dummy hash made with the same
//! parameters, so both paths cost the same (SECURITY.md T4).
//!
//! The daemon hashes and checks on [`PasswordWorkers`]: a few threads of their own,
//! each keeping its 19 MiB of argon2 working memory for the next password. Checking
//! on any blocking thread with fresh memory each time let the allocator keep a block
//! per thread and call: under a storm of sign-ins the daemon grew by hundreds of MiB
//! and never gave them back (the load benchmark, issue 10). Now at most one block per
//! worker exists, and at most that many checks run at once.

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, mpsc},
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng},
};
use zeroize::Zeroizing;

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
    hash_with(password, &mut Vec::new())
}

/// True when `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    verify_with(password, phc, &mut Vec::new())
}

/// [`hash`] with argon2's working memory in `blocks` (grown as needed, kept).
pub fn hash_with(password: &str, blocks: &mut Vec<Block>) -> Result<String, PasswordError> {
    let argon = hasher();
    let params = argon.params().clone();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|_| PasswordError::Hashing)?;
    let output = compute(
        &argon,
        &params,
        password,
        salt_bytes,
        Params::DEFAULT_OUTPUT_LEN,
        blocks,
    )
    .ok_or(PasswordError::Hashing)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| PasswordError::Hashing)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// [`verify`] with argon2's working memory in `blocks` (grown as needed, kept). The
/// hash is compared in constant time (`Output`'s equality).
pub fn verify_with(password: &str, phc: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(Algorithm::Argon2id, version, params.clone());
    compute(
        &argon,
        &params,
        password,
        salt_bytes,
        expected.len(),
        blocks,
    )
    .is_some_and(|computed| computed == expected)
}

/// The hash of `password` with `salt`, in working memory `blocks`.
fn compute(
    argon: &Argon2<'_>,
    params: &Params,
    password: &str,
    salt: &[u8],
    len: usize,
    blocks: &mut Vec<Block>,
) -> Option<Output> {
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let memory = &mut blocks[..params.block_count()];
    Output::init_with(len, |out| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Password)
    })
    .ok()
}

/// Threads of their own that hash and check passwords, each with the argon2 working
/// memory it keeps between passwords (see the module docs).
pub struct PasswordWorkers {
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The password workers stopped (they never do while the daemon runs).
#[derive(Debug, thiserror::Error)]
#[error("the password workers are gone")]
pub struct WorkersGone;

impl PasswordWorkers {
    /// `threads` workers (at least one); [`PasswordWorkers::default_count`] for the
    /// machine.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("spotter-password-{n}"))
                .spawn(move || {
                    let mut blocks = Vec::new();
                    loop {
                        // One worker waits for the next job; the others wait for it.
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = job else {
                            return;
                        };
                        // A job that panics loses its answer, not the worker.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut blocks)));
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password worker thread");
            }
        }
        PasswordWorkers { jobs }
    }

    /// One worker per core, at most 4: password checks are CPU-bound.
    pub fn default_count() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, WorkersGone> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |blocks| {
                let _ = answer.send(work(blocks));
            }))
            .map_err(|_| WorkersGone)?;
        answered.await.map_err(|_| WorkersGone)
    }

    /// [`verify`] on a worker.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, WorkersGone> {
        let (password, phc) = (Zeroizing::new(password.to_owned()), phc.to_owned());
        self.run(move |blocks| verify_with(&password, &phc, blocks))
            .await
    }

    /// [`hash`] on a worker.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = Zeroizing::new(password.to_owned());
        self.run(move |blocks| hash_with(&password, blocks))
            .await
            .map_err(|_| PasswordError::Hashing)?
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

    /// What the workers make and check is what the argon2 crate's own hasher makes
    /// and checks, whatever memory they start with.
    #[test]
    fn reused_memory_gives_the_crates_own_answers() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut blocks = Vec::new();
        let ours = hash_with("correct horse battery", &mut blocks).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            hasher()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = hasher()
            .hash_password(b"staple", &salt)
            .unwrap()
            .to_string();
        for _ in 0..2 {
            assert!(verify_with("staple", &theirs, &mut blocks));
            assert!(!verify_with("stapler", &theirs, &mut blocks));
        }
        // Other algorithms or damaged strings never match.
        let argon2i = theirs.replacen("$argon2id$", "$argon2i$", 1);
        assert!(!verify_with("staple", &argon2i, &mut blocks));
        assert!(!verify_with(
            "staple",
            &theirs[..theirs.len() - 4],
            &mut blocks
        ));
        assert!(!verify_with(
            "staple",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$",
            &mut blocks
        ));
    }

    #[tokio::test]
    async fn the_workers_hash_and_check() {
        let workers = PasswordWorkers::new(2);
        let h = workers.hash("violet tractor anthem").await.unwrap();
        let (yes, no) = tokio::join!(
            workers.verify("violet tractor anthem", &h),
            workers.verify("violet tractor", &h)
        );
        assert_eq!((yes.unwrap(), no.unwrap()), (true, false));
    }

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
