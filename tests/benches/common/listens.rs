//! A synthetic listening history (seeded, the same for the same sizes on the same day),
//! written as a ListenBrainz JSON-lines export, and streamed through `History.Import`
//! as a client does: what `history.rs` imports and measures, and what `load.rs` imports
//! for its users and while its clients work.
//!
//! The history: listens of artists with Zipf-like popularity (exponent 1.1), and so
//! are each artist's albums and each album's tracks; most artists are discovered some
//! time into the 5 years; half the plays continue the album of the play before.
//! Listening grows over the years, with a daily rhythm (evenings most, nights least;
//! weekends later) in UTC+1, some days without music and a quiet holiday each year.
//! The newest listen is at most a day old, so rolling periods (week, month, year) are
//! full.

use std::{
    fs::File,
    io::{BufWriter, Write as _},
    path::{Path, PathBuf},
    sync::Arc,
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use sha2::{Digest, Sha256};
use spotter_daemon::{
    music_text::normalize::{match_key, normalize},
    service::upload::MAX_CHUNK,
};
use spotter_e2e::Authed;
use spotter_proto::v1::{
    ImportProgress, ImportRequest, ImportStart, history_client::HistoryClient, import_request::Part,
};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Status, Streaming};

use super::unix_now;

/// The generator's seed: the same history for the same sizes (and day).
const SEED: u64 = 0x5907_7e12;
pub const DAY: i64 = 86_400;
/// The history spans this many years, ending at the start of today (UTC).
const YEARS: i64 = 5;
/// The listener's time zone (minutes east of UTC): the daily rhythm is theirs, and
/// `GetActivity` is asked in it.
pub const UTC_OFFSET_MINUTES: i32 = 60;
/// Zipf exponents of artist, album (within an artist) and track (within an album)
/// popularity.
const ARTIST_ZIPF: f64 = 1.1;
const ALBUM_ZIPF: f64 = 1.0;
const TRACK_ZIPF: f64 = 0.9;
/// Chance that a play continues the album of the play before (when that one was less
/// than half an hour earlier).
const SAME_ALBUM: f64 = 0.5;
/// Artists this popular are known from the first day; the others are discovered at a
/// random time in the history.
const KNOWN_FROM_START: usize = 30;

/// A discrete distribution: cumulative weights, sampled by binary search.
struct Cdf(Vec<f64>);

impl Cdf {
    fn new(weights: impl IntoIterator<Item = f64>) -> Cdf {
        let mut total = 0.0;
        Cdf(weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect())
    }

    /// Rank k (from 0) weighs 1 / (k + 1)^s.
    fn zipf(n: usize, s: f64) -> Cdf {
        Cdf::new((1..=n).map(|k| (k as f64).powf(-s)))
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let u = rng.random::<f64>() * total;
        self.0.partition_point(|&c| c <= u).min(self.0.len() - 1)
    }
}

pub struct Track {
    pub title: Arc<str>,
    pub duration_ms: u32,
    /// `normalize::match_key(artist, title)`, as the daemon stores it.
    pub key: Arc<str>,
    /// The first 16 hex digits of sha256(key): the end of an imported play's
    /// `source_ref` (`lb:<played_at>:<these>`).
    pub key_hash: Box<str>,
}

pub struct Album {
    pub name: Arc<str>,
    pub tracks: Vec<Track>,
    popularity: Cdf,
}

pub struct Artist {
    pub name: Arc<str>,
    /// The word of the name no other artist has.
    pub word: String,
    pub albums: Vec<Album>,
    popularity: Cdf,
    /// When in the history (0 = its start, 1 = its end) the listener discovers them.
    debut: f64,
}

pub struct Catalogue {
    /// Most popular first.
    pub artists: Vec<Artist>,
    popularity: Cdf,
}

impl Catalogue {
    pub fn tracks(&self) -> usize {
        self.artists
            .iter()
            .flat_map(|a| &a.albums)
            .map(|b| b.tracks.len())
            .sum()
    }
}

/// One play: when, and which track of the catalogue.
pub struct Play {
    pub at: i64,
    pub artist: u32,
    pub album: u16,
    pub track: u16,
}

pub struct History {
    pub catalogue: Catalogue,
    /// Oldest first, every time distinct.
    pub plays: Vec<Play>,
    pub start: i64,
    pub end: i64,
}

