//! `spotter history`, `spotter stats`, `spotter import` and `spotter export`: the
//! listening history for scripts, over the `History` service with the session that
//! `spotter sign-in` (or the TUI) stored.
//!
//! stdout carries only the data (plain columns, JSON, export bytes, import
//! summaries); notes, progress and errors go to stderr. Times are local (the
//! system time zone, `TZ` honoured), see [`dates`]. Both carry stored text, so both
//! go through [`crate::safe_text`]: no control character reaches the terminal raw.
//!
//! The argument types live here (clap `Args`) so their mapping onto requests is
//! tested without a daemon; `main.rs` only lists the subcommands.

pub mod dates;
mod export;
mod import;
mod listing;
mod session;
mod stats;

use std::{
    io::{self, Write},
    path::PathBuf,
    process::ExitCode,
};

use clap::ValueEnum;
use jiff::tz::TimeZone;
use spotter_proto::v1::{ListenFilter, Provider};

pub use dates::{DateSpec, parse_date};
pub use session::NOT_SIGNED_IN;

use crate::{
    safe_text::{eprint_message, escape_controls_in_lines},
    socket::SocketTarget,
};

/// A source of listens, as named on the command line and in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    Navidrome,
    Spotify,
    Lastfm,
    Listenbrainz,
    /// Listens that came from an import file.
    Import,
}

impl Source {
    pub fn name(self) -> &'static str {
        self.provider().map_or("import", Provider::key)
    }

    fn provider(self) -> Option<Provider> {
        match self {
            Source::Navidrome => Some(Provider::Navidrome),
            Source::Spotify => Some(Provider::Spotify),
            Source::Lastfm => Some(Provider::Lastfm),
            Source::Listenbrainz => Some(Provider::Listenbrainz),
            Source::Import => None,
        }
    }

    /// The name of a provider as reported on a listen (`None` for unknown values).
    pub fn provider_name(provider: i32) -> Option<&'static str> {
        match Provider::try_from(provider).ok()? {
            Provider::Unspecified => None,
            known => Some(known.key()),
        }
    }
}

/// Which listens: the filters `history` and `export` share.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct FilterArgs {
    /// Words that must all appear in the artist, album or title (case, accents and
    /// punctuation ignored; the last word also matches as a prefix).
    #[arg(long, value_name = "WORDS")]
    pub query: Option<String>,
    /// The artist contains these words, in this order.
    #[arg(long, value_name = "A")]
    pub artist: Option<String>,
    /// The album contains these words, in this order.
    #[arg(long, value_name = "B")]
    pub album: Option<String>,
    /// The title contains these words, in this order.
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// Only listens reported by this source (repeat, or separate with commas, for
    /// any of several).
    #[arg(
        long = "source",
        value_name = "SOURCE",
        value_enum,
        value_delimiter = ','
    )]
    pub sources: Vec<Source>,
    /// Played at or after DATE: YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM[:SS]
    /// (local), RFC 3339 or unix seconds.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<DateSpec>,
    /// Played before DATE (exclusive: `--to 2024-05-01` ends on April 30).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<DateSpec>,
}

impl FilterArgs {
    /// The wire filter, dates resolved in `tz`.
    pub fn to_filter(&self, tz: &TimeZone) -> Result<ListenFilter, String> {
        let from = self.from.map(|d| d.start(tz)).transpose()?;
        let to = self.to.map(|d| d.start(tz)).transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err("--from must be before --to (--to is exclusive)".into());
        }
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
        let mut sources: Vec<i32> = Vec::new();
        for p in self.sources.iter().filter_map(|s| s.provider()) {
            if !sources.contains(&(p as i32)) {
                sources.push(p as i32);
            }
        }
        Ok(ListenFilter {
            query: text(&self.query),
            artist: text(&self.artist),
            album: text(&self.album),
            title: text(&self.title),
            sources,
            imported: self.sources.contains(&Source::Import),
            // 0 is "unbounded" on the wire; the epoch itself is as good as that.
            from: from.unwrap_or(0),
            to: to.unwrap_or(0),
        })
    }
}

/// `spotter history`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Start at DATE and go back from there (a day includes the whole day).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub at: Option<DateSpec>,
    /// How many listens to print; 0 = all.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: u64,
    /// One JSON object per listen and line instead of columns.
    #[arg(long)]
    pub json: bool,
}

/// A stats period by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodName {
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// The last 365 days.
    Year,
    /// Everything.
    All,
}

