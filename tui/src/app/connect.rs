//! Connecting a provider. Spotify and Last.fm approve in a browser: the daemon
//! hands out an address, shown in full because over SSH the user opens it on
//! another machine; Spotify then needs the address the browser was sent to pasted
//! back, Last.fm only a confirmation. ListenBrainz (a token) and Navidrome (a
//! password) are small forms. Typed secrets leave the form the moment they are
//! submitted.

use spotter_proto::v1::{Connection, Provider};

use super::{
    Command, Effect,
    calls::Call,
    dialogs::Overlay,
    form::{FieldId, Form},
    providers::{ConnectMethod, connect_method, name},
    signed_in::{Main, Notice, Outcome},
};
use crate::secret::Secret;

/// What `BeginConnect` answered: where to approve spotter, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalStart {
    pub provider: Provider,
    pub flow_id: String,
    pub authorize_url: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The daemon's words on what to do with the address.
    pub instructions: String,
}

/// A browser approval under way.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub start: ApprovalStart,
    /// Spotify: the pasted address. Last.fm: no field, Enter confirms.
    pub form: Form,
}

impl Approval {
    pub fn new(start: ApprovalStart) -> Self {
        let fields = match connect_method(start.provider) {
            Some(ConnectMethod::PasteRedirect) => {
                vec![Form::revealed(FieldId::RedirectUrl, "Pasted URL")]
            }
            _ => Vec::new(),
        };
        Approval {
            start,
            form: Form::new(fields),
        }
    }

    /// The user must paste the redirected address (else Enter only confirms).
    pub fn wants_paste(&self) -> bool {
        self.form.field(FieldId::RedirectUrl).is_some()
    }
}

/// A provider connected by typing secrets (ListenBrainz, Navidrome).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectForm {
    pub provider: Provider,
    pub form: Form,
}

impl ConnectForm {
    pub fn new(provider: Provider) -> Self {
        let (fields, note) = if provider == Provider::Listenbrainz {
            (
                vec![Form::masked(FieldId::Token, "User token")],
                "Your user token is on your ListenBrainz settings page.",
            )
        } else {
            (
                vec![
                    Form::plain(FieldId::Username, "Username"),
                    Form::masked(FieldId::Password, "Password"),
                ],
                "spotterd checks them with Navidrome before keeping them.",
            )
        };
        let mut form = Form::new(fields);
        form.info = Some(note.into());
        ConnectForm { provider, form }
    }
}

/// The fields whose values are spent by a submission; focus returns to them after
/// a failure.
const SECRET_FIELDS: [FieldId; 3] = [FieldId::RedirectUrl, FieldId::Token, FieldId::Password];

