//! Entry points of the coverage-guided fuzz targets (SECURITY.md T9, T10).
//!
//! One function per target in `fuzz/fuzz_targets/`, each running the real parser on
//! arbitrary bytes and asserting what its documentation promises: a panic here is a
//! bug, whether the parser's own or a broken promise. `tests/tests/fuzz_corpus.rs`
//! replays the committed corpus through the same functions on every test run, so the
//! targets are plain stable Rust and need no fuzzer to build.

use std::{
    io::{self, Read},
    time::{SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::{
    auth::jwt::{self, JwtSecret, TokenError, TokenSigner},
    crypto::{ENVELOPE_PREFIX, ENVELOPE_V1_PREFIX, Key, Keyring, OpenError, Owner, Sealed},
    domains::history::formats::{Format, ImportError, ImportOptions, Item, Reader},
    providers::{
        ProviderError, RemoteListen,
        http::{HttpResponse, StatusCode, Url, header::HeaderMap},
        lastfm, listenbrainz, navidrome,
        spotify::{self, wire},
        subsonic,
    },
};

// ---------------------------------------------------------------------------------
// History import: every format, and detection.

pub fn import_auto(data: &[u8]) {
    import(data, Format::Auto);
}

pub fn import_lastfm_csv(data: &[u8]) {
    import(data, Format::LastfmCsv);
}

pub fn import_lastfm_json(data: &[u8]) {
    import(data, Format::LastfmJson);
}

pub fn import_listenbrainz(data: &[u8]) {
    import(data, Format::ListenBrainz);
}

pub fn import_spotify(data: &[u8]) {
    import(data, Format::SpotifyBasic);
}

pub fn import_spotify_extended(data: &[u8]) {
    import(data, Format::SpotifyExtended);
}

/// 2101-01-01T00:00:00Z: imported plays are in 1970..=2100.
const END_OF_2100: i64 = 4_133_980_800;

fn import(data: &[u8], format: Format) {
    let options = ImportOptions {
        format,
        ..ImportOptions::default()
    };
    let whole = read_all(data, options);
    whole.check(data);
    // The daemon feeds the reader from gRPC chunks of any size: the items must not
    // depend on where the reads split the file.
    let trickled = read_all(Trickle { data, at: 0 }, options);
    assert_eq!(whole, trickled, "items depend on how the input is split");
}

/// The reader's format and items, or why it refused the file.
#[derive(Debug, PartialEq)]
enum Outcome {
    Refused(String),
    Items(Format, Vec<Item>),
}

fn read_all<R: Read>(input: R, options: ImportOptions) -> Outcome {
    let mut reader = match Reader::new(input, options) {
        Ok(reader) => reader,
        Err(ImportError::NotRecognised(why)) => {
            assert!(!why.is_empty());
            return Outcome::Refused(why);
        }
        Err(ImportError::Io(e)) => panic!("reading from memory failed: {e}"),
    };
    let format = reader.format();
    if options.format != Format::Auto {
        assert_eq!(format, options.format, "an explicit format is kept");
    }
    let items: Vec<Item> = reader.by_ref().collect();
    assert!(
        reader.take_io_error().is_none(),
        "reading from memory failed"
    );
    assert!(reader.next().is_none(), "the reader is fused");
    if format == Format::Auto {
        assert!(items.is_empty(), "items from an unrecognised file");
    }
    Outcome::Items(format, items)
}

/// Yields `data` in pieces of 1 to 7 bytes.
struct Trickle<'a> {
    data: &'a [u8],
    at: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (1 + self.at % 7).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.at += 1;
        Ok(n)
    }
}

impl Outcome {
    fn check(&self, data: &[u8]) {
        let Outcome::Items(format, items) = self else {
            return;
        };
        // Line breaks as bytes: an upper bound for UTF-16 files too.
        let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 1;
        let mut last = 1;
        for item in items {
            let line = item.line();
            assert!(
                (last..=lines + 1).contains(&line),
                "line {line} after {last}, in a file of {lines} lines"
            );
            last = line;
            match item {
                Item::Play { listen, .. } => check_import_play(listen, format.origin()),
                Item::Skipped { .. } => {}
                Item::Bad { reason, .. } => {
                    // "A short human reason, quoting at most ~30 characters".
                    assert!(!reason.is_empty(), "a bad row without a reason");
                    assert!(reason.chars().count() <= 160, "long reason: {reason:?}");
                }
            }
        }
    }
}

