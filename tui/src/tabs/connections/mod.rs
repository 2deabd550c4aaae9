//! The Connections tab: every provider with its state, and the actions on the
//! selected one (connect or reconnect, disconnect, ListenBrainz submission).
//!
//! Connecting ([`connect`]): Spotify and Last.fm approve in a browser: the daemon
//! hands out an address, shown in full because over SSH the user opens it on
//! another machine; Spotify then needs the address the browser was sent to pasted
//! back, Last.fm only a confirmation. ListenBrainz (a token) and Navidrome (a
//! password) are small forms. Typed secrets leave the form the moment they are
//! submitted.

pub mod approval_view;
pub mod calls;
pub mod connect;
pub mod state;
pub mod view;

pub use state::{Call, ConnectionsTab, Dialog, Reply};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::{
    Connection, JobKind, Provider,
    connection::State,
    event::{Kind, connection_changed, job_progress},
};

use connect::{Approval, ConnectForm, SECRET_FIELDS, trimmed};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, KeyBinding, Notice, Out, Scope, Start, Tab, TabKey,
        View,
        command::tab_ch,
        form::{FieldId, Form},
        rows::step,
        widgets::dialog::form_dialog,
    },
    providers::{ConnectMethod, PROVIDERS, connect_method, name},
};

/// How long an event's notice stays in the status line.
pub const NOTICE_SECONDS: i64 = 10;

pub const TAB: Tab = Tab {
    title: "Connections",
    short_title: "Conn",
    admin_only: false,
};

pub const CONNECT: TabKey = TabKey {
    label: Some("connect"),
    description: "connect or reconnect the selected provider",
};
pub const DISCONNECT: TabKey = TabKey {
    label: Some("disconnect"),
    description: "disconnect the selected provider (asks first)",
};
pub const TOGGLE_SUBMISSION: TabKey = TabKey {
    label: Some("submission"),
    description: "ListenBrainz: submit your other listens, or stop",
};

impl Dialog {
    fn form(&mut self) -> &mut Form {
        match self {
            Dialog::Approval(Approval { form, .. }) | Dialog::Connect(ConnectForm { form, .. }) => {
                form
            }
        }
    }
}

impl ConnectionsTab {
    /// `c`: starts whatever the selected provider needs.
    fn start_connect(&mut self, cx: &mut Cx<Self>) {
        let Some(connection) = self.rows.selected_item() else {
            return;
        };
        let provider = connection.provider();
        if !connection.available {
            let reason = match connection.unavailable_reason.as_str() {
                "" => "it is not configured",
                reason => reason,
            };
            cx.error(format!(
                "{} is not offered by this spotterd: {reason}",
                name(provider)
            ));
            return;
        }
        match connect_method(provider) {
            Some(ConnectMethod::PasteRedirect | ConnectMethod::ConfirmApproval) => {
                cx.info(format!(
                    "Asking spotterd for the {} approval address…",
                    name(provider)
                ));
                cx.call(Call::BeginConnect { provider });
            }
            Some(ConnectMethod::Token | ConnectMethod::Password) => {
                cx.dialog = Some(Dialog::Connect(ConnectForm::new(provider)));
            }
            None => {}
        }
    }

    fn confirm_disconnect(&self, cx: &mut Cx<Self>) {
        let Some(connection) = self.rows.selected_item() else {
            return;
        };
        let provider = connection.provider();
        if connection.state() == State::NotConnected {
            cx.info(format!("{} is not connected.", name(provider)));
            return;
        }
        cx.confirm(
            format!("Disconnect {}?", name(provider)),
            "spotter deletes the stored credentials and stops syncing from it. \
             Listens already synced stay.",
            Out::Call(Call::Disconnect { provider }),
        );
    }

    fn toggle_submission(&self, cx: &mut Cx<Self>) {
        let Some(connection) = self.rows.selected_item() else {
            return;
        };
        if connection.provider() != Provider::Listenbrainz {
            cx.info("Listen submission is a ListenBrainz setting: select ListenBrainz.");
            return;
        }
        if connection.state() != State::Connected {
            cx.info("Connect ListenBrainz first (c).");
            return;
        }
        cx.call(Call::SetListenSubmission {
            enabled: !connection.submit_listens,
        });
    }

