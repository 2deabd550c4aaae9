//! The History tab: a browser over the whole listening history, newest first.
//!
//! The list is a [`Window`] of `ListListens` pages around the selection (see
//! [`window`]); the filters and the jump to a date ([`filter`]) start it over, and
//! every start bumps a generation that answers carry, so an answer for an earlier
//! filter is dropped. Enter opens the selected listen in full (`GetListen`) in a
//! pane that follows the selection; `i` opens the import dialog ([`import`]). The
//! totals (`GetSummary`) head the tab.

pub mod filter;
pub mod import;
pub mod window;

use spotter_proto::v1::{GetSummaryResponse, ListListensRequest, Listen, ListenDetails};

pub use filter::{HistoryFilter, Jump};
use import::{ImportDialog, ImportEvent, ImportPhase};
pub use window::{PAGE_SIZE, PageRequest, Window};

use super::{
    Command, Effect,
    calls::{Call, Reply},
    dialogs::{Overlay, SearchBox},
    form::FieldId,
    signed_in::{Main, Notice, Outcome, Tab},
};

/// `History.GetSummary`, with the sources in a stable order (largest first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListenSummary {
    pub listens: u64,
    pub by_source: Vec<(String, u64)>,
    pub library_artists: u64,
    pub library_albums: u64,
    pub library_tracks: u64,
}

impl From<GetSummaryResponse> for ListenSummary {
    fn from(r: GetSummaryResponse) -> Self {
        let mut by_source: Vec<(String, u64)> = r.listens_by_source.into_iter().collect();
        by_source.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ListenSummary {
            listens: r.listens,
            by_source,
            library_artists: r.library_artists,
            library_albums: r.library_albums,
            library_tracks: r.library_tracks,
        }
    }
}

/// The selected listen in full.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailsPane {
    /// The row, shown at once while the rest loads.
    pub listen: Listen,
    pub details: Option<ListenDetails>,
    pub error: Option<String>,
    /// The listen whose details are being fetched (one fetch at a time).
    fetching: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryView {
    pub filter: HistoryFilter,
    pub jump: Option<Jump>,
    /// Bumped each time the list starts over; pages carry the one they were asked
    /// for.
    pub generation: u64,
    pub window: Window,
    pub summary: Option<ListenSummary>,
    pub summary_loading: bool,
    pub details: Option<DetailsPane>,
}

impl HistoryView {
    /// Something narrows the list or moves its start.
    pub fn is_filtered(&self) -> bool {
        !self.filter.is_empty() || self.jump.is_some()
    }

    /// The `ListListens` request for a page.
    pub fn request(&self, page: &PageRequest) -> ListListensRequest {
        ListListensRequest {
            filter: self.filter.to_proto(),
            page_size: PAGE_SIZE,
            cursor: page.cursor.clone(),
            // Only the first page starts at the date; the cursor carries it on.
            at: match &self.jump {
                Some(jump) if page.cursor.is_empty() => jump.at,
                _ => 0,
            },
        }
    }

    /// The filters and jump in words, for the line above the table.
    pub fn describe(&self) -> Vec<String> {
        let mut parts = self.filter.describe();
        if let Some(jump) = &self.jump {
            parts.push(format!("on or before {}", jump.date));
        }
        parts
    }
}

impl Main {
    /// Starts the list over (filters changed, a jump, a reload).
    pub(super) fn restart_history(&mut self) -> Vec<Effect> {
        let view = &mut self.history;
        view.generation += 1;
        view.window = Window::default();
        view.details = None;
        self.fetch_pages()
    }

    /// The list from the start, and the totals.
    pub(super) fn reload_history(&mut self) -> Vec<Effect> {
        let mut effects = self.restart_history();
        effects.push(self.call(Call::GetListenSummary));
        effects
    }

    /// Coming back to the tab keeps the place, unless it is the top of the list
    /// (then it is read afresh, which is cheap).
    pub(super) fn enter_history(&mut self) -> Vec<Effect> {
        let window = &self.history.window;
        let fresh = !window.is_loaded() && !window.is_fetching();
        if fresh || (window.starts_at_top() && window.position() == 0) {
            return self.reload_history();
        }
        vec![self.call(Call::GetListenSummary)]
    }

    /// Asks for the page the selection needs, if any.
    fn fetch_pages(&mut self) -> Vec<Effect> {
        let Some(page) = self.history.window.request() else {
            return Vec::new();
        };
        let call = Call::ListListens {
            generation: self.history.generation,
            page: page.page,
            request: self.history.request(&page),
        };
        vec![self.call(call)]
    }

    pub(super) fn history_move(&mut self, step: isize) -> Vec<Effect> {
        self.history.window.move_by(step);
        let mut effects = self.fetch_pages();
        effects.extend(self.follow_details());
        effects
    }

