//! The matcher on the real-world cases of issue 12.

use super::*;

fn song(id: &str, artist: &str, title: &str, album: &str, secs: u32) -> Song {
    Song {
        id: id.into(),
        artist: artist.into(),
        title: title.into(),
        album: album.into(),
        duration_secs: Some(secs),
        ..Song::default()
    }
}

fn entry(artists: &[&str], title: &str) -> Entry {
    Entry {
        artists: artists.iter().map(|a| a.to_string()).collect(),
        title: title.into(),
        ..Entry::default()
    }
}

fn library() -> Vec<Song> {
    let mut isrc = song(
        "sun",
        "The Beatles",
        "Here Comes the Sun",
        "Abbey Road",
        185,
    );
    isrc.isrc = Some("GBAYE0601696".into());
    isrc.mbid = Some("11111111-2222-3333-4444-555555555555".into());
    vec![
        isrc,
        song(
            "sun-live",
            "The Beatles",
            "Here Comes the Sun (Live)",
            "Live",
            190,
        ),
        song("mylene", "Mylène Farmer", "Désenchantée", "L'autre", 320),
        song("kino", "Кино", "Группа крови", "Группа крови", 286),
        song("dont", "Queen", "Don't Stop Me Now", "Jazz", 209),
        song(
            "obla",
            "The Beatles",
            "Ob-La-Di, Ob-La-Da",
            "The Beatles",
            188,
        ),
        song("sg", "Simon & Garfunkel", "The Boxer", "Bridge", 308),
        song(
            "calvin",
            "Calvin Harris",
            "This Is What You Came For",
            "Single",
            222,
        ),
        song("lion", "Elton John", "Circle of Life", "The Lion King", 292),
        song(
            "hallelujah-cohen",
            "Leonard Cohen",
            "Hallelujah",
            "Various Positions",
            277,
        ),
        song("gold", "Neil Young", "Heart of Gold", "Harvest", 187),
        song(
            "blue-remix",
            "Eiffel 65",
            "Blue (Gabry Ponte Remix)",
            "Remixes",
            290,
        ),
        song("blue", "Eiffel 65", "Blue (Da Ba Dee)", "Europop", 283),
        song("love-a", "Artist A", "Love", "A", 200),
        song("love-b", "Artist B", "Love", "B", 210),
        song("yesterday", "The Beatles", "Yesterday", "Help!", 125),
    ]
}

fn index() -> LibraryIndex {
    LibraryIndex::build(&library())
}

#[track_caller]
fn matches(e: Entry, id: &str, method: Method) -> Match {
    let m = index().match_entry(&e);
    assert_eq!(m.song.as_deref(), Some(id), "{e:?} → {m:?}");
    assert_eq!(m.method, method, "{e:?} → {m:?}");
    m
}

#[track_caller]
fn unmatched(e: Entry) -> Match {
    let m = index().match_entry(&e);
    assert_eq!(m.song, None, "{e:?} → {m:?}");
    assert_eq!(m.method, Method::None);
    m
}

#[test]
fn identifiers_come_first() {
    let mut e = entry(&["Somebody Else"], "Another Title");
    e.isrc = Some("gb-aye-06-01696".into());
    let m = matches(e, "sun", Method::Isrc);
    assert_eq!(m.confidence, 1.0);
    let mut e = entry(&["Somebody Else"], "Another Title");
    e.mbid = Some("11111111-2222-3333-4444-555555555555".into());
    matches(e, "sun", Method::Mbid);
}

#[test]
fn spellings_match_exactly() {
    matches(
        entry(&["Mylene Farmer"], "Desenchantee"),
        "mylene",
        Method::Exact,
    );
    matches(entry(&["Kino"], "Gruppa krovi"), "kino", Method::Exact);
    matches(
        entry(&["Queen"], "Don’t Stop Me Now"),
        "dont",
        Method::Exact,
    );
    matches(
        entry(&["Beatles"], "Ob–La–Di, Ob—La—Da"),
        "obla",
        Method::Exact,
    );
    matches(
        entry(&["Simon and Garfunkel"], "The Boxer"),
        "sg",
        Method::Exact,
    );
    matches(
        entry(&["Simon + Garfunkel"], "The Boxer"),
        "sg",
        Method::Exact,
    );
    matches(
        entry(&["BEATLES"], "here comes the sun"),
        "sun",
        Method::Exact,
    );
}

