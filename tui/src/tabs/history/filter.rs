//! What the history browser shows: search words, field filters (artist, album,
//! title, sources, a range of local dates) and where it starts (a jump to a date),
//! with the small forms that set them. Dates are checked here, so a mistyped one
//! keeps its form open with the reason.

use spotter_proto::v1::{ListenFilter, Provider};

use crate::{
    component::form::{FieldId, Form},
    dates::{Zone, parse_day},
    providers,
};

/// A date bound as the user typed it, and the unix second it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateBound {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub at: i64,
}

/// The filters in force; empty fields are not filtered on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryFilter {
    /// Search words (artist, album or title; the last word also as a prefix).
    pub query: String,
    pub artist: String,
    pub album: String,
    pub title: String,
    /// As typed ("spotify, import"), for the form and the filter line.
    pub sources_text: String,
    pub sources: Vec<Provider>,
    /// Listens that came from an import file.
    pub imported: bool,
    /// From the start of this local day.
    pub from: Option<DateBound>,
    /// Up to the end of this local day (`at` is the next day's start, exclusive).
    pub to: Option<DateBound>,
}

/// Where the list starts: the listens at or before the end of a local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jump {
    pub date: String,
    /// The last second of that day.
    pub at: i64,
}

impl HistoryFilter {
    pub fn is_empty(&self) -> bool {
        *self == HistoryFilter::default()
    }

    /// The filter for `ListListens`; `None` when nothing is filtered.
    pub fn to_proto(&self) -> Option<ListenFilter> {
        if self.is_empty() {
            return None;
        }
        Some(ListenFilter {
            query: self.query.clone(),
            artist: self.artist.clone(),
            album: self.album.clone(),
            title: self.title.clone(),
            sources: self.sources.iter().map(|&p| p as i32).collect(),
            imported: self.imported,
            from: self.from.as_ref().map_or(0, |b| b.at),
            to: self.to.as_ref().map_or(0, |b| b.at),
        })
    }

    /// The filters in words, for the line above the table.
    pub fn describe(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if !self.query.is_empty() {
            parts.push(format!("search \"{}\"", self.query));
        }
        for (name, value) in [
            ("artist", &self.artist),
            ("album", &self.album),
            ("title", &self.title),
        ] {
            if !value.is_empty() {
                parts.push(format!("{name}: {value}"));
            }
        }
        if !self.sources.is_empty() || self.imported {
            let mut names: Vec<&str> = self.sources.iter().map(|&p| providers::name(p)).collect();
            if self.imported {
                names.push("import");
            }
            parts.push(format!("from {}", names.join(", ")));
        }
        match (&self.from, &self.to) {
            (Some(from), Some(to)) => parts.push(format!("{} to {}", from.date, to.date)),
            (Some(from), None) => parts.push(format!("since {}", from.date)),
            (None, Some(to)) => parts.push(format!("until {}", to.date)),
            (None, None) => {}
        }
        parts
    }

    /// The field filters from the filter form (the search words are kept), or the
    /// field to fix and why.
    pub fn from_form(&self, form: &Form, zone: Zone) -> Result<HistoryFilter, (FieldId, String)> {
        let text = |id| form.text(id).trim().to_owned();
        let sources_text = text(FieldId::Source);
        let (sources, imported) =
            parse_sources(&sources_text).map_err(|message| (FieldId::Source, message))?;
        let bound = |id: FieldId, end: bool| -> Result<Option<DateBound>, (FieldId, String)> {
            let date = text(id);
            if date.is_empty() {
                return Ok(None);
            }
            let day = parse_day(&date).map_err(|message| (id, message))?;
            let (start, next) = zone.day(day);
            Ok(Some(DateBound {
                date,
                at: if end { next } else { start },
            }))
        };
        let from = bound(FieldId::From, false)?;
        let to = bound(FieldId::To, true)?;
        if let (Some(from), Some(to)) = (&from, &to)
            && from.at >= to.at
        {
            return Err((
                FieldId::To,
                "The last day comes before the first: swap them.".into(),
            ));
        }
        Ok(HistoryFilter {
            query: self.query.clone(),
            artist: text(FieldId::Artist),
            album: text(FieldId::Album),
            title: text(FieldId::Title),
            sources_text,
            sources,
            imported,
            from,
            to,
        })
    }
}

/// "spotify, last.fm import" as providers, and whether imports are included.
pub fn parse_sources(text: &str) -> Result<(Vec<Provider>, bool), String> {
    let mut sources = Vec::new();
    let mut imported = false;
    for word in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        match word.to_ascii_lowercase().as_str() {
            "import" | "imported" | "imports" => imported = true,
            _ => match providers::parse(word) {
                Some(p) if !sources.contains(&p) => sources.push(p),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "Unknown source \"{word}\": use spotify, lastfm, listenbrainz, \
                         navidrome or import."
                    ));
                }
            },
        }
    }
    Ok((sources, imported))
}

