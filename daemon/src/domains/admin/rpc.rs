//! `spotter.v1.Admin`. The access layer already required admin (or owner); every
//! handler goes through `service::admin`, which checks the role again.

use std::sync::Arc;

use spotter_proto::v1::{self, admin_server::Admin as AdminRpc, clear_lockout_request::Target};
use tonic::{Request, Response, Status};

use crate::domains::identity::convert;
use crate::domains::{admin::service::Admin, identity::caller::Caller};
use crate::events::{EventBus, session_revoked};

pub struct AdminService {
    admin: Arc<Admin>,
    events: Arc<EventBus>,
}

impl AdminService {
    pub fn new(admin: Arc<Admin>, events: Arc<EventBus>) -> Self {
        AdminService { admin, events }
    }
}

type Rpc<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl AdminRpc for AdminService {
    async fn list_users(
        &self,
        request: Request<v1::ListUsersRequest>,
    ) -> Rpc<v1::ListUsersResponse> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let (users, next) = self
            .admin
            .list_users(caller, &r.query, r.page_size, r.after_id)
            .await?;
        Ok(Response::new(v1::ListUsersResponse {
            users: users.iter().map(convert::user).collect(),
            next_after_id: next,
        }))
    }

    async fn create_user(&self, request: Request<v1::CreateUserRequest>) -> Rpc<v1::User> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        Ok(Response::new(convert::user(
            &self
                .admin
                .create_user(caller, &r.username, &r.password)
                .await?,
        )))
    }

    async fn set_user_role(&self, request: Request<v1::SetUserRoleRequest>) -> Rpc<v1::User> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let role = convert::role_from_proto(r.role)
            .ok_or_else(|| Status::invalid_argument("role must be USER, ADMIN or OWNER"))?;
        Ok(Response::new(convert::user(
            &self.admin.set_role(caller, r.user_id, role).await?,
        )))
    }

    async fn set_user_disabled(
        &self,
        request: Request<v1::SetUserDisabledRequest>,
    ) -> Rpc<v1::User> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        Ok(Response::new(convert::user(
            &self
                .admin
                .set_disabled(caller, r.user_id, r.disabled)
                .await?,
        )))
    }

    async fn delete_user(
        &self,
        request: Request<v1::DeleteUserRequest>,
    ) -> Rpc<v1::DeleteUserResponse> {
        let caller = Caller::of(&request)?;
        self.admin
            .delete_user(caller, request.get_ref().user_id)
            .await?;
        Ok(Response::new(v1::DeleteUserResponse {}))
    }

    async fn set_navidrome_account(
        &self,
        request: Request<v1::SetNavidromeAccountRequest>,
    ) -> Rpc<v1::User> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        Ok(Response::new(convert::user(
            &self
                .admin
                .set_navidrome_account(caller, r.user_id, &r.navidrome_username)
                .await?,
        )))
    }

    async fn list_user_sessions(
        &self,
        request: Request<v1::ListUserSessionsRequest>,
    ) -> Rpc<v1::ListSessionsResponse> {
        let caller = Caller::of(&request)?;
        let sessions = self
            .admin
            .user_sessions(caller, request.get_ref().user_id)
            .await?;
        Ok(Response::new(v1::ListSessionsResponse {
            sessions: sessions
                .into_iter()
                .map(|s| convert::session(s, Some(&caller.session_id)))
                .collect(),
        }))
    }

    async fn revoke_user_session(
        &self,
        request: Request<v1::RevokeUserSessionRequest>,
    ) -> Rpc<v1::RevokeSessionResponse> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let revoked = self
            .admin
            .revoke_user_session(caller, r.user_id, &r.session_id)
            .await?;
        self.events
            .publish(r.user_id, session_revoked(&r.session_id));
        Ok(Response::new(v1::RevokeSessionResponse { revoked }))
    }

    async fn list_lockouts(
        &self,
        request: Request<v1::ListLockoutsRequest>,
    ) -> Rpc<v1::ListLockoutsResponse> {
        let caller = Caller::of(&request)?;
        let lockouts = self.admin.lockouts(caller).await?;
        Ok(Response::new(v1::ListLockoutsResponse {
            lockouts: lockouts
                .into_iter()
                .map(|l| v1::Lockout {
                    id: l.account_key,
                    failures: l.failures as u32,
                    tier: l.tier as u32,
                    locked_until: if l.locked_until > crate::store::now() {
                        l.locked_until
                    } else {
                        0
                    },
                    last_failure_at: l.last_failure_at,
                })
                .collect(),
        }))
    }

    async fn clear_lockout(
        &self,
        request: Request<v1::ClearLockoutRequest>,
    ) -> Rpc<v1::ClearLockoutResponse> {
        let caller = Caller::of(&request)?;
        let (id, name) = match &request.get_ref().target {
            Some(Target::Id(id)) => (Some(id.as_str()), None),
            Some(Target::Username(u)) => (None, Some(u.as_str())),
            None => (None, None),
        };
        let cleared = self.admin.clear_lockout(caller, id, name).await?;
        Ok(Response::new(v1::ClearLockoutResponse { cleared }))
    }

    async fn get_allowlist(&self, request: Request<v1::GetAllowlistRequest>) -> Rpc<v1::Allowlist> {
        let caller = Caller::of(&request)?;
        let (enabled, usernames) = self.admin.allowlist(caller).await?;
        Ok(Response::new(v1::Allowlist { enabled, usernames }))
    }

    async fn set_allowlist(&self, request: Request<v1::SetAllowlistRequest>) -> Rpc<v1::Allowlist> {
        let caller = Caller::of(&request)?;
        let list = request.get_ref().allowlist.clone().unwrap_or_default();
        let (enabled, usernames) = self
            .admin
            .set_allowlist(caller, list.enabled, &list.usernames)
            .await?;
        Ok(Response::new(v1::Allowlist { enabled, usernames }))
    }

    async fn list_audit_events(
        &self,
        request: Request<v1::ListAuditEventsRequest>,
    ) -> Rpc<v1::ListAuditEventsResponse> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let rows = self
            .admin
            .audit(caller, r.before_id, r.page_size, &r.kind)
            .await?;
        let next_before_id = rows.last().map(|e| e.id).unwrap_or(0);
        Ok(Response::new(v1::ListAuditEventsResponse {
            events: rows
                .into_iter()
                .map(|e| v1::AuditEvent {
                    id: e.id,
                    at: e.at,
                    kind: e.kind,
                    actor_user_id: e.actor_user_id.unwrap_or(0),
                    subject_user_id: e.subject_user_id.unwrap_or(0),
                    peer_uid: e.peer_uid.and_then(|u| u32::try_from(u).ok()).unwrap_or(0),
                    detail: e.detail,
                })
                .collect(),
            next_before_id,
        }))
    }

    async fn rotate_encryption_key(
        &self,
        request: Request<v1::RotateEncryptionKeyRequest>,
    ) -> Rpc<v1::RotateEncryptionKeyResponse> {
        let caller = Caller::of(&request)?;
        let done = self
            .admin
            .rotate_key(caller, &request.get_ref().new_key)
            .await?;
        Ok(Response::new(v1::RotateEncryptionKeyResponse {
            new_key_id: done.new_key_id,
            old_key_id: done.old_key_id,
            resealed: done.resealed,
            next_step: done.next_step,
        }))
    }
}
