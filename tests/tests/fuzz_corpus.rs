//! Replays the committed fuzz corpus (SECURITY.md T9): every input of
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` goes through the same
//! `spotter_daemon::fuzzing` function the fuzzer calls, on the stable toolchain, so a
//! parser change that breaks on anything the fuzzer once found fails here, on every
//! run. `scripts/fuzz` grows the corpus.

use std::{
    collections::BTreeSet,
    fs,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
};

use spotter_daemon::fuzzing;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `target` on its corpus (which must exist and hold inputs) and on its
/// regressions; reports every input that panics, not just the first.
fn replay(name: &str, target: fn(&[u8])) {
    let corpus = inputs(&fuzz_dir().join("corpus").join(name));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{name} is missing or empty: run `scripts/fuzz {name}` and commit it"
    );
    let regressions = inputs(&fuzz_dir().join("regressions").join(name));
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = fs::read(path).expect("read input");
        if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{name} panics on: {failed:#?}");
}

macro_rules! targets {
    ($($name:ident),* $(,)?) => {
        const TARGETS: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                replay(stringify!($name), fuzzing::$name);
            }
        )*
    };
}

targets!(
    import_auto,
    import_lastfm_csv,
    import_lastfm_json,
    import_listenbrainz,
    import_spotify,
    import_spotify_extended,
    envelope_open,
    envelope_tamper,
    jwt_verify,
    spotify_redirect,
    lastfm_response,
    spotify_response,
    listenbrainz_response,
    subsonic_response,
);

/// A target added to `fuzz/` without a replay here (or one dropped there) fails.
#[test]
fn every_fuzz_target_is_replayed() {
    let on_disk: BTreeSet<String> = inputs(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| Some(p.file_name()?.to_str()?.strip_suffix(".rs")?.to_owned()))
        .collect();
    let replayed: BTreeSet<String> = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(on_disk, replayed);
}
