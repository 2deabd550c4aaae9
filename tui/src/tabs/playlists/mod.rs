//! The Playlists tab: the user's playlists (source, entries, how many matched,
//! where they stand with Navidrome) and the entries of the selected one, paged;
//! push, link, unsync, resolve a conflict, import and export files, create,
//! rename, delete, duplicate as local, re-match; an edit mode for editable
//! playlists (add from a library search, remove, reorder) and a review screen
//! that walks the entries needing a look with their candidates.
//!
//! The update is here, the dialogs' keys in `dialogs.rs`, the drawing in
//! `view.rs`, the calls in `calls.rs`.

pub mod calls;
mod dialogs;
pub mod state;
pub mod view;

pub use state::{
    AddSongs, Call, Choice, Chooser, Decide, Dialog, Editor, Entries, Filter, Importing, Pane,
    PlaylistsTab, Prompt, Reply, Review,
};

use crossterm::event::KeyCode;
use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::{
    JobKind, Playlist, PlaylistEntry,
    event::{Kind, job_progress},
    navidrome_sync,
};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, KeyBinding, Out, Scope, Start, Tab, TabKey, View,
        command::{dialog_ch, key, tab_ch, tab_key},
        form::{FieldId, Form},
        rows::step,
    },
};

pub const TAB: Tab = Tab {
    title: "Playlists",
    short_title: "Lists",
    admin_only: false,
};

pub const OPEN: TabKey = TabKey {
    label: None,
    description: "move to the selected playlist's entries (Esc goes back)",
};
pub const PUSH: TabKey = TabKey {
    label: Some("push"),
    description: "push the selected playlist to Navidrome",
};
pub const LINK: TabKey = TabKey {
    label: Some("link"),
    description: "link the selected playlist to an existing Navidrome playlist",
};
pub const UNSYNC: TabKey = TabKey {
    label: None,
    description: "stop keeping the selected playlist in sync with Navidrome (asks first)",
};
pub const RESOLVE: TabKey = TabKey {
    label: None,
    description: "resolve a change made in Navidrome: overwrite it, or take its version",
};
pub const IMPORT: TabKey = TabKey {
    label: Some("import"),
    description: "import a playlist file (JSPF, M3U/M3U8, CSV)",
};
pub const EXPORT: TabKey = TabKey {
    label: None,
    description: "export the selected playlist to a file (JSPF, M3U8, CSV)",
};
pub const CREATE: TabKey = TabKey {
    label: Some("new"),
    description: "create an empty local playlist",
};
pub const RENAME: TabKey = TabKey {
    label: None,
    description: "rename the selected playlist",
};
pub const DELETE: TabKey = TabKey {
    label: None,
    description: "delete the selected playlist (asks first)",
};
pub const DUPLICATE: TabKey = TabKey {
    label: None,
    description: "duplicate the selected playlist as an editable local one",
};
pub const REMATCH: TabKey = TabKey {
    label: None,
    description: "match the selected playlist against the library again now",
};
pub const EDIT: TabKey = TabKey {
    label: Some("edit"),
    description: "edit the selected playlist: add from the library, remove, reorder",
};
pub const REVIEW: TabKey = TabKey {
    label: Some("review"),
    description: "review unmatched and doubtful entries with their candidates",
};

/// The edit mode's keys.
pub const EDITOR: Scope = Scope::Dialog {
    tab: TAB,
    dialog: "editor",
};
pub const ADD_SONG: TabKey = TabKey {
    label: Some("add"),
    description: "add a library song after the selected entry",
};
pub const REMOVE_ENTRY: TabKey = TabKey {
    label: Some("remove"),
    description: "remove the selected entry",
};
pub const MOVE_UP: TabKey = TabKey {
    label: Some("move up"),
    description: "move the selected entry up",
};
pub const MOVE_DOWN: TabKey = TabKey {
    label: Some("move down"),
    description: "move the selected entry down",
};

