//! `spotter.v1.Sessions`: the caller's own sessions. Ids are always looked up together
//! with the caller's user id, so another user's session is simply not found.

use spotter_proto::v1::{self, sessions_server::Sessions};
use tonic::{Request, Response, Status};

use super::caller::Caller;
use super::convert;
use crate::events::{EventBus, other_sessions_revoked, session_revoked};
use crate::store::Store;

pub struct SessionsService {
    store: Store,
    events: std::sync::Arc<EventBus>,
}

impl SessionsService {
    pub fn new(store: Store, events: std::sync::Arc<EventBus>) -> Self {
        SessionsService { store, events }
    }
}

#[tonic::async_trait]
impl Sessions for SessionsService {
    async fn list_sessions(
        &self,
        request: Request<v1::ListSessionsRequest>,
    ) -> Result<Response<v1::ListSessionsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let sessions = self.store.list_sessions(caller.user_id).await?;
        Ok(Response::new(v1::ListSessionsResponse {
            sessions: sessions
                .into_iter()
                .map(|s| convert::session(s, Some(&caller.session_id)))
                .collect(),
        }))
    }

    async fn revoke_session(
        &self,
        request: Request<v1::RevokeSessionRequest>,
    ) -> Result<Response<v1::RevokeSessionResponse>, Status> {
        let caller = Caller::of(&request)?;
        let id = &request.get_ref().session_id;
        if id.len() > 64 {
            return Err(Status::invalid_argument("session id is too long"));
        }
        if !self
            .store
            .revoke_session(caller.user_id, id, "revoked by its user")
            .await?
        {
            return Err(Status::not_found("no such session"));
        }
        self.store
            .audit(
                "session_revoked",
                Some(caller.user_id),
                Some(caller.user_id),
                Some(caller.peer_uid),
                &format!("session {id}"),
            )
            .await?;
        self.events.publish(caller.user_id, session_revoked(id));
        Ok(Response::new(v1::RevokeSessionResponse { revoked: 1 }))
    }

    async fn revoke_other_sessions(
        &self,
        request: Request<v1::RevokeOtherSessionsRequest>,
    ) -> Result<Response<v1::RevokeSessionResponse>, Status> {
        let caller = Caller::of(&request)?;
        let n = self
            .store
            .revoke_sessions(
                caller.user_id,
                Some(&caller.session_id),
                "revoked by its user",
            )
            .await?;
        self.store
            .audit(
                "session_revoked",
                Some(caller.user_id),
                Some(caller.user_id),
                Some(caller.peer_uid),
                &format!("{n} other sessions"),
            )
            .await?;
        self.events.publish(
            caller.user_id,
            other_sessions_revoked(&caller.session_id, n),
        );
        Ok(Response::new(v1::RevokeSessionResponse {
            revoked: n as u32,
        }))
    }
}
