//! Authenticated calls as plain data: what the app asks for ([`Call`]), what comes
//! back ([`Reply`]) and how a call can fail ([`CallError`]). The client turns a
//! `Call` into the RPC (adding the access token); the app never sees a token.

use spotter_proto::v1::{
    AuditEvent, Connection, Job, JobKind, JobRun, ListListensRequest, Listen, ListenDetails,
    Lockout, Provider, Role, Session, StatsSubject, User,
};

use super::{
    connect::ApprovalStart, history::ListenSummary, jobs::job_name, providers::name,
    stats::PeriodChoice, stats_tab::StatsAnswer,
};
use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListSessions,
    RevokeSession {
        session_id: String,
    },
    RevokeOtherSessions,
    /// `after_id` 0 is the first page.
    ListUsers {
        query: String,
        after_id: i64,
    },
    CreateUser {
        username: String,
        password: Secret,
    },
    SetUserRole {
        user_id: i64,
        role: Role,
    },
    SetUserDisabled {
        user_id: i64,
        disabled: bool,
    },
    /// `name` empty: the user's own name only.
    SetNavidromeAccount {
        user_id: i64,
        name: String,
    },
    DeleteUser {
        user_id: i64,
        username: String,
    },
    ListLockouts,
    ClearLockout {
        id: String,
    },
    /// `before_id` 0 is the newest page.
    ListAuditEvents {
        before_id: i64,
    },
    ListConnections,
    /// Spotify and Last.fm: asks for the address the user approves spotter at.
    BeginConnect {
        provider: Provider,
    },
    /// Finishes a browser approval. Spotify: `redirected_url` is the pasted address
    /// (it carries the one-time code, hence a secret); Last.fm: empty.
    CompleteConnect {
        provider: Provider,
        flow_id: String,
        redirected_url: Secret,
    },
    ConnectListenBrainz {
        token: Secret,
    },
    ConnectNavidrome {
        username: String,
        password: Secret,
    },
    Disconnect {
        provider: Provider,
    },
    SetListenSubmission {
        enabled: bool,
    },
    ListJobs,
    RunJob {
        kind: JobKind,
        /// History from each source's very first listen.
        everything: bool,
    },
    CancelJob {
        kind: JobKind,
    },
    /// A page of the history browser: `page` of the list started as
    /// `generation` (both only travel back with the answer).
    ListListens {
        generation: u64,
        page: usize,
        request: ListListensRequest,
    },
    GetListen {
        id: i64,
    },
    GetListenSummary,
    /// The Stats tab's calls, each for the period it was made for.
    StatsTop {
        period: PeriodChoice,
        subject: StatsSubject,
    },
    StatsActivity {
        period: PeriodChoice,
        utc_offset_minutes: i32,
    },
    StatsDiscoveries {
        period: PeriodChoice,
    },
    StatsSummary {
        period: PeriodChoice,
    },
}

impl Call {
    /// The start of the status line when it fails: "Could not load sessions".
    pub fn failure(&self) -> String {
        match self {
            Call::ListSessions => "Could not load sessions".into(),
            Call::RevokeSession { .. } => "Could not revoke the session".into(),
            Call::RevokeOtherSessions => "Could not revoke the other sessions".into(),
            Call::ListUsers { .. } => "Could not load users".into(),
            Call::CreateUser { username, .. } => format!("Could not create {username}"),
            Call::SetUserRole { .. } => "Could not change the role".into(),
            Call::SetUserDisabled { disabled: true, .. } => "Could not disable the user".into(),
            Call::SetUserDisabled { .. } => "Could not enable the user".into(),
            Call::SetNavidromeAccount { .. } => "Could not change the Navidrome account".into(),
            Call::DeleteUser { username, .. } => format!("Could not delete {username}"),
            Call::ListLockouts => "Could not load lockouts".into(),
            Call::ClearLockout { .. } => "Could not clear the lockout".into(),
            Call::ListAuditEvents { .. } => "Could not load the audit log".into(),
            Call::ListConnections => "Could not load the connections".into(),
            Call::BeginConnect { provider } | Call::CompleteConnect { provider, .. } => {
                format!("Could not connect {}", name(*provider))
            }
            Call::ConnectListenBrainz { .. } => "Could not connect ListenBrainz".into(),
            Call::ConnectNavidrome { .. } => "Could not connect Navidrome".into(),
            Call::Disconnect { provider } => format!("Could not disconnect {}", name(*provider)),
            Call::SetListenSubmission { .. } => "Could not change listen submission".into(),
            Call::ListJobs => "Could not load the jobs".into(),
            Call::RunJob { kind, .. } => format!("Could not start {}", job_name(*kind)),
            Call::CancelJob { kind } => format!("Could not cancel {}", job_name(*kind)),
            Call::ListListens { .. } => "Could not load listens".into(),
            Call::GetListen { .. } => "Could not load the listen".into(),
            Call::GetListenSummary => "Could not load the listen totals".into(),
            Call::StatsTop {
                subject: StatsSubject::Albums,
                ..
            } => "Could not load the top albums".into(),
            Call::StatsTop {
                subject: StatsSubject::Tracks,
                ..
            } => "Could not load the top tracks".into(),
            Call::StatsTop { .. } => "Could not load the top artists".into(),
            Call::StatsActivity { .. } => "Could not load the activity".into(),
            Call::StatsDiscoveries { .. } => "Could not load the discoveries".into(),
            Call::StatsSummary { .. } => "Could not load the totals".into(),
        }
    }
}

