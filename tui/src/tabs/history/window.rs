//! The history browser's window on a list too long to hold: a run of consecutive
//! pages of `ListListens` around the selection, fetched on demand as the selection
//! nears either end of what is loaded, and trimmed from the far end once it holds
//! more than [`MAX_LOADED`] rows. Scrolling through a million listens therefore
//! keeps a few thousand rows in memory and every key press cheap.
//!
//! Pages are keyset-paginated (newest first), so a page can only be fetched with
//! the cursor the page before it ended with. Every cursor met is kept (a short
//! string per page, not per row), which is what lets a dropped page be fetched
//! again when the selection comes back to it. One fetch runs at a time, and an
//! answer is taken only for the page asked for.
//!
//! Pure state: it says which page it wants ([`Window::request`]), the caller runs
//! the call and hands the answer back ([`Window::arrived`]).

use std::collections::VecDeque;

use spotter_proto::v1::Listen;

/// Rows per `ListListens` page.
pub const PAGE_SIZE: u32 = 200;
/// The most rows held at once (plus one page while a new one comes in).
pub const MAX_LOADED: usize = 5_000;
/// A page is fetched once the selection is this close to the end of what is loaded.
pub const PREFETCH_ROWS: usize = 100;

/// A page reached so far.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Page {
    /// What fetches it: the previous page's `next_cursor` (empty for the first).
    cursor: String,
    /// Its rows when it was last loaded (known once loaded).
    len: usize,
}

/// The page to fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub cursor: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Every page reached, in order. A page is added when the one before it
    /// arrives with a cursor; the list ends when a page arrives without one.
    pages: Vec<Page>,
    /// The first loaded page; `loaded` pages from it are in `rows`.
    first: usize,
    loaded: usize,
    rows: VecDeque<Listen>,
    /// Rows in the pages before `first`.
    offset: usize,
    /// Index into `rows`.
    selected: usize,
    /// The page being fetched.
    pending: Option<usize>,
    /// Why the last fetch failed (cleared by the next answer).
    pub error: Option<String>,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            pages: vec![Page {
                cursor: String::new(),
                len: 0,
            }],
            first: 0,
            loaded: 0,
            rows: VecDeque::new(),
            offset: 0,
            selected: 0,
            pending: None,
            error: None,
        }
    }
}

impl Window {
    /// The page the selection needs next, if any and if none is being fetched.
    pub fn needed(&self) -> Option<PageRequest> {
        if self.pending.is_some() {
            return None;
        }
        if self.loaded == 0 {
            return Some(self.request_for(self.first));
        }
        let tail = self.first + self.loaded;
        let below = self.rows_below();
        let wants_tail = tail < self.pages.len() && below < PREFETCH_ROWS;
        let wants_head = self.first > 0 && self.selected < PREFETCH_ROWS;
        match (wants_head, wants_tail) {
            // Both ends near (a tiny window): the nearer one first.
            (true, true) if self.selected <= below => Some(self.request_for(self.first - 1)),
            (_, true) => Some(self.request_for(tail)),
            (true, false) => Some(self.request_for(self.first - 1)),
            (false, false) => None,
        }
    }

    /// [`needed`](Self::needed), marking it as being fetched.
    pub fn request(&mut self) -> Option<PageRequest> {
        let request = self.needed()?;
        self.pending = Some(request.page);
        Some(request)
    }

    fn request_for(&self, page: usize) -> PageRequest {
        PageRequest {
            page,
            cursor: self.pages[page].cursor.clone(),
        }
    }

    /// A page arrived. Returns false (and changes nothing) unless it is the page
    /// being fetched.
    pub fn arrived(&mut self, page: usize, listens: Vec<Listen>, next_cursor: String) -> bool {
        if self.pending != Some(page) {
            return false;
        }
        self.pending = None;
        self.error = None;
        let len = listens.len();
        if self.loaded == 0 {
            self.rows = listens.into();
            self.selected = 0;
        } else if page == self.first + self.loaded {
            self.rows.extend(listens);
        } else if page + 1 == self.first {
            self.offset = self.offset.saturating_sub(self.pages[page].len);
            self.first = page;
            for listen in listens.into_iter().rev() {
                self.rows.push_front(listen);
            }
            self.selected += len;
        } else {
            return false;
        }
        self.loaded += 1;
        self.pages[page].len = len;
        let is_tail = page + 1 == self.first + self.loaded;
        if next_cursor.is_empty() {
            // The end of the list, unless a page after it is loaded (then it shrank
            // under us and the pages after it still stand).
            if is_tail {
                self.pages.truncate(page + 1);
            }
        } else if let Some(next) = self.pages.get_mut(page + 1) {
            next.cursor = next_cursor;
        } else {
            self.pages.push(Page {
                cursor: next_cursor,
                len: 0,
            });
        }
        self.trim();
        true
    }

