//! What one record of each format holds, and how it becomes a play.
//!
//! The JSON record types borrow their strings from the input buffer where they can
//! (no escapes) and ignore every field they do not name. Their field types are
//! lenient on purpose: a value of an unexpected type reads as "absent" ([`Text`],
//! [`Num`]), so a record is only `Bad` for what it lacks, not for what it adds.

use std::{borrow::Cow, collections::HashMap, fmt, marker::PhantomData};

use serde::{
    Deserialize, Deserializer,
    de::{IgnoredAny, MapAccess, SeqAccess, Visitor},
};
use sha2::{Digest, Sha256};
use time::{PrimitiveDateTime, macros::format_description};

use super::{Item, SkipReason};
use crate::{
    music_text::{self as text, normalize::match_key},
    providers::{RemoteListen, timestamp},
};

/// 2101-01-01T00:00:00Z: plays must be in 1970..=2100.
const END_OF_2100: i64 = 4_133_980_800;

/// What a record amounts to.
pub(super) enum Outcome {
    /// A play; `true` when a name was cut to [`crate::music_text::MAX_NAME_BYTES`].
    Play(RemoteListen, bool),
    Skip(SkipReason),
    Bad(Cow<'static, str>),
}

impl Outcome {
    pub(super) fn into_item(self, line: u64) -> Item {
        match self {
            Outcome::Play(listen, cut) => Item::Play { line, listen, cut },
            Outcome::Skip(reason) => Item::Skipped { line, reason },
            Outcome::Bad(reason) => Item::Bad {
                line,
                reason: reason.into_owned(),
            },
        }
    }
}

/// The fields every format fills in, borrowed from the record.
#[derive(Default)]
pub(super) struct Fields<'a> {
    pub played_at: i64,
    pub artist: Option<&'a str>,
    pub title: Option<&'a str>,
    pub album: Option<&'a str>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<&'a str>,
    pub recording_mbid: Option<&'a str>,
}

/// A non-blank, trimmed string.
pub(super) fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Checks the fields and builds the play, its `source_ref` made from `origin`. Names
/// lose control characters and are cut to [`crate::music_text::MAX_NAME_BYTES`] here, so
/// what is stored, hashed and reported is what the file's row amounts to.
pub(super) fn play(origin: &str, f: Fields<'_>, ids: &mut Ids) -> Outcome {
    fn clean(s: Option<&str>) -> Option<text::Name<'_>> {
        s.map(text::clean_name).filter(|n| !n.text.is_empty())
    }
    let Some(artist) = clean(f.artist) else {
        return Outcome::Bad("no artist".into());
    };
    let Some(title) = clean(f.title) else {
        return Outcome::Bad("no title".into());
    };
    if !(0..END_OF_2100).contains(&f.played_at) {
        return Outcome::Bad("date outside 1970-2100".into());
    }
    let album = clean(f.album);
    let cut = artist.cut || title.cut || album.as_ref().is_some_and(|a| a.cut);
    Outcome::Play(
        RemoteListen {
            played_at: f.played_at,
            source_ref: ids.source_ref(origin, f.played_at, &artist.text, &title.text),
            artist: artist.text.into_owned(),
            title: title.text.into_owned(),
            album: album.map(|a| a.text.into_owned()),
            duration_ms: f.duration_ms.filter(|ms| *ms > 0),
            isrc: f.isrc.and_then(text::clean_id).map(str::to_owned),
            recording_mbid: f.recording_mbid.and_then(text::clean_id).map(str::to_owned),
        },
        cut,
    )
}

/// Makes `source_ref`s: `"{origin}:{played_at}:{h}"`, `h` the first 16 hex digits
/// of `sha256(match_key(artist, title))`.
///
/// `match_key`'s Unicode folding is the costliest step of a row, and a listening
/// history plays the same songs again and again: the hashes of the last few
/// thousand songs are remembered (the memory is bounded: the cache is emptied when
/// full).
#[derive(Default)]
pub(super) struct Ids {
    /// `"{artist}\u{1f}{title}"` → the hash's first 8 bytes.
    cache: HashMap<Box<str>, [u8; 8]>,
    scratch: String,
}