/// The review screen's keys.
pub const REVIEWER: Scope = Scope::Dialog {
    tab: TAB,
    dialog: "review",
};
pub const NOT_IN_LIBRARY: TabKey = TabKey {
    label: Some("not in library"),
    description: "mark the entry as not in my library",
};
pub const CLEAR_MATCH: TabKey = TabKey {
    label: Some("clear"),
    description: "forget the manual choice and match the entry again",
};
pub const SKIP: TabKey = TabKey {
    label: Some("skip"),
    description: "leave the entry as it is and go to the next",
};
pub const SWITCH_FILTER: TabKey = TabKey {
    label: Some("filter"),
    description: "switch between entries to review and unmatched entries",
};

/// The export formats, as typed in the export dialog.
pub const EXPORT_FORMATS: &str = "jspf, m3u8, csv";

/// The format named `text` (any case).
pub fn export_format(text: &str) -> Option<state::ExportFormat> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "jspf" | "json" => Some(state::ExportFormat::Jspf),
        "m3u8" | "m3u" => Some(state::ExportFormat::M3u8),
        "csv" => Some(state::ExportFormat::Csv),
        _ => None,
    }
}

pub fn name_form(current: &str) -> Form {
    let mut form = Form::new(vec![Form::plain(FieldId::Name, "Name")]);
    form.set_text(FieldId::Name, current);
    form
}

pub fn import_form() -> Form {
    Form::new(vec![
        Form::plain(FieldId::Path, "File"),
        Form::plain(FieldId::Name, "Name (optional)"),
    ])
}

pub fn export_form(name: &str) -> Form {
    let mut form = Form::new(vec![
        Form::plain(FieldId::Path, "File"),
        Form::plain(FieldId::Format, "Format"),
    ]);
    form.set_text(FieldId::Path, &format!("{}.jspf", file_stem(name)));
    form.set_text(FieldId::Format, "jspf");
    form
}

/// A playlist name as a file name: path separators and control characters out.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = stem.trim().trim_start_matches('.');
    if stem.is_empty() {
        "playlist".into()
    } else {
        stem.to_owned()
    }
}

pub fn search_form() -> Form {
    Form::new(vec![Form::plain(FieldId::Query, "Search")])
}

/// Where a playlist stands with Navidrome, in words.
pub fn sync_state(playlist: &Playlist) -> &'static str {
    use navidrome_sync::State;
    let state = playlist
        .navidrome
        .as_ref()
        .map_or(State::NotPushed, |n| n.state());
    match state {
        State::Unspecified | State::NotPushed => "not pushed",
        State::InSync => "in sync",
        State::Pending => "pending",
        State::ChangedInNavidrome => "changed in Navidrome",
        State::Missing => "missing",
        State::Failed => "failed",
    }
}

pub fn navidrome_state(playlist: &Playlist) -> navidrome_sync::State {
    playlist
        .navidrome
        .as_ref()
        .map_or(navidrome_sync::State::NotPushed, |n| n.state())
}

/// Pushed (or linked) at some point: there is a Navidrome playlist to keep or
/// delete.
pub fn is_pushed(playlist: &Playlist) -> bool {
    !matches!(
        navidrome_state(playlist),
        navidrome_sync::State::NotPushed | navidrome_sync::State::Unspecified
    ) || playlist
        .navidrome
        .as_ref()
        .is_some_and(|n| !n.playlist_id.is_empty())
}

impl PlaylistsTab {
    pub fn selected(&self) -> Option<&Playlist> {
        self.rows.selected_item()
    }

    /// Loads the selected playlist's entries when they are not the ones shown.
    fn follow_selection(&mut self, cx: &mut Cx<Self>) {
        match self.selected().map(|p| p.id) {
            Some(id) if id != self.entries.id => {
                self.entries = Entries {
                    id,
                    ..Entries::default()
                };
                cx.call(Call::Entries { id, offset: 0 });
            }
            Some(_) => {}
            None => self.entries = Entries::default(),
        }
    }

    fn reload_entries(&mut self, cx: &mut Cx<Self>) {
        if self.entries.id != 0 {
            cx.call(Call::Entries {
                id: self.entries.id,
                offset: 0,
            });
        }
    }

    fn replace_row(&mut self, playlist: Playlist) {
        if let Some(row) = self.rows.items.iter_mut().find(|p| p.id == playlist.id) {
            *row = playlist;
        }
    }

