//! The crash suite (issue 10): the real `spotterd` killed with SIGKILL at seeded random
//! points inside an import, a history sync, an online key rotation and a sign-in storm,
//! and started again on the same directories, over and over.
//!
//! After every kill, on the database file as the crash left it: `PRAGMA
//! integrity_check` is ok and no row lost its parent, everything the daemon
//! acknowledged before the kill is there, nothing is there twice and nothing half
//! (whole pages, a session with its token, the aggregates matching their rows). After
//! every restart the work carries on, and once the kills stop it finishes.
//!
//! Kill points come from a seeded RNG: each scenario prints its seed,
//! `SPOTTER_CRASH_SEED` replays it and `SPOTTER_CRASH_KILLS` sets the number of kills
//! (default 20). A kill waits for a state showing the work under way (progress
//! received, a run in progress, a call in flight), then a seeded extra delay: the delay
//! is input, never asserted.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    future::Future,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use spotter_daemon::{
    crypto::{
        Key, KeySource, Keyring, SEALED_COLUMNS, SecretString, read_key_file, staged_key_path,
    },
    domains::{
        admin::rotation::{rotate_encryption_key, stage_new_key, verify_sealed},
        history::import::PAGE as IMPORT_PAGE,
    },
    store::{Store, sealed::sealed_values},
};
use spotter_e2e::{
    Api, OWNER, OWNER_PW, TestDirs, USER_PW,
    daemon_process::{Daemon, assert_integrity, open_db},
    fakes::listenbrainz::{FakeListenBrainz, TOKEN as LB_TOKEN, USER as LB_USER},
    get_status, now,
};
use spotter_proto::v1::{
    self, ConnectListenBrainzRequest, CreateUserRequest, ImportProgress, ImportRequest,
    ImportStart, JobKind, ListConnectionsRequest, RefreshRequest, RotateEncryptionKeyRequest,
    RunJobRequest, SignOutRequest, connection, import_request::Part, job_run,
};
use sqlx::{Connection, SqliteConnection};
use tokio::sync::watch;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Status};

const DEFAULT_KILLS: u32 = 20;
/// Longest wait for any state; only a broken daemon gets near it.
const DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(10);

/// One scenario's kills: the seed, how many, the RNG every kill point is drawn from.
struct Plan {
    name: &'static str,
    seed: u64,
    kills: u32,
    rng: StdRng,
    started: Instant,
    restarts: u32,
    /// Kills that landed while the work was still going on.
    inside: u32,
}

impl Plan {
    fn new(name: &'static str) -> Plan {
        let seed = match std::env::var("SPOTTER_CRASH_SEED") {
            Ok(s) => s
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("SPOTTER_CRASH_SEED={s:?} is not a u64")),
            Err(_) => rand::random(),
        };
        let kills = match std::env::var("SPOTTER_CRASH_KILLS") {
            Ok(s) => s
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("SPOTTER_CRASH_KILLS={s:?} is not a count")),
            Err(_) => DEFAULT_KILLS,
        };
        eprintln!(
            "crash/{name}: seed {seed}, {kills} kills (SPOTTER_CRASH_SEED={seed} replays it)"
        );
        // Each scenario draws from its own stream (FNV-1a of its name), so one seed
        // replays all four.
        let stream = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Plan {
            name,
            seed,
            kills,
            rng: StdRng::seed_from_u64(seed ^ stream),
            started: Instant::now(),
            restarts: 0,
            inside: 0,
        }
    }

    /// A seeded delay below `max`.
    fn delay(&mut self, max: Duration) -> Duration {
        Duration::from_micros(self.rng.random_range(0..max.as_micros().max(1) as u64))
    }

    async fn restart(&mut self, dirs: &TestDirs, config: &Path) -> Daemon {
        self.restarts += 1;
        Daemon::start(dirs, config, self.restarts).await
    }

    fn report(&self) {
        eprintln!(
            "crash/{}: {} kills ({} inside the work), {} restarts survived, {:.1?}, seed {}",
            self.name,
            self.kills,
            self.inside,
            self.restarts,
            self.started.elapsed(),
            self.seed
        );
    }
}

/// Polls `probe` until it yields a value.
async fn wait_for<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}

fn write_config(dirs: &TestDirs, text: &str) -> PathBuf {
    let config = dirs.path("config.toml");
    fs::write(&config, text).unwrap();
    config
}

/// `got` and `want` are equal; says where they part instead of printing both.
fn assert_same<T: PartialEq + std::fmt::Debug>(got: &[T], want: &[T], what: &str) {
    if let Some(i) = (0..got.len().min(want.len())).find(|&i| got[i] != want[i]) {
        panic!(
            "{what}: first difference at {i}: {:?} != {:?}",
            got[i], want[i]
        );
    }
    assert_eq!(got.len(), want.len(), "{what}: lengths");
}

/// The listens of `user_id` on disk, as (played_at, title), sorted. Checks the whole
/// timeline on the way: no listen twice, each with a source, and the aggregates the
/// store keeps beside the listens agreeing with them (a half-written page shows there).
async fn listens_on_disk(db: &mut SqliteConnection, user_id: i64) -> Vec<(i64, String)> {
    let scalar = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    for (what, sql) in [
        (
            "listens on the timeline twice",
            "SELECT count(*) - (SELECT count(*) FROM \
                 (SELECT DISTINCT user_id, played_at, title FROM listens)) FROM listens",
        ),
        (
            "listens without a source",
            "SELECT count(*) FROM listens l WHERE NOT EXISTS \
             (SELECT 1 FROM listen_sources s WHERE s.listen_id = l.id)",
        ),
        (
            "listen_slots against listens",
            "SELECT (SELECT coalesce(sum(n), 0) FROM listen_slots) - (SELECT count(*) FROM listens)",
        ),
        (
            "track totals against listens",
            "SELECT (SELECT coalesce(sum(n), 0) FROM listen_totals WHERE kind = 3) \
                  - (SELECT count(*) FROM listens)",
        ),
        (
            "artist totals against listens",
            "SELECT (SELECT coalesce(sum(n), 0) FROM listen_totals WHERE kind = 1) \
                  - (SELECT count(*) FROM listens)",
        ),
        (
            "source totals against listen_sources",
            "SELECT count(*) FROM \
                 (SELECT user_id, source, count(*) AS n FROM listen_sources GROUP BY 1, 2) s \
             LEFT JOIN listen_source_totals t ON t.user_id = s.user_id AND t.source = s.source \
             WHERE t.n IS NOT s.n",
        ),
    ] {
        assert_eq!(scalar(sql).fetch_one(&mut *db).await.unwrap(), 0, "{what}");
    }
    let mut rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT played_at, title FROM listens WHERE user_id = ?")
            .bind(user_id)
            .fetch_all(&mut *db)
            .await
            .unwrap();
    rows.sort_unstable();
    rows
}

