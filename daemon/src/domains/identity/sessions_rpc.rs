//! `spotter.v1.Sessions`: the caller's own sessions. Ids are always looked up together
//! with the caller's user id, so another user's session is simply not found.

use spotter_proto::v1::{self, sessions_server::Sessions as SessionsRpc};
use tonic::{Request, Response, Status};

use super::{caller::Caller, convert, sessions::Sessions};

/// The longest session id accepted (ours are 32 hex characters).
const MAX_SESSION_ID_CHARS: usize = 64;

pub struct SessionsService {
    sessions: Sessions,
}

impl SessionsService {
    pub fn new(sessions: Sessions) -> Self {
        SessionsService { sessions }
    }
}

#[tonic::async_trait]
impl SessionsRpc for SessionsService {
    async fn list_sessions(
        &self,
        request: Request<v1::ListSessionsRequest>,
    ) -> Result<Response<v1::ListSessionsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let sessions = self.sessions.list(caller.user_id).await?;
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
        if id.len() > MAX_SESSION_ID_CHARS {
            return Err(Status::invalid_argument("session id is too long"));
        }
        if !self.sessions.revoke(caller, id).await? {
            return Err(Status::not_found("no such session"));
        }
        Ok(Response::new(v1::RevokeSessionResponse { revoked: 1 }))
    }

    async fn revoke_other_sessions(
        &self,
        request: Request<v1::RevokeOtherSessionsRequest>,
    ) -> Result<Response<v1::RevokeSessionResponse>, Status> {
        let caller = Caller::of(&request)?;
        let n = self.sessions.revoke_others(caller).await?;
        Ok(Response::new(v1::RevokeSessionResponse {
            revoked: n as u32,
        }))
    }
}
