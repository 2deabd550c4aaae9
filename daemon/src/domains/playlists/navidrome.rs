//! Pushing playlists to Navidrome and keeping them in sync, without clobbering what
//! someone changed there.
//!
//! - **Push**: the matched songs in order, a name (the playlist's unless given) and a
//!   comment saying where the playlist came from. The first push creates the
//!   Navidrome playlist; later ones replace its songs in place (its id stays).
//! - **Conflicts**: right after a push, Navidrome's `changed` and a hash of its song
//!   list are stored. Before the next push the Navidrome playlist is read again: if
//!   either differs, someone changed it there, nothing is written and the playlist is
//!   `changed_in_navidrome` until the user overwrites or takes Navidrome's version.
//!   A Navidrome playlist deleted there is `missing`; pushing again creates it.
//! - **Link** records an existing Navidrome playlist as the target and pushes into it;
//!   **unsync** forgets the target (optionally deleting it in Navidrome).
//! - Failures leave the playlist `failed` with a short error (never an upstream body).

use std::{collections::HashMap, sync::Arc};

use sha2::{Digest, Sha256};

use super::{
    matcher::Matcher,
    model::{NewEntry, Source, SourceRef},
    store::navidrome::{NavLink, nav_state},
};
use crate::{
    crypto::SecretString,
    domains::connections::{service::Connections, store::ConnectionState},
    providers::{
        ProviderError,
        navidrome::{NavPlaylist, Navidrome},
        subsonic::SubsonicClient,
    },
    service::ServiceError,
    store::{Provider, Store, StoreError},
};

/// A Navidrome playlist as the user may pick one to link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavidromePlaylist {
    pub id: String,
    pub name: String,
    pub song_count: u32,
    /// Unix seconds (0 when the server does not say).
    pub changed: i64,
    /// The spotter playlist pushed to or linked with it.
    pub linked_playlist_id: Option<i64>,
}

/// What [`NavidromeSync::sync_pushed`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PushReport {
    pub pushed: u32,
    pub unchanged: u32,
    pub conflicts: u32,
    pub missing: u32,
    pub failed: u32,
}

impl PushReport {
    pub fn summary(&self) -> String {
        let mut s = format!("navidrome: {} pushed", self.pushed);
        for (n, what) in [
            (self.conflicts, "changed in Navidrome"),
            (self.missing, "deleted in Navidrome"),
            (self.failed, "failed"),
        ] {
            if n > 0 {
                s.push_str(&format!(", {n} {what}"));
            }
        }
        s
    }
}

/// How a push went.
enum Pushed {
    Done,
    Conflict,
    Missing,
}

/// The user's Navidrome account for one call.
struct Account {
    client: SubsonicClient,
    username: String,
    password: SecretString,
}

impl Account {
    fn nav(&self) -> Navidrome<'_> {
        Navidrome::new(&self.client, &self.username, &self.password)
    }
}

pub struct NavidromeSync {
    store: Store,
    connections: Arc<Connections>,
    matcher: Arc<Matcher>,
}

impl NavidromeSync {
    pub fn new(
        store: Store,
        connections: Arc<Connections>,
        matcher: Arc<Matcher>,
    ) -> NavidromeSync {
        NavidromeSync {
            store,
            connections,
            matcher,
        }
    }

