//! Packaging: the systemd units pass `systemd-analyze verify` and agree with the
//! daemon's locations, the sysusers/tmpfiles entries apply, and
//! `packaging/config.example.toml` is accepted by the real `spotterd` and documents
//! every setting with its default.
//!
//! These tests need the built `spotterd` (`cargo build --workspace --bins`) and systemd's
//! tools (`systemd-analyze`, `systemd-sysusers`, `systemd-tmpfiles`; systemd need not be
//! running). A missing tool fails the test: it is never skipped.

use std::{
    collections::BTreeMap,
    fs,
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::{Command, Output},
};

use spotter_daemon::{config::Settings, crypto::KEY_FILE_NAME};
use spotter_proto::locations::{
    SOCKET_FILE, SYSTEM_CONFIG_DIR, SYSTEM_RUNTIME_DIR, SYSTEM_STATE_DIR,
};

const EXIT_CONFIG: i32 = 2;
const BINARY_IN_UNIT: &str = "/usr/bin/spotterd";

fn packaging(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .join("packaging")
        .join(rel)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The built daemon: `target/<profile>/deps/packaging-<hash>` → `target/<profile>/spotterd`.
fn spotterd() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("cannot find the target directory above {}", exe.display()));
    let path = profile_dir.join("spotterd");
    assert!(
        path.is_file(),
        "{} is missing: build the daemon first with `cargo build --workspace --bins` \
         (or `cargo build -p spotter-daemon`)",
        path.display()
    );
    path
}

/// A systemd tool, or a failure telling how to get it.
fn systemd_tool(name: &str) -> Command {
    match Command::new(name).arg("--version").output() {
        Ok(out) if out.status.success() => Command::new(name),
        Ok(out) => panic!(
            "`{name} --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "`{name}` cannot be run ({e}): install systemd (e.g. `apt-get install systemd`); \
             the packaging tests need its tools but not a running systemd"
        ),
    }
}

fn run(mut cmd: Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    eprintln!(
        "{cmd:?}: {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn am_root(dir: &Path) -> bool {
    fs::metadata(dir).expect("metadata").uid() == 0
}

// ---------------------------------------------------------------------------------------
// systemd units

/// `Key=value` lines of a unit file, per section, in order (repeated keys kept).
fn unit_directives(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not a directive: {line}"));
        out.entry(section.clone())
            .or_default()
            .push((k.trim().to_string(), v.trim().to_string()));
    }
    out
}

fn values<'a>(
    unit: &'a BTreeMap<String, Vec<(String, String)>>,
    section: &str,
    key: &str,
) -> Vec<&'a str> {
    unit.get(section)
        .map(|d| {
            d.iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn one<'a>(unit: &'a BTreeMap<String, Vec<(String, String)>>, section: &str, key: &str) -> &'a str {
    match values(unit, section, key).as_slice() {
        [v] => v,
        other => panic!("expected exactly one [{section}] {key}=, found {other:?}"),
    }
}