    pub(super) fn history_command(&mut self, command: Command) -> Outcome {
        match command {
            Command::Search => {
                let query = self.history.filter.query.clone();
                self.overlay = Some(Overlay::Search(SearchBox::new(&query)));
            }
            Command::FilterHistory => {
                self.overlay = Some(Overlay::HistoryFilter(filter::filter_form(
                    &self.history.filter,
                )));
            }
            Command::JumpToDate => {
                self.overlay = Some(Overlay::JumpToDate(filter::jump_form(
                    self.history.jump.as_ref(),
                )));
            }
            Command::ClearFilters => {
                if !self.history.is_filtered() {
                    self.notice = Some(Notice::info("No search or filter to clear."));
                    return Outcome::default();
                }
                self.history.filter = HistoryFilter::default();
                self.history.jump = None;
                return self.restart_history().into();
            }
            Command::Import => {
                self.overlay = Some(Overlay::Import(ImportDialog::new(self.import_seq)));
            }
            Command::Details => return self.open_details().into(),
            Command::Newest => return self.newest().into(),
            _ => {}
        }
        Outcome::default()
    }

    /// Home: the newest listen (leaving a jump to a date).
    fn newest(&mut self) -> Vec<Effect> {
        let window = &mut self.history.window;
        if self.history.jump.is_none() && window.is_loaded() && window.starts_at_top() {
            window.select_first();
            return self.follow_details();
        }
        self.history.jump = None;
        self.restart_history()
    }

    fn open_details(&mut self) -> Vec<Effect> {
        let Some(listen) = self.history.window.selected_item().cloned() else {
            return Vec::new();
        };
        self.history.details = Some(DetailsPane {
            listen,
            details: None,
            error: None,
            fetching: None,
        });
        self.fetch_details()
    }

    /// Esc on the tab: closes the details pane; false when none was open.
    pub(super) fn close_details(&mut self) -> bool {
        self.tab == Tab::History && self.history.details.take().is_some()
    }

    /// Fetches the pane's listen unless it is known or already being fetched.
    fn fetch_details(&mut self) -> Vec<Effect> {
        let Some(pane) = &mut self.history.details else {
            return Vec::new();
        };
        if pane.fetching.is_some() || pane.details.is_some() || pane.error.is_some() {
            return Vec::new();
        }
        let id = pane.listen.id;
        pane.fetching = Some(id);
        vec![self.call(Call::GetListen { id })]
    }

    /// The pane shows the selected listen: moving the selection moves it.
    fn follow_details(&mut self) -> Vec<Effect> {
        let (Some(pane), Some(listen)) = (
            &mut self.history.details,
            self.history.window.selected_item(),
        ) else {
            return Vec::new();
        };
        if pane.listen.id == listen.id {
            return Vec::new();
        }
        pane.listen = listen.clone();
        pane.details = None;
        pane.error = None;
        self.fetch_details()
    }