const SYLLABLES: [&str; 40] = [
    "ka", "lo", "mi", "ren", "dor", "sa", "vi", "tel", "mon", "ra", "zu", "bel", "cor", "da",
    "fen", "gar", "hol", "is", "jun", "kes", "lan", "mar", "nor", "ol", "pra", "qui", "ros", "sil",
    "tor", "ul", "vas", "wen", "xan", "yor", "zel", "bri", "cha", "dru", "ré", "nö",
];
const FIRST_NAMES: [&str; 24] = [
    "Anna", "Jonas", "Mira", "Theo", "Lena", "Oskar", "Ida", "Felix", "Nora", "Emil", "Clara",
    "Hugo", "Elif", "Malik", "Sofia", "Yuki", "Amara", "Lucas", "Ines", "Ravi", "Zoe", "Marek",
    "Aiko", "Tomás",
];
const GROUPS: [&str; 8] = [
    "Orchestra",
    "Quartet",
    "Trio",
    "Collective",
    "Ensemble",
    "Band",
    "Sound System",
    "Choir",
];
const ADJECTIVES: [&str; 40] = [
    "Blue", "Golden", "Silent", "Electric", "Broken", "Wild", "Quiet", "Distant", "Burning",
    "Hollow", "Velvet", "Crystal", "Midnight", "Lonely", "Bright", "Secret", "Paper", "Northern",
    "Frozen", "Neon", "Gentle", "Restless", "Endless", "Faded", "Hidden", "Little", "Strange",
    "Sweet", "Dark", "Open", "Early", "Last", "Slow", "Young", "Summer", "Winter", "Silver",
    "Empty", "Heavy", "Tender",
];
const NOUNS: [&str; 60] = [
    "Heart", "Night", "River", "Dream", "Fire", "Light", "Ocean", "Road", "City", "Garden",
    "Shadow", "Rain", "Star", "Moon", "Sun", "Mirror", "Window", "Song", "Dance", "Morning",
    "Storm", "Island", "Echo", "Stone", "Bird", "Wolf", "Flower", "Train", "Letter", "Ghost",
    "Machine", "Horizon", "Valley", "Forest", "Mountain", "Season", "Memory", "Signal", "Voice",
    "Wave", "Sky", "Door", "Home", "Summer", "Fever", "Angel", "Desert", "Harbour", "Thunder",
    "Silence", "Kingdom", "Circle", "Tide", "Spark", "Tears", "Feather", "Lantern", "Glass",
    "Smoke", "Honey",
];
/// The common word searched for: in about one title in seven.
pub const COMMON_WORD: &str = "love";

/// Relative listening per local hour, weekdays and weekends.
const WEEKDAY_HOURS: [f64; 24] = [
    0.25, 0.12, 0.06, 0.03, 0.02, 0.03, 0.10, 0.35, 0.55, 0.45, 0.40, 0.40, 0.50, 0.45, 0.40, 0.42,
    0.50, 0.65, 0.85, 1.00, 1.10, 1.10, 0.90, 0.55,
];
const WEEKEND_HOURS: [f64; 24] = [
    0.45, 0.30, 0.15, 0.06, 0.03, 0.02, 0.03, 0.06, 0.15, 0.35, 0.60, 0.75, 0.80, 0.80, 0.80, 0.80,
    0.85, 0.90, 0.95, 1.05, 1.15, 1.15, 1.00, 0.70,
];
/// Relative listening per day of the week, Monday first.
const WEEK: [f64; 7] = [0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 1.05];

fn pick<'a>(rng: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A made-up word of `syllables` syllables.
fn random_word(rng: &mut StdRng, syllables: usize) -> String {
    let word: String = (0..syllables).map(|_| pick(rng, &SYLLABLES)).collect();
    capitalized(&word)
}

