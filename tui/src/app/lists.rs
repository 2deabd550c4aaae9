//! The list tabs: moving the selection (and fetching older pages on demand),
//! starting actions on the selected row, and placing answers and failures. The
//! actions of Sessions, Users, Lockouts and Audit are here; Connections, Jobs,
//! History and Stats have their own modules, reached from here.

use spotter_proto::v1::Role;

use super::{
    Command, Effect,
    calls::{Call, CallError, Reply},
    dialogs::{
        Confirm, Confirmed, Overlay, RoleChooser, filter_form, navidrome_account_form,
        new_user_form,
    },
    rows::PAGE_ROWS,
    signed_in::{Main, Notice, Outcome, Tab},
};

impl Main {
    pub(super) fn tab_command(&mut self, command: Command) -> Outcome {
        let step = match command {
            Command::Up => Some(-1),
            Command::Down => Some(1),
            Command::PageUp => Some(-(PAGE_ROWS as isize)),
            Command::PageDown => Some(PAGE_ROWS as isize),
            _ => None,
        };
        if let Some(step) = step {
            return self.move_selection(step).into();
        }
        self.notice = None;
        match (self.tab, command) {
            (Tab::Connections, command) => return self.connections_command(command),
            (Tab::Jobs, command) => return self.jobs_command(command),
            (Tab::History, command) => return self.history_command(command),
            (Tab::Stats, command) => return self.stats_command(command),
            (Tab::Sessions, Command::Revoke) => self.confirm_revoke(),
            (Tab::Sessions, Command::RevokeOthers) => {
                self.overlay = Some(Overlay::Confirm(Confirm {
                    question: "Revoke all your other sessions?".into(),
                    detail: "Every other device must sign in again; this one stays signed in."
                        .into(),
                    on_yes: Confirmed::RevokeOthers,
                }));
            }
            (Tab::Users, Command::Filter) => {
                self.overlay = Some(Overlay::Filter(filter_form(&self.user_query)));
            }
            (Tab::Users, Command::NewUser) => {
                self.overlay = Some(Overlay::NewUser(new_user_form()));
            }
            (Tab::Users, Command::NavidromeAccount) => {
                if let Some(user) = self.users.selected_item() {
                    self.overlay = Some(Overlay::NavidromeAccount {
                        user_id: user.id,
                        username: user.username.clone(),
                        form: navidrome_account_form(&user.navidrome_account),
                    });
                }
            }
            (Tab::Users, Command::ChangeRole) => {
                if let Some(user) = self.users.selected_item() {
                    self.overlay = Some(Overlay::RoleChooser(RoleChooser::new(user)));
                }
            }
            (Tab::Users, Command::ToggleDisabled) => {
                if let Some(user) = self.users.selected_item() {
                    let call = Call::SetUserDisabled {
                        user_id: user.id,
                        disabled: !user.disabled,
                    };
                    return vec![self.call(call)].into();
                }
            }
            (Tab::Users, Command::DeleteUser) => {
                if let Some(user) = self.users.selected_item() {
                    self.overlay = Some(Overlay::Confirm(Confirm {
                        question: format!("Delete the user \"{}\"?", user.username),
                        detail: "The account and everything it owns are deleted. \
                                 This cannot be undone."
                            .into(),
                        on_yes: Confirmed::DeleteUser {
                            user_id: user.id,
                            username: user.username.clone(),
                        },
                    }));
                }
            }
            (Tab::Lockouts, Command::ClearLockout) => {
                if let Some(lockout) = self.lockouts.selected_item() {
                    self.overlay = Some(Overlay::Confirm(Confirm {
                        question: format!("Clear the lockout {}?", short_id(&lockout.id)),
                        detail: "That account may try to sign in again at once.".into(),
                        on_yes: Confirmed::ClearLockout {
                            id: lockout.id.clone(),
                        },
                    }));
                }
            }
            (Tab::Audit, Command::OlderPage) => return self.load_older_audit().into(),
            _ => {}
        }
        Outcome::default()
    }

    fn confirm_revoke(&mut self) {
        let Some(session) = self.sessions.selected_item() else {
            return;
        };
        let confirm = if session.current {
            Confirm {
                question: "Sign out of this session?".into(),
                detail: "It is the one you are using: spotter returns to sign-in.".into(),
                on_yes: Confirmed::SignOutHere,
            }
        } else {
            Confirm {
                question: format!("Revoke the session \"{}\"?", session.device_label),
                detail: "That device must sign in again.".into(),
                on_yes: Confirmed::RevokeSession {
                    session_id: session.id.clone(),
                },
            }
        };
        self.overlay = Some(Overlay::Confirm(confirm));
    }

