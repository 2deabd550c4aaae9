//! The subcommands' arguments (clap `Args`) and their mapping onto requests.

use std::path::PathBuf;

use clap::ValueEnum;
use jiff::tz::TimeZone;
use spotter_proto::v1::{ListenFilter, Provider};

use crate::dates::{DateSpec, parse_date};

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
