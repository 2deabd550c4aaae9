//! A loaded list with a selection, as every list screen has: what is loaded, which
//! row is selected, whether a load is running and where the next page starts.

use super::Command;

/// Rows moved by PageUp/PageDown: about one screen at 80x24.
pub const PAGE_ROWS: usize = 15;

/// How far a list key moves the selection; `None` for other commands.
pub fn step(command: Command) -> Option<isize> {
    match command {
        Command::Up => Some(-1),
        Command::Down => Some(1),
        Command::PageUp => Some(-(PAGE_ROWS as isize)),
        Command::PageDown => Some(PAGE_ROWS as isize),
        _ => None,
    }
}

/// Where the next (older) page starts. The daemon's lists page by id (0 = nothing
/// older) or by an opaque string (empty = nothing older).
pub trait Cursor: Clone + Default + PartialEq {
    fn is_end(&self) -> bool;
}

impl Cursor for i64 {
    fn is_end(&self) -> bool {
        *self == 0
    }
}

impl Cursor for String {
    fn is_end(&self) -> bool {
        self.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows<T, C = i64> {
    pub items: Vec<T>,
    pub selected: usize,
    /// At least one answer has arrived (an empty list then means "none").
    pub loaded: bool,
    pub loading: bool,
    /// Cursor of the next (older) page; the end value when everything is loaded.
    pub next: C,
}

impl<T, C: Default> Default for Rows<T, C> {
    fn default() -> Self {
        Rows {
            items: Vec::new(),
            selected: 0,
            loaded: false,
            loading: false,
            next: C::default(),
        }
    }
}

impl<T, C: Cursor> Rows<T, C> {
    pub fn selected_item(&self) -> Option<&T> {
        self.items.get(self.selected)
    }

    /// Replaces everything (a first page or a reload), keeping the selection in range.
    pub fn replace(&mut self, items: Vec<T>, next: C) {
        self.items = items;
        self.next = next;
        self.loaded = true;
        self.loading = false;
        self.clamp();
    }

    /// Adds an older page below what is loaded.
    pub fn append(&mut self, items: Vec<T>, next: C) {
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
        !self.next.is_end() && !self.loading && self.selected + 1 >= self.items.len()
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
        let mut rows: Rows<i32> = Rows::default();
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
        let mut rows: Rows<i32> = Rows::default();
        rows.replace(vec![1, 2], 99);
        assert!(!rows.wants_more());
        assert!(rows.move_by(1));
        rows.loading = true;
        assert!(!rows.move_by(1), "a load is already running");
        rows.append(vec![3], 0);
        assert_eq!(rows.items, [1, 2, 3]);
        assert!(!rows.move_by(1), "nothing older");
    }

    #[test]
    fn string_cursors_end_when_empty() {
        let mut rows: Rows<i32, String> = Rows::default();
        rows.replace(vec![1], "c-1".into());
        assert!(rows.wants_more());
        rows.append(vec![2], String::new());
        assert!(!rows.move_by(1));
    }
}
