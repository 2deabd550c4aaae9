//! What keys, replies and failures do to the Connections tab and its connect
//! dialogs.

use spotter_proto::v1::{Connection, Provider, Role, connection::State};

use crate::tabs::connections::connect::ApprovalStart;
use crate::{
    app::{
        Action, App, Call, CallError, Command, Reply, Scope,
    },
    component::{Out, form::FieldId},
    secret::Secret,
    tabs::{
        Dialog, Overlay, connections,
        connections::ConnectionsTab,
    },
    test_support::app::*,
};

pub fn connection(provider: Provider, state: State) -> Connection {
    Connection {
        provider: provider as i32,
        state: state as i32,
        available: true,
        ..Connection::default()
    }
}

/// Signed in on the Connections tab with every provider listed, `provider` selected.
fn on_connections(provider: Provider) -> App {
    let mut app = signed_in(Role::User);
    assert_eq!(
        press(&mut app, Command::ShowTab(connections::TAB)),
        vec![call(Call::Connections(connections::Call::ListConnections))]
    );
    // Out of order on purpose: the table keeps a fixed order.
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::Connections(vec![
            connection(Provider::Listenbrainz, State::Connected),
            connection(Provider::Navidrome, State::Connected),
            connection(Provider::Spotify, State::NeedsReconnect),
            connection(Provider::Lastfm, State::NotConnected),
        ]),
    )));
    let order: Vec<Provider> = tab::<ConnectionsTab>(&app)
        .rows
        .items
        .iter()
        .map(Connection::provider)
        .collect();
    assert_eq!(
        order,
        [
            Provider::Navidrome,
            Provider::Spotify,
            Provider::Lastfm,
            Provider::Listenbrainz
        ]
    );
    while tab::<ConnectionsTab>(&app)
        .rows
        .selected_item()
        .unwrap()
        .provider()
        != provider
    {
        press(&mut app, Command::Down);
    }
    app
}

fn start(provider: Provider, flow_id: &str) -> ApprovalStart {
    ApprovalStart {
        provider,
        flow_id: flow_id.into(),
        authorize_url: "https://accounts.example/authorize?state=s".into(),
        expires_at: NOW + 600,
        instructions: String::new(),
    }
}

fn dialog_form(app: &App) -> &crate::component::form::Form {
    match main(app).overlay() {
        Some(Overlay::Dialog(Dialog::Connections(connections::Dialog::Approval(approval)))) => {
            &approval.form
        }
        Some(Overlay::Dialog(Dialog::Connections(connections::Dialog::Connect(connect)))) => {
            &connect.form
        }
        other => panic!("no connect dialog: {other:?}"),
    }
}

#[test]
fn spotify_begin_then_complete_sends_the_pasted_address_and_the_flow_id() {
    let mut app = on_connections(Provider::Spotify);
    assert_eq!(
        press(&mut app, Command::Tab(connections::CONNECT)),
        vec![call(Call::Connections(connections::Call::BeginConnect {
            provider: Provider::Spotify
        }))]
    );
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::ConnectBegun(start(Provider::Spotify, "flow-7")),
    )));
    assert_eq!(app.key_scopes(), vec![Scope::Form, Scope::Always]);
    // Enter before pasting asks for the address instead of sending nothing.
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert!(dialog_form(&app).error.is_some());

    let pasted = "http://127.0.0.1:8888/callback?code=AQB-one-time&state=s";
    // Bracketed paste, with the line break a terminal copy often carries.
    app.update(Action::Paste(format!(" {pasted}\n")));
    assert!(!format!("{app:?}").contains("AQB-one-time"));
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Connections(
            connections::Call::CompleteConnect {
                provider: Provider::Spotify,
                flow_id: "flow-7".into(),
                redirected_url: Secret::new(pasted),
            }
        ))]
    );
    let form = dialog_form(&app);
    assert!(form.busy);
    assert!(form.secret(FieldId::RedirectUrl).is_empty(), "not kept");

    // The daemon's InvalidArgument message is for the user: shown in the dialog.
    app.update(Action::CallFailed {
        call: Call::Connections(connections::Call::CompleteConnect {
            provider: Provider::Spotify,
            flow_id: "flow-7".into(),
            redirected_url: Secret::new(pasted),
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::InvalidArgument,
            message: "the state is wrong, replayed or expired".into(),
        },
    });
    let form = dialog_form(&app);
    assert!(!form.busy);
    assert_eq!(
        form.error.as_deref(),
        Some("the state is wrong, replayed or expired")
    );

    let mut connected = connection(Provider::Spotify, State::Connected);
    connected.external_user = "ann.sp".into();
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::Connected(connected),
    )));
    let main = main(&app);
    assert_eq!(main.overlay(), None);
    assert_eq!(
        main.notice.as_ref().unwrap().text,
        "Connected Spotify as ann.sp."
    );
    assert_eq!(
        main.state::<ConnectionsTab>().unwrap().rows.items[1].state(),
        State::Connected
    );
}