    /// A connect call succeeded: close its dialog and show the new state.
    fn connected(&mut self, connection: Connection, cx: &mut Cx<Self>) {
        let provider = connection.provider();
        let dialog_for_it = match &cx.dialog {
            Some(Dialog::Approval(approval)) => approval.start.provider == provider,
            Some(Dialog::Connect(connect)) => connect.provider == provider,
            None => false,
        };
        if dialog_for_it {
            cx.dialog = None;
        }
        cx.info(match connection.external_user.as_str() {
            "" => format!("Connected {}.", name(provider)),
            user => format!("Connected {} as {user}.", name(provider)),
        });
        self.replace_connection(connection);
    }

    fn replace_connection(&mut self, connection: Connection) {
        let rows = &mut self.rows;
        match rows
            .items
            .iter_mut()
            .find(|c| c.provider == connection.provider)
        {
            Some(row) => *row = connection,
            None => {
                rows.items.push(connection);
                rows.items.sort_by_key(order);
            }
        }
    }

    fn submit_connect(&mut self, cx: &mut Cx<Self>) {
        let call = match &mut cx.dialog {
            Some(Dialog::Approval(approval)) => {
                let redirected_url = trimmed(approval.form.secret(FieldId::RedirectUrl));
                if approval.wants_paste() && redirected_url.is_empty() {
                    approval.form.error = Some(
                        "Paste the address your browser was sent to, then press Enter.".into(),
                    );
                    return;
                }
                Call::CompleteConnect {
                    provider: approval.start.provider,
                    flow_id: approval.start.flow_id.clone(),
                    redirected_url,
                }
            }
            Some(Dialog::Connect(connect)) if connect.provider == Provider::Listenbrainz => {
                let token = trimmed(connect.form.secret(FieldId::Token));
                if token.is_empty() {
                    connect.form.error = Some("Paste your ListenBrainz user token.".into());
                    return;
                }
                Call::ConnectListenBrainz { token }
            }
            Some(Dialog::Connect(connect)) => {
                let username = connect.form.text(FieldId::Username).trim().to_owned();
                let password = connect.form.secret(FieldId::Password);
                if username.is_empty() || password.is_empty() {
                    connect.form.error = Some("Enter your Navidrome username and password.".into());
                    return;
                }
                Call::ConnectNavidrome { username, password }
            }
            None => return,
        };
        if let Some(dialog) = &mut cx.dialog {
            let form = dialog.form();
            // The secret now travels in the call only: a failure means typing it again.
            for field in SECRET_FIELDS {
                form.clear(field);
            }
            form.busy = true;
            form.error = None;
            form.info = None;
        }
        cx.call(call);
    }