impl Ids {
    const CACHE_SIZE: usize = 8192;

    pub(super) fn source_ref(
        &mut self,
        origin: &str,
        played_at: i64,
        artist: &str,
        title: &str,
    ) -> String {
        use std::fmt::Write;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.scratch.clear();
        self.scratch.push_str(artist);
        self.scratch.push('\u{1f}');
        self.scratch.push_str(title);
        let hash = match self.cache.get(self.scratch.as_str()) {
            Some(hash) => *hash,
            None => {
                let digest = Sha256::digest(match_key(artist, title).as_bytes());
                let mut hash = [0; 8];
                hash.copy_from_slice(&digest[..8]);
                if self.cache.len() >= Self::CACHE_SIZE {
                    self.cache.clear();
                }
                self.cache.insert(self.scratch.as_str().into(), hash);
                hash
            }
        };
        let mut out = String::with_capacity(origin.len() + 38);
        let _ = write!(out, "{origin}:{played_at}:");
        for b in hash {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        }
        out
    }
}

// ---------------------------------------------------------------------------------
// Timestamps.

/// Unix seconds of a number that may be seconds or (lastfmstats) milliseconds:
/// anything past 10^11 (year 5138 in seconds) is milliseconds.
pub(super) fn secs_or_ms(n: i64) -> i64 {
    // `unsigned_abs`: `abs` overflows on i64::MIN, which a hostile file can hold.
    if n.unsigned_abs() >= 100_000_000_000 {
        n.div_euclid(1000)
    } else {
        n
    }
}

/// Last.fm's text dates, UTC: `31 Jan 2021 14:05` (lastfm-to-csv) and
/// `07 Jan 2021, 06:13` (the API's `#text`).
pub(super) fn lastfm_date(text: &str) -> Option<i64> {
    let plain = format_description!(
        "[day padding:none] [month repr:short case_sensitive:false] [year] [hour padding:none]:[minute]"
    );
    let comma = format_description!(
        "[day padding:none] [month repr:short case_sensitive:false] [year], [hour padding:none]:[minute]"
    );
    let text = text.trim();
    PrimitiveDateTime::parse(text, plain)
        .or_else(|_| PrimitiveDateTime::parse(text, comma))
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// `YYYY-MM-DD HH:MM[:SS]`, UTC (Spotify's `endTime`; some CSV exporters).
pub(super) fn space_date(text: &str) -> Option<i64> {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute][optional [:[second]]]");
    PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// Any date a CSV column may hold: Unix seconds or milliseconds, a Last.fm text
/// date, `YYYY-MM-DD HH:MM[:SS]`, RFC 3339 or zone-less ISO 8601 (UTC).
pub(super) fn any_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(secs_or_ms(n));
    }
    lastfm_date(text)
        .or_else(|| space_date(text))
        .or_else(|| timestamp::lenient_secs(text))
}

// ---------------------------------------------------------------------------------
// Lenient field types.

/// A string field; any other JSON type (or `null`) reads as absent. Borrowed from the
/// input when it holds no escapes.
#[derive(Default)]
pub(super) struct Text<'a>(Option<Cow<'a, str>>);

