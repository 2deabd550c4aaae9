//! Export of a user's history as JSON lines or CSV, streamed page by page: memory
//! stays at one page whatever the history's size, and a slow reader slows the walk
//! (the channel is bounded) instead of buffering it.
//!
//! Both formats read back with `spotter import`: each JSON line is a ListenBrainz
//! listen (`listened_at`, `track_metadata`), and the CSV has the header of the Last.fm
//! exports it also reads (`uts`, `artist`, `album`, `track`, …).

use futures::Stream;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::store::{
    listens::ListenRow,
    queries::{ListenQuery, NEWEST},
};
use crate::{service::ServiceError, store::Store};

/// Listens read per query.
const PAGE: u32 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

const CSV_HEADER: [&str; 9] = [
    "uts",
    "utc_time",
    "artist",
    "album",
    "track",
    "duration_ms",
    "isrc",
    "track_mbid",
    "sources",
];

fn utc_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// One page in `format` (CSV: with the header when `first`).
pub fn encode(rows: &[ListenRow], format: Format, first: bool) -> Vec<u8> {
    match format {
        Format::JsonLines => {
            let mut out = Vec::with_capacity(rows.len() * 256);
            for r in rows {
                let sources: Vec<&str> = r.sources.split(',').filter(|s| !s.is_empty()).collect();
                let line = json!({
                    "listened_at": r.played_at,
                    "track_metadata": {
                        "artist_name": r.artist,
                        "track_name": r.title,
                        "release_name": r.album,
                        "additional_info": {
                            "duration_ms": r.duration_ms,
                            "isrc": r.isrc,
                            "recording_mbid": r.mbid,
                            "spotter_sources": sources,
                        },
                    },
                });
                // Writing JSON to a Vec cannot fail.
                let _ = serde_json::to_writer(&mut out, &line);
                out.push(b'\n');
            }
            out
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
            // Writing CSV to a Vec cannot fail.
            if first {
                let _ = w.write_record(CSV_HEADER);
            }
            for r in rows {
                let _ = w.write_record([
                    r.played_at.to_string().as_str(),
                    &utc_time(r.played_at),
                    &r.artist,
                    r.album.as_deref().unwrap_or(""),
                    &r.title,
                    &r.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
                    r.isrc.as_deref().unwrap_or(""),
                    r.mbid.as_deref().unwrap_or(""),
                    &r.sources.replace(',', " "),
                ]);
            }
            w.into_inner().unwrap_or_default()
        }
    }
}

/// The user's listens matching `query`, newest first, as a stream of chunks.
pub fn stream(
    store: Store,
    user_id: i64,
    query: ListenQuery,
    format: Format,
) -> impl Stream<Item = Result<Vec<u8>, ServiceError>> + Send {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut before = NEWEST;
        let mut first = true;
        loop {
            let rows = match store.list_listens(user_id, &query, before, PAGE).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(ServiceError::Store(e))).await;
                    return;
                }
            };
            if first && rows.is_empty() && format == Format::Csv {
                let _ = tx.send(Ok(encode(&[], format, true))).await;
            }
            let Some(last) = rows.last() else { return };
            before = (last.played_at, last.id);
            let data = encode(&rows, format, first);
            first = false;
            let full = rows.len() as u32 == PAGE;
            // The client went away: stop reading.
            if tx.send(Ok(data)).await.is_err() || !full {
                return;
            }
        }
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ListenRow {
        ListenRow {
            id: 7,
            played_at: 1_610_000_000,
            artist: "Sigur Rós, \"Jónsi\"".into(),
            album: Some("Takk...".into()),
            title: "Hoppípolla".into(),
            duration_ms: Some(268_000),
            track_id: None,
            isrc: Some("ISRC1".into()),
            mbid: None,
            sources: "import,lastfm".into(),
        }
    }

    #[test]
    fn json_lines_are_listenbrainz_listens() {
        let out = encode(&[row(), row()], Format::JsonLines, true);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["listened_at"], 1_610_000_000);
        assert_eq!(v["track_metadata"]["artist_name"], "Sigur Rós, \"Jónsi\"");
        assert_eq!(v["track_metadata"]["release_name"], "Takk...");
        assert_eq!(
            v["track_metadata"]["additional_info"]["spotter_sources"],
            json!(["import", "lastfm"])
        );
    }

    #[test]
    fn csv_quotes_fields_and_writes_the_header_once() {
        let first = String::from_utf8(encode(&[row()], Format::Csv, true)).unwrap();
        let next = String::from_utf8(encode(&[row()], Format::Csv, false)).unwrap();
        assert!(first.starts_with("uts,utc_time,artist,album,track,"));
        assert!(!next.starts_with("uts,"));
        let mut r = csv::Reader::from_reader(first.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[2], "Sigur Rós, \"Jónsi\"");
        assert_eq!(&rec[1], "2021-01-07T06:13:20Z");
        assert_eq!(&rec[8], "import lastfm");
    }
}
