//! The Users tab (admins): accounts with their role, state and way of signing in,
//! filtered by name and paged by id; creating a local user, changing a role,
//! disabling, deleting (asked first), and the Navidrome account a user may connect.

pub mod calls;
pub mod state;
pub mod view;

pub use state::{Call, Dialog, ROLE_CHOICES, Reply, RoleChooser, UsersTab};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::User;

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, KeyBinding, Out, Scope, Start, Tab, TabKey, View,
        command::{tab_ch, tab_key},
        form::{FieldId, Form},
        rows::step,
    },
    identity::role_name,
};

pub const TAB: Tab = Tab {
    title: "Users",
    short_title: "Users",
    admin_only: true,
};

pub const FILTER: TabKey = TabKey {
    label: Some("filter"),
    description: "filter users by name",
};
pub const CHANGE_ROLE: TabKey = TabKey {
    label: Some("role"),
    description: "change the selected user's role",
};
pub const TOGGLE_DISABLED: TabKey = TabKey {
    label: Some("disable"),
    description: "disable or re-enable the selected user",
};
pub const DELETE_USER: TabKey = TabKey {
    label: Some("delete"),
    description: "delete the selected user (asks first)",
};
pub const NEW_USER: TabKey = TabKey {
    label: Some("new user"),
    description: "create a local user",
};
pub const NAVIDROME_ACCOUNT: TabKey = TabKey {
    label: None,
    description: "let the selected user connect a Navidrome account not named like them",
};

pub fn new_user_form() -> Form {
    Form::new(vec![
        Form::plain(FieldId::Username, "Username"),
        Form::masked(FieldId::Password, "Password"),
    ])
}

/// The Navidrome account a user may connect; empty for their own name.
pub fn navidrome_account_form(current: &str) -> Form {
    let mut form = Form::new(vec![Form::plain(FieldId::Username, "Navidrome user")]);
    form.set_text(FieldId::Username, current);
    form
}

pub fn filter_form(query: &str) -> Form {
    let mut form = Form::new(vec![Form::plain(FieldId::Query, "Name contains")]);
    form.set_text(FieldId::Query, query);
    form
}

impl UsersTab {
    fn list(&self, after_id: i64) -> Call {
        Call::ListUsers {
            query: self.query.clone(),
            after_id,
        }
    }

    fn replace_row(&mut self, user: User) {
        if let Some(row) = self.rows.items.iter_mut().find(|u| u.id == user.id) {
            *row = user;
        }
    }
}

