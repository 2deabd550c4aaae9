//! Who may answer on the daemon socket.
//!
//! Every connection asks the kernel which uid holds the listening end (SO_PEERCRED)
//! right after connecting and before a single byte goes out, and refuses a server
//! run by anyone the client has no reason to trust. Without `XDG_RUNTIME_DIR` the
//! personal socket lives in `/tmp/spotter-<uid>/`, which another local user can
//! create first and serve a fake spotterd from, collecting the passwords and tokens
//! typed into the TUI.
//!
//! The rule, by where the socket path came from (`socket::SocketOrigin::trust`):
//!
//! | Socket | Accepted server uids |
//! |---|---|
//! | personal default (`$XDG_RUNTIME_DIR/spotter/…`, `/tmp/spotter-<uid>/…`) | your own |
//! | system default (`/run/spotter/spotterd.sock`) | the service user, or root |
//! | chosen (`--socket`, `SPOTTER_SOCKET`) | your own, root, or the service user |
//!
//! The service user is `spotter` unless `--daemon-user` / `SPOTTER_DAEMON_USER`
//! names another (a name, or a numeric uid for users without a passwd entry).
//! Root is trusted where it is because root can read everything anyway.

use std::{fmt, io, path::Path};

use nix::unistd::{Uid, User};
use tokio::net::UnixStream;

/// Names the user the system service runs as (also `--daemon-user`).
pub const DAEMON_USER_ENV: &str = "SPOTTER_DAEMON_USER";
/// The service user of the packaged units (`packaging/sysusers.d/spotter.conf`).
pub const DEFAULT_DAEMON_USER: &str = "spotter";

/// Which servers a socket may have, by where its path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The personal default: only a daemon of the user's own.
    Own,
    /// The system default: the service user or root.
    Service,
    /// A socket the user named: their own daemon, root's, or the service's.
    Chosen,
}

/// The system service's user, and its uid when this host knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUser {
    pub name: String,
    pub uid: Option<u32>,
}

impl ServiceUser {
    /// Looks `name` up in the user database; a name that is a number and no user is
    /// taken as a uid.
    pub fn lookup(name: &str) -> ServiceUser {
        let uid = match User::from_name(name) {
            Ok(Some(user)) => Some(user.uid.as_raw()),
            _ => name.parse().ok(),
        };
        ServiceUser {
            name: name.to_owned(),
            uid,
        }
    }
}

impl fmt::Display for ServiceUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.uid {
            Some(uid) if uid.to_string() == self.name => write!(f, "the service user (uid {uid})"),
            Some(uid) => write!(f, "the service user {} (uid {uid})", self.name),
            None => write!(
                f,
                "the service user {} (no such user on this host)",
                self.name
            ),
        }
    }
}

/// The server uids one socket accepts, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRule {
    pub trust: Trust,
    /// The client's real uid.
    pub own_uid: u32,
    pub service: ServiceUser,
}

impl PeerRule {
    /// The rule for `trust`, with our uid and `daemon_user` (default `spotter`)
    /// looked up now.
    pub fn resolve(trust: Trust, daemon_user: Option<&str>) -> PeerRule {
        let name = daemon_user
            .filter(|n| !n.is_empty())
            .unwrap_or(DEFAULT_DAEMON_USER);
        PeerRule {
            trust,
            own_uid: rustix::process::getuid().as_raw(),
            service: ServiceUser::lookup(name),
        }
    }

    /// True when a server running as `uid` may serve this socket.
    pub fn accepts(&self, uid: u32) -> bool {
        let own = uid == self.own_uid;
        let root = uid == 0;
        let service = self.service.uid == Some(uid);
        match self.trust {
            Trust::Own => own,
            Trust::Service => service || root,
            Trust::Chosen => own || root || service,
        }
    }

    /// Who was expected, for the refusal: "you (uid 1000)", …
    pub fn expected(&self) -> String {
        let you = format!("you (uid {})", self.own_uid);
        match self.trust {
            Trust::Own => you,
            Trust::Service => format!("{} or root", self.service),
            Trust::Chosen => format!("{you}, root or {}", self.service),
        }
    }

    /// Checks the server end of a freshly connected `stream` (nothing sent yet).
    /// The refusal travels as an `io::Error` because it leaves through tonic's
    /// connector; [`ClientError::from_transport`](super::ClientError) unwraps it.
    pub fn check(&self, path: &Path, stream: &UnixStream) -> io::Result<()> {
        let uid = stream.peer_cred()?.uid();
        if self.accepts(uid) {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            ForeignDaemon {
                path: path.to_path_buf(),
                uid,
                name: user_name(uid),
                expected: self.expected(),
                trust: self.trust,
            },
        ))
    }
}

/// The name of `uid`, when the user database has one.
fn user_name(uid: u32) -> Option<String> {
    User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
}

/// A socket served by a uid the rule does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing {}: it is served by uid {uid}{}, not by {expected}; \
     someone else may be impersonating spotterd",
    path.display(),
    name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
)]
pub struct ForeignDaemon {
    pub path: std::path::PathBuf,
    pub uid: u32,
    pub name: Option<String>,
    pub expected: String,
    pub trust: Trust,
}

