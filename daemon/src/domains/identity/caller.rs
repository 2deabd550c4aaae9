//! Who is calling: the [`Caller`] the access layer checked and put in the request, and
//! the [`Access`] levels methods require. Read by every domain's rpc adapter and
//! service; the layer itself lives in [`super::access`].

use tonic::Status;

use super::users::Role;
use crate::service::ServiceError;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed.
    Public,
    /// Any signed-in user.
    User,
    /// Admins and the owner.
    Admin,
    /// Only the owner.
    Owner,
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::User => true,
            Access::Admin => role >= Role::Admin,
            Access::Owner => role == Role::Owner,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: i64,
    pub role: Role,
    pub session_id: String,
    pub jti: String,
    pub access_expires_at: i64,
    pub peer_uid: u32,
    /// The user's token version the access token was issued under.
    pub token_version: i64,
}

impl Caller {
    /// The caller of a request that passed the layer. Handlers of non-public methods
    /// call this; its absence is a server fault, never a reason to go on.
    pub fn of<T>(request: &tonic::Request<T>) -> Result<&Caller, Status> {
        request
            .extensions()
            .get::<Caller>()
            .ok_or_else(|| Status::unauthenticated("sign in first"))
    }

    /// The role check, made by the layer and repeated by every admin service function.
    pub fn require(&self, access: Access) -> Result<(), ServiceError> {
        if access.allows(self.role) {
            Ok(())
        } else {
            Err(ServiceError::PermissionDenied(
                match access {
                    Access::Owner => "only the owner may do this",
                    _ => "administrator role required",
                }
                .into(),
            ))
        }
    }
}
