//! A loaded list with a selection, as every list screen has: what is loaded, which
//! row is selected, whether a load is running and where the next page starts.

/// Rows moved by PageUp/PageDown: about one screen at 80x24.
pub const PAGE_ROWS: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows<T> {
    pub items: Vec<T>,
    pub selected: usize,
    /// At least one answer has arrived (an empty list then means "none").
    pub loaded: bool,
    pub loading: bool,
    /// Cursor of the next (older) page; 0 when everything is loaded.
    pub next: i64,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            items: Vec::new(),
            selected: 0,
            loaded: false,
            loading: false,
            next: 0,
        }
    }
}

impl<T> Rows<T> {
    pub fn selected_item(&self) -> Option<&T> {
        self.items.get(self.selected)
    }

    /// Replaces everything (a first page or a reload), keeping the selection in range.
    pub fn replace(&mut self, items: Vec<T>, next: i64) {
        self.items = items;
        self.next = next;
        self.loaded = true;
        self.loading = false;
        self.clamp();
    }

    /// Adds an older page below what is loaded.
    pub fn append(&mut self, items: Vec<T>, next: i64) {
        self.items.extend(items);
        self.next = next;
        self.loaded = true;
        self.loading = false;
    }

    /// Moves the selection by `delta` rows, stopping at either end. Returns true
    /// when it ends on the last row while more rows could be fetched.
    pub fn move_by(&mut self, delta: isize) -> bool {
        let last = self.items.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.wants_more()
    }

    /// On the last loaded row with an older page waiting and no load running.
    pub fn wants_more(&self) -> bool {
        self.next != 0 && !self.loading && self.selected + 1 >= self.items.len()
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.items.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_in_range() {
        let mut rows = Rows::default();
        rows.replace(vec![1, 2, 3], 0);
        assert!(!rows.move_by(-5));
        assert_eq!(rows.selected, 0);
        rows.move_by(10);
        assert_eq!(rows.selected, 2);
        rows.replace(vec![1], 0);
        assert_eq!(rows.selected, 0);
        rows.replace(vec![], 0);
        assert_eq!(rows.selected_item(), None);
    }

    #[test]
    fn reaching_the_end_asks_for_the_next_page_once() {
        let mut rows = Rows::default();
        rows.replace(vec![1, 2], 99);
        assert!(!rows.wants_more());
        assert!(rows.move_by(1));
        rows.loading = true;
        assert!(!rows.move_by(1), "a load is already running");
        rows.append(vec![3], 0);
        assert_eq!(rows.items, [1, 2, 3]);
        assert!(!rows.move_by(1), "nothing older");
    }
}
