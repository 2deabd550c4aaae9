//! Each format read and written, detection, and hostile input (junk, huge lines,
//! other encodings, missing columns): an error or bad rows, never a panic.

use proptest::prelude::*;

use super::*;
use crate::domains::playlists::model::SourceRef;

const MAX: u64 = 20_000;

fn read(text: &str, name: &str) -> ParsedFile {
    parse(text.as_bytes(), None, name, MAX).unwrap()
}

fn names(p: &ParsedFile) -> Vec<(String, String)> {
    p.entries
        .iter()
        .map(|e| (e.artist.clone(), e.title.clone()))
        .collect()
}

const JSPF: &str = r#"{"playlist": {"title": "Weekly Jams", "creator": "lb",
  "track": [
    {"creator": "Daft Punk", "title": "One More Time", "album": "Discovery", "duration": 320000,
     "identifier": ["https://musicbrainz.org/recording/5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11"]},
    {"creator": "Air", "title": "La femme d'argent",
     "identifier": "https://musicbrainz.org/recording/11111111-2222-3333-4444-555555555555"},
    {"creator": "Nobody", "title": "", "album": "x"},
    "not a track",
    {"creator": "Local", "title": "File", "location": ["file:///music/a%20b.flac"]}
  ]}}"#;

#[test]
fn jspf_reads_titles_durations_identifiers_and_reports_bad_tracks() {
    let p = read(JSPF, "x.jspf");
    assert_eq!(p.format, Format::Jspf);
    assert_eq!(p.title.as_deref(), Some("Weekly Jams"));
    assert_eq!(
        names(&p),
        [
            ("Daft Punk".into(), "One More Time".into()),
            ("Air".into(), "La femme d'argent".into()),
            ("Local".into(), "File".into()),
        ]
    );
    let first = &p.entries[0];
    assert_eq!(first.album.as_deref(), Some("Discovery"));
    assert_eq!(first.duration_ms, Some(320_000));
    assert_eq!(
        first.mbid.as_deref(),
        Some("5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11")
    );
    assert_eq!(
        p.entries[1].mbid.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(
        p.entries[2].source_ref,
        Some(SourceRef::Path("/music/a b.flac".into()))
    );
    assert_eq!(p.bad, 2);
    assert_eq!(p.bad_rows[0].line, 3);
    assert_eq!(p.bad_rows[1].line, 4);
}

#[test]
fn jspf_that_is_not_a_playlist_is_a_clear_error() {
    for junk in ["{", "{\"playlist\": 3}", "{\"tracks\": []}"] {
        let e = parse(junk.as_bytes(), Some(Format::Jspf), "a.jspf", MAX).unwrap_err();
        assert!(e.to_string().contains("not a JSPF playlist"), "{e}");
    }
}

const M3U: &str = "#EXTM3U\n#PLAYLIST:Road Trip\n\
#EXTINF:215,Daft Punk - One More Time\n#EXTALB:Discovery\n/music/Daft Punk/01.flac\n\
#EXTINF:-1 tvg-name=\"a,b\",Radio - Stream\nhttp://radio.example/stream\n\
\n# a comment\n/music/Air/Air - Sexy Boy.mp3\n\
#EXTINF:100,Lost - Not Here\n# not in the library\n\
#EXTINF:90,Last - One\n";

#[test]
fn m3u_reads_extinf_paths_urls_and_entries_without_a_path() {
    let p = read(M3U, "trip.m3u8");
    assert_eq!(p.format, Format::M3u);
    assert_eq!(p.title.as_deref(), Some("Road Trip"));
    assert_eq!(
        names(&p),
        [
            ("Daft Punk".into(), "One More Time".into()),
            ("Radio".into(), "Stream".into()),
            ("Air".into(), "Sexy Boy".into()),
            ("Lost".into(), "Not Here".into()),
            ("Last".into(), "One".into()),
        ]
    );
    let e = &p.entries;
    assert_eq!(e[0].duration_ms, Some(215_000));
    assert_eq!(e[0].album.as_deref(), Some("Discovery"));
    assert_eq!(
        e[0].source_ref,
        Some(SourceRef::Path("/music/Daft Punk/01.flac".into()))
    );
    assert_eq!(e[1].duration_ms, None);
    assert_eq!(
        e[1].source_ref,
        Some(SourceRef::Identifier("http://radio.example/stream".into()))
    );
    assert_eq!(e[3].source_ref, None);
    assert_eq!(p.bad, 0);
}

#[test]
fn a_plain_list_of_paths_is_an_m3u() {
    let p = read("a/b/Artist - Song.flac\r\nc/Other.ogg\r\n", "list.txt");
    assert_eq!(p.format, Format::M3u);
    assert_eq!(
        names(&p),
        [
            ("Artist".into(), "Song".into()),
            (String::new(), "Other".into())
        ]
    );
    assert_eq!(
        p.entries[1].source_ref,
        Some(SourceRef::Path("c/Other.ogg".into()))
    );
}

const EXPORTIFY: &str = "\"Track URI\",\"Track Name\",\"Artist URI(s)\",\"Artist Name(s)\",\"Album Name\",\"Track Duration (ms)\",\"ISRC\"\n\
\"spotify:track:4uLU6hMCjMI75M1A2tKUQC\",\"Never Gonna Give You Up\",\"x\",\"Rick Astley\",\"Whenever You Need Somebody\",\"213573\",\"GBARL9300135\"\n\
\"spotify:track:7BKLCZ1jbUBVqRi2FVlTVw\",\"Closer\",\"x\",\"The Chainsmokers,Halsey\",\"Closer\",\"244960\",\"USQX91601347\"\n\
\"\",\"\",\"\",\"Nobody\",\"\",\"\",\"\"\n";

#[test]
fn exportify_csv_reads_every_column_and_joins_artists() {
    let p = read(EXPORTIFY, "liked.csv");
    assert_eq!(p.format, Format::Csv);
    assert_eq!(
        names(&p),
        [
            ("Rick Astley".into(), "Never Gonna Give You Up".into()),
            ("The Chainsmokers, Halsey".into(), "Closer".into()),
        ]
    );
    let e = &p.entries[0];
    assert_eq!(e.isrc.as_deref(), Some("GBARL9300135"));
    assert_eq!(e.duration_ms, Some(213_573));
    assert_eq!(e.album.as_deref(), Some("Whenever You Need Somebody"));
    assert_eq!(
        e.source_ref,
        Some(SourceRef::Spotify("4uLU6hMCjMI75M1A2tKUQC".into()))
    );
    assert_eq!(p.bad, 1);
    assert_eq!(p.bad_rows[0].line, 4);
    assert_eq!(p.bad_rows[0].reason, "no title");
}

#[test]
fn csv_aliases_semicolons_and_minute_durations() {
    let p = read(
        "ARTIST;Title;album;Length;mbid\nAir;Sexy Boy;Moon Safari;4:58;11111111-2222-3333-4444-555555555555\n",
        "x",
    );
    assert_eq!(p.format, Format::Csv);
    assert_eq!(names(&p), [("Air".into(), "Sexy Boy".into())]);
    assert_eq!(p.entries[0].duration_ms, Some(298_000));
    assert!(p.entries[0].mbid.is_some());
}

#[test]
fn a_csv_without_a_title_column_is_a_clear_error() {
    let e = parse(b"foo,bar\n1,2\n", Some(Format::Csv), "x.csv", MAX).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("no title column"), "{text}");
    assert!(text.contains("\"foo\""), "{text}");
}

