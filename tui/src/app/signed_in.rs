//! Behind sign-in: the tabs (which exist for whom, switching, loading), the status
//! line, and the token refresh bookkeeping (one refresh at a time; calls refused
//! with UNAUTHENTICATED wait for it and are retried once).

use spotter_proto::v1::{AuditEvent, Connection, Lockout, Session, User};

use super::{
    Command, Effect, Scope,
    auth::{Identity, REFRESH_MARGIN_SECONDS},
    calls::{Call, CallError},
    dialogs::Overlay,
    history::{HistoryView, import::ImportPhase},
    jobs::JobsView,
    live::LiveState,
    rows::Rows,
    stats::StatsState,
};
use crate::{dates::Zone, problem::Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Status,
    Sessions,
    Connections,
    Jobs,
    History,
    Stats,
    Users,
    Lockouts,
    Audit,
}

impl Tab {
    /// Everyone's tabs first, so their digits are the same for every role.
    pub const ALL: [Tab; 9] = [
        Tab::Status,
        Tab::Sessions,
        Tab::Connections,
        Tab::Jobs,
        Tab::History,
        Tab::Stats,
        Tab::Users,
        Tab::Lockouts,
        Tab::Audit,
    ];

    /// The digit that selects it (and is shown in the tab bar).
    pub fn number(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0) + 1
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::Status => "Status",
            Tab::Sessions => "Sessions",
            Tab::Connections => "Connections",
            Tab::Jobs => "Jobs",
            Tab::History => "History",
            Tab::Stats => "Stats",
            Tab::Users => "Users",
            Tab::Lockouts => "Lockouts",
            Tab::Audit => "Audit",
        }
    }

    /// For a tab bar too narrow for every title (admins at 80 columns).
    pub fn short_title(self) -> &'static str {
        match self {
            Tab::Sessions => "Sess",
            Tab::Connections => "Conn",
            Tab::History => "Hist",
            Tab::Lockouts => "Locks",
            other => other.title(),
        }
    }

    /// Shown to admins and owners only (the daemon enforces it regardless).
    pub fn admin_only(self) -> bool {
        matches!(self, Tab::Users | Tab::Lockouts | Tab::Audit)
    }
}

/// "owner", "admin" or "user", for the tab bar and messages.
pub fn role_name_of(identity: &Identity) -> &'static str {
    role_name(identity.role())
}

pub use super::lists::role_name;

/// One line of feedback under the screen: what an action did, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Unix seconds when it goes away by itself (notices from live events); the
    /// outcome of a key stays until the next key.
    pub until: Option<i64>,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: false,
            until: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            text: text.into(),
            error: true,
            until: None,
        }
    }

    pub fn transient(text: impl Into<String>, error: bool, until: i64) -> Self {
        Notice {
            text: text.into(),
            error,
            until: Some(until),
        }
    }
}

/// What a key did beyond effects: quitting, or signing out (the app then shows
/// the sign-in form).
#[derive(Debug, Default)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub quit: bool,
    pub signed_out: bool,
}

