//! The way in and out: asking the daemon whether first-run setup is needed, the
//! setup and sign-in forms, resuming a stored session, reacting when the daemon
//! ends a session, and signing out.
//!
//! The refresh *policy* lives here and in [`super::shell`] (refresh shortly
//! before the access token expires, and once after an UNAUTHENTICATED answer, then
//! retry that call once); the tokens themselves live only in the client.

use super::{
    App, Connection, Effect, Main,
    auth_state::{AuthState, SetupState},
};
use crate::{
    component::{
        CallError, Command,
        form::{FieldId, Form},
    },
    identity::Identity,
    problem::Problem,
    tabs::Call,
};

pub use crate::session_file::REFRESH_MARGIN_SECONDS;
/// How long to wait before asking again after the daemon could not say what it
/// needs (an older daemon without the Auth service, a hiccup).
pub const AUTH_RETRY_SECONDS: i64 = 5;

pub fn sign_in_form(setup: SetupState) -> Form {
    let mut fields = Vec::new();
    if setup.navidrome_available {
        fields.push(Form::method());
    }
    fields.push(Form::plain(FieldId::Username, "Username"));
    fields.push(Form::masked(FieldId::Password, "Password"));
    Form::new(fields)
}

pub fn setup_form(setup: SetupState) -> Form {
    let mut fields = Vec::new();
    if setup.navidrome_available {
        fields.push(Form::method());
    }
    fields.push(Form::plain(FieldId::Username, "Username"));
    fields.push(Form::masked(FieldId::Password, "Password"));
    fields.push(Form::masked(FieldId::Confirm, "Confirm"));
    if setup.setup_code_required {
        fields.push(Form::plain(FieldId::SetupCode, "Setup code"));
    }
    Form::new(fields)
}

impl App {
    /// After each good handshake: ask what the daemon needs, unless we know.
    pub(super) fn check_auth_if_needed(&mut self) -> Vec<Effect> {
        let due = match &self.auth {
            AuthState::Unknown => true,
            AuthState::Unavailable { retry_at, .. } => self.now >= *retry_at,
            _ => false,
        };
        if !due {
            return Vec::new();
        }
        self.auth = AuthState::Checking;
        vec![Effect::GetSetupState]
    }

    pub(super) fn setup_state_loaded(&mut self, state: SetupState) -> Vec<Effect> {
        if !matches!(self.auth, AuthState::Checking) {
            return Vec::new();
        }
        self.setup = state;
        if state.setup_required {
            self.auth = AuthState::Setup(setup_form(state));
            Vec::new()
        } else {
            vec![Effect::ResumeSession]
        }
    }

