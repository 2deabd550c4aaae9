//! JSON files, one record at a time: arrays of records (and the objects Last.fm
//! dumps wrap them in), and JSON lines.
//!
//! The walk over the *structure* (the root array, saved API pages, lastfmstats'
//! `{"scrobbles": [...]}`) is a small pull parser over the input window; each
//! *record* is deserialised by `serde_json` straight from the window, which also
//! tells where the record ends. A record cut by the window's end is parsed again
//! once the window holds all of it (the window grows up to [`MAX_RECORD`]).
//!
//! When `serde_json` rejects a record, a structural scan (strings, brackets; no
//! UTF-8 or grammar checks) finds where it ends: a record of the wrong shape or with
//! invalid UTF-8 is one `Bad` and the walk goes on; a syntax error stops the file,
//! since a stray quote would make every later boundary a guess.

use std::{borrow::Cow, io};

use serde::Deserialize;
use serde_json::error::Category;

use super::{
    Format, Item, MAX_RECORD,
    input::{Fill, Input},
    records::{Ids, Lastfm, ListenBrainz, Outcome, SpotifyBasic, SpotifyExtended, json_reason},
};

const TRUNCATED_RECORD: &str = "file ends inside a record (truncated file?)";
const TRUNCATED_DOCUMENT: &str = "file ends inside the JSON document (truncated file?)";
const REST_NOT_READ: &str = "the rest of the file was not read";
/// Deeper nesting than this is not an export (`serde_json` stops at 128 too).
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lastfm,
    ListenBrainz,
    SpotifyBasic,
    SpotifyExtended,
}

/// What `serde_json` made of the start of the window.
enum Parsed {
    /// A record, and the bytes it took.
    Done(Outcome, usize),
    /// The window ends inside the record.
    NeedMore,
    Failed(serde_json::Error),
}

fn parse_at<'a, T: Deserialize<'a>>(data: &'a [u8], outcome: impl FnOnce(T) -> Outcome) -> Parsed {
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<T>();
    match stream.next() {
        Some(Ok(record)) => Parsed::Done(outcome(record), stream.byte_offset()),
        Some(Err(e)) if e.is_eof() => Parsed::NeedMore,
        Some(Err(e)) => Parsed::Failed(e),
        None => Parsed::NeedMore,
    }
}

impl Kind {
    fn of(format: Format) -> Kind {
        match format {
            Format::ListenBrainz => Kind::ListenBrainz,
            Format::SpotifyBasic => Kind::SpotifyBasic,
            Format::SpotifyExtended => Kind::SpotifyExtended,
            _ => Kind::Lastfm,
        }
    }

