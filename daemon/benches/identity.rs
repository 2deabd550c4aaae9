//! Identity figures: sign-in latency (local account, argon2id at the parameters in
//! `auth::password`), the cost of verifying an access token, and an authenticated RPC
//! round trip next to the unauthenticated `GetStatus`, all over the real socket.
//!
//! ```text
//! cargo bench -p spotter-daemon --bench identity
//! ```
//! `SPOTTER_BENCH_ITERS` sets the round trips per RPC (default 10,000).

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use spotter_daemon::auth::jwt::{JwtSecret, TokenSigner};
use spotter_daemon::{Config, auth::password, config::Settings, crypto::KeyInputs};
use spotter_proto::{
    locations::{Dirs, Mode},
    v1::{self, SignInMethod, auth_client::AuthClient, system_client::SystemClient},
};
use tonic::transport::{Channel, Endpoint};

const USER: &str = "bench";
const PASSWORD: &str = "bench-password-cobalt";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // `cargo test --all-targets` runs benches without `--bench`: keep that a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let iters: u64 = std::env::var("SPOTTER_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 10_000 } else { 50 });
    let sign_ins: u64 = if full { 40 } else { 3 };

    let dir = tempfile::Builder::new().prefix("spb").tempdir_in("/tmp")?;
    let running = spotter_daemon::boot(config(dir.path())?).await?;
    let channel = connect(running.socket_path()).await?;
    let mut auth = AuthClient::new(channel.clone());
    auth.setup(v1::SetupRequest {
        method: SignInMethod::Local as i32,
        username: USER.into(),
        password: PASSWORD.into(),
        setup_code: String::new(),
        device_label: "bench".into(),
    })
    .await?;

    println!(
        "spotter identity benchmark ({} build, {} CPUs)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::thread::available_parallelism()?
    );
    println!(
        "argon2id m={} KiB, t={}, p={}",
        password::ARGON2_M_COST,
        password::ARGON2_T_COST,
        password::ARGON2_P_COST
    );

    // Sign-in: the full RPC, argon2 verification, lockout bookkeeping, session and tokens.
    let mut sign_in = histogram();
    let mut token = String::new();
    for _ in 0..sign_ins {
        let start = Instant::now();
        let r = auth
            .sign_in(v1::SignInRequest {
                method: SignInMethod::Local as i32,
                username: USER.into(),
                password: PASSWORD.into(),
                device_label: "bench".into(),
            })
            .await?
            .into_inner();
        sign_in.record(start.elapsed().as_nanos() as u64)?;
        token = r.access_token;
    }
    // Unknown user: the dummy verification should cost the same.
    let mut unknown = histogram();
    for _ in 0..sign_ins.min(10) {
        let start = Instant::now();
        let _ = auth
            .sign_in(v1::SignInRequest {
                method: SignInMethod::Local as i32,
                username: format!("nobody{}", unknown.len()),
                password: PASSWORD.into(),
                device_label: String::new(),
            })
            .await;
        unknown.record(start.elapsed().as_nanos() as u64)?;
    }

    // Token verification alone (HS256 signature + claims) ...
    let secret = std::fs::read_to_string(dir.path().join("cfg/jwt-secret"))?;
    let signer = TokenSigner::new(&JwtSecret::parse(&secret).map_err(|e| anyhow::anyhow!("{e}"))?);
    let n = iters.max(100) * 10;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            signer
                .verify(std::hint::black_box(&token))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
    }
    let jwt_verify = start.elapsed() / n as u32;
    // ... and the whole access check the layer runs (JWT + one session/user query).
    let identity = running.state().identity.clone();
    let uid = rustix::process::getuid().as_raw();
    let n = iters.max(100);
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            identity
                .authenticate(&token, uid)
                .await
                .map_err(|s| anyhow::anyhow!("{s}"))?,
        );
    }
    let access_check = start.elapsed() / n as u32;

    // Authenticated round trip (WhoAmI: layer + handler + a user lookup) vs GetStatus.
    let mut system = SystemClient::new(channel.clone());
    let mut authed =
        AuthClient::with_interceptor(channel.clone(), move |mut r: tonic::Request<()>| {
            r.metadata_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("ascii"),
            );
            Ok(r)
        });
    let mut status = histogram();
    let mut who = histogram();
    for i in 0..iters + iters / 10 {
        let t = Instant::now();
        system.get_status(v1::GetStatusRequest::default()).await?;
        let a = t.elapsed();
        let t = Instant::now();
        authed.who_am_i(v1::WhoAmIRequest {}).await?;
        let b = t.elapsed();
        if i >= iters / 10 {
            status.record(a.as_nanos() as u64)?;
            who.record(b.as_nanos() as u64)?;
        }
    }
    running.shutdown().await;

    println!();
    println!("| figure | p50 | p99 |");
    println!("|---|---|---|");
    row("sign-in, local account (RPC)", &sign_in);
    row("sign-in, unknown user (dummy verify)", &unknown);
    println!(
        "| JWT verification (HS256 + claims) | {} | (mean) |",
        fmt(jwt_verify.as_nanos() as u64)
    );
    println!(
        "| access check per request (JWT + session lookup) | {} | (mean of {n}) |",
        fmt(access_check.as_nanos() as u64)
    );
    row("GetStatus round trip (public)", &status);
    row("WhoAmI round trip (authenticated)", &who);
    println!(
        "\nauthenticated / public round trip: p50 {:.2}x, p99 {:.2}x",
        who.value_at_quantile(0.5) as f64 / status.value_at_quantile(0.5) as f64,
        who.value_at_quantile(0.99) as f64 / status.value_at_quantile(0.99) as f64
    );
    Ok(())
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

fn row(name: &str, h: &Histogram<u64>) {
    println!(
        "| {name} | {} | {} |",
        fmt(h.value_at_quantile(0.5)),
        fmt(h.value_at_quantile(0.99))
    );
}

fn fmt(nanos: u64) -> String {
    let d = Duration::from_nanos(nanos);
    if d >= Duration::from_millis(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    }
}

fn config(dir: &Path) -> anyhow::Result<Config> {
    let mut settings = Settings::default();
    settings.daemon.socket = Some(dir.join("s.sock"));
    settings.auth.sign_in_attempts_per_minute = 1000;
    let dirs = Dirs {
        config: dir.join("cfg"),
        data: dir.join("data"),
        state: dir.join("state"),
    };
    Ok(Config::resolve(
        Mode::Personal,
        None,
        dirs,
        settings,
        KeyInputs::default(),
    )?)
}

async fn connect(path: &Path) -> anyhow::Result<Channel> {
    let path: PathBuf = path.to_path_buf();
    Ok(Endpoint::try_from("http://localhost")?
        .connect_with_connector(tower::service_fn(move |_| {
            let p = path.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(p).await?,
                ))
            }
        }))
        .await?)
}
