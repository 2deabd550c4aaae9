//! The daemon's domains, one folder each. A domain owns one slice of what spotterd
//! does, from the wire to the table:
//!
//! - `rpc` (or `*_rpc`): the thin tonic service: validate, authorise, convert;
//! - `service`: the domain logic, in plain Rust types (no tonic, no SQL strings);
//! - `store`: the domain's queries, as `impl Store` blocks (the only SQL).
//!
//! Below every domain sits the infrastructure, which knows none of them: the SQLite
//! pool and transaction helpers (`store`), `crypto`, `auth` (token and password
//! primitives), `providers` (the HTTP client and one module per upstream), `events`
//! (the per-user bus), `config`, `transport`, `logging` and `music_text`. A domain
//! uses infrastructure and other domains' public service API, never their internals.

pub mod admin;
pub mod connections;
pub mod history;
pub mod identity;
pub mod sync;
