//! Which key does what, where. [`BINDINGS`] is the single table: key handling, the
//! footer and the help overlay are all derived from it.
//!
//! Bindings belong to a [`Scope`]; the app says which scopes are live, most specific
//! first, and the first live binding for a key wins. That lets `r` change a role on
//! the Users tab and refresh elsewhere, and lets forms take `q` as a letter.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use crate::component::KeyBinding;
use crate::{
    app::{Action, Command, Scope},
    component::command::{ch, ctrl, key},
    tabs,
};

use Command as C;
use Scope as S;

/// The shell's and the dialogs' bindings, in the order keys are listed in the
/// footer and help. The tab digits follow the registry ([`tab_digits`]); each
/// tab's own keys are declared in its folder ([`tabs::keys`]).
pub const BINDINGS: &[KeyBinding] = &[
    ctrl(S::Always, 'c', C::Quit),
    // Screens that are not taking text.
    ch(S::Screen, 'q', C::Quit),
    ch(S::Screen, '?', C::ToggleHelp),
    ch(S::Screen, 'r', C::Refresh),
    key(S::Screen, KeyCode::F(5), C::Refresh),
    key(S::Screen, KeyCode::Esc, C::Back),
    // Signed in: `S`, then the digits, then Tab.
    ch(S::Tabs, 'S', C::SignOut),
    key(S::Tabs, KeyCode::Tab, C::NextTab),
    // Lists.
    key(S::List, KeyCode::Up, C::Up),
    ch(S::List, 'k', C::Up),
    key(S::List, KeyCode::Down, C::Down),
    ch(S::List, 'j', C::Down),
    key(S::List, KeyCode::PageUp, C::PageUp),
    key(S::List, KeyCode::PageDown, C::PageDown),
    // Forms: every other character is typed into the focused field.
    key(S::Form, KeyCode::Enter, C::Submit),
    key(S::Form, KeyCode::Tab, C::NextField),
    key(S::Form, KeyCode::Down, C::NextField),
    key(S::Form, KeyCode::BackTab, C::PrevField),
    key(S::Form, KeyCode::Up, C::PrevField),
    key(S::Form, KeyCode::Left, C::SwitchMethod),
    key(S::Form, KeyCode::Right, C::SwitchMethod),
    key(S::Form, KeyCode::Backspace, C::DeleteChar),
    key(S::Form, KeyCode::Esc, C::Back),
    // Dialogs.
    ch(S::Confirm, 'y', C::Yes),
    ch(S::Confirm, 'n', C::No),
    key(S::Confirm, KeyCode::Esc, C::No),
    key(S::Chooser, KeyCode::Enter, C::Submit),
    key(S::Chooser, KeyCode::Up, C::Up),
    ch(S::Chooser, 'k', C::Up),
    key(S::Chooser, KeyCode::Down, C::Down),
    ch(S::Chooser, 'j', C::Down),
    key(S::Chooser, KeyCode::Esc, C::Back),
    key(S::Approval, KeyCode::Enter, C::Submit),
    key(S::Approval, KeyCode::Esc, C::Back),
    key(S::Import, KeyCode::Enter, C::Submit),
    key(S::Import, KeyCode::Esc, C::Back),
    key(S::ImportRunning, KeyCode::Esc, C::Back),
];

/// The digits that select the tabs, in registry order: `1`…`9`, then `0` for a
/// tenth.
pub const TAB_DIGITS: [char; 10] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/// The digit of `tab` (none past the tenth).
pub fn tab_digit(tab: crate::component::Tab) -> Option<char> {
    let index = tabs::ALL.iter().position(|&t| t == tab)?;
    TAB_DIGITS.get(index).copied()
}

/// `1`…`9`, `0`: the tabs in registry order.
pub fn tab_digits() -> Vec<KeyBinding> {
    tabs::ALL
        .iter()
        .zip(TAB_DIGITS)
        .map(|(&tab, digit)| ch(S::Tabs, digit, C::ShowTab(tab)))
        .collect()
}

/// Every binding of `scope`, in order.
pub fn bindings(scope: Scope) -> Vec<KeyBinding> {
    let mut bound: Vec<KeyBinding> = BINDINGS
        .iter()
        .copied()
        .filter(|b| b.scope == scope)
        .collect();
    match scope {
        // The digits go between `S` and Tab.
        S::Tabs => {
            let digits = tab_digits();
            bound.splice(1..1, digits);
        }
        S::Tab(tab) => bound.extend_from_slice(tabs::keys(tab)),
        S::Dialog { tab, .. } => bound.extend(
            tabs::dialog_keys(tab)
                .iter()
                .filter(|b| b.scope == scope)
                .copied(),
        ),
        _ => {}
    }
    bound
}

