//! The history queries and statistics against brute force over the raw rows of a
//! generated history (several sources, merges, imports, two users).

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    listens::ListenRow,
    queries::{ListenQuery, NEWEST, TextFilter, fts_expression},
    stats::{Range, Ranked, Subject},
};
use crate::{
    domains::identity::users::Role, music_text::normalize::KEY_SEPARATOR, providers::RemoteListen,
    store::Store,
};

const DAY: i64 = 86_400;
/// 2021-01-01T00:00:00Z.
const START: i64 = 1_609_459_200;

struct Fixture {
    store: Store,
    ann: i64,
    bob: i64,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).await.unwrap();
    let ann = store
        .create_account("ann", Role::User, None, false)
        .await
        .unwrap()
        .id;
    let bob = store
        .create_account("bob", Role::User, None, false)
        .await
        .unwrap()
        .id;
    Fixture {
        store,
        ann,
        bob,
        _dir: dir,
    }
}

fn play(artist: &str, album: Option<&str>, title: &str, at: i64, r: &str) -> RemoteListen {
    RemoteListen {
        played_at: at,
        artist: artist.into(),
        album: album.map(Into::into),
        title: title.into(),
        duration_ms: None,
        isrc: None,
        recording_mbid: None,
        source_ref: r.into(),
    }
}

/// A long-tailed history over ~3 years: some artists credited with guests, some
/// spelled differently by different sources, some plays reported by two sources
/// (one without the album), and imports.
async fn generate(s: &Store, user: i64, seed: u64, plays: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let artists: Vec<String> = (0..40)
        .map(|i| match i % 5 {
            0 => format!("Björk {i}"),
            1 => format!("The Band {i}"),
            _ => format!("Artist {i}"),
        })
        .collect();
    let mut at = START;
    let mut pages: HashMap<&str, Vec<RemoteListen>> = HashMap::new();
    for n in 0..plays {
        // Gaps from a minute to four days: streaks and empty days both occur.
        at += match rng.random_range(0..100) {
            0..=2 => rng.random_range(DAY..4 * DAY),
            _ => rng.random_range(60..20_000),
        };
        // Zipf-like: low indexes far more often.
        let a = (rng.random_range(0.0f64..1.0).powi(3) * artists.len() as f64) as usize;
        let t = rng.random_range(0..6);
        let mut artist = artists[a].clone();
        if rng.random_range(0..10) == 0 {
            artist = format!("{artist} feat. Guest");
        }
        let album = (t % 3 != 0).then(|| format!("Album {}", t % 2));
        let title = format!("Song {t}");
        let source = ["lastfm", "listenbrainz", "spotify", "import"][rng.random_range(0..4)];
        let source_ref = if source == "import" {
            format!("lb:{at}:{n}")
        } else {
            format!("{at}:{n}")
        };
        pages.entry(source).or_default().push(play(
            &artist,
            album.as_deref(),
            &title,
            at,
            &source_ref,
        ));
        // Sometimes a second source reports the same play, upper-cased, 30 s off,
        // without the album (or with it when the first lacked it).
        if rng.random_range(0..8) == 0 {
            let other = if source == "spotify" {
                "lastfm"
            } else {
                "spotify"
            };
            let album2 = if album.is_none() {
                Some("Album X")
            } else {
                None
            };
            pages.entry(other).or_default().push(play(
                &artist.to_uppercase(),
                album2,
                &title,
                at + 30,
                &format!("dup{n}"),
            ));
        }
        if n % 97 == 96 {
            for (source, page) in pages.drain() {
                s.record_listens(user, source, &page, None).await.unwrap();
            }
        }
    }
    for (source, page) in pages.drain() {
        s.record_listens(user, source, &page, None).await.unwrap();
    }
}

