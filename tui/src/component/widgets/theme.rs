//! Styles. Only the 16 ANSI colours (they follow the user's terminal palette), and
//! with `NO_COLOR` no colour at all: emphasis then comes from bold and reverse video.

use ratatui::style::{Color, Modifier, Style};

/// True unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn colour_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    colour: bool,
}

impl Theme {
    pub fn new(colour: bool) -> Self {
        Theme { colour }
    }

    fn pick(self, coloured: Style, plain: Style) -> Style {
        if self.colour { coloured } else { plain }
    }

    /// The title bar across the top.
    pub fn title_bar(self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    }

    /// Field names on the status screen.
    pub fn label(self) -> Style {
        self.pick(Style::new().fg(Color::Cyan), Style::new())
    }

    /// Section headings inside a screen.
    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn good(self) -> Style {
        self.pick(
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn busy(self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn bad(self) -> Style {
        self.pick(
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// A key name in the footer and help.
    pub fn key(self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// Borders of the main panel, tinted by connection state.
    pub fn border(self, state: Style) -> Style {
        self.pick(
            Style::new().fg(state.fg.unwrap_or(Color::Reset)),
            Style::new(),
        )
    }

    /// The selected tab in the tab bar: it must stand out from the bar itself,
    /// which is already reversed without colour.
    pub fn tab_selected(self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::Black)
                .bg(Color::White)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// The selected row of a list (reverse video reads the same with or without
    /// colour).
    pub fn selected_row(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The focused form field's label and value.
    pub fn focused(self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// The done part of a progress gauge.
    pub fn gauge_filled(self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    /// The part still to do.
    pub fn gauge_unfilled(self) -> Style {
        self.pick(Style::new().fg(Color::DarkGray), Style::new())
    }

    /// Gauge characters (done, to do): thick and thin lines tell them apart by
    /// colour; without colour the shapes must (full and light shade).
    pub fn gauge_symbols(self) -> (&'static str, &'static str) {
        if self.colour {
            ("━", "─")
        } else {
            ("█", "░")
        }
    }

    /// Secondary text: column headers, hints, "loading…".
    pub fn dim(self) -> Style {
        self.pick(Style::new().fg(Color::DarkGray), Style::new())
    }
}
