//! The real `spotterd` binary killed (SIGKILL) in the middle of a history sync, then
//! restarted on the same directories: the sync resumes where its last committed page
//! left it, and the history ends up with every listen exactly once.

use std::{
    fs,
    time::{Duration, Instant},
};

use spotter_e2e::{
    Api, Me, OWNER, OWNER_PW, TestDirs,
    daemon_process::{Daemon, assert_integrity, open_db},
    fakes::{
        Fault,
        listenbrainz::{FakeListenBrainz, TOKEN as LB_TOKEN, USER as LB_USER},
    },
    now,
};
use spotter_proto::v1::{self, JobKind, job_run};
use sqlx::{Connection, SqliteConnection};
const LISTENS: usize = 5_000;
/// ListenBrainz's largest page, which the daemon asks for.
const PAGE: usize = 1_000;
const DEADLINE: Duration = Duration::from_secs(20);

async fn listen_sources(db: &mut SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM listen_sources")
        .fetch_one(db)
        .await
        .unwrap()
}

async fn lb_watermark(db: &mut SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT watermark FROM sync_watermarks WHERE source = 'listenbrainz'")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Waits for the first history run matching `which` to finish.
async fn wait_history_run(me: &Me<'_>, which: impl Fn(&v1::JobRun) -> bool) -> v1::JobRun {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let mut runs = me.jobs().await.recent_runs;
        runs.sort_by_key(|r| r.id);
        if let Some(run) = runs
            .into_iter()
            .find(|r| r.kind == JobKind::HistorySync as i32 && which(r))
            && run.state != job_run::State::Running as i32
        {
            return run;
        }
        assert!(Instant::now() < deadline, "no history run finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn killing_the_daemon_mid_sync_loses_nothing_and_duplicates_nothing() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, LISTENS, now() - 10 * 86_400, 60);
    let expected = lb.listened(LB_USER);
    assert_eq!(expected.len(), LISTENS);
    let dirs = TestDirs::new();
    let config = dirs.path("config.toml");
    fs::write(
        &config,
        format!("[listenbrainz]\napi_url = \"{}\"\n", lb.api_url()),
    )
    .unwrap();

    let first = Daemon::start(&dirs, &config, 1).await;
    let api = Api::connect(&dirs.socket()).await;
    let owner = api.setup_owner(OWNER, OWNER_PW).await;
    let me = Me::new(&api, &owner);
    // Every request is slow from now on: six pages take seconds.
    for _ in 0..40 {
        lb.fault(Fault::Delay(Duration::from_millis(500)));
    }
    me.connect_lb(LB_TOKEN).await;

    // The connect starts a history sync. Pages overlap by one listen (the walk
    // restarts one second before the newest listen it committed), so two committed
    // pages are 1,999 listens.
    let deadline = Instant::now() + DEADLINE;
    let killed_run = loop {
        let running = me
            .jobs()
            .await
            .jobs
            .into_iter()
            .find(|j| j.kind == JobKind::HistorySync as i32)
            .and_then(|j| j.current);
        let listens = me.summary().await.listens;
        assert!(
            listens < LISTENS as u64,
            "the sync finished before it could be killed"
        );
        if let Some(run) = running
            && listens >= 2 * PAGE as u64 - 1
        {
            break run.id;
        }
        assert!(
            Instant::now() < deadline,
            "two pages were not committed ({listens} listens)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.kill().await;
    drop(api);

    // What the crash left: the oldest listens, each once, and a watermark that is not
    // ahead of them.
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    let committed: Vec<(i64, String)> =
        sqlx::query_as("SELECT played_at, title FROM listens ORDER BY played_at, title")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let n = committed.len();
    assert!(
        (2 * PAGE - 1..LISTENS).contains(&n),
        "{n} listens committed"
    );
    assert_eq!(
        committed,
        expected[..n],
        "a prefix, oldest first, once each"
    );
    assert_eq!(listen_sources(&mut db).await, n as i64);
    let watermark_at_kill = lb_watermark(&mut db).await;
    let newest_committed = committed[n - 1].0;
    assert!(
        (newest_committed - 1..=newest_committed).contains(&watermark_at_kill),
        "watermark {watermark_at_kill}, newest committed listen {newest_committed}"
    );
    db.close().await.unwrap();

    // Restart on the same directories, at full speed.
    lb.faults().clear();
    let queries_before = lb.listens_queries().len();
    let second = Daemon::start(&dirs, &config, 2).await;
    let api = Api::connect(&dirs.socket()).await;
    let owner = api.sign_in(OWNER, OWNER_PW).await.expect("sign in again");
    let me = Me::new(&api, &owner);
    // The sync was due when the daemon died: the scheduler resumes it at once.
    let resumed_run = wait_history_run(&me, |r| r.id > killed_run).await;
    assert_eq!(
        resumed_run.state,
        job_run::State::Succeeded as i32,
        "{resumed_run:?}"
    );
    assert!(
        resumed_run
            .message
            .contains(&format!("listenbrainz: {} new, 0 merged", LISTENS - n)),
        "{resumed_run:?}"
    );
    let runs = me.jobs().await.recent_runs;
    let killed = runs.iter().find(|r| r.id == killed_run).unwrap();
    assert_eq!(
        killed.state,
        job_run::State::Interrupted as i32,
        "{runs:#?}"
    );
    // It read on from the committed watermark, not from the start.
    let resumed = &lb.listens_queries()[queries_before..];
    assert_eq!(
        resumed.first().and_then(|q| q.min_ts),
        Some(watermark_at_kill),
        "{resumed:?}"
    );
    let newest = expected.last().unwrap().0;
    let mut db = open_db(&dirs.database()).await;
    assert_eq!(listen_sources(&mut db).await, LISTENS as i64);
    assert_eq!(lb_watermark(&mut db).await, newest - 1);
    db.close().await.unwrap();

    // "Sync now" afterwards finds nothing new.
    let rerun = me.run_job(JobKind::HistorySync).await;
    assert_eq!(rerun.state, job_run::State::Succeeded as i32, "{rerun:?}");
    assert!(
        rerun.message.contains("listenbrainz: 0 new, 0 merged"),
        "{rerun:?}"
    );

    // Every listen exactly once.
    let s = me.summary().await;
    assert_eq!(s.listens, LISTENS as u64);
    assert_eq!(
        s.listens_by_source.get("listenbrainz"),
        Some(&(LISTENS as u64))
    );
    let mut listed: Vec<_> = me
        .listens()
        .await
        .into_iter()
        .map(|l| (l.played_at, l.title))
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, expected);

    // On disk, after a clean stop.
    drop(api);
    second.stop().await;
    let mut db = open_db(&dirs.database()).await;
    assert_eq!(listen_sources(&mut db).await, LISTENS as i64);
    let watermark = lb_watermark(&mut db).await;
    // A rerun that finds only the newest listen leaves it one second before it, so
    // a listen arriving later for that same second is still read.
    assert_eq!(watermark, newest - 1, "newest listen {newest}");
    db.close().await.unwrap();
}
