//! What opens on top of a tab: the y/n confirmation guarding every destructive
//! action, the role chooser, the small new-user and filter forms, the provider
//! connect dialogs (whose keys live in [`super::connect`]), and the History tab's
//! search, filter, jump and import dialogs (whose keys live in [`super::history`]).

use spotter_proto::v1::{Provider, Role, User};

use super::{
    Command, Effect,
    calls::Call,
    connect::{Approval, ConnectForm},
    form::{FieldId, Form},
    history::import::{ImportDialog, ImportPhase},
    signed_in::{Main, Notice, Outcome},
};

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Confirm(Confirm),
    RoleChooser(RoleChooser),
    NewUser(Form),
    /// The Navidrome account `user_id` may connect.
    NavidromeAccount {
        user_id: i64,
        username: String,
        form: Form,
    },
    Filter(Form),
    /// A browser approval (Spotify, Last.fm).
    Approval(Approval),
    /// A token or password form (ListenBrainz, Navidrome).
    Connect(ConnectForm),
    /// The History tab's search box (the list follows the typing).
    Search(SearchBox),
    /// The History tab's filters.
    HistoryFilter(Form),
    /// The History tab's jump to a date.
    JumpToDate(Form),
    Import(ImportDialog),
}

/// The search being typed, and the one to go back to on Esc.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchBox {
    pub form: Form,
    pub previous: String,
}

impl SearchBox {
    pub fn new(query: &str) -> Self {
        SearchBox {
            form: super::history::filter::search_form(query),
            previous: query.to_owned(),
        }
    }
}

/// A question that must be answered y before `on_yes` happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    pub detail: String,
    pub on_yes: Confirmed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    RevokeSession {
        session_id: String,
    },
    /// Revoking the session in use is signing out.
    SignOutHere,
    RevokeOthers,
    DeleteUser {
        user_id: i64,
        username: String,
    },
    ClearLockout {
        id: String,
    },
    Disconnect {
        provider: Provider,
    },
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

impl Main {
    pub(super) fn overlay_command(&mut self, command: Command) -> Outcome {
        let Some(overlay) = self.overlay.as_mut() else {
            return Outcome::default();
        };
        match overlay {
            Overlay::Confirm(confirm) => match command {
                Command::Yes => {
                    let on_yes = confirm.on_yes.clone();
                    self.overlay = None;
                    return self.confirmed(on_yes);
                }
                Command::No | Command::Back => self.overlay = None,
                _ => {}
            },
            Overlay::RoleChooser(chooser) => match command {
                Command::Up => chooser.selected = chooser.selected.saturating_sub(1),
                Command::Down => {
                    chooser.selected = (chooser.selected + 1).min(ROLE_CHOICES.len() - 1)
                }
                Command::Submit => {
                    let role = ROLE_CHOICES[chooser.selected];
                    let (user_id, unchanged) = (chooser.user_id, role == chooser.current);
                    self.overlay = None;
                    if !unchanged {
                        return vec![self.call(Call::SetUserRole { user_id, role })].into();
                    }
                }
                Command::Back => self.overlay = None,
                _ => {}
            },
            Overlay::NewUser(form) => match command {
                Command::NextField => form.move_focus(true),
                Command::PrevField => form.move_focus(false),
                Command::DeleteChar => form.delete_char(),
                Command::Back => self.overlay = None,
                Command::Submit if !form.busy => {
                    let username = form.text(FieldId::Username).trim().to_owned();
                    let password = form.secret(FieldId::Password);
                    if username.is_empty() || password.is_empty() {
                        form.error = Some("Enter a username and a password.".into());
                        return Outcome::default();
                    }
                    form.busy = true;
                    form.error = None;
                    return vec![self.call(Call::CreateUser { username, password })].into();
                }
                _ => {}
            },
            Overlay::NavidromeAccount { user_id, form, .. } => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => self.overlay = None,
                Command::Submit if !form.busy => {
                    let (user_id, name) =
                        (*user_id, form.text(FieldId::Username).trim().to_owned());
                    form.busy = true;
                    form.error = None;
                    return vec![self.call(Call::SetNavidromeAccount { user_id, name })].into();
                }
                _ => {}
            },
            Overlay::Filter(form) => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => self.overlay = None,
                Command::Submit => {
                    self.user_query = form.text(FieldId::Query).trim().to_owned();
                    self.overlay = None;
                    self.users.selected = 0;
                    return self.reload_tab().into();
                }
                _ => {}
            },
            Overlay::Approval(_) | Overlay::Connect(_) => {
                return self.connect_overlay_command(command);
            }
            Overlay::Search(_)
            | Overlay::HistoryFilter(_)
            | Overlay::JumpToDate(_)
            | Overlay::Import(_) => return self.history_overlay_command(command),
        }
        Outcome::default()
    }

    pub(super) fn overlay_input(&mut self, c: char) {
        match &mut self.overlay {
            Some(
                Overlay::NewUser(form)
                | Overlay::NavidromeAccount { form, .. }
                | Overlay::Filter(form)
                | Overlay::Search(SearchBox { form, .. })
                | Overlay::HistoryFilter(form)
                | Overlay::JumpToDate(form),
            ) if !form.busy => form.type_char(c),
            Some(Overlay::Import(dialog)) if dialog.phase == ImportPhase::Choosing => {
                dialog.form.type_char(c);
            }
            Some(Overlay::Approval(_) | Overlay::Connect(_)) => self.connect_overlay_input(c),
            _ => {}
        }
    }

    fn confirmed(&mut self, on_yes: Confirmed) -> Outcome {
        let call = match on_yes {
            Confirmed::SignOutHere => {
                return Outcome {
                    effects: vec![Effect::SignOut],
                    signed_out: true,
                    ..Outcome::default()
                };
            }
            Confirmed::RevokeSession { session_id } => Call::RevokeSession { session_id },
            Confirmed::RevokeOthers => Call::RevokeOtherSessions,
            Confirmed::DeleteUser { user_id, username } => Call::DeleteUser { user_id, username },
            Confirmed::ClearLockout { id } => Call::ClearLockout { id },
            Confirmed::Disconnect { provider } => Call::Disconnect { provider },
        };
        self.notice = Some(Notice::info("Working…"));
        vec![self.call(call)].into()
    }
}