    /// After a reload of the list, select `id`.
    fn select_after_reload(&mut self, id: i64, cx: &mut Cx<Self>) {
        self.select = Some(id);
        cx.call(Call::List);
    }

    fn entries_loaded(
        &mut self,
        playlist: Playlist,
        offset: u32,
        entries: Vec<PlaylistEntry>,
        total: u32,
        cx: &mut Cx<Self>,
    ) {
        let id = playlist.id;
        let next = next_offset(offset, entries.len(), total);
        if let Some(
            Dialog::Editor(editor) | Dialog::AddSongs(AddSongs { editor, .. }),
        ) = cx.dialog.as_mut()
            && editor.id == id
        {
            place_page(&mut editor.rows, offset, entries.clone(), next);
            editor.total = total;
            editor.name.clone_from(&playlist.name);
        }
        self.replace_row(playlist);
        if id == self.entries.id {
            place_page(&mut self.entries.rows, offset, entries, next);
            self.entries.total = total;
        }
    }

    fn on_tab_key(&mut self, key: TabKey, cx: &mut Cx<Self>) {
        if key == IMPORT {
            cx.dialog = Some(Dialog::Prompt {
                prompt: Prompt::Import,
                form: import_form(),
            });
            return;
        }
        if key == CREATE {
            cx.dialog = Some(Dialog::Prompt {
                prompt: Prompt::Create,
                form: name_form(""),
            });
            return;
        }
        let Some(playlist) = self.selected().cloned() else {
            return;
        };
        let (id, name) = (playlist.id, playlist.name.clone());
        match key {
            OPEN if !self.entries.rows.items.is_empty() => self.pane = Pane::Entries,
            PUSH => cx.call(Call::Push {
                id,
                overwrite: false,
            }),
            LINK => cx.call(Call::NavidromePlaylists { id }),
            UNSYNC if !is_pushed(&playlist) => {
                cx.info(format!("\"{name}\" is not in Navidrome."));
            }
            UNSYNC => {
                cx.dialog = Some(Dialog::Chooser(Chooser {
                    title: format!(" Stop syncing \"{name}\"? "),
                    decide: Decide::Unsync { id },
                    options: vec![
                        "Stop syncing, keep it in Navidrome".into(),
                        "Stop syncing and also delete it in Navidrome".into(),
                    ],
                    selected: 0,
                }));
            }
            RESOLVE
                if navidrome_state(&playlist) != navidrome_sync::State::ChangedInNavidrome =>
            {
                cx.info(format!("\"{name}\" has no change in Navidrome to resolve."));
            }
            RESOLVE => {
                cx.dialog = Some(Dialog::Chooser(Chooser {
                    title: format!(" \"{name}\" was changed in Navidrome "),
                    decide: Decide::Conflict { id },
                    options: vec![
                        "Overwrite Navidrome's version with this playlist".into(),
                        "Take Navidrome's version into this playlist".into(),
                    ],
                    selected: 0,
                }));
            }
            EXPORT => {
                cx.dialog = Some(Dialog::Prompt {
                    prompt: Prompt::Export { id },
                    form: export_form(&name),
                });
            }
            RENAME => {
                cx.dialog = Some(Dialog::Prompt {
                    prompt: Prompt::Rename { id },
                    form: name_form(&name),
                });
            }
            DELETE if is_pushed(&playlist) => {
                cx.dialog = Some(Dialog::Chooser(Chooser {
                    title: format!(" Delete \"{name}\"? "),
                    decide: Decide::Delete {
                        id,
                        name: name.clone(),
                    },
                    options: vec![
                        "Delete it here, keep it in Navidrome".into(),
                        "Delete it here and in Navidrome".into(),
                    ],
                    selected: 0,
                }));
            }
            DELETE => cx.confirm(
                format!("Delete the playlist \"{name}\"?"),
                if playlist.editable {
                    "Its entries and manual choices are deleted. This cannot be undone."
                } else {
                    "It is hidden and not imported from its source again."
                },
                Out::Call(Call::Delete {
                    id,
                    name,
                    delete_from_navidrome: false,
                }),
            ),
            DUPLICATE => cx.call(Call::Duplicate { id }),
            REMATCH => cx.call(Call::Rematch { id }),
            EDIT if !playlist.editable => cx.info(format!(
                "\"{name}\" follows its source: D duplicates it as a local playlist to edit."
            )),
            EDIT => {
                let rows = if self.entries.id == id {
                    self.entries.rows.clone()
                } else {
                    Default::default()
                };
                cx.dialog = Some(Dialog::Editor(Editor {
                    id,
                    name,
                    rows,
                    total: self.entries.total,
                }));
                cx.call(Call::Entries { id, offset: 0 });
            }
            REVIEW => {
                cx.dialog = Some(Dialog::Review(Review {
                    id,
                    name,
                    filter: Filter::Review,
                    offset: 0,
                    total: 0,
                    entry: None,
                    candidates: Vec::new(),
                    selected: 0,
                    loading: true,
                    decided: None,
                }));
                cx.call(Call::ReviewAt {
                    id,
                    filter: Filter::Review,
                    offset: 0,
                });
            }
            _ => {}
        }
    }
}

