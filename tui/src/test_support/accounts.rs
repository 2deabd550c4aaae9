//! A stand-in for the daemon's Auth and Sessions services with just enough real
//! behaviour to test the client against: bearer-token checks, refresh-token
//! rotation with replay detection, revocation, and switches for tests (expire every
//! access token, revoke every session).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use spotter_proto::v1::{
    ChangePasswordRequest, ChangePasswordResponse, GetSetupStateRequest, GetSetupStateResponse,
    ListSessionsRequest, ListSessionsResponse, RefreshRequest, RevokeOtherSessionsRequest,
    RevokeSessionRequest, RevokeSessionResponse, Role, Session, SetupRequest, SignInRequest,
    SignInResponse, SignOutEverywhereRequest, SignOutRequest, SignOutResponse, User, WhoAmIRequest,
    WhoAmIResponse, auth_server::Auth, sessions_server::Sessions,
};
use tonic::{Request, Response, Status};

/// Lifetime of the access tokens handed out.
pub const ACCESS_TTL: i64 = 900;
/// Unix time the stand-in pretends it is.
pub const FAKE_NOW: i64 = 1_750_000_000;

#[derive(Debug)]
struct FakeSession {
    id: String,
    user_id: i64,
    device_label: String,
    refresh: String,
    spent_refresh: Vec<String>,
    access: Vec<String>,
    revoked: bool,
}

#[derive(Debug, Default)]
struct State {
    setup: GetSetupStateResponse,
    users: Vec<(User, String)>,
    sessions: Vec<FakeSession>,
    counter: u64,
    calls: HashMap<&'static str, u32>,
}

/// Cheap to clone: every clone is the same accounts database.
#[derive(Debug, Clone, Default)]
pub struct FakeAccounts {
    state: Arc<Mutex<State>>,
}

impl FakeAccounts {
    pub fn with_user(username: &str, password: &str, role: Role) -> Self {
        let accounts = FakeAccounts::default();
        accounts.lock().users.push((
            User {
                id: 1,
                username: username.into(),
                role: role as i32,
                has_local_password: true,
                ..User::default()
            },
            password.into(),
        ));
        accounts
    }

    pub fn needing_setup(code_required: bool) -> Self {
        let accounts = FakeAccounts::default();
        accounts.lock().setup = GetSetupStateResponse {
            setup_required: true,
            setup_code_required: code_required,
            navidrome_available: false,
        };
        accounts
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Starts a session for the first user, as an earlier sign-in would have;
    /// returns its refresh token.
    pub fn seed_session(&self, device_label: &str) -> String {
        let mut state = self.lock();
        let user_id = state.users[0].0.id;
        let response = state.open_session(user_id, device_label);
        response.refresh_token
    }

    /// Every access token stops working (as after their 15 minutes).
    pub fn expire_access_tokens(&self) {
        for session in &mut self.lock().sessions {
            session.access.clear();
        }
    }

    pub fn revoke_everything(&self) {
        for session in &mut self.lock().sessions {
            session.revoked = true;
        }
    }

    pub fn calls(&self, method: &str) -> u32 {
        self.lock().calls.get(method).copied().unwrap_or(0)
    }

    /// The refresh token the stand-in currently accepts for the only live session.
    pub fn live_refresh_token(&self) -> Option<String> {
        self.lock()
            .sessions
            .iter()
            .find(|s| !s.revoked)
            .map(|s| s.refresh.clone())
    }

    pub fn live_sessions(&self) -> usize {
        self.lock().sessions.iter().filter(|s| !s.revoked).count()
    }
}

impl State {
    fn count(&mut self, method: &'static str) {
        *self.calls.entry(method).or_default() += 1;
    }

    fn token(&mut self, kind: &str) -> String {
        self.counter += 1;
        format!("{kind}-{}", self.counter)
    }

    fn user(&self, id: i64) -> User {
        self.users
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, _)| u.clone())
            .unwrap_or_default()
    }

    fn tokens_for(&mut self, index: usize) -> SignInResponse {
        let access = self.token("access");
        let refresh = self.token("refresh");
        let session = &mut self.sessions[index];
        session.access.push(access.clone());
        let old = std::mem::replace(&mut session.refresh, refresh.clone());
        if !old.is_empty() {
            session.spent_refresh.push(old);
        }
        let (id, user_id) = (session.id.clone(), session.user_id);
        SignInResponse {
            access_token: access,
            access_expires_at: FAKE_NOW + ACCESS_TTL,
            refresh_token: refresh,
            refresh_expires_at: FAKE_NOW + 30 * 86_400,
            user: Some(self.user(user_id)),
            session_id: id,
        }
    }

    fn open_session(&mut self, user_id: i64, device_label: &str) -> SignInResponse {
        let id = self.token("session");
        self.sessions.push(FakeSession {
            id,
            user_id,
            device_label: device_label.into(),
            refresh: String::new(),
            spent_refresh: Vec::new(),
            access: Vec::new(),
            revoked: false,
        });
        let index = self.sessions.len() - 1;
        self.tokens_for(index)
    }

    /// The live session whose access token the request carries.
    fn caller<T>(&self, request: &Request<T>) -> Result<usize, Status> {
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("sign in first"))?;
        self.sessions
            .iter()
            .position(|s| !s.revoked && s.access.iter().any(|a| a == token))
            .ok_or_else(|| Status::unauthenticated("access token expired"))
    }
}

