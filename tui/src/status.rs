//! The facts a daemon reports about itself, in the client's own types, and how they
//! are printed: one source for the status screen and `spotter status [--json]`.

use std::fmt::Write as _;

use serde::Serialize;
use spotter_proto::{
    PROTOCOL_VERSION,
    v1::{DaemonMode, GetStatusResponse},
};

use crate::{
    safe_text::{escape_controls, escape_json_controls},
    socket::SocketTarget,
};

/// What `System.GetStatus` said, decoupled from the generated message so the UI and
/// tests can build it directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaemonStatus {
    pub daemon_version: String,
    pub protocol_version: u32,
    pub min_protocol_version: u32,
    pub pid: u32,
    pub uptime_seconds: u64,
    pub schema_version: i64,
    /// "personal", "system", or "unknown" when the daemon did not say.
    pub mode: &'static str,
    pub peer_uid: u32,
    pub encryption_key_id: String,
}

impl From<GetStatusResponse> for DaemonStatus {
    fn from(resp: GetStatusResponse) -> Self {
        let mode = match resp.mode() {
            DaemonMode::Personal => "personal",
            DaemonMode::System => "system",
            DaemonMode::Unspecified => "unknown",
        };
        DaemonStatus {
            daemon_version: resp.daemon_version,
            protocol_version: resp.protocol_version,
            min_protocol_version: resp.min_protocol_version,
            pid: resp.pid,
            uptime_seconds: resp.uptime_seconds,
            schema_version: resp.schema_version,
            mode,
            peer_uid: resp.peer_uid,
            encryption_key_id: resp.encryption_key_id,
        }
    }
}

/// Everything `spotter status` prints: the daemon's facts plus the client's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    #[serde(flatten)]
    pub daemon: DaemonStatus,
    pub client_protocol_version: u32,
    pub socket: String,
    pub socket_source: &'static str,
}

impl StatusReport {
    pub fn new(daemon: DaemonStatus, target: &SocketTarget) -> Self {
        StatusReport {
            daemon,
            client_protocol_version: PROTOCOL_VERSION,
            socket: target.path.display().to_string(),
            socket_source: target.origin.as_str(),
        }
    }

    /// `key: value` pairs, with the same keys as the JSON form (plus a human uptime).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let d = &self.daemon;
        vec![
            ("daemon_version", d.daemon_version.clone()),
            ("protocol_version", d.protocol_version.to_string()),
            ("min_protocol_version", d.min_protocol_version.to_string()),
            (
                "client_protocol_version",
                self.client_protocol_version.to_string(),
            ),
            ("pid", d.pid.to_string()),
            ("uptime_seconds", d.uptime_seconds.to_string()),
            ("uptime", format_uptime(d.uptime_seconds)),
            ("schema_version", d.schema_version.to_string()),
            ("mode", d.mode.to_owned()),
            ("peer_uid", d.peer_uid.to_string()),
            ("encryption_key_id", d.encryption_key_id.clone()),
            ("socket", self.socket.clone()),
            ("socket_source", self.socket_source.to_owned()),
        ]
    }

    /// Plain output: one `key: value` line per fact, the daemon's text escaped.
    pub fn to_plain(&self) -> String {
        self.fields()
            .into_iter()
            .fold(String::new(), |mut out, (key, value)| {
                let _ = writeln!(out, "{key}: {}", escape_controls(&value));
                out
            })
    }

    /// One JSON object with snake_case keys, safe to print on a terminal.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and integers cannot fail.
        let json = serde_json::to_string(self).unwrap_or_default();
        escape_json_controls(&json).into_owned()
    }
}

/// Uptime the way people read it: "42s", "5m 07s", "2h 03m", "3d 04h".
pub fn format_uptime(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s < MINUTE => format!("{s}s"),
        s if s < HOUR => format!("{}m {:02}s", s / MINUTE, s % MINUTE),
        s if s < DAY => format!("{}h {:02}m", s / HOUR, s % HOUR / MINUTE),
        s => format!("{}d {:02}h", s / DAY, s % DAY / HOUR),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use spotter_proto::locations::Mode;

    use super::*;
    use crate::socket::SocketOrigin;

    fn sample_report() -> StatusReport {
        let target = SocketTarget::new(
            PathBuf::from("/run/user/1000/spotter/spotterd.sock"),
            SocketOrigin::Environment,
            Mode::Personal,
            None,
        );
        let daemon = DaemonStatus::from(GetStatusResponse {
            daemon_version: "0.1.0".into(),
            protocol_version: 1,
            min_protocol_version: 1,
            pid: 4242,
            uptime_seconds: 7380,
            schema_version: 3,
            mode: DaemonMode::System as i32,
            peer_uid: 1000,
            encryption_key_id: "k1".into(),
        });
        StatusReport::new(daemon, &target)
    }

    #[test]
    fn uptime_is_human() {
        assert_eq!(format_uptime(0), "0s");
        assert_eq!(format_uptime(59), "59s");
        assert_eq!(format_uptime(427), "7m 07s");
        assert_eq!(format_uptime(2 * 3600 + 3 * 60 + 9), "2h 03m");
        assert_eq!(format_uptime(3 * 86400 + 4 * 3600), "3d 04h");
    }

    #[test]
    fn json_has_every_documented_key_with_typed_values() {
        let json: serde_json::Value = serde_json::from_str(&sample_report().to_json()).unwrap();
        let expected = serde_json::json!({
            "daemon_version": "0.1.0",
            "protocol_version": 1,
            "min_protocol_version": 1,
            "client_protocol_version": PROTOCOL_VERSION,
            "pid": 4242,
            "uptime_seconds": 7380,
            "schema_version": 3,
            "mode": "system",
            "peer_uid": 1000,
            "encryption_key_id": "k1",
            "socket": "/run/user/1000/spotter/spotterd.sock",
            "socket_source": "env",
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn plain_lines_carry_the_json_keys() {
        let report = sample_report();
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        let plain = report.to_plain();
        for key in json.as_object().unwrap().keys() {
            assert!(
                plain.lines().any(|l| l.starts_with(&format!("{key}: "))),
                "plain output lacks {key}:\n{plain}"
            );
        }
        assert!(plain.contains("uptime: 2h 03m\n"));
    }

    #[test]
    fn unspecified_mode_is_reported_as_unknown() {
        let status = DaemonStatus::from(GetStatusResponse::default());
        assert_eq!(status.mode, "unknown");
    }

    #[test]
    fn the_daemon_text_is_printed_escaped() {
        let mut report = sample_report();
        report.daemon.daemon_version = "0.1.0\u{1b}]0;pwned\u{7}".into();
        report.daemon.encryption_key_id = "k\u{9b}2J".into();
        let plain = report.to_plain();
        assert!(
            plain.contains("daemon_version: 0.1.0\\x1b]0;pwned\\x07\n"),
            "{plain}"
        );
        assert!(plain.contains("encryption_key_id: k\\u{9b}2J\n"), "{plain}");
        let json = report.to_json();
        assert!(!json.contains(char::is_control), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["encryption_key_id"], "k\u{9b}2J");
    }
}
