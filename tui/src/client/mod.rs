//! Everything that talks to the daemon: the connection and handshake
//! ([`DaemonClient`], [`connect_and_handshake`]), the error taxonomy with fixes
//! ([`ClientError`]), and the task that runs the app's effects and feeds results back
//! as actions ([`effects`]).

mod connection;
pub mod effects;
mod error;

pub use connection::{
    CALL_TIMEOUT, CONNECT_TIMEOUT, DaemonClient, Timeouts, connect_and_handshake,
};
pub use error::ClientError;

#[cfg(test)]
mod tests;