#[test]
fn systemd_units_verify() {
    let mut cmd = systemd_tool("systemd-analyze");
    let daemon = spotterd();
    let daemon = daemon.to_str().expect("UTF-8 target path");
    assert!(
        !daemon.contains(|c: char| c.is_whitespace() || "%\"'\\".contains(c)),
        "the target path {daemon} needs quoting in a unit file; use a plainer CARGO_TARGET_DIR"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let service = read(&packaging("systemd/spotterd.service"));
    assert!(
        service.contains(&format!("ExecStart={BINARY_IN_UNIT} ")),
        "spotterd.service must run {BINARY_IN_UNIT}"
    );
    // `verify` checks that ExecStart's binary exists: point it at the built one.
    fs::write(
        dir.path().join("spotterd.service"),
        service.replace(BINARY_IN_UNIT, daemon),
    )
    .expect("write service");
    fs::copy(
        packaging("systemd/spotterd.socket"),
        dir.path().join("spotterd.socket"),
    )
    .expect("copy socket");

    cmd.args(["--man=no", "--generators=no", "verify"])
        .arg(dir.path().join("spotterd.service"))
        .arg(dir.path().join("spotterd.socket"))
        .current_dir(dir.path())
        // Messages to stderr (not the journal), plain, at a fixed level.
        .env("SYSTEMD_LOG_TARGET", "console")
        .env("SYSTEMD_LOG_LEVEL", "info")
        .env("SYSTEMD_LOG_COLOR", "0")
        .env("SYSTEMD_PAGER", "cat");
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed ({}):\n{stderr}",
        out.status
    );
    // `verify` exits 0 on unknown keys and bad values ("Unknown key …, ignoring"), so
    // any message about our units is a failure: a clean unit produces none.
    let dir_str = dir.path().to_string_lossy();
    let about_us: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("spotterd") || l.contains(dir_str.as_ref()))
        .collect();
    assert!(
        about_us.is_empty(),
        "systemd-analyze verify complained about the units:\n{}",
        about_us.join("\n")
    );
}

#[test]
fn systemd_units_agree_with_the_daemon() {
    let service = unit_directives(&read(&packaging("systemd/spotterd.service")));
    let socket = unit_directives(&read(&packaging("systemd/spotterd.socket")));

    assert_eq!(
        one(&socket, "Socket", "ListenStream"),
        format!("{SYSTEM_RUNTIME_DIR}/{SOCKET_FILE}"),
        "the socket unit must listen where clients look"
    );
    assert_eq!(one(&socket, "Socket", "SocketMode"), "0660");
    assert_eq!(one(&socket, "Socket", "SocketGroup"), "spotter");
    assert_eq!(one(&socket, "Socket", "DirectoryMode"), "0750");

    assert_eq!(one(&service, "Service", "Type"), "notify");
    assert_eq!(one(&service, "Service", "NotifyAccess"), "main");
    assert_eq!(
        one(&service, "Service", "ExecStart"),
        format!("{BINARY_IN_UNIT} --mode system")
    );
    assert_eq!(one(&service, "Service", "User"), "spotter");
    assert!(values(&service, "Service", "DynamicUser").is_empty());
    assert_eq!(
        format!("/run/{}", one(&service, "Service", "RuntimeDirectory")),
        SYSTEM_RUNTIME_DIR
    );
    assert_eq!(one(&service, "Service", "RuntimeDirectoryMode"), "0750");
    assert_eq!(
        format!("/var/lib/{}", one(&service, "Service", "StateDirectory")),
        SYSTEM_STATE_DIR
    );
    assert_eq!(one(&service, "Service", "StateDirectoryMode"), "0700");
    assert_eq!(
        format!(
            "/etc/{}",
            one(&service, "Service", "ConfigurationDirectory")
        ),
        SYSTEM_CONFIG_DIR
    );
    let mut credentials: Vec<_> = values(&service, "Service", "LoadCredential")
        .into_iter()
        .filter_map(|c| c.split_once(':').map(|(name, _)| name))
        .collect();
    credentials.sort_unstable();
    assert_eq!(
        credentials,
        [KEY_FILE_NAME, spotter_daemon::crypto::JWT_SECRET.credential],
        "the credentials must be named as the daemon reads them"
    );
    assert_eq!(one(&service, "Service", "CapabilityBoundingSet"), "");
    assert_eq!(one(&service, "Service", "AmbientCapabilities"), "");
    // systemd must wait longer than the daemon's own shutdown budget.
    let stop: u64 = one(&service, "Service", "TimeoutStopSec")
        .parse()
        .expect("TimeoutStopSec in seconds");
    assert!(stop > Settings::default().daemon.shutdown_timeout_secs);
    // Room for every client connection besides the daemon's own files (issue 10,
    // finding 3): a flood must meet the connection limits, never the open-file limit.
    let files: u64 = one(&service, "Service", "LimitNOFILE")
        .parse()
        .expect("LimitNOFILE as a number");
    assert!(
        files
            >= Settings::default().daemon.max_connections as u64
                + spotter_daemon::transport::connections::RESERVED_FILES
    );
    assert!(values(&service, "Unit", "Requires").contains(&"spotterd.socket"));
    assert!(values(&service, "Install", "Also").contains(&"spotterd.socket"));
}