#[tonic::async_trait]
impl Auth for FakeAccounts {
    async fn get_setup_state(
        &self,
        _: Request<GetSetupStateRequest>,
    ) -> Result<Response<GetSetupStateResponse>, Status> {
        Ok(Response::new(self.lock().setup))
    }

    async fn setup(
        &self,
        request: Request<SetupRequest>,
    ) -> Result<Response<SignInResponse>, Status> {
        let mut state = self.lock();
        let r = request.into_inner();
        if !state.setup.setup_required {
            return Err(Status::failed_precondition("setup has already been done"));
        }
        if state.setup.setup_code_required && r.setup_code != "CODE-1234" {
            return Err(Status::permission_denied("wrong setup code"));
        }
        state.setup.setup_required = false;
        let owner = User {
            id: 1,
            username: r.username,
            role: Role::Owner as i32,
            has_local_password: true,
            ..User::default()
        };
        state.users.push((owner, r.password));
        Ok(Response::new(state.open_session(1, &r.device_label)))
    }

    async fn sign_in(
        &self,
        request: Request<SignInRequest>,
    ) -> Result<Response<SignInResponse>, Status> {
        let mut state = self.lock();
        state.count("SignIn");
        let r = request.into_inner();
        let user = state
            .users
            .iter()
            .find(|(u, p)| u.username == r.username && *p == r.password)
            .map(|(u, _)| u.id)
            .ok_or_else(|| Status::unauthenticated("wrong username or password"))?;
        Ok(Response::new(state.open_session(user, &r.device_label)))
    }

    async fn refresh(
        &self,
        request: Request<RefreshRequest>,
    ) -> Result<Response<SignInResponse>, Status> {
        let mut state = self.lock();
        state.count("Refresh");
        let token = request.into_inner().refresh_token;
        let Some(index) = state
            .sessions
            .iter()
            .position(|s| s.refresh == token || s.spent_refresh.contains(&token))
        else {
            return Err(Status::unauthenticated("session revoked"));
        };
        if state.sessions[index].revoked {
            return Err(Status::unauthenticated("session revoked"));
        }
        if state.sessions[index].refresh != token {
            // A spent token came back: someone copied it. End the whole session.
            state.sessions[index].revoked = true;
            return Err(Status::unauthenticated(
                "refresh token reused; session revoked",
            ));
        }
        Ok(Response::new(state.tokens_for(index)))
    }

    async fn sign_out(
        &self,
        request: Request<SignOutRequest>,
    ) -> Result<Response<SignOutResponse>, Status> {
        let mut state = self.lock();
        state.count("SignOut");
        let index = state.caller(&request)?;
        state.sessions[index].revoked = true;
        Ok(Response::new(SignOutResponse { sessions_ended: 1 }))
    }

    async fn sign_out_everywhere(
        &self,
        _: Request<SignOutEverywhereRequest>,
    ) -> Result<Response<SignOutResponse>, Status> {
        Err(Status::unimplemented("not in the stand-in"))
    }

    async fn change_password(
        &self,
        _: Request<ChangePasswordRequest>,
    ) -> Result<Response<ChangePasswordResponse>, Status> {
        Err(Status::unimplemented("not in the stand-in"))
    }

    async fn who_am_i(
        &self,
        _: Request<WhoAmIRequest>,
    ) -> Result<Response<WhoAmIResponse>, Status> {
        Err(Status::unimplemented("not in the stand-in"))
    }
}

#[tonic::async_trait]
impl Sessions for FakeAccounts {
    async fn list_sessions(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<ListSessionsResponse>, Status> {
        let mut state = self.lock();
        state.count("ListSessions");
        let caller = state.caller(&request)?;
        let user_id = state.sessions[caller].user_id;
        let sessions = state
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.user_id == user_id && !s.revoked)
            .map(|(i, s)| Session {
                id: s.id.clone(),
                user_id,
                device_label: s.device_label.clone(),
                peer_uid: 1000,
                created_at: FAKE_NOW - 60,
                last_used_at: FAKE_NOW,
                current: i == caller,
                ..Session::default()
            })
            .collect();
        Ok(Response::new(ListSessionsResponse { sessions }))
    }

    async fn revoke_session(
        &self,
        request: Request<RevokeSessionRequest>,
    ) -> Result<Response<RevokeSessionResponse>, Status> {
        let mut state = self.lock();
        let caller = state.caller(&request)?;
        let user_id = state.sessions[caller].user_id;
        let id = request.into_inner().session_id;
        let session = state
            .sessions
            .iter_mut()
            .find(|s| s.id == id && s.user_id == user_id && !s.revoked)
            .ok_or_else(|| Status::not_found("no such session"))?;
        session.revoked = true;
        Ok(Response::new(RevokeSessionResponse { revoked: 1 }))
    }

    async fn revoke_other_sessions(
        &self,
        request: Request<RevokeOtherSessionsRequest>,
    ) -> Result<Response<RevokeSessionResponse>, Status> {
        let mut state = self.lock();
        let caller = state.caller(&request)?;
        let user_id = state.sessions[caller].user_id;
        let mut revoked = 0;
        for (i, s) in state.sessions.iter_mut().enumerate() {
            if i != caller && s.user_id == user_id && !s.revoked {
                s.revoked = true;
                revoked += 1;
            }
        }
        Ok(Response::new(RevokeSessionResponse { revoked }))
    }
}
