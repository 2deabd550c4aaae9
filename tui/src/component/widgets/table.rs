//! Lists as tables that build only the rows on screen: a list of ten thousand
//! audit events costs the same to draw as one of twenty.

use std::ops::Range;

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Line,
    widgets::{Block, Paragraph, Row, Table, TableState},
};

use super::theme::Theme;

/// The rows to draw: the top of the list until the selection would fall off the
/// bottom, then a window that ends at the selection.
pub fn visible_window(len: usize, selected: usize, height: usize) -> Range<usize> {
    if height == 0 {
        return 0..0;
    }
    let start = if selected < height {
        0
    } else {
        selected + 1 - height
    };
    start..len.min(start + height)
}

/// What to draw: the block around it, the header and column widths, how many rows
/// there are, the selected one (none for a table only to read), how to build one
/// row, and what to say when empty.
pub struct ListView<'a, F: Fn(usize) -> Row<'a>> {
    pub block: Block<'a>,
    pub header: Row<'a>,
    pub widths: &'a [Constraint],
    pub len: usize,
    pub selected: Option<usize>,
    pub row: F,
    pub empty: &'a str,
}

pub fn render<'a, F: Fn(usize) -> Row<'a>>(
    frame: &mut Frame,
    area: Rect,
    view: ListView<'a, F>,
    theme: Theme,
) {
    let inner = view.block.inner(area);
    frame.render_widget(view.block, area);
    if view.len == 0 {
        frame.render_widget(Paragraph::new(Line::styled(view.empty, theme.dim())), inner);
        return;
    }
    // One row for the header.
    let height = usize::from(inner.height.saturating_sub(1));
    let window = visible_window(view.len, view.selected.unwrap_or(0), height);
    let rows: Vec<Row> = window.clone().map(&view.row).collect();
    let table = Table::new(rows, view.widths).header(view.header.style(theme.heading()));
    let Some(selected) = view.selected else {
        frame.render_widget(table, inner);
        return;
    };
    let table = table
        .row_highlight_style(theme.selected_row())
        .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(selected - window.start));
    frame.render_stateful_widget(table, inner, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_selection() {
        assert_eq!(visible_window(5, 0, 10), 0..5);
        assert_eq!(visible_window(100, 3, 10), 0..10);
        assert_eq!(visible_window(100, 9, 10), 0..10);
        assert_eq!(visible_window(100, 10, 10), 1..11);
        assert_eq!(visible_window(100, 99, 10), 90..100);
        assert_eq!(visible_window(100, 5, 0), 0..0);
    }
}
