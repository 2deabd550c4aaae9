//! The Playlists tab's dialogs at work: their keys (prompts, choosers, the edit
//! mode, the library search, the review screen) and the replies that fill them.

use super::{
    ADD_SONG, CLEAR_MATCH, MOVE_DOWN, MOVE_UP, NOT_IN_LIBRARY, PlaylistsTab, REMOVE_ENTRY, SKIP,
    SWITCH_FILTER, export_format, search_form,
    state::{AddSongs, Call, Choice, Chooser, Decide, Dialog, Editor, Filter, Importing, Prompt, Reply, Review},
};
use crate::component::{Command, Component as _, Cx, form::FieldId, rows::step};

pub(super) fn command(tab: &mut PlaylistsTab, command: Command, cx: &mut Cx<PlaylistsTab>) {
    let Some(dialog) = cx.dialog.take() else {
        return;
    };
    cx.dialog = match dialog {
        Dialog::Prompt { prompt, form } => prompt_command(prompt, form, command, cx),
        Dialog::Chooser(chooser) => chooser_command(chooser, command, cx),
        Dialog::Importing(importing) => match command {
            Command::Submit | Command::Back => None,
            _ => Some(Dialog::Importing(importing)),
        },
        Dialog::Editor(editor) => editor_command(tab, editor, command, cx),
        Dialog::AddSongs(add) => add_command(add, command, cx),
        Dialog::Review(review) => review_command(tab, review, command, cx),
    };
}