/// The bindings live in `scopes` (most specific first), without those shadowed by
/// a more specific binding of the same key.
pub fn live_bindings(scopes: &[Scope]) -> Vec<KeyBinding> {
    let mut live: Vec<KeyBinding> = Vec::new();
    for &scope in scopes {
        for binding in bindings(scope) {
            if !live
                .iter()
                .any(|b| b.code == binding.code && b.modifiers == binding.modifiers)
            {
                live.push(binding);
            }
        }
    }
    live
}

/// What a key press does in `scopes`: a command, a typed character (in a form),
/// or nothing.
pub fn action_for(event: KeyEvent, scopes: &[Scope]) -> Option<Action> {
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
    // Terminals report Shift-Tab as BackTab, some with Shift set as well.
    if event.code == KeyCode::BackTab {
        modifiers.remove(KeyModifiers::SHIFT);
    }
    let bound = live_bindings(scopes)
        .into_iter()
        .find(|b| b.code == event.code && b.modifiers == modifiers)
        .map(|b| Action::Command(b.command));
    if bound.is_some() {
        return bound;
    }
    match event.code {
        KeyCode::Char(c)
            if scopes.contains(&Scope::Form)
                && !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::Input(c))
        }
        _ => None,
    }
}

/// How a binding is written on screen: "q", "Ctrl-C", "Esc", "F5", "↑".
pub fn key_label(binding: &KeyBinding) -> String {
    let key = match binding.code {
        KeyCode::Char(c) if binding.modifiers.contains(KeyModifiers::CONTROL) => {
            c.to_ascii_uppercase().to_string()
        }
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if binding.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{key}")
    } else {
        key
    }
}

/// One help line: every live key for a command (or for commands sharing a
/// description, like the tab digits), and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub command: Command,
    pub keys: String,
    pub description: &'static str,
}

/// The help overlay's content for `scopes`, one line per thing to do.
pub fn help_lines(scopes: &[Scope]) -> Vec<HelpLine> {
    let mut lines = merged_help_lines(scopes);
    for line in &mut lines {
        line.keys = digit_range(&line.keys).unwrap_or_else(|| line.keys.clone());
    }
    lines
}

/// "1, 2, 3, 4" as "1–4", so the tab digits do not widen the key column.
fn digit_range(keys: &str) -> Option<String> {
    let digits: Vec<u32> = keys
        .split(", ")
        .map(|k| {
            let mut chars = k.chars();
            match (chars.next().and_then(|c| c.to_digit(10)), chars.next()) {
                // `0` is the tenth tab's digit, after 9.
                (Some(0), None) => Some(10),
                (Some(d), None) => Some(d),
                _ => None,
            }
        })
        .collect::<Option<_>>()?;
    let consecutive = digits.windows(2).all(|w| w[1] == w[0] + 1);
    let (first, last) = (digits[0], digits[digits.len() - 1]);
    (digits.len() > 2 && consecutive).then(|| match last {
        10 => format!("{first}–9, 0"),
        _ => format!("{first}–{last}"),
    })
}

fn merged_help_lines(scopes: &[Scope]) -> Vec<HelpLine> {
    let mut lines: Vec<HelpLine> = Vec::new();
    for binding in live_bindings(scopes) {
        let description = binding.command.description();
        let label = key_label(&binding);
        match lines.iter_mut().find(|l| l.description == description) {
            Some(line) => {
                line.keys.push_str(", ");
                line.keys.push_str(&label);
            }
            None => lines.push(HelpLine {
                command: binding.command,
                keys: label,
                description,
            }),
        }
    }
    lines
}

/// The footer for `scopes`: the first live key of each labelled command, most
/// specific first (the UI shows as many as fit).
pub fn footer_hints(scopes: &[Scope]) -> Vec<(Command, String, &'static str)> {
    let mut hints: Vec<(Command, String, &'static str)> = Vec::new();
    for binding in live_bindings(scopes) {
        if let Some(label) = binding.command.label()
            && !hints.iter().any(|(c, ..)| *c == binding.command)
        {
            hints.push((binding.command, key_label(&binding), label));
        }
    }
    hints
}

#[cfg(test)]
mod tests;