    /// The fetch of `page` failed: nothing is pending any more, and the next move
    /// asks again.
    pub fn failed(&mut self, page: usize, error: String) {
        if self.pending == Some(page) {
            self.pending = None;
            self.error = Some(error);
        }
    }

    /// Drops whole pages from the end farther from the selection until at most
    /// [`MAX_LOADED`] rows are held. Their cursors stay.
    fn trim(&mut self) {
        while self.rows.len() > MAX_LOADED && self.loaded > 1 {
            if self.selected >= self.rows_below() {
                let len = self.pages[self.first].len.min(self.rows.len());
                self.rows.drain(..len);
                self.selected = self.selected.saturating_sub(len);
                self.offset += len;
                self.first += 1;
            } else {
                let last = self.first + self.loaded - 1;
                let len = self.pages[last].len.min(self.rows.len());
                self.rows.truncate(self.rows.len() - len);
            }
            self.loaded -= 1;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows within what is loaded.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Selects the first loaded row.
    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    fn rows_below(&self) -> usize {
        self.rows.len().saturating_sub(self.selected + 1)
    }

    /// The first page has arrived (an empty list then means "none").
    pub fn is_loaded(&self) -> bool {
        self.loaded > 0
    }

    /// Whether the newest page (of the list as browsed) is loaded.
    pub fn starts_at_top(&self) -> bool {
        self.first == 0
    }

    pub fn is_fetching(&self) -> bool {
        self.pending.is_some()
    }

    /// A page below the loaded rows is being fetched.
    pub fn fetching_below(&self) -> bool {
        self.loaded > 0 && self.pending == Some(self.first + self.loaded)
    }

    /// A page above the loaded rows is being fetched.
    pub fn fetching_above(&self) -> bool {
        self.loaded > 0 && self.first > 0 && self.pending == Some(self.first - 1)
    }

    /// Older rows exist beyond those loaded.
    pub fn more_below(&self) -> bool {
        self.first + self.loaded < self.pages.len()
    }

    /// Rows before the first loaded one.
    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn rows(&self) -> &VecDeque<Listen> {
        &self.rows
    }

    /// Index of the selected row in [`rows`](Self::rows).
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Position of the selected row in the whole list (0 = the first).
    pub fn position(&self) -> usize {
        self.offset + self.selected
    }

    pub fn selected_item(&self) -> Option<&Listen> {
        self.rows.get(self.selected)
    }

    /// How many rows the list has, once its last page has been seen loaded
    /// (pages dropped since still count).
    pub fn total(&self) -> Option<usize> {
        (self.is_loaded() && !self.more_below()).then(|| self.offset + self.rows.len())
    }

    /// Pages whose cursors are kept (for tests of the memory bound).
    pub fn pages_known(&self) -> usize {
        self.pages.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Page `page` of a list of `total` listens, ids counting down from `total`.
    fn page(page: usize, total: usize) -> (Vec<Listen>, String) {
        let size = PAGE_SIZE as usize;
        let start = page * size;
        let end = (start + size).min(total);
        let listens = (start..end)
            .map(|i| Listen {
                id: (total - i) as i64,
                ..Listen::default()
            })
            .collect();
        let next = if end < total {
            format!("c{}", page + 1)
        } else {
            String::new()
        };
        (listens, next)
    }

    fn answer(window: &mut Window, total: usize) -> PageRequest {
        let request = window.request().expect("a page is wanted");
        let (listens, next) = page(request.page, total);
        assert!(window.arrived(request.page, listens, next));
        request
    }

    #[test]
    fn the_first_page_is_wanted_once() {
        let mut window = Window::default();
        assert_eq!(
            window.request(),
            Some(PageRequest {
                page: 0,
                cursor: String::new()
            })
        );
        assert_eq!(window.request(), None, "already being fetched");
        let (listens, next) = page(0, 1_000);
        assert!(window.arrived(0, listens, next));
        assert_eq!(window.rows().len(), 200);
        assert_eq!(window.request(), None, "the selection is far from the end");
    }

    #[test]
    fn the_next_page_is_fetched_only_near_the_end() {
        let mut window = Window::default();
        answer(&mut window, 1_000);
        window.move_by(99);
        assert_eq!(window.needed(), None, "100 rows below the selection");
        window.move_by(1);
        let request = window.request().unwrap();
        assert_eq!(
            request,
            PageRequest {
                page: 1,
                cursor: "c1".into()
            }
        );
        // Moving on while it is fetched asks for nothing more.
        window.move_by(50);
        assert_eq!(window.request(), None);
        // A late second answer for the same page is not taken twice.
        let (listens, next) = page(1, 1_000);
        assert!(window.arrived(1, listens.clone(), next.clone()));
        assert!(!window.arrived(1, listens, next));
        assert_eq!(window.rows().len(), 400);
    }

    #[test]
    fn answers_for_pages_not_asked_for_are_ignored() {
        let mut window = Window::default();
        let (listens, next) = page(0, 1_000);
        assert!(!window.arrived(0, listens, next), "nothing was asked");
        window.request();
        let (listens, next) = page(3, 1_000);
        assert!(!window.arrived(3, listens, next));
        assert!(window.is_fetching());
    }

    #[test]
    fn the_end_of_the_list_stops_fetching() {
        let mut window = Window::default();
        answer(&mut window, 250);
        window.move_by(1_000);
        assert_eq!(window.request().unwrap().page, 1);
        let (listens, next) = page(1, 250);
        window.arrived(1, listens, next);
        window.move_by(1_000);
        assert_eq!(window.position(), 249);
        assert_eq!(window.request(), None);
        assert_eq!(window.total(), Some(250));
        assert!(!window.more_below());
    }

    #[test]
    fn an_empty_list_is_loaded_and_wants_nothing() {
        let mut window = Window::default();
        window.request();
        window.arrived(0, Vec::new(), String::new());
        assert!(window.is_loaded());
        window.move_by(5);
        assert_eq!(window.selected_item(), None);
        assert_eq!(window.request(), None);
        assert_eq!(window.total(), Some(0));
    }

    #[test]
    fn a_failed_fetch_is_asked_again_on_the_next_move() {
        let mut window = Window::default();
        answer(&mut window, 1_000);
        window.move_by(150);
        let request = window.request().unwrap();
        window.failed(request.page, "daemon gone".into());
        assert_eq!(window.error.as_deref(), Some("daemon gone"));
        window.move_by(1);
        assert_eq!(window.request(), Some(request));
    }

    #[test]
    fn a_million_rows_keep_the_window_bounded_and_scroll_back() {
        const TOTAL: usize = 1_000_000;
        let mut window = Window::default();
        answer(&mut window, TOTAL);
        let mut fetched = Vec::new();
        // Page down to the very end, answering every request.
        while window.position() + 1 < TOTAL {
            window.move_by(15);
            while let Some(request) = window.request() {
                fetched.push(request.page);
                let (listens, next) = page(request.page, TOTAL);
                assert!(window.arrived(request.page, listens, next));
            }
            assert!(window.rows().len() <= MAX_LOADED, "{}", window.rows().len());
        }
        // Every page once, in order.
        let expected: Vec<usize> = (1..TOTAL / PAGE_SIZE as usize).collect();
        assert_eq!(fetched, expected);
        assert_eq!(window.selected_item().unwrap().id, 1, "the oldest listen");
        assert_eq!(window.total(), Some(TOTAL));
        assert!(window.offset() > 0, "the first pages were dropped");

        // Back up: dropped pages come again with the cursors kept for them.
        let last_first = window.offset() / PAGE_SIZE as usize;
        for _ in 0..400 {
            window.move_by(-15);
            while let Some(request) = window.request() {
                assert!(request.page < last_first, "{request:?}");
                assert_eq!(request.cursor, format!("c{}", request.page));
                let (listens, next) = page(request.page, TOTAL);
                assert!(window.arrived(request.page, listens, next));
            }
            assert!(window.rows().len() <= MAX_LOADED);
        }
        let at = window.position();
        assert_eq!(window.selected_item().unwrap().id, (TOTAL - at) as i64);
        assert_eq!(at, TOTAL - 1 - 400 * 15);
    }

    #[test]
    fn prepending_keeps_the_selected_listen_selected() {
        let mut window = Window::default();
        answer(&mut window, 100_000);
        for _ in 0..30 {
            window.move_by(PAGE_SIZE as isize);
            while window.request().is_some() {
                let page_no = window.pending.unwrap();
                let (listens, next) = page(page_no, 100_000);
                window.arrived(page_no, listens, next);
            }
        }
        assert!(window.offset() > 0);
        let first = window.offset() / PAGE_SIZE as usize;
        // Up to just inside the head: the page above is wanted.
        let up = window.selected() as isize - (PREFETCH_ROWS as isize - 1);
        window.move_by(-up);
        let id = window.selected_item().unwrap().id;
        let request = window.request().unwrap();
        assert_eq!(request.page, first - 1);
        let (listens, next) = page(request.page, 100_000);
        window.arrived(request.page, listens, next);
        assert_eq!(window.selected_item().unwrap().id, id);
        assert_eq!(window.position(), 100_000 - id as usize);
    }
}
