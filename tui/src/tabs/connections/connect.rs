//! Connecting a provider. Spotify and Last.fm approve in a browser: the daemon
//! hands out an address, shown in full because over SSH the user opens it on
//! another machine; Spotify then needs the address the browser was sent to pasted
//! back, Last.fm only a confirmation. ListenBrainz (a token) and Navidrome (a
//! password) are small forms. Typed secrets leave the form the moment they are
//! submitted.

use spotter_proto::v1::Provider;

use crate::{
    component::form::{FieldId, Form},
    providers::{ConnectMethod, connect_method},
    secret::Secret,
};

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
pub const SECRET_FIELDS: [FieldId; 3] = [FieldId::RedirectUrl, FieldId::Token, FieldId::Password];

/// Pasted text often brings spaces along; the daemon wants the value alone.
pub fn trimmed(secret: Secret) -> Secret {
    let value = secret.expose().trim();
    if value.len() == secret.expose().len() {
        secret
    } else {
        Secret::new(value)
    }
}
