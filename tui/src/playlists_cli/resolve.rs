//! PLAYLIST on the command line: an id, or an exact name.

use spotter_proto::v1::Playlist;

/// The playlist `arg` names among `playlists`: the one with that id, else the one
/// with exactly that name. A name several playlists share is an error listing
/// their ids.
pub fn resolve<'a>(playlists: &'a [Playlist], arg: &str) -> Result<&'a Playlist, String> {
    if let Ok(id) = arg.trim().parse::<i64>()
        && let Some(p) = playlists.iter().find(|p| p.id == id)
    {
        return Ok(p);
    }
    let named: Vec<&Playlist> = playlists.iter().filter(|p| p.name == arg).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no playlist is named or numbered \"{arg}\" (`spotter playlists list` shows them)"
        )),
        several => Err(format!(
            "{} playlists are named \"{arg}\": give one of their ids ({})",
            several.len(),
            several
                .iter()
                .map(|p| p.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
