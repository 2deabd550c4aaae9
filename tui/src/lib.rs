//! `spotter`, the terminal client of `spotterd`: a TUI and scriptable subcommands.
//!
//! The TUI follows "state in, frames out": [`app`] holds pure state and turns
//! [`app::Action`]s into [`app::Effect`]s, [`ui`] draws `&App`, [`keymap`] turns keys
//! into actions, and [`runner`] runs effects against the daemon (through
//! [`client`]) and reports back. [`event_loop`] wires them together; [`terminal`]
//! owns the terminal. Each tab is a component in its own folder under [`tabs`]
//! (its state, update, view and calls, behind [`component::Component`]); the
//! registry in [`tabs`] lists them, one line each, and the shell
//! ([`app::shell`]) routes to them.
//!
//! Sessions: [`session_file`] keeps the refresh token between runs,
//! [`client::Authenticator`] holds the access token and signs requests, and
//! [`secret::Secret`] keeps passwords and tokens out of every `Debug`.
//!
//! For scripts and tests: [`socket::locate`] picks the socket,
//! [`client::connect_and_handshake`] talks to the daemon,
//! [`status_command::fetch_report`] is `spotter status` without the printing,
//! [`session_command`] is `spotter sign-in` / `spotter sign-out`, and
//! [`history_cli`] is `spotter history`, `stats`, `import` and `export`, and
//! [`playlists_cli`] is `spotter playlists …` and `spotter sync`. Whatever
//! they print of the daemon's text goes through [`safe_text`] first.

pub mod app;
pub mod client;
pub mod component;
pub mod daemon_launch;
pub mod dates;
pub mod event_loop;
pub mod history_cli;
pub mod identity;
pub mod job_kinds;
pub mod keymap;
pub mod peer;
pub mod playlists_cli;
pub mod problem;
pub mod providers;
pub mod runner;
pub mod safe_text;
pub mod secret;
pub mod session_command;
pub mod session_file;
pub mod socket;
pub mod status;
pub mod status_command;
pub mod tabs;
pub mod terminal;
pub mod ui;
pub mod when;

#[cfg(test)]
mod test_support;