/// A standard normal deviate (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1 = rng.random::<f64>().max(1e-12);
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl History {
    /// `listens` plays of a catalogue of `artists` artists.
    pub fn generate(listens: usize, artists: usize) -> History {
        let mut rng = StdRng::seed_from_u64(SEED);
        let catalogue = Catalogue::generate(&mut rng, artists);
        let end = unix_now().div_euclid(DAY) * DAY;
        let start = end - YEARS * 365 * DAY;
        let times = timestamps(&mut rng, listens, start, end);
        let span = (end - start) as f64;
        let mut plays: Vec<Play> = Vec::with_capacity(times.len());
        for at in times {
            let (artist, album, track) = match plays.last() {
                Some(last) if at - last.at < 1_800 && rng.random::<f64>() < SAME_ALBUM => {
                    let tracks = catalogue.artists[last.artist as usize].albums
                        [last.album as usize]
                        .tracks
                        .len();
                    (
                        last.artist,
                        last.album,
                        ((last.track as usize + 1) % tracks) as u16,
                    )
                }
                _ => {
                    // Only artists already discovered at this point of the history.
                    let f = (at - start) as f64 / span;
                    let a = (0..40)
                        .map(|_| catalogue.popularity.sample(&mut rng))
                        .find(|&a| catalogue.artists[a].debut <= f)
                        .unwrap_or(0);
                    let artist = &catalogue.artists[a];
                    let b = artist.popularity.sample(&mut rng);
                    let t = artist.albums[b].popularity.sample(&mut rng);
                    (a as u32, b as u16, t as u16)
                }
            };
            plays.push(Play {
                at,
                artist,
                album,
                track,
            });
        }
        History {
            catalogue,
            plays,
            start,
            end,
        }
    }

    pub fn names(&self, play: &Play) -> (&Artist, &Album, &Track) {
        let artist = &self.catalogue.artists[play.artist as usize];
        let album = &artist.albums[play.album as usize];
        (artist, album, &album.tracks[play.track as usize])
    }

    /// Plays per artist.
    pub fn plays_per_artist(&self) -> Vec<usize> {
        let mut counts = vec![0; self.catalogue.artists.len()];
        for p in &self.plays {
            counts[p.artist as usize] += 1;
        }
        counts
    }

    pub fn artists_heard(&self) -> usize {
        self.plays_per_artist().iter().filter(|&&n| n > 0).count()
    }

    /// The artist at 1/100 of the artists ranked by plays (the 200th of 20,000): a
    /// mid-popularity artist, and their plays.
    pub fn mid_artist(&self) -> (&Artist, usize) {
        let counts = self.plays_per_artist();
        let mut ranked: Vec<usize> = (0..counts.len()).collect();
        ranked.sort_by_key(|&a| (std::cmp::Reverse(counts[a]), a));
        let a = ranked[(ranked.len() / 100).min(ranked.len() - 1)];
        (&self.catalogue.artists[a], counts[a])
    }

    /// About how many plays a search for `word` finds: plays with a word in the
    /// artist, album or title that starts with it (folded as the daemon folds).
    pub fn plays_matching(&self, word: &str) -> usize {
        let word = normalize(word);
        let hit = |text: &str| normalize(text).split(' ').any(|w| w.starts_with(&word));
        let marks: Vec<Vec<Vec<bool>>> = self
            .catalogue
            .artists
            .iter()
            .map(|a| {
                let in_artist = hit(&a.name);
                a.albums
                    .iter()
                    .map(|b| {
                        let in_album = in_artist || hit(&b.name);
                        b.tracks.iter().map(|t| in_album || hit(&t.title)).collect()
                    })
                    .collect()
            })
            .collect();
        self.plays
            .iter()
            .filter(|p| marks[p.artist as usize][p.album as usize][p.track as usize])
            .count()
    }

    /// Writes the history as a ListenBrainz export (JSON lines); returns its size.
    pub fn write_listenbrainz(&self, path: &Path) -> u64 {
        let file = File::create(path).expect("create the export file");
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let json = |s: &str| serde_json::to_string(s).expect("a JSON string");
        for play in &self.plays {
            let (artist, album, track) = self.names(play);
            writeln!(
                out,
                "{{\"listened_at\":{},\"track_metadata\":{{\"artist_name\":{},\"track_name\":{},\
                 \"release_name\":{},\"additional_info\":{{\"duration_ms\":{}}}}}}}",
                play.at,
                json(&artist.name),
                json(&track.title),
                json(&album.name),
                track.duration_ms
            )
            .expect("write the export file");
        }
        out.flush().expect("write the export file");
        std::fs::metadata(path).expect("the export file").len()
    }
}

impl Catalogue {
    fn generate(rng: &mut StdRng, artists: usize) -> Catalogue {
        // Each artist's own word: their index, scrambled, in base-40 syllables.
        let mut digits = 3;
        while SYLLABLES.len().pow(digits) < artists {
            digits += 1;
        }
        let words = SYLLABLES.len().pow(digits);
        let list = (0..artists)
            .map(|rank| {
                let mut code = rank * 7_919 % words;
                let mut word = String::new();
                for _ in 0..digits {
                    word.push_str(SYLLABLES[code % SYLLABLES.len()]);
                    code /= SYLLABLES.len();
                }
                Artist::generate(rng, rank, &capitalized(&word))
            })
            .collect();
        Catalogue {
            artists: list,
            popularity: Cdf::zipf(artists, ARTIST_ZIPF),
        }
    }
}

