//! The History tab: a browser over the whole listening history, newest first.
//!
//! The list is a [`Window`] of `ListListens` pages around the selection (see
//! [`window`]); the filters and the jump to a date ([`filter`]) start it over, and
//! every start bumps a generation that answers carry, so an answer for an earlier
//! filter is dropped. Enter opens the selected listen in full (`GetListen`) in a
//! pane that follows the selection; `i` opens the import dialog ([`import`]). The
//! totals (`GetSummary`) head the tab.

pub mod calls;
pub mod filter;
pub mod import;
pub mod import_stream;
pub mod import_view;
pub mod state;
pub mod view;
pub mod window;

pub use state::{Call, DetailsPane, Dialog, HistoryTab, ListenSummary, Reply, SearchBox};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::event::Kind;

pub use filter::{HistoryFilter, Jump};
use import::{ImportDialog, ImportPhase};
pub use window::{PAGE_SIZE, PageRequest, Window};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, ImportEvent, KeyBinding, Out, Scope, Start, Tab,
        TabKey, View,
        command::{tab_ch, tab_key},
        form::FieldId,
        rows::step,
    },
};

pub const TAB: Tab = Tab {
    title: "History",
    short_title: "Hist",
    admin_only: false,
};

/// Search as you type.
pub const SEARCH: TabKey = TabKey {
    label: Some("search"),
    description: "search artist, album and title as you type",
};
pub const FILTER: TabKey = TabKey {
    label: Some("filter"),
    description: "filter by artist, album, title, source or dates",
};
pub const JUMP_TO_DATE: TabKey = TabKey {
    label: Some("go to date"),
    description: "go to a date (YYYY-MM-DD) and older",
};
pub const CLEAR_FILTERS: TabKey = TabKey {
    label: Some("clear"),
    description: "clear the search, filters and date",
};
pub const IMPORT: TabKey = TabKey {
    label: Some("import"),
    description: "import a Last.fm, ListenBrainz or Spotify export",
};
/// The selected listen in full.
pub const DETAILS: TabKey = TabKey {
    label: Some("details"),
    description: "the selected listen in full (Esc closes)",
};
/// Back to the newest listen.
pub const NEWEST: TabKey = TabKey {
    label: None,
    description: "back to the newest listen",
};

impl HistoryTab {
    /// Starts the list over (filters changed, a jump, a reload).
    fn restart(&mut self, cx: &mut Cx<Self>) {
        self.generation += 1;
        self.window = Window::default();
        self.details = None;
        self.fetch_pages(cx);
    }

    /// Asks for the page the selection needs, if any.
    fn fetch_pages(&mut self, cx: &mut Cx<Self>) {
        let Some(page) = self.window.request() else {
            return;
        };
        cx.call(Call::ListListens {
            generation: self.generation,
            page: page.page,
            request: self.request(&page),
        });
    }

    /// Home: the newest listen (leaving a jump to a date).
    fn newest(&mut self, cx: &mut Cx<Self>) {
        let window = &mut self.window;
        if self.jump.is_none() && window.is_loaded() && window.starts_at_top() {
            window.select_first();
            self.follow_details(cx);
            return;
        }
        self.jump = None;
        self.restart(cx);
    }

    fn open_details(&mut self, cx: &mut Cx<Self>) {
        let Some(listen) = self.window.selected_item().cloned() else {
            return;
        };
        self.details = Some(DetailsPane {
            listen,
            details: None,
            error: None,
            fetching: None,
        });
        self.fetch_details(cx);
    }

    /// Fetches the pane's listen unless it is known or already being fetched.
    fn fetch_details(&mut self, cx: &mut Cx<Self>) {
        let Some(pane) = &mut self.details else {
            return;
        };
        if pane.fetching.is_some() || pane.details.is_some() || pane.error.is_some() {
            return;
        }
        let id = pane.listen.id;
        pane.fetching = Some(id);
        cx.call(Call::GetListen { id });
    }

    /// The pane shows the selected listen: moving the selection moves it.
    fn follow_details(&mut self, cx: &mut Cx<Self>) {
        let (Some(pane), Some(listen)) = (&mut self.details, self.window.selected_item()) else {
            return;
        };
        if pane.listen.id == listen.id {
            return;
        }
        pane.listen = listen.clone();
        pane.details = None;
        pane.error = None;
        self.fetch_details(cx);
    }

    /// The search box follows the typing: each change starts the list over.
    fn search_changed(&mut self, cx: &mut Cx<Self>) {
        let Some(Dialog::Search(search)) = &cx.dialog else {
            return;
        };
        let query = search.form.text(FieldId::Query).trim().to_owned();
        if query == self.filter.query {
            return;
        }
        self.filter.query = query;
        self.restart(cx);
    }

