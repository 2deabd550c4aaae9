//! Administration: users, roles, lockouts, the sign-in allowlist, the audit log and
//! the online rotation of the encryption key. Admin acts on other domains' data
//! through their services and store queries; it owns [`rotation`] outright.

pub mod rotation;
pub mod rpc;
pub mod service;
