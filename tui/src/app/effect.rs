//! Work the app asks the outside world to do ([`Effect`]); the effect runner does
//! it and reports back with actions.

use spotter_proto::v1::SignInMethod;

use crate::{secret::Secret, tabs::Call};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Call `System.GetStatus`, (re)connecting first if needed; when nobody listens,
    /// start a daemon only if `may_start_daemon`.
    FetchStatus {
        may_start_daemon: bool,
    },
    GetSetupState,
    Setup {
        method: SignInMethod,
        username: String,
        password: Secret,
        setup_code: Secret,
    },
    SignIn {
        method: SignInMethod,
        username: String,
        password: Secret,
    },
    /// Refresh the stored session, if there is one.
    ResumeSession,
    RefreshTokens,
    /// An authenticated call of a tab; `retried` once it follows a refresh.
    Call {
        call: Call,
        retried: bool,
    },
    /// End the session at the daemon and forget the stored token.
    SignOut,
    /// Keep the live event stream open (on its own connection, resuming after
    /// breaks) until [`Effect::StopEvents`].
    StartEvents,
    StopEvents,
    /// Stream the file at `path` (`~` expanded by the client) through
    /// `History.Import`, reporting back with `Action::Import`, beside the other
    /// effects.
    Import {
        id: u64,
        path: String,
        format: String,
    },
    /// Stop the import `id` (what the daemon has stored stays).
    CancelImport {
        id: u64,
    },
}
