//! Last.fm scrobble CSVs, one record at a time.
//!
//! Two layouts:
//! - no header, four columns `artist,album,title,date` (benjaminbenben's
//!   lastfm-to-csv), the date like `31 Jan 2021 14:05` (UTC); an empty date is the
//!   "now playing" row such exports start with;
//! - a header row naming the columns (case-insensitive): artist (`artist`,
//!   `artist_name`), title (`track`, `title`, `name`, `track_name`), album (`album`,
//!   `album_name`), recording MBID (`track_mbid`, `recording_mbid`) and the time,
//!   from the first non-empty of `uts`, `timestamp`, `date`, `utc_time` (Unix seconds
//!   or milliseconds, or a text date); a row without one is "now playing".
//!
//! Records are split by `csv-core` (the `csv` crate's own parser) fed straight from
//! the input window, rather than by `csv::Reader`: its buffered reader hides which
//! bytes a record took, and so its line numbers drift after CRLF line breaks and
//! blank lines, and it grows a record without limit. Here every line break is
//! counted, and a record over [`MAX_RECORD`] (an unbalanced quote swallowing the
//! file) is read to its end without being kept, then reported as one `Bad`.
//!
//! A record's bytes must be UTF-8 (else it is `Bad`).

use std::{
    io::{self, Read},
    sync::{Arc, atomic::AtomicU64},
};

use csv_core::ReadRecordResult;

use super::{
    Item, MAX_RECORD, SkipReason,
    input::{Fill, Input},
    records::{Fields, Ids, Outcome, any_date, lastfm_date, play, space_date},
};
use crate::providers::timestamp;

/// The most columns a record may have.
const MAX_FIELDS: usize = 1024;

/// Where a CSV keeps its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Layout {
    /// `artist,album,title,date`, no header.
    Plain,
    /// Columns named by a header row.
    Header(Columns),
}

/// Column indexes from a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    width: usize,
    artist: usize,
    title: usize,
    album: Option<usize>,
    mbid: Option<usize>,
    /// Time columns, preferred first.
    times: Vec<usize>,
}

impl Columns {
    /// The columns a header row names, if it names an artist, a title and a time.
    fn from_header(record: &Record<'_>) -> Option<Columns> {
        let names: Vec<String> = (0..record.len())
            .map(|i| {
                String::from_utf8_lossy(record.bytes(i))
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |options: &[&str]| {
            options
                .iter()
                .find_map(|o| names.iter().position(|n| n == o))
        };
        let times: Vec<usize> = ["uts", "timestamp", "date", "utc_time"]
            .iter()
            .filter_map(|o| names.iter().position(|n| n == o))
            .collect();
        let columns = Columns {
            width: names.len(),
            artist: find(&["artist", "artist_name", "artist name"])?,
            title: find(&["track", "title", "name", "track_name", "track name"])?,
            album: find(&["album", "album_name", "album name"]),
            mbid: find(&["track_mbid", "recording_mbid"]),
            times,
        };
        (!columns.times.is_empty()).then_some(columns)
    }
}

/// A text date as Last.fm CSVs write them (not a bare number: any CSV has those).
fn text_date(text: &str) -> Option<i64> {
    lastfm_date(text)
        .or_else(|| space_date(text))
        .or_else(|| timestamp::lenient_secs(text.trim()))
}

/// The layout of the CSV starting with `prefix`, and whether it looks like a Last.fm
/// export at all (a header naming artist, title and time, or a four-column row
/// among the first five whose fourth column is a date).
pub(super) fn sniff(prefix: &[u8]) -> (Layout, bool) {
    let mut records = Records::new(Input::new(prefix, Arc::new(AtomicU64::new(0))));
    for i in 0..5 {
        let Ok(Some(read)) = records.read_next() else {
            break;
        };
        let record = records.record(&read);
        if i == 0
            && let Some(columns) = Columns::from_header(&record)
        {
            return (Layout::Header(columns), true);
        }
        if record.len() == 4
            && std::str::from_utf8(record.bytes(3))
                .ok()
                .and_then(text_date)
                .is_some()
        {
            return (Layout::Plain, true);
        }
    }
    (Layout::Plain, false)
}

/// One record's fields, as `csv-core` wrote them.
struct Record<'a> {
    fields: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn bytes(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields[start..self.ends[i]]
    }
}

/// Where [`Records::read_next`] found a record.
struct Found {
    line: u64,
    fields: usize,
    ends: usize,
    /// Over [`MAX_RECORD`] bytes or [`MAX_FIELDS`] columns: read, not kept.
    too_large: bool,
    /// The input ended inside the record (no line break after it).
    at_eof: bool,
}

/// Splits the window into records, counting lines.
struct Records<R: Read> {
    input: Input<R>,
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The line of the window's first byte.
    line: u64,
}

impl<R: Read> Records<R> {
    fn new(input: Input<R>) -> Self {
        Records {
            input,
            core: csv_core::Reader::new(),
            fields: vec![0; 4096],
            ends: vec![0; 16],
            line: 1,
        }
    }

    fn record(&self, read: &Found) -> Record<'_> {
        Record {
            fields: &self.fields[..read.fields],
            ends: &self.ends[..read.ends],
        }
    }

