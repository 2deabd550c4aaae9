//! The shell's overlays: each tab's dialogs (drawn by the tab) and the y/n
//! confirmation guarding every destructive action (drawn here), bottom to top.

use ratatui::{
    Frame,
    layout::Rect,
    text::{Line, Span},
    widgets::{Paragraph, Wrap},
};

use crate::{
    component::{
        Confirm, View,
        widgets::{
            dialog::{DIALOG_WIDTH, popup},
            theme::Theme,
        },
    },
    tabs::{Call, Overlay},
};

pub fn render(frame: &mut Frame, area: Rect, overlays: &[Overlay], view: &View) {
    for overlay in overlays {
        match overlay {
            Overlay::Confirm { confirm, .. } => render_confirm(frame, area, confirm, view.theme),
            Overlay::Dialog(dialog) => dialog.draw(frame, area, view),
        }
    }
}

fn render_confirm(frame: &mut Frame, area: Rect, confirm: &Confirm<Call>, theme: Theme) {
    // The dialog less borders and padding, less a margin for word wrapping (a
    // wrapped line breaks before the last word): long texts take more rows.
    let inner_width = usize::from(DIALOG_WIDTH.min(area.width).saturating_sub(4 + 10)).max(1);
    let rows = |text: &str| text.chars().count().div_ceil(inner_width).max(1);
    let text_rows = rows(&confirm.question) + rows(&confirm.detail);
    // Borders, the texts, a gap before the keys, the keys.
    let height = u16::try_from(2 + text_rows + 2 + 1).unwrap_or(u16::MAX);
    let inner = popup(frame, area, height, " Are you sure? ", theme);
    let lines = vec![
        Line::styled(confirm.question.clone(), theme.heading()),
        Line::default(),
        Line::raw(confirm.detail.clone()),
        Line::default(),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" yes    "),
            Span::styled("n", theme.key()),
            Span::raw(" / "),
            Span::styled("Esc", theme.key()),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