/// `spotter stats`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct StatsArgs {
    /// A rolling period ending now (default: all).
    #[arg(long, value_enum, conflicts_with_all = ["from", "to"])]
    pub period: Option<PeriodName>,
    /// Custom period start (inclusive), as for `history`.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<DateSpec>,
    /// Custom period end (exclusive); default now.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<DateSpec>,
    /// Entries per top list and discoveries (1–100).
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// An import file format, as `ImportStart.format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    Auto,
    LastfmCsv,
    LastfmJson,
    Listenbrainz,
    Spotify,
    SpotifyExtended,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Auto => "auto",
            ImportFormat::LastfmCsv => "lastfm-csv",
            ImportFormat::LastfmJson => "lastfm-json",
            ImportFormat::Listenbrainz => "listenbrainz",
            ImportFormat::Spotify => "spotify",
            ImportFormat::SpotifyExtended => "spotify-extended",
        }
    }
}

/// `spotter import`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ImportArgs {
    /// Export files: Last.fm CSV/JSON, ListenBrainz JSON lines, Spotify
    /// StreamingHistory*.json or Streaming_History_Audio_*.json.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The files' format; `auto` recognises each file.
    #[arg(long, value_enum, default_value_t = ImportFormat::Auto)]
    pub format: ImportFormat,
    /// Spotify: skip plays shorter than this many seconds (the daemon's default is
    /// 30).
    #[arg(long, value_name = "SECONDS",
          value_parser = clap::value_parser!(u32).range(0..=86_400))]
    pub min_play: Option<u32>,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON lines, one ListenBrainz-style listen per line.
    Jsonl,
    /// CSV with a Last.fm-style header.
    Csv,
}

/// `spotter export`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Write to FILE (0600, replaced only once the export is complete) instead of
    /// stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Runs `spotter history`.
pub async fn history(target: &SocketTarget, args: &HistoryArgs) -> ExitCode {
    finish(listing::run(target, args).await)
}

/// Runs `spotter stats`.
pub async fn stats(target: &SocketTarget, args: &StatsArgs) -> ExitCode {
    finish(stats::run(target, args).await)
}

/// Runs `spotter import`: exit 1 when any file failed (bad rows are not failures).
pub async fn import(target: &SocketTarget, args: &ImportArgs) -> ExitCode {
    finish(import::run(target, args).await)
}

/// Runs `spotter export`.
pub async fn export(target: &SocketTarget, args: &ExportArgs) -> ExitCode {
    finish(export::run(target, args).await)
}

/// How a command ended.
#[derive(Debug)]
enum Outcome {
    Done,
    /// Something failed and was already reported.
    Failed,
}

