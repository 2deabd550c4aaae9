//! The Connections tab: every provider with its state, and the actions on the
//! selected one (connect or reconnect, disconnect, ListenBrainz submission).
//! The connect dialogs themselves are in [`super::connect`].

use spotter_proto::v1::{Connection, Provider, connection::State};

use super::{
    Command, Effect,
    calls::{Call, Reply},
    dialogs::{Confirm, Confirmed, Overlay},
    providers::{PROVIDERS, name},
    signed_in::{Main, Notice, Outcome},
};

impl Main {
    pub(super) fn connections_command(&mut self, command: Command) -> Outcome {
        match command {
            Command::Connect => self.start_connect().into(),
            Command::Disconnect => {
                self.confirm_disconnect();
                Outcome::default()
            }
            Command::ToggleSubmission => self.toggle_submission().into(),
            _ => Outcome::default(),
        }
    }

    fn confirm_disconnect(&mut self) {
        let Some(connection) = self.connections.selected_item() else {
            return;
        };
        let provider = connection.provider();
        if connection.state() == State::NotConnected {
            self.notice = Some(Notice::info(format!(
                "{} is not connected.",
                name(provider)
            )));
            return;
        }
        self.overlay = Some(Overlay::Confirm(Confirm {
            question: format!("Disconnect {}?", name(provider)),
            detail: "spotter deletes the stored credentials and stops syncing from it. \
                     Listens already synced stay."
                .into(),
            on_yes: Confirmed::Disconnect { provider },
        }));
    }

    fn toggle_submission(&mut self) -> Vec<Effect> {
        let Some(connection) = self.connections.selected_item() else {
            return Vec::new();
        };
        if connection.provider() != Provider::Listenbrainz {
            self.notice = Some(Notice::info(
                "Listen submission is a ListenBrainz setting: select ListenBrainz.",
            ));
            return Vec::new();
        }
        if connection.state() != State::Connected {
            self.notice = Some(Notice::info("Connect ListenBrainz first (c)."));
            return Vec::new();
        }
        let enabled = !connection.submit_listens;
        vec![self.call(Call::SetListenSubmission { enabled })]
    }

    pub(super) fn connections_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Connections(mut connections) => {
                connections.sort_by_key(order);
                self.connections.replace(connections, 0);
            }
            Reply::ConnectBegun(start) => self.approval_begun(start),
            Reply::Connected(connection) => self.connected(connection),
            Reply::SubmissionSet(connection) => {
                self.notice = Some(Notice::info(if connection.submit_listens {
                    "ListenBrainz: listens from your other sources will be submitted."
                } else {
                    "ListenBrainz: listen submission is off."
                }));
                self.replace_connection(connection);
            }
            Reply::Disconnected {
                provider,
                disconnected,
            } => {
                self.notice = Some(Notice::info(if disconnected {
                    format!("Disconnected {}; its listens stay.", name(provider))
                } else {
                    format!("{} was not connected.", name(provider))
                }));
                return vec![self.call(Call::ListConnections)];
            }
            // Routed here by `call_done` only for the replies above.
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn replace_connection(&mut self, connection: Connection) {
        let rows = &mut self.connections;
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
}

/// The fixed provider order; anything unknown goes last.
fn order(connection: &Connection) -> usize {
    PROVIDERS
        .iter()
        .position(|&p| p == connection.provider())
        .unwrap_or(PROVIDERS.len())
}
