//! The Listens tab, a first look at the history (the browser comes later): totals
//! per source and of the library mirror, then the recent listens newest first,
//! older pages fetched on demand as on the Audit tab.

use spotter_proto::v1::{GetSummaryResponse, Listen};

use super::{
    Effect,
    calls::{Call, Reply},
    rows::Rows,
    signed_in::{Main, Notice, Tab},
};

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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListensView {
    /// Paged by the daemon's opaque `next_before` cursor.
    pub rows: Rows<Listen, String>,
    pub summary: Option<ListenSummary>,
    pub summary_loading: bool,
}

impl Main {
    pub(super) fn reload_listens(&mut self) -> Vec<Effect> {
        vec![
            self.call(Call::GetListenSummary),
            self.call(Call::ListRecentListens {
                before: String::new(),
            }),
        ]
    }

    pub(super) fn load_older_listens(&mut self) -> Vec<Effect> {
        let rows = &self.listens.rows;
        if rows.loading {
            return Vec::new();
        }
        if rows.next.is_empty() {
            self.notice = Some(Notice::info("No older listens."));
            return Vec::new();
        }
        let before = rows.next.clone();
        vec![self.call(Call::ListRecentListens { before })]
    }

    pub(super) fn listens_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Listens {
                before,
                listens,
                next_before,
            } => {
                let rows = &mut self.listens.rows;
                if before.is_empty() {
                    rows.replace(listens, next_before);
                } else if before == rows.next {
                    rows.append(listens, next_before);
                }
            }
            Reply::ListenSummary(summary) => {
                self.listens.summary = Some(summary);
                self.listens.summary_loading = false;
            }
            // Routed here by `call_done` only for the replies above.
            _ => {}
        }
    }

    /// New listens were synced: refresh what is on screen without yanking the
    /// list away from someone reading older pages.
    pub(super) fn new_listens(&mut self, count: u32) -> Vec<Effect> {
        if self.tab != Tab::Listens {
            return Vec::new();
        }
        let mut effects = Vec::new();
        if !self.listens.summary_loading {
            effects.push(self.call(Call::GetListenSummary));
        }
        let rows = &self.listens.rows;
        if rows.selected == 0 {
            if !rows.loading {
                effects.push(self.call(Call::ListRecentListens {
                    before: String::new(),
                }));
            }
        } else {
            self.notice = Some(Notice::info(match count {
                1 => "1 new listen: r reloads.".to_owned(),
                n => format!("{n} new listens: r reloads."),
            }));
        }
        effects
    }
}
