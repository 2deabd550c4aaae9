//! Authorisation in one place (SECURITY.md T6).
//!
//! [`ACCESS`] classifies every RPC of the public API; anything not in it is refused
//! (a test fails the build when a method in the descriptor set is missing here).
//! [`AuthLayer`] runs before every service: public methods pass, every other call must
//! carry a valid access token from the same Unix uid, for a live session of an enabled
//! user at the current token version, with a role that the method allows. The checked
//! [`Caller`] is put in the request extensions; handlers read it from there and check
//! the role again.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use tonic::{Status, body::Body, codegen::http};
use tower::{Layer, Service};

use super::{
    caller::{Access, Caller},
    service::{Identity, Refusal},
};
use crate::rpc::internal;

/// Services served without sign-in as a whole (standard gRPC health and reflection).
pub const PUBLIC_SERVICES: &[&str] = &[
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Every method of `spotter.v1`, classified.
pub const ACCESS: &[(&str, Access)] = &[
    ("/spotter.v1.System/GetStatus", Access::Public),
    ("/spotter.v1.Auth/GetSetupState", Access::Public),
    ("/spotter.v1.Auth/Setup", Access::Public),
    ("/spotter.v1.Auth/SignIn", Access::Public),
    ("/spotter.v1.Auth/Refresh", Access::Public),
    ("/spotter.v1.Auth/SignOut", Access::User),
    ("/spotter.v1.Auth/SignOutEverywhere", Access::User),
    ("/spotter.v1.Auth/ChangePassword", Access::User),
    ("/spotter.v1.Auth/WhoAmI", Access::User),
    ("/spotter.v1.Sessions/ListSessions", Access::User),
    ("/spotter.v1.Sessions/RevokeSession", Access::User),
    ("/spotter.v1.Sessions/RevokeOtherSessions", Access::User),
    ("/spotter.v1.Admin/ListUsers", Access::Admin),
    ("/spotter.v1.Admin/CreateUser", Access::Admin),
    ("/spotter.v1.Admin/SetUserRole", Access::Admin),
    ("/spotter.v1.Admin/SetUserDisabled", Access::Admin),
    ("/spotter.v1.Admin/DeleteUser", Access::Admin),
    ("/spotter.v1.Admin/SetNavidromeAccount", Access::Admin),
    ("/spotter.v1.Admin/ListUserSessions", Access::Admin),
    ("/spotter.v1.Admin/RevokeUserSession", Access::Admin),
    ("/spotter.v1.Admin/ListLockouts", Access::Admin),
    ("/spotter.v1.Admin/ClearLockout", Access::Admin),
    ("/spotter.v1.Admin/GetAllowlist", Access::Admin),
    ("/spotter.v1.Admin/SetAllowlist", Access::Admin),
    ("/spotter.v1.Admin/ListAuditEvents", Access::Admin),
    ("/spotter.v1.Admin/RotateEncryptionKey", Access::Owner),
    ("/spotter.v1.Events/Subscribe", Access::User),
    ("/spotter.v1.Connections/ListConnections", Access::User),
    ("/spotter.v1.Connections/BeginConnect", Access::User),
    ("/spotter.v1.Connections/CompleteConnect", Access::User),
    ("/spotter.v1.Connections/ConnectListenBrainz", Access::User),
    ("/spotter.v1.Connections/ConnectNavidrome", Access::User),
    ("/spotter.v1.Connections/Disconnect", Access::User),
    ("/spotter.v1.Connections/SetListenSubmission", Access::User),
    ("/spotter.v1.Jobs/ListJobs", Access::User),
    ("/spotter.v1.Jobs/RunJob", Access::User),
    ("/spotter.v1.Jobs/CancelJob", Access::User),
    ("/spotter.v1.History/ListRecentListens", Access::User),
    ("/spotter.v1.History/GetSummary", Access::User),
    ("/spotter.v1.History/ListListens", Access::User),
    ("/spotter.v1.History/GetListen", Access::User),
    ("/spotter.v1.History/GetTop", Access::User),
    ("/spotter.v1.History/GetActivity", Access::User),
    ("/spotter.v1.History/GetDiscoveries", Access::User),
    ("/spotter.v1.History/Import", Access::User),
    ("/spotter.v1.History/Export", Access::User),
    ("/spotter.v1.Playlists/ListPlaylists", Access::User),
    ("/spotter.v1.Playlists/GetPlaylist", Access::User),
    ("/spotter.v1.Playlists/CreatePlaylist", Access::User),
    ("/spotter.v1.Playlists/RenamePlaylist", Access::User),
    ("/spotter.v1.Playlists/DeletePlaylist", Access::User),
    ("/spotter.v1.Playlists/DuplicatePlaylist", Access::User),
    ("/spotter.v1.Playlists/AddEntries", Access::User),
    ("/spotter.v1.Playlists/RemoveEntries", Access::User),
    ("/spotter.v1.Playlists/MoveEntry", Access::User),
    ("/spotter.v1.Playlists/SearchLibrary", Access::User),
    ("/spotter.v1.Playlists/GetCandidates", Access::User),
    ("/spotter.v1.Playlists/SetMatch", Access::User),
    ("/spotter.v1.Playlists/ClearMatch", Access::User),
    ("/spotter.v1.Playlists/Rematch", Access::User),
    ("/spotter.v1.Playlists/Push", Access::User),
    ("/spotter.v1.Playlists/TakeNavidromeVersion", Access::User),
    ("/spotter.v1.Playlists/ListNavidromePlaylists", Access::User),
    ("/spotter.v1.Playlists/Link", Access::User),
    ("/spotter.v1.Playlists/Unsync", Access::User),
    ("/spotter.v1.Playlists/ImportPlaylist", Access::User),
    ("/spotter.v1.Playlists/ExportPlaylist", Access::User),
];

/// The classification of a request path; `None` means refuse.
pub fn classify(path: &str) -> Option<Access> {
    if let Some(service) = path.strip_prefix('/').and_then(|p| p.split('/').next())
        && PUBLIC_SERVICES.contains(&service)
    {
        return Some(Access::Public);
    }
    ACCESS.iter().find(|(p, _)| *p == path).map(|(_, a)| *a)
}

/// The tower layer that enforces [`ACCESS`].
#[derive(Clone)]
pub struct AuthLayer {
    identity: Arc<Identity>,
}

impl AuthLayer {
    pub fn new(identity: Arc<Identity>) -> Self {
        AuthLayer { identity }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            identity: self.identity.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    identity: Arc<Identity>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<http::Request<Body>> for AuthService<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this call (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let identity = self.identity.clone();
        Box::pin(async move {
            match authorise(&identity, &mut request).await {
                Ok(()) => inner.call(request).await,
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

impl From<Refusal> for Status {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Unauthenticated(why) => Status::unauthenticated(why),
            Refusal::Check(e) => internal("access check failed", &e),
        }
    }
}

impl Identity {
    /// [`Identity::check_access`] as the layer answers it.
    pub async fn authenticate(&self, token: &str, peer_uid: u32) -> Result<Caller, Status> {
        Ok(self.check_access(token, peer_uid).await?)
    }
}

async fn authorise(identity: &Identity, request: &mut http::Request<Body>) -> Result<(), Status> {
    let access = classify(request.uri().path())
        .ok_or_else(|| Status::permission_denied("method not allowed"))?;
    if access == Access::Public {
        return Ok(());
    }
    let peer_uid = request
        .extensions()
        .get::<crate::transport::connections::ConnInfo>()
        .and_then(|i| i.peer_uid())
        .ok_or_else(|| Status::unauthenticated("peer credentials unavailable"))?;
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| Status::unauthenticated("sign in first (no access token)"))?;
    let caller = identity.authenticate(token, peer_uid).await?;
    caller.require(access).map_err(Status::from)?;
    request.extensions_mut().insert(caller);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::identity::users::Role;

    #[test]
    fn every_method_in_the_api_is_classified() {
        use prost::Message;
        let fds =
            prost_types::FileDescriptorSet::decode(spotter_proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut methods = Vec::new();
        for file in &fds.file {
            for service in &file.service {
                for method in &service.method {
                    methods.push(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
        assert!(methods.len() >= ACCESS.len(), "{methods:?}");
        let unclassified: Vec<_> = methods.iter().filter(|m| classify(m).is_none()).collect();
        assert!(
            unclassified.is_empty(),
            "methods missing from auth::access::ACCESS: {unclassified:?}"
        );
        // And no stale entries for methods that no longer exist.
        let stale: Vec<_> = ACCESS
            .iter()
            .filter(|(p, _)| !methods.iter().any(|m| m == p))
            .collect();
        assert!(stale.is_empty(), "{stale:?}");
    }

    #[test]
    fn unknown_paths_are_refused_and_health_is_public() {
        assert_eq!(classify("/spotter.v1.Admin/DropEverything"), None);
        assert_eq!(
            classify("/grpc.health.v1.Health/Check"),
            Some(Access::Public)
        );
        assert_eq!(classify("/spotter.v1.Admin/ListUsers"), Some(Access::Admin));
        assert!(!Access::Admin.allows(Role::User));
        assert!(Access::Admin.allows(Role::Owner));
        assert!(!Access::Owner.allows(Role::Admin));
    }
}