impl ForeignDaemon {
    pub fn hint(&self) -> String {
        match self.trust {
            Trust::Own => {
                let dir = self.path.parent().unwrap_or(&self.path);
                format!(
                    "nothing was sent to it: remove {} (it is not yours) and run spotter \
                     again, or set XDG_RUNTIME_DIR to a directory of your own",
                    dir.display()
                )
            }
            Trust::Service => format!(
                "nothing was sent to it: if spotterd really runs as that user, name it with \
                 --daemon-user or {DAEMON_USER_ENV}; otherwise tell the administrator"
            ),
            Trust::Chosen => format!(
                "nothing was sent to it: check --socket / SPOTTER_SOCKET; if your spotterd \
                 runs as another user, name it with --daemon-user or {DAEMON_USER_ENV}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(trust: Trust, service_uid: Option<u32>) -> PeerRule {
        PeerRule {
            trust,
            own_uid: 1000,
            service: ServiceUser {
                name: "spotter".into(),
                uid: service_uid,
            },
        }
    }

    const OWN: u32 = 1000;
    const SERVICE: u32 = 998;
    const MALLORY: u32 = 1001;

    #[test]
    fn a_personal_socket_accepts_only_our_own_daemon() {
        let r = rule(Trust::Own, Some(SERVICE));
        assert!(r.accepts(OWN));
        for uid in [0, SERVICE, MALLORY, 65534] {
            assert!(!r.accepts(uid), "{uid}");
        }
    }

    #[test]
    fn the_system_socket_accepts_the_service_user_or_root() {
        let r = rule(Trust::Service, Some(SERVICE));
        assert!(r.accepts(SERVICE));
        assert!(r.accepts(0));
        assert!(!r.accepts(OWN), "not even our own: we are not the service");
        assert!(!r.accepts(MALLORY));
        // No such user here: only root.
        let r = rule(Trust::Service, None);
        assert!(r.accepts(0));
        assert!(!r.accepts(SERVICE));
    }

    #[test]
    fn a_chosen_socket_accepts_us_root_or_the_service_user() {
        let r = rule(Trust::Chosen, Some(SERVICE));
        for uid in [OWN, 0, SERVICE] {
            assert!(r.accepts(uid), "{uid}");
        }
        assert!(!r.accepts(MALLORY));
        assert!(!r.accepts(65534));
    }

    #[test]
    fn when_we_are_the_service_user_our_own_uid_is_the_service() {
        let mut r = rule(Trust::Service, Some(OWN));
        assert!(r.accepts(OWN));
        r.own_uid = 0;
        r.trust = Trust::Own;
        assert!(r.accepts(0), "root's own personal daemon");
    }

    #[test]
    fn the_expectation_names_everyone_accepted() {
        assert_eq!(rule(Trust::Own, Some(SERVICE)).expected(), "you (uid 1000)");
        assert_eq!(
            rule(Trust::Service, Some(SERVICE)).expected(),
            "the service user spotter (uid 998) or root"
        );
        assert_eq!(
            rule(Trust::Chosen, None).expected(),
            "you (uid 1000), root or the service user spotter (no such user on this host)"
        );
        let numeric = PeerRule {
            service: ServiceUser {
                name: "998".into(),
                uid: Some(998),
            },
            ..rule(Trust::Service, None)
        };
        assert_eq!(numeric.expected(), "the service user (uid 998) or root");
    }

    #[test]
    fn a_service_user_is_looked_up_by_name_or_taken_as_a_uid() {
        assert_eq!(ServiceUser::lookup("root").uid, Some(0));
        assert_eq!(ServiceUser::lookup("4242").uid, Some(4242));
        assert_eq!(
            ServiceUser::lookup("no-such-user-spotter-test").uid,
            None,
            "unknown names match no uid"
        );
    }

    #[test]
    fn the_refusal_names_the_socket_the_server_and_who_was_expected() {
        let refusal = ForeignDaemon {
            path: "/tmp/spotter-1000/spotterd.sock".into(),
            uid: MALLORY,
            name: Some("mallory".into()),
            expected: rule(Trust::Own, None).expected(),
            trust: Trust::Own,
        };
        assert_eq!(
            refusal.to_string(),
            "refusing /tmp/spotter-1000/spotterd.sock: it is served by uid 1001 (mallory), \
             not by you (uid 1000); someone else may be impersonating spotterd"
        );
        let hint = refusal.hint();
        assert!(hint.contains("remove /tmp/spotter-1000 "), "{hint}");
        assert!(hint.contains("XDG_RUNTIME_DIR"), "{hint}");
        let unnamed = ForeignDaemon {
            name: None,
            ..refusal
        };
        assert!(
            unnamed.to_string().contains("served by uid 1001, not by"),
            "{unnamed}"
        );
    }

    #[tokio::test]
    async fn our_own_listener_passes_the_check_and_a_rule_without_us_refuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let stream = UnixStream::connect(&path).await.unwrap();
        let _server = listener.accept().await.unwrap();
        let me = rustix::process::getuid().as_raw();
        let ours = PeerRule {
            own_uid: me,
            ..rule(Trust::Own, None)
        };
        ours.check(&path, &stream).unwrap();
        let not_ours = PeerRule {
            own_uid: me.wrapping_add(1),
            ..rule(Trust::Own, None)
        };
        let err = not_ours.check(&path, &stream).unwrap_err();
        let refusal = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<ForeignDaemon>())
            .expect("the refusal travels inside the io::Error");
        assert_eq!(refusal.uid, me);
    }
}