/// Where the page after one at `offset` with `len` entries starts (0: none).
pub fn next_offset(offset: u32, len: usize, total: u32) -> i64 {
    let end = u64::from(offset) + len as u64;
    if len == 0 || end >= u64::from(total) {
        0
    } else {
        end as i64
    }
}

fn place_page(
    rows: &mut crate::component::rows::Rows<PlaylistEntry>,
    offset: u32,
    entries: Vec<PlaylistEntry>,
    next: i64,
) {
    if offset == 0 {
        rows.replace(entries, next);
    } else if i64::from(offset) == rows.next {
        rows.append(entries, next);
    }
}

impl Component for PlaylistsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Dialog;

    const TAB: Tab = TAB;
    const KEYS: &'static [KeyBinding] = &[
        tab_key(TAB, KeyCode::Enter, OPEN),
        tab_ch(TAB, 'e', EDIT),
        tab_ch(TAB, 'v', REVIEW),
        tab_ch(TAB, 'p', PUSH),
        tab_ch(TAB, 'l', LINK),
        tab_ch(TAB, 'u', UNSYNC),
        tab_ch(TAB, 'c', RESOLVE),
        tab_ch(TAB, 'i', IMPORT),
        tab_ch(TAB, 'x', EXPORT),
        tab_ch(TAB, 'n', CREATE),
        tab_ch(TAB, 'r', RENAME),
        tab_ch(TAB, 'd', DELETE),
        tab_key(TAB, KeyCode::Delete, DELETE),
        tab_ch(TAB, 'D', DUPLICATE),
        tab_ch(TAB, 'm', REMATCH),
    ];
    const DIALOG_KEYS: &'static [KeyBinding] = &[
        dialog_ch(EDITOR, 'a', ADD_SONG),
        dialog_ch(EDITOR, 'd', REMOVE_ENTRY),
        key(EDITOR, KeyCode::Delete, Command::Tab(REMOVE_ENTRY)),
        dialog_ch(EDITOR, 'K', MOVE_UP),
        dialog_ch(EDITOR, 'J', MOVE_DOWN),
        dialog_ch(REVIEWER, 'n', NOT_IN_LIBRARY),
        dialog_ch(REVIEWER, 'c', CLEAR_MATCH),
        dialog_ch(REVIEWER, 's', SKIP),
        dialog_ch(REVIEWER, 'f', SWITCH_FILTER),
    ];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        PlaylistsTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::List);
        self.reload_entries(cx);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            match self.pane {
                Pane::Playlists => {
                    self.rows.move_by(step);
                    self.follow_selection(cx);
                }
                Pane::Entries => {
                    if self.entries.rows.move_by(step) {
                        cx.call(Call::Entries {
                            id: self.entries.id,
                            offset: u32::try_from(self.entries.rows.next).unwrap_or(0),
                        });
                    }
                }
            }
            return;
        }
        if let Command::Tab(key) = command {
            self.on_tab_key(key, cx);
        }
    }

    fn back(&mut self) -> bool {
        if self.pane == Pane::Entries {
            self.pane = Pane::Playlists;
            return true;
        }
        false
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Playlists(playlists) => {
                self.rows.replace(playlists, 0);
                if let Some(id) = self.select.take()
                    && let Some(i) = self.rows.items.iter().position(|p| p.id == id)
                {
                    self.rows.selected = i;
                }
                if self.rows.items.is_empty() {
                    self.pane = Pane::Playlists;
                }
                self.follow_selection(cx);
            }
            Reply::Entries {
                playlist,
                offset,
                entries,
                total,
            } => self.entries_loaded(playlist, offset, entries, total, cx),
            Reply::Created(p) => {
                if matches!(cx.dialog, Some(Dialog::Prompt { .. })) {
                    cx.dialog = None;
                }
                cx.info(format!("Created \"{}\".", p.name));
                self.select_after_reload(p.id, cx);
            }
            Reply::Renamed(p) => {
                if matches!(cx.dialog, Some(Dialog::Prompt { .. })) {
                    cx.dialog = None;
                }
                cx.info(format!("Renamed to \"{}\".", p.name));
                self.replace_row(p);
            }
            Reply::Deleted { id, name } => {
                cx.info(format!("Deleted \"{name}\"."));
                if self.entries.id == id {
                    self.entries = Entries::default();
                }
                self.pane = Pane::Playlists;
                cx.call(Call::List);
            }
            Reply::Duplicated(p) => {
                cx.info(format!("Duplicated as \"{}\" (editable).", p.name));
                self.select_after_reload(p.id, cx);
            }
            Reply::Rematched(r) => {
                cx.info(format!(
                    "Matched again: {} of {} entries have a song, {} changed.",
                    r.matched, r.entries, r.changed
                ));
                self.reload(cx);
            }
            Reply::Pushed(p) => {
                let name = p.name.clone();
                match navidrome_state(&p) {
                    navidrome_sync::State::ChangedInNavidrome => cx.error(format!(
                        "\"{name}\" was changed in Navidrome since the last push: nothing \
                         was written (c resolves it)."
                    )),
                    navidrome_sync::State::Failed => cx.error(format!(
                        "Could not push \"{name}\": {}",
                        p.navidrome.as_ref().map_or("", |n| n.error.as_str())
                    )),
                    _ => cx.info(format!("Pushed \"{name}\" to Navidrome.")),
                }
                self.replace_row(p);
            }
            Reply::TookNavidromeVersion(p) => {
                cx.info(format!("\"{}\" now holds Navidrome's version.", p.name));
                self.replace_row(p);
                self.reload_entries(cx);
            }
            Reply::NavidromePlaylists { id, playlists } => {
                if playlists.is_empty() {
                    cx.info("There are no playlists in Navidrome to link to.");
                    return;
                }
                let name = self
                    .rows
                    .items
                    .iter()
                    .find(|p| p.id == id)
                    .map_or_else(String::new, |p| p.name.clone());
                cx.dialog = Some(Dialog::Chooser(Chooser {
                    title: format!(" Link \"{name}\" to "),
                    decide: Decide::Link {
                        id,
                        navidrome_ids: playlists.iter().map(|p| p.id.clone()).collect(),
                    },
                    options: playlists
                        .iter()
                        .map(|p| {
                            let linked = if p.linked_playlist_id != 0 {
                                " · linked"
                            } else {
                                ""
                            };
                            format!("{} ({} songs){linked}", p.name, p.song_count)
                        })
                        .collect(),
                    selected: 0,
                }));
            }
            Reply::Linked(p) => {
                cx.info(format!("Linked \"{}\" to its Navidrome playlist.", p.name));
                self.replace_row(p);
            }
            Reply::Unsynced(p) => {
                cx.info(format!("\"{}\" is no longer kept in Navidrome.", p.name));
                self.replace_row(p);
            }
            Reply::Imported(progress) => {
                let id = progress.playlist_id;
                match cx.dialog.as_mut() {
                    Some(Dialog::Importing(importing)) => importing.done = Some(progress),
                    _ => cx.info(format!(
                        "Imported {} entries, {} matched.",
                        progress.entries, progress.matched
                    )),
                }
                self.select_after_reload(id, cx);
            }
            Reply::Exported { path, bytes } => {
                cx.info(format!("Exported to {path} ({bytes} bytes)."));
            }
            other => dialogs::on_dialog_reply(self, other, cx),
        }
    }

    fn on_failure(&mut self, call: Call, error: &CallError, cx: &mut Cx<Self>) {
        let text = error.text();
        match (&call, &mut cx.dialog) {
            (Call::Create { .. } | Call::Rename { .. }, Some(Dialog::Prompt { form, .. })) => {
                form.busy = false;
                form.error = Some(text);
            }
            (Call::Import { .. }, Some(Dialog::Importing(importing))) => {
                importing.error = Some(text);
            }
            (Call::ReviewAt { .. } | Call::SetMatch { .. } | Call::ClearMatch { .. }, Some(Dialog::Review(review))) => {
                review.loading = false;
                cx.error(format!("{}: {text}", Self::failure(&call)));
            }
            _ => cx.error(format!("{}: {text}", Self::failure(&call))),
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::List => "Could not load the playlists".into(),
            Call::Entries { .. } => "Could not load the entries".into(),
            Call::Create { name } => format!("Could not create \"{name}\""),
            Call::Rename { .. } => "Could not rename the playlist".into(),
            Call::Delete { name, .. } => format!("Could not delete \"{name}\""),
            Call::Duplicate { .. } => "Could not duplicate the playlist".into(),
            Call::Rematch { .. } => "Could not match the playlist".into(),
            Call::Push { .. } => "Could not push the playlist".into(),
            Call::TakeNavidromeVersion { .. } => "Could not take Navidrome's version".into(),
            Call::NavidromePlaylists { .. } => "Could not list Navidrome's playlists".into(),
            Call::Link { .. } => "Could not link the playlist".into(),
            Call::Unsync { .. } => "Could not stop syncing the playlist".into(),
            Call::Import { .. } => "Could not import the file".into(),
            Call::Export { .. } => "Could not export the playlist".into(),
            Call::Search { .. } => "Could not search the library".into(),
            Call::Add { .. } => "Could not add the song".into(),
            Call::Remove { .. } => "Could not remove the entry".into(),
            Call::Move { .. } => "Could not move the entry".into(),
            Call::ReviewAt { .. } => "Could not load the entry to review".into(),
            Call::SetMatch { .. } => "Could not set the match".into(),
            Call::ClearMatch { .. } => "Could not clear the match".into(),
        }
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        match call {
            Call::List => self.rows.loading = loading,
            Call::Entries { id, .. } if *id == self.entries.id => {
                self.entries.rows.loading = loading;
            }
            _ => {}
        }
    }

    /// A finished playlist sync changed what the tab shows.
    fn on_event(&mut self, event: &Kind, _at: i64, cx: &mut Cx<Self>) {
        if let Kind::JobProgress(progress) = event
            && progress.job_kind() == JobKind::PlaylistSync
            && progress.state() == job_progress::State::Succeeded
            && cx.shown
            && cx.nothing_open()
        {
            self.reload(cx);
        }
    }

    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        calls::run(client, auth, call)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, self, view);
    }

    fn dialog_scopes(dialog: &Dialog) -> Vec<Scope> {
        match dialog {
            Dialog::Prompt { .. } | Dialog::AddSongs(_) => vec![Scope::Form],
            Dialog::Chooser(_) => vec![Scope::Chooser],
            Dialog::Importing(_) => vec![Scope::Import],
            Dialog::Review(_) => vec![REVIEWER, Scope::Chooser],
            Dialog::Editor(_) => vec![EDITOR, Scope::Chooser],
        }
    }

    fn dialog_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        dialogs::command(self, command, cx);
    }

    fn dialog_input(&mut self, c: char, cx: &mut Cx<Self>) {
        match &mut cx.dialog {
            Some(Dialog::Prompt { form, .. } | Dialog::AddSongs(AddSongs { form, .. }))
                if !form.busy =>
            {
                form.type_char(c);
            }
            _ => {}
        }
    }

    fn draw_dialog(dialog: &Dialog, frame: &mut Frame, area: Rect, view: &View) {
        view::draw_dialog(frame, area, dialog, view.theme);
    }
}

#[cfg(test)]
mod tests;
