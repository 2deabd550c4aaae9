//! The tab bar across the top once signed in: the tabs this user has, with their
//! digits, and who is signed in.
//!
//! Admins have nine tabs, which do not fit 80 columns with every title in full:
//! the bar then drops the product name and the spacing, then shortens the titles
//! of the tabs not shown (the current one always reads in full).

use ratatui::{
    Frame,
    layout::Rect,
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use crate::component::widgets::theme::Theme;
use crate::{app::Main, component::Tab};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// " spotter  1 Status  2 Sessions …"
    Roomy,
    /// " 1 Status 2 Sessions …"
    Tight,
    /// " 1 Status 2 Sess 3 Conn …"
    Short,
    /// " [1 Status] 2Sess 3Conn …": admins' ten tabs and a name at 80 columns.
    Dense,
}

pub fn render(frame: &mut Frame, area: Rect, main: &Main, theme: Theme) {
    frame.render_widget(Block::new().style(theme.title_bar()), area);
    let width = usize::from(area.width);
    let name = main.identity.user.username.as_str();
    let who = format!("{name} · {} ", main.identity.role_name());

    let fits = |fit: Fit, extra: usize| tabs_width(main, fit) + extra <= width;
    let fit = [Fit::Roomy, Fit::Tight, Fit::Short, Fit::Dense]
        .into_iter()
        .find(|&fit| fits(fit, 1 + who.chars().count()))
        .unwrap_or(Fit::Dense);
    frame.render_widget(Paragraph::new(Line::from(spans(main, fit, theme))), area);

    // Who is signed in, as much as is left: the role goes before the name does.
    let room = width.saturating_sub(tabs_width(main, fit) + 1);
    let who = if who.chars().count() <= room {
        who
    } else if name.chars().count() < room {
        format!("{name} ")
    } else {
        let keep = room.saturating_sub(2);
        format!("{}… ", name.chars().take(keep).collect::<String>())
    };
    if room >= 2 {
        frame.render_widget(Paragraph::new(Line::from(who).right_aligned()), area);
    }
}

fn label(tab: Tab, current: bool, fit: Fit) -> String {
    let title = if matches!(fit, Fit::Short | Fit::Dense) && !current {
        tab.short_title
    } else {
        tab.title
    };
    let gap = if fit == Fit::Dense && !current {
        ""
    } else {
        " "
    };
    // The digit that selects it.
    let text = match crate::keymap::tab_digit(tab) {
        Some(digit) => format!("{digit}{gap}{title}"),
        None => title.to_owned(),
    };
    match (current, fit) {
        // Brackets as well as style, so the current tab reads without either.
        (true, _) => format!("[{text}]"),
        (false, Fit::Roomy) => format!(" {text} "),
        (false, _) => text,
    }
}

fn spans(main: &Main, fit: Fit, theme: Theme) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(if fit == Fit::Roomy { " spotter " } else { " " })];
    for (i, tab) in main.tabs().into_iter().enumerate() {
        if fit != Fit::Roomy && i > 0 {
            spans.push(Span::raw(" "));
        }
        let current = tab == main.tab;
        let text = label(tab, current, fit);
        spans.push(if current {
            Span::styled(text, theme.tab_selected())
        } else {
            Span::raw(text)
        });
    }
    spans
}

fn tabs_width(main: &Main, fit: Fit) -> usize {
    spans(main, fit, Theme::new(false))
        .iter()
        .map(|s| s.content.chars().count())
        .sum()
}