#[test]
fn bom_utf16_and_windows_1252_files_are_decoded() {
    let text = "#EXTM3U\n#EXTINF:1,Mylène Farmer - Désenchantée\n/m/a.flac\n";
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let mut utf8_bom = vec![0xef, 0xbb, 0xbf];
    utf8_bom.extend_from_slice(text.as_bytes());
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    for bytes in [utf16, utf8_bom, latin.into_owned()] {
        let p = parse(&bytes, None, "x.m3u", MAX).unwrap();
        assert_eq!(names(&p), [("Mylène Farmer".into(), "Désenchantée".into())]);
    }
    // A BOM before a CSV header does not hide the title column.
    let mut csv = vec![0xef, 0xbb, 0xbf];
    csv.extend_from_slice(b"Track Name,Artist Name(s)\nA,B\n");
    assert_eq!(parse(&csv, None, "x", MAX).unwrap().entries.len(), 1);
}

#[test]
fn huge_lines_are_cut_and_reported_and_control_characters_stripped() {
    let long = "é".repeat(5000);
    let text = format!("#EXTM3U\n#EXTINF:1,Evil\u{1b}[31m - {long}\n/x.flac\n");
    let p = read(&text, "x.m3u");
    let e = &p.entries[0];
    assert_eq!(e.artist, "Evil[31m");
    assert!(e.title.len() <= crate::music_text::MAX_NAME_BYTES);
    assert!(p.bad_rows[0].reason.contains("cut to 1024 bytes"));
    assert_eq!(p.bad, 0);
    // A path too long to store is not kept as the entry's reference.
    let path = format!("/{}.flac", "p".repeat(10_000));
    let p = read(&path, "x.m3u");
    assert_eq!(p.entries[0].source_ref, None);
}

