//! Track matching figures (issue 12): the quality of the matcher on a labelled set
//! against a generated library with look-alikes, beside Spotter's algorithm as the
//! baseline, and its speed on a 200,000-song library.
//!
//! ```text
//! cargo bench -p spotter-daemon --bench matching
//! ```
//!
//! Without `--bench` (as `cargo nextest run` runs it) a small smoke run only checks
//! that every part still works.

use std::{collections::HashSet, time::Instant};

use spotter_daemon::music_text::matching::{Entry, LibraryIndex, Song, fold::fold};

/// A deterministic generator (splitmix64): the same library and set on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const COMMON: [&str; 32] = [
    "Love",
    "Home",
    "Stay",
    "Run",
    "Fire",
    "Rain",
    "Night",
    "Time",
    "Heart",
    "Dream",
    "Light",
    "Blue",
    "Gold",
    "Forever",
    "Tonight",
    "Alone",
    "Together",
    "Summer",
    "Hold On",
    "Let Go",
    "Angel",
    "Paradise",
    "Stars",
    "Ocean",
    "Rise",
    "Fall",
    "Hello",
    "Goodbye",
    "Falling",
    "Wild",
    "Don't Stop",
    "Rock-n-Roll",
];
const SYL: [&str; 24] = [
    "ka", "lo", "mi", "ra", "ten", "vo", "shi", "bel", "dar", "no", "qui", "zen", "tor", "fa",
    "lu", "ser", "pan", "ri", "gol", "mer", "vin", "sta", "cro", "del",
];
const CYR: [&str; 12] = [
    "ка", "ло", "ми", "ра", "тен", "во", "бел", "дар", "но", "лу", "сер", "пан",
];
const ACCENT: [(&str, &str); 4] = [("e", "é"), ("o", "ö"), ("a", "á"), ("u", "ü")];

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn word(r: &mut Rng, syl: &[&str]) -> String {
    let n = 2 + r.below(2);
    cap(&(0..n).map(|_| *r.pick(syl)).collect::<String>())
}

fn artist_name(r: &mut Rng) -> String {
    let roll = r.below(100);
    let base = format!("{} {}", word(r, &SYL), word(r, &SYL));
    match roll {
        0..=9 => format!("The {base}"),
        10..=14 => format!("{} {}", word(r, &CYR), word(r, &CYR)),
        15..=19 => {
            let (a, b) = *r.pick(&ACCENT);
            base.replacen(a, b, 1)
        }
        20..=24 => format!("{} & {}", word(r, &SYL), word(r, &SYL)),
        _ => base,
    }
}

