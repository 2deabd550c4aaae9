//! `spotter`, the terminal client of `spotterd`: a TUI and scriptable subcommands.
//!
//! The TUI follows "state in, frames out": [`app`] holds pure state and turns
//! [`app::Action`]s into [`app::Effect`]s, [`ui`] draws `&App`, [`keymap`] turns keys
//! into commands, and [`client`] runs effects against the daemon and reports back.
//! [`event_loop`] wires them together; [`terminal`] owns the terminal.
//!
//! For scripts and tests: [`socket::locate`] picks the socket,
//! [`client::connect_and_handshake`] talks to the daemon, and
//! [`status_command::fetch_report`] is `spotter status` without the printing.

pub mod app;
pub mod client;
pub mod daemon_launch;
pub mod event_loop;
pub mod keymap;
pub mod problem;
pub mod socket;
pub mod status;
pub mod status_command;
pub mod terminal;
pub mod ui;

#[cfg(test)]
mod test_support;
