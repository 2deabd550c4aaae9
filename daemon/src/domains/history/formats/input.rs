//! The one buffer a file is read through: BOM sniffing and UTF-16 transcoding
//! (`encoding_rs_io`), a bounded look-ahead for format detection, and a window that
//! grows only to hold one large record (up to [`MAX_RECORD`]).

use std::{
    io::{self, Read},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use super::MAX_RECORD;

/// The buffer's usual size, and the most asked of the input in one read.
pub(super) const CHUNK: usize = 64 * 1024;

/// Counts the bytes pulled from the caller's reader.
pub(super) struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// What [`Input::fill`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fill {
    /// More bytes are available.
    More,
    /// The input has ended.
    Eof,
    /// The window is at its largest and full: the record in it is too large.
    Full,
}

/// Decoded (UTF-8, or untouched bytes) input with a window `buf[pos..end]`.
pub(super) struct Input<R: Read> {
    src: DecodeReaderBytes<Counted<R>, Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// A read error met while looking at the prefix, reported by the next read.
    pending: Option<io::Error>,
}

impl<R: Read> Input<R> {
    pub(super) fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        let src = DecodeReaderBytesBuilder::new()
            .bom_sniffing(true)
            .strip_bom(true)
            // UTF-8 is passed through unchecked so that one invalid byte spoils only
            // its own record (instead of becoming U+FFFD silently).
            .utf8_passthru(true)
            .build(Counted { inner, count });
        Input {
            src,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            pending: None,
        }
    }

    /// The bytes read and not yet consumed.
    #[inline]
    pub(super) fn data(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Drops `n` bytes from the front of [`Input::data`].
    #[inline]
    pub(super) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.pos);
        self.pos += n;
    }

    /// The window's current size (tests check it stays bounded).
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Reads until at least `n` bytes are available or the input ends; returns what
    /// is available (the format detector's look at the start of the file). A read
    /// error after some bytes is kept for the next read, so that the rows before it
    /// are still read.
    pub(super) fn prefix(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.end - self.pos < n {
            match self.fill() {
                Ok(Fill::More) => {}
                Ok(_) => break,
                Err(e) if self.end > self.pos => {
                    self.pending = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.data())
    }

    /// Reads more into the window: moves the unconsumed bytes to the front, grows
    /// the window when it is full (up to [`MAX_RECORD`]), and reads once.
    pub(super) fn fill(&mut self) -> io::Result<Fill> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        if self.eof {
            return Ok(Fill::Eof);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD {
                return Ok(Fill::Full);
            }
            let grown = (self.buf.len() * 2).min(MAX_RECORD);
            self.buf.resize(grown, 0);
        }
        let room = (self.buf.len() - self.end).min(CHUNK);
        loop {
            match self.src.read(&mut self.buf[self.end..self.end + room]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(Fill::Eof);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(Fill::More);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}
