//! The interactive session: wires terminal events, effect results (and live
//! events, which arrive on the same channel) and a slow tick into `App::update`,
//! and redraws only when one of them arrives.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use crossterm::event::{Event, EventStream};
use futures::StreamExt as _;
use tokio::{
    signal::unix::{SignalKind, signal},
    time::MissedTickBehavior,
};

use crate::{
    app::{Action, App, Command, Zone},
    keymap, runner as effects,
    session_file::SessionFile,
    socket::SocketTarget,
    terminal::{TerminalGuard, install_panic_hook},
    ui,
};

/// How often status (and uptime) is refreshed, and a lost daemon retried.
pub const TICK_INTERVAL: Duration = Duration::from_secs(1);

/// The wall clock in Unix seconds, as the app's ticks carry it.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs the TUI until the user quits. The terminal is restored on every way out.
pub async fn run(target: SocketTarget) -> anyhow::Result<()> {
    // Before touching the terminal, so a missing home directory reads as an error.
    let session_file =
        SessionFile::for_socket(&target.path).context("locating the session file")?;
    install_panic_hook();
    // Signals that end a session from outside (kill, closed SSH connection): turn
    // them into a normal quit so the guard restores the terminal.
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;

    let mut guard = TerminalGuard::enter().context("setting up the terminal")?;
    let mut app = App::new(target.clone(), ui::theme::colour_from_env(), unix_now());
    app.zone = Zone::System;
    let (effects_tx, mut actions) = effects::spawn(target, session_file);
    let mut events = EventStream::new();
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + TICK_INTERVAL, TICK_INTERVAL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let mut pending = app.init();
    loop {
        for effect in pending.drain(..) {
            // The runner only stops when we drop the sender, so this cannot fail.
            let _ = effects_tx.send(effect);
        }
        if app.should_quit() {
            return Ok(());
        }
        guard
            .terminal()
            .draw(|frame| ui::render(frame, &app))
            .context("drawing")?;

        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => keymap::action_for(key, &app.key_scopes()),
                Some(Ok(Event::Paste(text))) => Some(Action::Paste(text)),
                // Resizes and the like only need the redraw at the top of the loop.
                Some(Ok(_)) => None,
                Some(Err(err)) => return Err(err).context("reading terminal input"),
                None => return Ok(()),
            },
            Some(action) = actions.recv() => Some(action),
            _ = tick.tick() => Some(Action::Tick { now: unix_now() }),
            _ = terminate.recv() => Some(Action::Command(Command::Quit)),
            _ = hangup.recv() => Some(Action::Command(Command::Quit)),
        };
        if let Some(action) = action {
            pending = app.update(action);
        }
    }
}