impl Main {
    /// `c` on the Connections tab: starts whatever the selected provider needs.
    pub(super) fn start_connect(&mut self) -> Vec<Effect> {
        let Some(connection) = self.connections.selected_item() else {
            return Vec::new();
        };
        let provider = connection.provider();
        if !connection.available {
            let reason = match connection.unavailable_reason.as_str() {
                "" => "it is not configured",
                reason => reason,
            };
            self.notice = Some(Notice::error(format!(
                "{} is not offered by this spotterd: {reason}",
                name(provider)
            )));
            return Vec::new();
        }
        match connect_method(provider) {
            Some(ConnectMethod::PasteRedirect | ConnectMethod::ConfirmApproval) => {
                self.notice = Some(Notice::info(format!(
                    "Asking spotterd for the {} approval address…",
                    name(provider)
                )));
                vec![self.call(Call::BeginConnect { provider })]
            }
            Some(ConnectMethod::Token | ConnectMethod::Password) => {
                self.overlay = Some(Overlay::Connect(ConnectForm::new(provider)));
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    pub(super) fn approval_begun(&mut self, start: ApprovalStart) {
        self.notice = None;
        // Something else opened while the daemon answered: that wins.
        if self.overlay.is_none() {
            self.overlay = Some(Overlay::Approval(Approval::new(start)));
        }
    }

    pub(super) fn connect_overlay_command(&mut self, command: Command) -> Outcome {
        let form = match self.overlay.as_mut() {
            Some(Overlay::Approval(approval)) => &mut approval.form,
            Some(Overlay::Connect(connect)) => &mut connect.form,
            _ => return Outcome::default(),
        };
        match command {
            Command::NextField => form.move_focus(true),
            Command::PrevField => form.move_focus(false),
            Command::DeleteChar if !form.busy => form.delete_char(),
            Command::Back => self.overlay = None,
            Command::Submit if !form.busy => return self.submit_connect().into(),
            _ => {}
        }
        Outcome::default()
    }

    pub(super) fn connect_overlay_input(&mut self, c: char) {
        match &mut self.overlay {
            Some(
                Overlay::Approval(Approval { form, .. })
                | Overlay::Connect(ConnectForm { form, .. }),
            ) if !form.busy => {
                form.type_char(c);
            }
            _ => {}
        }
    }

    fn submit_connect(&mut self) -> Vec<Effect> {
        let call = match &mut self.overlay {
            Some(Overlay::Approval(approval)) => {
                let redirected_url = trimmed(approval.form.secret(FieldId::RedirectUrl));
                if approval.wants_paste() && redirected_url.is_empty() {
                    approval.form.error = Some(
                        "Paste the address your browser was sent to, then press Enter.".into(),
                    );
                    return Vec::new();
                }
                Call::CompleteConnect {
                    provider: approval.start.provider,
                    flow_id: approval.start.flow_id.clone(),
                    redirected_url,
                }
            }
            Some(Overlay::Connect(connect)) if connect.provider == Provider::Listenbrainz => {
                let token = trimmed(connect.form.secret(FieldId::Token));
                if token.is_empty() {
                    connect.form.error = Some("Paste your ListenBrainz user token.".into());
                    return Vec::new();
                }
                Call::ConnectListenBrainz { token }
            }
            Some(Overlay::Connect(connect)) => {
                let username = connect.form.text(FieldId::Username).trim().to_owned();
                let password = connect.form.secret(FieldId::Password);
                if username.is_empty() || password.is_empty() {
                    connect.form.error = Some("Enter your Navidrome username and password.".into());
                    return Vec::new();
                }
                Call::ConnectNavidrome { username, password }
            }
            _ => return Vec::new(),
        };
        if let Some(form) = self.overlay_form() {
            // The secret now travels in the call only: a failure means typing it again.
            for field in SECRET_FIELDS {
                form.clear(field);
            }
            form.busy = true;
            form.error = None;
            form.info = None;
        }
        vec![self.call(call)]
    }

    fn overlay_form(&mut self) -> Option<&mut Form> {
        match &mut self.overlay {
            Some(
                Overlay::Approval(Approval { form, .. })
                | Overlay::Connect(ConnectForm { form, .. }),
            ) => Some(form),
            _ => None,
        }
    }

    /// A connect call succeeded: close its dialog and show the new state.
    pub(super) fn connected(&mut self, connection: Connection) {
        let provider = connection.provider();
        let dialog_for_it = match &self.overlay {
            Some(Overlay::Approval(approval)) => approval.start.provider == provider,
            Some(Overlay::Connect(connect)) => connect.provider == provider,
            _ => false,
        };
        if dialog_for_it {
            self.overlay = None;
        }
        self.notice = Some(Notice::info(match connection.external_user.as_str() {
            "" => format!("Connected {}.", name(provider)),
            user => format!("Connected {} as {user}.", name(provider)),
        }));
        self.replace_connection(connection);
    }

    /// Shows a failed connect in the dialog that sent it; false when none waits.
    pub(super) fn connect_failed(&mut self, call: &Call, text: &str) -> bool {
        let form = match (call, &mut self.overlay) {
            (Call::CompleteConnect { provider, .. }, Some(Overlay::Approval(approval)))
                if approval.start.provider == *provider =>
            {
                &mut approval.form
            }
            (Call::ConnectListenBrainz { .. }, Some(Overlay::Connect(connect)))
                if connect.provider == Provider::Listenbrainz =>
            {
                &mut connect.form
            }
            (Call::ConnectNavidrome { .. }, Some(Overlay::Connect(connect)))
                if connect.provider == Provider::Navidrome =>
            {
                &mut connect.form
            }
            _ => return false,
        };
        form.busy = false;
        form.info = None;
        form.error = Some(text.to_owned());
        for field in SECRET_FIELDS {
            form.focus_on(field);
        }
        true
    }
}

/// Pasted text often brings spaces along; the daemon wants the value alone.
fn trimmed(secret: Secret) -> Secret {
    let value = secret.expose().trim();
    if value.len() == secret.expose().len() {
        secret
    } else {
        Secret::new(value)
    }
}
