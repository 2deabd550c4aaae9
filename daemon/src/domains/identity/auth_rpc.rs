//! `spotter.v1.Auth`: setup, sign-in, refresh, sign-out, password change.

use std::sync::Arc;

use spotter_proto::v1::{self, auth_server::Auth};
use tonic::{Request, Response, Status};

use super::convert;
use super::{caller::Caller, service::Identity};
use crate::events::{EventBus, signed_in};
use crate::rpc::peer_uid;

pub struct AuthService {
    identity: Arc<Identity>,
    events: Arc<EventBus>,
}

impl AuthService {
    pub fn new(identity: Arc<Identity>, events: Arc<EventBus>) -> Self {
        AuthService { identity, events }
    }
}

fn method(m: i32) -> Result<crate::domains::identity::service::Method, Status> {
    convert::method_from_proto(m)
        .ok_or_else(|| Status::invalid_argument("method must be LOCAL or NAVIDROME"))
}

#[tonic::async_trait]
impl Auth for AuthService {
    async fn get_setup_state(
        &self,
        _request: Request<v1::GetSetupStateRequest>,
    ) -> Result<Response<v1::GetSetupStateResponse>, Status> {
        Ok(Response::new(v1::GetSetupStateResponse {
            setup_required: !self.identity.setup_completed().await?,
            setup_code_required: self.identity.setup_code_required(),
            navidrome_available: self.identity.navidrome_available(),
        }))
    }

    async fn setup(
        &self,
        request: Request<v1::SetupRequest>,
    ) -> Result<Response<v1::SignInResponse>, Status> {
        let uid = peer_uid(&request)?.uid;
        let r = request.into_inner();
        let issued = self
            .identity
            .setup(
                method(r.method)?,
                &r.username,
                &r.password,
                &r.setup_code,
                &r.device_label,
                uid,
            )
            .await?;
        Ok(Response::new(convert::issued(issued)))
    }

    async fn sign_in(
        &self,
        request: Request<v1::SignInRequest>,
    ) -> Result<Response<v1::SignInResponse>, Status> {
        let uid = peer_uid(&request)?.uid;
        let r = request.into_inner();
        let issued = self
            .identity
            .sign_in(
                method(r.method)?,
                &r.username,
                &r.password,
                &r.device_label,
                uid,
            )
            .await?;
        self.events
            .publish(issued.account.id, signed_in(&issued.session_id));
        Ok(Response::new(convert::issued(issued)))
    }

    async fn refresh(
        &self,
        request: Request<v1::RefreshRequest>,
    ) -> Result<Response<v1::SignInResponse>, Status> {
        let uid = peer_uid(&request)?.uid;
        let issued = self
            .identity
            .refresh(&request.get_ref().refresh_token, uid)
            .await?;
        Ok(Response::new(convert::issued(issued)))
    }

    async fn sign_out(
        &self,
        request: Request<v1::SignOutRequest>,
    ) -> Result<Response<v1::SignOutResponse>, Status> {
        let caller = Caller::of(&request)?;
        let sessions_ended = self.identity.sign_out(caller).await?;
        Ok(Response::new(v1::SignOutResponse { sessions_ended }))
    }

    async fn sign_out_everywhere(
        &self,
        request: Request<v1::SignOutEverywhereRequest>,
    ) -> Result<Response<v1::SignOutResponse>, Status> {
        let caller = Caller::of(&request)?;
        let sessions_ended = self.identity.sign_out_everywhere(caller).await?;
        Ok(Response::new(v1::SignOutResponse { sessions_ended }))
    }

    async fn change_password(
        &self,
        request: Request<v1::ChangePasswordRequest>,
    ) -> Result<Response<v1::ChangePasswordResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let issued = self
            .identity
            .change_password(caller, &r.current_password, &r.new_password)
            .await?;
        Ok(Response::new(v1::ChangePasswordResponse {
            tokens: Some(convert::issued(issued)),
        }))
    }

    async fn who_am_i(
        &self,
        request: Request<v1::WhoAmIRequest>,
    ) -> Result<Response<v1::WhoAmIResponse>, Status> {
        let caller = Caller::of(&request)?;
        let account = self.identity.account(caller.user_id).await?;
        Ok(Response::new(v1::WhoAmIResponse {
            user: Some(convert::user(&account)),
            session_id: caller.session_id.clone(),
            peer_uid: caller.peer_uid,
        }))
    }
}
