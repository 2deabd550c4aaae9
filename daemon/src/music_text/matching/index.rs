//! The library index: identifier maps, the exact map, and token postings that give
//! the fuzzy stage a few candidates per entry instead of the whole library.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
};

use super::score::{Prepared, Score, isrc_key, mbid_key, score, tokens};
use super::types::{DEFAULT_THRESHOLD, Entry, MAX_CANDIDATES, Match, Method, Song};

/// Postings read in full per entry, shortest first, up to this many song references;
/// longer lists (common words) are only checked for the best candidates.
const POSTING_BUDGET: usize = 4_000;
/// Candidates kept after counting shared tokens, before the long lists are checked.
const COUNTED: usize = 200;
/// Candidates scored per entry.
const SCORED: usize = 24;

/// The whole library, indexed for matching.
#[derive(Debug)]
pub struct LibraryIndex {
    ids: Vec<Box<str>>,
    songs: Vec<Prepared>,
    by_isrc: HashMap<String, Vec<u32>>,
    by_mbid: HashMap<String, Vec<u32>>,
    /// Hash of the folded primary artist and core title → songs (checked on lookup).
    exact: HashMap<u64, Vec<u32>>,
    /// Folded title word → songs, in song order.
    title_tokens: HashMap<String, Vec<u32>>,
    /// Folded artist word → songs, in song order.
    artist_tokens: HashMap<String, Vec<u32>>,
    threshold: f32,
}

/// The exact key: a hash of the folded primary artist and core title (a fixed
/// SipHash, so the same on every run).
fn exact_hash(p: &Prepared) -> u64 {
    let mut h = DefaultHasher::new();
    (p.primary(), &*p.title).hash(&mut h);
    h.finish()
}

