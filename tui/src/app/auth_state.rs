//! Where the user stands with the daemon's accounts ([`AuthState`]), and what the
//! daemon said about first-run setup ([`SetupState`]); [`super::auth`] moves
//! between them.

use spotter_proto::v1::GetSetupStateResponse;

use super::shell::Main;
use crate::{component::form::Form, problem::Problem};

/// What the daemon said about first-run setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetupState {
    pub setup_required: bool,
    pub setup_code_required: bool,
    pub navidrome_available: bool,
}

impl From<GetSetupStateResponse> for SetupState {
    fn from(r: GetSetupStateResponse) -> Self {
        SetupState {
            setup_required: r.setup_required,
            setup_code_required: r.setup_code_required,
            navidrome_available: r.navidrome_available,
        }
    }
}

/// Where the user stands with the daemon's accounts.
#[derive(Debug, Clone)]
pub enum AuthState {
    /// Not asked yet: waits for the first handshake.
    Unknown,
    /// Asking what setup needs, or resuming the stored session.
    Checking,
    /// The daemon could not say; asked again at `retry_at` (or on refresh).
    Unavailable {
        problem: Problem,
        retry_at: i64,
    },
    Setup(Form),
    SignIn(Form),
    SignedIn(Box<Main>),
}