    fn move_selection(&mut self, step: isize) -> Vec<Effect> {
        match self.tab {
            Tab::Status | Tab::Stats => Vec::new(),
            Tab::Sessions => {
                self.sessions.move_by(step);
                Vec::new()
            }
            Tab::Lockouts => {
                self.lockouts.move_by(step);
                Vec::new()
            }
            Tab::Connections => {
                self.connections.move_by(step);
                Vec::new()
            }
            Tab::Jobs => {
                self.jobs.rows.move_by(step);
                Vec::new()
            }
            Tab::History => self.history_move(step),
            Tab::Users => {
                if self.users.move_by(step) {
                    let call = Call::ListUsers {
                        query: self.user_query.clone(),
                        after_id: self.users.next,
                    };
                    vec![self.call(call)]
                } else {
                    Vec::new()
                }
            }
            Tab::Audit => {
                if self.audit.move_by(step) {
                    self.load_older_audit()
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn load_older_audit(&mut self) -> Vec<Effect> {
        if self.audit.loading {
            return Vec::new();
        }
        if self.audit.next == 0 {
            self.notice = Some(Notice::info("No older events."));
            return Vec::new();
        }
        let before_id = self.audit.next;
        vec![self.call(Call::ListAuditEvents { before_id })]
    }

    pub(super) fn call_done(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Sessions(sessions) => self.sessions.replace(sessions, 0),
            Reply::SessionsRevoked { revoked } => {
                self.notice = Some(Notice::info(match revoked {
                    1 => "Revoked 1 session.".to_owned(),
                    n => format!("Revoked {n} sessions."),
                }));
                return vec![self.call(Call::ListSessions)];
            }
            Reply::Users {
                query,
                after_id,
                users,
                next_after_id,
            } => {
                // Answers to an older filter, or a page already placed, are stale.
                if query != self.user_query {
                    return Vec::new();
                }
                if after_id == 0 {
                    self.users.replace(users, next_after_id);
                } else if after_id == self.users.next {
                    self.users.append(users, next_after_id);
                }
            }
            Reply::UserCreated(user) => {
                if matches!(self.overlay, Some(Overlay::NewUser(_))) {
                    self.overlay = None;
                }
                self.notice = Some(Notice::info(format!("Created user {}.", user.username)));
                return self.reload_users();
            }
            Reply::UserUpdated(user) => {
                self.notice = Some(Notice::info(format!(
                    "{} is now {}{}.",
                    user.username,
                    role_name(user.role()),
                    if user.disabled { ", disabled" } else { "" }
                )));
                if let Some(row) = self.users.items.iter_mut().find(|u| u.id == user.id) {
                    *row = user;
                }
            }
            Reply::NavidromeAccountSet(user) => {
                if matches!(self.overlay, Some(Overlay::NavidromeAccount { .. })) {
                    self.overlay = None;
                }
                self.notice = Some(Notice::info(if user.navidrome_account.is_empty() {
                    format!(
                        "{} may connect their own Navidrome account only.",
                        user.username
                    )
                } else {
                    format!(
                        "{} may connect the Navidrome account {}.",
                        user.username, user.navidrome_account
                    )
                }));
                if let Some(row) = self.users.items.iter_mut().find(|u| u.id == user.id) {
                    *row = user;
                }
            }
            Reply::UserDeleted { username } => {
                self.notice = Some(Notice::info(format!("Deleted user {username}.")));
                return self.reload_users();
            }
            Reply::Lockouts(lockouts) => self.lockouts.replace(lockouts, 0),
            Reply::LockoutCleared { cleared } => {
                self.notice = Some(Notice::info(if cleared {
                    "Lockout cleared."
                } else {
                    "That lockout was already gone."
                }));
                return vec![self.call(Call::ListLockouts)];
            }
            Reply::AuditEvents {
                before_id,
                events,
                next_before_id,
            } => {
                if before_id == 0 {
                    self.audit.replace(events, next_before_id);
                } else if before_id == self.audit.next {
                    self.audit.append(events, next_before_id);
                }
            }
            reply @ (Reply::Connections(_)
            | Reply::ConnectBegun(_)
            | Reply::Connected(_)
            | Reply::SubmissionSet(_)
            | Reply::Disconnected { .. }) => return self.connections_reply(reply),
            reply
            @ (Reply::Jobs { .. } | Reply::JobStarted { .. } | Reply::JobCancelled { .. }) => {
                return self.jobs_reply(reply);
            }
            reply @ (Reply::ListenPage { .. }
            | Reply::ListenSummary(_)
            | Reply::ListenDetails { .. }) => return self.history_reply(reply),
            Reply::Stats { period, answer } => self.stats_reply(period, answer),
        }
        Vec::new()
    }

    fn reload_users(&mut self) -> Vec<Effect> {
        let call = Call::ListUsers {
            query: self.user_query.clone(),
            after_id: 0,
        };
        vec![self.call(call)]
    }

    /// Shows why a call failed: in the dialog or pane it came from when one waits
    /// for it (new user, provider connect, listen details, stats), otherwise in the
    /// status line.
    pub(super) fn call_failed(&mut self, call: Call, error: CallError) -> Vec<Effect> {
        self.set_loading(&call, false);
        if self.job_already_running(&call, &error) {
            return Vec::new();
        }
        let text = error.text();
        let (shown, effects) = self.history_failed(&call, &text);
        if shown || self.stats_failed(&call, &text) {
            return effects;
        }
        match (&call, &mut self.overlay) {
            (Call::CreateUser { .. }, Some(Overlay::NewUser(form)))
            | (Call::SetNavidromeAccount { .. }, Some(Overlay::NavidromeAccount { form, .. })) => {
                form.busy = false;
                form.error = Some(text);
                return effects;
            }
            _ => {}
        }
        if !self.connect_failed(&call, &text) {
            self.notice = Some(Notice::error(format!("{}: {text}", call.failure())));
        }
        effects
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::User => "user",
        Role::Unspecified => "unknown",
    }
}

/// Lockout ids are long opaque hashes; a prefix is enough to tell them apart.
pub fn short_id(id: &str) -> String {
    const SHOWN: usize = 12;
    if id.chars().count() <= SHOWN {
        id.to_owned()
    } else {
        format!("{}…", id.chars().take(SHOWN).collect::<String>())
    }
}