fn title(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    (0..n)
        .map(|_| {
            if r.chance(40) {
                r.pick(&COMMON).to_string()
            } else {
                word(r, &SYL)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Library {
    songs: Vec<Song>,
    /// Studio songs (indices) and their live / remix versions when generated.
    studio: Vec<(usize, Option<usize>, Option<usize>)>,
    artists: Vec<String>,
    keys: HashSet<(String, String)>,
}

fn library(n: usize, seed: u64) -> Library {
    let mut r = Rng(seed);
    let artists: Vec<String> = (0..(n / 8).max(20)).map(|_| artist_name(&mut r)).collect();
    let mut songs = Vec::with_capacity(n);
    let mut studio = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    // Adds a song unless the library already has this artist and title (so every
    // label has one right answer).
    let mut add = |songs: &mut Vec<Song>, artist: &str, t: String, r: &mut Rng| {
        if !seen.insert((fold(artist), fold(&t))) {
            return None;
        }
        let id = songs.len();
        songs.push(Song {
            id: format!("s{id}"),
            artist: artist.to_owned(),
            title: t,
            album: format!(
                "{} {}",
                word(r, &SYL),
                if r.chance(20) { "(Deluxe Edition)" } else { "" }
            ),
            duration_secs: Some(120 + r.below(300) as u32),
            isrc: r.chance(30).then(|| format!("QZ{:010}", id)),
            mbid: r
                .chance(20)
                .then(|| format!("{:08x}-0000-4000-8000-{:012x}", id, id)),
        });
        Some(id)
    };
    while songs.len() < n {
        let artist = r.pick(&artists).clone();
        let t = title(&mut r);
        let Some(base) = add(&mut songs, &artist, t.clone(), &mut r) else {
            continue;
        };
        let live = r
            .chance(6)
            .then(|| add(&mut songs, &artist, format!("{t} - Live"), &mut r))
            .flatten();
        let remix = r
            .chance(4)
            .then(|| {
                let rx = format!("{t} ({} Remix)", word(&mut r, &SYL));
                add(&mut songs, &artist, rx, &mut r)
            })
            .flatten();
        if r.chance(3) {
            // A cover: the same title by another artist.
            let other = r.pick(&artists).clone();
            add(&mut songs, &other, t.clone(), &mut r);
        }
        if r.chance(3) {
            // The same artist, a title one word away.
            let t2 = format!("{t} {}", r.pick(&COMMON));
            add(&mut songs, &artist, t2, &mut r);
        }
        studio.push((base, live, remix));
    }
    let keys = songs
        .iter()
        .map(|s| (fold(&s.artist), fold(&s.title)))
        .collect();
    Library {
        songs,
        studio,
        artists,
        keys,
    }
}

fn typo(s: &str, r: &mut Rng) -> Option<String> {
    let mut words: Vec<String> = s.split(' ').map(str::to_owned).collect();
    let i = words.iter().position(|w| w.chars().count() >= 6)?;
    let chars: Vec<char> = words[i].chars().collect();
    let cut = 1 + r.below(chars.len() - 2);
    words[i] = chars[..cut].iter().chain(&chars[cut + 1..]).collect();
    Some(words.join(" "))
}

/// A labelled set: entries and the song id each should match (None: not in library).
fn labelled(lib: &Library, n: usize, seed: u64) -> Vec<(Entry, Option<String>, usize)> {
    let mut r = Rng(seed);
    let mut out = Vec::new();
    let e = |artist: &str, t: &str| Entry {
        artists: vec![artist.to_owned()],
        title: t.to_owned(),
        ..Entry::default()
    };
    let mut attempts = 0;
    while out.len() < n && attempts < n * 200 {
        attempts += 1;
        let case = out.len() % CASES.len();
        let &(bi, live, remix) = r.pick(&lib.studio);
        let s = &lib.songs[bi];
        let id = Some(s.id.clone());
        let item: Option<(Entry, Option<String>)> = match case {
            0 => s.isrc.as_ref().map(|i| {
                (
                    Entry {
                        isrc: Some(i.clone()),
                        ..e(&s.artist, &s.title.to_uppercase())
                    },
                    id,
                )
            }),
            1 => s.mbid.as_ref().map(|m| {
                (
                    Entry {
                        mbid: Some(m.clone()),
                        ..e("Unknown", &s.title)
                    },
                    id,
                )
            }),
            2 => (!s.artist.is_ascii()).then(|| {
                (
                    e(
                        &deunicode_like(&s.artist).to_uppercase(),
                        &s.title.to_lowercase(),
                    ),
                    id,
                )
            }),
            3 => (s
                .artist
                .chars()
                .any(|c| ('\u{400}'..'\u{500}').contains(&c)))
            .then(|| (e(&fold(&s.artist), &s.title), id)),
            4 => (s.title.contains('\'') || s.title.contains('-')).then(|| {
                (
                    e(&s.artist, &s.title.replace('\'', "’").replace('-', "–")),
                    id,
                )
            }),
            5 => s.artist.contains(" & ").then(|| {
                (
                    e(
                        &s.artist
                            .replace(" & ", if r.chance(50) { " and " } else { " + " }),
                        &s.title,
                    ),
                    id,
                )
            }),
            6 => s.artist.strip_prefix("The ").map(|a| (e(a, &s.title), id)),
            7 => Some((
                Entry {
                    artists: vec![s.artist.clone(), r.pick(&lib.artists).clone()],
                    ..e("", &s.title)
                },
                id,
            )),
            8 => Some((
                e(
                    &s.artist,
                    &format!(
                        "{} ({} {})",
                        s.title,
                        r.pick(&["feat.", "ft.", "featuring"]),
                        r.pick(&lib.artists)
                    ),
                ),
                id,
            )),
            9 => Some((
                e(&s.artist, &format!("{}{}", s.title, r.pick(&SUFFIXES))),
                id,
            )),
            10 => live
                .map(|l| {
                    (
                        e(&s.artist, &format!("{} (Live)", s.title)),
                        Some(lib.songs[l].id.clone()),
                    )
                })
                .or_else(|| {
                    remix.map(|x| {
                        (
                            e(
                                &s.artist,
                                &lib.songs[x].title.replace(" (", " - ").replace(')', ""),
                            ),
                            Some(lib.songs[x].id.clone()),
                        )
                    })
                }),
            11 => (live.is_none() && remix.is_none()).then(|| {
                (
                    e(&s.artist, &format!("{}{}", s.title, r.pick(&VERSIONS))),
                    None,
                )
            }),
            12 => (live.is_some() || remix.is_some()).then(|| (e(&s.artist, &s.title), id)),
            13 => {
                let other = format!("Zyx {}", word(&mut r, &SYL));
                Some((e(&other, &s.title), None))
            }
            14 => {
                let t2 = format!("{} {}", s.title, word(&mut r, &SYL));
                (!lib.keys.contains(&(fold(&s.artist), fold(&t2))))
                    .then(|| (e(&s.artist, &t2), None))
            }
            15 => Some((
                e(&format!("Qwv {}", word(&mut r, &SYL)), &title(&mut r)),
                None,
            )),
            16 => typo(&s.title, &mut r).map(|t| (e(&s.artist, &t), id)),
            17 => typo(&s.artist, &mut r).map(|a| (e(&a, &s.title), id)),
            18 => COMMON
                .contains(&s.title.as_str())
                .then(|| (e(&s.artist, &s.title), id)),
            _ => Some((
                Entry {
                    album: Some(format!(
                        "{} (Remastered)",
                        s.album.replace(" (Deluxe Edition)", "")
                    )),
                    duration_secs: s.duration_secs.map(|d| d + 2),
                    ..e(&s.artist, &s.title)
                },
                id,
            )),
        };
        if let Some((entry, expected)) = item {
            out.push((entry, expected, case));
        }
    }
    out
}

const CASES: [&str; 20] = [
    "isrc",
    "mbid",
    "case+diacritics",
    "transliteration",
    "quotes+dashes",
    "&/and/+",
    "leading The",
    "featured (list)",
    "featured (title)",
    "edition suffix",
    "same version",
    "version absent",
    "studio among versions",
    "cover",
    "one word more",
    "not in library",
    "title typo",
    "artist typo",
    "common-word title",
    "album+duration",
];
const SUFFIXES: [&str; 7] = [
    " - Remastered 2009",
    " (2011 Remaster)",
    " - 2019 Mix",
    " - Single Version",
    " - Radio Edit",
    " - Mono",
    " - From \"The Lion King\"",
];
const VERSIONS: [&str; 5] = [
    " - Live",
    " (Demo)",
    " - Acoustic",
    " (Alternate Take)",
    " (Club Remix)",
];

/// The artist as a tag without diacritics would give it.
fn deunicode_like(s: &str) -> String {
    let mut out = s.to_owned();
    for (a, b) in ACCENT {
        out = out.replace(b, a);
    }
    out
}

/// Spotter's matcher: its normalisation, Levenshtein similarity over characters,
/// 0.6·title + 0.4·artist (+0.1 when both exceed 0.8), accepted at 0.7, scanning the
/// library.
mod baseline {
    use spotter_daemon::music_text::matching::{Entry, Song};

    const SUFFIXES: [&str; 8] = [
        "(remastered)",
        "(live)",
        "(radio edit)",
        "(deluxe)",
        "(bonus track)",
        "(explicit)",
        "(single version)",
        "(remix)",
    ];

    pub fn normalize(s: &str) -> String {
        let mut t = s.to_lowercase();
        // A trailing year-remaster: " - 2009 remaster", " - remastered 2009", "(2011 remaster)".
        if let Some(i) = t.rfind(" - ").or_else(|| t.rfind(" (")) {
            let tail = &t[i..];
            if tail.contains("remaster") && tail.chars().any(|c| c.is_ascii_digit()) {
                t.truncate(i);
            }
        }
        for (open, close) in [("(", ")"), ("[", "]")] {
            if t.ends_with(close)
                && let Some(i) = t.rfind(open)
            {
                let inner = &t[i + 1..];
                if close == "]"
                    || ["feat.", "ft.", "featuring"]
                        .iter()
                        .any(|p| inner.starts_with(p))
                {
                    t.truncate(i);
                }
            }
        }
        let trimmed = t.trim_end().to_owned();
        for sfx in SUFFIXES {
            if let Some(x) = trimmed.strip_suffix(sfx) {
                t = x.to_owned();
                break;
            }
        }
        t.chars().filter(|c| c.is_alphanumeric()).collect()
    }

    pub struct Prepared {
        artist: String,
        title: String,
    }

    pub fn prepare(songs: &[Song]) -> Vec<Prepared> {
        songs
            .iter()
            .map(|s| Prepared {
                artist: normalize(&s.artist),
                title: normalize(&s.title),
            })
            .collect()
    }

    pub fn match_entry(lib: &[Prepared], songs: &[Song], e: &Entry) -> Option<String> {
        let artist = normalize(&e.artists.join(", "));
        let title = normalize(&e.title);
        let mut best = (0.0, None);
        for (p, s) in lib.iter().zip(songs) {
            let t = strsim::normalized_levenshtein(&title, &p.title);
            let a = strsim::normalized_levenshtein(&artist, &p.artist);
            let mut score = 0.6 * t + 0.4 * a;
            if t > 0.8 && a > 0.8 {
                score += 0.1;
            }
            if score > best.0 {
                best = (score, Some(&s.id));
            }
        }
        (best.0 >= 0.7).then(|| best.1.cloned()).flatten()
    }
}

#[derive(Default)]
struct Tally {
    tp: usize,
    accepted: usize,
    positives: usize,
}

impl Tally {
    fn add(&mut self, got: Option<&String>, expected: Option<&String>) {
        if expected.is_some() {
            self.positives += 1;
        }
        if got.is_some() {
            self.accepted += 1;
            if got == expected {
                self.tp += 1;
            }
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / self.accepted.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / self.positives.max(1) as f64
    }
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn main() {
    // nextest lists the tests first (`--list --format terse [--ignored]`), then runs
    // each by name; `cargo bench` passes `--bench`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("smoke: test");
        }
        return;
    }
    if args
        .iter()
        .find(|a| !a.starts_with('-'))
        .is_some_and(|filter| !"smoke".contains(filter.as_str()))
    {
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let (quality_lib, quality_set, speed_lib, speed_entries, baseline_sample) = if full {
        (20_000, 400, 200_000, 1_000, 20)
    } else {
        (2_000, 60, 5_000, 50, 3)
    };
    println!(
        "spotter matching benchmark ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );

    // Quality.
    let lib = library(quality_lib, 12);
    let set = labelled(&lib, quality_set, 34);
    let index = LibraryIndex::build(&lib.songs);
    let base = baseline::prepare(&lib.songs);
    let (mut ours, mut theirs) = (Tally::default(), Tally::default());
    let mut misses = vec![(0usize, 0usize); CASES.len()];
    for (entry, expected, case) in &set {
        let m = index.match_entry(entry);
        ours.add(m.song.as_ref(), expected.as_ref());
        theirs.add(
            baseline::match_entry(&base, &lib.songs, entry).as_ref(),
            expected.as_ref(),
        );
        misses[*case].1 += 1;
        if m.song != *expected {
            misses[*case].0 += 1;
            if std::env::var_os("SPOTTER_BENCH_VERBOSE").is_some() {
                println!(
                    "  miss [{}] {entry:?} expected {expected:?} got {m:?}",
                    CASES[*case]
                );
            }
        }
    }
    println!(
        "quality: {} labelled entries ({} in library) against {} songs",
        set.len(),
        ours.positives,
        lib.songs.len()
    );
    println!(
        "  matcher  precision {:.4} (target >= 0.99), recall {:.4} (target >= 0.97)",
        ours.precision(),
        ours.recall()
    );
    println!(
        "  baseline precision {:.4}, recall {:.4}",
        theirs.precision(),
        theirs.recall()
    );
    let wrong: Vec<String> = misses
        .iter()
        .zip(CASES)
        .filter(|((m, _), _)| *m > 0)
        .map(|((m, n), c)| format!("{c} {m}/{n}"))
        .collect();
    println!(
        "  matcher errors by case: {}",
        if wrong.is_empty() {
            "none".into()
        } else {
            wrong.join(", ")
        }
    );
    let covered = misses.iter().filter(|(_, n)| *n > 0).count();
    println!("  cases covered: {covered}/{}", CASES.len());

    // Speed.
    let lib = library(speed_lib, 56);
    let entries: Vec<Entry> = labelled(&lib, speed_entries, 78)
        .into_iter()
        .map(|(e, _, _)| e)
        .collect();
    let before = rss_bytes();
    let start = Instant::now();
    let index = LibraryIndex::build(&lib.songs);
    let build = start.elapsed();
    let memory = rss_bytes().saturating_sub(before);
    let start = Instant::now();
    let mut matched = 0;
    for e in &entries {
        matched += usize::from(index.match_entry(e).song.is_some());
    }
    let matching = start.elapsed();
    let base = baseline::prepare(&lib.songs);
    let start = Instant::now();
    for e in entries.iter().take(baseline_sample) {
        std::hint::black_box(baseline::match_entry(&base, &lib.songs, e));
    }
    let per_entry = start.elapsed().as_secs_f64() / baseline_sample as f64;
    let baseline_total = per_entry * entries.len() as f64;
    println!(
        "speed: {} entries against {} songs ({matched} matched)",
        entries.len(),
        lib.songs.len()
    );
    println!(
        "  index build {:.0} ms, memory {:.1} MB (RSS delta; target < 100 MB)",
        build.as_secs_f64() * 1e3,
        memory as f64 / 1e6
    );
    println!(
        "  matching {:.1} ms (target < 200 ms)",
        matching.as_secs_f64() * 1e3
    );
    println!(
        "  baseline {:.1} s extrapolated from {baseline_sample} entries; {:.0}x faster (target >= 100x)",
        baseline_total,
        baseline_total / matching.as_secs_f64()
    );
    std::hint::black_box(index.len());
}