#[test]
fn too_many_entries_stop_the_read_with_a_clear_error() {
    let text = "a.flac\n".repeat(11);
    let e = parse(text.as_bytes(), None, "x.m3u", 10).unwrap_err();
    assert_eq!(e, FileError::TooManyEntries { limit: 10 });
    assert!(e.to_string().contains("playlists.max_entries"));
    assert_eq!(
        parse("a.flac\n".repeat(10).as_bytes(), None, "x.m3u", 10)
            .unwrap()
            .entries
            .len(),
        10
    );
}

#[test]
fn formats_are_detected_by_content_then_extension() {
    assert_eq!(detect("  {\"playlist\":{}}", "a.csv"), Format::Jspf);
    assert_eq!(detect("#EXTM3U\n", "a.csv"), Format::M3u);
    assert_eq!(detect("x,y\n", "a.csv"), Format::Csv);
    assert_eq!(detect("Title,Artist\nA,B", "noext"), Format::Csv);
    assert_eq!(detect("/music/a.flac", "noext"), Format::M3u);
    assert_eq!(Format::parse_name("M3U8").unwrap(), Some(Format::M3u));
    assert_eq!(Format::parse_name("auto").unwrap(), None);
    assert!(Format::parse_name("xspf").is_err());
}

fn tracks() -> Vec<Track> {
    vec![
        Track {
            artist: "Daft Punk".into(),
            title: "One \"More\", Time".into(),
            album: "Discovery".into(),
            duration_ms: Some(320_000),
            isrc: Some("GBDUW0000059".into()),
            mbid: Some("5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11".into()),
            spotify_id: Some("0DiWol3AO6WpXZgp0goxAV".into()),
            path: Some("Daft Punk/Discovery/01.flac".into()),
        },
        Track {
            artist: "Unknown\nInjected".into(),
            title: "Not in the library".into(),
            ..Track::default()
        },
    ]
}

fn write(format: Format) -> String {
    let mut w = Writer::new(format);
    let mut out = w.begin("Mix \"1\"");
    for t in tracks() {
        out.push_str(&w.track(&t));
    }
    out.push_str(&w.end());
    out
}

#[test]
fn every_format_reads_back_what_it_wrote() {
    for format in [Format::Jspf, Format::M3u, Format::Csv] {
        let text = write(format);
        let p = parse(text.as_bytes(), None, "out", MAX).unwrap();
        assert_eq!(p.format, format, "{text}");
        assert_eq!(p.bad, 0, "{format}: {:?}", p.bad_rows);
        assert_eq!(
            names(&p),
            [
                ("Daft Punk".to_owned(), "One \"More\", Time".to_owned()),
                (
                    "Unknown Injected".to_owned(),
                    "Not in the library".to_owned()
                ),
            ],
            "{format}: {text}"
        );
        let first = &p.entries[0];
        assert_eq!(first.duration_ms, Some(320_000), "{format}");
        assert_eq!(first.album.as_deref(), Some("Discovery"), "{format}");
        if format != Format::M3u {
            assert_eq!(first.isrc.as_deref(), Some("GBDUW0000059"), "{format}");
            assert_eq!(
                first.mbid.as_deref(),
                Some("5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11"),
                "{format}"
            );
        }
        if format != Format::Csv {
            assert_eq!(p.title.as_deref(), Some("Mix \"1\""), "{format}");
        }
    }
    let m3u = write(Format::M3u);
    assert!(m3u.contains("#EXTINF:320,Daft Punk - One \"More\", Time\n"));
    assert!(m3u.contains("Daft Punk/Discovery/01.flac\n"));
    assert!(m3u.contains("# not in the library\n"));
    let csv = write(Format::Csv);
    assert!(
        csv.starts_with("Track URI,Track Name,Artist Name(s),Album Name,Track Duration (ms),ISRC")
    );
    let jspf: serde_json::Value = serde_json::from_str(&write(Format::Jspf)).unwrap();
    assert_eq!(
        jspf["playlist"]["track"][0]["identifier"][0],
        "https://musicbrainz.org/recording/5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11"
    );
}