impl Text<'_> {
    /// The value, trimmed, unless blank or absent.
    pub(super) fn get(&self) -> Option<&str> {
        non_blank(self.0.as_deref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Text::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

/// A whole number given as a JSON integer, a float (rounded) or a numeric string;
/// anything else reads as absent.
#[derive(Default, Clone, Copy)]
pub(super) struct Num(pub Option<i64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

fn from_float(v: f64) -> Option<i64> {
    // Beyond ±2^62 a float is no timestamp or duration anyone exported.
    (v.is_finite() && v.abs() < 4.6e18).then(|| v.round() as i64)
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
        Ok(Num(Some(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
        Ok(Num(i64::try_from(v).ok()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
        Ok(Num(from_float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Num, E> {
        let v = v.trim();
        Ok(Num(v
            .parse::<i64>()
            .ok()
            .or_else(|| v.parse::<f64>().ok().and_then(from_float))))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
        Ok(Num(None))
    }
    fn visit_unit<E>(self) -> Result<Num, E> {
        Ok(Num(None))
    }
    fn visit_none<E>(self) -> Result<Num, E> {
        Ok(Num(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Num, D::Error> {
        Num::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Num(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Num(None))
    }
}

// ---------------------------------------------------------------------------------
// Spotify.

/// One entry of `StreamingHistory*.json`.
#[derive(Deserialize, Default)]
#[serde(default, expecting = "a StreamingHistory entry (an object)")]
pub(super) struct SpotifyBasic<'a> {
    #[serde(rename = "endTime", borrow)]
    end_time: Text<'a>,
    #[serde(rename = "artistName", borrow)]
    artist: Text<'a>,
    #[serde(rename = "trackName", borrow)]
    track: Text<'a>,
    #[serde(rename = "msPlayed")]
    ms_played: Num,
    #[serde(rename = "podcastName", borrow)]
    podcast: Text<'a>,
    #[serde(rename = "episodeName", borrow)]
    episode: Text<'a>,
}

impl SpotifyBasic<'_> {
    pub(super) fn outcome(&self, min_play_ms: u64, ids: &mut Ids) -> Outcome {
        if self.track.get().is_none() && (self.podcast.0.is_some() || self.episode.0.is_some()) {
            return Outcome::Skip(SkipReason::NotATrack);
        }
        let Some(end) = self.end_time.get() else {
            return Outcome::Bad("no endTime".into());
        };
        let Some(end) = space_date(end) else {
            return Outcome::Bad("unreadable endTime".into());
        };
        spotify_play(
            "sp",
            end,
            self.ms_played,
            "msPlayed",
            min_play_ms,
            ids,
            |played_at| Fields {
                played_at,
                artist: self.artist.get(),
                title: self.track.get(),
                ..Fields::default()
            },
        )
    }
}

/// One entry of `Streaming_History_Audio_*.json` / `endsong_*.json`.
#[derive(Deserialize, Default)]
#[serde(default, expecting = "a Streaming_History_Audio entry (an object)")]
pub(super) struct SpotifyExtended<'a> {
    #[serde(borrow)]
    ts: Text<'a>,
    ms_played: Num,
    #[serde(borrow)]
    master_metadata_track_name: Text<'a>,
    #[serde(borrow)]
    master_metadata_album_artist_name: Text<'a>,
    #[serde(borrow)]
    master_metadata_album_album_name: Text<'a>,
}

impl SpotifyExtended<'_> {
    pub(super) fn outcome(&self, min_play_ms: u64, ids: &mut Ids) -> Outcome {
        if self.master_metadata_track_name.get().is_none() {
            // Podcast episodes, audiobooks, and plays Spotify kept no metadata for.
            return Outcome::Skip(SkipReason::NotATrack);
        }
        let Some(ts) = self.ts.get() else {
            return Outcome::Bad("no ts".into());
        };
        let Some(end) = timestamp::lenient_secs(ts) else {
            return Outcome::Bad("unreadable ts".into());
        };
        spotify_play(
            "spx",
            end,
            self.ms_played,
            "ms_played",
            min_play_ms,
            ids,
            |played_at| Fields {
                played_at,
                artist: self.master_metadata_album_artist_name.get(),
                title: self.master_metadata_track_name.get(),
                album: self.master_metadata_album_album_name.get(),
                ..Fields::default()
            },
        )
    }
}

/// A Spotify play that ended at `end` after `ms_played`: starts at
/// `end - ms_played / 1000`; too short below `min_play_ms`.
fn spotify_play<'a>(
    origin: &str,
    end: i64,
    ms_played: Num,
    ms_name: &'static str,
    min_play_ms: u64,
    ids: &mut Ids,
    fields: impl FnOnce(i64) -> Fields<'a>,
) -> Outcome {
    let ms = match ms_played.0 {
        Some(ms) if ms >= 0 => ms,
        Some(_) => return Outcome::Bad(format!("negative {ms_name}").into()),
        None => return Outcome::Bad(format!("no {ms_name}").into()),
    };
    let outcome = play(origin, fields(end - ms / 1000), ids);
    if matches!(outcome, Outcome::Play(..)) && ms.unsigned_abs() < min_play_ms {
        return Outcome::Skip(SkipReason::TooShort);
    }
    outcome
}

// ---------------------------------------------------------------------------------
// ListenBrainz.

/// One listen of a ListenBrainz export.
#[derive(Deserialize, Default)]
#[serde(default, expecting = "a listen (an object)")]
pub(super) struct ListenBrainz<'a> {
    listened_at: Num,
    #[serde(borrow)]
    track_metadata: Option<LbMetadata<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "track_metadata (an object)")]
struct LbMetadata<'a> {
    #[serde(borrow)]
    artist_name: Text<'a>,
    #[serde(borrow)]
    track_name: Text<'a>,
    #[serde(borrow)]
    release_name: Text<'a>,
    #[serde(borrow)]
    additional_info: Option<LbInfo<'a>>,
    #[serde(borrow)]
    mbid_mapping: Option<LbMapping<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "additional_info (an object)")]
struct LbInfo<'a> {
    #[serde(borrow)]
    recording_mbid: Text<'a>,
    #[serde(borrow)]
    isrc: Text<'a>,
    duration_ms: Num,
    duration: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "mbid_mapping (an object)")]
struct LbMapping<'a> {
    #[serde(borrow)]
    recording_mbid: Text<'a>,
}

impl ListenBrainz<'_> {
    pub(super) fn outcome(&self, ids: &mut Ids) -> Outcome {
        let Some(played_at) = self.listened_at.0 else {
            return Outcome::Bad("no listened_at".into());
        };
        let Some(meta) = &self.track_metadata else {
            return Outcome::Bad("no track_metadata".into());
        };
        let info = meta.additional_info.as_ref();
        // As the ListenBrainz sync does: the server's mapping first, then what the
        // submitting player said.
        let recording_mbid = meta
            .mbid_mapping
            .as_ref()
            .and_then(|m| m.recording_mbid.get())
            .or_else(|| info.and_then(|i| i.recording_mbid.get()));
        let duration_ms = info.and_then(|i| {
            i.duration_ms
                .0
                .filter(|ms| *ms > 0)
                .or_else(|| i.duration.0.and_then(|s| s.checked_mul(1000)))
        });
        play(
            "lb",
            Fields {
                played_at,
                artist: meta.artist_name.get(),
                title: meta.track_name.get(),
                album: meta.release_name.get(),
                duration_ms,
                isrc: info.and_then(|i| i.isrc.get()),
                recording_mbid,
            },
            ids,
        )
    }
}