fn push(map: &mut HashMap<String, Vec<u32>>, key: &str, i: u32) {
    match map.get_mut(key) {
        Some(v) => {
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
        None => {
            map.insert(key.to_owned(), vec![i]);
        }
    }
}

impl LibraryIndex {
    /// Indexes `songs` with the default threshold ([`DEFAULT_THRESHOLD`]).
    pub fn build<'a>(songs: impl IntoIterator<Item = &'a Song>) -> LibraryIndex {
        let mut index = LibraryIndex {
            ids: Vec::new(),
            songs: Vec::new(),
            by_isrc: HashMap::new(),
            by_mbid: HashMap::new(),
            exact: HashMap::new(),
            title_tokens: HashMap::new(),
            artist_tokens: HashMap::new(),
            threshold: DEFAULT_THRESHOLD,
        };
        for song in songs {
            let i = index.songs.len() as u32;
            let p = Prepared::new(
                std::slice::from_ref(&song.artist),
                &song.title,
                &song.album,
                song.duration_secs,
            );
            if let Some(k) = song.isrc.as_deref().and_then(isrc_key) {
                push(&mut index.by_isrc, &k, i);
            }
            if let Some(k) = song.mbid.as_deref().and_then(mbid_key) {
                push(&mut index.by_mbid, &k, i);
            }
            let hits = index.exact.entry(exact_hash(&p)).or_default();
            if hits.last() != Some(&i) {
                hits.push(i);
            }
            for t in tokens(&p.title) {
                push(&mut index.title_tokens, t, i);
            }
            for a in &p.artists {
                for t in tokens(a) {
                    push(&mut index.artist_tokens, t, i);
                }
            }
            index.ids.push(song.id.as_str().into());
            index.songs.push(p);
        }
        index.exact.shrink_to_fit();
        for v in index.exact.values_mut() {
            v.shrink_to_fit();
        }
        for map in [
            &mut index.by_isrc,
            &mut index.by_mbid,
            &mut index.title_tokens,
            &mut index.artist_tokens,
        ] {
            map.shrink_to_fit();
            for v in map.values_mut() {
                v.shrink_to_fit();
            }
        }
        index.ids.shrink_to_fit();
        index.songs.shrink_to_fit();
        index
    }

    /// The fuzzy acceptance threshold (0..=1).
    pub fn with_threshold(mut self, threshold: f32) -> LibraryIndex {
        self.threshold = threshold.clamp(0.0, 1.0);
        self
    }

    pub fn len(&self) -> usize {
        self.songs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.songs.is_empty()
    }

    /// Matches one entry: ISRC, then MBID, then the exact folded artist and title (of
    /// the same version), then the best fuzzy candidate at or above the threshold.
    pub fn match_entry(&self, entry: &Entry) -> Match {
        let album = entry.album.as_deref().unwrap_or("");
        let e = Prepared::new(&entry.artists, &entry.title, album, entry.duration_secs);

        let by_id = [
            (
                Method::Isrc,
                entry.isrc.as_deref().and_then(isrc_key),
                &self.by_isrc,
            ),
            (
                Method::Mbid,
                entry.mbid.as_deref().and_then(mbid_key),
                &self.by_mbid,
            ),
        ];
        for (method, key, map) in by_id {
            if let Some(hits) = key.and_then(|k| map.get(&k)) {
                let ranked = self.rank(&e, hits.iter().copied());
                return self.outcome(ranked, method, Some(1.0));
            }
        }

        let exact: Vec<u32> = self
            .exact
            .get(&exact_hash(&e))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| {
                let s = &self.songs[i as usize];
                s.primary() == e.primary() && s.title == e.title
            })
            .collect();
        if !exact.is_empty() {
            let ranked = self.rank(&e, exact.iter().copied());
            if let Some((_, best)) = ranked.first()
                && !best.version_differs
                && best.value >= self.threshold
            {
                return self.outcome(ranked, Method::Exact, None);
            }
        }

        let mut pool = self.candidates(&e);
        if !exact.is_empty() {
            pool.extend(exact);
            pool.sort_unstable();
            pool.dedup();
        }
        let ranked = self.rank(&e, pool.into_iter());
        self.outcome(ranked, Method::Fuzzy, None)
    }

    /// Scores `hits`, best first (ties by library order).
    fn rank(&self, e: &Prepared, hits: impl Iterator<Item = u32>) -> Vec<(u32, Score)> {
        let mut ranked: Vec<(u32, Score)> = hits
            .map(|i| (i, score(e, &self.songs[i as usize])))
            .collect();
        ranked.sort_by(|a, b| b.1.value.total_cmp(&a.1.value).then(a.0.cmp(&b.0)));
        ranked
    }

    fn outcome(&self, ranked: Vec<(u32, Score)>, method: Method, fixed: Option<f32>) -> Match {
        let candidates: Vec<(String, f32)> = ranked
            .iter()
            .take(MAX_CANDIDATES)
            .map(|(i, s)| (self.ids[*i as usize].to_string(), s.value))
            .collect();
        let Some((best, s)) = ranked.first() else {
            return Match {
                song: None,
                method: Method::None,
                confidence: 0.0,
                candidates,
                version_differs: false,
            };
        };
        let accepted = fixed.is_some() || s.value >= self.threshold;
        Match {
            song: accepted.then(|| self.ids[*best as usize].to_string()),
            method: if accepted { method } else { Method::None },
            confidence: fixed.unwrap_or(s.value),
            candidates,
            version_differs: s.version_differs,
        }
    }

    /// Songs sharing the most title and artist words with the entry: the shortest
    /// postings are counted in full (within [`POSTING_BUDGET`]), the long ones are
    /// only looked up for the best counted songs.
    fn candidates(&self, e: &Prepared) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = Vec::new();
        for t in tokens(&e.title) {
            if let Some(v) = self.title_tokens.get(t) {
                lists.push(v);
            }
        }
        for a in &e.artists {
            for t in tokens(a) {
                if let Some(v) = self.artist_tokens.get(t) {
                    lists.push(v);
                }
            }
        }
        lists.sort_by_key(|v| v.len());
        lists.dedup_by(|a, b| std::ptr::eq(*a, *b));
        let mut counts: HashMap<u32, u32> = HashMap::new();
        let mut read = 0;
        let mut long = Vec::new();
        for (n, v) in lists.iter().enumerate() {
            if n > 0 && read + v.len() > POSTING_BUDGET {
                long.push(*v);
                continue;
            }
            read += v.len();
            for &i in v.iter() {
                *counts.entry(i).or_default() += 1;
            }
        }
        let mut counted: Vec<(u32, u32)> = counts.into_iter().collect();
        counted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counted.truncate(COUNTED);
        for (i, c) in counted.iter_mut() {
            *c += long.iter().filter(|v| v.binary_search(i).is_ok()).count() as u32;
        }
        counted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counted.truncate(SCORED);
        counted.into_iter().map(|(i, _)| i).collect()
    }
}
