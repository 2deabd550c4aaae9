//! The History API over the real socket: imports of every fixture format (streamed in
//! small chunks), re-imports, bad rows, export round trips, browsing with filters and
//! search, stats, and one user never seeing another's history.

use std::path::{Path, PathBuf};

use spotter_e2e::Instance;
use spotter_proto::v1::{
    self, ExportRequest, GetListenRequest, GetTopRequest, ImportProgress, ImportRequest,
    ImportStart, ListListensRequest, ListenFilter, StatsPeriod, StatsSubject,
    export_request::Format as ExportFormat, import_request::Part,
};
use tokio_stream::StreamExt;
use tonic::{Code, Status};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

/// Streams `bytes` through `Import` in `chunk`-byte messages; every progress message.
async fn import_bytes(
    instance: &Instance,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    chunk: usize,
) -> Result<Vec<ImportProgress>, Status> {
    let mut messages = vec![ImportRequest {
        part: Some(Part::Start(ImportStart {
            file_name: name.into(),
            format: String::new(),
            size: bytes.len() as u64,
            min_play_ms: 0,
        })),
    }];
    messages.extend(bytes.chunks(chunk).map(|c| ImportRequest {
        part: Some(Part::Chunk(c.to_vec())),
    }));
    let mut stream = instance
        .api
        .history_as(token)
        .import(tokio_stream::iter(messages))
        .await?
        .into_inner();
    let mut out = Vec::new();
    while let Some(message) = stream.next().await {
        out.push(message?);
    }
    Ok(out)
}

async fn import(instance: &Instance, token: &str, name: &str) -> ImportProgress {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let progress = import_bytes(instance, token, name, bytes, 7).await.unwrap();
    let last = progress.last().cloned().expect("a final report");
    assert!(last.done, "{name}: the last message is the final report");
    assert_eq!(
        last.plays,
        last.added + last.merged + last.duplicates,
        "{name}: every play is accounted for: {last:?}"
    );
    last
}

async fn list(instance: &Instance, token: &str, filter: ListenFilter) -> Vec<v1::Listen> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = instance
            .api
            .history_as(token)
            .list_listens(ListListensRequest {
                filter: Some(filter.clone()),
                page_size: 3,
                cursor: cursor.clone(),
                at: 0,
            })
            .await
            .unwrap()
            .into_inner();
        out.extend(page.listens);
        if page.next_cursor.is_empty() {
            return out;
        }
        cursor = page.next_cursor;
    }
}

