//! `spotter sign-in --username U [--navidrome]` and `spotter sign-out`: the TUI's
//! session handling for scripts and tests. They keep exactly the file the TUI
//! uses, so a script can sign in and then open the TUI already signed in.
//!
//! The password comes from stdin when stdin is not a terminal (one line), and is
//! otherwise prompted for without echo. It is never taken as an argument, where
//! other users could read it in the process list.

use std::{
    io::{self, BufRead as _, IsTerminal as _, Read as _},
    process::ExitCode,
};

use spotter_proto::{
    locations::Mode,
    v1::{GetSetupStateRequest, SignInMethod},
};
use zeroize::Zeroizing;

use crate::{
    client::connect_and_handshake,
    client::{AuthError, Authenticator, DaemonClient, SignOutResult, Timeouts},
    component::rejection_text,
    daemon_launch::connect_or_start,
    identity::Identity,
    problem::Problem,
    safe_text::{eprint_message, escape_controls},
    secret::Secret,
    session_file::SessionFile,
    socket::SocketTarget,
};

/// Longest password line read from stdin.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// Runs `spotter sign-in`: exit 0 and "signed in as …" on stdout, or the daemon's
/// reason on stderr and exit 1.
pub async fn sign_in(target: &SocketTarget, username: &str, navidrome: bool) -> ExitCode {
    let password = match read_password(username) {
        Ok(password) => password,
        Err(err) => {
            eprint_message(format_args!("spotter: cannot read the password: {err}"));
            return ExitCode::FAILURE;
        }
    };
    let method = if navidrome {
        SignInMethod::Navidrome
    } else {
        SignInMethod::Local
    };
    match sign_in_with(target, method, username, &password).await {
        Ok(identity) => {
            println!(
                "signed in as {} ({})",
                escape_controls(&identity.user.username),
                identity.role_name()
            );
            ExitCode::SUCCESS
        }
        Err(reason) => {
            // The daemon's own messages already say what failed.
            eprint_message(format_args!("spotter: {reason}"));
            ExitCode::FAILURE
        }
    }
}

/// Signs in and stores the session like the TUI; the error is a sentence for
/// the user.
pub async fn sign_in_with(
    target: &SocketTarget,
    method: SignInMethod,
    username: &str,
    password: &Secret,
) -> Result<Identity, String> {
    let file = SessionFile::for_socket(&target.path).map_err(|e| e.to_string())?;
    // Like the TUI, a personal daemon is started when none runs: signing in to
    // nothing would only fail.
    let (client, _) = connect_or_start(target, target.mode == Mode::Personal, |log| {
        eprint_message(format_args!(
            "spotter: starting spotterd (log: {})",
            log.display()
        ));
    })
    .await
    .map_err(|e| Problem::from(&e).to_string())?;
    let setup = client
        .within_deadline(
            "GetSetupState",
            client.auth().get_setup_state(GetSetupStateRequest {}),
        )
        .await
        .map_err(|e| Problem::from(&e).to_string())?;
    if setup.setup_required {
        return Err(
            "first-run setup has not been done yet: run `spotter` to create the \
                    owner account"
                .into(),
        );
    }
    Authenticator::new(file)
        .sign_in(&client, method, username, password)
        .await
        .map_err(|e| auth_error_text(&e))
}

/// Runs `spotter sign-out`. Exit 0 whenever nothing stays stored, including when
/// nothing was; the file is deleted even when the daemon cannot be told.
pub async fn sign_out(target: &SocketTarget) -> ExitCode {
    let file = match SessionFile::for_socket(&target.path) {
        Ok(file) => file,
        Err(err) => {
            eprint_message(format_args!("spotter: {}", Problem::from(&err)));
            return ExitCode::FAILURE;
        }
    };
    match file.load() {
        Ok(Some(_)) => {}
        Ok(None) => {
            println!("not signed in");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprint_message(format_args!(
                "spotter: cannot read {}: {err}",
                file.path().display()
            ));
            return ExitCode::FAILURE;
        }
    }
    let mut auth = Authenticator::new(file);
    // No daemon start here: a daemon that is not running has nothing to end.
    let client: Result<DaemonClient, _> = connect_and_handshake(target, Timeouts::default())
        .await
        .map(|(client, _)| client);
    let result = match client {
        Ok(client) => auth.sign_out(&client).await,
        Err(err) => auth.forget().and(Err(AuthError::Client(err))),
    };
    match result {
        Ok(SignOutResult::Ended) => println!("signed out"),
        Ok(SignOutResult::NotSignedIn) => println!("not signed in"),
        Ok(SignOutResult::AlreadyEnded) => println!("signed out (the session had already ended)"),
        Err(AuthError::Storage { path, source }) => {
            eprint_message(format_args!(
                "spotter: cannot delete the stored session {path}: {source}"
            ));
            return ExitCode::FAILURE;
        }
        Err(err) => {
            println!("signed out");
            eprint_message(format_args!(
                "spotter: warning: spotterd was not told ({}); the session stays listed \
                 until it expires",
                auth_error_text(&err)
            ));
        }
    }
    ExitCode::SUCCESS
}

fn auth_error_text(err: &AuthError) -> String {
    match err {
        AuthError::Rejected { code, message } => rejection_text(*code, message),
        AuthError::Client(err) => Problem::from(err).to_string(),
        other => other.to_string(),
    }
}

fn read_password(username: &str) -> io::Result<Secret> {
    if io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Password for {username}: ")).map(Secret::from);
    }
    let mut line = Zeroizing::new(String::new());
    io::stdin()
        .lock()
        .take(MAX_PASSWORD_BYTES)
        .read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no password on stdin",
        ));
    }
    Ok(Secret::new(password))
}
