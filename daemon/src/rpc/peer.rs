//! The caller's identity as the kernel reports it (SO_PEERCRED), available to every
//! handler through the request extensions tonic fills for Unix sockets.

use tonic::{Request, Status};

use crate::transport::connections::ConnInfo;

/// Kernel-verified facts about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub pid: Option<i32>,
}

/// The peer of `request`. Every connection to the daemon arrives over the Unix
/// socket, so a missing credential is an internal fault, never a reason to trust.
pub fn peer_uid<T>(request: &Request<T>) -> Result<Peer, Status> {
    request
        .extensions()
        .get::<ConnInfo>()
        .and_then(|info| info.uds.peer_cred)
        .map(|cred| Peer {
            uid: cred.uid(),
            pid: cred.pid(),
        })
        .ok_or_else(|| Status::unauthenticated("peer credentials unavailable"))
}