    fn import_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let Some(Dialog::Import(dialog)) = &mut cx.dialog else {
            return;
        };
        match (&dialog.phase, command) {
            (ImportPhase::Choosing, Command::NextField) => dialog.form.move_focus(true),
            (ImportPhase::Choosing, Command::PrevField) => dialog.form.move_focus(false),
            (ImportPhase::Choosing, Command::DeleteChar) => dialog.form.delete_char(),
            (ImportPhase::Choosing, Command::Submit) => {
                let id = self.import_seq + 1;
                if let Some((path, format)) = dialog.start(id) {
                    self.import_seq = id;
                    cx.out.push(Out::Import { id, path, format });
                }
            }
            (ImportPhase::Running { .. }, Command::Back) => {
                // Stopping keeps what was imported so far; the same file again adds
                // the rest (nothing twice).
                let id = dialog.id;
                cx.dialog = None;
                cx.info(
                    "Import cancelled: what was read so far is kept; importing the file \
                     again adds the rest.",
                );
                cx.out.push(Out::ListensChanged);
                cx.out.push(Out::CancelImport { id });
                self.reload(cx);
            }
            (ImportPhase::Failed(_), Command::Submit) => dialog.retry(),
            (
                ImportPhase::Choosing | ImportPhase::Done(_) | ImportPhase::Failed(_),
                Command::Back,
            )
            | (ImportPhase::Done(_), Command::Submit) => cx.dialog = None,
            _ => {}
        }
    }
}

