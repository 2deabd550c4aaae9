//! The real daemon, booted in-process on a temp directory, through the real generated
//! client on its real socket.

use std::os::unix::net::UnixListener as StdUnixListener;

use spotter_daemon::{BootError, boot, transport::TransportError};
use spotter_e2e::{TestDirs, channel, get_status, mode_of};
use spotter_proto::{PROTOCOL_VERSION, v1::DaemonMode};
use tonic::Code;

#[tokio::test]
async fn get_status_over_the_socket_reports_the_daemon() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let status = get_status(running.socket_path()).await.unwrap();
    assert_eq!(status.daemon_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(status.protocol_version, PROTOCOL_VERSION);
    assert!(status.min_protocol_version <= PROTOCOL_VERSION);
    assert_eq!(status.pid, std::process::id());
    assert_eq!(
        status.schema_version,
        spotter_daemon::store::Store::expected_schema_version()
    );
    assert!(status.schema_version >= 1);
    assert_eq!(status.mode(), DaemonMode::Personal);
    assert_eq!(status.peer_uid, rustix_uid());
    assert_eq!(status.encryption_key_id.len(), 8);
    running.shutdown().await;
    assert!(!dirs.socket().exists(), "socket removed on shutdown");
}

fn rustix_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

#[tokio::test]
async fn health_and_reflection_are_served() {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let ch = channel(running.socket_path()).await.unwrap();

    let mut health = HealthClient::new(ch.clone());
    for service in ["", "spotter.v1.System"] {
        let resp = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(resp.status(), ServingStatus::Serving, "service {service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let mut reflection = ServerReflectionClient::new(ch);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
        panic!("unexpected reflection answer: {resp:?}");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"spotter.v1.System".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_string()),
        "{names:?}"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn files_and_directories_are_private() {
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    assert_eq!(mode_of(&dirs.socket()), 0o600, "socket");
    assert_eq!(
        mode_of(dirs.socket().parent().unwrap()),
        0o700,
        "socket dir"
    );
    assert_eq!(mode_of(&dirs.data_dir()), 0o700, "data dir");
    assert_eq!(mode_of(&dirs.database()), 0o600, "database");
    assert_eq!(mode_of(&dirs.config_dir()), 0o700, "config dir");
    assert_eq!(mode_of(&dirs.generated_key()), 0o600, "generated key");
    // The key lives with the configuration, never with the data.
    assert!(!dirs.data_dir().join("encryption-key").exists());
    for entry in std::fs::read_dir(dirs.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(
            mode_of(&path) & 0o077,
            0,
            "{} is readable by others",
            path.display()
        );
    }
    running.shutdown().await;
}

#[tokio::test]
async fn stale_socket_is_removed_and_replaced() {
    let dirs = TestDirs::new();
    std::fs::create_dir_all(dirs.socket().parent().unwrap()).unwrap();
    // A socket file nobody listens on: what a crashed daemon leaves behind.
    drop(StdUnixListener::bind(dirs.socket()).unwrap());
    assert!(dirs.socket().exists());
    let running = boot(dirs.config()).await.unwrap();
    get_status(running.socket_path()).await.unwrap();
    running.shutdown().await;
}

#[tokio::test]
async fn second_daemon_on_a_live_socket_is_refused() {
    let dirs = TestDirs::new();
    let first = boot(dirs.config()).await.unwrap();
    match boot(dirs.config()).await {
        Err(BootError::Transport(TransportError::AlreadyRunning(p))) => {
            assert_eq!(p, dirs.socket())
        }
        Err(other) => panic!("expected AlreadyRunning, got {other}"),
        Ok(_) => panic!("a second daemon started"),
    }
    // The refused daemon must not have removed the live one's socket.
    get_status(first.socket_path()).await.unwrap();
    first.shutdown().await;
}

#[tokio::test]
async fn second_daemon_on_the_same_data_dir_is_refused_even_on_another_socket() {
    let dirs = TestDirs::new();
    let first = boot(dirs.config()).await.unwrap();
    let mut settings = spotter_daemon::config::Settings::default();
    settings.daemon.socket = Some(dirs.path("other.sock"));
    let err = boot(dirs.config_with(settings, Default::default()))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, BootError::Lock(_)), "{err}");
    assert!(err.to_string().contains("holds the database"), "{err}");
    first.shutdown().await;
}

#[tokio::test]
async fn a_regular_file_at_the_socket_path_is_never_deleted() {
    let dirs = TestDirs::new();
    std::fs::create_dir_all(dirs.socket().parent().unwrap()).unwrap();
    std::fs::write(dirs.socket(), b"precious").unwrap();
    let err = boot(dirs.config()).await.err().expect("refused");
    assert!(
        matches!(err, BootError::Transport(TransportError::NotASocket(_))),
        "{err}"
    );
    assert_eq!(std::fs::read(dirs.socket()).unwrap(), b"precious");
}

/// A message with one large field the daemon's schema does not have.
#[derive(Clone, PartialEq, prost::Message)]
struct Oversized {
    #[prost(bytes = "vec", tag = "15")]
    blob: Vec<u8>,
}

#[tokio::test]
async fn messages_over_the_decode_limit_are_rejected() {
    use tonic::codegen::http::uri::PathAndQuery;
    let dirs = TestDirs::new();
    let running = boot(dirs.config()).await.unwrap();
    let mut grpc = tonic::client::Grpc::new(channel(running.socket_path()).await.unwrap());
    grpc.ready().await.unwrap();
    // 5 MiB in a field the daemon does not know: the length prefix alone must stop it.
    let big = Oversized {
        blob: vec![7u8; 5 * 1024 * 1024],
    };
    let codec =
        tonic_prost::ProstCodec::<Oversized, spotter_proto::v1::GetStatusResponse>::default();
    let err = grpc
        .unary(
            tonic::Request::new(big),
            PathAndQuery::from_static("/spotter.v1.System/GetStatus"),
            codec,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{err:?}"
    );
    // The daemon is still fine.
    get_status(running.socket_path()).await.unwrap();
    running.shutdown().await;
}
