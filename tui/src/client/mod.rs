//! Everything that talks to the daemon: the connection and handshake
//! ([`DaemonClient`], [`connect_and_handshake`]), who may serve the socket
//! ([`PeerRule`], checked on every connection), the error taxonomy with fixes
//! ([`ClientError`]), sessions and tokens ([`Authenticator`]), the authenticated
//! calls ([`calls`], [`sync_calls`]), the live event stream on its own connection
//! ([`events`]), imports streamed beside everything else ([`import`]), and the task
//! that runs the app's effects and feeds results back as actions ([`effects`]).

mod auth;
pub mod calls;
mod connection;
pub mod effects;
mod error;
pub mod events;
pub mod import;
mod peer;
pub mod sync_calls;

pub use auth::{
    AccessToken, AuthError, Authenticator, SignOutResult, device_label, session_is_dead,
};
pub use connection::{
    CALL_TIMEOUT, CONNECT_TIMEOUT, DaemonClient, Timeouts, connect_and_handshake,
};
pub use error::ClientError;
pub use peer::{DAEMON_USER_ENV, DEFAULT_DAEMON_USER, ForeignDaemon, PeerRule, ServiceUser, Trust};

#[cfg(test)]
mod tests;
