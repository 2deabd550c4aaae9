//! The Admin service's user calls for the tab.

use spotter_proto::v1::{
    CreateUserRequest, DeleteUserRequest, ListUsersRequest, SetNavidromeAccountRequest,
    SetUserDisabledRequest, SetUserRoleRequest,
};

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

/// Users fetched per page.
pub const USERS_PAGE_SIZE: u32 = 100;

pub async fn run(
    client: &DaemonClient,
    auth: &Authenticator,
    call: Call,
) -> Result<Reply, ClientError> {
    let admin = || client.admin();
    Ok(match call {
        Call::ListUsers { query, after_id } => {
            let request = auth.authorize(ListUsersRequest {
                query: query.clone(),
                page_size: USERS_PAGE_SIZE,
                after_id,
            });
            let response = client
                .within_deadline("ListUsers", admin().list_users(request))
                .await?;
            Reply::Users {
                query,
                after_id,
                users: response.users,
                next_after_id: response.next_after_id,
            }
        }
        Call::CreateUser { username, password } => {
            let request = auth.authorize(CreateUserRequest {
                username,
                password: password.expose().to_owned(),
            });
            let user = client
                .within_deadline("CreateUser", admin().create_user(request))
                .await?;
            Reply::UserCreated(user)
        }
        Call::SetUserRole { user_id, role } => {
            let request = auth.authorize(SetUserRoleRequest {
                user_id,
                role: role as i32,
            });
            let user = client
                .within_deadline("SetUserRole", admin().set_user_role(request))
                .await?;
            Reply::UserUpdated(user)
        }
        Call::SetNavidromeAccount { user_id, name } => {
            let request = auth.authorize(SetNavidromeAccountRequest {
                user_id,
                navidrome_username: name,
            });
            let user = client
                .within_deadline(
                    "SetNavidromeAccount",
                    admin().set_navidrome_account(request),
                )
                .await?;
            Reply::NavidromeAccountSet(user)
        }
        Call::SetUserDisabled { user_id, disabled } => {
            let request = auth.authorize(SetUserDisabledRequest { user_id, disabled });
            let user = client
                .within_deadline("SetUserDisabled", admin().set_user_disabled(request))
                .await?;
            Reply::UserUpdated(user)
        }
        Call::DeleteUser { user_id, username } => {
            let request = auth.authorize(DeleteUserRequest { user_id });
            client
                .within_deadline("DeleteUser", admin().delete_user(request))
                .await?;
            Reply::UserDeleted { username }
        }
    })
}
