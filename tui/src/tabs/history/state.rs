//! What the History tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::{GetSummaryResponse, ListListensRequest, Listen, ListenDetails};

use super::{
    filter::{self, HistoryFilter, Jump},
    import::ImportDialog,
    window::{PAGE_SIZE, PageRequest, Window},
};
use crate::component::form::Form;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// A page of the browser: `page` of the list started as `generation` (both
    /// only travel back with the answer).
    ListListens {
        generation: u64,
        page: usize,
        request: ListListensRequest,
    },
    GetListen {
        id: i64,
    },
    GetListenSummary,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A page of `ListListens`, with what the call carried to place it.
    ListenPage {
        generation: u64,
        page: usize,
        listens: Vec<Listen>,
        next_cursor: String,
    },
    ListenDetails {
        id: i64,
        details: ListenDetails,
    },
    ListenSummary(ListenSummary),
}

/// What the tab opens on top.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// The search box (the list follows the typing).
    Search(SearchBox),
    /// The filters.
    Filter(Form),
    /// The jump to a date.
    JumpToDate(Form),
    Import(ImportDialog),
}

/// The search being typed, and the one to go back to on Esc.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchBox {
    pub form: Form,
    pub previous: String,
}

impl SearchBox {
    pub fn new(query: &str) -> Self {
        SearchBox {
            form: filter::search_form(query),
            previous: query.to_owned(),
        }
    }
}

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
    pub(super) fetching: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryTab {
    pub filter: HistoryFilter,
    pub jump: Option<Jump>,
    /// Bumped each time the list starts over; pages carry the one they were asked
    /// for.
    pub generation: u64,
    pub window: Window,
    pub summary: Option<ListenSummary>,
    pub summary_loading: bool,
    pub details: Option<DetailsPane>,
    /// Numbers the imports started, so a cancelled one's last words are ignored.
    pub import_seq: u64,
}

impl HistoryTab {
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