/// Asks for a history sync now; `None` when one is already running.
async fn run_history_sync(api: &Api, token: &str) -> Option<i64> {
    match api
        .jobs_as(token)
        .run_job(RunJobRequest {
            kind: JobKind::HistorySync as i32,
            ..Default::default()
        })
        .await
    {
        Ok(r) => Some(r.into_inner().run_id),
        Err(s) if s.code() == Code::AlreadyExists => None,
        Err(s) => panic!("run_job: {s:?}"),
    }
}

/// Waits until the history run `id` has finished.
async fn finished_run(api: &Api, token: &str, id: i64) -> v1::JobRun {
    wait_for("a history run to finish", || async move {
        api.list_jobs(token)
            .await
            .recent_runs
            .into_iter()
            .find(|r| r.id == id && r.state != job_run::State::Running as i32)
    })
    .await
}

// ---------------------------------------------------------------------------------
// 1. Import

const IMPORT_LISTENS: usize = 30_000;
/// The owner and these import the file in turn: once a timeline holds all of it, the
/// next kills land in the next user's import, so they keep landing in new pages.
const IMPORT_USERS: [&str; 1] = ["ines"];
const IMPORT_CHUNK: usize = 256 * 1024;
/// After the progress message that armed a kill (they come every 250 ms): about a
/// page more, so kills fall anywhere in a page (parse, dedupe, insert, commit).
const IMPORT_EXTRA: Duration = Duration::from_millis(150);

/// A ListenBrainz export (JSON lines, newest first) of `n` distinct listens, and
/// (played_at, title) of each in file order.
fn listenbrainz_export(n: usize) -> (Vec<u8>, Vec<(i64, String)>) {
    let newest = 1_700_000_000;
    let mut bytes = Vec::new();
    let mut listens = Vec::with_capacity(n);
    for i in 0..n {
        let at = newest - 200 * i as i64;
        let title = format!("Crash Track {i}");
        let line = serde_json::json!({
            "listened_at": at,
            "track_metadata": {
                "artist_name": format!("Artist {}", i % 97),
                "track_name": title,
                "release_name": format!("Album {}", i % 31),
            },
        });
        serde_json::to_writer(&mut bytes, &line).unwrap();
        bytes.push(b'\n');
        listens.push((at, title));
    }
    (bytes, listens)
}

/// Streams `bytes` into `History.Import`, handing every progress message to `seen`;
/// the final report, or the status the call ended with.
async fn import(
    api: &Api,
    token: &str,
    bytes: Arc<Vec<u8>>,
    seen: impl Fn(&ImportProgress),
) -> Result<ImportProgress, Status> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let start = ImportStart {
            file_name: "crash.jsonl".into(),
            format: "listenbrainz".into(),
            size: bytes.len() as u64,
            min_play_ms: 0,
        };
        let mut parts = vec![Part::Start(start)];
        for chunk in bytes.chunks(IMPORT_CHUNK) {
            parts.push(Part::Chunk(chunk.to_vec()));
        }
        for part in parts {
            if tx.send(ImportRequest { part: Some(part) }).await.is_err() {
                return;
            }
        }
    });
    let mut progress = api
        .history_as(token)
        .import(ReceiverStream::new(rx))
        .await?
        .into_inner();
    while let Some(p) = progress.message().await? {
        seen(&p);
        if p.done {
            return Ok(p);
        }
    }
    Err(Status::unknown("the import ended without a final report"))
}

/// What the import has told the client so far.
#[derive(Debug, Default, Clone, Copy)]
struct ImportSeen {
    /// Plays read in this run, per the last progress message.
    plays: u64,
    /// Plays whose pages were committed (added + merged + duplicates).
    committed: u64,
    done: bool,
}

/// After a kill: each user's timeline is the first `k` listens of the file in whole
/// pages, each once; returns each `k`.
async fn import_on_disk(dirs: &TestDirs, users: &[i64], file: &[(i64, String)]) -> Vec<usize> {
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    let mut on_disk = Vec::new();
    for &user_id in users {
        let rows = listens_on_disk(&mut db, user_id).await;
        let k = rows.len();
        assert!(
            k.is_multiple_of(IMPORT_PAGE) || k == file.len(),
            "user {user_id}: {k} listens on disk, not whole pages of {IMPORT_PAGE}"
        );
        let mut want = file[..k].to_vec();
        want.sort_unstable();
        assert_same(&rows, &want, "a timeline against the file's first listens");
        let imported: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM listen_sources WHERE source = 'import' AND user_id = ?",
        )
        .bind(user_id)
        .fetch_one(&mut db)
        .await
        .unwrap();
        assert_eq!(imported, k as i64, "one import source row per listen");
        on_disk.push(k);
    }
    db.close().await.unwrap();
    on_disk
}