impl Component for HistoryTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Dialog;

    const TAB: Tab = TAB;
    // Older pages load by themselves as the selection goes.
    const KEYS: &'static [KeyBinding] = &[
        tab_key(TAB, crossterm::event::KeyCode::Enter, DETAILS),
        tab_ch(TAB, '/', SEARCH),
        tab_ch(TAB, 'f', FILTER),
        tab_ch(TAB, 'g', JUMP_TO_DATE),
        tab_ch(TAB, 'c', CLEAR_FILTERS),
        tab_ch(TAB, 'i', IMPORT),
        tab_key(TAB, crossterm::event::KeyCode::Home, NEWEST),
    ];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        HistoryTab::default()
    }

    /// Coming back to the tab keeps the place, unless it is the top of the list
    /// (then it is read afresh, which is cheap).
    fn show(&mut self, cx: &mut Cx<Self>) {
        let window = &self.window;
        let fresh = !window.is_loaded() && !window.is_fetching();
        if fresh || (window.starts_at_top() && window.position() == 0) {
            return self.reload(cx);
        }
        cx.call(Call::GetListenSummary);
    }

    /// The list from the start, and the totals.
    fn reload(&mut self, cx: &mut Cx<Self>) {
        self.restart(cx);
        cx.call(Call::GetListenSummary);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            self.window.move_by(step);
            self.fetch_pages(cx);
            self.follow_details(cx);
            return;
        }
        let Command::Tab(key) = command else {
            return;
        };
        match key {
            SEARCH => cx.dialog = Some(Dialog::Search(SearchBox::new(&self.filter.query))),
            FILTER => cx.dialog = Some(Dialog::Filter(filter::filter_form(&self.filter))),
            JUMP_TO_DATE => {
                cx.dialog = Some(Dialog::JumpToDate(filter::jump_form(self.jump.as_ref())));
            }
            CLEAR_FILTERS => {
                if !self.is_filtered() {
                    cx.info("No search or filter to clear.");
                    return;
                }
                self.filter = HistoryFilter::default();
                self.jump = None;
                self.restart(cx);
            }
            IMPORT => cx.dialog = Some(Dialog::Import(ImportDialog::new(self.import_seq))),
            DETAILS => self.open_details(cx),
            NEWEST => self.newest(cx),
            _ => {}
        }
    }

    /// Esc on the tab: closes the details pane.
    fn back(&mut self) -> bool {
        self.details.take().is_some()
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::ListenPage {
                generation,
                page,
                listens,
                next_cursor,
            } => {
                if generation != self.generation || !self.window.arrived(page, listens, next_cursor)
                {
                    return;
                }
                // The selection may have run ahead of the page (PageDown while it
                // came): it may want the next one already.
                self.fetch_pages(cx);
                self.follow_details(cx);
            }
            Reply::ListenSummary(summary) => {
                self.summary = Some(summary);
                self.summary_loading = false;
            }
            Reply::ListenDetails { id, details } => {
                let Some(pane) = &mut self.details else {
                    return;
                };
                if pane.fetching == Some(id) {
                    pane.fetching = None;
                }
                if pane.listen.id == id {
                    pane.details = Some(details);
                } else {
                    // The selection moved on while it was fetched.
                    self.fetch_details(cx);
                }
            }
        }
    }

    /// The page or pane a call was for says it failed; a page's failure shows in
    /// the status line too.
    fn on_failure(&mut self, call: Call, error: &CallError, cx: &mut Cx<Self>) {
        let text = error.text();
        match &call {
            Call::ListListens {
                generation, page, ..
            } => {
                if *generation != self.generation {
                    return;
                }
                self.window.failed(*page, text.clone());
            }
            Call::GetListen { id } => {
                let Some(pane) = &mut self.details else {
                    return;
                };
                if pane.fetching == Some(*id) {
                    pane.fetching = None;
                }
                if pane.listen.id == *id {
                    pane.error = Some(text);
                } else {
                    self.fetch_details(cx);
                }
                return;
            }
            Call::GetListenSummary => {}
        }
        cx.error(format!("{}: {text}", Self::failure(&call)));
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListListens { .. } => "Could not load listens",
            Call::GetListen { .. } => "Could not load the listen",
            Call::GetListenSummary => "Could not load the listen totals",
        }
        .into()
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if *call == Call::GetListenSummary {
            self.summary_loading = loading;
        }
    }

    /// New listens were synced or imported: refresh the list only when the user
    /// looks at its top, unfiltered, so nobody reading older pages is yanked away.
    fn on_event(&mut self, event: &Kind, _at: i64, cx: &mut Cx<Self>) {
        let Kind::NewListens(new) = event else {
            return;
        };
        if !cx.shown {
            return;
        }
        if !self.summary_loading {
            cx.call(Call::GetListenSummary);
        }
        let window = &self.window;
        let at_top = window.starts_at_top() && window.position() == 0;
        if at_top && !self.is_filtered() && self.details.is_none() {
            self.restart(cx);
        } else {
            cx.info(match new.count {
                1 => "1 new listen: r reloads.".to_owned(),
                n => format!("{n} new listens: r reloads."),
            });
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
            Dialog::Import(dialog) if dialog.running() => vec![Scope::ImportRunning],
            Dialog::Import(dialog) if dialog.phase != ImportPhase::Choosing => {
                vec![Scope::Import]
            }
            _ => vec![Scope::Form],
        }
    }

    fn dialog_command(&mut self, command: Command, cx: &mut Cx<Self>) {
        let zone = cx.zone;
        match &mut cx.dialog {
            Some(Dialog::Search(search)) => match command {
                Command::DeleteChar => {
                    search.form.delete_char();
                    self.search_changed(cx);
                }
                Command::Submit => cx.dialog = None,
                Command::Back => {
                    // Esc puts back the search there was.
                    let previous = search.previous.clone();
                    cx.dialog = None;
                    if previous != self.filter.query {
                        self.filter.query = previous;
                        self.restart(cx);
                    }
                }
                _ => {}
            },
            Some(Dialog::Filter(form)) => match command {
                Command::NextField => form.move_focus(true),
                Command::PrevField => form.move_focus(false),
                Command::DeleteChar => form.delete_char(),
                Command::Back => cx.dialog = None,
                Command::Submit => match self.filter.from_form(form, zone) {
                    Ok(filter) => {
                        cx.dialog = None;
                        if filter != self.filter {
                            self.filter = filter;
                            self.restart(cx);
                        }
                    }
                    Err((field, message)) => {
                        form.error = Some(message);
                        form.focus_on(field);
                    }
                },
                _ => {}
            },
            Some(Dialog::JumpToDate(form)) => match command {
                Command::DeleteChar => form.delete_char(),
                Command::Back => cx.dialog = None,
                Command::Submit => match filter::jump_from_form(form, zone) {
                    Ok(jump) => {
                        cx.dialog = None;
                        self.jump = jump;
                        self.restart(cx);
                    }
                    Err(message) => form.error = Some(message),
                },
                _ => {}
            },
            Some(Dialog::Import(_)) => self.import_command(command, cx),
            None => {}
        }
    }

    fn dialog_input(&mut self, c: char, cx: &mut Cx<Self>) {
        match &mut cx.dialog {
            Some(
                Dialog::Search(SearchBox { form, .. }) | Dialog::Filter(form) | Dialog::JumpToDate(form),
            ) if !form.busy => form.type_char(c),
            Some(Dialog::Import(dialog)) if dialog.phase == ImportPhase::Choosing => {
                dialog.form.type_char(c);
            }
            _ => {}
        }
    }

    fn after_input(&mut self, cx: &mut Cx<Self>) {
        self.search_changed(cx);
    }

    /// What the client reports about the running import.
    fn on_import(&mut self, id: u64, event: ImportEvent, cx: &mut Cx<Self>) {
        let Some(Dialog::Import(dialog)) = &mut cx.dialog else {
            return;
        };
        if dialog.id != id {
            return;
        }
        match dialog.apply(event) {
            // New listens: the list and the stats are out of date.
            Some(done) if done.added > 0 => {
                cx.out.push(Out::ListensChanged);
                self.reload(cx);
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