/// A successful answer, carrying whatever the app needs to place it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Sessions(Vec<Session>),
    SessionsRevoked {
        revoked: u32,
    },
    Users {
        query: String,
        after_id: i64,
        users: Vec<User>,
        next_after_id: i64,
    },
    UserCreated(User),
    UserUpdated(User),
    NavidromeAccountSet(User),
    UserDeleted {
        username: String,
    },
    Lockouts(Vec<Lockout>),
    LockoutCleared {
        cleared: bool,
    },
    AuditEvents {
        before_id: i64,
        events: Vec<AuditEvent>,
        next_before_id: i64,
    },
    Connections(Vec<Connection>),
    ConnectBegun(ApprovalStart),
    /// A connect call succeeded (any provider).
    Connected(Connection),
    SubmissionSet(Connection),
    Disconnected {
        provider: Provider,
        disconnected: bool,
    },
    Jobs {
        jobs: Vec<Job>,
        recent_runs: Vec<JobRun>,
    },
    JobStarted {
        kind: JobKind,
    },
    JobCancelled {
        kind: JobKind,
        cancelled: bool,
    },
    /// A page of `ListListens`, with what the call carried to place it.
    ListenPage {
        generation: u64,
        page: usize,
        listens: Vec<Listen>,
        next_cursor: String,
    },
    ListenDetails {
        id: i64,
        details: ListenDetails,
    },
    ListenSummary(ListenSummary),
    Stats {
        period: PeriodChoice,
        answer: StatsAnswer,
    },
}

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The access token was not accepted: refresh once and retry.
    Unauthenticated(String),
    /// The daemon refused (PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION, …).
    /// Its message is written for users, so it is shown as it is.
    Rejected { code: tonic::Code, message: String },
    /// The daemon could not be reached or did not answer.
    Unreachable(String),
}

impl CallError {
    /// One line for the status bar.
    pub fn text(&self) -> String {
        match self {
            CallError::Unauthenticated(message) => format!("not signed in: {message}"),
            CallError::Rejected { code, message } => rejection_text(*code, message),
            CallError::Unreachable(reason) => reason.clone(),
        }
    }
}

/// The daemon's own message, or a description of the code when it sent none.
pub fn rejection_text(code: tonic::Code, message: &str) -> String {
    if !message.is_empty() {
        return message.to_owned();
    }
    match code {
        tonic::Code::PermissionDenied => "permission denied".into(),
        tonic::Code::NotFound => "not found (it may already be gone)".into(),
        tonic::Code::FailedPrecondition => "not possible right now".into(),
        tonic::Code::ResourceExhausted => "too many attempts: wait and try again".into(),
        tonic::Code::InvalidArgument => "spotterd refused the request as invalid".into(),
        tonic::Code::AlreadyExists => "already exists (or already running)".into(),
        tonic::Code::Unavailable => "unavailable: try again later".into(),
        code => format!("spotterd answered {code:?}"),
    }
}
