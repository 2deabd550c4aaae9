//! Outbound integrations: everything spotterd asks of the outside world.
//!
//! - [`http`] owns the one hardened outbound HTTP client every provider uses
//!   (timeouts, no automatic redirects, a real User-Agent, capped bodies) and the
//!   rule that upstream URLs are logged without their query strings (SECURITY.md
//!   T2, T10).
//! - [`subsonic`] speaks the Subsonic API to a Navidrome (or any Subsonic) server:
//!   authentication (token, with a remembered fallback to password mode), the
//!   `status=failed` error envelope, and typed errors the RPC layer maps to gRPC codes.

pub mod http;
pub mod library;
pub mod listen;
pub mod playlist;
pub mod subsonic;
pub mod timestamp;

pub use listen::{ProviderError, RemoteListen};
pub mod clients;
pub mod lastfm;
pub mod listenbrainz;
pub mod navidrome;
pub mod spotify;
