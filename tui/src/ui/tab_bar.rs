//! The tab bar across the top once signed in: the tabs this user has, with their
//! digits, and who is signed in.

use ratatui::{
    Frame,
    layout::Rect,
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use super::theme::Theme;
use crate::app::{Main, signed_in::role_name_of};

pub fn render(frame: &mut Frame, area: Rect, main: &Main, theme: Theme) {
    frame.render_widget(Block::new().style(theme.title_bar()), area);
    let mut spans = vec![Span::raw(" spotter ")];
    for tab in main.tabs() {
        let text = format!("{} {}", tab.number(), tab.title());
        if tab == main.tab {
            // Brackets as well as style, so the current tab reads without either.
            spans.push(Span::styled(format!("[{text}]"), theme.tab_selected()));
        } else {
            spans.push(Span::raw(format!(" {text} ")));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);

    let who = format!(
        "{} · {} ",
        main.identity.user.username,
        role_name_of(&main.identity)
    );
    // Usernames can be long; the tabs matter more.
    let room = usize::from(area.width).saturating_sub(64);
    let who: String = if who.chars().count() > room {
        let keep = room.saturating_sub(2);
        format!("{}… ", who.chars().take(keep).collect::<String>())
    } else {
        who
    };
    frame.render_widget(Paragraph::new(Line::from(who).right_aligned()), area);
}