/// Every listen of `user` as stored.
async fn raw(s: &Store, user: i64) -> Vec<(i64, String, Option<String>, String, String)> {
    sqlx::query_as(
        "SELECT played_at, artist, album, title, match_key FROM listens WHERE user_id = ? \
         ORDER BY played_at, id",
    )
    .bind(user)
    .fetch_all(s.pool())
    .await
    .unwrap()
}

/// The stats keys, computed from the raw row in Rust.
fn key_of(subject: Subject, album: &Option<String>, match_key: &str) -> Option<String> {
    let (artist, _) = match_key.split_once(KEY_SEPARATOR).unwrap();
    match subject {
        Subject::Artists => Some(artist.to_owned()),
        Subject::Tracks => Some(match_key.to_owned()),
        Subject::Albums => {
            let album = album.as_deref()?.trim_matches(' ');
            (!album.is_empty())
                .then(|| format!("{artist}{KEY_SEPARATOR}{}", album.to_ascii_lowercase()))
        }
    }
}

/// (key, count, first_at, names as first heard) in rank order, by brute force.
fn brute_top(
    rows: &[(i64, String, Option<String>, String, String)],
    subject: Subject,
    range: Range,
) -> Vec<(String, i64, Ranked)> {
    let mut firsts: HashMap<String, Ranked> = HashMap::new();
    let mut counts: HashMap<String, i64> = HashMap::new();
    for (at, artist, album, title, key) in rows {
        let Some(k) = key_of(subject, album, key) else {
            continue;
        };
        firsts.entry(k.clone()).or_insert_with(|| Ranked {
            artist: artist.clone(),
            album: (subject != Subject::Artists)
                .then(|| album.clone())
                .flatten(),
            title: (subject == Subject::Tracks).then(|| title.clone()),
            n: 0,
            first_at: *at,
        });
        if *at >= range.from && *at < range.to {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<(String, i64, Ranked)> = counts
        .into_iter()
        .map(|(k, n)| {
            let first = firsts[&k].clone();
            (k, n, first)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[tokio::test]
async fn every_stat_matches_brute_force_over_the_raw_rows() {
    let f = fixture().await;
    generate(&f.store, f.ann, 7, 3_000).await;
    generate(&f.store, f.bob, 8, 500).await;
    let rows = raw(&f.store, f.ann).await;
    let last = rows.last().unwrap().0;
    let month = 2_592_000;
    let ranges = [
        Range::ALL,
        Range {
            from: last - 7 * DAY,
            to: last + 1,
        },
        Range {
            from: last - 30 * DAY,
            to: last + 1,
        },
        Range {
            from: last - 365 * DAY,
            to: last + 1,
        },
        // Aligned to the buckets, and inside a single bucket.
        Range {
            from: 19 * 30 * DAY,
            to: 25 * 30 * DAY,
        },
        Range {
            from: 19 * month + 1_000,
            to: 19 * month + 90_000,
        },
        Range {
            from: START + 12_345,
            to: START + 400 * DAY + 77,
        },
        // Nothing in it.
        Range { from: 10, to: 20 },
    ];
    for range in ranges {
        for subject in [Subject::Artists, Subject::Albums, Subject::Tracks] {
            let want = brute_top(&rows, subject, range);
            let got = f.store.top(f.ann, subject, range, 15).await.unwrap();
            let want: Vec<Ranked> = want
                .into_iter()
                .take(15)
                .map(|(_, n, first)| Ranked {
                    n,
                    first_at: 0,
                    ..first
                })
                .collect();
            assert_eq!(got, want, "top {subject:?} in {range:?}");
        }
        let count = rows
            .iter()
            .filter(|r| r.0 >= range.from && r.0 < range.to)
            .count() as i64;
        assert_eq!(
            f.store.count_listens(f.ann, range).await.unwrap(),
            count,
            "{range:?}"
        );
        // Per local hour, in three time zones.
        for offset in [0, 3_600, -5 * 3_600 - 1_800] {
            let mut want: BTreeMap<i64, i64> = BTreeMap::new();
            for r in rows.iter().filter(|r| r.0 >= range.from && r.0 < range.to) {
                *want.entry((r.0 + offset).div_euclid(3_600)).or_default() += 1;
            }
            let got = f.store.hourly_counts(f.ann, range, offset).await.unwrap();
            assert_eq!(
                got,
                want.into_iter().collect::<Vec<_>>(),
                "hours {range:?} {offset}"
            );
        }
        // Discoveries: first heard in the range.
        for subject in [Subject::Artists, Subject::Tracks] {
            let all = brute_top(&rows, subject, Range::ALL);
            let mut want: Vec<(String, i64, Ranked)> = all
                .into_iter()
                .filter(|(_, _, first)| first.first_at >= range.from && first.first_at < range.to)
                .collect();
            want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let (got, total) = f
                .store
                .discoveries(f.ann, subject, range, 1_000)
                .await
                .unwrap();
            assert_eq!(total, want.len() as i64);
            let want: Vec<Ranked> = want
                .into_iter()
                .map(|(_, n, first)| Ranked { n, ..first })
                .collect();
            assert_eq!(got, want, "discoveries {subject:?} {range:?}");
        }
    }
    // The summary's counts, kept per page, against counting the rows.
    let per_source: Vec<(String, i64)> = sqlx::query_as(
        "SELECT source, count(*) FROM listen_sources WHERE user_id = ? GROUP BY source ORDER BY source",
    )
    .bind(f.ann)
    .fetch_all(f.store.pool())
    .await
    .unwrap();
    assert_eq!(
        f.store.listen_counts(f.ann).await.unwrap(),
        (rows.len() as i64, per_source)
    );
    let distinct = |s| {
        rows.iter()
            .filter_map(|r| key_of(s, &r.2, &r.4))
            .collect::<HashSet<_>>()
            .len() as i64
    };
    assert_eq!(
        f.store.distinct_counts(f.ann).await.unwrap(),
        (
            distinct(Subject::Artists),
            distinct(Subject::Albums),
            distinct(Subject::Tracks)
        )
    );
}

async fn page_all(s: &Store, user: i64, q: &ListenQuery, size: u32) -> Vec<ListenRow> {
    let mut out = Vec::new();
    let mut before = NEWEST;
    loop {
        let page = s.list_listens(user, q, before, size).await.unwrap();
        let Some(last) = page.last() else { break };
        before = (last.played_at, last.id);
        let full = page.len() as u32 == size;
        out.extend(page);
        if !full {
            break;
        }
    }
    out
}

fn text(query: &str) -> ListenQuery {
    ListenQuery {
        fts: fts_expression(&TextFilter {
            query,
            ..Default::default()
        })
        .unwrap(),
        ..ListenQuery::everything()
    }
}

#[tokio::test]
async fn paging_never_skips_or_repeats_while_listens_arrive() {
    let f = fixture().await;
    generate(&f.store, f.ann, 11, 600).await;
    let rows = raw(&f.store, f.ann).await;
    let (lo, hi) = (rows[0].0, rows.last().unwrap().0);
    let spotify = ListenQuery {
        sources: vec!["spotify".into()],
        ..ListenQuery::everything()
    };
    for q in [ListenQuery::everything(), text("song"), spotify] {
        let before_all: HashSet<i64> = page_all(&f.store, f.ann, &q, 1_000)
            .await
            .iter()
            .map(|r| r.id)
            .collect();
        assert!(before_all.len() > 50);
        let mut seen = Vec::new();
        let mut cursor = NEWEST;
        let mut n = 0;
        loop {
            let page = f.store.list_listens(f.ann, &q, cursor, 13).await.unwrap();
            // Between pages: new listens newer, older and in the middle of the
            // timeline, some at the very same second as the cursor.
            n += 1;
            let mid = lo + (hi - lo) * (n % 10) / 10;
            f.store
                .record_listens(
                    f.ann,
                    "spotify",
                    &[
                        play("New", None, "Song new", hi + n * 100, &format!("n{n}")),
                        play("Old", None, "Song old", lo - n * 100, &format!("o{n}")),
                        play("Mid", None, "Song mid", mid, &format!("m{n}")),
                        play("Tie", None, "Song tie", cursor.0.min(hi), &format!("t{n}")),
                    ],
                    None,
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            cursor = (last.played_at, last.id);
            let full = page.len() == 13;
            seen.extend(page);
            if !full {
                break;
            }
        }
        let ids: Vec<i64> = seen.iter().map(|r| r.id).collect();
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "a row was repeated");
        assert!(
            before_all.is_subset(&unique),
            "a row that was there all along was skipped"
        );
        assert!(
            seen.windows(2)
                .all(|w| (w[0].played_at, w[0].id) > (w[1].played_at, w[1].id)),
            "newest first"
        );
    }
}

#[tokio::test]
async fn search_is_escaped_filters_combine_and_users_stay_apart() {
    let f = fixture().await;
    let s = &f.store;
    s.record_listens(
        f.ann,
        "lastfm",
        &[
            play("Sigur Rós", Some("Takk..."), "Hoppípolla", 1_000, "1"),
            play("Sigur Rós", Some("()"), "Glósóli", 2_000, "2"),
            play("AC/DC", Some("Back in Black"), "Hells Bells", 3_000, "3"),
            play("Weird \"Quote\"", None, "NEAR OR * -x artist:y", 4_000, "4"),
            play("Radiohead", Some("OK Computer"), "Airbag", 5_000, "5"),
        ],
        None,
    )
    .await
    .unwrap();
    s.record_listens(
        f.ann,
        "spotify",
        &[play("Radiohead", Some("Kid A"), "Idioteque", 6_000, "s6")],
        None,
    )
    .await
    .unwrap();
    s.record_listens(
        f.bob,
        "lastfm",
        &[play("Sigur Rós", Some("Takk..."), "Sæglópur", 1_500, "b1")],
        None,
    )
    .await
    .unwrap();
    let titles = |rows: Vec<ListenRow>| rows.into_iter().map(|r| r.title).collect::<Vec<_>>();
    let find = |q: ListenQuery| async move { titles(page_all(s, f.ann, &q, 2).await) };

    // Folded, prefix on the last word, newest first; Bob's play never shows.
    assert_eq!(find(text("sigur ros")).await, ["Glósóli", "Hoppípolla"]);
    assert_eq!(find(text("radioh")).await, ["Idioteque", "Airbag"]);
    assert_eq!(find(text("acdc")).await, Vec::<String>::new());
    assert_eq!(find(text("AC/DC")).await, ["Hells Bells"]);
    // FTS5 syntax in user text is text.
    assert_eq!(find(text("NEAR OR")).await, ["NEAR OR * -x artist:y"]);
    assert_eq!(find(text("\"quote\"")).await, ["NEAR OR * -x artist:y"]);
    assert_eq!(find(text("artist:y")).await, ["NEAR OR * -x artist:y"]);
    assert_eq!(find(text("-x")).await, ["NEAR OR * -x artist:y"]);
    // SQL wildcards, quotes and NUL are text too (T8).
    for odd in ["100%", "a_b", "'; DROP TABLE listens; --", "x\0y", "\0"] {
        let q = fts_expression(&TextFilter {
            query: odd,
            ..Default::default()
        });
        if let Ok(q) = q {
            let q = ListenQuery {
                fts: q,
                ..ListenQuery::everything()
            };
            assert!(page_all(s, f.ann, &q, 5).await.is_empty(), "{odd:?}");
        }
    }
    assert_eq!(
        find(ListenQuery::everything()).await.len(),
        6,
        "nothing dropped"
    );

    // Column filters, a source, a date range: all combined.
    let filtered = |artist: &'static str, sources: &[&str], from: i64, to: i64| ListenQuery {
        fts: fts_expression(&TextFilter {
            artist,
            ..Default::default()
        })
        .unwrap(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        from,
        to,
    };
    assert_eq!(
        find(filtered("radiohead", &[], i64::MIN, i64::MAX)).await,
        ["Idioteque", "Airbag"]
    );
    assert_eq!(
        find(filtered("radiohead", &["lastfm"], i64::MIN, i64::MAX)).await,
        ["Airbag"]
    );
    assert_eq!(
        find(filtered("radiohead", &[], 5_500, i64::MAX)).await,
        ["Idioteque"]
    );
    assert_eq!(
        find(filtered("sigur", &[], 1_000, 2_000)).await,
        ["Hoppípolla"],
        "from inclusive, to exclusive"
    );
    // Album "()" has no word: only the title filter can find that play.
    let album_only = ListenQuery {
        fts: fts_expression(&TextFilter {
            album: "takk",
            ..Default::default()
        })
        .unwrap(),
        ..ListenQuery::everything()
    };
    assert_eq!(find(album_only).await, ["Hoppípolla"]);
    // Without text: sources and range on the time index.
    let spotify_only = ListenQuery {
        sources: vec!["spotify".into()],
        ..ListenQuery::everything()
    };
    assert_eq!(find(spotify_only).await, ["Idioteque"]);

    // Details: Ann's own only.
    let airbag = page_all(s, f.ann, &text("airbag"), 5).await;
    let detail = s.listen_detail(f.ann, airbag[0].id).await.unwrap();
    assert_eq!(detail.sources, [("lastfm".to_string(), "5".to_string())]);
    assert_eq!((detail.track_listens, detail.track_first_at), (1, 5_000));
    assert!(matches!(
        s.listen_detail(f.bob, airbag[0].id).await,
        Err(crate::store::StoreError::NotFound)
    ));
    // Bob's stats do not see Ann.
    let bob_top = s
        .top(f.bob, Subject::Artists, Range::ALL, 10)
        .await
        .unwrap();
    assert_eq!(bob_top.len(), 1);
    assert_eq!(bob_top[0].n, 1);
}

#[tokio::test]
async fn imports_of_the_same_plays_from_two_kinds_of_file_are_one_listen() {
    let f = fixture().await;
    let s = &f.store;
    // Spotify's basic export: minute precision; the extended one: to the second.
    let basic = [play("Björk", None, "Jóga", 1_000, "sp:1000:aa")];
    let extended = [play(
        "Björk",
        Some("Homogenic"),
        "Jóga",
        1_043,
        "spx:1043:aa",
    )];
    let o = s
        .record_listens(f.ann, "import", &basic, None)
        .await
        .unwrap();
    assert_eq!(o.added, 1);
    let o = s
        .record_listens(f.ann, "import", &extended, None)
        .await
        .unwrap();
    assert_eq!(
        (o.added, o.known),
        (0, 1),
        "the same play from another file"
    );
    // Two plays in one kind of file stay two plays, even a minute apart.
    let o = s
        .record_listens(
            f.ann,
            "import",
            &[play("Björk", None, "Jóga", 1_060, "sp:1060:aa")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(o.added, 1);
    // A provider's report of an imported play merges into it.
    let o = s
        .record_listens(
            f.ann,
            "lastfm",
            &[play("bjork", Some("Homogenic"), "joga", 1_010, "lf")],
            None,
        )
        .await
        .unwrap();
    assert_eq!((o.added, o.merged), (0, 1));
    // The album the merge filled in is counted for the album.
    let albums = s.top(f.ann, Subject::Albums, Range::ALL, 5).await.unwrap();
    assert_eq!(albums.len(), 1);
    assert_eq!(
        (albums[0].album.as_deref(), albums[0].n),
        (Some("Homogenic"), 1)
    );
    let monthly = s
        .top(
            f.ann,
            Subject::Albums,
            Range {
                from: 0,
                to: 2_592_001,
            },
            5,
        )
        .await
        .unwrap();
    assert_eq!(monthly.len(), 1);
}