    /// Parses the record at the start of `data` (more may follow it).
    fn parse(self, data: &[u8], min_play_ms: u64, ids: &mut Ids) -> Parsed {
        match self {
            Kind::SpotifyExtended => {
                parse_at(data, |r: SpotifyExtended<'_>| r.outcome(min_play_ms, ids))
            }
            Kind::SpotifyBasic => parse_at(data, |r: SpotifyBasic<'_>| r.outcome(min_play_ms, ids)),
            Kind::ListenBrainz => parse_at(data, |r: ListenBrainz<'_>| r.outcome(ids)),
            Kind::Lastfm => parse_at(data, |r: Lastfm<'_>| r.outcome(ids)),
        }
    }

    /// Parses `data` as exactly one record (one JSON line).
    fn parse_whole(
        self,
        data: &[u8],
        min_play_ms: u64,
        ids: &mut Ids,
    ) -> Result<Outcome, serde_json::Error> {
        Ok(match self {
            Kind::SpotifyExtended => {
                serde_json::from_slice::<SpotifyExtended<'_>>(data)?.outcome(min_play_ms, ids)
            }
            Kind::SpotifyBasic => {
                serde_json::from_slice::<SpotifyBasic<'_>>(data)?.outcome(min_play_ms, ids)
            }
            Kind::ListenBrainz => serde_json::from_slice::<ListenBrainz<'_>>(data)?.outcome(ids),
            Kind::Lastfm => serde_json::from_slice::<Lastfm<'_>>(data)?.outcome(ids),
        })
    }
}

/// Where the walk is in an open array or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Just after the opening bracket.
    Open,
    /// After a value (an element, a member).
    Next,
    /// After a comma.
    Value,
}

/// Which members of an object lead to records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A root object or a saved page: `scrobbles` (lastfmstats) or `recenttracks`.
    Root,
    /// Inside `recenttracks`: `track`.
    Track,
}

/// What an object member holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Child {
    /// An array of records (or one record: the Last.fm API sends a lone track as an
    /// object).
    Records,
    /// An object to look into.
    Object(Want),
}

fn child(want: Want, key: &[u8]) -> Option<Child> {
    match (want, key) {
        (Want::Root, b"scrobbles") => Some(Child::Records),
        (Want::Root, b"recenttracks") => Some(Child::Object(Want::Track)),
        (Want::Track, b"track") => Some(Child::Records),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// An array of records; `pages`: an element may be a saved API page.
    Array {
        slot: Slot,
        pages: bool,
    },
    Object {
        slot: Slot,
        want: Want,
    },
}

/// Why the walk ends early.
enum Stop {
    Io(io::Error),
    Bad {
        line: u64,
        reason: Cow<'static, str>,
    },
}

impl Stop {
    fn bad(line: u64, reason: impl Into<Cow<'static, str>>) -> Stop {
        Stop::Bad {
            line,
            reason: reason.into(),
        }
    }

    fn syntax(line: u64, what: &str) -> Stop {
        Stop::bad(line, format!("JSON syntax error: {what}; {REST_NOT_READ}"))
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// Why [`JsonParser::value_len`] found no end.
enum ScanEnd {
    Io(io::Error),
    Eof,
    Full,
    Syntax(&'static str),
}

pub(super) struct JsonParser<R: io::Read> {
    input: Input<R>,
    kind: Kind,
    min_play_ms: u64,
    /// The line of the window's first byte.
    line: u64,
    /// One listen per line, rather than a JSON document.
    lines: bool,
    /// `[` or `{`: how the document opens.
    root: u8,
    stack: Vec<Frame>,
    ids: Ids,
    done: bool,
    pub(super) io_error: Option<io::Error>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<R: io::Read> JsonParser<R> {
    pub(super) fn new(input: Input<R>, format: Format, root: u8, min_play_ms: u64) -> Self {
        let kind = Kind::of(format);
        JsonParser {
            input,
            kind,
            min_play_ms,
            line: 1,
            lines: root == b'{' && kind == Kind::ListenBrainz,
            root,
            stack: Vec::with_capacity(4),
            ids: Ids::default(),
            done: false,
            io_error: None,
        }
    }

    /// The window's size (tests check it stays bounded).
    #[cfg(test)]
    pub(super) fn window(&self) -> usize {
        self.input.capacity()
    }

    pub(super) fn next_item(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        let result = if self.lines {
            self.next_line()
        } else {
            self.next_in_document()
        };
        match result {
            Ok(Some(item)) => Some(item),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(Stop::Bad { line, reason }) => {
                self.done = true;
                Some(Item::Bad {
                    line,
                    reason: reason.into_owned(),
                })
            }
            Err(Stop::Io(e)) => {
                self.done = true;
                let reason = format!("read error: {e}");
                self.io_error = Some(e);
                Some(Item::Bad {
                    line: self.line,
                    reason,
                })
            }
        }
    }

    /// Consumes `n` bytes of the window, counting its lines.
    fn advance(&mut self, n: usize) {
        let taken = &self.input.data()[..n];
        self.line += taken.iter().filter(|b| **b == b'\n').count() as u64;
        self.input.consume(n);
    }

    /// Skips whitespace; the next byte, `None` at the end of the input.
    fn peek_non_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            let data = self.input.data();
            let mut lines = 0;
            let mut found = None;
            let mut i = 0;
            while i < data.len() {
                match data[i] {
                    b'\n' => lines += 1,
                    b' ' | b'\t' | b'\r' => {}
                    b => {
                        found = Some(b);
                        break;
                    }
                }
                i += 1;
            }
            self.line += lines;
            self.input.consume(i);
            if found.is_some() {
                return Ok(found);
            }
            if self.input.fill()? != Fill::More {
                return Ok(None);
            }
        }
    }

    fn set_slot(&mut self, new: Slot) {
        if let Some(Frame::Array { slot, .. } | Frame::Object { slot, .. }) = self.stack.last_mut()
        {
            *slot = new;
        }
    }

    /// The next item of a JSON document.
    fn next_in_document(&mut self) -> Result<Option<Item>, Stop> {
        loop {
            let Some(b) = self.peek_non_ws()? else {
                if self.stack.is_empty() {
                    return Ok(None);
                }
                return Err(Stop::bad(self.line, TRUNCATED_DOCUMENT));
            };
            let Some(&top) = self.stack.last() else {
                // Between documents: another one of the same kind may follow (files
                // concatenated).
                if b != self.root {
                    return Err(Stop::bad(
                        self.line,
                        format!(
                            "unexpected data after the end of the JSON document; {REST_NOT_READ}"
                        ),
                    ));
                }
                self.advance(1);
                self.stack.push(if b == b'[' {
                    Frame::Array {
                        slot: Slot::Open,
                        pages: self.kind == Kind::Lastfm,
                    }
                } else {
                    Frame::Object {
                        slot: Slot::Open,
                        want: Want::Root,
                    }
                });
                continue;
            };
            match top {
                Frame::Array { slot, pages } => match (slot, b) {
                    (Slot::Open | Slot::Next, b']') => {
                        self.advance(1);
                        self.stack.pop();
                    }
                    (Slot::Next, b',') => {
                        self.advance(1);
                        self.set_slot(Slot::Value);
                    }
                    (Slot::Next, _) => {
                        return Err(Stop::syntax(
                            self.line,
                            "expected ',' or ']' after a record",
                        ));
                    }
                    (Slot::Open | Slot::Value, _) => {
                        self.set_slot(Slot::Next);
                        if pages && b == b'{' && self.first_key_is(b"recenttracks")? {
                            self.advance(1);
                            self.push(Frame::Object {
                                slot: Slot::Open,
                                want: Want::Root,
                            })?;
                        } else {
                            return self.record().map(Some);
                        }
                    }
                },
                Frame::Object { slot, want } => match (slot, b) {
                    (Slot::Open | Slot::Next, b'}') => {
                        self.advance(1);
                        self.stack.pop();
                    }
                    (Slot::Next, b',') => {
                        self.advance(1);
                        self.set_slot(Slot::Value);
                    }
                    (Slot::Open | Slot::Value, b'"') => {
                        self.set_slot(Slot::Next);
                        let child = self.read_key(want)?;
                        match self.peek_non_ws()? {
                            Some(b':') => self.advance(1),
                            Some(_) => {
                                return Err(Stop::syntax(self.line, "expected ':' after a key"));
                            }
                            None => return Err(Stop::bad(self.line, TRUNCATED_DOCUMENT)),
                        }
                        let Some(value) = self.peek_non_ws()? else {
                            return Err(Stop::bad(self.line, TRUNCATED_DOCUMENT));
                        };
                        match (child, value) {
                            (Some(Child::Records), b'[') => {
                                self.advance(1);
                                self.push(Frame::Array {
                                    slot: Slot::Open,
                                    pages: false,
                                })?;
                            }
                            (Some(Child::Records), b'{') => return self.record().map(Some),
                            (Some(Child::Object(want)), b'{') => {
                                self.advance(1);
                                self.push(Frame::Object {
                                    slot: Slot::Open,
                                    want,
                                })?;
                            }
                            _ => self.skip_value()?,
                        }
                    }
                    (Slot::Next, _) => {
                        return Err(Stop::syntax(
                            self.line,
                            "expected ',' or '}' after a member",
                        ));
                    }
                    (Slot::Open | Slot::Value, _) => {
                        return Err(Stop::syntax(self.line, "expected a key"));
                    }
                },
            }
        }
    }

    fn push(&mut self, frame: Frame) -> Result<(), Stop> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Stop::syntax(self.line, "nesting too deep"));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Whether the object starting the window has `name` as its first key.
    fn first_key_is(&mut self, name: &[u8]) -> io::Result<bool> {
        loop {
            let data = self.input.data();
            let key_at = data[1..].iter().position(|b| !is_ws(*b)).map(|i| i + 1);
            if let Some(k) = key_at
                && data.len() >= k + name.len() + 2
            {
                return Ok(data[k] == b'"'
                    && &data[k + 1..k + 1 + name.len()] == name
                    && data[k + 1 + name.len()] == b'"');
            }
            if self.input.fill()? != Fill::More {
                return Ok(false);
            }
        }
    }

    /// Reads the key starting the window (with its quotes) and what it leads to.
    fn read_key(&mut self, want: Want) -> Result<Option<Child>, Stop> {
        let line = self.line;
        let len = self.value_len().map_err(|e| match e {
            ScanEnd::Io(e) => Stop::Io(e),
            ScanEnd::Eof => Stop::bad(line, TRUNCATED_DOCUMENT),
            ScanEnd::Full => Stop::bad(line, format!("key larger than 1 MiB; {REST_NOT_READ}")),
            ScanEnd::Syntax(what) => Stop::syntax(line, what),
        })?;
        let child = child(want, &self.input.data()[1..len - 1]);
        self.advance(len);
        Ok(child)
    }

    /// Reads the record starting the window.
    fn record(&mut self) -> Result<Item, Stop> {
        let line = self.line;
        loop {
            match self
                .kind
                .parse(self.input.data(), self.min_play_ms, &mut self.ids)
            {
                Parsed::Done(outcome, used) => {
                    self.advance(used);
                    return Ok(outcome.into_item(line));
                }
                Parsed::NeedMore => match self.input.fill()? {
                    Fill::More => {}
                    Fill::Eof => return Err(Stop::bad(line, TRUNCATED_RECORD)),
                    Fill::Full => return self.skip_large(line),
                },
                Parsed::Failed(e) => return self.recover(line, &e),
            }
        }
    }

    /// After `serde_json` rejected the record starting the window: one `Bad` for a
    /// record of the wrong shape or with invalid UTF-8, the end for a syntax error.
    fn recover(&mut self, line: u64, e: &serde_json::Error) -> Result<Item, Stop> {
        let reason = json_reason(e);
        let len = match self.value_len() {
            Ok(len) => len,
            Err(ScanEnd::Io(e)) => return Err(Stop::Io(e)),
            Err(ScanEnd::Eof) => return Err(Stop::bad(line, TRUNCATED_RECORD)),
            Err(ScanEnd::Full | ScanEnd::Syntax(_)) => {
                return Err(Stop::syntax(line, &reason));
            }
        };
        let reason = if std::str::from_utf8(&self.input.data()[..len]).is_err() {
            "not valid UTF-8".to_owned()
        } else if e.classify() == Category::Data {
            reason
        } else {
            return Err(Stop::syntax(line, &reason));
        };
        self.advance(len);
        Ok(Item::Bad { line, reason })
    }

    /// A record larger than the window can grow: skipped without keeping it.
    fn skip_large(&mut self, line: u64) -> Result<Item, Stop> {
        const TOO_LARGE: &str = "record larger than 1 MiB";
        match self.skip_value() {
            Ok(()) => Ok(Item::Bad {
                line,
                reason: TOO_LARGE.to_owned(),
            }),
            Err(Stop::Io(e)) => Err(Stop::Io(e)),
            Err(Stop::Bad { .. }) => Err(Stop::bad(line, format!("{TOO_LARGE}; {REST_NOT_READ}"))),
        }
    }

    /// The length of the value starting the window, growing the window to hold all
    /// of it.
    fn value_len(&mut self) -> Result<usize, ScanEnd> {
        let mut scan = Scan::default();
        let mut offset = 0;
        loop {
            match scan.feed(&self.input.data()[offset..]) {
                Step::Done(i) => return Ok(offset + i),
                Step::Syntax(what) => return Err(ScanEnd::Syntax(what)),
                Step::NeedMore => {
                    offset = self.input.data().len();
                    match self.input.fill() {
                        Ok(Fill::More) => {}
                        Ok(Fill::Eof) if scan.scalar => return Ok(offset),
                        Ok(Fill::Eof) => return Err(ScanEnd::Eof),
                        Ok(Fill::Full) => return Err(ScanEnd::Full),
                        Err(e) => return Err(ScanEnd::Io(e)),
                    }
                }
            }
        }
    }

    /// Skips the value starting the window, however large, without keeping it.
    fn skip_value(&mut self) -> Result<(), Stop> {
        let line = self.line;
        let mut scan = Scan::default();
        loop {
            let available = self.input.data().len();
            match scan.feed(self.input.data()) {
                Step::Done(i) => {
                    self.advance(i);
                    return Ok(());
                }
                Step::Syntax(what) => return Err(Stop::syntax(self.line, what)),
                Step::NeedMore => {
                    self.advance(available);
                    match self.input.fill()? {
                        Fill::More => {}
                        Fill::Eof if scan.scalar => return Ok(()),
                        Fill::Eof | Fill::Full => return Err(Stop::bad(line, TRUNCATED_DOCUMENT)),
                    }
                }
            }
        }
    }

    /// The next item of a JSON-lines file.
    fn next_line(&mut self) -> Result<Option<Item>, Stop> {
        loop {
            let data = self.input.data();
            if let Some(end) = memchr::memchr(b'\n', data) {
                let line = self.line;
                let outcome = line_outcome(
                    self.kind,
                    self.min_play_ms,
                    &mut self.ids,
                    &data[..end],
                    false,
                );
                self.input.consume(end + 1);
                self.line += 1;
                match outcome {
                    Some(outcome) => return Ok(Some(outcome.into_item(line))),
                    None => continue,
                }
            }
            match self.input.fill()? {
                Fill::More => {}
                Fill::Eof => {
                    // The last line, without a line break.
                    let data = self.input.data();
                    let outcome =
                        line_outcome(self.kind, self.min_play_ms, &mut self.ids, data, true);
                    let n = data.len();
                    self.input.consume(n);
                    return Ok(outcome.map(|o| o.into_item(self.line)));
                }
                Fill::Full => return self.skip_long_line().map(Some),
            }
        }
    }

    /// A line longer than [`MAX_RECORD`]: dropped up to its line break.
    fn skip_long_line(&mut self) -> Result<Item, Stop> {
        let line = self.line;
        loop {
            let data = self.input.data();
            if let Some(end) = memchr::memchr(b'\n', data) {
                self.input.consume(end + 1);
                self.line += 1;
                break;
            }
            let n = data.len();
            self.input.consume(n);
            if self.input.fill()? == Fill::Eof {
                break;
            }
        }
        Ok(Item::Bad {
            line,
            reason: format!("record larger than {} MiB", MAX_RECORD >> 20),
        })
    }
}

/// What one JSON line holds; `None` for a blank line.
fn line_outcome(
    kind: Kind,
    min_play_ms: u64,
    ids: &mut Ids,
    raw: &[u8],
    last: bool,
) -> Option<Outcome> {
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return None;
    }
    Some(match kind.parse_whole(raw, min_play_ms, ids) {
        Ok(outcome) => outcome,
        Err(_) if std::str::from_utf8(raw).is_err() => Outcome::Bad("not valid UTF-8".into()),
        Err(e) if last && e.is_eof() => Outcome::Bad(TRUNCATED_RECORD.into()),
        Err(e) if e.classify() == Category::Data => Outcome::Bad(json_reason(&e).into()),
        Err(e) => Outcome::Bad(format!("JSON syntax error: {}", json_reason(&e)).into()),
    })
}

/// Finds where a JSON value ends from its strings and brackets alone, across as
/// many windows as it takes.
#[derive(Default)]
struct Scan {
    /// The closing brackets owed.
    owed: Vec<u8>,
    started: bool,
    scalar: bool,
    in_string: bool,
    escaped: bool,
}

enum Step {
    /// The value ends before this index of the bytes just fed.
    Done(usize),
    NeedMore,
    Syntax(&'static str),
}

impl Scan {
    fn feed(&mut self, data: &[u8]) -> Step {
        let mut i = 0;
        if !self.started {
            let Some(&first) = data.first() else {
                return Step::NeedMore;
            };
            self.started = true;
            i = 1;
            match first {
                b'{' => self.owed.push(b'}'),
                b'[' => self.owed.push(b']'),
                b'"' => self.in_string = true,
                b'}' | b']' | b',' | b':' => return Step::Syntax("expected a value"),
                _ => self.scalar = true,
            }
        }
        while i < data.len() {
            if self.scalar {
                return match data[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b']' | b'}') || is_ws(*b))
                {
                    Some(k) => Step::Done(i + k),
                    None => Step::NeedMore,
                };
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                let Some(k) = memchr::memchr2(b'"', b'\\', &data[i..]) else {
                    return Step::NeedMore;
                };
                i += k;
                if data[i] == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    if self.owed.is_empty() {
                        return Step::Done(i + 1);
                    }
                }
                i += 1;
                continue;
            }
            match data[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' if self.owed.len() >= MAX_DEPTH => {
                    return Step::Syntax("nesting too deep");
                }
                b'{' => self.owed.push(b'}'),
                b'[' => self.owed.push(b']'),
                close @ (b'}' | b']') => {
                    if self.owed.pop() != Some(close) {
                        return Step::Syntax("mismatched brackets");
                    }
                    if self.owed.is_empty() {
                        return Step::Done(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Step::NeedMore
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(doc: &str) -> Option<usize> {
        let mut scan = Scan::default();
        match scan.feed(doc.as_bytes()) {
            Step::Done(i) => Some(i),
            _ => None,
        }
    }

    #[test]
    fn the_scan_finds_where_values_end() {
        assert_eq!(end(r#"{"a": "}\"", "b": [1, {"c": 2}]}, {"#), Some(32));
        assert_eq!(end(r#""x\\" , "#), Some(5));
        assert_eq!(end("123, 4"), Some(3));
        assert_eq!(end("[1, 2"), None);
        assert!(matches!(Scan::default().feed(b"[}"), Step::Syntax(_)));
        // Resumes across windows, inside a string and after an escape.
        let mut scan = Scan::default();
        assert!(matches!(scan.feed(br#"{"a": "x\"#), Step::NeedMore));
        assert!(matches!(scan.feed(br#""}"}, 1"#), Step::Done(4)));
    }
}