fn prompt_command(
    prompt: Prompt,
    mut form: crate::component::form::Form,
    command: Command,
    cx: &mut Cx<PlaylistsTab>,
) -> Option<Dialog> {
    match command {
        Command::Back => return None,
        Command::NextField => form.move_focus(true),
        Command::PrevField => form.move_focus(false),
        Command::DeleteChar => form.delete_char(),
        Command::Submit if !form.busy => {
            form.error = None;
            match prompt {
                Prompt::Create | Prompt::Rename { .. } => {
                    let name = form.text(FieldId::Name).trim().to_owned();
                    if name.is_empty() {
                        form.error = Some("Enter a name.".into());
                    } else {
                        form.busy = true;
                        cx.call(match prompt {
                            Prompt::Rename { id } => Call::Rename { id, name },
                            _ => Call::Create { name },
                        });
                    }
                }
                Prompt::Import => {
                    let path = form.text(FieldId::Path).trim().to_owned();
                    if path.is_empty() {
                        form.error = Some("Enter the file to import.".into());
                    } else {
                        let name = form.text(FieldId::Name).trim().to_owned();
                        cx.call(Call::Import {
                            path: path.clone(),
                            name,
                        });
                        return Some(Dialog::Importing(Importing {
                            path,
                            done: None,
                            error: None,
                        }));
                    }
                }
                Prompt::Export { id } => {
                    let path = form.text(FieldId::Path).trim().to_owned();
                    match export_format(&form.text(FieldId::Format)) {
                        _ if path.is_empty() => form.error = Some("Enter a file.".into()),
                        None => {
                            form.error =
                                Some(format!("The format is one of {}.", super::EXPORT_FORMATS));
                        }
                        Some(format) => {
                            cx.call(Call::Export { id, format, path });
                            return None;
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Some(Dialog::Prompt { prompt, form })
}

fn chooser_command(
    mut chooser: Chooser,
    command: Command,
    cx: &mut Cx<PlaylistsTab>,
) -> Option<Dialog> {
    match command {
        Command::Back => return None,
        Command::Up => chooser.selected = chooser.selected.saturating_sub(1),
        Command::Down => {
            chooser.selected = (chooser.selected + 1).min(chooser.options.len().saturating_sub(1));
        }
        Command::Submit => {
            let second = chooser.selected == 1;
            cx.call(match chooser.decide {
                Decide::Link { id, navidrome_ids } => match navidrome_ids.get(chooser.selected) {
                    Some(navidrome_id) => Call::Link {
                        id,
                        navidrome_id: navidrome_id.clone(),
                    },
                    None => return None,
                },
                Decide::Conflict { id } if second => Call::TakeNavidromeVersion { id },
                Decide::Conflict { id } => Call::Push {
                    id,
                    overwrite: true,
                },
                Decide::Unsync { id } => Call::Unsync {
                    id,
                    delete_from_navidrome: second,
                },
                Decide::Delete { id, name } => Call::Delete {
                    id,
                    name,
                    delete_from_navidrome: second,
                },
            });
            return None;
        }
        _ => {}
    }
    Some(Dialog::Chooser(chooser))
}

fn editor_command(
    tab: &mut PlaylistsTab,
    mut editor: Editor,
    command: Command,
    cx: &mut Cx<PlaylistsTab>,
) -> Option<Dialog> {
    let id = editor.id;
    if let Some(step) = step(command) {
        if editor.rows.move_by(step) {
            cx.call(Call::Entries {
                id,
                offset: u32::try_from(editor.rows.next).unwrap_or(0),
            });
        }
        return Some(Dialog::Editor(editor));
    }
    let selected = editor.rows.selected_item().cloned();
    match command {
        Command::Back => {
            // What the list shows (counts, sync state) may have changed.
            tab.reload(cx);
            return None;
        }
        Command::Tab(ADD_SONG) => {
            return Some(Dialog::AddSongs(AddSongs {
                editor,
                form: search_form(),
                searched: None,
                results: Vec::new(),
                selected: 0,
            }));
        }
        Command::Tab(REMOVE_ENTRY) => {
            if let Some(entry) = selected {
                cx.call(Call::Remove {
                    id,
                    entry_id: entry.id,
                });
            }
        }
        Command::Tab(key @ (MOVE_UP | MOVE_DOWN)) => {
            let up = key == MOVE_UP;
            let last = editor.total.saturating_sub(1);
            if let Some(entry) = selected {
                let to = if up {
                    entry.position.checked_sub(1)
                } else {
                    (entry.position < last).then_some(entry.position + 1)
                };
                if let Some(to) = to {
                    editor.rows.move_by(if up { -1 } else { 1 });
                    cx.call(Call::Move {
                        id,
                        entry_id: entry.id,
                        to,
                    });
                }
            }
        }
        _ => {}
    }
    Some(Dialog::Editor(editor))
}

fn add_command(mut add: AddSongs, command: Command, cx: &mut Cx<PlaylistsTab>) -> Option<Dialog> {
    match command {
        Command::Back => {
            cx.call(Call::Entries {
                id: add.editor.id,
                offset: 0,
            });
            return Some(Dialog::Editor(add.editor));
        }
        Command::DeleteChar => add.form.delete_char(),
        Command::PrevField | Command::Up => add.selected = add.selected.saturating_sub(1),
        Command::NextField | Command::Down => {
            add.selected = (add.selected + 1).min(add.results.len().saturating_sub(1));
        }
        Command::Submit => {
            let query = add.form.text(FieldId::Query).trim().to_owned();
            if add.searched.as_deref() != Some(query.as_str()) {
                if !query.is_empty() {
                    add.searched = Some(query.clone());
                    add.form.busy = true;
                    cx.call(Call::Search { query });
                }
            } else if let Some(song) = add.results.get(add.selected) {
                // After the entry selected in the editor, or at the end.
                let position = add.editor.rows.selected_item().map(|e| e.position + 1);
                cx.call(Call::Add {
                    id: add.editor.id,
                    song_id: song.id.clone(),
                    position,
                });
            }
        }
        _ => {}
    }
    Some(Dialog::AddSongs(add))
}

fn review_command(
    tab: &mut PlaylistsTab,
    mut review: Review,
    command: Command,
    cx: &mut Cx<PlaylistsTab>,
) -> Option<Dialog> {
    let (playlist_id, entry_id) = (review.id, review.entry.as_ref().map(|e| e.id));
    match command {
        Command::Back => {
            tab.reload(cx);
            return None;
        }
        Command::Up => review.selected = review.selected.saturating_sub(1),
        Command::Down => {
            review.selected = (review.selected + 1).min(review.candidates.len().saturating_sub(1));
        }
        // Decisions wait for the entry on screen to be the one the daemon has.
        Command::Submit | Command::Tab(NOT_IN_LIBRARY | CLEAR_MATCH) if review.loading => {}
        Command::Submit => {
            let song_id = review
                .candidates
                .get(review.selected)
                .and_then(|c| c.song.as_ref())
                .map(|s| s.id.clone());
            if let (Some(entry_id), Some(song_id)) = (entry_id, song_id) {
                decide(&mut review, entry_id);
                cx.call(Call::SetMatch {
                    playlist_id,
                    entry_id,
                    choice: Choice::Song(song_id),
                });
            }
        }
        Command::Tab(NOT_IN_LIBRARY) => {
            if let Some(entry_id) = entry_id {
                decide(&mut review, entry_id);
                cx.call(Call::SetMatch {
                    playlist_id,
                    entry_id,
                    choice: Choice::NotInLibrary,
                });
            }
        }
        Command::Tab(CLEAR_MATCH) => {
            if let Some(entry_id) = entry_id {
                decide(&mut review, entry_id);
                cx.call(Call::ClearMatch {
                    playlist_id,
                    entry_id,
                });
            }
        }
        Command::Tab(SKIP) => {
            review.offset += 1;
            fetch(&mut review, cx);
        }
        Command::Tab(SWITCH_FILTER) => {
            review.filter = match review.filter {
                Filter::Review => Filter::Unmatched,
                _ => Filter::Review,
            };
            review.offset = 0;
            fetch(&mut review, cx);
        }
        _ => {}
    }
    Some(Dialog::Review(review))
}

fn decide(review: &mut Review, entry_id: i64) {
    review.decided = Some(entry_id);
    review.loading = true;
}

fn fetch(review: &mut Review, cx: &mut Cx<PlaylistsTab>) {
    review.loading = true;
    cx.call(Call::ReviewAt {
        id: review.id,
        filter: review.filter,
        offset: review.offset,
    });
}

/// The replies that fill a dialog (or the list, when it was closed meanwhile).
pub(super) fn on_dialog_reply(tab: &mut PlaylistsTab, reply: Reply, cx: &mut Cx<PlaylistsTab>) {
    match reply {
        Reply::Found { query, songs } => {
            if let Some(Dialog::AddSongs(add)) = cx.dialog.as_mut()
                && add.searched.as_deref() == Some(query.as_str())
            {
                add.form.busy = false;
                add.form.error = songs
                    .is_empty()
                    .then(|| format!("No song of your library matches \"{query}\"."));
                add.results = songs;
                add.selected = 0;
            }
        }
        Reply::Edited(playlist) => {
            let id = playlist.id;
            if let Some(Dialog::AddSongs(add)) = cx.dialog.as_ref()
                && let Some(song) = add.results.get(add.selected)
            {
                let text = format!("Added {} – {}.", song.artist, song.title);
                cx.info(text);
            }
            tab.replace_row(playlist);
            cx.call(Call::Entries { id, offset: 0 });
        }
        Reply::ReviewAt {
            id,
            filter,
            offset,
            total,
            entry,
            candidates,
        } => with_review(cx, |review, cx| {
            if review.id != id || review.filter != filter || review.offset != offset {
                return;
            }
            review.total = total;
            // The entry just decided is still in the filter: go past it.
            if let (Some(entry), Some(decided)) = (&entry, review.decided)
                && entry.id == decided
            {
                review.decided = None;
                review.offset += 1;
                fetch(review, cx);
                return;
            }
            review.decided = None;
            // Past the end with entries left: back to the first of them.
            if entry.is_none() && offset > 0 && total > 0 {
                review.offset = 0;
                fetch(review, cx);
                return;
            }
            review.loading = false;
            review.entry = entry;
            review.candidates = candidates;
            review.selected = 0;
        }),
        Reply::Matched(entry) => {
            if let Some(row) = tab.entries.rows.items.iter_mut().find(|e| e.id == entry.id) {
                *row = entry;
            }
            with_review(cx, fetch);
        }
        _ => {}
    }
}

/// Runs `f` on the review screen when it is the dialog open.
fn with_review(cx: &mut Cx<PlaylistsTab>, f: impl FnOnce(&mut Review, &mut Cx<PlaylistsTab>)) {
    match cx.dialog.take() {
        Some(Dialog::Review(mut review)) => {
            f(&mut review, cx);
            cx.dialog = Some(Dialog::Review(review));
        }
        other => cx.dialog = other,
    }
}
