use std::collections::HashSet;

use super::*;

const ALL_SCOPES: [Scope; 11] = [
    Scope::Always,
    Scope::Screen,
    Scope::Tabs,
    Scope::List,
    Scope::Sessions,
    Scope::Users,
    Scope::Lockouts,
    Scope::Audit,
    Scope::Form,
    Scope::Confirm,
    Scope::Chooser,
];

fn press(code: KeyCode, modifiers: KeyModifiers, scopes: &[Scope]) -> Option<Action> {
    action_for(KeyEvent::new(code, modifiers), scopes)
}

fn command(c: Command) -> Option<Action> {
    Some(Action::Command(c))
}

const SESSIONS: &[Scope] = &[
    Scope::Sessions,
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];
const USERS: &[Scope] = &[
    Scope::Users,
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];
const FORM: &[Scope] = &[Scope::Form, Scope::Always];

#[test]
fn no_key_is_bound_twice_in_one_scope() {
    let mut seen = HashSet::new();
    for b in BINDINGS {
        assert!(
            seen.insert((b.scope, b.code, b.modifiers)),
            "{b:?} bound twice"
        );
    }
}

#[test]
fn every_binding_dispatches_to_its_command_in_its_own_scope() {
    for binding in BINDINGS {
        let scopes = [binding.scope];
        let event = KeyEvent::new(binding.code, binding.modifiers);
        assert_eq!(
            action_for(event, &scopes),
            command(binding.command),
            "{binding:?}"
        );
    }
}

#[test]
fn every_scope_has_help_and_every_command_a_description() {
    for scope in ALL_SCOPES {
        let lines = help_lines(&[scope]);
        assert!(!lines.is_empty(), "{scope:?} has no keys");
        for line in lines {
            assert!(!line.keys.is_empty() && !line.description.is_empty());
        }
    }
}

#[test]
fn specific_scopes_shadow_general_ones() {
    assert_eq!(
        press(KeyCode::Char('r'), KeyModifiers::NONE, USERS),
        command(Command::ChangeRole)
    );
    assert_eq!(
        press(KeyCode::Char('r'), KeyModifiers::NONE, SESSIONS),
        command(Command::Refresh)
    );
    // Refresh is still reachable on Users, and the footer says how.
    assert_eq!(
        press(KeyCode::F(5), KeyModifiers::NONE, USERS),
        command(Command::Refresh)
    );
    assert!(footer_hints(USERS).contains(&(Command::Refresh, "F5".into(), "refresh")));
}

#[test]
fn forms_take_letters_as_text_but_ctrl_c_still_quits() {
    assert_eq!(
        press(KeyCode::Char('q'), KeyModifiers::NONE, FORM),
        Some(Action::Input('q'))
    );
    assert_eq!(
        press(KeyCode::Char('A'), KeyModifiers::SHIFT, FORM),
        Some(Action::Input('A'))
    );
    assert_eq!(
        press(KeyCode::Char('c'), KeyModifiers::CONTROL, FORM),
        command(Command::Quit)
    );
    assert_eq!(
        press(KeyCode::Enter, KeyModifiers::NONE, FORM),
        command(Command::Submit)
    );
    assert_eq!(
        press(KeyCode::BackTab, KeyModifiers::SHIFT, FORM),
        command(Command::PrevField)
    );
    // Outside forms, unbound letters do nothing.
    assert_eq!(
        press(KeyCode::Char('z'), KeyModifiers::NONE, SESSIONS),
        None
    );
}

#[test]
fn documented_keys_work() {
    let screen = &[Scope::Screen, Scope::Always];
    assert_eq!(
        press(KeyCode::Char('q'), KeyModifiers::NONE, screen),
        command(Command::Quit)
    );
    assert_eq!(
        press(KeyCode::Esc, KeyModifiers::NONE, screen),
        command(Command::Back)
    );
    assert_eq!(
        press(KeyCode::Char('?'), KeyModifiers::SHIFT, screen),
        command(Command::ToggleHelp)
    );
    assert_eq!(
        press(KeyCode::Char('2'), KeyModifiers::NONE, SESSIONS),
        command(Command::ShowTab(Tab::Sessions))
    );
    assert_eq!(
        press(KeyCode::Char('d'), KeyModifiers::NONE, SESSIONS),
        command(Command::Revoke)
    );
    assert_eq!(
        press(KeyCode::Char('S'), KeyModifiers::SHIFT, SESSIONS),
        command(Command::SignOut)
    );
    assert_eq!(
        press(KeyCode::Delete, KeyModifiers::NONE, USERS),
        command(Command::DeleteUser)
    );
    let confirm = &[Scope::Confirm, Scope::Always];
    assert_eq!(
        press(KeyCode::Char('y'), KeyModifiers::NONE, confirm),
        command(Command::Yes)
    );
    assert_eq!(
        press(KeyCode::Esc, KeyModifiers::NONE, confirm),
        command(Command::No)
    );
}

#[test]
fn help_merges_keys_of_one_command_and_of_the_tab_digits() {
    let lines = help_lines(SESSIONS);
    let quit = lines.iter().find(|l| l.command == Command::Quit).unwrap();
    assert_eq!(quit.keys, "q, Ctrl-C");
    let tabs = lines
        .iter()
        .find(|l| matches!(l.command, Command::ShowTab(_)))
        .unwrap();
    assert_eq!(tabs.keys, "1, 2, 3, 4, 5");
    let down = lines.iter().find(|l| l.command == Command::Down).unwrap();
    assert_eq!(down.keys, "↓, j");
}

#[test]
fn footer_starts_with_the_screen_specific_keys() {
    let hints = footer_hints(SESSIONS);
    assert_eq!(hints[0], (Command::Revoke, "d".into(), "revoke"));
    assert_eq!(
        hints[1],
        (Command::RevokeOthers, "o".into(), "revoke others")
    );
    assert!(hints.contains(&(Command::Quit, "q".into(), "quit")));
    assert!(
        !hints.iter().any(|(_, k, _)| k == "Ctrl-C"),
        "quit is already shown as q"
    );
}