fn check_import_play(p: &RemoteListen, origin: &str) {
    check_listen_text(p);
    assert!(
        (0..END_OF_2100).contains(&p.played_at),
        "played_at {} outside 1970-2100",
        p.played_at
    );
    // `"{origin}:{played_at}:{16 hex digits}"`.
    let prefix = format!("{origin}:{}:", p.played_at);
    let hash = p
        .source_ref
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("source_ref {:?} lacks {prefix:?}", p.source_ref));
    assert!(
        hash.len() == 16
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "source_ref {:?}",
        p.source_ref
    );
}

/// Artist and title non-blank and trimmed, optional text never blank, a duration
/// only when positive: what every provider and import format promises of a listen.
fn check_listen_text(p: &RemoteListen) {
    let trimmed_non_blank = |s: &str| !s.is_empty() && s.trim() == s;
    assert!(trimmed_non_blank(&p.artist), "artist {:?}", p.artist);
    assert!(trimmed_non_blank(&p.title), "title {:?}", p.title);
    for s in [&p.album, &p.isrc, &p.recording_mbid].into_iter().flatten() {
        assert!(trimmed_non_blank(s), "optional field {s:?}");
    }
    assert!(p.duration_ms.is_none_or(|ms| ms > 0), "{:?}", p.duration_ms);
    assert!(!p.source_ref.is_empty());
}

// ---------------------------------------------------------------------------------
// The sealed envelope.

const AT: Sealed<'static> = Sealed {
    table: "provider_credentials",
    column: "secret",
    row_id: "7",
    owner: Owner {
        user_id: Some("3"),
        provider: Some("spotify"),
    },
};

/// The keys the envelope targets seal and open with: fixed, so that a corpus of
/// envelopes sealed once keeps opening.
pub fn fuzz_keyring() -> Keyring {
    Keyring::new(Key::from_bytes([0x11; 32])).with_old_key(Key::from_bytes([0x22; 32]))
}

/// `Keyring::open` on arbitrary text: never a panic, the same verdict as
/// `key_id_of` on what is not an envelope, and what opens is bound to its place and
/// round-trips.
pub fn envelope_open(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ring = fuzz_keyring();
    let opened = ring.open(AT, &text);
    match Keyring::key_id_of(&text) {
        Err(e) => assert_eq!(opened.as_ref().err(), Some(&e), "open and key_id_of differ"),
        Ok(id) => {
            assert!(text.starts_with(ENVELOPE_PREFIX) || text.starts_with(ENVELOPE_V1_PREFIX));
            assert!(
                id.as_str().len() == 8 && id.as_str().bytes().all(|b| b.is_ascii_hexdigit()),
                "key id {:?}",
                id.as_str()
            );
        }
    }
    let Ok(plain) = opened else {
        return;
    };
    // Opened: only at its own place, and sealing what it held opens to the same text.
    assert_eq!(
        ring.open(Sealed { row_id: "8", ..AT }, &text).err(),
        Some(OpenError::Authentication),
        "an envelope opened at another row"
    );
    if Keyring::is_current(&text) {
        let stranger = Owner {
            user_id: Some("4"),
            ..AT.owner
        };
        assert_eq!(
            ring.open(
                Sealed {
                    owner: stranger,
                    ..AT
                },
                &text
            )
            .err(),
            Some(OpenError::Authentication),
            "a version 2 envelope opened for another owner"
        );
    }
    let resealed = ring.seal(AT, plain.expose()).expect("seal");
    assert_eq!(
        ring.open(AT, &resealed).expect("reopen").expose(),
        plain.expose()
    );
}

/// Seals a plaintext taken from the input, damages the envelope as the rest of the
/// input says, and opens it: the untouched envelope opens to its plaintext, and a
/// damaged one either fails or still opens to exactly that plaintext (never to
/// anything else).
///
/// Input: one length byte `n`, `n % 65` bytes of plaintext (lossy UTF-8), then edits
/// of three bytes each: a little-endian position and an operation (0 truncates, 1
/// removes a byte, 2 inserts a `:`, anything else overwrites with that byte).
pub fn envelope_tamper(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = (usize::from(n) % 65).min(rest.len());
    let (plain, edits) = rest.split_at(n);
    let plain = String::from_utf8_lossy(plain);
    let ring = fuzz_keyring();
    let sealed = ring.seal(AT, &plain).expect("seal");
    assert_eq!(ring.open(AT, &sealed).expect("open").expose(), plain);

    let mut bytes = sealed.clone().into_bytes();
    for edit in edits.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % (bytes.len() + 1);
        match edit[2] {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => {}
            2 => bytes.insert(at, b':'),
            b if at < bytes.len() => bytes[at] = b,
            b => bytes.push(b),
        }
    }
    let damaged = String::from_utf8_lossy(&bytes);
    if let Ok(opened) = ring.open(AT, &damaged) {
        assert_eq!(
            opened.expose(),
            plain,
            "a damaged envelope opened to another plaintext"
        );
    }
}