#[tokio::test]
async fn an_import_killed_again_and_again_ends_with_every_listen_once() {
    let mut plan = Plan::new("import");
    let (bytes, file) = listenbrainz_export(IMPORT_LISTENS);
    let bytes = Arc::new(bytes);
    let dirs = TestDirs::new();
    let config = write_config(&dirs, "# the crash suite: defaults\n");
    let mut daemon = Daemon::start(&dirs, &config, 0).await;
    let mut api = Api::connect(&dirs.socket()).await;
    // Access tokens outlive restarts (15 minutes; the JWT secret is a file).
    let owner = api.setup_owner(OWNER, OWNER_PW).await;
    let mut users = vec![(owner.user.unwrap().id, owner.access_token)];
    for name in IMPORT_USERS {
        api.admin_as(&users[0].1)
            .create_user(CreateUserRequest {
                username: name.into(),
                password: USER_PW.into(),
            })
            .await
            .unwrap();
        let signed_in = api.sign_in(name, USER_PW).await.unwrap();
        users.push((signed_in.user.unwrap().id, signed_in.access_token));
    }
    let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
    let mut on_disk = vec![0; users.len()];

    for kill in 1..=plan.kills {
        // The first user whose timeline lacks some of the file imports it again (from
        // the start: the pages already committed are found again first). Armed by the
        // first progress message past them, then a seeded delay.
        let u = on_disk
            .iter()
            .position(|&k| k < IMPORT_LISTENS)
            .unwrap_or(users.len() - 1);
        let frontier = on_disk[u] as u64;
        let extra = plan.delay(IMPORT_EXTRA);
        let (tx, mut rx) = watch::channel(ImportSeen::default());
        {
            let call = import(&api, &users[u].1, bytes.clone(), |p| {
                tx.send_modify(|s| {
                    s.plays = p.plays;
                    s.committed = s.committed.max(p.added + p.merged + p.duplicates);
                    s.done |= p.done;
                })
            });
            tokio::pin!(call);
            let mut finished = None;
            tokio::select! {
                r = &mut call => finished = Some(r),
                _ = rx.wait_for(|s| (s.plays > 0 && s.plays >= frontier) || s.done) => {}
            }
            if finished.is_none() {
                tokio::select! {
                    r = &mut call => finished = Some(r),
                    _ = tokio::time::sleep(extra) => {}
                }
            }
            plan.inside += u32::from(!rx.borrow().done);
            daemon.kill().await;
            match finished {
                Some(r) => drop(r.expect("an import the daemon finished")),
                // Messages that arrived before the kill count as acknowledged.
                None => drop(call.await),
            }
        }
        let seen = *rx.borrow();
        drop(api);

        let now_on_disk = import_on_disk(&dirs, &ids, &file).await;
        for (v, (&before, &after)) in on_disk.iter().zip(&now_on_disk).enumerate() {
            if v == u {
                assert!(
                    after >= before,
                    "{after} listens on disk after the kill, {before} before"
                );
                assert!(
                    after as u64 >= seen.committed,
                    "{after} listens on disk, {} acknowledged",
                    seen.committed
                );
            } else {
                assert_eq!(
                    after, before,
                    "user {v}'s timeline changed, and only {u} imported"
                );
            }
        }
        eprintln!(
            "crash/import [{:.1?}]: kill {kill}, user {u}, at {frontier} plays + {extra:.1?}: \
             {} listens on disk, {} acknowledged",
            plan.started.elapsed(),
            now_on_disk[u],
            seen.committed
        );
        on_disk = now_on_disk;
        daemon = plan.restart(&dirs, &config).await;
        api = Api::connect(&dirs.socket()).await;
    }

    // Importing the file again finishes the work.
    for (u, (_, token)) in users.iter().enumerate() {
        let report = import(&api, token, bytes.clone(), |_| {}).await.unwrap();
        assert_eq!(report.plays, IMPORT_LISTENS as u64, "{report:?}");
        assert_eq!(
            report.added,
            (IMPORT_LISTENS - on_disk[u]) as u64,
            "{report:?}"
        );
        assert_eq!(report.duplicates, on_disk[u] as u64, "{report:?}");
        assert_eq!((report.merged, report.bad), (0, 0), "{report:?}");
        assert_eq!(api.summary(token).await.listens, IMPORT_LISTENS as u64);
    }
    drop(api);
    daemon.stop().await;
    assert_eq!(
        import_on_disk(&dirs, &ids, &file).await,
        vec![IMPORT_LISTENS; users.len()]
    );
    plan.report();
}

// ---------------------------------------------------------------------------------
// 2. History sync

const SYNC_LISTENS: usize = 15_000;
/// Listens the fake gains when the timeline has nearly caught up with it.
const SYNC_BATCH: usize = 3_000;
/// ListenBrainz's largest page, which the daemon asks for.
const SYNC_PAGE: usize = 1_000;
/// Spreads kills over a few pages (fetch, dedupe, insert, commit).
const SYNC_EXTRA: Duration = Duration::from_millis(300);

