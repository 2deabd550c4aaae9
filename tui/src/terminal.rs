//! Owning the terminal: raw mode, the alternate screen and bracketed paste are
//! entered by one guard and always undone, whether we return, fail with an error,
//! or panic.
//!
//! Bracketed paste delivers a paste as one event, so a long pasted address (the
//! Spotify redirect) arrives at once and its line break cannot press Enter.

use std::io::{self, Stdout};

use crossterm::{
    cursor,
    event::{DisableBracketedPaste, EnableBracketedPaste},
    execute,
    terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode},
};
use ratatui::{Terminal, backend::CrosstermBackend};

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode + alternate screen for as long as it lives.
pub struct TerminalGuard {
    terminal: Tui,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        enable_raw_mode()?;
        // From here on every failure must still leave raw mode: the guard exists as
        // early as possible so its Drop covers the later steps.
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(terminal) => terminal,
            Err(err) => {
                let _ = restore();
                return Err(err);
            }
        };
        let mut guard = TerminalGuard { terminal };
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        guard.terminal.clear()?;
        Ok(guard)
    }

    pub fn terminal(&mut self) -> &mut Tui {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // Nothing useful to do if restoring fails while already unwinding or exiting.
        let _ = restore();
    }
}

/// Puts the terminal back: cooked mode, no bracketed paste, main screen, visible
/// cursor. Safe to call more than once (the panic hook and the guard may both run).
pub fn restore() -> io::Result<()> {
    let raw = disable_raw_mode();
    execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    )?;
    raw
}

/// Restores the terminal before the panic message is printed, so the message is
/// readable and the shell is usable afterwards.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
    }));
}