    pub(super) fn signed_in(&mut self, identity: Identity) -> Vec<Effect> {
        match &self.auth {
            AuthState::Checking | AuthState::Setup(_) | AuthState::SignIn(_) => {
                let main = Main::new(identity, self.zone, self.now);
                self.auth = AuthState::SignedIn(Box::new(main));
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn sign_in_rejected(&mut self, message: String) {
        match &mut self.auth {
            AuthState::SignIn(form) => {
                form.busy = false;
                form.info = None;
                form.error = Some(message);
                // The password was wrong or is spent; the username usually is not.
                form.clear(FieldId::Password);
                form.focus_on(FieldId::Password);
            }
            AuthState::Setup(form) => {
                form.busy = false;
                form.error = Some(message);
            }
            _ => {}
        }
    }

    pub(super) fn show_sign_in(&mut self, username: Option<&str>, error: Option<String>) {
        let mut form = sign_in_form(self.setup);
        if let Some(name) = username {
            form.set_text(FieldId::Username, name);
            form.focus_on(FieldId::Password);
        }
        form.error = error;
        self.auth = AuthState::SignIn(form);
    }

    pub(super) fn tokens_refreshed(&mut self, identity: Identity) -> Vec<Effect> {
        match &mut self.auth {
            AuthState::SignedIn(main) => main.tokens_refreshed(identity),
            _ => Vec::new(),
        }
    }

    /// The daemon turned the session down: back to sign-in, saying why.
    pub(super) fn session_ended(&mut self, reason: &str) {
        let username = match &self.auth {
            AuthState::SignedIn(main) => Some(main.identity.user.username.clone()),
            AuthState::Checking => None,
            _ => return,
        };
        let reason = if reason.is_empty() {
            "the session has ended"
        } else {
            reason
        };
        self.show_sign_in(username.as_deref(), Some(format!("Signed out: {reason}")));
    }

    /// Signed out on purpose (the client forgets the token in the same breath).
    pub(super) fn sign_out_locally(&mut self) {
        let username = self.main().map(|m| m.identity.user.username.clone());
        self.show_sign_in(username.as_deref(), None);
        if let AuthState::SignIn(form) = &mut self.auth {
            form.info = Some("Signed out.".into());
        }
    }

    pub(super) fn auth_unavailable(&mut self, problem: Problem) -> Vec<Effect> {
        match &mut self.auth {
            AuthState::Checking => {
                self.auth = AuthState::Unavailable {
                    problem,
                    retry_at: self.now + AUTH_RETRY_SECONDS,
                };
            }
            AuthState::Setup(form) | AuthState::SignIn(form) => {
                form.busy = false;
                form.error = Some(problem.reason);
            }
            AuthState::SignedIn(main) => return main.refresh_unavailable(&problem),
            _ => {}
        }
        Vec::new()
    }

    /// A call failed; an UNAUTHENTICATED answer is the refresh policy's business.
    pub(super) fn call_failed(
        &mut self,
        call: Call,
        retried: bool,
        error: CallError,
    ) -> Vec<Effect> {
        let AuthState::SignedIn(main) = &mut self.auth else {
            return Vec::new();
        };
        match error {
            // Fresh tokens and still refused: the session is gone. Signing out
            // makes the client forget the stored token too.
            CallError::Unauthenticated(reason) if retried => {
                self.session_ended(&reason);
                vec![Effect::SignOut]
            }
            CallError::Unauthenticated(_) => main.needs_refresh(call),
            error => main.call_failed(call, error),
        }
    }

    /// On each tick: refresh the access token shortly before it expires.
    pub(super) fn refresh_if_due(&mut self) -> Vec<Effect> {
        let now = self.now;
        match (&self.connection, &mut self.auth) {
            (Connection::Connected(_), AuthState::SignedIn(main)) => main.refresh_if_due(now),
            _ => Vec::new(),
        }
    }

    /// The refresh key on whatever is shown.
    pub(super) fn refresh_screen(&mut self) -> Vec<Effect> {
        match &mut self.auth {
            // Asked again after the status fetch that the refresh also started.
            AuthState::Unavailable { retry_at, .. } => {
                *retry_at = i64::MIN;
                Vec::new()
            }
            AuthState::SignedIn(main) => main.reload_tab(),
            _ => Vec::new(),
        }
    }

    /// Keys on the setup and sign-in forms.
    pub(super) fn form_command(&mut self, command: Command) -> Vec<Effect> {
        let setup = self.setup;
        let (form, is_setup) = match &mut self.auth {
            AuthState::Setup(form) => (form, true),
            AuthState::SignIn(form) => (form, false),
            _ => return Vec::new(),
        };
        if form.busy {
            return Vec::new();
        }
        match command {
            Command::NextField => form.move_focus(true),
            Command::PrevField => form.move_focus(false),
            Command::SwitchMethod => form.switch_method(),
            Command::DeleteChar => form.delete_char(),
            Command::Submit if is_setup => return submit_setup(form, setup),
            Command::Submit => return submit_sign_in(form),
            Command::Back => self.should_quit = true,
            _ => {}
        }
        Vec::new()
    }
}

/// Checks what can be checked here, so the daemon only sees plausible attempts
/// (each failed one counts towards a lockout).
fn refuse(form: &mut Form, field: FieldId, message: &str) -> Vec<Effect> {
    form.error = Some(message.to_owned());
    form.info = None;
    form.focus_on(field);
    Vec::new()
}

fn submit_sign_in(form: &mut Form) -> Vec<Effect> {
    let username = form.text(FieldId::Username).trim().to_owned();
    let password = form.secret(FieldId::Password);
    if username.is_empty() {
        return refuse(form, FieldId::Username, "Enter your username.");
    }
    if password.is_empty() {
        return refuse(form, FieldId::Password, "Enter your password.");
    }
    form.busy = true;
    form.error = None;
    form.info = None;
    vec![Effect::SignIn {
        method: form.method_choice(),
        username,
        password,
    }]
}

fn submit_setup(form: &mut Form, setup: SetupState) -> Vec<Effect> {
    let username = form.text(FieldId::Username).trim().to_owned();
    let password = form.secret(FieldId::Password);
    let setup_code = form.text(FieldId::SetupCode).trim().to_owned();
    if username.is_empty() {
        return refuse(form, FieldId::Username, "Choose a username for the owner.");
    }
    if password.is_empty() {
        return refuse(form, FieldId::Password, "Enter a password.");
    }
    if form.secret(FieldId::Confirm) != password {
        return refuse(form, FieldId::Confirm, "The passwords do not match.");
    }
    if setup.setup_code_required && setup_code.is_empty() {
        return refuse(
            form,
            FieldId::SetupCode,
            "Enter the setup code (where to find it is said below the form).",
        );
    }
    form.busy = true;
    form.error = None;
    vec![Effect::Setup {
        method: form.method_choice(),
        username,
        password,
        setup_code: setup_code.into(),
    }]
}