#[test]
fn musicbrainz_urls_give_recording_ids() {
    let id = "5ee8f8a2-6e8f-4c59-9ab1-2a8b5a6c1d11";
    assert_eq!(
        mbid_of(&format!("https://musicbrainz.org/recording/{id}")),
        Some(id)
    );
    assert_eq!(
        mbid_of(&format!("http://musicbrainz.org/recording/{id}/")),
        Some(id)
    );
    assert_eq!(
        mbid_of(&format!("https://musicbrainz.org/release/{id}")),
        None
    );
    assert_eq!(mbid_of("https://musicbrainz.org/recording/x"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the bytes, every format reads them to entries or an error.
    #[test]
    fn any_bytes_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for format in [None, Some(Format::Jspf), Some(Format::M3u), Some(Format::Csv)] {
            if let Ok(p) = parse(&bytes, format, "x", 50) {
                prop_assert!(p.entries.len() <= 50);
                prop_assert!(p.bad_rows.len() <= MAX_BAD_ROWS);
                for e in &p.entries {
                    prop_assert!(!crate::music_text::has_control(&e.title));
                    prop_assert!(!crate::music_text::has_control(&e.artist));
                }
            }
        }
    }

    /// Text that looks like the formats (their markers mixed with junk) too.
    #[test]
    fn format_like_text_reads_without_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("#EXTM3U\n".to_owned()),
                Just("#EXTINF:".to_owned()),
                Just(",".to_owned()),
                Just("\"".to_owned()),
                Just("{\"playlist\":{\"track\":[".to_owned()),
                Just("Track Name,Artist\n".to_owned()),
                Just(" - ".to_owned()),
                "[a-zé\\n\\r\\t:;/.]{0,20}",
            ],
            0..40,
        )
    ) {
        let text = parts.concat();
        for format in [None, Some(Format::Jspf), Some(Format::M3u), Some(Format::Csv)] {
            let _ = parse(text.as_bytes(), format, "x", 1000);
        }
    }

    /// What a writer writes reads back with the same names.
    #[test]
    fn written_names_read_back(artist in "[A-Za-zé0-9 ,\"'&]{1,30}", title in "[A-Za-zé0-9 ,\"'()]{1,30}") {
        let t = Track { artist: artist.clone(), title: title.clone(), ..Track::default() };
        for format in [Format::Jspf, Format::Csv] {
            let mut w = Writer::new(format);
            let text = format!("{}{}{}", w.begin("p"), w.track(&t), w.end());
            let p = parse(text.as_bytes(), Some(format), "x", 10).unwrap();
            let artist_read = p.entries.first().map(|e| e.artist.clone());
            let title_read = p.entries.first().map(|e| e.title.clone());
            prop_assert_eq!(title_read, Some(title.trim().to_owned()).filter(|t| !t.is_empty()));
            if title.trim().is_empty() {
                // An entry without a title is a bad row, not an entry.
                prop_assert_eq!(p.bad, 1);
                continue;
            }
            // CSV joins artists at commas with ", ".
            let want = if format == Format::Csv {
                artist.split(',').map(str::trim).filter(|a| !a.is_empty()).collect::<Vec<_>>().join(", ")
            } else {
                artist.trim().to_owned()
            };
            prop_assert_eq!(artist_read.unwrap_or_default(), want);
        }
    }
}