    pub(super) fn history_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::ListenPage {
                generation,
                page,
                listens,
                next_cursor,
            } => {
                if generation != self.history.generation
                    || !self.history.window.arrived(page, listens, next_cursor)
                {
                    return Vec::new();
                }
                // The selection may have run ahead of the page (PageDown while it
                // came): it may want the next one already.
                let mut effects = self.fetch_pages();
                effects.extend(self.follow_details());
                effects
            }
            Reply::ListenSummary(summary) => {
                self.history.summary = Some(summary);
                self.history.summary_loading = false;
                Vec::new()
            }
            Reply::ListenDetails { id, details } => {
                let Some(pane) = &mut self.history.details else {
                    return Vec::new();
                };
                if pane.fetching == Some(id) {
                    pane.fetching = None;
                }
                if pane.listen.id == id {
                    pane.details = Some(details);
                    Vec::new()
                } else {
                    // The selection moved on while it was fetched.
                    self.fetch_details()
                }
            }
            // Routed here by `call_done` only for the replies above.
            _ => Vec::new(),
        }
    }

    /// A history call failed: the page or pane it was for says so. True when that
    /// is all there is to say (nothing for the status line).
    pub(super) fn history_failed(&mut self, call: &Call, text: &str) -> (bool, Vec<Effect>) {
        match call {
            Call::ListListens {
                generation, page, ..
            } => {
                if *generation != self.history.generation {
                    return (true, Vec::new());
                }
                self.history.window.failed(*page, text.to_owned());
                (false, Vec::new())
            }
            Call::GetListen { id } => {
                let Some(pane) = &mut self.history.details else {
                    return (true, Vec::new());
                };
                if pane.fetching == Some(*id) {
                    pane.fetching = None;
                }
                if pane.listen.id == *id {
                    pane.error = Some(text.to_owned());
                    (true, Vec::new())
                } else {
                    (true, self.fetch_details())
                }
            }
            _ => (false, Vec::new()),
        }
    }

    /// New listens were synced or imported: refresh the list only when the user
    /// looks at its top, unfiltered, so nobody reading older pages is yanked away.
    pub(super) fn new_listens(&mut self, count: u32) -> Vec<Effect> {
        if self.tab != Tab::History {
            return Vec::new();
        }
        let mut effects = Vec::new();
        if !self.history.summary_loading {
            effects.push(self.call(Call::GetListenSummary));
        }
        let window = &self.history.window;
        let at_top = window.starts_at_top() && window.position() == 0;
        if at_top && !self.history.is_filtered() && self.history.details.is_none() {
            effects.extend(self.restart_history());
        } else {
            self.notice = Some(Notice::info(match count {
                1 => "1 new listen: r reloads.".to_owned(),
                n => format!("{n} new listens: r reloads."),
            }));
        }
        effects
    }

    // The dialogs of the tab: search, filter, jump, import.

    /// The search box follows the typing: each change starts the list over.
    pub(super) fn search_changed(&mut self) -> Vec<Effect> {
        let Some(Overlay::Search(search)) = &self.overlay else {
            return Vec::new();
        };
        let query = search.form.text(FieldId::Query).trim().to_owned();
        if query == self.history.filter.query {
            return Vec::new();
        }
        self.history.filter.query = query;
        self.restart_history()
    }

    pub(super) fn history_overlay_command(&mut self, command: Command) -> Outcome {
        let zone = self.zone;
        match self.overlay.as_mut() {
            Some(Overlay::Search(search)) => match command {
                Command::DeleteChar => {
                    search.form.delete_char();
                    return self.search_changed().into();
                }
                Command::Submit => self.overlay = None,
                Command::Back => {
                    // Esc puts back the search there was.
                    let previous = search.previous.clone();
                    self.overlay = None;
                    if previous != self.history.filter.query {
                        self.history.filter.query = previous;
                        return self.restart_history().into();
                    }
                }
                _ => {}
            },
            Some(Overlay::HistoryFilter(form)) => match command {
                Command::NextField => form.move_focus(true),
                Command::PrevField => form.move_focus(false),
                Command::DeleteChar => form.delete_char(),
                Command::Back => self.overlay = None,
                Command::Submit => match self.history.filter.from_form(form, zone) {
                    Ok(filter) => {
                        self.overlay = None;
                        if filter != self.history.filter {
                            self.history.filter = filter;
                            return self.restart_history().into();
                        }
                    }
                    Err((field, message)) => {
                        form.error = Some(message);
                        form.focus_on(field);
                    }
                },
                _ => {}
            },
            Some(Overlay::JumpToDate(form)) => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => self.overlay = None,
                Command::Submit => match filter::jump_from_form(form, zone) {
                    Ok(jump) => {
                        self.overlay = None;
                        self.history.jump = jump;
                        return self.restart_history().into();
                    }
                    Err(message) => form.error = Some(message),
                },
                _ => {}
            },
            Some(Overlay::Import(_)) => return self.import_command(command).into(),
            _ => {}
        }
        Outcome::default()
    }

    fn import_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Import(dialog)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        match (&dialog.phase, command) {
            (ImportPhase::Choosing, Command::NextField) => dialog.form.move_focus(true),
            (ImportPhase::Choosing, Command::PrevField) => dialog.form.move_focus(false),
            (ImportPhase::Choosing, Command::DeleteChar) => dialog.form.delete_char(),
            (ImportPhase::Choosing, Command::Submit) => {
                let id = self.import_seq + 1;
                if let Some((path, format)) = dialog.start(id) {
                    self.import_seq = id;
                    return vec![Effect::Import { id, path, format }];
                }
            }
            (ImportPhase::Running { .. }, Command::Back) => {
                // Stopping keeps what was imported so far; the same file again adds
                // the rest (nothing twice).
                let id = dialog.id;
                self.overlay = None;
                self.notice = Some(Notice::info(
                    "Import cancelled: what was read so far is kept; importing the file \
                     again adds the rest.",
                ));
                self.stats.reload();
                let mut effects = vec![Effect::CancelImport { id }];
                effects.extend(self.reload_history());
                return effects;
            }
            (ImportPhase::Failed(_), Command::Submit) => dialog.retry(),
            (
                ImportPhase::Choosing | ImportPhase::Done(_) | ImportPhase::Failed(_),
                Command::Back,
            )
            | (ImportPhase::Done(_), Command::Submit) => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    /// What the client reports about the running import.
    pub(super) fn import_event(&mut self, id: u64, event: ImportEvent) -> Vec<Effect> {
        let Some(Overlay::Import(dialog)) = self.overlay.as_mut() else {
            return Vec::new();
        };
        if dialog.id != id {
            return Vec::new();
        }
        match dialog.apply(event) {
            // New listens: the list and the stats are out of date.
            Some(done) if done.added > 0 => {
                self.stats.reload();
                self.reload_history()
            }
            _ => Vec::new(),
        }
    }
}