// ---------------------------------------------------------------------------------
// Access tokens.

/// The secret the JWT target signs with.
pub const FUZZ_JWT_SECRET: &str = "fuzz-0123456789abcdef0123456789abcdef";

/// `TokenSigner::verify` on arbitrary token text, and on tokens the fuzzer's header
/// and claims become once signed with the right secret: whatever verifies is HS256
/// with sane claims (issuer, audience, at most 15 minutes, valid now).
///
/// Input: the token text; it is also split at its first newline into a header and a
/// claims JSON (no newline: the claims under a plain HS256 header) that are signed.
pub fn jwt_verify(data: &[u8]) {
    let secret = JwtSecret::parse(FUZZ_JWT_SECRET).expect("secret");
    let signer = TokenSigner::new(&secret);
    let text = String::from_utf8_lossy(data);
    check_verified(signer.verify(&text), None);

    let (header, claims) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&br#"{"alg":"HS256","typ":"JWT"}"#[..], data),
    };
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(FUZZ_JWT_SECRET.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let token = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    check_verified(signer.verify(&token), Some(header));
}

fn check_verified(result: Result<jwt::Claims, TokenError>, header: Option<&[u8]>) {
    let claims = match result {
        Ok(claims) => claims,
        Err(TokenError::Invalid | TokenError::Expired) => return,
        Err(TokenError::Signing) => panic!("verify reported a signing error"),
    };
    if let Some(header) = header {
        let alg = serde_json::from_slice::<Value>(header)
            .ok()
            .and_then(|h| h.get("alg")?.as_str().map(str::to_owned));
        assert_eq!(alg.as_deref(), Some("HS256"), "verified another algorithm");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    assert_eq!(claims.iss, jwt::ISSUER);
    assert_eq!(claims.aud, jwt::AUDIENCE);
    assert!(claims.exp.saturating_sub(claims.iat) <= jwt::MAX_ACCESS_TTL_SECS);
    assert!(claims.nbf <= claims.exp, "nbf after exp");
    assert!(
        claims.exp + jwt::LEEWAY_SECS >= now,
        "expired token verified"
    );
    assert!(
        claims.nbf <= now + jwt::LEEWAY_SECS,
        "token not yet valid verified"
    );
}

// ---------------------------------------------------------------------------------
// The pasted Spotify redirect.

/// `parse_redirect` on arbitrary pasted text, against the default redirect URI and
/// an https one with a trailing slash: never a panic, a code and a state when it
/// succeeds, and errors that never quote the code.
pub fn spotify_redirect(data: &[u8]) {
    let pasted = String::from_utf8_lossy(data);
    for expected in [
        spotify::DEFAULT_REDIRECT_URI,
        "https://spotter.example/oauth/callback/",
    ] {
        match spotify::parse_redirect(&pasted, expected) {
            Ok(r) => {
                assert!(!r.code.expose().is_empty() && !r.state.is_empty());
                assert!(pasted.trim().len() <= spotify::MAX_REDIRECT_URL_BYTES);
            }
            Err(e) => {
                assert!(
                    matches!(e, ProviderError::Invalid { .. }),
                    "unexpected error kind: {e:?}"
                );
                let message = e.to_string();
                // A code-like value (long, with a digit) never reaches the message.
                for code in code_values(&pasted) {
                    assert!(!message.contains(code), "{message:?} quotes the code");
                }
            }
        }
    }
}

/// Values after `code=` that look like an authorization code.
fn code_values(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("code=").filter_map(|(i, _)| {
        let value = &text[i + 5..];
        let end = value
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(value.len());
        let value = &value[..end];
        (value.len() >= 16 && value.bytes().any(|b| b.is_ascii_digit())).then_some(value)
    })
}

// ---------------------------------------------------------------------------------
// Provider answers. Bodies come from the network: hostile upstreams (T10) get the
// same parsers as honest ones.

/// The secrets of the request a body answers, as the clients scrub them from
/// upstream text; a hostile server may echo them back.
const SECRETS: [&str; 3] = [
    "fuzzsecret0sessionkey4f9a",
    "fuzzsecret1token77c2",
    "fuzzsecret2salt31b8",
];

fn secrets() -> Vec<Zeroizing<String>> {
    SECRETS
        .iter()
        .map(|s| Zeroizing::new((*s).to_string()))
        .collect()
}

/// Text shown to users or logged never holds a secret of the request.
fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{text:?} holds a secret");
    }
}