impl From<Vec<Effect>> for Outcome {
    fn from(effects: Vec<Effect>) -> Self {
        Outcome {
            effects,
            ..Outcome::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Main {
    pub identity: Identity,
    pub tab: Tab,
    pub sessions: Rows<Session>,
    pub users: Rows<User>,
    /// The Users filter in force.
    pub user_query: String,
    pub lockouts: Rows<Lockout>,
    pub audit: Rows<AuditEvent>,
    pub connections: Rows<Connection>,
    pub jobs: JobsView,
    pub history: HistoryView,
    pub stats: StatsState,
    /// Local time, for the dates typed into the History tab's forms.
    pub zone: Zone,
    /// Whether live events arrive (the Jobs tab says so, and polls without them).
    pub live: LiveState,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    refresh_in_flight: bool,
    /// Calls refused with UNAUTHENTICATED, retried once the refresh lands.
    retry: Vec<Call>,
    /// Numbers the imports started, so a cancelled one's last words are ignored.
    pub(super) import_seq: u64,
}

impl Main {
    pub fn new(identity: Identity) -> Self {
        Main {
            identity,
            tab: Tab::Status,
            sessions: Rows::default(),
            users: Rows::default(),
            user_query: String::new(),
            lockouts: Rows::default(),
            audit: Rows::default(),
            connections: Rows::default(),
            jobs: JobsView::default(),
            history: HistoryView::default(),
            stats: StatsState::default(),
            zone: Zone::Utc,
            live: LiveState::Connecting,
            overlay: None,
            notice: None,
            refresh_in_flight: false,
            retry: Vec::new(),
            import_seq: 0,
        }
    }

    /// Sets where local time is (for dates typed in, and the Stats tab's local
    /// days), as of `now`.
    pub fn in_zone(mut self, zone: Zone, now: i64) -> Self {
        self.zone = zone;
        self.stats = StatsState::new(zone.offset_minutes(now));
        self
    }

    /// The tabs this user has, in order.
    pub fn tabs(&self) -> Vec<Tab> {
        let admin = self.identity.is_admin();
        Tab::ALL
            .into_iter()
            .filter(|t| admin || !t.admin_only())
            .collect()
    }

    pub fn key_scopes(&self) -> Vec<Scope> {
        match &self.overlay {
            Some(Overlay::Confirm(_)) => return vec![Scope::Confirm, Scope::Always],
            Some(Overlay::RoleChooser(_)) => return vec![Scope::Chooser, Scope::Always],
            // Last.fm: nothing to type, Enter confirms the approval.
            Some(Overlay::Approval(approval)) if !approval.wants_paste() => {
                return vec![Scope::Approval, Scope::Always];
            }
            Some(Overlay::Import(dialog)) if dialog.running() => {
                return vec![Scope::ImportRunning, Scope::Always];
            }
            Some(Overlay::Import(dialog)) if dialog.phase != ImportPhase::Choosing => {
                return vec![Scope::Import, Scope::Always];
            }
            Some(
                Overlay::NewUser(_)
                | Overlay::NavidromeAccount { .. }
                | Overlay::Filter(_)
                | Overlay::Approval(_)
                | Overlay::Connect(_)
                | Overlay::Search(_)
                | Overlay::HistoryFilter(_)
                | Overlay::JumpToDate(_)
                | Overlay::Import(_),
            ) => {
                return vec![Scope::Form, Scope::Always];
            }
            None => {}
        }
        let specific: &[Scope] = match self.tab {
            Tab::Status => &[],
            Tab::Sessions => &[Scope::Sessions, Scope::List],
            Tab::Connections => &[Scope::Connections, Scope::List],
            Tab::Jobs => &[Scope::Jobs, Scope::List],
            Tab::History => &[Scope::History, Scope::List],
            Tab::Stats => &[Scope::Stats],
            Tab::Users => &[Scope::Users, Scope::List],
            Tab::Lockouts => &[Scope::Lockouts, Scope::List],
            Tab::Audit => &[Scope::Audit, Scope::List],
        };
        let mut scopes = specific.to_vec();
        scopes.extend([Scope::Tabs, Scope::Screen, Scope::Always]);
        scopes
    }

    pub fn command(&mut self, command: Command) -> Outcome {
        if self.overlay.is_some() {
            return self.overlay_command(command);
        }
        match command {
            Command::Back if self.close_details() => Outcome::default(),
            Command::Back => Outcome {
                quit: true,
                ..Outcome::default()
            },
            Command::ShowTab(tab) if self.tabs().contains(&tab) => self.show(tab).into(),
            Command::ShowTab(_) => Outcome::default(),
            Command::NextTab => {
                let tabs = self.tabs();
                let here = tabs.iter().position(|&t| t == self.tab).unwrap_or(0);
                self.show(tabs[(here + 1) % tabs.len()]).into()
            }
            Command::SignOut => Outcome {
                effects: vec![Effect::SignOut],
                signed_out: true,
                ..Outcome::default()
            },
            other => self.tab_command(other),
        }
    }

    pub fn input(&mut self, c: char) {
        self.overlay_input(c);
    }

    /// After typing or pasting: the search box follows what was typed.
    pub fn after_input(&mut self) -> Vec<Effect> {
        self.search_changed()
    }

    fn show(&mut self, tab: Tab) -> Vec<Effect> {
        self.tab = tab;
        self.notice = None;
        if tab == Tab::History {
            return self.enter_history();
        }
        self.reload_tab()
    }

    /// Loads the shown tab afresh (the Status tab follows the status ticks).
    pub(super) fn reload_tab(&mut self) -> Vec<Effect> {
        let call = match self.tab {
            Tab::Status => return Vec::new(),
            Tab::Sessions => Call::ListSessions,
            Tab::Connections => Call::ListConnections,
            Tab::Jobs => Call::ListJobs,
            Tab::History => return self.reload_history(),
            Tab::Stats => return self.fetch_stats(),
            Tab::Users => Call::ListUsers {
                query: self.user_query.clone(),
                after_id: 0,
            },
            Tab::Lockouts => Call::ListLockouts,
            Tab::Audit => Call::ListAuditEvents { before_id: 0 },
        };
        vec![self.call(call)]
    }

    /// Starts a call, marking the list it fills as loading.
    pub(super) fn call(&mut self, call: Call) -> Effect {
        self.set_loading(&call, true);
        Effect::Call {
            call,
            retried: false,
        }
    }

    pub(super) fn set_loading(&mut self, call: &Call, loading: bool) {
        match call {
            Call::ListSessions => self.sessions.loading = loading,
            Call::ListUsers { .. } => self.users.loading = loading,
            Call::ListLockouts => self.lockouts.loading = loading,
            Call::ListAuditEvents { .. } => self.audit.loading = loading,
            Call::ListConnections => self.connections.loading = loading,
            Call::ListJobs => self.jobs.rows.loading = loading,
            Call::GetListenSummary => self.history.summary_loading = loading,
            _ => {}
        }
    }

    pub(super) fn needs_refresh(&mut self, call: Call) -> Vec<Effect> {
        self.retry.push(call);
        self.start_refresh()
    }

    pub(super) fn refresh_if_due(&mut self, now: i64) -> Vec<Effect> {
        if now + REFRESH_MARGIN_SECONDS >= self.identity.access_expires_at {
            self.start_refresh()
        } else {
            Vec::new()
        }
    }

    pub(super) fn start_refresh(&mut self) -> Vec<Effect> {
        if self.refresh_in_flight {
            return Vec::new();
        }
        self.refresh_in_flight = true;
        vec![Effect::RefreshTokens]
    }

    pub(super) fn tokens_refreshed(&mut self, identity: Identity) -> Vec<Effect> {
        self.refresh_in_flight = false;
        self.identity = identity;
        // A demotion shows up here: leave tabs the user no longer has.
        if !self.tabs().contains(&self.tab) {
            self.tab = Tab::Status;
        }
        self.retry
            .drain(..)
            .map(|call| Effect::Call {
                call,
                retried: true,
            })
            .collect()
    }

    /// The refresh could not reach the daemon: the waiting calls fail now, the next
    /// tick tries again.
    pub(super) fn refresh_unavailable(&mut self, problem: &Problem) -> Vec<Effect> {
        self.refresh_in_flight = false;
        let mut effects = Vec::new();
        for call in std::mem::take(&mut self.retry) {
            effects.extend(self.call_failed(call, CallError::Unreachable(problem.reason.clone())));
        }
        effects
    }
}