// ---------------------------------------------------------------------------------
// Last.fm JSON.

/// A Last.fm API track object (`user.getRecentTracks`, plain or extended) or a
/// lastfmstats.com scrobble: one type reads both.
#[derive(Deserialize, Default)]
#[serde(default, expecting = "a Last.fm track (an object)")]
pub(super) struct Lastfm<'a> {
    #[serde(borrow)]
    artist: Entity<'a>,
    /// The title (API).
    #[serde(borrow)]
    name: Text<'a>,
    /// The title (lastfmstats).
    #[serde(borrow)]
    track: Text<'a>,
    #[serde(borrow)]
    album: Entity<'a>,
    /// The track's MusicBrainz id (API).
    #[serde(borrow)]
    mbid: Text<'a>,
    #[serde(borrow)]
    date: LastfmDate<'a>,
    #[serde(rename = "@attr", borrow)]
    attr: Option<LastfmAttr<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "@attr (an object)")]
struct LastfmAttr<'a> {
    #[serde(borrow)]
    nowplaying: Text<'a>,
}

impl Lastfm<'_> {
    pub(super) fn outcome(&self, ids: &mut Ids) -> Outcome {
        let played_at = match (self.date.uts, self.date.text.get()) {
            (Some(uts), _) => secs_or_ms(uts),
            (None, Some(text)) => match lastfm_date(text).or_else(|| any_date(text)) {
                Some(t) => t,
                None => return Outcome::Bad("unreadable date".into()),
            },
            (None, None) => {
                let now_playing = self
                    .attr
                    .as_ref()
                    .and_then(|a| a.nowplaying.get())
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                return if now_playing {
                    Outcome::Skip(SkipReason::NowPlaying)
                } else {
                    Outcome::Bad("no date".into())
                };
            }
        };
        play(
            "lfm",
            Fields {
                played_at,
                artist: self.artist.0.get(),
                title: self.name.get().or_else(|| self.track.get()),
                album: self.album.0.get(),
                recording_mbid: self.mbid.get(),
                ..Fields::default()
            },
            ids,
        )
    }
}

