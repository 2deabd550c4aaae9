//! The fixtures in `tests/fixtures/import/`, each asserted item by item, and the
//! streaming and edge-case behaviour on generated input.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use super::*;
use crate::music_text::normalize::match_key;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Everything a file yields, sorted by kind.
#[derive(Debug, Default)]
struct Summary {
    format: Option<Format>,
    plays: Vec<(u64, RemoteListen)>,
    skipped: Vec<(u64, SkipReason)>,
    bad: Vec<(u64, String)>,
}

impl Summary {
    fn play_lines(&self) -> Vec<u64> {
        self.plays.iter().map(|(l, _)| *l).collect()
    }
    fn counts(&self) -> (usize, usize, usize) {
        (self.plays.len(), self.skipped.len(), self.bad.len())
    }
    fn play(&self, line: u64) -> &RemoteListen {
        self.plays
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no play on line {line}: {self:#?}"))
    }
    /// (played_at, artist, title, album) of every play, in file order.
    fn brief(&self) -> Vec<(i64, &str, &str, Option<&str>)> {
        self.plays
            .iter()
            .map(|(_, p)| {
                (
                    p.played_at,
                    p.artist.as_str(),
                    p.title.as_str(),
                    p.album.as_deref(),
                )
            })
            .collect()
    }
}

fn read_with(bytes: &[u8], options: ImportOptions) -> Summary {
    let reader = Reader::new(bytes, options).unwrap_or_else(|e| panic!("{e}"));
    let mut summary = Summary {
        format: Some(reader.format()),
        ..Summary::default()
    };
    let mut last_line = 0;
    for item in reader {
        // Items come in file order.
        assert!(item.line() >= last_line, "{item:?} after line {last_line}");
        last_line = item.line();
        match item {
            Item::Play { line, listen, .. } => summary.plays.push((line, listen)),
            Item::Skipped { line, reason } => summary.skipped.push((line, reason)),
            Item::Bad { line, reason } => summary.bad.push((line, reason)),
        }
    }
    summary
}

fn read(bytes: &[u8]) -> Summary {
    read_with(bytes, ImportOptions::default())
}

/// The documented `source_ref`, computed here independently of the parser.
fn expected_ref(origin: &str, played_at: i64, artist: &str, title: &str) -> String {
    let digest = Sha256::digest(match_key(artist, title).as_bytes());
    format!("{origin}:{played_at}:{}", &hex::encode(digest)[..16])
}

fn assert_refs(s: &Summary, origin: &str) {
    for (line, p) in &s.plays {
        assert_eq!(
            p.source_ref,
            expected_ref(origin, p.played_at, &p.artist, &p.title),
            "line {line}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Last.fm CSV.

#[test]
fn lastfm_csv_without_header() {
    let s = read(&fixture("lastfm.csv"));
    assert_eq!(s.format, Some(Format::LastfmCsv));
    assert_eq!(s.counts(), (6, 1, 0), "{s:#?}");
    // Line 1 has an empty date: the "now playing" row lastfm-to-csv writes first.
    assert_eq!(s.skipped, [(1, SkipReason::NowPlaying)]);
    assert_eq!(s.play_lines(), [2, 3, 4, 5, 6, 7]);
    assert_eq!(
        s.brief(),
        [
            // 2021-01-31 00:00Z = 1612051200; + 14:05 (50700 s).
            (1_612_101_900, "Björk", "Jóga", Some("Homogenic")),
            // + 13:58 (50280 s).
            (
                1_612_101_480,
                "Sigur Rós",
                "Svefn-g-englar",
                Some("Ágætis byrjun")
            ),
            // "30 Jan 2021, 22:10" (the API's form, with a comma): 1611964800 + 79800.
            (1_612_044_600, "坂本龍一", "andata", Some("async")),
            // A quoted artist with commas; 1611964800 + 21:00 (75600 s).
            (
                1_612_040_400,
                "Crosby, Stills, Nash & Young",
                "Carry On",
                Some("Déjà Vu")
            ),
            // Empty album → None; 2021-01-29 00:00Z = 1611878400, + 09:01 (32460 s).
            (1_611_910_860, "Radiohead", "Airbag", None),
            // One-digit day; 2021-01-07 00:00Z = 1609977600, + 06:13 (22380 s).
            (1_609_999_980, "Sigur Rós", "Hoppípolla", Some("Takk...")),
        ]
    );
    assert_eq!(
        s.play(2).source_ref,
        "lfm:1612101900:6b71d6fe18915166",
        "sha256(\"bjork\\u{{1f}}joga\")"
    );
    assert_refs(&s, "lfm");
    let p = s.play(2);
    assert_eq!(
        (p.duration_ms, &p.isrc, &p.recording_mbid),
        (None, &None, &None)
    );
}

#[test]
fn lastfm_csv_with_header() {
    let s = read(&fixture("lastfm-header.csv"));
    assert_eq!(s.format, Some(Format::LastfmCsv));
    assert_eq!(s.counts(), (4, 0, 0), "{s:#?}");
    assert_eq!(s.play_lines(), [2, 3, 4, 5]);
    assert_eq!(
        s.brief(),
        [
            // `uts` wins over `utc_time`.
            (1_610_000_000, "Björk", "Jóga", Some("Homogenic")),
            (1_609_999_700, "Sigur Rós", "Hoppípolla", Some("Takk...")),
            // No uts: "06 Jan 2021, 23:59" = 1609977600 - 60.
            (1_609_977_540, "坂本龍一", "andata", Some("async")),
            (1_609_977_600, "Múm", "Green Grass of Tunnel", None),
        ]
    );
    assert_eq!(
        s.play(2).recording_mbid.as_deref(),
        Some("1d5c2a4e-4f0a-4bd7-a7e8-0e2c5e9b6f01")
    );
    assert_eq!(s.play(3).recording_mbid, None);
    assert_eq!(s.play(2).source_ref, "lfm:1610000000:6b71d6fe18915166");
    assert_refs(&s, "lfm");
}

#[test]
fn lastfm_csv_bad_rows_are_reported_and_skipped() {
    let s = read(&fixture("lastfm-bad.csv"));
    assert_eq!(s.format, Some(Format::LastfmCsv));
    assert_eq!(s.counts(), (3, 0, 6), "{s:#?}");
    assert_eq!(
        s.bad,
        [
            (
                2,
                "expected 4 columns (artist, album, title, date), found 3".to_owned()
            ),
            (3, "unreadable date".to_owned()),
            (4, "no artist".to_owned()),
            // "Björk" in Latin-1.
            (5, "not valid UTF-8".to_owned()),
            // 31 Dec 1969 23:59 = -60.
            (6, "date outside 1970-2100".to_owned()),
            // Line 7's record spans two lines (a quoted line break): the next is 9.
            (10, "no title".to_owned()),
        ]
    );
    assert_eq!(s.play_lines(), [1, 7, 9]);
    // Line breaks in a name become a space (control characters are never stored).
    assert_eq!(s.play(7).title, "Hoppípolla (live)");
    // 2021-01-29 00:00Z = 1611878400, + 20:00 and + 19:00.
    assert_eq!(s.play(7).played_at, 1_611_950_400);
    assert_eq!(s.play(9).played_at, 1_611_946_800);
}

#[test]
fn a_utf16_copy_with_bom_reads_the_same() {
    let utf8 = read(&fixture("lastfm.csv"));
    let utf16 = read(&fixture("lastfm-utf16le.csv"));
    assert_eq!(utf16.format, Some(Format::LastfmCsv));
    assert_eq!(utf16.plays, utf8.plays);
    assert_eq!(utf16.skipped, utf8.skipped);
    assert!(utf16.bad.is_empty(), "{:?}", utf16.bad);

    // UTF-16 BE too, and a UTF-8 BOM.
    let text = String::from_utf8(fixture("lastfm.csv")).unwrap();
    let mut be = vec![0xfe, 0xff];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(read(&be).plays, utf8.plays);
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(text.as_bytes());
    assert_eq!(read(&bom).plays, utf8.plays);
}

#[test]
fn a_truncated_csv_ends_with_one_bad_row() {
    let s = read(&fixture("lastfm-truncated.csv"));
    assert_eq!(s.counts(), (2, 0, 1), "{s:#?}");
    assert_eq!(s.play_lines(), [1, 2]);
    assert_eq!(
        s.bad,
        [(
            3,
            "file ends inside a record: expected 4 columns (artist, album, title, date), found 3"
                .to_owned()
        )]
    );
    // A last row without a line break is fine when complete.
    let s = read("Björk,Homogenic,Jóga,31 Jan 2021 14:05".as_bytes());
    assert_eq!(s.counts(), (1, 0, 0));
}

#[test]
fn csv_line_numbers_count_every_line_break() {
    let row = |t: &str| format!("Björk,Homogenic,{t},31 Jan 2021 14:05");
    // CRLF, a blank line, a quoted line break.
    let doc = format!(
        "{}\r\n\r\n{}\r\nBjörk,Homogenic,\"Jóga\r\n(live)\",31 Jan 2021 14:05\r\n\n{}\n{}\n",
        row("A"),
        row("B"),
        row("C"),
        row("D")
    );
    let s = read(doc.as_bytes());
    assert_eq!(s.counts(), (5, 0, 0), "{s:#?}");
    assert_eq!(s.play_lines(), [1, 3, 4, 7, 8]);
    assert_eq!(s.play(4).title, "Jóga (live)");
    // A header with other names, a now-playing row without a time, a ms timestamp.
    let doc = "Artist Name,Track Name,Album Name,Timestamp\nBjörk,Jóga,,\nBjörk,Jóga,Homogenic,1610000000000\n";
    let s = read(doc.as_bytes());
    assert_eq!(s.counts(), (1, 1, 0), "{s:#?}");
    assert_eq!(s.skipped, [(2, SkipReason::NowPlaying)]);
    assert_eq!(s.play(3).source_ref, "lfm:1610000000:6b71d6fe18915166");
    assert_eq!(
        read(b"uts,artist,track\n1610000000,Bj\xf6rk,J\n").bad,
        [(2, "not valid UTF-8".to_owned())]
    );
    assert_eq!(
        read(b"uts,artist,track\n1610000000,A\n").bad,
        [(2, "expected 3 columns, found 2".to_owned())]
    );
}

// ---------------------------------------------------------------------------------
// Last.fm JSON.

#[test]
fn lastfm_api_tracks() {
    let s = read(&fixture("lastfm-api.json"));
    assert_eq!(s.format, Some(Format::LastfmJson));
    assert_eq!(s.counts(), (5, 1, 5), "{s:#?}");
    // Records start on their opening `{`: lines 2 and 12 for the multi-line ones.
    assert_eq!(s.skipped, [(2, SkipReason::NowPlaying)]);
    assert_eq!(s.play_lines(), [12, 21, 22, 25, 29]);
    assert_eq!(
        s.brief(),
        [
            (1_610_000_000, "Björk", "Jóga", Some("Homogenic")),
            // Extended form: the artist under "name" (with a \u escape); empty album.
            (1_609_999_700, "Sigur Rós", "Hoppípolla", None),
            // No uts: "06 Jan 2021, 23:59".
            (1_609_977_540, "坂本龍一", "andata", Some("async")),
            // A plain-string artist and a numeric date.
            (1_609_900_000, "Sigur Rós", "Svefn-g-englar", None),
            (1_609_700_000, "Jónsi", "Go Do", None),
        ]
    );
    assert_eq!(
        s.play(12).recording_mbid.as_deref(),
        Some("1d5c2a4e-4f0a-4bd7-a7e8-0e2c5e9b6f01")
    );
    assert_eq!(s.play(21).recording_mbid, None);
    assert_eq!(
        s.bad,
        [
            (23, "no artist".to_owned()),
            (24, "no date".to_owned()),
            // "name": ["Army of Me"]: not a string.
            (26, "no title".to_owned()),
            (
                27,
                "invalid type: string \"loved\", expected @attr (an object)".to_owned()
            ),
            (
                28,
                "invalid type: integer `5`, expected a Last.fm track (an object)".to_owned()
            ),
        ]
    );
    assert_refs(&s, "lfm");
}

#[test]
fn lastfm_saved_api_pages() {
    let s = read(&fixture("lastfm-pages.json"));
    assert_eq!(s.format, Some(Format::LastfmJson));
    assert_eq!(s.counts(), (4, 1, 1), "{s:#?}");
    assert_eq!(s.skipped, [(4, SkipReason::NowPlaying)]);
    assert_eq!(s.bad, [(12, "no title".to_owned())]);
    // Page 2 has "@attr" before "track"; page 3's single track is an object.
    assert_eq!(s.play_lines(), [5, 6, 11, 14]);
    assert_eq!(
        s.brief(),
        [
            (1_610_000_000, "Björk", "Jóga", Some("Homogenic")),
            (1_609_999_700, "Sigur Rós", "Hoppípolla", Some("Takk...")),
            (1_609_977_540, "坂本龍一", "andata", Some("async")),
            (1_609_970_000, "Múm", "Green Grass of Tunnel", None),
        ]
    );
    // The same scrobble from another exporter has the same identity.
    let csv = read(&fixture("lastfm-header.csv"));
    assert_eq!(s.play(5).source_ref, csv.play(2).source_ref);
}

#[test]
fn lastfmstats_scrobbles() {
    let s = read(&fixture("lastfmstats.json"));
    assert_eq!(s.format, Some(Format::LastfmJson));
    assert_eq!(s.counts(), (4, 0, 1), "{s:#?}");
    // Two records share line 4.
    assert_eq!(s.play_lines(), [2, 3, 4, 4]);
    assert_eq!(
        s.brief(),
        [
            // Dates in milliseconds.
            (1_610_000_000, "Björk", "Jóga", Some("Homogenic")),
            (1_609_999_700, "Sigur Rós", "Hoppípolla", Some("Takk...")),
            (1_609_977_540, "坂本龍一", "andata", None),
            (
                1_609_970_000,
                "Múm",
                "Green Grass of Tunnel",
                Some("Finally We Are No One")
            ),
        ]
    );
    assert_eq!(s.bad, [(5, "unreadable date".to_owned())]);
    assert_refs(&s, "lfm");
}

#[test]
fn lastfm_wrappers_skip_what_they_do_not_need() {
    // One saved page as the root, brackets inside skipped strings, an empty page.
    let doc = r##"{"recenttracks": {"@attr": {"user": "a]}[{\"", "x": [[], {}]}, "track": [
        {"artist": {"#text": "Björk"}, "name": "Jóga", "date": {"uts": "1610000000"}}
    ]}}"##;
    let s = read(doc.as_bytes());
    assert_eq!(
        (s.format, s.play_lines()),
        (Some(Format::LastfmJson), vec![2])
    );
    let doc = r#"{"username": "ann", "scrobbles": [], "other": 5}"#;
    assert_eq!(read(doc.as_bytes()).counts(), (0, 0, 0));
    let doc = r#"[{"recenttracks": {"track": []}}, {"recenttracks": {"track": [{"artist": "A", "name": "T", "date": 1}]}}]"#;
    assert_eq!(read(doc.as_bytes()).counts(), (1, 0, 0));
    // A page's syntax error ends the file.
    let doc = r#"[{"recenttracks": {"track" [{"artist": "A", "name": "T", "date": 1}]}}]"#;
    let s = read(doc.as_bytes());
    assert_eq!(
        s.bad,
        [(
            1,
            "JSON syntax error: expected ':' after a key; the rest of the file was not read"
                .to_owned()
        )]
    );
}

// ---------------------------------------------------------------------------------
// ListenBrainz.

#[test]
fn listenbrainz_json_lines() {
    let s = read(&fixture("listenbrainz.jsonl"));
    assert_eq!(s.format, Some(Format::ListenBrainz));
    assert_eq!(s.counts(), (4, 0, 0), "{s:#?}");
    // Line 3 is blank.
    assert_eq!(s.play_lines(), [1, 2, 4, 5]);
    assert_eq!(
        s.play(1),
        &RemoteListen {
            played_at: 1_610_000_000,
            artist: "Björk".into(),
            album: Some("Homogenic".into()),
            title: "Jóga".into(),
            duration_ms: Some(305_000),
            isrc: Some("GBAAA9700001".into()),
            // The server's mapping wins over the player's additional_info.
            recording_mbid: Some("1d5c2a4e-4f0a-4bd7-a7e8-0e2c5e9b6f01".into()),
            source_ref: "lb:1610000000:6b71d6fe18915166".into(),
        }
    );
    let p = s.play(2);
    assert_eq!(p.source_ref, "lb:1609999700:72e7ff15d71fcc32");
    // "duration": 268 seconds; the mbid from additional_info.
    assert_eq!(p.duration_ms, Some(268_000));
    assert_eq!(
        p.recording_mbid.as_deref(),
        Some("c0ffee00-0000-4000-8000-00000000000b")
    );
    // "isrc": 7 and "duration_ms": "n/a" are ignored, not errors.
    let p = s.play(4);
    assert_eq!(
        (p.isrc.as_deref(), p.duration_ms, p.album.as_deref()),
        (None, None, None)
    );
    assert_eq!(s.play(5).album.as_deref(), Some("Finally We Are No One"));
    assert_refs(&s, "lb");
}

#[test]
fn listenbrainz_bad_lines_do_not_stop_the_file() {
    let s = read(&fixture("listenbrainz-bad.jsonl"));
    assert_eq!(s.counts(), (2, 0, 6), "{s:#?}");
    assert_eq!(s.play_lines(), [1, 8]);
    assert_eq!(
        s.bad,
        [
            (2, "JSON syntax error: expected `,` or `}`".to_owned()),
            (4, "not valid UTF-8".to_owned()),
            (5, "no listened_at".to_owned()),
            // The file's text is cut to 30 characters in reasons.
            (
                6,
                "invalid type: string \"Björk - Bachelorette (Family T…\", \
                 expected track_metadata (an object)"
                    .to_owned()
            ),
            (7, "date outside 1970-2100".to_owned()),
            (9, "file ends inside a record (truncated file?)".to_owned()),
        ]
    );
}

#[test]
fn listenbrainz_json_array() {
    let doc = r#"[
  {"listened_at": 1610000000, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga"}},
  {"listened_at": 1609999700,
   "track_metadata": {"artist_name": "Sigur Rós", "track_name": "Hoppípolla"}}
]"#;
    let s = read(doc.as_bytes());
    assert_eq!(s.format, Some(Format::ListenBrainz));
    assert_eq!(s.play_lines(), [2, 3]);
    assert_eq!(s.play(3).source_ref, "lb:1609999700:72e7ff15d71fcc32");
}

// ---------------------------------------------------------------------------------
// Spotify.

#[test]
fn spotify_basic() {
    let s = read(&fixture("StreamingHistory0.json"));
    assert_eq!(s.format, Some(Format::SpotifyBasic));
    assert_eq!(s.counts(), (3, 2, 0), "{s:#?}");
    assert_eq!(s.play_lines(), [2, 8, 26]);
    assert_eq!(
        s.skipped,
        [(14, SkipReason::TooShort), (20, SkipReason::NotATrack)]
    );
    // endTime is the end: 2019-02-04 00:00Z = 1549238400.
    assert_eq!(
        s.play(2),
        &RemoteListen {
            // 17:06 (1549299960) - 182 s.
            played_at: 1_549_299_778,
            artist: "Björk".into(),
            album: None,
            title: "Jóga".into(),
            // msPlayed is time listened, not the track's length.
            duration_ms: None,
            isrc: None,
            recording_mbid: None,
            source_ref: "sp:1549299778:6b71d6fe18915166".into(),
        }
    );
    // 17:11 (1549300260) - 268 s (268213 ms, whole seconds).
    assert_eq!(s.play(8).played_at, 1_549_299_992);
    // 18:30 (1549305000) - 30 s: exactly the minimum counts.
    assert_eq!(s.play(26).played_at, 1_549_304_970);
    assert_refs(&s, "sp");

    // A lower minimum keeps the 12 s play; a higher one drops more.
    let opts = |ms| ImportOptions {
        min_play_ms: ms,
        ..ImportOptions::default()
    };
    assert_eq!(
        read_with(&fixture("StreamingHistory0.json"), opts(10_000)).counts(),
        (4, 1, 0)
    );
    assert_eq!(
        read_with(&fixture("StreamingHistory0.json"), opts(200_000)).counts(),
        (1, 4, 0)
    );
}

#[test]
fn spotify_extended() {
    let s = read(&fixture("Streaming_History_Audio_2021.json"));
    assert_eq!(s.format, Some(Format::SpotifyExtended));
    assert_eq!(s.counts(), (3, 2, 2), "{s:#?}");
    // The first record spans lines 2-26 (one field per line), the rest one line each.
    assert_eq!(s.play_lines(), [2, 27, 30]);
    assert_eq!(
        s.skipped,
        [(28, SkipReason::NotATrack), (29, SkipReason::TooShort)]
    );
    assert_eq!(
        s.bad,
        [
            (31, "unreadable ts".to_owned()),
            (32, "no artist".to_owned())
        ]
    );
    assert_eq!(
        s.brief(),
        [
            // ts 2021-01-01T12:34:56Z = 1609504496, - 305 s.
            (1_609_504_191, "Björk", "Jóga", Some("Homogenic")),
            // 12:39:25 = 1609504765, - 268 s.
            (1_609_504_497, "Sigur Rós", "Hoppípolla", Some("Takk...")),
            // 2021-01-02T08:00:00Z = 1609574400, - 240 s.
            (
                1_609_574_160,
                "Múm",
                "Green Grass of Tunnel",
                Some("Finally We Are No One")
            ),
        ]
    );
    assert_eq!(s.play(2).source_ref, "spx:1609504191:6b71d6fe18915166");
    assert_refs(&s, "spx");
}

#[test]
fn spotify_bad_records_and_a_syntax_error_that_ends_the_array() {
    let s = read(&fixture("spotify-bad.json"));
    assert_eq!(s.format, Some(Format::SpotifyBasic));
    assert_eq!(s.counts(), (2, 0, 5), "{s:#?}");
    assert_eq!(s.play_lines(), [2, 7]);
    // 17:30 (1549301400) - 210 s.
    assert_eq!(s.play(7).played_at, 1_549_301_190);
    assert_eq!(
        s.bad,
        [
            (3, "not valid UTF-8".to_owned()),
            (4, "unreadable endTime".to_owned()),
            (5, "no msPlayed".to_owned()),
            (
                6,
                "invalid type: string \"Björk - Isobel\", expected a StreamingHistory entry (an object)"
                    .to_owned()
            ),
            // Line 9 is never read.
            (
                8,
                "JSON syntax error: expected `,` or `}`; the rest of the file was not read"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn a_truncated_json_array_ends_with_one_bad_record() {
    let s = read(&fixture("spotify-truncated.json"));
    assert_eq!(s.counts(), (1, 0, 1), "{s:#?}");
    assert_eq!(s.play_lines(), [2]);
    assert_eq!(
        s.bad,
        [(8, "file ends inside a record (truncated file?)".to_owned())]
    );
    // Cut between records.
    let doc = "[\n{\"endTime\": \"2019-02-04 17:06\", \"artistName\": \"A\", \"trackName\": \"T\", \"msPlayed\": 182000},\n";
    let s = read(doc.as_bytes());
    assert_eq!(s.counts(), (1, 0, 1));
    assert_eq!(
        s.bad,
        [(
            3,
            "file ends inside the JSON document (truncated file?)".to_owned()
        )]
    );
    // Cut inside a wrapping page.
    let s =
        read(br#"[{"recenttracks": {"track": [{"artist": "A", "name": "T", "date": 1610000000}"#);
    assert_eq!(s.counts(), (1, 0, 1));
}

// ---------------------------------------------------------------------------------
// Detection, options, edge cases.

#[test]
fn empty_and_unrecognised_files() {
    for empty in ["", "  \n\r\n", "[]", "[ ]\n"] {
        let r = Reader::new(empty.as_bytes(), ImportOptions::default()).unwrap();
        assert_eq!(r.format(), Format::Auto);
        assert_eq!(r.count(), 0, "{empty:?}");
    }
    // An explicit format keeps its name even for an empty file.
    let r = Reader::new(
        &b""[..],
        ImportOptions {
            format: Format::SpotifyBasic,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((r.format(), r.count()), (Format::SpotifyBasic, 0));

    for other in [
        &b"<html><body>hello</body></html>"[..],
        b"{\"a\": 1}\n",
        b"title,year\nHomogenic,1997\n",
        b"\x00\x01\x02\x03",
    ] {
        let e = Reader::new(other, ImportOptions::default()).unwrap_err();
        assert!(matches!(e, ImportError::NotRecognised(_)));
        assert_eq!(
            e.to_string(),
            "not a recognised export: expected a Last.fm CSV/JSON, ListenBrainz JSON lines \
             or Spotify StreamingHistory/Streaming_History_Audio JSON file"
        );
    }
}

#[test]
fn the_smallest_integer_as_a_date_is_a_bad_row() {
    // Found while fuzzing the imports: secs_or_ms took `abs` of i64::MIN.
    let as_format = |bytes: &[u8], format| {
        read_with(
            bytes,
            ImportOptions {
                format,
                ..ImportOptions::default()
            },
        )
    };
    let csv = as_format(
        b"Artist,Album,Title,-9223372036854775808\n",
        Format::LastfmCsv,
    );
    assert_eq!(csv.bad, [(1, "date outside 1970-2100".to_string())]);
    let json = as_format(
        br##"[{"artist": {"#text": "A"}, "name": "T", "date": {"uts": "-9223372036854775808"}}]"##,
        Format::LastfmJson,
    );
    assert_eq!(json.bad, [(1, "date outside 1970-2100".to_string())]);
}

#[test]
fn an_explicit_format_skips_detection() {
    // Keys Auto would not recognise, read as the format asked for.
    let doc = br#"[{"endTime": "2019-02-04 17:06", "artistName": "A", "trackName": "T", "msPlayed": 182000, "x": 1}]"#;
    let opts = ImportOptions {
        format: Format::SpotifyBasic,
        ..Default::default()
    };
    let s = read_with(doc, opts);
    assert_eq!(
        (s.format, s.counts()),
        (Some(Format::SpotifyBasic), (1, 0, 0))
    );
    // The wrong one yields bad rows, not a misread.
    let opts = ImportOptions {
        format: Format::SpotifyExtended,
        ..Default::default()
    };
    assert_eq!(read_with(doc, opts).counts(), (0, 1, 0)); // no track name: NotATrack
    let e = Reader::new(
        &b"a,b,c,d\n"[..],
        ImportOptions {
            format: Format::ListenBrainz,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "not a listenbrainz export: expected JSON");
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.to_string().parse::<Format>(), Ok(f));
    }
    assert_eq!(
        " Spotify-Extended ".parse::<Format>(),
        Ok(Format::SpotifyExtended)
    );
    assert_eq!("lastfm".parse::<Format>(), Err(UnknownFormat));
    assert_eq!(
        [
            Format::LastfmCsv,
            Format::LastfmJson,
            Format::ListenBrainz,
            Format::SpotifyBasic,
            Format::SpotifyExtended
        ]
        .map(Format::origin),
        ["lfm", "lfm", "lb", "sp", "spx"]
    );
}

#[test]
fn concatenated_arrays_are_read_in_turn() {
    let one = r#"[{"endTime": "2019-02-04 17:06", "artistName": "A", "trackName": "T", "msPlayed": 182000}]"#;
    let s = read(format!("{one}\n{one}\n").as_bytes());
    assert_eq!(s.play_lines(), [1, 2]);
    let s = read(format!("{one}\nx").as_bytes());
    assert_eq!(s.counts(), (1, 0, 1));
    assert_eq!(
        s.bad[0],
        (
            2,
            "unexpected data after the end of the JSON document; the rest of the file was not read"
                .to_owned()
        )
    );
}

/// A record of `size` bytes: a listen with a long ignored field.
fn big_listen(size: usize) -> String {
    let pad = "x".repeat(size);
    format!(
        r#"{{"listened_at": 1610000000, "pad": "{pad}", "track_metadata": {{"artist_name": "A", "track_name": "T"}}}}"#
    )
}

#[test]
fn oversized_records_are_bad_and_skipped() {
    let ok =
        r#"{"listened_at": 1609999700, "track_metadata": {"artist_name": "B", "track_name": "U"}}"#;
    // Just under the limit: read.
    let s = read(format!("{}\n{ok}\n", big_listen(MAX_RECORD - 200)).as_bytes());
    assert_eq!(s.counts(), (2, 0, 0));

    // JSON lines: the long line is skipped.
    let s = read(format!("{ok}\n{}\n{ok}\n", big_listen(3 * MAX_RECORD)).as_bytes());
    assert_eq!(s.play_lines(), [1, 3]);
    assert_eq!(s.bad, [(2, "record larger than 1 MiB".to_owned())]);

    // A JSON array: the element is skipped without being kept.
    let doc = format!("[\n{ok},\n{},\n{ok}\n]", big_listen(3 * MAX_RECORD));
    let mut reader = Reader::new(doc.as_bytes(), ImportOptions::default()).unwrap();
    let items: Vec<Item> = reader.by_ref().collect();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[1],
        Item::Bad {
            line: 3,
            reason: "record larger than 1 MiB".to_owned()
        }
    );
    assert_eq!(items[2].line(), 4);
    let Parser::Json(p) = &reader.parser else {
        panic!("a JSON parser")
    };
    assert_eq!(p.window(), MAX_RECORD);

    // CSV: an unbalanced quote swallows lines up to the next quote, 1.3 MB later.
    let csv = format!(
        "A,B,C,31 Jan 2021 14:05\nA,\"B,C,31 Jan 2021 14:05\n{}X\",C,31 Jan 2021 14:05\nD,E,F,31 Jan 2021 14:05\n",
        "D,E,F,31 Jan 2021 14:05\n".repeat(MAX_RECORD / 20)
    );
    let s = read(csv.as_bytes());
    assert_eq!(s.counts(), (2, 0, 1));
    assert_eq!(
        s.bad,
        [(
            2,
            "record larger than 1 MiB (an unbalanced quote?)".to_owned()
        )]
    );
    // Lines inside the swallowed record still count.
    assert_eq!(s.play_lines(), [1, 3 + MAX_RECORD as u64 / 20 + 1]);
}

#[test]
fn reasons_quote_little_of_the_file() {
    let long = "y".repeat(500);
    let doc = format!("{{\"listened_at\": 1, \"track_metadata\": \"{long}\"}}\n");
    let s = read(doc.as_bytes());
    let (_, reason) = &s.bad[0];
    assert!(reason.len() < 100, "{reason}");
    assert!(reason.contains(&"y".repeat(30)) && !reason.contains(&"y".repeat(31)));
}

/// Yields `data`, then fails.
struct FailingReader<'a> {
    data: &'a [u8],
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::other("the upload was interrupted"));
        }
        let n = buf.len().min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_ends_the_items_and_is_kept() {
    let ok = "{\"listened_at\": 1610000000, \"track_metadata\": {\"artist_name\": \"A\", \"track_name\": \"T\"}}\n";
    let data = ok.repeat(2);
    let mut reader = Reader::new(
        FailingReader {
            data: data.as_bytes(),
        },
        ImportOptions::default(),
    )
    .unwrap();
    let items: Vec<Item> = reader.by_ref().collect();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2],
        Item::Bad {
            line: 3,
            reason: "read error: the upload was interrupted".to_owned()
        }
    );
    assert_eq!(
        reader.take_io_error().map(|e| e.to_string()).as_deref(),
        Some("the upload was interrupted")
    );
    assert_eq!(reader.bytes_read(), data.len() as u64);

    // The same for a CSV.
    let csv = "Björk,Homogenic,Jóga,31 Jan 2021 14:05\n";
    let mut reader = Reader::new(
        FailingReader {
            data: csv.as_bytes(),
        },
        ImportOptions::default(),
    )
    .unwrap();
    let items: Vec<Item> = reader.by_ref().collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(&items[1], Item::Bad { reason, .. } if reason.starts_with("read error")));
    assert!(reader.take_io_error().is_some());
}

// ---------------------------------------------------------------------------------
// Streaming.

/// Produces `count` JSON-lines listens on the fly (never the whole file), and
/// panics if asked for more than 64 KiB at once.
struct Generator {
    count: u64,
    next: u64,
    pending: Vec<u8>,
    pos: usize,
    reads: u64,
}

impl Generator {
    fn new(count: u64) -> Self {
        Generator {
            count,
            next: 0,
            pending: Vec::new(),
            pos: 0,
            reads: 0,
        }
    }
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(
            buf.len() <= 64 * 1024,
            "asked for {} bytes at once",
            buf.len()
        );
        self.reads += 1;
        if self.pos == self.pending.len() {
            if self.next == self.count {
                return Ok(0);
            }
            self.pending.clear();
            self.pos = 0;
            // A few records at a time.
            while self.next < self.count && self.pending.len() < 4096 {
                use std::io::Write;
                let i = self.next;
                let _ = writeln!(
                    self.pending,
                    r#"{{"listened_at": {}, "recording_msid": "{i:08x}", "track_metadata": {{"artist_name": "Sigur Rós {}", "track_name": "Track {i}", "release_name": "Ágætis byrjun", "additional_info": {{"duration_ms": 215000}}}}}}"#,
                    1_600_000_000 + i,
                    i % 97
                );
                self.next += 1;
            }
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_large_input_streams_in_bounded_memory() {
    const COUNT: u64 = 200_000;
    let mut reader = Reader::new(Generator::new(COUNT), ImportOptions::default()).unwrap();
    assert_eq!(reader.format(), Format::ListenBrainz);
    // Detection read only the first 64 KiB or so.
    let first = reader.next().unwrap();
    assert_eq!(first.line(), 1);
    assert!(
        reader.bytes_read() <= 2 * PREFIX_LEN as u64,
        "{}",
        reader.bytes_read()
    );
    let mut plays = 1;
    let mut last_line = 1;
    for item in reader.by_ref() {
        let Item::Play { line, listen, .. } = item else {
            panic!("{item:?}")
        };
        assert_eq!(listen.played_at, 1_600_000_000 + line as i64 - 1);
        last_line = line;
        plays += 1;
    }
    assert_eq!((plays, last_line), (COUNT, COUNT));
    // ~33 MB went through a window that never grew.
    assert!(reader.bytes_read() > 30_000_000, "{}", reader.bytes_read());
    let Parser::Json(p) = &reader.parser else {
        panic!("a JSON parser")
    };
    assert_eq!(p.window(), 64 * 1024);
}

/// A `Read` repeating `head`, then `body` `times` times, then `tail`: large inputs
/// at memcpy speed, for throughput.
struct Repeat {
    parts: Vec<(Vec<u8>, u64)>,
    part: usize,
    done: u64,
    pos: usize,
}

impl Repeat {
    fn new(head: &str, body: &str, times: u64, tail: &str) -> Self {
        Repeat {
            parts: vec![
                (head.as_bytes().to_vec(), 1),
                (body.as_bytes().to_vec(), times),
                (tail.as_bytes().to_vec(), 1),
            ],
            part: 0,
            done: 0,
            pos: 0,
        }
    }
}

impl Read for Repeat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && self.part < self.parts.len() {
            let (bytes, times) = &self.parts[self.part];
            if self.done == *times || bytes.is_empty() {
                self.part += 1;
                self.done = 0;
                continue;
            }
            let k = (buf.len() - n).min(bytes.len() - self.pos);
            buf[n..n + k].copy_from_slice(&bytes[self.pos..self.pos + k]);
            n += k;
            self.pos += k;
            if self.pos == bytes.len() {
                self.pos = 0;
                self.done += 1;
            }
        }
        Ok(n)
    }
}

/// `cargo test -p spotter-daemon --release --lib history_import::tests::throughput -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, run by hand in release"]
fn throughput() {
    // 500,000 rows of each format, first cycling through 100 songs (a listening
    // history's repeats: the match-key cache hits), then through 20,000 (all misses).
    const ROWS: u64 = 500_000;
    let lb = |i: u64| {
        format!(
            r#"{{"inserted_at": 1610000005, "listened_at": {}, "recording_msid": "a1b2c3d4-0000-4000-8000-{i:012}", "track_metadata": {{"artist_name": "Sigur Rós", "track_name": "Hoppípolla {i}", "release_name": "Takk...", "additional_info": {{"recording_mbid": "c0ffee00-0000-4000-8000-00000000000b", "duration_ms": 268000, "submission_client": "Navidrome"}}, "mbid_mapping": {{"recording_mbid": "1d5c2a4e-4f0a-4bd7-a7e8-0e2c5e9b6f01"}}}}, "user_name": "ann"}}"#,
            1_610_000_000 + i
        )
    };
    let basic = |i: u64| {
        format!(
            "  {{\n    \"endTime\" : \"2019-02-04 17:{:02}\",\n    \"artistName\" : \"Sigur Rós\",\n    \"trackName\" : \"Hoppípolla {i}\",\n    \"msPlayed\" : 268213\n  }}",
            i % 60
        )
    };
    let extended = |i: u64| {
        format!(
            r#"{{"ts": "2021-01-01T12:{:02}:25Z", "username": "ann", "platform": "Android OS 11 API 30 (Google, Pixel 4a)", "ms_played": 268213, "conn_country": "IS", "ip_addr_decrypted": "192.0.2.10", "user_agent_decrypted": "unknown", "master_metadata_track_name": "Hoppípolla {i}", "master_metadata_album_artist_name": "Sigur Rós", "master_metadata_album_album_name": "Takk...", "spotify_track_uri": "spotify:track:6eTGxxQxiTFE6LfZHC33Wm", "episode_name": null, "episode_show_name": null, "spotify_episode_uri": null, "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": false, "skipped": null, "offline": false, "offline_timestamp": 1609504497, "incognito_mode": false}}"#,
            i % 60
        )
    };
    let csv = |i: u64| {
        format!(
            "Sigur Rós,Takk...,Hoppípolla {i},31 Jan 2021 14:{:02}",
            i % 60
        )
    };
    let last_basic = basic(0);
    let last_extended = extended(0);
    let mut cases: Vec<(String, Repeat)> = Vec::new();
    for songs in [100, 20_000] {
        let block = |record: &dyn Fn(u64) -> String, sep: &str| -> String {
            (0..songs).map(|i| record(i) + sep).collect()
        };
        let times = ROWS / songs;
        cases.extend([
            (
                format!("listenbrainz, {songs} songs"),
                Repeat::new("", &block(&lb, "\n"), times, ""),
            ),
            (
                format!("spotify, {songs} songs"),
                Repeat::new(
                    "[\n",
                    &block(&basic, ",\n"),
                    times,
                    &format!("{last_basic}\n]"),
                ),
            ),
            (
                format!("spotify-extended, {songs} songs"),
                Repeat::new(
                    "[",
                    &block(&extended, ",\n"),
                    times,
                    &format!("{last_extended}]"),
                ),
            ),
            (
                format!("lastfm-csv, {songs} songs"),
                Repeat::new("", &block(&csv, "\n"), times, ""),
            ),
        ]);
    }
    for (name, input) in cases {
        let started = std::time::Instant::now();
        let mut reader = Reader::new(input, ImportOptions::default()).unwrap();
        let mut plays = 0u64;
        let mut other = 0u64;
        for item in reader.by_ref() {
            match item {
                Item::Play { .. } => plays += 1,
                _ => other += 1,
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let mb = reader.bytes_read() as f64 / 1e6;
        println!(
            "{name:32} {plays} plays ({other} other) {mb:.0} MB in {secs:.2}s: {:.0} rows/s, {:.0} MB/s",
            (plays + other) as f64 / secs,
            mb / secs
        );
        assert_eq!(other, 0);
    }
}

// T9: the parsers against hostile input. Arbitrary bytes, and valid files with bytes
// flipped or cut short, in every format: never a panic, every item on a real line,
// lines never going backwards, and a file of N lines never reports a line past N + 1.
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    const SEEDS: [&str; 6] = [
        "lastfm.csv",
        "lastfm-api.json",
        "listenbrainz.jsonl",
        "StreamingHistory0.json",
        "Streaming_History_Audio_2021.json",
        "lastfmstats.json",
    ];

    fn check(bytes: &[u8], format: Format) {
        let Ok(reader) = Reader::new(
            bytes,
            ImportOptions {
                format,
                ..ImportOptions::default()
            },
        ) else {
            return;
        };
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let mut last = 0;
        for item in reader {
            let line = match item {
                Item::Play { line, .. } | Item::Skipped { line, .. } | Item::Bad { line, .. } => {
                    line
                }
            };
            assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
            assert!(line >= last, "line {line} after {last}");
            last = line;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
            check(&bytes, Format::Auto);
        }

        #[test]
        fn damaged_exports_never_panic(
            seed in 0..SEEDS.len(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = fixture(SEEDS[seed]);
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let keep = cut.index(bytes.len() + 1);
            bytes.truncate(keep);
            check(&bytes, Format::Auto);
            for format in [Format::LastfmCsv, Format::LastfmJson, Format::ListenBrainz,
                           Format::SpotifyBasic, Format::SpotifyExtended] {
                check(&bytes, format);
            }
        }
    }
}
