//! `spotter history`, `spotter stats`, `spotter import` and `spotter export`: the
//! listening history for scripts, over the `History` service with the session that
//! `spotter sign-in` (or the TUI) stored.
//!
//! stdout carries only the data (plain columns, JSON, export bytes, import
//! summaries); notes, progress and errors go to stderr. Times are local (the
//! system time zone, `TZ` honoured), see [`crate::dates`]. Both carry stored text, so both
//! go through [`crate::safe_text`]: no control character reaches the terminal raw.
//!
//! The argument types live here (clap `Args`) so their mapping onto requests is
//! tested without a daemon; `main.rs` only lists the subcommands.

mod args;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod listing;
pub(crate) mod output;
pub(crate) mod session;
mod stats;

pub use args::*;
use output::Outcome;

use std::process::ExitCode;

pub use crate::dates::{DateSpec, parse_date};
pub use session::NOT_SIGNED_IN;

use crate::{safe_text::eprint_message, socket::SocketTarget};

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

pub(crate) fn finish(result: Result<Outcome, String>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(message) => {
            eprint_message(format_args!("spotter: {message}"));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap::{Parser, ValueEnum};
    use jiff::tz::TimeZone;
    use spotter_proto::v1::{ListenFilter, Provider};

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
