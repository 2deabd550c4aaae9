use std::collections::HashSet;

use super::*;
use crate::tabs::{audit, connections, history, jobs, lockouts, playlists, sessions, stats, users};

const ALL_SCOPES: [Scope; 21] = [
    Scope::Always,
    Scope::Screen,
    Scope::Tabs,
    Scope::List,
    Scope::Tab(sessions::TAB),
    Scope::Tab(users::TAB),
    Scope::Tab(lockouts::TAB),
    Scope::Tab(audit::TAB),
    Scope::Tab(connections::TAB),
    Scope::Tab(jobs::TAB),
    Scope::Tab(history::TAB),
    Scope::Tab(stats::TAB),
    Scope::Tab(playlists::TAB),
    playlists::EDITOR,
    playlists::REVIEWER,
    Scope::Form,
    Scope::Confirm,
    Scope::Chooser,
    Scope::Approval,
    Scope::Import,
    Scope::ImportRunning,
];

fn press(code: KeyCode, modifiers: KeyModifiers, scopes: &[Scope]) -> Option<Action> {
    action_for(KeyEvent::new(code, modifiers), scopes)
}

fn command(c: Command) -> Option<Action> {
    Some(Action::Command(c))
}

const SESSIONS: &[Scope] = &[
    Scope::Tab(sessions::TAB),
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];
const USERS: &[Scope] = &[
    Scope::Tab(users::TAB),
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];
const FORM: &[Scope] = &[Scope::Form, Scope::Always];

#[test]
fn no_key_is_bound_twice_in_one_scope() {
    let mut seen = HashSet::new();
    for b in ALL_SCOPES.into_iter().flat_map(bindings) {
        assert!(
            seen.insert((b.scope, b.code, b.modifiers)),
            "{b:?} bound twice"
        );
    }
}

#[test]
fn every_binding_dispatches_to_its_command_in_its_own_scope() {
    for binding in ALL_SCOPES.into_iter().flat_map(bindings) {
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
        command(Command::Tab(users::CHANGE_ROLE))
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
        command(Command::ShowTab(sessions::TAB))
    );
    assert_eq!(
        press(KeyCode::Char('d'), KeyModifiers::NONE, SESSIONS),
        command(Command::Tab(sessions::REVOKE))
    );
    assert_eq!(
        press(KeyCode::Char('S'), KeyModifiers::SHIFT, SESSIONS),
        command(Command::SignOut)
    );
    assert_eq!(
        press(KeyCode::Delete, KeyModifiers::NONE, USERS),
        command(Command::Tab(users::DELETE_USER))
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
    assert_eq!(tabs.keys, "1–9, 0", "the tenth tab is 0");
    let down = lines.iter().find(|l| l.command == Command::Down).unwrap();
    assert_eq!(down.keys, "↓, j");
}

#[test]
fn tab_digits_follow_the_tab_order() {
    for (number, &tab) in (1..).zip(crate::tabs::ALL) {
        let digit = char::from_digit(number % 10, 10).unwrap();
        assert_eq!(
            press(KeyCode::Char(digit), KeyModifiers::NONE, &[Scope::Tabs]),
            command(Command::ShowTab(tab)),
            "{tab:?}"
        );
    }
}

const CONNECTIONS: &[Scope] = &[
    Scope::Tab(connections::TAB),
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];
const JOBS: &[Scope] = &[
    Scope::Tab(jobs::TAB),
    Scope::List,
    Scope::Tabs,
    Scope::Screen,
    Scope::Always,
];

#[test]
fn the_sync_tabs_keys_do_not_take_refresh_or_quit() {
    let key = |c, scopes| press(KeyCode::Char(c), KeyModifiers::NONE, scopes);
    assert_eq!(
        key('c', CONNECTIONS),
        command(Command::Tab(connections::CONNECT))
    );
    assert_eq!(
        key('d', CONNECTIONS),
        command(Command::Tab(connections::DISCONNECT))
    );
    assert_eq!(
        key('s', CONNECTIONS),
        command(Command::Tab(connections::TOGGLE_SUBMISSION))
    );
    assert_eq!(key('n', JOBS), command(Command::Tab(jobs::RUN_JOB)));
    assert_eq!(key('x', JOBS), command(Command::Tab(jobs::CANCEL_JOB)));
    let history = &[
        Scope::Tab(history::TAB),
        Scope::List,
        Scope::Tabs,
        Scope::Screen,
    ];
    assert_eq!(key('/', history), command(Command::Tab(history::SEARCH)));
    assert_eq!(key('f', history), command(Command::Tab(history::FILTER)));
    assert_eq!(
        key('g', history),
        command(Command::Tab(history::JUMP_TO_DATE))
    );
    assert_eq!(
        key('c', history),
        command(Command::Tab(history::CLEAR_FILTERS))
    );
    assert_eq!(key('i', history), command(Command::Tab(history::IMPORT)));
    assert_eq!(
        press(KeyCode::Enter, KeyModifiers::NONE, history),
        command(Command::Tab(history::DETAILS))
    );
    assert_eq!(
        press(KeyCode::Home, KeyModifiers::NONE, history),
        command(Command::Tab(history::NEWEST))
    );
    assert_eq!(key('r', history), command(Command::Refresh));
    let stats = &[Scope::Tab(stats::TAB), Scope::Tabs, Scope::Screen];
    assert_eq!(key('w', stats), command(Command::Tab(stats::PERIOD_WEEK)));
    assert_eq!(key('m', stats), command(Command::Tab(stats::PERIOD_MONTH)));
    assert_eq!(key('y', stats), command(Command::Tab(stats::PERIOD_YEAR)));
    assert_eq!(
        key('a', stats),
        command(Command::Tab(stats::PERIOD_ALL_TIME))
    );
    assert_eq!(key('p', stats), command(Command::Tab(stats::NEXT_PERIOD)));
    assert_eq!(key('6', stats), command(Command::ShowTab(stats::TAB)));
    assert_eq!(key('r', stats), command(Command::Refresh));
    for scopes in [CONNECTIONS, JOBS] {
        assert_eq!(key('r', scopes), command(Command::Refresh));
        assert_eq!(key('q', scopes), command(Command::Quit));
        assert_eq!(key('S', scopes), command(Command::SignOut));
    }
    let hints = footer_hints(JOBS);
    assert_eq!(
        hints[0],
        (Command::Tab(jobs::RUN_JOB), "n".into(), "sync now")
    );
    assert_eq!(
        hints[1],
        (
            Command::Tab(jobs::SYNC_EVERYTHING),
            "N".into(),
            "sync all history"
        )
    );
    assert_eq!(
        hints[2],
        (Command::Tab(jobs::CANCEL_JOB), "x".into(), "cancel")
    );
    // The Last.fm approval: Enter confirms, Esc cancels, letters do nothing.
    let approval = &[Scope::Approval, Scope::Always];
    assert_eq!(
        press(KeyCode::Enter, KeyModifiers::NONE, approval),
        command(Command::Submit)
    );
    assert_eq!(key('q', approval), None);
}

#[test]
fn footer_starts_with_the_screen_specific_keys() {
    let hints = footer_hints(SESSIONS);
    assert_eq!(
        hints[0],
        (Command::Tab(sessions::REVOKE), "d".into(), "revoke")
    );
    assert_eq!(
        hints[1],
        (
            Command::Tab(sessions::REVOKE_OTHERS),
            "o".into(),
            "revoke others"
        )
    );
    assert!(hints.contains(&(Command::Quit, "q".into(), "quit")));
    assert!(
        !hints.iter().any(|(_, k, _)| k == "Ctrl-C"),
        "quit is already shown as q"
    );
}
