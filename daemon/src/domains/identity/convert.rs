//! Domain values to and from their `spotter.v1` messages.

use spotter_proto::v1;

use super::{
    service::{Issued, Method},
    store::{Account, SessionRow},
    users::Role,
};

pub fn role_to_proto(role: Role) -> v1::Role {
    match role {
        Role::User => v1::Role::User,
        Role::Admin => v1::Role::Admin,
        Role::Owner => v1::Role::Owner,
    }
}

pub fn role_from_proto(role: i32) -> Option<Role> {
    match v1::Role::try_from(role).ok()? {
        v1::Role::User => Some(Role::User),
        v1::Role::Admin => Some(Role::Admin),
        v1::Role::Owner => Some(Role::Owner),
        v1::Role::Unspecified => None,
    }
}

pub fn method_from_proto(method: i32) -> Option<Method> {
    match v1::SignInMethod::try_from(method).ok()? {
        v1::SignInMethod::Local => Some(Method::Local),
        v1::SignInMethod::Navidrome => Some(Method::Navidrome),
        v1::SignInMethod::Unspecified => None,
    }
}

pub fn user(a: &Account) -> v1::User {
    v1::User {
        id: a.id,
        username: a.username.clone(),
        role: role_to_proto(a.role()) as i32,
        disabled: a.disabled,
        created_at: a.created_at,
        has_local_password: a.password_hash.is_some(),
        navidrome_linked: a.navidrome_linked,
        navidrome_account: a.navidrome_account.clone().unwrap_or_default(),
    }
}

pub fn issued(i: Issued) -> v1::SignInResponse {
    v1::SignInResponse {
        access_token: i.access_token,
        access_expires_at: i.access_expires_at,
        refresh_token: i.refresh_token.to_string(),
        refresh_expires_at: i.refresh_expires_at,
        user: Some(user(&i.account)),
        session_id: i.session_id,
    }
}

pub fn session(s: SessionRow, current_session: Option<&str>) -> v1::Session {
    v1::Session {
        current: current_session == Some(s.id.as_str()),
        id: s.id,
        user_id: s.user_id,
        username: s.username,
        device_label: s.device_label,
        peer_uid: u32::try_from(s.peer_uid).unwrap_or_default(),
        created_at: s.created_at,
        last_used_at: s.last_used_at,
        expires_at: s.expires_at,
    }
}
