//! History: a user's listens, their statistics, import from export files
//! ([`formats`] parses them, [`import`] stores them) and export.

pub mod export;
pub mod formats;
pub mod import;
pub mod rpc;
pub mod service;
pub mod store;
