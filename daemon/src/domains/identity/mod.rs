//! Identity and sessions: accounts, sign-in (local and Navidrome), access and refresh
//! tokens, lockouts, the caller's own sessions, and the access table every request
//! passes ([`access`]).

pub mod access;
pub mod auth_rpc;
pub mod caller;
pub(crate) mod convert;
pub mod service;
pub mod sessions;
pub mod sessions_rpc;
pub mod store;
pub mod users;
