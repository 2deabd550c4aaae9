//! spotter's public API: the generated gRPC code for package `spotter.v1`, the protocol
//! version, the display names of providers and job kinds, and where a client finds the
//! daemon's socket.
//!
//! Socket resolution lives here (not in the daemon) so that `spotterd` and `spotter`
//! resolve the path with the same code: `SPOTTER_SOCKET` always wins.

pub mod locations;
mod names;

/// Generated code for package `spotter.v1`.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    tonic::include_proto!("spotter.v1");
}

/// Wire protocol version spoken by this build. Bumped on incompatible API changes.
///
/// 2: events name providers and job kinds with the `Provider` and `JobKind` enums
/// instead of strings.
pub const PROTOCOL_VERSION: u32 = 2;

/// Oldest client protocol version the daemon still serves. Events no longer carry the
/// strings a protocol 1 client reads, so it is refused rather than shown blanks.
pub const MIN_PROTOCOL_VERSION: u32 = 2;

/// Encoded `FileDescriptorSet` of every `spotter.v1` file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/spotter_descriptor.bin"));

/// Largest message either side decodes (SECURITY.md T9).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// True when a daemon speaking `daemon` can serve a client speaking [`PROTOCOL_VERSION`].
pub fn compatible(daemon_protocol: u32, daemon_min_protocol: u32) -> bool {
    (daemon_min_protocol..=daemon_protocol).contains(&PROTOCOL_VERSION)
}