/// After a kill: the timeline is the oldest `n` of the fake's listens, each once, and
/// the watermark is not ahead of them; returns `n`.
async fn sync_on_disk(dirs: &TestDirs, fake: &[(i64, String)]) -> usize {
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    // The owner, the only user.
    let rows = listens_on_disk(&mut db, 1).await;
    let n = rows.len();
    assert!(
        n <= fake.len(),
        "{n} listens on disk, the fake has {}",
        fake.len()
    );
    assert_same(
        &rows,
        &fake[..n],
        "the timeline against the fake's oldest listens",
    );
    let sources: i64 =
        sqlx::query_scalar("SELECT count(*) FROM listen_sources WHERE source = 'listenbrainz'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(sources, n as i64);
    let watermark: Option<i64> =
        sqlx::query_scalar("SELECT watermark FROM sync_watermarks WHERE source = 'listenbrainz'")
            .fetch_optional(&mut db)
            .await
            .unwrap();
    if let Some(newest) = rows.last().map(|r| r.0) {
        // The walk restarts one second before the newest listen it committed.
        let w = watermark.expect("a watermark for committed listens");
        assert!(
            (newest - 1..=newest).contains(&w),
            "watermark {w}, newest committed listen {newest}"
        );
    }
    db.close().await.unwrap();
    n
}

#[tokio::test]
async fn a_history_sync_killed_again_and_again_ends_with_every_listen_once() {
    let mut plan = Plan::new("sync");
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    // Inside the first sync's 30 days, with room after them for the batches.
    lb.add_listens(LB_USER, SYNC_LISTENS, now() - 29 * 86_400, 60);
    let dirs = TestDirs::new();
    let config = write_config(
        &dirs,
        &format!("[listenbrainz]\napi_url = \"{}\"\n", lb.api_url()),
    );
    let mut daemon = Daemon::start(&dirs, &config, 0).await;
    let mut api = Api::connect(&dirs.socket()).await;
    let token = api.setup_owner(OWNER, OWNER_PW).await.access_token;
    // Connecting starts the first sync.
    api.connections_as(&token)
        .connect_listen_brainz(ConnectListenBrainzRequest {
            token: LB_TOKEN.into(),
        })
        .await
        .expect("connect ListenBrainz");
    let mut on_disk = 0;

    for kill in 1..=plan.kills {
        let fake = lb.listened(LB_USER);
        if fake.len() - on_disk < 2 * SYNC_PAGE {
            // Nearly caught up: new listens arrive, so the next kill lands in a sync too.
            lb.add_listens(LB_USER, SYNC_BATCH, fake.last().unwrap().0 + 60, 60);
        }
        let fake = lb.listened(LB_USER);
        // Resumed by the scheduler after a restart, or asked for now.
        run_history_sync(&api, &token).await;
        let (api_ref, token_ref, total) = (&api, token.as_str(), fake.len());
        let running = wait_for("a running history sync, or its end", || async move {
            let job = api_ref
                .list_jobs(token_ref)
                .await
                .jobs
                .into_iter()
                .find(|j| j.kind == JobKind::HistorySync as i32)?;
            let listens = api_ref.summary(token_ref).await.listens as usize;
            match job.current {
                Some(run) => Some((Some(run.id), listens)),
                None if listens == total => Some((None, listens)),
                None => None,
            }
        })
        .await;
        let (run_id, acknowledged) = running;

        let extra = plan.delay(SYNC_EXTRA);
        tokio::time::sleep(extra).await;
        let still_running = api
            .list_jobs(&token)
            .await
            .jobs
            .iter()
            .any(|j| j.kind == JobKind::HistorySync as i32 && j.current.is_some());
        plan.inside += u32::from(still_running);
        daemon.kill().await;
        drop(api);

        let n = sync_on_disk(&dirs, &fake).await;
        assert!(
            n >= on_disk,
            "{n} listens on disk after the kill, {on_disk} before"
        );
        assert!(
            n >= acknowledged,
            "{n} listens on disk, {acknowledged} reported"
        );
        on_disk = n;
        eprintln!(
            "crash/sync: kill {kill} at +{extra:.1?}: {n} of {} listens on disk, {acknowledged} reported",
            fake.len()
        );
        daemon = plan.restart(&dirs, &config).await;
        api = Api::connect(&dirs.socket()).await;
        if let Some(id) = run_id {
            // The run the kill cut short is not left "running".
            let run = api
                .list_jobs(&token)
                .await
                .recent_runs
                .into_iter()
                .find(|r| r.id == id)
                .expect("the killed run");
            assert_ne!(run.state, job_run::State::Running as i32, "{run:?}");
        }
    }

    // Left alone, the sync finishes; a sync after it finds nothing new.
    let fake = lb.listened(LB_USER);
    run_history_sync(&api, &token).await;
    let (api_ref, token_ref, total) = (&api, token.as_str(), fake.len());
    wait_for("the sync to catch up", || async move {
        let idle = api_ref
            .list_jobs(token_ref)
            .await
            .jobs
            .iter()
            .all(|j| j.current.is_none());
        (idle && api_ref.summary(token_ref).await.listens as usize == total).then_some(())
    })
    .await;
    let id = loop {
        if let Some(id) = run_history_sync(&api, &token).await {
            break id;
        }
        tokio::time::sleep(POLL).await;
    };
    let rerun = finished_run(&api, &token, id).await;
    assert_eq!(rerun.state, job_run::State::Succeeded as i32, "{rerun:?}");
    assert!(
        rerun.message.contains("listenbrainz: 0 new, 0 merged"),
        "{rerun:?}"
    );
    drop(api);
    daemon.stop().await;
    assert_eq!(sync_on_disk(&dirs, &fake).await, fake.len());
    let mut db = open_db(&dirs.database()).await;
    let watermark: i64 =
        sqlx::query_scalar("SELECT watermark FROM sync_watermarks WHERE source = 'listenbrainz'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(watermark, fake.last().unwrap().0 - 1);
    db.close().await.unwrap();
    plan.report();
}

// ---------------------------------------------------------------------------------
// 3. Online key rotation

/// Users besides the owner, each with a ListenBrainz connection.
const ROTATION_USERS: [&str; 3] = ["rita", "rafael", "roisin"];
/// Instance secrets stored beside the credentials: a rotation with some work in it.
const INSTANCE_SECRETS: usize = 300;
const SEALED_TOTAL: usize = 1 + ROTATION_USERS.len() + INSTANCE_SECRETS;

fn lb_token(user: &str) -> String {
    format!("crash-lb-token-{user}")
}

/// The key id of every sealed value in the database.
async fn sealed_key_ids(db: &mut SqliteConnection) -> Vec<String> {
    let mut ids = Vec::new();
    for column in SEALED_COLUMNS {
        for value in sealed_values(&mut *db, column).await.unwrap() {
            ids.push(Keyring::key_id_of(&value.envelope).unwrap().to_string());
        }
    }
    ids
}

/// Every sealed value opens with the key in the key file (the store opened beside the
/// running daemon), and that key is the one the daemon says it loaded.
async fn assert_sealed_with_key_file(dirs: &TestDirs, expected: &str) {
    let key = read_key_file(&dirs.generated_key()).unwrap();
    let status = get_status(&dirs.socket()).await.unwrap();
    assert_eq!(
        (key.id().as_str(), status.encryption_key_id.as_str()),
        (expected, expected),
        "(key file, key the daemon loaded) against the key every value is sealed with"
    );
    let store = Store::open(&dirs.database()).await.unwrap();
    let opened = verify_sealed(&store, &Keyring::new(key))
        .await
        .unwrap_or_else(|e| panic!("a sealed value does not open with the key file: {e}"));
    assert_eq!(opened, SEALED_TOTAL);
    store.close().await;
    // No staged or temporary key is left beside it.
    let mut names: Vec<String> = fs::read_dir(dirs.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["encryption-key", "jwt-secret"]);
}

/// Each user's ListenBrainz connection works: connected, and a sync now succeeds
/// (the daemon opened the token and the fake took it).
async fn assert_connections_work(api: &Api, tokens: &[String]) {
    let mut runs = Vec::new();
    for token in tokens {
        let connections = api
            .connections_as(token)
            .list_connections(ListConnectionsRequest {})
            .await
            .unwrap()
            .into_inner()
            .connections;
        let lb = connections
            .iter()
            .find(|c| c.provider == v1::Provider::Listenbrainz as i32)
            .unwrap();
        assert_eq!(lb.state, connection::State::Connected as i32, "{lb:?}");
        let id = loop {
            if let Some(id) = run_history_sync(api, token).await {
                break id;
            }
            tokio::time::sleep(POLL).await;
        };
        runs.push((token, id));
    }
    for (token, id) in runs {
        let run = finished_run(api, token, id).await;
        assert_eq!(run.state, job_run::State::Succeeded as i32, "{run:?}");
    }
}

#[tokio::test]
async fn an_online_key_rotation_killed_again_and_again_leaves_one_key_that_opens_everything() {
    let mut plan = Plan::new("rotation");
    let lb = FakeListenBrainz::start().await;
    let dirs = TestDirs::new();
    let config = write_config(
        &dirs,
        &format!("[listenbrainz]\napi_url = \"{}\"\n", lb.api_url()),
    );
    let daemon = Daemon::start(&dirs, &config, 0).await;
    let api = Api::connect(&dirs.socket()).await;
    let owner = api.setup_owner(OWNER, OWNER_PW).await.access_token;
    let mut tokens = vec![owner.clone()];
    for name in ROTATION_USERS {
        api.admin_as(&owner)
            .create_user(CreateUserRequest {
                username: name.into(),
                password: USER_PW.into(),
            })
            .await
            .unwrap();
        tokens.push(api.sign_in(name, USER_PW).await.unwrap().access_token);
    }
    for (i, token) in tokens.iter().enumerate() {
        let lb_user = format!("lb-{i}");
        lb.add_user(&lb_user, &lb_token(&lb_user));
        lb.add_listens(&lb_user, 50, now() - 86_400, 60);
        api.connections_as(token)
            .connect_listen_brainz(ConnectListenBrainzRequest {
                token: lb_token(&lb_user),
            })
            .await
            .expect("connect ListenBrainz");
    }
    drop(api);
    daemon.stop().await;
    // Instance secrets, sealed offline with the generated key.
    let store = Store::open(&dirs.database()).await.unwrap();
    let ring = Keyring::new(read_key_file(&dirs.generated_key()).unwrap());
    for i in 0..INSTANCE_SECRETS {
        store
            .put_instance_secret(
                &ring,
                &format!("crash-secret-{i}"),
                &SecretString::new(format!("crash secret value {i}")),
            )
            .await
            .unwrap();
    }
    store.close().await;

    let mut daemon = plan.restart(&dirs, &config).await;
    let mut api = Api::connect(&dirs.socket()).await;
    assert_sealed_with_key_file(&dirs, ring.primary_id().as_str()).await;
    assert_connections_work(&api, &tokens).await;
    // One rotation left alone: the shortest rotation seen sizes the kill delays.
    let started = Instant::now();
    let done = api
        .admin_as(&owner)
        .rotate_encryption_key(RotateEncryptionKeyRequest {
            new_key: Key::from_bytes(plan.rng.random()).to_hex().to_string(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut one_rotation = started.elapsed();
    assert_eq!(done.resealed, SEALED_TOTAL as u64);
    eprintln!("crash/rotation: one rotation of {SEALED_TOTAL} values took {one_rotation:.1?}");
    let mut between_commit_and_install = 0;

    for kill in 1..=plan.kills {
        let old = read_key_file(&dirs.generated_key())
            .unwrap()
            .id()
            .to_string();
        let new = Key::from_bytes(plan.rng.random());
        let new_id = new.id().to_string();
        let extra = plan.delay(one_rotation * 3 / 2);
        // Writers at the same time: every user's sync, asked for now.
        for token in &tokens {
            run_history_sync(&api, token).await;
        }
        // A writer that seals at the same time: one user reconnects ListenBrainz.
        let reconnecting = plan.rng.random_range(0..tokens.len());
        let acknowledged = {
            let mut admin = api.admin_as(&owner);
            let rotate = admin.rotate_encryption_key(RotateEncryptionKeyRequest {
                new_key: new.to_hex().to_string(),
            });
            let mut connections = api.connections_as(&tokens[reconnecting]);
            let reconnect = connections.connect_listen_brainz(ConnectListenBrainzRequest {
                token: lb_token(&format!("lb-{reconnecting}")),
            });
            let kill_at = tokio::time::sleep(extra);
            tokio::pin!(rotate, reconnect, kill_at);
            let (mut rotated, mut reconnected) = (None, false);
            let started = Instant::now();
            while rotated.is_none() || !reconnected {
                tokio::select! {
                    r = &mut rotate, if rotated.is_none() => {
                        one_rotation = one_rotation.min(started.elapsed());
                        rotated = Some(r);
                    }
                    r = &mut reconnect, if !reconnected => {
                        r.expect("reconnect");
                        reconnected = true;
                    }
                    _ = &mut kill_at => break,
                }
            }
            daemon.kill().await;
            match rotated {
                Some(r) => {
                    assert_eq!(
                        r.expect("rotate").into_inner().resealed,
                        SEALED_TOTAL as u64
                    );
                    true
                }
                None => false,
            }
        };
        plan.inside += u32::from(!acknowledged);
        drop(api);

        // Wholly old-key or wholly new-key; new-key once the client was told so.
        let mut db = open_db(&dirs.database()).await;
        assert_integrity(&mut db).await;
        let ids: BTreeSet<String> = {
            let all = sealed_key_ids(&mut db).await;
            assert_eq!(all.len(), SEALED_TOTAL);
            all.into_iter().collect()
        };
        db.close().await.unwrap();
        let sealed_with = match ids.into_iter().collect::<Vec<_>>().as_slice() {
            [one] if *one == new_id => one.clone(),
            [one] if *one == old && !acknowledged => one.clone(),
            other => panic!(
                "sealed with {other:?}; old key {old}, new key {new_id}, acknowledged: {acknowledged}"
            ),
        };

        // Where the kill fell: the staged key shows a rotation between staging and
        // moving the key into place.
        let staged = staged_key_path(&dirs.generated_key()).exists();
        let cut = match (staged, sealed_with == new_id) {
            (true, true) => "between the commit and the key install",
            (true, false) => "after staging the key, before the commit",
            (false, true) => "after the rotation",
            (false, false) => "before the rotation",
        };
        if staged && sealed_with == new_id {
            between_commit_and_install += 1;
        }
        eprintln!(
            "crash/rotation: kill {kill} at +{extra:.1?}: {cut} (acknowledged: {acknowledged})"
        );
        daemon = plan.restart(&dirs, &config).await;
        api = Api::connect(&dirs.socket()).await;
        assert_sealed_with_key_file(&dirs, &sealed_with).await;
        assert_connections_work(&api, &tokens).await;
    }
    drop(api);
    daemon.stop().await;
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    db.close().await.unwrap();
    eprintln!(
        "crash/rotation: {between_commit_and_install} kills fell between the commit and the key install"
    );
    plan.report();
}

/// The window the rotation scenario hunts for, made on purpose: the re-sealed database
/// committed and the new key staged beside the key file but not yet moved into place
/// (a kill between the two). Before the key was staged first, the key file then held
/// the old key and no stored credential opened. The daemon starts with the new key and
/// finishes the move; a key staged for a rotation that never committed is dropped.
#[tokio::test]
async fn a_rotation_cut_off_between_its_commit_and_the_key_install_is_finished_at_start() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user("lb-0", &lb_token("lb-0"));
    let dirs = TestDirs::new();
    let config = write_config(
        &dirs,
        &format!("[listenbrainz]\napi_url = \"{}\"\n", lb.api_url()),
    );
    let daemon = Daemon::start(&dirs, &config, 0).await;
    let api = Api::connect(&dirs.socket()).await;
    let owner = api.setup_owner(OWNER, OWNER_PW).await.access_token;
    api.connections_as(&owner)
        .connect_listen_brainz(ConnectListenBrainzRequest {
            token: lb_token("lb-0"),
        })
        .await
        .expect("connect ListenBrainz");
    drop(api);
    daemon.stop().await;

    // What `Admin.RotateEncryptionKey` does up to its commit, then nothing more.
    let source = KeySource::Generated {
        path: dirs.generated_key(),
        created: false,
    };
    let old = read_key_file(&dirs.generated_key()).unwrap();
    let new = Key::generate();
    let store = Store::open(&dirs.database()).await.unwrap();
    stage_new_key(&source, &new).unwrap();
    rotate_encryption_key(&store, &Keyring::new(old.clone()), &new)
        .await
        .unwrap();
    assert!(
        verify_sealed(&store, &Keyring::new(old.clone()))
            .await
            .is_err(),
        "the key file alone no longer opens the database"
    );
    store.close().await;

    let daemon = Daemon::start(&dirs, &config, 1).await;
    let api = Api::connect(&dirs.socket()).await;
    let store = Store::open(&dirs.database()).await.unwrap();
    let key_file = read_key_file(&dirs.generated_key()).unwrap();
    assert_eq!(key_file.id(), new.id());
    assert_eq!(
        verify_sealed(&store, &Keyring::new(key_file))
            .await
            .unwrap(),
        1
    );
    store.close().await;
    let status = get_status(&dirs.socket()).await.unwrap();
    assert_eq!(status.encryption_key_id, new.id().to_string());
    assert!(!staged_key_path(&dirs.generated_key()).exists());
    assert_connections_work(&api, std::slice::from_ref(&owner)).await;
    drop(api);
    daemon.stop().await;

    // Staged, and killed before the commit: the key in use stays.
    stage_new_key(&source, &Key::generate()).unwrap();
    let daemon = Daemon::start(&dirs, &config, 2).await;
    let api = Api::connect(&dirs.socket()).await;
    let status = get_status(&dirs.socket()).await.unwrap();
    assert_eq!(status.encryption_key_id, new.id().to_string());
    assert_eq!(read_key_file(&dirs.generated_key()).unwrap().id(), new.id());
    assert!(!staged_key_path(&dirs.generated_key()).exists());
    assert_connections_work(&api, std::slice::from_ref(&owner)).await;
    drop(api);
    daemon.stop().await;
}

// ---------------------------------------------------------------------------------
// 4. Sign-in storm

const STORM_USERS: [&str; 3] = ["sam", "sofia", "sven"];
const WORKERS_PER_USER: usize = 2;
/// A few milliseconds past the arming state: the storm is dense, so that is enough to
/// land in the middle of calls.
const STORM_EXTRA: Duration = Duration::from_millis(8);

/// What a client holds of one session, as the daemon answered it.
#[derive(Debug, Clone, Default)]
struct Held {
    session_id: String,
    access: String,
    /// Every refresh token received, oldest first; all but the last were used, and
    /// the daemon answered those uses.
    tokens: Vec<String>,
    /// A call on this session had no answer when the daemon died.
    in_flight: Option<InFlight>,
    signed_out: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InFlight {
    Refresh,
    SignOut,
}

#[derive(Default)]
struct Ledger {
    sessions: Mutex<Vec<Held>>,
    /// Calls answered in this round.
    answered: AtomicUsize,
    /// Set just before the kill: a failure after it is the kill, before it a bug.
    killed: AtomicBool,
}

impl Ledger {
    fn failed(&self, what: &str, e: &Status) {
        assert!(
            self.killed.load(Ordering::SeqCst),
            "{what} failed before the kill: {e:?}"
        );
    }
}

/// One client: signs in, refreshes a few times, sometimes signs out, and again,
/// until a call fails (the daemon died).
async fn storm_worker(socket: PathBuf, user: usize, mut rng: StdRng, ledger: Arc<Ledger>) {
    let api = match spotter_e2e::channel(&socket).await {
        Ok(channel) => Api { channel },
        Err(e) => {
            let killed = ledger.killed.load(Ordering::SeqCst);
            assert!(killed, "connect before the kill: {e:#}");
            return;
        }
    };
    loop {
        let signed_in = match api.sign_in(STORM_USERS[user], USER_PW).await {
            Ok(r) => r,
            Err(e) => return ledger.failed("sign-in", &e),
        };
        ledger.answered.fetch_add(1, Ordering::SeqCst);
        let slot = {
            let mut sessions = ledger.sessions.lock().unwrap();
            sessions.push(Held {
                session_id: signed_in.session_id,
                access: signed_in.access_token,
                tokens: vec![signed_in.refresh_token],
                ..Default::default()
            });
            sessions.len() - 1
        };
        let held = |f: &mut dyn FnMut(&mut Held)| f(&mut ledger.sessions.lock().unwrap()[slot]);
        for _ in 0..rng.random_range(1..=6) {
            let mut presented = String::new();
            held(&mut |h| {
                h.in_flight = Some(InFlight::Refresh);
                presented = h.tokens.last().unwrap().clone();
            });
            match api
                .auth()
                .refresh(RefreshRequest {
                    refresh_token: presented,
                })
                .await
            {
                Ok(r) => held(&mut |h| {
                    let r = r.get_ref();
                    h.tokens.push(r.refresh_token.clone());
                    h.access = r.access_token.clone();
                    h.in_flight = None;
                }),
                Err(e) => return ledger.failed("refresh", &e),
            }
            ledger.answered.fetch_add(1, Ordering::SeqCst);
        }
        if rng.random_bool(0.4) {
            let mut access = String::new();
            held(&mut |h| {
                h.in_flight = Some(InFlight::SignOut);
                access = h.access.clone();
            });
            match api.auth_as(&access).sign_out(SignOutRequest {}).await {
                Ok(_) => held(&mut |h| {
                    h.signed_out = true;
                    h.in_flight = None;
                }),
                Err(e) => return ledger.failed("sign-out", &e),
            }
            ledger.answered.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A session's row and its refresh tokens, as the crash left them.
#[derive(Debug)]
struct OnDisk {
    revoked: bool,
    /// token hash → consumed
    tokens: BTreeMap<Vec<u8>, bool>,
}

/// After a kill: every session has its refresh tokens and exactly one of them unused,
/// and everything the clients were answered is there. Returns each session's state.
async fn sessions_on_disk(
    dirs: &TestDirs,
    held: &[Held],
    sessions_before: usize,
) -> (BTreeMap<String, OnDisk>, usize) {
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    let rows: Vec<(String, bool, i64, i64)> = sqlx::query_as(
        "SELECT s.id, s.revoked_at IS NOT NULL, count(r.token_hash), \
                coalesce(sum(r.consumed_at IS NULL), 0) \
         FROM sessions s LEFT JOIN refresh_tokens r ON r.session_id = s.id GROUP BY s.id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    for (id, _, tokens, unused) in &rows {
        assert!(*tokens >= 1, "session {id} has no refresh token");
        assert_eq!(
            *unused, 1,
            "session {id}: {unused} unused refresh tokens of {tokens}"
        );
    }
    assert!(
        rows.len() >= sessions_before,
        "{} sessions after the kill, {sessions_before} before",
        rows.len()
    );
    let mut disk = BTreeMap::new();
    for h in held {
        let tokens: Vec<(Vec<u8>, bool)> = sqlx::query_as(
            "SELECT token_hash, consumed_at IS NOT NULL FROM refresh_tokens WHERE session_id = ?",
        )
        .bind(&h.session_id)
        .fetch_all(&mut db)
        .await
        .unwrap();
        let revoked = rows
            .iter()
            .find(|r| r.0 == h.session_id)
            .unwrap_or_else(|| panic!("signed-in session {} is gone", h.session_id))
            .1;
        let on_disk = OnDisk {
            revoked,
            tokens: tokens.into_iter().collect(),
        };
        let n = h.tokens.len();
        for (i, token) in h.tokens.iter().enumerate() {
            let hash = spotter_daemon::auth::refresh_token_hash(token)
                .unwrap()
                .to_vec();
            let consumed = *on_disk
                .tokens
                .get(&hash)
                .unwrap_or_else(|| panic!("session {}: token {i} of {n} is gone", h.session_id));
            // All but the newest were used and answered; the newest is used only by a
            // refresh the kill cut off, if it committed.
            if i + 1 < n {
                assert!(
                    consumed,
                    "session {}: used token {i} of {n} is not consumed",
                    h.session_id
                );
            } else if h.in_flight != Some(InFlight::Refresh) {
                assert!(
                    !consumed,
                    "session {}: the newest token is consumed",
                    h.session_id
                );
            }
        }
        if h.signed_out {
            assert!(
                revoked,
                "session {} signed out but not revoked",
                h.session_id
            );
        }
        disk.insert(h.session_id.clone(), on_disk);
    }
    db.close().await.unwrap();
    (disk, rows.len())
}

/// After the restart, each session's tokens behave per the rules (SECURITY.md T3): a
/// used token is a replay that ends its session; the newest token of a live session
/// refreshes. Which of the two is tried is seeded.
async fn check_tokens(api: &Api, held: &[Held], disk: &BTreeMap<String, OnDisk>, rng: &mut StdRng) {
    let refresh = |token: String| async move {
        api.auth()
            .refresh(RefreshRequest {
                refresh_token: token,
            })
            .await
    };
    for h in held {
        let state = &disk[&h.session_id];
        let newest = h.tokens.last().unwrap().clone();
        let hash = spotter_daemon::auth::refresh_token_hash(&newest)
            .unwrap()
            .to_vec();
        let newest_consumed = state.tokens[&hash];
        let used = h.tokens.len() - 1;
        if used > 0 && rng.random_bool(0.5) {
            let old = h.tokens[rng.random_range(0..used)].clone();
            let e = refresh(old)
                .await
                .expect_err("a used refresh token refreshed");
            assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
            if !state.revoked {
                assert!(e.message().contains("reused"), "{e:?}");
            }
            let e = refresh(newest)
                .await
                .expect_err("the newest token of a replayed family refreshed");
            assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
        } else {
            match refresh(newest).await {
                Ok(_) => assert!(
                    !state.revoked && !newest_consumed,
                    "session {} refreshed: revoked {}, newest consumed {newest_consumed}",
                    h.session_id,
                    state.revoked
                ),
                Err(e) => {
                    assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
                    assert!(
                        state.revoked || newest_consumed,
                        "the newest token of live session {} did not refresh: {e:?}",
                        h.session_id
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_sign_in_storm_killed_again_and_again_keeps_every_session_whole() {
    let mut plan = Plan::new("storm");
    let dirs = TestDirs::new();
    let config = write_config(&dirs, "[auth]\nsign_in_attempts_per_minute = 1000\n");
    let mut daemon = Daemon::start(&dirs, &config, 0).await;
    let mut api = Api::connect(&dirs.socket()).await;
    let owner = api.setup_owner(OWNER, OWNER_PW).await.access_token;
    for name in STORM_USERS {
        api.admin_as(&owner)
            .create_user(CreateUserRequest {
                username: name.into(),
                password: USER_PW.into(),
            })
            .await
            .unwrap();
    }
    let mut sessions = 0;

    for kill in 1..=plan.kills {
        let ledger = Arc::new(Ledger::default());
        let arm_at = plan.rng.random_range(2..12);
        let extra = plan.delay(STORM_EXTRA);
        let mut workers = Vec::new();
        for user in 0..STORM_USERS.len() {
            for _ in 0..WORKERS_PER_USER {
                let rng = StdRng::seed_from_u64(plan.rng.random());
                workers.push(tokio::spawn(storm_worker(
                    dirs.socket(),
                    user,
                    rng,
                    ledger.clone(),
                )));
            }
        }
        let ledger_ref = &ledger;
        wait_for("the storm to get going", || async move {
            (ledger_ref.answered.load(Ordering::SeqCst) >= arm_at).then_some(())
        })
        .await;
        tokio::time::sleep(extra).await;
        ledger.killed.store(true, Ordering::SeqCst);
        plan.inside += 1;
        daemon.kill().await;
        for w in workers {
            w.await.expect("a storm worker panicked");
        }
        drop(api);
        let held = ledger.sessions.lock().unwrap().clone();

        let (disk, now_sessions) = sessions_on_disk(&dirs, &held, sessions).await;
        sessions = now_sessions;
        // Calls the kill cut off, and how many of them had committed all the same.
        let cut_off = held.iter().filter(|h| h.in_flight.is_some()).count();
        let committed_unanswered = held
            .iter()
            .filter(|h| {
                let state = &disk[&h.session_id];
                match h.in_flight {
                    Some(InFlight::Refresh) => {
                        let newest = h.tokens.last().unwrap();
                        let hash = spotter_daemon::auth::refresh_token_hash(newest).unwrap();
                        state.tokens[hash.as_slice()]
                    }
                    Some(InFlight::SignOut) => state.revoked,
                    None => false,
                }
            })
            .count();
        eprintln!(
            "crash/storm: kill {kill} at {arm_at} answers + {extra:.1?}: {sessions} sessions on disk, \
             {} signed in this round, {cut_off} refreshes or sign-outs cut off \
             ({committed_unanswered} committed)",
            held.len()
        );
        daemon = plan.restart(&dirs, &config).await;
        api = Api::connect(&dirs.socket()).await;
        check_tokens(&api, &held, &disk, &mut plan.rng).await;
        // Sign-in works.
        for name in STORM_USERS {
            api.sign_in(name, USER_PW)
                .await
                .expect("sign in after the restart");
        }
    }
    drop(api);
    daemon.stop().await;
    let mut db = open_db(&dirs.database()).await;
    assert_integrity(&mut db).await;
    db.close().await.unwrap();
    plan.report();
}
