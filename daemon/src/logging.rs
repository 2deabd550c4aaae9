//! Logging through `tracing`, to stderr. Under systemd (`JOURNAL_STREAM` set) lines are
//! plain: no colour, no timestamp (the journal adds its own). The level comes from
//! `RUST_LOG`, else `log.level`.
//!
//! HTTP/2 and HTTP internals are capped at `info` whatever the level: their trace
//! output dumps frames and headers, which will carry bearer tokens.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

const WIRE_CAPS: &str = "h2=info,hyper=info,hyper_util=info,tower=info,tonic::transport=info";

/// Builds the filter: `RUST_LOG` if set, else `level`, plus the wire caps.
pub fn filter(level: &str) -> EnvFilter {
    let base = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| level.to_string());
    EnvFilter::try_new(format!("{base},{WIRE_CAPS}"))
        .unwrap_or_else(|_| EnvFilter::new(format!("info,{WIRE_CAPS}")))
}

/// Installs the global subscriber. Safe to call once; later calls are ignored.
pub fn init(level: &str) {
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_writer(std::io::stderr);
    let result = if journald {
        builder
            .without_time()
            .with_ansi(false)
            .with_target(false)
            .try_init()
    } else {
        let ansi = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        builder.with_ansi(ansi).try_init()
    };
    let _ = result;
}