impl Component for UsersTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Dialog;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[
        tab_ch(TAB, '/', FILTER),
        tab_ch(TAB, 'r', CHANGE_ROLE),
        tab_ch(TAB, 'x', TOGGLE_DISABLED),
        tab_ch(TAB, 'D', DELETE_USER),
        tab_key(TAB, crossterm::event::KeyCode::Delete, DELETE_USER),
        tab_ch(TAB, 'n', NEW_USER),
        tab_ch(TAB, 'a', NAVIDROME_ACCOUNT),
    ];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        UsersTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(self.list(0));
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            if self.rows.move_by(step) {
                cx.call(self.list(self.rows.next));
            }
            return;
        }
        let Command::Tab(key) = command else {
            return;
        };
        if key == FILTER {
            cx.dialog = Some(Dialog::Filter(filter_form(&self.query)));
            return;
        }
        if key == NEW_USER {
            cx.dialog = Some(Dialog::NewUser(new_user_form()));
            return;
        }
        let Some(user) = self.rows.selected_item() else {
            return;
        };
        match key {
            NAVIDROME_ACCOUNT => {
                cx.dialog = Some(Dialog::NavidromeAccount {
                    user_id: user.id,
                    username: user.username.clone(),
                    form: navidrome_account_form(&user.navidrome_account),
                });
            }
            CHANGE_ROLE => cx.dialog = Some(Dialog::RoleChooser(RoleChooser::new(user))),
            TOGGLE_DISABLED => cx.call(Call::SetUserDisabled {
                user_id: user.id,
                disabled: !user.disabled,
            }),
            DELETE_USER => cx.confirm(
                format!("Delete the user \"{}\"?", user.username),
                "The account and everything it owns are deleted. This cannot be undone.",
                Out::Call(Call::DeleteUser {
                    user_id: user.id,
                    username: user.username.clone(),
                }),
            ),
            _ => {}
        }
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Users {
                query,
                after_id,
                users,
                next_after_id,
            } => {
                // Answers to an older filter, or a page already placed, are stale.
                if query != self.query {
                    return;
                }
                if after_id == 0 {
                    self.rows.replace(users, next_after_id);
                } else if after_id == self.rows.next {
                    self.rows.append(users, next_after_id);
                }
            }
            Reply::UserCreated(user) => {
                if matches!(cx.dialog, Some(Dialog::NewUser(_))) {
                    cx.dialog = None;
                }
                cx.info(format!("Created user {}.", user.username));
                cx.call(self.list(0));
            }
            Reply::UserUpdated(user) => {
                cx.info(format!(
                    "{} is now {}{}.",
                    user.username,
                    role_name(user.role()),
                    if user.disabled { ", disabled" } else { "" }
                ));
                self.replace_row(user);
            }
            Reply::NavidromeAccountSet(user) => {
                if matches!(cx.dialog, Some(Dialog::NavidromeAccount { .. })) {
                    cx.dialog = None;
                }
                cx.info(if user.navidrome_account.is_empty() {
                    format!(
                        "{} may connect their own Navidrome account only.",
                        user.username
                    )
                } else {
                    format!(
                        "{} may connect the Navidrome account {}.",
                        user.username, user.navidrome_account
                    )
                });
                self.replace_row(user);
            }
            Reply::UserDeleted { username } => {
                cx.info(format!("Deleted user {username}."));
                cx.call(self.list(0));
            }
        }
    }

    /// A failed create or Navidrome account shows in its form.
    fn on_failure(&mut self, call: Call, error: &CallError, cx: &mut Cx<Self>) {
        let text = error.text();
        match (&call, &mut cx.dialog) {
            (Call::CreateUser { .. }, Some(Dialog::NewUser(form)))
            | (Call::SetNavidromeAccount { .. }, Some(Dialog::NavidromeAccount { form, .. })) => {
                form.busy = false;
                form.error = Some(text);
            }
            _ => cx.error(format!("{}: {text}", Self::failure(&call))),
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListUsers { .. } => "Could not load users".into(),
            Call::CreateUser { username, .. } => format!("Could not create {username}"),
            Call::SetUserRole { .. } => "Could not change the role".into(),
            Call::SetUserDisabled { disabled: true, .. } => "Could not disable the user".into(),
            Call::SetUserDisabled { .. } => "Could not enable the user".into(),
            Call::SetNavidromeAccount { .. } => "Could not change the Navidrome account".into(),
            Call::DeleteUser { username, .. } => format!("Could not delete {username}"),
        }
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if matches!(call, Call::ListUsers { .. }) {
            self.rows.loading = loading;
        }
    }

    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        calls::run(client, auth, call)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, self, view);
    }

    fn dialog_scopes(dialog: &Dialog) -> Vec<Scope> {
        match dialog {
            Dialog::RoleChooser(_) => vec![Scope::Chooser],
            _ => vec![Scope::Form],
        }
    }

    fn dialog_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let Some(dialog) = cx.dialog.as_mut() else {
            return;
        };
        match dialog {
            Dialog::RoleChooser(chooser) => match command {
                Command::Up => chooser.selected = chooser.selected.saturating_sub(1),
                Command::Down => {
                    chooser.selected = (chooser.selected + 1).min(ROLE_CHOICES.len() - 1);
                }
                Command::Submit => {
                    let role = ROLE_CHOICES[chooser.selected];
                    let (user_id, unchanged) = (chooser.user_id, role == chooser.current);
                    cx.dialog = None;
                    if !unchanged {
                        cx.call(Call::SetUserRole { user_id, role });
                    }
                }
                Command::Back => cx.dialog = None,
                _ => {}
            },
            Dialog::NewUser(form) => match command {
                Command::NextField => form.move_focus(true),
                Command::PrevField => form.move_focus(false),
                Command::DeleteChar => form.delete_char(),
                Command::Back => cx.dialog = None,
                Command::Submit if !form.busy => {
                    let username = form.text(FieldId::Username).trim().to_owned();
                    let password = form.secret(FieldId::Password);
                    if username.is_empty() || password.is_empty() {
                        form.error = Some("Enter a username and a password.".into());
                        return;
                    }
                    form.busy = true;
                    form.error = None;
                    cx.call(Call::CreateUser { username, password });
                }
                _ => {}
            },
            Dialog::NavidromeAccount { user_id, form, .. } => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => cx.dialog = None,
                Command::Submit if !form.busy => {
                    let (user_id, name) =
                        (*user_id, form.text(FieldId::Username).trim().to_owned());
                    form.busy = true;
                    form.error = None;
                    cx.call(Call::SetNavidromeAccount { user_id, name });
                }
                _ => {}
            },
            Dialog::Filter(form) => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => cx.dialog = None,
                Command::Submit => {
                    self.query = form.text(FieldId::Query).trim().to_owned();
                    cx.dialog = None;
                    self.rows.selected = 0;
                    self.reload(cx);
                }
                _ => {}
            },
        }
    }

    fn dialog_input(&mut self, c: char, cx: &mut Cx<Self>) {
        match &mut cx.dialog {
            Some(
                Dialog::NewUser(form)
                | Dialog::NavidromeAccount { form, .. }
                | Dialog::Filter(form),
            ) if !form.busy => form.type_char(c),
            _ => {}
        }
    }

    fn draw_dialog(dialog: &Dialog, frame: &mut Frame, area: Rect, view: &View) {
        view::draw_dialog(frame, area, dialog, view.theme);
    }
}

#[cfg(test)]
mod tests;