/// The statuses every body is tried with: success, the ones the clients map
/// specially, and a few others.
const STATUSES: [u16; 8] = [200, 400, 401, 403, 404, 429, 503, 418];

fn response(status: u16, data: &[u8]) -> HttpResponse {
    let status = StatusCode::from_u16(status).expect("valid status");
    let url = Url::parse("https://upstream.example/api/?secret=query").expect("url");
    HttpResponse::from_parts(status, HeaderMap::new(), url, data.to_vec())
}

/// Last.fm: the answer of any call (an error body with a code, whatever the status,
/// or the JSON object), then a `user.getRecentTracks` page.
pub fn lastfm_response(data: &[u8]) {
    for status in STATUSES {
        match lastfm::interpret_read("user.getRecentTracks", response(status, data), &secrets()) {
            Ok(doc) => {
                assert!(doc.is_object() && doc.get("error").is_none());
                assert_eq!(status, 200, "an error status read as an answer");
                check_lastfm_page(&doc);
            }
            Err(e) => assert_no_secret(&e.to_string()),
        }
    }
    // The page parser also sees documents the status check would have stopped.
    if let Ok(doc) = serde_json::from_slice::<Value>(data) {
        check_lastfm_page(&doc);
        if let Some(code) = doc.get("error").and_then(Value::as_i64) {
            let _ = lastfm::error_for_code(code, None).to_string();
        }
    }
}

fn check_lastfm_page(doc: &Value) {
    let Ok(page) = lastfm::parse_recent_tracks(doc) else {
        return;
    };
    for listen in &page.listens {
        check_listen_text(listen);
        assert!(
            listen
                .source_ref
                .starts_with(&format!("{}:", listen.played_at)),
            "source_ref {:?}",
            listen.source_ref
        );
    }
}

/// Spotify: the token endpoint's answer (success and error bodies), a recently
/// played page, an API error body, and stored tokens.
pub fn spotify_response(data: &[u8]) {
    // A 2xx token answer, as `token_request` decodes it.
    if let Ok(answer) = serde_json::from_slice::<wire::TokenAnswer>(data)
        && let Ok(answer) = answer.validate()
    {
        assert!(!answer.access_token.expose().is_empty());
        assert!((1..=24 * 60 * 60).contains(&answer.expires_in));
        assert!(
            answer
                .refresh_token
                .as_ref()
                .is_none_or(|t| !t.expose().is_empty())
        );
    }
    // A failed token request: the error code decides, the description is only logged.
    for status in [400, 401, 429, 500] {
        let status = StatusCode::from_u16(status).expect("valid status");
        for grant in [
            spotify::Grant::AuthorizationCode,
            spotify::Grant::RefreshToken,
        ] {
            let e = spotify::token_error(status, None, data, grant, &SECRETS[..2]);
            assert_no_secret(&e.to_string());
            assert!(
                !e.is_fatal() || grant == spotify::Grant::RefreshToken,
                "a refused code made fatal"
            );
        }
    }
    for status in STATUSES {
        let response = response(status, data);
        if status == 200 {
            if let Ok(page) = spotify::recently_played_page(&response) {
                check_spotify_page(&page);
            }
        } else {
            let access = crate::crypto::SecretString::new(SECRETS[0]);
            spotify::log_api_error(&response, &access);
            let e = spotify::api_status_error(response.status(), &response);
            assert_no_secret(&e.to_string());
            assert!(!e.to_string().contains("secret=query"), "{e}");
        }
    }
    // The sealed tokens' JSON, after it is opened.
    if let Ok(tokens) = spotify::SpotifyTokens::from_json(&String::from_utf8_lossy(data)) {
        let again = spotify::SpotifyTokens::from_json(&tokens.to_json()).expect("round trip");
        assert!(again == tokens, "stored tokens do not round-trip");
    }
}

