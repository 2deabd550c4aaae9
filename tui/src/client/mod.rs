//! Everything that talks to the daemon: the connection and handshake
//! ([`DaemonClient`], [`connect_and_handshake`]), the error taxonomy with fixes
//! ([`ClientError`]), sessions and tokens ([`Authenticator`]), the authenticated
//! calls ([`calls`]), and the task that runs the app's effects and feeds results
//! back as actions ([`effects`]).

mod auth;
pub mod calls;
mod connection;
pub mod effects;
mod error;

pub use auth::{AuthError, Authenticator, SignOutResult, device_label, session_is_dead};
pub use connection::{
    CALL_TIMEOUT, CONNECT_TIMEOUT, DaemonClient, Timeouts, connect_and_handshake,
};
pub use error::ClientError;

#[cfg(test)]
mod tests;