impl Artist {
    fn generate(rng: &mut StdRng, rank: usize, word: &str) -> Artist {
        let (name, word) = match rng.random_range(0..20) {
            0..=5 => (word.to_owned(), word.to_owned()),
            6..=9 => (format!("The {word}s"), format!("{word}s")),
            10..=14 => (
                format!("{} {word}", pick(rng, &FIRST_NAMES)),
                word.to_owned(),
            ),
            15..=17 => (format!("{word} {}", pick(rng, &GROUPS)), word.to_owned()),
            _ => (format!("DJ {word}"), word.to_owned()),
        };
        let extra = match rank {
            0..100 => 4,
            100..1_000 => 2,
            _ => 0,
        };
        let mut count = 1 + extra;
        while count < 12 && rng.random::<f64>() < 0.45 {
            count += 1;
        }
        let albums: Vec<Album> = (0..count)
            .map(|_| Album::generate(rng, &name, &word))
            .collect();
        Artist {
            popularity: Cdf::zipf(albums.len(), ALBUM_ZIPF),
            debut: if rank < KNOWN_FROM_START {
                0.0
            } else {
                rng.random::<f64>() * 0.98
            },
            name: name.into(),
            word,
            albums,
        }
    }
}

impl Album {
    fn generate(rng: &mut StdRng, artist: &str, word: &str) -> Album {
        let name = match rng.random_range(0..10) {
            0..=3 => format!("{} {}", pick(rng, &ADJECTIVES), pick(rng, &NOUNS)),
            4..=5 => pick(rng, &NOUNS).to_owned(),
            6 => format!("{} of {}", pick(rng, &NOUNS), pick(rng, &NOUNS)),
            7 => format!("Songs from the {}", pick(rng, &NOUNS)),
            8 => word.to_owned(),
            _ => format!("Live at the {}", pick(rng, &NOUNS)),
        };
        let count = if rng.random::<f64>() < 0.15 {
            rng.random_range(1..=3)
        } else {
            rng.random_range(7..=14)
        };
        let tracks: Vec<Track> = (0..count).map(|_| Track::generate(rng, artist)).collect();
        Album {
            name: name.into(),
            popularity: Cdf::zipf(tracks.len(), TRACK_ZIPF),
            tracks,
        }
    }
}

impl Track {
    fn generate(rng: &mut StdRng, artist: &str) -> Track {
        let adjective = pick(rng, &ADJECTIVES);
        let noun = pick(rng, &NOUNS);
        let mut title = match rng.random_range(0..20) {
            0..=4 => noun.to_owned(),
            5..=9 => format!("{adjective} {noun}"),
            10..=11 => format!("{noun} of the {}", pick(rng, &NOUNS)),
            12 => format!("Love {noun}"),
            13 => format!("{adjective} Love"),
            14 => "All My Love".to_owned(),
            15 => format!("Into the {noun}"),
            16 => format!("{noun} {}", pick(rng, &NOUNS)),
            _ => format!("{adjective} {noun}s"),
        };
        // Edition suffixes and featured artists, which match keys drop.
        match rng.random_range(0..100) {
            0..=3 => title.push_str(&format!(" - Remastered {}", rng.random_range(1995..2025))),
            4..=5 => title.push_str(" - Live"),
            6..=8 => {
                let first = pick(rng, &FIRST_NAMES);
                let word = random_word(rng, 2);
                title.push_str(&format!(" (feat. {first} {word})"));
            }
            _ => {}
        }
        let key = match_key(artist, &title);
        let digest = Sha256::digest(key.as_bytes());
        Track {
            duration_ms: rng.random_range(150_000..330_000),
            key_hash: hex::encode(&digest[..8]).into(),
            key: key.into(),
            title: title.into(),
        }
    }
}