    fn read_next(&mut self) -> io::Result<Option<Found>> {
        // Line breaks before a record (blank lines, the LF of a CRLF) are skipped
        // here rather than by csv-core, so that the record's line is known.
        loop {
            let data = self.input.data();
            let skip = data
                .iter()
                .position(|b| !matches!(b, b'\n' | b'\r'))
                .unwrap_or(data.len());
            self.line += data[..skip].iter().filter(|b| **b == b'\n').count() as u64;
            self.input.consume(skip);
            if !self.input.data().is_empty() {
                break;
            }
            if self.input.fill()? != Fill::More {
                return Ok(None);
            }
        }
        let line = self.line;
        let (mut nfields, mut nends, mut too_large) = (0, 0, false);
        loop {
            let data = self.input.data();
            let at_eof = data.is_empty();
            let (result, nin, nout, nend) =
                self.core
                    .read_record(data, &mut self.fields[nfields..], &mut self.ends[nends..]);
            self.line += data[..nin].iter().filter(|b| **b == b'\n').count() as u64;
            self.input.consume(nin);
            nfields += nout;
            nends += nend;
            match result {
                ReadRecordResult::InputEmpty if at_eof => return Ok(None),
                ReadRecordResult::InputEmpty => {
                    // At the end of the input, an empty read makes csv-core finish.
                    if self.input.fill()? == Fill::Full {
                        unreachable!("csv-core consumes its whole input");
                    }
                }
                ReadRecordResult::OutputFull if self.fields.len() >= MAX_RECORD => {
                    too_large = true;
                    (nfields, nends) = (0, 0);
                }
                ReadRecordResult::OutputFull => {
                    let grown = (self.fields.len() * 2).min(MAX_RECORD);
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull if self.ends.len() >= MAX_FIELDS => {
                    too_large = true;
                    (nfields, nends) = (0, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = (self.ends.len() * 2).min(MAX_FIELDS);
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    return Ok(Some(Found {
                        line,
                        fields: nfields,
                        ends: nends,
                        too_large,
                        at_eof,
                    }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

pub(super) struct CsvParser<R: Read> {
    records: Records<R>,
    layout: Layout,
    skip_header: bool,
    ids: Ids,
    done: bool,
    pub(super) io_error: Option<io::Error>,
}

impl<R: Read> CsvParser<R> {
    pub(super) fn new(input: Input<R>, layout: Layout) -> Self {
        CsvParser {
            records: Records::new(input),
            skip_header: matches!(layout, Layout::Header(_)),
            layout,
            ids: Ids::default(),
            done: false,
            io_error: None,
        }
    }

    pub(super) fn next_item(&mut self) -> Option<Item> {
        while !self.done {
            let read = match self.records.read_next() {
                Ok(Some(read)) => read,
                Ok(None) => break,
                Err(e) => {
                    self.done = true;
                    let reason = format!("read error: {e}");
                    self.io_error = Some(e);
                    return Some(Item::Bad {
                        line: self.records.line,
                        reason,
                    });
                }
            };
            if std::mem::take(&mut self.skip_header) {
                continue;
            }
            let outcome = if read.too_large {
                Outcome::Bad("record larger than 1 MiB (an unbalanced quote?)".into())
            } else {
                match row(&self.layout, &self.records.record(&read), &mut self.ids) {
                    Outcome::Bad(reason) if read.at_eof => {
                        Outcome::Bad(format!("file ends inside a record: {reason}").into())
                    }
                    outcome => outcome,
                }
            };
            return Some(outcome.into_item(read.line));
        }
        self.done = true;
        None
    }
}

fn row(layout: &Layout, record: &Record<'_>, ids: &mut Ids) -> Outcome {
    if std::str::from_utf8(record.fields).is_err() {
        return Outcome::Bad("not valid UTF-8".into());
    }
    let field = |i: usize| {
        (i < record.len())
            .then(|| std::str::from_utf8(record.bytes(i)).ok())
            .flatten()
    };
    match layout {
        Layout::Plain => {
            if record.len() != 4 {
                return Outcome::Bad(
                    format!(
                        "expected 4 columns (artist, album, title, date), found {}",
                        record.len()
                    )
                    .into(),
                );
            }
            let date = field(3).unwrap_or_default().trim();
            if date.is_empty() {
                return Outcome::Skip(SkipReason::NowPlaying);
            }
            let Some(played_at) = any_date(date) else {
                return Outcome::Bad("unreadable date".into());
            };
            play(
                "lfm",
                Fields {
                    played_at,
                    artist: field(0),
                    album: field(1),
                    title: field(2),
                    ..Fields::default()
                },
                ids,
            )
        }
        Layout::Header(c) => {
            if record.len() != c.width {
                return Outcome::Bad(
                    format!("expected {} columns, found {}", c.width, record.len()).into(),
                );
            }
            let date = c
                .times
                .iter()
                .filter_map(|&i| field(i))
                .map(str::trim)
                .find(|d| !d.is_empty());
            let Some(date) = date else {
                return Outcome::Skip(SkipReason::NowPlaying);
            };
            let Some(played_at) = any_date(date) else {
                return Outcome::Bad("unreadable date".into());
            };
            play(
                "lfm",
                Fields {
                    played_at,
                    artist: field(c.artist),
                    title: field(c.title),
                    album: c.album.and_then(field),
                    recording_mbid: c.mbid.and_then(field),
                    ..Fields::default()
                },
                ids,
            )
        }
    }
}