    /// Shows a failed connect in the dialog that sent it; false when none waits.
    fn connect_failed(call: &Call, text: &str, cx: &mut Cx<Self>) -> bool {
        let form = match (call, &mut cx.dialog) {
            (Call::CompleteConnect { provider, .. }, Some(Dialog::Approval(approval)))
                if approval.start.provider == *provider =>
            {
                &mut approval.form
            }
            (Call::ConnectListenBrainz { .. }, Some(Dialog::Connect(connect)))
                if connect.provider == Provider::Listenbrainz =>
            {
                &mut connect.form
            }
            (Call::ConnectNavidrome { .. }, Some(Dialog::Connect(connect)))
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

impl Component for ConnectionsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Dialog;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[
        tab_ch(TAB, 'c', CONNECT),
        tab_ch(TAB, 'd', DISCONNECT),
        tab_ch(TAB, 's', TOGGLE_SUBMISSION),
    ];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        ConnectionsTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::ListConnections);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            self.rows.move_by(step);
            return;
        }
        match command {
            Command::Tab(CONNECT) => self.start_connect(cx),
            Command::Tab(DISCONNECT) => self.confirm_disconnect(cx),
            Command::Tab(TOGGLE_SUBMISSION) => self.toggle_submission(cx),
            _ => {}
        }
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Connections(mut connections) => {
                connections.sort_by_key(order);
                self.rows.replace(connections, 0);
            }
            Reply::ConnectBegun(start) => {
                *cx.notice = None;
                // Something else opened while the daemon answered: that wins.
                if cx.nothing_open() {
                    cx.dialog = Some(Dialog::Approval(Approval::new(start)));
                }
            }
            Reply::Connected(connection) => self.connected(connection, cx),
            Reply::SubmissionSet(connection) => {
                cx.info(if connection.submit_listens {
                    "ListenBrainz: listens from your other sources will be submitted."
                } else {
                    "ListenBrainz: listen submission is off."
                });
                self.replace_connection(connection);
            }
            Reply::Disconnected {
                provider,
                disconnected,
            } => {
                cx.info(if disconnected {
                    format!("Disconnected {}; its listens stay.", name(provider))
                } else {
                    format!("{} was not connected.", name(provider))
                });
                cx.call(Call::ListConnections);
            }
        }
    }

    fn on_failure(&mut self, call: Call, error: &CallError, cx: &mut Cx<Self>) {
        let text = error.text();
        if !Self::connect_failed(&call, &text, cx) {
            cx.error(format!("{}: {text}", Self::failure(&call)));
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListConnections => "Could not load the connections".into(),
            Call::BeginConnect { provider } | Call::CompleteConnect { provider, .. } => {
                format!("Could not connect {}", name(*provider))
            }
            Call::ConnectListenBrainz { .. } => "Could not connect ListenBrainz".into(),
            Call::ConnectNavidrome { .. } => "Could not connect Navidrome".into(),
            Call::Disconnect { provider } => format!("Could not disconnect {}", name(*provider)),
            Call::SetListenSubmission { .. } => "Could not change listen submission".into(),
        }
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if *call == Call::ListConnections {
            self.rows.loading = loading;
        }
    }

    /// A provider refusing its credentials says so for a while; a finished sync
    /// changes the last sync times on screen.
    fn on_event(&mut self, event: &Kind, _at: i64, cx: &mut Cx<Self>) {
        match event {
            Kind::Connection(change) => {
                if change.state() == connection_changed::State::NeedsReconnect {
                    *cx.notice = Some(Notice::transient(
                        format!(
                            "{} refused the stored credentials: reconnect it on the \
                             Connections tab to resume.",
                            name(change.upstream())
                        ),
                        true,
                        cx.now + NOTICE_SECONDS,
                    ));
                }
                if cx.shown {
                    cx.call(Call::ListConnections);
                }
            }
            Kind::JobProgress(progress)
                if cx.shown
                    && progress.job_kind() != JobKind::Unspecified
                    && matches!(
                        progress.state(),
                        job_progress::State::Succeeded
                            | job_progress::State::Failed
                            | job_progress::State::Cancelled
                    ) =>
            {
                self.reload(cx);
            }
            _ => {}
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
            // Last.fm: nothing to type, Enter confirms the approval.
            Dialog::Approval(approval) if !approval.wants_paste() => vec![Scope::Approval],
            _ => vec![Scope::Form],
        }
    }

    fn dialog_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let Some(dialog) = &mut cx.dialog else {
            return;
        };
        let form = dialog.form();
        match command {
            Command::NextField => form.move_focus(true),
            Command::PrevField => form.move_focus(false),
            Command::DeleteChar if !form.busy => form.delete_char(),
            Command::Back => cx.dialog = None,
            Command::Submit if !form.busy => self.submit_connect(cx),
            _ => {}
        }
    }

    fn dialog_input(&mut self, c: char, cx: &mut Cx<Self>) {
        if let Some(dialog) = &mut cx.dialog {
            let form = dialog.form();
            if !form.busy {
                form.type_char(c);
            }
        }
    }

    fn draw_dialog(dialog: &Dialog, frame: &mut Frame, area: Rect, view: &View) {
        match dialog {
            Dialog::Approval(approval) => {
                approval_view::draw(frame, area, view.now, approval, view.theme);
            }
            Dialog::Connect(connect) => form_dialog(
                frame,
                area,
                if connect.provider == Provider::Listenbrainz {
                    " Connect ListenBrainz "
                } else {
                    " Connect Navidrome "
                },
                "Enter connects · Esc cancels",
                &connect.form,
                view.theme,
            ),
        }
    }
}

/// The fixed provider order; anything unknown goes last.
fn order(connection: &Connection) -> usize {
    PROVIDERS
        .iter()
        .position(|&p| p == connection.provider())
        .unwrap_or(PROVIDERS.len())
}

#[cfg(test)]
mod tests;