/// An artist or album: a plain string, or `{"#text": …}` / `{"name": …}` (with an
/// `mbid` the record does not need).
#[derive(Default)]
struct Entity<'a>(Text<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for Entity<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntityVisitor(PhantomData))
    }
}

struct EntityVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for EntityVisitor<'a> {
    type Value = Entity<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name or an object with #text")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Entity(Text(Some(Cow::Borrowed(v)))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Entity(Text(Some(Cow::Owned(v.to_owned())))))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Entity(Text(Some(Cow::Owned(v)))))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Entity::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Entity::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Entity::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut text, mut name) = (Text(None), Text(None));
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.0.as_deref() {
                Some("#text") => text = map.next_value()?,
                Some("name") => name = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Entity(if text.get().is_some() { text } else { name }))
    }
}

/// A Last.fm date: `{"uts": "1610000000", "#text": "07 Jan 2021, 06:13"}` (API), a
/// number of seconds or milliseconds (lastfmstats), or a text date.
#[derive(Default)]
struct LastfmDate<'a> {
    uts: Option<i64>,
    text: Text<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for LastfmDate<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateVisitor(PhantomData))
    }
}

struct DateVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for DateVisitor<'a> {
    type Value = LastfmDate<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(LastfmDate {
            uts: Some(v),
            text: Text(None),
        })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(LastfmDate {
            uts: i64::try_from(v).ok(),
            text: Text(None),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(LastfmDate {
            uts: from_float(v),
            text: Text(None),
        })
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(LastfmDate {
            uts: v.trim().parse().ok(),
            text: Text(Some(Cow::Borrowed(v))),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(LastfmDate {
            uts: v.trim().parse().ok(),
            text: Text(Some(Cow::Owned(v.to_owned()))),
        })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(LastfmDate::default())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(LastfmDate::default())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(LastfmDate::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        LastfmDate::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LastfmDate::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut date = LastfmDate::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.0.as_deref() {
                Some("uts") => date.uts = map.next_value::<Num>()?.0,
                Some("#text") => date.text = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(date)
    }
}

/// A short reason from a `serde_json` error: its message without the position
/// (which is relative to the record, not the file), and no quoted run of the file
/// longer than 30 characters.
pub(super) fn json_reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => &message,
    };
    shorten_quotes(message)
}

/// Cuts every run between quotes or backticks to 30 characters.
pub(super) fn shorten_quotes(message: &str) -> String {
    const KEEP: usize = 30;
    let mut out = String::with_capacity(message.len().min(160));
    let mut quote: Option<char> = None;
    let mut inside = 0usize;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {
                inside += 1;
                if inside <= KEEP {
                    out.push(c);
                } else if inside == KEEP + 1 {
                    out.push('…');
                }
            }
            None => {
                if c == '"' || c == '`' {
                    quote = Some(c);
                    inside = 0;
                }
                out.push(c);
            }
        }
    }
    out
}
