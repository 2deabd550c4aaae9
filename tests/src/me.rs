//! One signed-in user of a daemon and the calls the sync, library and history tests
//! make as them: connecting providers, running jobs and waiting for them, and reading
//! back the connections, the summary and the listens.

use std::time::{Duration, Instant};

use spotter_proto::v1::{
    self, ConnectListenBrainzRequest, ConnectNavidromeRequest, JobKind, ListConnectionsRequest,
    Provider, RunJobRequest, SetNavidromeAccountRequest, job, job_run,
};
use tonic::Code;

use crate::Api;

/// The longest wait for a job: a run to start or finish, the scheduler to settle.
pub const JOB_DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

/// One signed-in user of a daemon: the API calls the tests make, as them.
pub struct Me<'a> {
    pub api: &'a Api,
    pub token: String,
    pub id: i64,
}

impl<'a> Me<'a> {
    pub fn new(api: &'a Api, session: &v1::SignInResponse) -> Self {
        Me {
            api,
            token: session.access_token.clone(),
            id: session.user.as_ref().expect("a user").id,
        }
    }

    /// Connects ListenBrainz with the user token `token`.
    pub async fn connect_lb(&self, token: &str) -> v1::Connection {
        self.api
            .connections_as(&self.token)
            .connect_listen_brainz(ConnectListenBrainzRequest {
                token: token.into(),
            })
            .await
            .expect("connect ListenBrainz")
            .into_inner()
    }

    /// Connects the Navidrome account `username`, which `admin_token`'s holder first
    /// allows this user to (it is not named like them).
    pub async fn connect_navidrome(
        &self,
        admin_token: &str,
        username: &str,
        password: &str,
    ) -> v1::Connection {
        self.api
            .admin_as(admin_token)
            .set_navidrome_account(SetNavidromeAccountRequest {
                user_id: self.id,
                navidrome_username: username.into(),
            })
            .await
            .expect("allow the Navidrome account");
        self.api
            .connections_as(&self.token)
            .connect_navidrome(ConnectNavidromeRequest {
                username: username.into(),
                password: password.into(),
            })
            .await
            .expect("connect Navidrome")
            .into_inner()
    }

    /// The connection to `provider` (every provider has a row, connected or not).
    pub async fn connection(&self, provider: Provider) -> v1::Connection {
        self.api
            .connections_as(&self.token)
            .list_connections(ListConnectionsRequest {})
            .await
            .unwrap()
            .into_inner()
            .connections
            .into_iter()
            .find(|c| c.provider == provider as i32)
            .unwrap()
    }

    pub async fn jobs(&self) -> v1::ListJobsResponse {
        self.api.list_jobs(&self.token).await
    }

    pub async fn job(&self, kind: JobKind) -> v1::Job {
        self.jobs()
            .await
            .jobs
            .into_iter()
            .find(|j| j.kind == kind as i32)
            .unwrap()
    }

    /// Finished runs of `kind`, oldest first.
    pub async fn runs(&self, kind: JobKind) -> Vec<v1::JobRun> {
        let mut runs: Vec<_> = self
            .jobs()
            .await
            .recent_runs
            .into_iter()
            .filter(|r| r.kind == kind as i32 && r.state != job_run::State::Running as i32)
            .collect();
        runs.sort_by_key(|r| r.id);
        runs
    }

    /// Asks for a run of `kind` now; its id, or the refusal.
    pub async fn start_job(&self, kind: JobKind) -> Result<i64, tonic::Status> {
        self.api
            .jobs_as(&self.token)
            .run_job(RunJobRequest {
                kind: kind as i32,
                ..Default::default()
            })
            .await
            .map(|r| r.into_inner().run_id)
    }

    /// Runs `kind` now (after a scheduled run, if one is going) and waits for it.
    pub async fn run_job(&self, kind: JobKind) -> v1::JobRun {
        let deadline = Instant::now() + JOB_DEADLINE;
        let run_id = loop {
            match self.start_job(kind).await {
                Ok(id) => break id,
                // A scheduled run started first: wait for it, then run ours.
                Err(s) if s.code() == Code::AlreadyExists => {
                    assert!(Instant::now() < deadline, "{kind:?} never became free");
                    tokio::time::sleep(POLL).await;
                }
                Err(s) => panic!("run_job {kind:?}: {s:?}"),
            }
        };
        self.wait_run(run_id).await
    }

    /// Waits until the run `run_id` has finished.
    pub async fn wait_run(&self, run_id: i64) -> v1::JobRun {
        let deadline = Instant::now() + JOB_DEADLINE;
        loop {
            if let Some(run) = self
                .jobs()
                .await
                .recent_runs
                .iter()
                .find(|r| r.id == run_id)
                && run.state != job_run::State::Running as i32
            {
                return run.clone();
            }
            assert!(Instant::now() < deadline, "run {run_id} did not finish");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the connect-triggered run has been recorded and nothing is running.
    pub async fn wait_idle(&self) {
        let deadline = Instant::now() + JOB_DEADLINE;
        loop {
            let jobs = self.jobs().await;
            let busy = jobs
                .jobs
                .iter()
                .any(|j| j.state == job::State::Running as i32)
                || jobs
                    .recent_runs
                    .iter()
                    .any(|r| r.state == job_run::State::Running as i32);
            if !busy && !jobs.recent_runs.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "jobs did not settle");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until every job has either run since it became due (a connect makes all
    /// of them due) or is blocked, and nothing is running.
    pub async fn settle(&self) {
        let deadline = Instant::now() + JOB_DEADLINE;
        loop {
            let jobs = self.jobs().await;
            let t = crate::now();
            let settled = jobs.jobs.iter().all(|j| {
                j.state == job::State::Blocked as i32
                    || (j.state != job::State::Running as i32 && j.next_run_at > t)
            }) && jobs
                .recent_runs
                .iter()
                .all(|r| r.state != job_run::State::Running as i32);
            if settled {
                return;
            }
            assert!(Instant::now() < deadline, "jobs did not settle: {jobs:#?}");
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn summary(&self) -> v1::GetSummaryResponse {
        self.api.summary(&self.token).await
    }

    /// Every listen, newest first.
    pub async fn listens(&self) -> Vec<v1::Listen> {
        self.api.recent_listens(&self.token).await
    }
}