fn check_spotify_page(page: &spotify::RecentlyPlayedPage) {
    assert!(page.next_after_ms.is_none_or(|ms| ms >= 0));
    assert!(page.next_after_ms.is_none() || !page.listens.is_empty());
    for listen in &page.listens {
        assert!(listen.duration_ms.is_none_or(|ms| ms > 0));
        if let Some(isrc) = &listen.isrc {
            assert!(!isrc.is_empty() && isrc.trim() == isrc);
            assert!(
                !isrc.bytes().any(|b| b.is_ascii_lowercase()),
                "isrc {isrc:?}"
            );
        }
        assert!(listen.album.as_ref().is_none_or(|a| !a.is_empty()));
        let (ms, track) = listen
            .source_ref
            .split_once(':')
            .unwrap_or_else(|| panic!("source_ref {:?}", listen.source_ref));
        assert!(ms.parse::<i64>().is_ok() && !track.is_empty());
    }
}

/// ListenBrainz: the status mapping of every call, and a listens page.
pub fn listenbrainz_response(data: &[u8]) {
    for status in STATUSES {
        for call in [
            listenbrainz::Call::ValidateToken,
            listenbrainz::Call::Listens,
            listenbrainz::Call::Submit,
        ] {
            match listenbrainz::check_status(response(status, data), call) {
                Ok(response) => {
                    assert!(response.status().is_success());
                    if call == listenbrainz::Call::Listens
                        && let Ok(page) = listenbrainz::listens_page(&response)
                    {
                        check_listenbrainz_page(&page);
                    }
                }
                Err(e) => {
                    assert!(status != 200);
                    assert_no_secret(&e.to_string());
                    assert!(!e.to_string().contains("secret=query"), "{e}");
                }
            }
        }
    }
}

fn check_listenbrainz_page(page: &listenbrainz::ListensPage) {
    assert!(page.listens.len() <= page.received);
    assert_eq!(page.oldest_ts.is_some(), page.received > 0);
    assert!(page.oldest_ts <= page.newest_ts);
    for listen in &page.listens {
        check_listen_text(listen);
        assert!(
            page.oldest_ts <= Some(listen.played_at) && Some(listen.played_at) <= page.newest_ts
        );
        assert!(
            listen
                .source_ref
                .starts_with(&format!("{}:", listen.played_at))
        );
    }
}

/// Subsonic (Navidrome): the envelope of any answer, then every parser of its
/// payload.
pub fn subsonic_response(data: &[u8]) {
    let response = match subsonic::parse_envelope(data, &secrets()) {
        Ok(response) => response,
        Err(e) => {
            if let Some(message) = e.upstream_message() {
                assert_no_secret(message);
                assert!(message.chars().count() <= 201, "{message:?}");
                assert!(!message.chars().any(char::is_control), "{message:?}");
            }
            let shown = navidrome::map_error(e).to_string();
            assert_no_secret(&shown);
            return;
        }
    };
    assert!(response.is_object());
    if let Ok(artists) = navidrome::parse_artists(&response) {
        for a in artists {
            assert!(!a.id.trim().is_empty() && !a.name.trim().is_empty());
            assert!(a.album_count >= 0);
        }
    }
    if let Ok(albums) = navidrome::parse_album_list(&response) {
        for listing in albums {
            let a = &listing.album;
            assert!(!a.id.trim().is_empty() && !a.name.trim().is_empty());
            assert!(a.song_count >= 0 && a.year.is_none_or(|y| y > 0));
            assert!(
                a.fingerprint.len() == 32 && a.fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
            );
            assert!(listing.played_at.is_none_or(|t| t > 0));
        }
    }
    if let Ok(songs) = navidrome::parse_album_songs(&response, "requested") {
        for song in songs {
            check_track(&song.track);
            assert!(song.played_at.is_none_or(|t| t > 0));
            match song.listen() {
                Some(listen) => {
                    assert_eq!(Some(listen.played_at), song.played_at);
                    assert!(listen.source_ref.starts_with(&song.track.id));
                }
                None => assert!(song.played_at.is_none()),
            }
        }
    }
    if let Ok(entries) = navidrome::parse_now_playing(&response) {
        for entry in entries {
            check_track(&entry.track);
            assert!(entry.minutes_ago >= 0);
        }
    }
}

fn check_track(t: &crate::providers::library::LibraryTrack) {
    assert!(!t.id.trim().is_empty() && !t.title.trim().is_empty());
    assert!(t.track_no.is_none_or(|n| n > 0) && t.disc_no.is_none_or(|n| n > 0));
    assert!(t.duration_ms.is_none_or(|ms| ms > 0));
    if let Some(isrc) = &t.isrc {
        assert!(!isrc.is_empty() && !isrc.bytes().any(|b| b.is_ascii_lowercase()));
    }
    assert!(t.mbid.as_ref().is_none_or(|m| !m.is_empty()));
}
