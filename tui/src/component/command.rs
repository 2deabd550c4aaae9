//! What a user can ask for, and where: the [`Command`]s keys are bound to, the
//! [`Scope`]s bindings belong to, and the [`KeyBinding`] itself. A tab's own keys
//! are [`TabKey`]s it declares in its folder (with their footer label and help
//! line), bound in [`Scope::Tab`]; the shell's and the dialogs' keys are the other
//! commands, bound in `keymap`.

use crossterm::event::{KeyCode, KeyModifiers};

/// A tab as the tab bar and the digits know it; each tab's folder declares its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tab {
    pub title: &'static str,
    /// For a tab bar too narrow for every title (admins at 80 columns).
    pub short_title: &'static str,
    /// Shown to admins and owners only (the daemon enforces it regardless).
    pub admin_only: bool,
}

/// A tab's own command (a key on its screen): what the footer and the help say of
/// it. Tabs match on the constants they declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TabKey {
    /// A word or two for the footer; `None` keeps it out of the footer.
    pub label: Option<&'static str>,
    /// One line for the help screen.
    pub description: &'static str,
}

/// What a user can ask for. The keymap binds keys to these; the footer and the
/// help screen are generated from the bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    /// Close whatever is open on top (help, a dialog), or quit when nothing is.
    Back,
    Refresh,
    ToggleHelp,
    ShowTab(Tab),
    NextTab,
    SignOut,
    Up,
    Down,
    PageUp,
    PageDown,
    /// A key of the tab on screen.
    Tab(TabKey),
    NextField,
    PrevField,
    SwitchMethod,
    DeleteChar,
    Submit,
    Yes,
    No,
}

impl Command {
    /// A word or two for the footer; `None` keeps it out of the footer (help
    /// still lists it).
    pub fn label(self) -> Option<&'static str> {
        Some(match self {
            Command::Quit => "quit",
            Command::Back => "back",
            Command::Refresh => "refresh",
            Command::ToggleHelp => "help",
            Command::SignOut => "sign out",
            Command::Tab(key) => return key.label,
            Command::NextField => "next field",
            Command::SwitchMethod => "method",
            Command::Submit => "submit",
            Command::Yes => "yes",
            Command::No => "no",
            Command::ShowTab(_)
            | Command::NextTab
            | Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::PrevField
            | Command::DeleteChar => return None,
        })
    }

    /// One line for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "quit spotter (the daemon keeps running)",
            Command::Back => "close what is open, or quit",
            Command::Refresh => "refresh now; retry reaching the daemon",
            Command::ToggleHelp => "show or hide this help",
            Command::ShowTab(_) => "switch to that tab",
            Command::NextTab => "next tab",
            Command::SignOut => "sign out of this session",
            Command::Up => "select the row above",
            Command::Down => "select the row below (loads older rows at the end)",
            Command::PageUp => "up one page",
            Command::PageDown => "down one page (loads older rows at the end)",
            Command::Tab(key) => key.description,
            Command::NextField => "next field",
            Command::PrevField => "previous field",
            Command::SwitchMethod => "switch Local / Navidrome (on the method field)",
            Command::DeleteChar => "delete the last character",
            Command::Submit => "submit",
            Command::Yes => "yes, do it",
            Command::No => "no, cancel",
        }
    }
}

/// The groups of keys that can be live. The app says which are live right now,
/// most specific first; the keymap binds keys per scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Live everywhere, even while typing (Ctrl-C).
    Always,
    /// Any screen that is not taking typed text.
    Screen,
    /// The signed-in screens: switching tabs, signing out.
    Tabs,
    /// Moving through a list.
    List,
    /// The keys a tab declares for itself.
    Tab(Tab),
    /// The keys a tab declares for one of its dialogs (`dialog` names it), beside
    /// the generic dialog keys (a playlist's editor, the review screen).
    Dialog {
        tab: Tab,
        dialog: &'static str,
    },
    /// A form taking typed text; unbound characters are typed into it.
    Form,
    Confirm,
    Chooser,
    /// A browser approval waiting for the user to say it is done (Last.fm).
    Approval,
    /// The import dialog when it has finished (Enter or Esc closes).
    Import,
    /// The import dialog while the import runs (Esc cancels it).
    ImportRunning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBinding {
    pub scope: Scope,
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub command: Command,
}

pub const fn key(scope: Scope, code: KeyCode, command: Command) -> KeyBinding {
    KeyBinding {
        scope,
        code,
        modifiers: KeyModifiers::NONE,
        command,
    }
}

pub const fn ch(scope: Scope, c: char, command: Command) -> KeyBinding {
    key(scope, KeyCode::Char(c), command)
}

pub const fn ctrl(scope: Scope, c: char, command: Command) -> KeyBinding {
    KeyBinding {
        scope,
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
        command,
    }
}

/// A tab's own key `c` for `key`.
pub const fn tab_ch(tab: Tab, c: char, key: TabKey) -> KeyBinding {
    ch(Scope::Tab(tab), c, Command::Tab(key))
}

/// A tab's own key `code` for `key`.
pub const fn tab_key(tab: Tab, code: KeyCode, key: TabKey) -> KeyBinding {
    self::key(Scope::Tab(tab), code, Command::Tab(key))
}

/// A key `c` of a tab's dialog, in `scope` (a [`Scope::Dialog`]).
pub const fn dialog_ch(scope: Scope, c: char, key: TabKey) -> KeyBinding {
    ch(scope, c, Command::Tab(key))
}
