//! Everything that talks to the daemon: the connection and handshake
//! ([`DaemonClient`], [`connect_and_handshake`]), who may serve the socket
//! ([`PeerRule`], checked on every connection), the error taxonomy with fixes
//! ([`ClientError`]), sessions and tokens ([`Authenticator`]), and a file streamed
//! as import messages ([`upload`]). The calls
//! themselves are each tab's (`tabs/<tab>/calls.rs`); the effect runner and the
//! live event stream are `runner`'s.

mod auth;
mod connection;
mod error;
mod timeouts;
pub mod upload;

pub use crate::peer::{
    DAEMON_USER_ENV, DEFAULT_DAEMON_USER, ForeignDaemon, PeerRule, ServiceUser, Trust,
};
pub use auth::{
    AccessToken, AuthError, Authenticator, SignOutResult, device_label, session_is_dead,
};
pub use connection::{DaemonClient, connect_and_handshake};
pub use error::ClientError;
pub use timeouts::{CALL_TIMEOUT, CONNECT_TIMEOUT, Timeouts};

#[cfg(test)]
mod tests;