#[test]
fn featured_artists_in_the_credit_or_the_title() {
    matches(
        entry(&["Calvin Harris", "Rihanna"], "This Is What You Came For"),
        "calvin",
        Method::Exact,
    );
    matches(
        entry(&["Calvin Harris, Rihanna"], "This Is What You Came For"),
        "calvin",
        Method::Exact,
    );
    matches(
        entry(
            &["Calvin Harris"],
            "This Is What You Came For (feat. Rihanna)",
        ),
        "calvin",
        Method::Exact,
    );
    matches(
        entry(&["Calvin Harris"], "This Is What You Came For ft. Rihanna"),
        "calvin",
        Method::Exact,
    );
    matches(
        entry(
            &["Calvin Harris featuring Rihanna"],
            "This Is What You Came For",
        ),
        "calvin",
        Method::Exact,
    );
}

#[test]
fn edition_suffixes_match_the_recording() {
    for t in [
        "Here Comes the Sun - Remastered 2009",
        "Here Comes the Sun (2011 Remaster)",
        "Here Comes the Sun - 2019 Mix",
        "Here Comes the Sun - Single Version",
        "Here Comes the Sun - Radio Edit",
        "Here Comes the Sun - Mono",
    ] {
        matches(entry(&["The Beatles"], t), "sun", Method::Exact);
    }
    matches(
        entry(&["Elton John"], "Circle of Life - From \"The Lion King\""),
        "lion",
        Method::Exact,
    );
}

#[test]
fn versions_are_kept_apart() {
    // The library has the live take: it is preferred.
    matches(
        entry(&["The Beatles"], "Here Comes the Sun - Live"),
        "sun-live",
        Method::Exact,
    );
    // The studio entry prefers the studio recording.
    matches(
        entry(&["The Beatles"], "Here Comes the Sun"),
        "sun",
        Method::Exact,
    );
    // Only the studio recording: offered with a lower confidence, not taken.
    for t in [
        "Yesterday - Live",
        "Yesterday (Demo)",
        "Yesterday - Acoustic",
        "Yesterday - Alternate Take",
        "Yesterday (Club Remix)",
    ] {
        let m = unmatched(entry(&["The Beatles"], t));
        assert_eq!(
            m.candidates.first().map(|c| c.0.as_str()),
            Some("yesterday"),
            "{t}"
        );
        assert!(m.version_differs, "{t}");
        assert!(m.confidence <= OTHER_VERSION_FACTOR, "{t}");
    }
    // A remix entry finds the remix, not the original.
    matches(
        entry(&["Eiffel 65"], "Blue - Gabry Ponte Remix"),
        "blue-remix",
        Method::Exact,
    );
    // A lower threshold takes the other version, and says so.
    let m = LibraryIndex::build(&library())
        .with_threshold(0.6)
        .match_entry(&entry(&["The Beatles"], "Yesterday - Live"));
    assert_eq!(m.song.as_deref(), Some("yesterday"));
    assert!(m.version_differs);
}

#[test]
fn covers_and_other_words_are_other_songs() {
    unmatched(entry(&["Jeff Buckley"], "Hallelujah"));
    unmatched(entry(&["Neil Young"], "Heart of Glass"));
    unmatched(entry(&["Neil Young"], "Heart of Stone"));
    unmatched(entry(&["Nobody"], "Nothing Like It"));
    matches(entry(&["Artist B"], "Love"), "love-b", Method::Exact);
}

#[test]
fn fuzzy_matches_typos_with_album_and_duration() {
    let mut e = entry(&["The Beatles"], "Yesterdy");
    e.duration_secs = Some(126);
    e.album = Some("Help! (Remastered)".into());
    let m = matches(e, "yesterday", Method::Fuzzy);
    assert!(m.confidence >= DEFAULT_THRESHOLD && m.confidence < 1.0);
    matches(
        entry(&["Leonard Cohen"], "Halleluja"),
        "hallelujah-cohen",
        Method::Fuzzy,
    );
}

#[test]
fn an_empty_library_matches_nothing() {
    let index = LibraryIndex::build(&[]);
    assert!(index.is_empty());
    let m = index.match_entry(&entry(&["A"], "B"));
    assert_eq!(m.method, Method::None);
    assert!(m.candidates.is_empty());
}
