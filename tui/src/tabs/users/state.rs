//! What the Users tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::{Role, User};

use crate::component::{form::Form, rows::Rows};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `after_id` 0 is the first page.
    ListUsers {
        query: String,
        after_id: i64,
    },
    CreateUser {
        username: String,
        password: crate::secret::Secret,
    },
    SetUserRole {
        user_id: i64,
        role: Role,
    },
    SetUserDisabled {
        user_id: i64,
        disabled: bool,
    },
    /// `name` empty: the user's own name only.
    SetNavidromeAccount {
        user_id: i64,
        name: String,
    },
    DeleteUser {
        user_id: i64,
        username: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Users {
        query: String,
        after_id: i64,
        users: Vec<User>,
        next_after_id: i64,
    },
    UserCreated(User),
    UserUpdated(User),
    NavidromeAccountSet(User),
    UserDeleted {
        username: String,
    },
}

/// What the tab opens on top.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    RoleChooser(RoleChooser),
    NewUser(Form),
    /// The Navidrome account `user_id` may connect.
    NavidromeAccount {
        user_id: i64,
        username: String,
        form: Form,
    },
    Filter(Form),
}

/// The roles offered, lowest first.
pub const ROLE_CHOICES: [Role; 3] = [Role::User, Role::Admin, Role::Owner];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChooser {
    pub user_id: i64,
    pub username: String,
    pub current: Role,
    /// Index into [`ROLE_CHOICES`].
    pub selected: usize,
}

impl RoleChooser {
    pub fn new(user: &User) -> Self {
        RoleChooser {
            user_id: user.id,
            username: user.username.clone(),
            current: user.role(),
            selected: ROLE_CHOICES
                .iter()
                .position(|&r| r == user.role())
                .unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsersTab {
    pub rows: Rows<User>,
    /// The filter in force.
    pub query: String,
}