fn search(query: &str) -> ListenFilter {
    ListenFilter {
        query: query.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_format_imports_and_a_second_import_adds_nothing() {
    let instance = Instance::start().await;
    let token = instance.owner.access_token.clone();
    let files = [
        ("lastfm.csv", "lastfm-csv"),
        ("lastfm-header.csv", "lastfm-csv"),
        ("lastfm-api.json", "lastfm-json"),
        ("lastfm-pages.json", "lastfm-json"),
        ("lastfmstats.json", "lastfm-json"),
        ("listenbrainz.jsonl", "listenbrainz"),
        ("StreamingHistory0.json", "spotify"),
        ("Streaming_History_Audio_2021.json", "spotify-extended"),
    ];
    let mut total_added = 0;
    for (name, format) in files {
        let first = import(&instance, &token, name).await;
        assert_eq!(first.format, format, "{name}");
        assert!(first.plays > 0, "{name}: {first:?}");
        total_added += first.added;
        let again = import(&instance, &token, name).await;
        assert_eq!(
            (again.added, again.merged, again.duplicates),
            (0, 0, first.plays),
            "{name}: a second import adds nothing"
        );
        assert_eq!(again.bad_rows, first.bad_rows, "{name}");
    }
    let summary = instance
        .api
        .history_as(&token)
        .get_summary(v1::GetSummaryRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summary.listens, total_added);
    assert_eq!(summary.listens_by_source.get("import"), Some(&total_added));
    // Spotify's skipped plays (under 30 s, podcasts) were reported as skipped.
    let spotify = import(&instance, &token, "StreamingHistory0.json").await;
    assert!(spotify.skipped > 0, "{spotify:?}");
}

#[tokio::test]
async fn bad_rows_are_counted_with_their_lines_and_the_rest_imports() {
    let instance = Instance::start().await;
    let token = instance.owner.access_token.clone();
    let report = import(&instance, &token, "listenbrainz-bad.jsonl").await;
    // Lines 1 and 8 are good; 2 is broken JSON, 3 blank, 4 not UTF-8, 5 has no time,
    // 6 no track fields, 7 a time after 2100, 9 cut off at the end of the file.
    assert_eq!(report.added, 2, "{report:?}");
    let lines: Vec<u64> = report.bad_rows.iter().map(|b| b.line).collect();
    assert_eq!(lines, [2, 4, 5, 6, 7, 9], "{:?}", report.bad_rows);
    assert_eq!(report.bad, 6);
    assert!(report.bad_rows.iter().all(|b| !b.reason.is_empty()));
    // Truncated and mis-encoded files keep their good rows too.
    for name in [
        "spotify-truncated.json",
        "lastfm-truncated.csv",
        "lastfm-bad.csv",
    ] {
        let r = import(&instance, &token, name).await;
        assert!(r.bad > 0, "{name}: {r:?}");
        assert!(
            r.plays > 0 || name == "lastfm-truncated.csv",
            "{name}: {r:?}"
        );
    }
    let utf16 = import(&instance, &token, "lastfm-utf16le.csv").await;
    assert_eq!(utf16.bad, 0, "UTF-16 with a BOM is read: {utf16:?}");
    assert!(utf16.plays > 0);
}

#[tokio::test]
async fn files_that_are_no_export_are_refused_clearly() {
    let instance = Instance::start().await;
    let token = instance.owner.access_token.clone();
    let err = import_bytes(
        &instance,
        &token,
        "/home/someone/notes.txt",
        b"just some notes\nnothing to see\n".to_vec(),
        1024,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("notes.txt: "),
        "{}",
        err.message()
    );
    assert!(!err.message().contains("/home/someone"), "no paths back");
    // A stream that does not start by naming the file.
    let err = instance
        .api
        .history_as(&token)
        .import(tokio_stream::iter([ImportRequest {
            part: Some(Part::Chunk(b"{}".to_vec())),
        }]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn browsing_searching_and_stats_see_only_the_callers_history() {
    let instance = Instance::start().await;
    let ann = instance.owner.access_token.clone();
    let bob = instance.user("bob").await.access_token;
    import(&instance, &ann, "listenbrainz.jsonl").await;
    import(&instance, &ann, "lastfm.csv").await;
    import(&instance, &bob, "StreamingHistory0.json").await;

    let all = list(&instance, &ann, ListenFilter::default()).await;
    assert!(all.len() > 3, "paged in threes");
    assert!(
        all.windows(2)
            .all(|w| (w[0].played_at, w[0].id) > (w[1].played_at, w[1].id))
    );
    assert!(all.iter().all(|l| l.imported));
    // Search folds accents; quotes and operators are plain text.
    let bjork = list(&instance, &ann, search("bjork")).await;
    assert!(!bjork.is_empty());
    assert!(bjork.iter().all(|l| l.artist.contains("Björk")));
    assert!(
        list(&instance, &ann, search("\"OR\" NEAR(*"))
            .await
            .is_empty(),
        "operators are words, found nowhere"
    );
    let err = instance
        .api
        .history_as(&ann)
        .list_listens(ListListensRequest {
            filter: Some(search("\"*\"")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    // Bob's plays are not Ann's, by listing, search, details or stats.
    let bobs = list(&instance, &bob, ListenFilter::default()).await;
    assert!(!bobs.is_empty());
    let ann_ids: Vec<i64> = all.iter().map(|l| l.id).collect();
    assert!(bobs.iter().all(|l| !ann_ids.contains(&l.id)));
    let err = instance
        .api
        .history_as(&ann)
        .get_listen(GetListenRequest { id: bobs[0].id })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let top = instance
        .api
        .history_as(&ann)
        .get_top(GetTopRequest {
            period: Some(StatsPeriod {
                kind: v1::stats_period::Kind::AllTime as i32,
                ..Default::default()
            }),
            subject: StatsSubject::Artists as i32,
            limit: 100,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        top.entries.iter().map(|e| e.listens).sum::<u64>(),
        all.len() as u64,
        "every listen of Ann's counted once, none of Bob's"
    );
    assert_eq!(top.listens, all.len() as u64);
    // Details of her own listen.
    let detail = instance
        .api
        .history_as(&ann)
        .get_listen(GetListenRequest { id: all[0].id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(detail.listen.unwrap().id, all[0].id);
    assert_eq!(detail.sources[0].source, "import");
    assert!(detail.track_listens >= 1);
}

#[tokio::test]
async fn an_export_reads_back_as_the_same_history() {
    let instance = Instance::start().await;
    let ann = instance.owner.access_token.clone();
    import(&instance, &ann, "Streaming_History_Audio_2021.json").await;
    import(&instance, &ann, "lastfm-header.csv").await;
    let before = list(&instance, &ann, ListenFilter::default()).await;
    for format in [ExportFormat::Jsonl, ExportFormat::Csv] {
        let mut stream = instance
            .api
            .history_as(&ann)
            .export(ExportRequest {
                format: format as i32,
                filter: None,
            })
            .await
            .unwrap()
            .into_inner();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend(chunk.unwrap().data);
        }
        let text = String::from_utf8(bytes.clone()).unwrap();
        let rows = text.lines().count() - usize::from(format == ExportFormat::Csv);
        assert_eq!(rows, before.len(), "{format:?}: one row per listen");
        // Into a fresh user: the same listens; into the same user: nothing new.
        let name = if format == ExportFormat::Csv {
            "export.csv"
        } else {
            "export.jsonl"
        };
        let again = import_bytes(&instance, &ann, name, bytes.clone(), 4096)
            .await
            .unwrap();
        let again = again.last().unwrap();
        assert_eq!((again.added, again.bad), (0, 0), "{format:?}: {again:?}");
        let carol = instance
            .user(if format == ExportFormat::Csv {
                "carol"
            } else {
                "dave"
            })
            .await
            .access_token;
        let fresh = import_bytes(&instance, &carol, name, bytes, 4096)
            .await
            .unwrap();
        assert_eq!(fresh.last().unwrap().added, before.len() as u64);
        let theirs = list(&instance, &carol, ListenFilter::default()).await;
        let key = |l: &v1::Listen| (l.played_at, l.artist.clone(), l.title.clone());
        assert_eq!(
            theirs.iter().map(key).collect::<Vec<_>>(),
            before.iter().map(key).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn pages_are_clamped_cursors_checked_and_dates_jumped_to() {
    let instance = Instance::start().await;
    let ann = instance.owner.access_token.clone();
    import(&instance, &ann, "Streaming_History_Audio_2021.json").await;
    let all = list(&instance, &ann, ListenFilter::default()).await;
    let mut history = instance.api.history_as(&ann);
    let page = |page_size, cursor: &str, at| ListListensRequest {
        filter: None,
        page_size,
        cursor: cursor.into(),
        at,
    };
    // 0 means the default (50), anything over 500 is 500.
    let got = history
        .list_listens(page(0, "", 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.listens.len(), all.len().min(50));
    for bad in ["not-a-cursor", "MTIzOmFiYw"] {
        let err = history.list_listens(page(10, bad, 0)).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
    }
    // Jump: the first listen at or before a time in the middle.
    let middle = &all[all.len() / 2];
    let got = history
        .list_listens(page(2, "", middle.played_at))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.listens[0].played_at, middle.played_at);
    assert!(got.listens.iter().all(|l| l.played_at <= middle.played_at));
    // An empty date range is refused rather than silently empty.
    let err = history
        .list_listens(ListListensRequest {
            filter: Some(ListenFilter {
                from: 2_000,
                to: 1_000,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn an_upload_that_breaks_the_rules_is_aborted_and_keeps_nothing_half_read() {
    let instance = Instance::start().await;
    let ann = instance.owner.access_token.clone();
    let start = || ImportRequest {
        part: Some(Part::Start(ImportStart {
            file_name: "listens.jsonl".into(),
            ..Default::default()
        })),
    };
    let line = b"{\"listened_at\": 1610000000, \"track_metadata\": {\"artist_name\": \"A\", \"track_name\": \"T\"}}\n";
    // A chunk over 1 MiB (under the 4 MiB message limit), and a second start.
    for second in [
        ImportRequest {
            part: Some(Part::Chunk(vec![b' '; (1 << 20) + 1])),
        },
        start(),
    ] {
        let messages = vec![
            start(),
            ImportRequest {
                part: Some(Part::Chunk(line.to_vec())),
            },
            second,
        ];
        let mut stream = instance
            .api
            .history_as(&ann)
            .import(tokio_stream::iter(messages))
            .await
            .unwrap()
            .into_inner();
        let mut last = None;
        while let Some(message) = stream.next().await {
            last = Some(message);
        }
        let err = last.unwrap().unwrap_err();
        assert_eq!(err.code(), Code::Aborted, "{err:?}");
    }
}