#[test]
fn sysusers_and_tmpfiles_entries_apply() {
    let root = tempfile::tempdir().expect("tempdir");
    fs::create_dir(root.path().join("etc")).expect("mkdir etc");
    let mut sysusers = systemd_tool("systemd-sysusers");
    sysusers
        .arg(format!("--root={}", root.path().display()))
        .arg(packaging("sysusers.d/spotter.conf"));
    let out = run(sysusers);
    assert!(out.status.success(), "systemd-sysusers failed");
    let passwd = read(&root.path().join("etc/passwd"));
    let user = passwd
        .lines()
        .find(|l| l.starts_with("spotter:"))
        .unwrap_or_else(|| panic!("no spotter user in {passwd}"));
    let fields: Vec<&str> = user.split(':').collect();
    assert_eq!(fields[5], SYSTEM_STATE_DIR, "home directory");
    assert!(
        read(&root.path().join("etc/group")).contains("spotter:"),
        "no spotter group"
    );

    // Only root can give files away; elsewhere check everything but the owners.
    let root_user = am_root(root.path());
    let mut tmpfiles_conf = read(&packaging("tmpfiles.d/spotter.conf"));
    if !root_user {
        tmpfiles_conf = tmpfiles_conf
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                if l.starts_with('#') || f.len() < 5 {
                    l.to_string()
                } else {
                    format!("{} {} {} - - {}", f[0], f[1], f[2], f[5..].join(" "))
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    let conf = root.path().join("spotter-tmpfiles.conf");
    fs::write(&conf, tmpfiles_conf).expect("write tmpfiles conf");
    let mut tmpfiles = systemd_tool("systemd-tmpfiles");
    tmpfiles
        .arg(format!("--root={}", root.path().display()))
        .arg("--create")
        .arg(&conf);
    let out = run(tmpfiles);
    assert!(out.status.success(), "systemd-tmpfiles failed");

    let uid: u32 = fields[2].parse().expect("uid");
    for (dir, mode, owner) in [
        (SYSTEM_RUNTIME_DIR.to_string(), 0o750, uid),
        (format!("{SYSTEM_CONFIG_DIR}/credentials"), 0o700, 0),
        (SYSTEM_STATE_DIR.to_string(), 0o700, uid),
    ] {
        let path = root.path().join(dir.trim_start_matches('/'));
        let meta = fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(meta.is_dir(), "{dir} is not a directory");
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "mode of {dir}");
        if root_user {
            assert_eq!(meta.uid(), owner, "owner of {dir}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// config.example.toml

/// `spotterd [args] check-config` with a clean environment: temp XDG directories, no
/// inherited `SPOTTER_*`, credentials or log settings. The test process's own
/// environment is never changed.
fn check_config(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = dir.join("home");
    fs::create_dir_all(&home).expect("mkdir home");
    let mut cmd = Command::new(spotterd());
    cmd.args(args)
        .arg("check-config")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_RUNTIME_DIR", home.join("run"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd)
}

fn example_path() -> PathBuf {
    packaging("config.example.toml")
}

fn example_config() -> String {
    read(&example_path())
}

#[test]
fn example_config_is_accepted_by_spotterd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = example_path();
    let out = check_config(
        dir.path(),
        &[],
        &[("SPOTTER_CONFIG", example.to_str().expect("UTF-8 path"))],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "check-config rejected the example"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("# file: {}", example.display())),
        "the example was not read:\n{stdout}"
    );
}

#[test]
fn example_config_is_accepted_in_system_mode_with_the_key_as_a_credential() {
    let dir = tempfile::tempdir().expect("tempdir");
    // What systemd's LoadCredential= provides: $CREDENTIALS_DIRECTORY/encryption-key.
    let credentials = dir.path().join("credentials");
    fs::create_dir(&credentials).expect("mkdir credentials");
    let key = credentials.join(KEY_FILE_NAME);
    let mut gen_key = Command::new(spotterd());
    gen_key.args(["admin", "gen-key", "--out"]).arg(&key);
    assert!(run(gen_key).status.success(), "admin gen-key failed");

    let example = example_path();
    let out = check_config(
        dir.path(),
        &["--mode", "system"],
        &[
            ("SPOTTER_CONFIG", example.to_str().expect("UTF-8 path")),
            (
                "CREDENTIALS_DIRECTORY",
                credentials.to_str().expect("UTF-8 path"),
            ),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "system-mode check-config failed"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "# mode: system".to_string(),
        format!("# socket: {SYSTEM_RUNTIME_DIR}/{SOCKET_FILE}"),
        format!("# database: {SYSTEM_STATE_DIR}/spotter.db"),
        format!("from systemd credential {}", key.display()),
    ] {
        assert!(
            stdout.contains(&expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
}

fn check_config_text(text: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config.toml");
    fs::write(&file, text).expect("write config");
    let file = file.to_str().expect("UTF-8 path").to_string();
    let mut env = env.to_vec();
    env.push(("SPOTTER_CONFIG", &file));
    check_config(dir.path(), &[], &env)
}

#[test]
fn invalid_value_is_refused_naming_the_key() {
    let out = check_config_text("[daemon]\nshutdown_timeout_secs = 0\n", &[]);
    assert_eq!(out.status.code(), Some(EXIT_CONFIG));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("daemon.shutdown_timeout_secs"),
        "stderr does not name the key:\n{stderr}"
    );
}

#[test]
fn unknown_key_is_refused_naming_it() {
    let out = check_config_text("[navidrome]\nbase_ulr = \"http://127.0.0.1:4533\"\n", &[]);
    assert_eq!(out.status.code(), Some(EXIT_CONFIG));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("base_ulr"),
        "stderr does not name the key:\n{stderr}"
    );
}

#[test]
fn environment_overrides_described_in_the_example_work() {
    // SPOTTER_<SECTION>_<KEY> wins over the file.
    let out = check_config_text(
        "[navidrome]\ntimeout_secs = 15\n",
        &[("SPOTTER_NAVIDROME_TIMEOUT_SECS", "0")],
    );
    assert_eq!(out.status.code(), Some(EXIT_CONFIG));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("navidrome.timeout_secs"), "{stderr}");

    // SPOTTER_SOCKET wins over daemon.socket.
    let out = check_config_text(
        "[daemon]\nsocket = \"/srv/spotter/file.sock\"\n",
        &[("SPOTTER_SOCKET", "/srv/spotter/env.sock")],
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("# socket: /srv/spotter/env.sock (Environment)"),
        "{stdout}"
    );
}

/// One `key = value` line of the example, commented out (`#key = …`) or not.
#[derive(Debug)]
struct Documented {
    commented: bool,
    /// The line has `#` comment lines right above it.
    explained: bool,
    line: usize,
}

/// Every `[section]` and `key = value` / `#key = value` line of the example. Prose
/// comments are `# ` followed by text; a commented-out setting has no space after `#`.
fn documented_keys(text: &str) -> BTreeMap<(String, String), Documented> {
    let mut out = BTreeMap::new();
    let mut section = String::new();
    let mut prose_above = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            prose_above = false;
            continue;
        }
        let (commented, body) = match line.strip_prefix('#') {
            Some(rest) if !rest.starts_with([' ', '#']) && !rest.is_empty() => (true, rest),
            Some(_) => {
                prose_above = true;
                continue;
            }
            None => (false, line),
        };
        if body.is_empty() {
            prose_above = false;
            continue;
        }
        let (key, _) = body
            .split_once('=')
            .unwrap_or_else(|| panic!("config.example.toml:{}: not `key = value`: {raw}", i + 1));
        let previous = out.insert(
            (section.clone(), key.trim().to_string()),
            Documented {
                commented,
                explained: prose_above,
                line: i + 1,
            },
        );
        assert!(
            previous.is_none(),
            "config.example.toml:{}: {section}.{} shown twice",
            i + 1,
            key.trim()
        );
        prose_above = false;
    }
    out
}

/// Every setting with its default, from the daemon's own `Settings` (JSON keeps the
/// unset `Option`s as `null`, so none is missed).
fn settings_defaults() -> BTreeMap<(String, String), serde_json::Value> {
    let value = serde_json::to_value(Settings::default()).expect("settings to JSON");
    let mut out = BTreeMap::new();
    for (section, keys) in value.as_object().expect("settings object") {
        for (key, default) in keys.as_object().expect("section object") {
            out.insert((section.clone(), key.clone()), default.clone());
        }
    }
    assert!(out.len() >= 8, "suspiciously few settings: {out:?}");
    out
}

#[test]
fn example_config_documents_every_setting_with_its_default() {
    let text = example_config();
    let documented = documented_keys(&text);
    let settings = settings_defaults();

    let mut problems = Vec::new();
    for ((section, key), default) in &settings {
        match documented.get(&(section.clone(), key.clone())) {
            None => problems.push(format!("{section}.{key} is not documented")),
            Some(d) => {
                if !d.explained {
                    problems.push(format!(
                        "line {}: {section}.{key} has no comment above it",
                        d.line
                    ));
                }
                if default.is_null() != d.commented {
                    problems.push(format!(
                        "line {}: {section}.{key} must be {} (its default is {})",
                        d.line,
                        if default.is_null() {
                            "commented out"
                        } else {
                            "set, not commented out"
                        },
                        if default.is_null() {
                            "unset".to_string()
                        } else {
                            default.to_string()
                        },
                    ));
                }
            }
        }
    }
    for ((section, key), d) in &documented {
        if !settings.contains_key(&(section.clone(), key.clone())) {
            problems.push(format!("line {}: {section}.{key} is not a setting", d.line));
        }
    }
    assert!(
        problems.is_empty(),
        "config.example.toml is out of step with Settings:\n  {}",
        problems.join("\n  ")
    );

    // The values shown are the real defaults.
    let parsed: Settings = toml::from_str(&text).expect("the example is valid TOML for Settings");
    assert_eq!(
        parsed,
        Settings::default(),
        "config.example.toml shows values that are not the defaults"
    );

    // The commented-out examples are valid values too.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if !rest.starts_with([' ', '#']) && !rest.is_empty() => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let all: Settings =
        toml::from_str(&uncommented).expect("the uncommented example is valid TOML for Settings");
    let json = serde_json::to_value(&all).expect("settings to JSON");
    for (section, key) in settings.keys() {
        assert!(
            !json[section][key].is_null(),
            "{section}.{key} has no example value"
        );
    }
    assert_eq!(all.validate(), Vec::new(), "example values are invalid");
}

#[test]
fn example_config_header_explains_locations_and_overrides() {
    let text = example_config();
    for needed in [
        "/etc/spotter/config.toml",
        "SPOTTER_CONFIG",
        "SPOTTER_<SECTION>_<KEY>",
        "SPOTTER_NAVIDROME_BASE_URL",
        "SPOTTER_SOCKET",
        "SPOTTER_SECURITY_ENCRYPTION_KEY",
        "Secrets never go in this file",
        "spotterd admin gen-key",
    ] {
        assert!(
            text.contains(needed),
            "config.example.toml does not mention `{needed}`"
        );
    }
}
