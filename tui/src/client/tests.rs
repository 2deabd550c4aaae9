use std::time::Duration;

use spotter_proto::PROTOCOL_VERSION;

use super::*;
use crate::test_support::{FakeDaemon, sample_response, sample_status, target_at};

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
    let (client, status) = connect_and_handshake(&target_at(&socket), quick())
        .await
        .unwrap();
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
    let err = connect_and_handshake(&target_at(&socket), quick())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Incompatible { .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade spotter/spotterd"));
}

#[tokio::test]
async fn missing_socket_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let err = connect_and_handshake(&target_at(&dir.path().join("none.sock")), quick())
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
    let err = connect_and_handshake(&target_at(&socket), quick())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Refused { .. }), "{err:?}");
    assert!(err.daemon_absent());
}

#[tokio::test]
async fn silent_daemon_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("silent.sock");
    // Accepts connections (the kernel queues them) but never speaks HTTP/2.
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let err = connect_and_handshake(&target_at(&socket), quick())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    assert!(
        !err.daemon_absent(),
        "a hung daemon must not get a second one"
    );
}

/// A target whose peer rule trusts only a uid that is not ours, as a personal
/// socket served by somebody else looks to the client.
fn served_by_a_stranger(socket: &std::path::Path) -> crate::socket::SocketTarget {
    let mut target = target_at(socket);
    target.mode = spotter_proto::locations::Mode::Personal;
    target.peer.trust = Trust::Own;
    target.peer.own_uid = rustix::process::getuid().as_raw().wrapping_add(1);
    target
}

/// Accepts one connection on `listener` and returns every byte the client sent
/// before closing it.
fn bytes_received(listener: std::os::unix::net::UnixListener) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        use std::io::Read as _;
        let (mut stream, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        bytes
    })
}

#[tokio::test]
async fn a_socket_served_by_an_untrusted_uid_is_refused_before_a_byte_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let received = bytes_received(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let err = connect_and_handshake(&served_by_a_stranger(&socket), quick())
        .await
        .unwrap_err();
    let ClientError::ForeignDaemon(refusal) = &err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert_eq!(refusal.path, socket);
    assert_eq!(refusal.uid, rustix::process::getuid().as_raw());
    assert!(!err.daemon_absent(), "nobody may start a daemon over it");
    assert!(
        err.to_string()
            .contains("someone else may be impersonating spotterd"),
        "{err}"
    );
    assert_eq!(received.join().unwrap(), b"", "not even the HTTP/2 preface");
}

#[tokio::test]
async fn personal_autostart_shows_the_refusal_instead_of_starting_a_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let received = bytes_received(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let mut started = false;
    let err = crate::daemon_launch::connect_or_start(&served_by_a_stranger(&socket), true, |_| {
        started = true;
    })
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            crate::daemon_launch::ReachError::Client(ClientError::ForeignDaemon(_))
        ),
        "{err:?}"
    );
    assert!(!started);
    assert_eq!(received.join().unwrap(), b"");
}