    /// Pushes a playlist (see the module docs). `name` renames the Navidrome playlist;
    /// `overwrite` writes even over changes made in Navidrome. When it was changed
    /// there (and not `overwrite`), nothing is written and the playlist's state is
    /// `changed_in_navidrome`: that is `Ok`, the state tells.
    pub async fn push(
        &self,
        user_id: i64,
        playlist_id: i64,
        name: Option<String>,
        overwrite: bool,
    ) -> Result<(), ServiceError> {
        let link = self.link_of(user_id, playlist_id).await?;
        if link.source() == Some(Source::Navidrome) {
            // It is in Navidrome already: a push would make a second copy there.
            return Err(ServiceError::FailedPrecondition(
                "this playlist comes from Navidrome and is already there; duplicate it as \
                 local to push an edited copy"
                    .into(),
            ));
        }
        let account = self.account(user_id).await?;
        let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 1024) {
            return Err(ServiceError::InvalidArgument(
                "a playlist name has at most 1024 characters".into(),
            ));
        }
        // A conflict is no error: nothing was written, and the playlist's state
        // (changed_in_navidrome) says so to the caller.
        match self
            .push_link(&account, user_id, &link, name, overwrite, true)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(self.failed(user_id, playlist_id, e).await),
        }
    }

    /// Navidrome's songs become the playlist's entries; an imported playlist becomes
    /// local (it stops following its source).
    pub async fn take_navidrome_version(
        &self,
        user_id: i64,
        playlist_id: i64,
    ) -> Result<(), ServiceError> {
        let link = self.link_of(user_id, playlist_id).await?;
        let nav_id = link.nav_id.clone().ok_or_else(|| {
            ServiceError::FailedPrecondition("the playlist is not pushed to Navidrome".into())
        })?;
        let account = self.account(user_id).await?;
        let read = account.nav().playlist(&nav_id).await;
        let (theirs, songs) = match read {
            Ok(Some(found)) => found,
            Ok(None) => {
                self.store
                    .set_nav_state(user_id, playlist_id, nav_state::MISSING, None)
                    .await?;
                return Err(ServiceError::FailedPrecondition(
                    "the playlist no longer exists in Navidrome".into(),
                ));
            }
            Err(e) => return Err(self.failed(user_id, playlist_id, e).await),
        };
        let entries: Vec<NewEntry> = songs
            .iter()
            .map(|s| NewEntry {
                artist: s.artist.clone(),
                title: s.title.clone(),
                album: Some(s.album.clone()).filter(|a| !a.is_empty()),
                duration_ms: s.duration_ms,
                isrc: s.isrc.clone(),
                mbid: s.mbid.clone(),
                source_ref: Some(SourceRef::Song(s.id.clone())),
            })
            .collect();
        if !link.source().is_some_and(Source::editable) {
            self.store.make_local(user_id, playlist_id).await?;
        }
        self.store
            .replace_entries(user_id, playlist_id, &entries)
            .await?;
        self.matcher.match_playlist(user_id, playlist_id).await?;
        let ids: Vec<String> = songs.into_iter().map(|s| s.id).collect();
        self.store
            .set_nav_pushed(
                user_id,
                playlist_id,
                &nav_id,
                &theirs.name,
                theirs.changed.as_deref(),
                &songs_hash(&ids),
            )
            .await?;
        Ok(())
    }

    /// The user's own Navidrome playlists, with the spotter playlist linked to each.
    pub async fn list_navidrome_playlists(
        &self,
        user_id: i64,
    ) -> Result<Vec<NavidromePlaylist>, ServiceError> {
        let account = self.account(user_id).await?;
        let playlists = account.nav().playlists().await.map_err(service_error)?;
        let linked = self.store.navidrome_targets(user_id).await?;
        Ok(playlists
            .into_iter()
            .filter(|p| p.owner.as_deref().is_none_or(|o| o == account.username))
            .map(|p| NavidromePlaylist {
                changed: p.changed_secs(),
                linked_playlist_id: linked.get(&p.id).copied(),
                id: p.id,
                name: p.name,
                song_count: p.song_count,
            })
            .collect())
    }

    /// Makes an existing Navidrome playlist the target, and pushes into it.
    pub async fn link(
        &self,
        user_id: i64,
        playlist_id: i64,
        navidrome_id: &str,
    ) -> Result<(), ServiceError> {
        let navidrome_id = navidrome_id.trim();
        if navidrome_id.is_empty() || navidrome_id.len() > 255 {
            return Err(ServiceError::InvalidArgument(
                "a Navidrome playlist id is 1 to 255 bytes".into(),
            ));
        }
        self.link_of(user_id, playlist_id).await?;
        let account = self.account(user_id).await?;
        let theirs = match account.nav().playlist(navidrome_id).await {
            Ok(Some((p, _))) => p,
            Ok(None) => return Err(ServiceError::NotFound),
            Err(e) => return Err(service_error(e)),
        };
        if theirs
            .owner
            .as_deref()
            .is_some_and(|o| o != account.username)
        {
            return Err(ServiceError::PermissionDenied(
                "that Navidrome playlist belongs to another user".into(),
            ));
        }
        match self
            .store
            .set_nav_target(user_id, playlist_id, navidrome_id, &theirs.name)
            .await
        {
            Err(StoreError::Conflict) => {
                return Err(ServiceError::AlreadyExists(
                    "another playlist is already linked to that Navidrome playlist".into(),
                ));
            }
            other => other?,
        }
        let link = self.link_of(user_id, playlist_id).await?;
        match self
            .push_link(&account, user_id, &link, None, true, true)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => Err(self.failed(user_id, playlist_id, e).await),
        }
    }

    /// Forgets the Navidrome target; with `delete_from_navidrome`, deletes it there.
    pub async fn unsync(
        &self,
        user_id: i64,
        playlist_id: i64,
        delete_from_navidrome: bool,
    ) -> Result<(), ServiceError> {
        let link = self.link_of(user_id, playlist_id).await?;
        if delete_from_navidrome && let Some(nav_id) = &link.nav_id {
            let account = self.account(user_id).await?;
            account
                .nav()
                .delete_playlist(nav_id)
                .await
                .map_err(service_error)?;
        }
        self.store.clear_nav(user_id, playlist_id).await?;
        Ok(())
    }

    /// Pushes every pushed playlist whose songs or name changed here, and notices the
    /// ones changed or deleted in Navidrome. Playlists waiting for the user's choice
    /// (`changed_in_navidrome`, `missing`) are left alone.
    pub async fn sync_pushed(&self, user_id: i64) -> Result<PushReport, ProviderError> {
        let mut report = PushReport::default();
        let links = self.store.nav_links(user_id).await?;
        let waiting = [nav_state::CHANGED_IN_NAVIDROME, nav_state::MISSING];
        let links: Vec<NavLink> = links
            .into_iter()
            .filter(|l| l.state == "active" && !waiting.contains(&l.nav_state.as_str()))
            .collect();
        if links.is_empty() {
            return Ok(report);
        }
        let account = self.provider_account(user_id).await?;
        let listed: HashMap<String, NavPlaylist> = account
            .nav()
            .playlists()
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        for link in links {
            let Some(nav_id) = link.nav_id.as_deref() else {
                continue;
            };
            let Some(theirs) = listed.get(nav_id) else {
                self.store
                    .set_nav_state(user_id, link.id, nav_state::MISSING, None)
                    .await?;
                report.missing += 1;
                continue;
            };
            let ours = songs_hash(&self.store.matched_song_ids(user_id, link.id).await?);
            let name = link.nav_name.as_deref().unwrap_or(&link.name);
            let same = link.nav_songs_hash.as_deref() == Some(ours.as_str())
                && theirs.name == name
                && theirs.changed == link.nav_changed
                && link.nav_state == nav_state::IN_SYNC
                && hash_count(link.nav_songs_hash.as_deref()) == Some(theirs.song_count);
            if same {
                report.unchanged += 1;
                continue;
            }
            match self
                .push_link(&account, user_id, &link, None, false, false)
                .await
            {
                Ok(Pushed::Done) => report.pushed += 1,
                Ok(Pushed::Conflict) => report.conflicts += 1,
                Ok(Pushed::Missing) => report.missing += 1,
                // The server refused us altogether: the job records it.
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    self.failed(user_id, link.id, e).await;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// One push of `link` (see the module docs). `recreate`: a target deleted in
    /// Navidrome is created again (an explicit push) rather than marked missing.
    async fn push_link(
        &self,
        account: &Account,
        user_id: i64,
        link: &NavLink,
        name: Option<String>,
        overwrite: bool,
        recreate: bool,
    ) -> Result<Pushed, ProviderError> {
        let nav = account.nav();
        let songs = self.store.matched_song_ids(user_id, link.id).await?;
        let name = name
            .or_else(|| link.nav_name.clone())
            .unwrap_or_else(|| link.name.clone());
        let comment = comment_for(link);
        let target = match link.nav_id.as_deref() {
            None => None,
            Some(nav_id) => match nav.playlist(nav_id).await? {
                None if recreate => None,
                None => {
                    self.store
                        .set_nav_state(user_id, link.id, nav_state::MISSING, None)
                        .await?;
                    return Ok(Pushed::Missing);
                }
                Some((theirs, their_songs)) => {
                    let ids: Vec<String> = their_songs.into_iter().map(|s| s.id).collect();
                    let changed_there = link.nav_songs_hash.is_some()
                        && (link.nav_songs_hash.as_deref() != Some(songs_hash(&ids).as_str())
                            || link.nav_changed != theirs.changed);
                    if changed_there && !overwrite {
                        self.store
                            .set_nav_state(user_id, link.id, nav_state::CHANGED_IN_NAVIDROME, None)
                            .await?;
                        return Ok(Pushed::Conflict);
                    }
                    Some(nav_id.to_string())
                }
            },
        };
        let nav_id = match target {
            Some(id) => {
                nav.replace_playlist(&id, &name, &comment, &songs).await?;
                id
            }
            None => nav.create_playlist(&name, &comment, &songs).await?,
        };
        // What Navidrome holds now is what a later change there is compared with.
        let (theirs, their_songs) =
            nav.playlist(&nav_id)
                .await?
                .ok_or_else(|| ProviderError::Unavailable {
                    detail: "the pushed playlist cannot be read back".into(),
                })?;
        let ids: Vec<String> = their_songs.into_iter().map(|s| s.id).collect();
        match self
            .store
            .set_nav_pushed(
                user_id,
                link.id,
                &nav_id,
                &name,
                theirs.changed.as_deref(),
                &songs_hash(&ids),
            )
            .await
        {
            Ok(()) => Ok(Pushed::Done),
            Err(StoreError::Conflict) => Err(ProviderError::Refused {
                detail: "another playlist is already linked to that Navidrome playlist".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Records a failed push and says why, briefly.
    async fn failed(&self, user_id: i64, playlist_id: i64, e: ProviderError) -> ServiceError {
        let message = e.to_string();
        tracing::info!(user_id, playlist_id, error = %message, "navidrome push failed");
        if let Err(se) = self
            .store
            .set_nav_state(user_id, playlist_id, nav_state::FAILED, Some(&message))
            .await
        {
            tracing::warn!(error = %se, "cannot record a failed push");
        }
        service_error(e)
    }

    async fn link_of(&self, user_id: i64, playlist_id: i64) -> Result<NavLink, ServiceError> {
        self.store
            .nav_link(user_id, playlist_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn account(&self, user_id: i64) -> Result<Account, ServiceError> {
        self.provider_account(user_id).await.map_err(|e| match e {
            ProviderError::Unauthorized { .. } => ServiceError::FailedPrecondition(
                "Navidrome is not connected (or refused the stored password): reconnect it first"
                    .into(),
            ),
            e => service_error(e),
        })
    }

    async fn provider_account(&self, user_id: i64) -> Result<Account, ProviderError> {
        let client = self
            .connections
            .clients()
            .navidrome
            .as_ref()
            .map_err(|reason| ProviderError::Refused {
                detail: reason.clone(),
            })?
            .clone();
        let connection = self
            .store
            .connection(user_id, Provider::Navidrome)
            .await?
            .filter(|c| c.state == ConnectionState::Connected)
            .ok_or_else(|| ProviderError::Unauthorized {
                reason: "Navidrome is not connected".into(),
            })?;
        let password = self
            .connections
            .credential(user_id, Provider::Navidrome)
            .await?;
        Ok(Account {
            client,
            username: connection.external_user,
            password,
        })
    }
}

/// A provider failure in a push as the caller sees it (messages are safe to show).
fn service_error(e: ProviderError) -> ServiceError {
    match e {
        ProviderError::Unauthorized { .. } => ServiceError::FailedPrecondition(
            "Navidrome refused the stored password: reconnect it".into(),
        ),
        ProviderError::Invalid { detail } => ServiceError::InvalidArgument(detail),
        ProviderError::Refused { detail } => ServiceError::FailedPrecondition(detail),
        e => ServiceError::Unavailable(e.to_string()),
    }
}

/// "N:hex" over a song id list: the count, and a hash of the ids in order.
fn songs_hash(ids: &[String]) -> String {
    let mut sha = Sha256::new();
    for id in ids {
        sha.update(id.as_bytes());
        sha.update([0x1f]);
    }
    format!("{}:{}", ids.len(), hex::encode(&sha.finalize()[..16]))
}

/// The song count a [`songs_hash`] was made over.
fn hash_count(hash: Option<&str>) -> Option<u32> {
    hash?.split_once(':')?.0.parse().ok()
}

/// Where the playlist came from, for the Navidrome playlist's comment.
fn comment_for(link: &NavLink) -> String {
    let what = match link.source() {
        Some(Source::Spotify) => format!("Spotify playlist “{}”", link.name),
        Some(Source::ListenBrainz) => format!("ListenBrainz playlist “{}”", link.name),
        Some(Source::Navidrome) => format!("Navidrome playlist “{}”", link.name),
        Some(Source::File) => format!("imported playlist “{}”", link.name),
        _ => format!("playlist “{}”", link.name),
    };
    format!("{what}, synced by spotter")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn song_hashes_depend_on_order_and_carry_the_count() {
        let a = songs_hash(&["1".into(), "2".into()]);
        let b = songs_hash(&["2".into(), "1".into()]);
        assert_ne!(a, b);
        assert_eq!(hash_count(Some(&a)), Some(2));
        assert_eq!(hash_count(Some(&songs_hash(&[]))), Some(0));
        // Ids are separated: ["12"] is not ["1", "2"].
        assert_ne!(
            songs_hash(&["12".into()]),
            songs_hash(&["1".into(), "2".into()])
        );
    }
}
