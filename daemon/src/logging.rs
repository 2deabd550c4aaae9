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

/// Replaces the standard panic report, which prints the panic's message: a message can
/// quote whatever the panicking code held (a pasted URL with its OAuth code, once:
/// issue 10, finding 6). Only where it happened is logged.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map_or_else(
            || "an unknown place".to_owned(),
            |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
        );
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        if tracing::dispatcher::has_been_set() {
            tracing::error!(
                location,
                thread,
                "spotterd panicked (its message is not logged: it may hold secrets)"
            );
        } else {
            eprintln!("spotterd panicked at {location} in thread {thread}");
        }
    }));
}

/// How every field of a log line is written: its value with control characters
/// escaped. The standard field writer escapes messages and `?` values but writes `%`
/// values (most errors) as they are, and those can hold text from outside (issue 10,
/// finding 8): an escape sequence for the terminal showing the log, or a line break
/// that starts a forged line (fail2ban reads these lines).
pub fn safe_fields()
-> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        let text = crate::music_text::escape_controls(&text);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ")
}

/// Installs the global subscriber. Safe to call once; later calls are ignored.
pub fn init(level: &str) {
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .fmt_fields(safe_fields())
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

#[cfg(test)]
mod tests {
    use super::*;

    const CHILD: &str = "SPOTTER_PANIC_HOOK_CHILD";
    const SECRET: &str = "code=AQD9-oauth-code-that-must-never-be-logged";

    /// Issue 10, finding 6: a panic's message went to the log, with the OAuth code
    /// it quoted. The hook logs where, never what. Runs itself again as a child
    /// process, since a panic hook is global.
    #[test]
    fn the_panic_hook_logs_where_never_what() {
        if std::env::var_os(CHILD).is_some() {
            init("info");
            install_panic_hook();
            let _ = std::panic::catch_unwind(|| panic!("bad redirect {SECRET}"));
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "logging::tests::the_panic_hook_logs_where_never_what",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{all}");
        assert!(all.contains("spotterd panicked"), "{all}");
        assert!(all.contains("logging.rs:"), "the location: {all}");
        assert!(!all.contains(SECRET), "the message leaked: {all}");
    }

    /// Issue 10, finding 8: text from outside (a name, a provider's message) in a log
    /// line cannot drive the terminal or the journal viewer showing it.
    #[test]
    fn logged_text_carries_no_control_characters() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let out = Buffer::default();
        let writer = out.clone();
        // As `init` builds it for a file or the journal (no colours of our own).
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(safe_fields())
            .with_writer(move || writer.clone())
            .finish();
        let evil = "Song\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(name = evil, shown = %evil, "message {evil}");
            tracing::warn!(error = %"a\nspotter auth failure: uid=0 forged", "one line");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("pwned"), "{text}");
        let controls: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(controls.is_empty(), "{controls:?} in {text:?}");
        assert_eq!(
            text.lines().count(),
            2,
            "a value cannot start a line: {text}"
        );
    }
}