/// `n` distinct times in `[start, end)` (oldest first) with the listener's rhythm:
/// hours weighted by time of day and day of week in their time zone, days by a
/// slow growth over the years, a random mood, days without music and a holiday.
fn timestamps(rng: &mut StdRng, n: usize, start: i64, end: i64) -> Vec<i64> {
    let offset = i64::from(UTC_OFFSET_MINUTES) * 60;
    let hours = ((end - start) / 3_600) as usize;
    let first_day = (start + offset).div_euclid(DAY);
    let days = hours / 24 + 2;
    let day_weight: Vec<f64> = (0..days)
        .map(|d| {
            let day = first_day + d as i64;
            let weekday = (day + 3).rem_euclid(7) as usize;
            let growth = 0.7 + 0.6 * d as f64 / days as f64;
            let mood = (0.45 * normal(rng)).exp();
            let presence = if rng.random::<f64>() < 0.03 {
                0.0
            } else if (200..211).contains(&day.rem_euclid(365)) {
                0.1
            } else {
                1.0
            };
            WEEK[weekday] * growth * mood * presence
        })
        .collect();
    let weights = (0..hours).map(|h| {
        let local = start + h as i64 * 3_600 + offset;
        let day = local.div_euclid(DAY);
        let hour = (local.rem_euclid(DAY) / 3_600) as usize;
        let curve = if (day + 3).rem_euclid(7) >= 5 {
            &WEEKEND_HOURS
        } else {
            &WEEKDAY_HOURS
        };
        curve[hour] * day_weight[(day - first_day) as usize]
    });
    let by_hour = Cdf::new(weights);
    let mut times: Vec<i64> = (0..n)
        .map(|_| start + by_hour.sample(rng) as i64 * 3_600 + rng.random_range(0..3_600))
        .collect();
    times.sort_unstable();
    for i in 1..times.len() {
        if times[i] <= times[i - 1] {
            times[i] = times[i - 1] + 1;
        }
    }
    times
}

// ---------------------------------------------------------------------------------------
// Importing through the daemon

/// An export file on its way through `History.Import`, as a client sends it: a start
/// message, then the file in chunks of [`MAX_CHUNK`] (the most a message may carry),
/// read as the daemon takes them (a bounded channel: flow control paces the reading).
pub struct Upload {
    progress: Streaming<ImportProgress>,
    producer: JoinHandle<()>,
}

impl Upload {
    /// Starts importing `file` (`size` bytes, ListenBrainz JSON lines).
    pub async fn start(
        mut client: HistoryClient<Authed>,
        file: &Path,
        size: u64,
    ) -> Result<Upload, Status> {
        let (tx, rx) = tokio::sync::mpsc::channel::<ImportRequest>(2);
        let producer = tokio::spawn(send_file(tx, file.to_path_buf(), size));
        let progress = client.import(ReceiverStream::new(rx)).await?.into_inner();
        Ok(Upload { progress, producer })
    }

    /// The next progress message; `None` when the daemon ended the stream.
    pub async fn next(&mut self) -> Result<Option<ImportProgress>, Status> {
        self.progress.message().await
    }

    /// Reads progress to the final message (`done`) and returns it.
    pub async fn finish(self) -> Result<ImportProgress, Status> {
        self.finish_with(|_| {}).await
    }

    /// [`Upload::finish`], showing every progress message to `seen` as it comes.
    pub async fn finish_with(
        mut self,
        mut seen: impl FnMut(&ImportProgress),
    ) -> Result<ImportProgress, Status> {
        loop {
            match self.next().await? {
                Some(p) if p.done => {
                    seen(&p);
                    self.producer.await.expect("the upload task");
                    return Ok(p);
                }
                Some(p) => seen(&p),
                None => {
                    return Err(Status::unknown("the import ended without its final report"));
                }
            }
        }
    }
}

async fn send_file(tx: tokio::sync::mpsc::Sender<ImportRequest>, path: PathBuf, size: u64) {
    use tokio::io::AsyncReadExt as _;
    let start = ImportRequest {
        part: Some(Part::Start(ImportStart {
            file_name: "listens.jsonl".into(),
            format: "listenbrainz".into(),
            size,
            min_play_ms: 0,
        })),
    };
    if tx.send(start).await.is_err() {
        return;
    }
    let mut input = tokio::fs::File::open(&path).await.expect("open the export");
    loop {
        let mut chunk = Vec::with_capacity(MAX_CHUNK);
        while chunk.len() < MAX_CHUNK {
            let n = (&mut input)
                .take((MAX_CHUNK - chunk.len()) as u64)
                .read_to_end(&mut chunk)
                .await
                .expect("read the export");
            if n == 0 {
                break;
            }
        }
        if chunk.is_empty() {
            return;
        }
        let message = ImportRequest {
            part: Some(Part::Chunk(chunk)),
        };
        if tx.send(message).await.is_err() {
            return;
        }
    }
}
