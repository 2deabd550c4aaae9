//! `spotter playlists …` (list, show, import, export, push, match) over the
//! `Playlists` service, and `spotter sync history|library|playlists [--wait]`,
//! with the session `spotter sign-in` stored.
//!
//! As for `spotter history`: stdout carries only the data (columns, JSON lines,
//! export bytes, summaries), notes and errors go to stderr, and stored text is
//! escaped before it reaches a terminal. Exit 1 on any failure.

mod args;
mod resolve;
mod show;
mod sync;
mod transfer;

pub use args::*;
pub use resolve::resolve;
pub use show::{EntryLine, PlaylistLine, status_key};

use std::process::ExitCode;

use spotter_proto::v1::{
    GetPlaylistRequest, ListPlaylistsRequest, Playlist, PlaylistEntry, PushRequest, RematchRequest,
    navidrome_sync, playlists_client::PlaylistsClient,
};
use tonic::transport::Channel;

use crate::{
    client::DaemonClient,
    history_cli::{
        finish,
        output::{Outcome, Stdout},
        session::{Failure, Session},
    },
    safe_text::{escape_controls, json_line},
    socket::SocketTarget,
};

/// Entries per `GetPlaylist` page (the daemon's most).
const PAGE: u32 = 1000;

/// A boxed unary Playlists call for [`Session::call`].
macro_rules! rpc {
    ($method:ident) => {
        |mut c: PlaylistsClient<Channel>, r| Box::pin(async move { c.$method(r).await })
    };
}

/// Runs `spotter playlists …`.
pub async fn playlists(target: &SocketTarget, args: &PlaylistsArgs) -> ExitCode {
    finish(run(target, args).await)
}

/// Runs `spotter sync …`.
pub async fn sync(target: &SocketTarget, args: &SyncArgs) -> ExitCode {
    finish(sync::run(target, args).await)
}

async fn run(target: &SocketTarget, args: &PlaylistsArgs) -> Result<Outcome, String> {
    let mut session = Session::open(target).await?;
    match &args.command {
        PlaylistsCommand::List { json } => list(&mut session, *json).await,
        PlaylistsCommand::Show { playlist, json } => {
            let p = find(&mut session, playlist).await?;
            show(&mut session, &p, *json).await
        }
        PlaylistsCommand::Import { file, name, format } => {
            transfer::import(&mut session, file, name.clone(), *format).await
        }
        PlaylistsCommand::Export {
            playlist,
            format,
            output,
        } => {
            let p = find(&mut session, playlist).await?;
            transfer::export(&mut session, &p, *format, output.as_deref()).await
        }
        PlaylistsCommand::Push {
            playlist,
            overwrite,
        } => {
            let p = find(&mut session, playlist).await?;
            push(&mut session, &p, *overwrite).await
        }
        PlaylistsCommand::Match { playlist } => {
            let p = find(&mut session, playlist).await?;
            rematch(&mut session, &p).await
        }
    }
}

async fn all_playlists(session: &mut Session) -> Result<Vec<Playlist>, Failure> {
    let request = ListPlaylistsRequest {
        include_inactive: true,
    };
    Ok(session
        .call(
            "ListPlaylists",
            request,
            DaemonClient::playlists,
            rpc!(list_playlists),
        )
        .await?
        .playlists)
}

/// The playlist PLAYLIST names.
async fn find(session: &mut Session, arg: &str) -> Result<Playlist, Failure> {
    let playlists = all_playlists(session).await?;
    resolve(&playlists, arg).cloned()
}

async fn list(session: &mut Session, json: bool) -> Result<Outcome, String> {
    let playlists = all_playlists(session).await?;
    let mut out = Stdout::new();
    if !json {
        out.write_text(show::PLAYLIST_HEADER)?;
    }
    for p in &playlists {
        let line = if json {
            json_line(&PlaylistLine::from(p))
        } else {
            show::playlist_row(p)
        };
        if !out.write_text(&line)? {
            break;
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}

/// Every entry of `id`, page by page.
async fn all_entries(session: &mut Session, id: i64) -> Result<Vec<PlaylistEntry>, Failure> {
    let mut entries = Vec::new();
    loop {
        let request = GetPlaylistRequest {
            id,
            offset: u32::try_from(entries.len()).unwrap_or(u32::MAX),
            limit: PAGE,
            filter: 0,
        };
        let page = session
            .call(
                "GetPlaylist",
                request,
                DaemonClient::playlists,
                rpc!(get_playlist),
            )
            .await?;
        let got = page.entries.len();
        entries.extend(page.entries);
        if got == 0 || entries.len() >= page.total as usize {
            return Ok(entries);
        }
    }
}

async fn show(session: &mut Session, p: &Playlist, json: bool) -> Result<Outcome, String> {
    let entries = all_entries(session, p.id).await?;
    let mut out = Stdout::new();
    if !json {
        out.write_text(&format!(
            "{} ({}, {} entries, {} matched, Navidrome: {})\n",
            escape_controls(&p.name),
            p.source().key(),
            p.entries,
            p.matched,
            show::navidrome_key(p)
        ))?;
    }
    for e in &entries {
        let line = if json {
            json_line(&EntryLine::from(e))
        } else {
            show::entry_row(e)
        };
        if !out.write_text(&line)? {
            break;
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}

async fn push(session: &mut Session, p: &Playlist, overwrite: bool) -> Result<Outcome, String> {
    let request = PushRequest {
        id: p.id,
        name: String::new(),
        overwrite,
    };
    let pushed = session
        .call("Push", request, DaemonClient::playlists, rpc!(push))
        .await?;
    let name = escape_controls(&pushed.name);
    let sync = pushed.navidrome.clone().unwrap_or_default();
    match sync.state() {
        navidrome_sync::State::ChangedInNavidrome => Err(format!(
            "\"{name}\" was changed in Navidrome since the last push: nothing was written. \
             Push again with --overwrite to replace Navidrome's version, or take it in the TUI"
        )),
        navidrome_sync::State::Failed => Err(format!(
            "pushing \"{name}\" failed: {}",
            escape_controls(&sync.error)
        )),
        _ => {
            let mut out = Stdout::new();
            out.write_text(&format!(
                "{name}: {} ({} songs pushed)\n",
                show::navidrome_key(&pushed),
                pushed.matched
            ))?;
            out.flush()?;
            Ok(Outcome::Done)
        }
    }
}

async fn rematch(session: &mut Session, p: &Playlist) -> Result<Outcome, String> {
    let r = session
        .call(
            "Rematch",
            RematchRequest { id: p.id },
            DaemonClient::playlists,
            rpc!(rematch),
        )
        .await?;
    let mut out = Stdout::new();
    out.write_text(&format!(
        "{}: {} entries, {} matched, {} changed\n",
        escape_controls(&p.name),
        r.entries,
        r.matched,
        r.changed
    ))?;
    out.flush()?;
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests;