/// The `/` search box, live: the list follows what is typed.
pub fn search_form(query: &str) -> Form {
    let mut form = Form::new(vec![Form::plain(FieldId::Query, "Search")]);
    form.set_text(FieldId::Query, query);
    form
}

/// The `f` form, showing the filters in force.
pub fn filter_form(filter: &HistoryFilter) -> Form {
    let mut form = Form::new(vec![
        Form::plain(FieldId::Artist, "Artist"),
        Form::plain(FieldId::Album, "Album"),
        Form::plain(FieldId::Title, "Title"),
        Form::plain(FieldId::Source, "Source"),
        Form::plain(FieldId::From, "First day"),
        Form::plain(FieldId::To, "Last day"),
    ]);
    form.set_text(FieldId::Artist, &filter.artist);
    form.set_text(FieldId::Album, &filter.album);
    form.set_text(FieldId::Title, &filter.title);
    form.set_text(FieldId::Source, &filter.sources_text);
    let date = |b: &Option<DateBound>| b.as_ref().map_or(String::new(), |b| b.date.clone());
    form.set_text(FieldId::From, &date(&filter.from));
    form.set_text(FieldId::To, &date(&filter.to));
    form
}

/// The `g` form: a date to start from.
pub fn jump_form(jump: Option<&Jump>) -> Form {
    let mut form = Form::new(vec![Form::plain(FieldId::Date, "Date")]);
    if let Some(jump) = jump {
        form.set_text(FieldId::Date, &jump.date);
    }
    form
}

/// The jump the form asks for: `None` (back to the newest) when empty.
pub fn jump_from_form(form: &Form, zone: Zone) -> Result<Option<Jump>, String> {
    let date = form.text(FieldId::Date).trim().to_owned();
    if date.is_empty() {
        return Ok(None);
    }
    let (_, next) = zone.day(parse_day(&date)?);
    Ok(Some(Jump { date, at: next - 1 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_named_loosely_and_checked() {
        assert_eq!(
            parse_sources("Spotify, last.fm import"),
            Ok((vec![Provider::Spotify, Provider::Lastfm], true))
        );
        assert_eq!(parse_sources(""), Ok((vec![], false)));
        assert!(parse_sources("tidal").unwrap_err().contains("\"tidal\""));
    }

    #[test]
    fn an_empty_filter_sends_none_and_says_nothing() {
        assert_eq!(HistoryFilter::default().to_proto(), None);
        assert!(HistoryFilter::default().describe().is_empty());
    }

    fn filled(values: &[(FieldId, &str)]) -> Form {
        let mut form = filter_form(&HistoryFilter::default());
        for (id, value) in values {
            form.set_text(*id, value);
        }
        form
    }

    #[test]
    fn the_form_gives_local_day_bounds() {
        let form = filled(&[
            (FieldId::Artist, " Björk "),
            (FieldId::Source, "navidrome"),
            (FieldId::From, "2024-06-01"),
            (FieldId::To, "2024-06-01"),
        ]);
        let filter = HistoryFilter::default()
            .from_form(&form, Zone::Fixed(60))
            .unwrap();
        assert_eq!(filter.artist, "Björk");
        assert_eq!(filter.from.as_ref().unwrap().at, 1_717_200_000 - 3_600);
        assert_eq!(filter.to.as_ref().unwrap().at, 1_717_286_400 - 3_600);
        assert_eq!(
            filter.describe(),
            [
                "artist: Björk",
                "from Navidrome",
                "2024-06-01 to 2024-06-01"
            ]
        );
    }

    #[test]
    fn bad_dates_and_backwards_ranges_name_their_field() {
        let form = filled(&[(FieldId::From, "June 1st")]);
        let (field, message) = HistoryFilter::default()
            .from_form(&form, Zone::Utc)
            .unwrap_err();
        assert_eq!(field, FieldId::From);
        assert!(message.contains("YYYY-MM-DD"), "{message}");
        let form = filled(&[(FieldId::From, "2024-06-02"), (FieldId::To, "2024-06-01")]);
        let (field, _) = HistoryFilter::default()
            .from_form(&form, Zone::Utc)
            .unwrap_err();
        assert_eq!(field, FieldId::To);
    }

    #[test]
    fn a_jump_starts_at_the_end_of_the_day() {
        let mut form = jump_form(None);
        form.set_text(FieldId::Date, "2024-06-01");
        assert_eq!(
            jump_from_form(&form, Zone::Utc),
            Ok(Some(Jump {
                date: "2024-06-01".into(),
                at: 1_717_286_399
            }))
        );
        form.set_text(FieldId::Date, "");
        assert_eq!(jump_from_form(&form, Zone::Utc), Ok(None));
        form.set_text(FieldId::Date, "yesterday");
        assert!(jump_from_form(&form, Zone::Utc).is_err());
    }
}
