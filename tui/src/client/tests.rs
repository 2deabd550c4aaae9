use std::time::Duration;

use spotter_proto::PROTOCOL_VERSION;

use super::*;
use crate::test_support::{FakeDaemon, sample_response, sample_status};

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        call: Duration::from_millis(300),
    }
}

#[tokio::test]
async fn handshake_returns_the_daemon_facts() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let _daemon = FakeDaemon::start(&socket, sample_response());
    let (client, status) = connect_and_handshake(&socket, quick()).await.unwrap();
    assert_eq!(status, sample_status());
    assert_eq!(client.socket(), socket);
}

#[tokio::test]
async fn incompatible_daemon_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let mut newer = sample_response();
    newer.protocol_version = PROTOCOL_VERSION + 2;
    newer.min_protocol_version = PROTOCOL_VERSION + 1;
    let _daemon = FakeDaemon::start(&socket, newer);
    let err = connect_and_handshake(&socket, quick()).await.unwrap_err();
    assert!(matches!(err, ClientError::Incompatible { .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade spotter/spotterd"));
}

#[tokio::test]
async fn missing_socket_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let err = connect_and_handshake(&dir.path().join("none.sock"), quick())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::SocketMissing { .. }), "{err:?}");
}

#[tokio::test]
async fn stale_socket_is_reported_as_refused() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("stale.sock");
    // Binding creates the file; dropping the listener leaves it with nobody behind.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let err = connect_and_handshake(&socket, quick()).await.unwrap_err();
    assert!(matches!(err, ClientError::Refused { .. }), "{err:?}");
    assert!(err.daemon_absent());
}

#[tokio::test]
async fn silent_daemon_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent.sock");
    // Accepts connections (the kernel queues them) but never speaks HTTP/2.
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let err = connect_and_handshake(&socket, quick()).await.unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    assert!(
        !err.daemon_absent(),
        "a hung daemon must not get a second one"
    );
}