fn finish(result: Result<Outcome, String>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(message) => {
            eprint_message(format_args!("spotter: {message}"));
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) ends the command quietly.
struct Stdout {
    out: io::BufWriter<io::Stdout>,
    closed: bool,
}

impl Stdout {
    fn new() -> Self {
        Stdout {
            out: io::BufWriter::new(io::stdout()),
            closed: false,
        }
    }

    /// Human-readable lines: the fields were escaped already, and whatever slipped
    /// through is escaped here, line breaks kept.
    fn write_text(&mut self, text: &str) -> Result<bool, String> {
        self.write(escape_controls_in_lines(text).as_bytes())
    }

    /// False once the reader is gone; an error other than that is returned. The
    /// bytes must be terminal-safe already (JSON from `json_line`, a `SafeStream`).
    fn write(&mut self, bytes: &[u8]) -> Result<bool, String> {
        if self.closed {
            return Ok(false);
        }
        match self.out.write_all(bytes) {
            Ok(()) => Ok(true),
            Err(err) => self.failed(err),
        }
    }

    fn flush(&mut self) -> Result<bool, String> {
        if self.closed {
            return Ok(false);
        }
        match self.out.flush() {
            Ok(()) => Ok(true),
            Err(err) => self.failed(err),
        }
    }

    fn failed(&mut self, err: io::Error) -> Result<bool, String> {
        if err.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true;
            Ok(false)
        } else {
            Err(format!("cannot write to stdout: {err}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Command {
        History(HistoryArgs),
        Stats(StatsArgs),
        Import(ImportArgs),
        Export(ExportArgs),
    }

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("spotter").chain(args.iter().copied()))
            .map(|c| c.command)
    }

    fn history(args: &[&str]) -> HistoryArgs {
        match parse(args).unwrap() {
            Command::History(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn filters_map_onto_the_wire_filter() {
        let h = history(&[
            "history",
            "--query",
            " radioh ",
            "--artist",
            "Björk",
            "--album",
            "Homogenic",
            "--title",
            "Jóga",
            "--source",
            "spotify,lastfm",
            "--source",
            "import",
            "--source",
            "spotify",
            "--from",
            "2024-05-01",
            "--to",
            "2024-05-02T12:00:00Z",
        ]);
        let f = h
            .filter
            .to_filter(&TimeZone::fixed(jiff::tz::offset(2)))
            .unwrap();
        assert_eq!(f.query, "radioh");
        assert_eq!(f.artist, "Björk");
        assert_eq!(f.album, "Homogenic");
        assert_eq!(f.title, "Jóga");
        assert_eq!(
            f.sources,
            [Provider::Spotify as i32, Provider::Lastfm as i32],
            "once each, import apart"
        );
        assert!(f.imported);
        // Local midnight at +02:00 is 22:00 UTC the day before.
        assert_eq!(f.from, 1_714_514_400);
        assert_eq!(f.to, 1_714_651_200);
        assert_eq!(h.limit, 50);
        assert!(!h.json);
        assert_eq!(h.at, None);
    }

    #[test]
    fn no_filter_is_the_empty_filter() {
        let h = history(&["history", "--limit", "0", "--json"]);
        assert_eq!(
            h.filter.to_filter(&TimeZone::UTC).unwrap(),
            ListenFilter::default()
        );
        assert_eq!(h.limit, 0);
        assert!(h.json);
    }

    #[test]
    fn an_empty_range_is_refused_before_asking_the_daemon() {
        let h = history(&["history", "--from", "2024-05-02", "--to", "2024-05-01"]);
        let err = h.filter.to_filter(&TimeZone::UTC).unwrap_err();
        assert!(err.contains("--from must be before --to"), "{err}");
        let h = history(&["history", "--from", "2024-05-01", "--to", "2024-05-01"]);
        assert!(h.filter.to_filter(&TimeZone::UTC).is_err());
    }

    #[test]
    fn bad_arguments_are_usage_errors_that_name_the_forms() {
        let err = parse(&["history", "--from", "last tuesday"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("invalid date"), "{text}");
        assert!(text.contains("YYYY-MM-DD"), "{text}");
        let err = parse(&["history", "--source", "napster"]).unwrap_err();
        assert!(err.to_string().contains("listenbrainz"), "{err}");
        assert!(parse(&["stats", "--period", "week", "--from", "2024-01-01"]).is_err());
        assert!(parse(&["stats", "--limit", "0"]).is_err());
        assert!(parse(&["stats", "--limit", "101"]).is_err());
        assert!(parse(&["import"]).is_err(), "a file is required");
        assert!(parse(&["import", "--format", "itunes", "a.json"]).is_err());
    }

    #[test]
    fn import_and_export_arguments() {
        let Command::Import(i) = parse(&[
            "import",
            "a.json",
            "b.csv",
            "--format",
            "spotify-extended",
            "--min-play",
            "10",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(i.files, [PathBuf::from("a.json"), PathBuf::from("b.csv")]);
        assert_eq!(i.format.name(), "spotify-extended");
        assert_eq!(i.min_play, Some(10));
        let Command::Import(i) = parse(&["import", "a.json"]).unwrap() else {
            panic!()
        };
        assert_eq!(i.format.name(), "auto");
        assert_eq!(i.min_play, None);

        let Command::Export(e) = parse(&[
            "export", "--format", "csv", "--output", "out.csv", "--artist", "Björk",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(e.format, ExportFormat::Csv);
        assert_eq!(e.output, Some(PathBuf::from("out.csv")));
        assert_eq!(e.filter.artist.as_deref(), Some("Björk"));
        let Command::Export(e) = parse(&["export"]).unwrap() else {
            panic!()
        };
        assert_eq!(e.format, ExportFormat::Jsonl);
        assert_eq!(e.output, None);
    }

    #[test]
    fn source_names_round_trip() {
        for s in Source::value_variants() {
            assert_eq!(
                Source::from_str(s.name(), false).unwrap(),
                *s,
                "{}",
                s.name()
            );
        }
        assert_eq!(
            Source::provider_name(Provider::Listenbrainz as i32),
            Some("listenbrainz")
        );
        assert_eq!(Source::provider_name(0), None);
        assert_eq!(Source::provider_name(99), None);
    }
}