#[test]
fn lastfm_completes_with_enter_and_the_flow_id_alone() {
    let mut app = on_connections(Provider::Lastfm);
    assert_eq!(
        press(&mut app, Command::Tab(connections::CONNECT)),
        vec![call(Call::Connections(connections::Call::BeginConnect {
            provider: Provider::Lastfm
        }))]
    );
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::ConnectBegun(start(Provider::Lastfm, "lf-9")),
    )));
    // Nothing to type: Enter and Esc only, so `q` cannot be typed away.
    assert_eq!(app.key_scopes(), vec![Scope::Approval, Scope::Always]);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Connections(
            connections::Call::CompleteConnect {
                provider: Provider::Lastfm,
                flow_id: "lf-9".into(),
                redirected_url: Secret::default(),
            }
        ))]
    );
    assert_eq!(press(&mut app, Command::Submit), vec![], "already sent");
}

#[test]
fn the_listenbrainz_token_is_masked_and_gone_after_submit() {
    let mut app = on_connections(Provider::Listenbrainz);
    assert_eq!(
        press(&mut app, Command::Tab(connections::CONNECT)),
        vec![],
        "a form, no call yet"
    );
    assert_eq!(app.key_scopes(), vec![Scope::Form, Scope::Always]);
    type_text(&mut app, "lb-token-1234");
    assert!(!format!("{app:?}").contains("lb-token-1234"));
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Connections(
            connections::Call::ConnectListenBrainz {
                token: Secret::new("lb-token-1234")
            }
        ))]
    );
    assert!(dialog_form(&app).secret(FieldId::Token).is_empty());

    app.update(Action::CallFailed {
        call: Call::Connections(connections::Call::ConnectListenBrainz {
            token: Secret::new("lb-token-1234"),
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::InvalidArgument,
            message: "ListenBrainz does not accept that token".into(),
        },
    });
    let form = dialog_form(&app);
    assert_eq!(
        form.error.as_deref(),
        Some("ListenBrainz does not accept that token")
    );
    assert_eq!(form.focused().unwrap().id, FieldId::Token);
    assert!(!format!("{app:?}").contains("lb-token-1234"));
}

#[test]
fn navidrome_sends_username_and_password_and_keeps_only_the_username() {
    let mut app = on_connections(Provider::Navidrome);
    press(&mut app, Command::Tab(connections::CONNECT));
    type_text(&mut app, "ann");
    press(&mut app, Command::NextField);
    type_text(&mut app, "nd-password");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![call(Call::Connections(
            connections::Call::ConnectNavidrome {
                username: "ann".into(),
                password: Secret::new("nd-password"),
            }
        ))]
    );
    let form = dialog_form(&app);
    assert_eq!(form.text(FieldId::Username), "ann");
    assert!(form.secret(FieldId::Password).is_empty());
    assert_eq!(press(&mut app, Command::Back), vec![]);
    assert_eq!(main(&app).overlay(), None);
}

#[test]
fn an_unavailable_provider_says_why_instead_of_connecting() {
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(connections::TAB));
    let mut spotify = connection(Provider::Spotify, State::NotConnected);
    spotify.available = false;
    spotify.unavailable_reason = "no Spotify client id is configured".into();
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::Connections(vec![spotify]),
    )));
    assert_eq!(press(&mut app, Command::Tab(connections::CONNECT)), vec![]);
    let notice = main(&app).notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "Spotify is not offered by this spotterd: no Spotify client id is configured"
    );
}

#[test]
fn disconnecting_asks_first_then_reloads() {
    let mut app = on_connections(Provider::Spotify);
    assert_eq!(
        press(&mut app, Command::Tab(connections::DISCONNECT)),
        vec![]
    );
    match main(&app).overlay() {
        Some(Overlay::Confirm { confirm, .. }) => {
            assert_eq!(
                confirm.on_yes,
                Out::Call(Call::Connections(connections::Call::Disconnect {
                    provider: Provider::Spotify
                }))
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![call(Call::Connections(connections::Call::Disconnect {
            provider: Provider::Spotify
        }))]
    );
    assert_eq!(
        app.update(Action::CallDone(Reply::Connections(
            connections::Reply::Disconnected {
                provider: Provider::Spotify,
                disconnected: true,
            }
        ))),
        vec![call(Call::Connections(connections::Call::ListConnections))]
    );

    // Nothing to disconnect on a provider that is not connected.
    let mut app = on_connections(Provider::Lastfm);
    assert_eq!(
        press(&mut app, Command::Tab(connections::DISCONNECT)),
        vec![]
    );
    assert_eq!(main(&app).overlay(), None);
}

#[test]
fn submission_toggles_only_on_a_connected_listenbrainz() {
    let mut app = on_connections(Provider::Navidrome);
    assert_eq!(
        press(&mut app, Command::Tab(connections::TOGGLE_SUBMISSION)),
        vec![]
    );
    assert!(
        main(&app)
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("select ListenBrainz")
    );

    let mut app = on_connections(Provider::Listenbrainz);
    assert_eq!(
        press(&mut app, Command::Tab(connections::TOGGLE_SUBMISSION)),
        vec![call(Call::Connections(
            connections::Call::SetListenSubmission { enabled: true }
        ))]
    );
    let mut lb = connection(Provider::Listenbrainz, State::Connected);
    lb.submit_listens = true;
    app.update(Action::CallDone(Reply::Connections(
        connections::Reply::SubmissionSet(lb),
    )));
    assert!(tab::<ConnectionsTab>(&app).rows.items[3].submit_listens);
    assert_eq!(
        press(&mut app, Command::Tab(connections::TOGGLE_SUBMISSION)),
        vec![call(Call::Connections(
            connections::Call::SetListenSubmission { enabled: false }
        ))]
    );
}
