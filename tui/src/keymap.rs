//! Which key does what. [`BINDINGS`] is the single table: key handling, the footer
//! and the help overlay are all derived from it.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBinding {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub command: Command,
}

const fn key(code: KeyCode, command: Command) -> KeyBinding {
    KeyBinding {
        code,
        modifiers: KeyModifiers::NONE,
        command,
    }
}

const fn ctrl(c: char, command: Command) -> KeyBinding {
    KeyBinding {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        command,
    }
}

/// Every binding, in the order keys are listed in help.
pub const BINDINGS: &[KeyBinding] = &[
    key(KeyCode::Char('q'), Command::Quit),
    ctrl('c', Command::Quit),
    key(KeyCode::Esc, Command::Back),
    key(KeyCode::Char('r'), Command::Refresh),
    key(KeyCode::F(5), Command::Refresh),
    key(KeyCode::Char('?'), Command::ToggleHelp),
];

/// The command bound to a key press, if any.
pub fn command_for(event: KeyEvent) -> Option<Command> {
    // Key releases are only reported by terminals with enhanced keyboard reporting.
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let mut modifiers = event.modifiers;
    if matches!(event.code, KeyCode::Char(_)) {
        // Shift is already in the character ('?' is Shift+/ on most layouts, and
        // terminals disagree about reporting it).
        modifiers.remove(KeyModifiers::SHIFT);
    }
    BINDINGS
        .iter()
        .find(|b| b.code == event.code && b.modifiers == modifiers)
        .map(|b| b.command)
}

/// How a binding is written on screen: "q", "Ctrl-C", "Esc", "F5".
pub fn key_label(binding: &KeyBinding) -> String {
    let key = match binding.code {
        KeyCode::Char(c) if binding.modifiers.contains(KeyModifiers::CONTROL) => {
            c.to_ascii_uppercase().to_string()
        }
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if binding.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{key}")
    } else {
        key
    }
}

/// One help line: every key for a command, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub command: Command,
    pub keys: String,
    pub description: &'static str,
}

/// The help overlay's content, one line per command.
pub fn help_lines() -> Vec<HelpLine> {
    Command::ALL
        .iter()
        .map(|&command| HelpLine {
            command,
            keys: bindings_for(command)
                .map(key_label)
                .collect::<Vec<_>>()
                .join(", "),
            description: command.description(),
        })
        .collect()
}

/// The footer: the first key of each command and its one-word label.
pub fn footer_hints() -> Vec<(String, &'static str)> {
    Command::ALL
        .iter()
        .filter_map(|&command| {
            bindings_for(command)
                .next()
                .map(|b| (key_label(b), command.label()))
        })
        .collect()
}

fn bindings_for(command: Command) -> impl Iterator<Item = &'static KeyBinding> {
    BINDINGS.iter().filter(move |b| b.command == command)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Fails to compile when a command is added, so `Command::ALL` (from which help
    /// is generated) cannot silently miss it.
    fn listed_in_all(command: Command) -> bool {
        match command {
            Command::Quit | Command::Back | Command::Refresh | Command::ToggleHelp => {
                Command::ALL.contains(&command)
            }
        }
    }

    #[test]
    fn help_covers_every_command_with_at_least_one_key() {
        let lines = help_lines();
        for command in Command::ALL {
            assert!(listed_in_all(command));
            let line = lines
                .iter()
                .find(|l| l.command == command)
                .unwrap_or_else(|| panic!("{command:?} missing from help"));
            assert!(!line.keys.is_empty(), "{command:?} has no key");
            assert!(!line.description.is_empty());
        }
        assert_eq!(lines.len(), Command::ALL.len());
    }

    #[test]
    fn every_binding_dispatches_to_its_command() {
        for binding in BINDINGS {
            let event = KeyEvent::new(binding.code, binding.modifiers);
            assert_eq!(command_for(event), Some(binding.command), "{binding:?}");
        }
    }

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = HashSet::new();
        for b in BINDINGS {
            assert!(seen.insert((b.code, b.modifiers)), "{b:?} bound twice");
        }
    }

    #[test]
    fn documented_keys_work() {
        let press = |code, modifiers| command_for(KeyEvent::new(code, modifiers));
        assert_eq!(
            press(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Command::Quit)
        );
        assert_eq!(
            press(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Command::Quit)
        );
        assert_eq!(press(KeyCode::Esc, KeyModifiers::NONE), Some(Command::Back));
        assert_eq!(
            press(KeyCode::Char('r'), KeyModifiers::NONE),
            Some(Command::Refresh)
        );
        assert_eq!(
            press(KeyCode::Char('?'), KeyModifiers::SHIFT),
            Some(Command::ToggleHelp)
        );
        assert_eq!(press(KeyCode::Char('c'), KeyModifiers::NONE), None);
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(key_label(&ctrl('c', Command::Quit)), "Ctrl-C");
        assert_eq!(key_label(&key(KeyCode::Esc, Command::Back)), "Esc");
        let quit = help_lines()
            .into_iter()
            .find(|l| l.command == Command::Quit)
            .unwrap();
        assert_eq!(quit.keys, "q, Ctrl-C");
    }
}
