//! The status screen: what the connected daemon says about itself and how we reach it.

use ratatui::{
    Frame,
    layout::Rect,
    text::Line,
    widgets::{Block, Padding, Paragraph},
};
use spotter_proto::locations::Mode;

use crate::{
    component::{View, widgets::fields::field},
    socket::{SocketOrigin, SocketTarget},
    status::format_uptime,
};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let (status, theme) = (view.status, view.theme);
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" spotterd ")
        .border_style(theme.border(theme.good()));
    let width = block.inner(area).width;
    let row =
        |label: &str, value: &str| field(label, value, theme.label(), Default::default(), width);

    let mut lines: Vec<Line> = Vec::new();
    lines.extend(field(
        "Connection",
        "connected",
        theme.label(),
        theme.good(),
        width,
    ));
    lines.extend(row("Socket", &view.socket.path.display().to_string()));
    lines.extend(row("Socket source", &socket_source(view.socket)));
    lines.extend(row("Daemon version", &status.daemon_version));
    lines.extend(row(
        "Protocol",
        &format!(
            "daemon {} (serves clients {}–{}), this client {}",
            status.protocol_version,
            status.min_protocol_version,
            status.protocol_version,
            view.client_protocol_version
        ),
    ));
    lines.extend(row("PID", &status.pid.to_string()));
    lines.extend(row("Uptime", &format_uptime(status.uptime_seconds)));
    lines.extend(row("Schema version", &status.schema_version.to_string()));
    lines.extend(row("Mode", status.mode));
    lines.extend(row(
        "Your uid",
        &format!("{} (as the daemon sees you)", status.peer_uid),
    ));
    lines.extend(row("Key id", &status.encryption_key_id));

    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Where the socket path came from, in words.
pub fn socket_source(socket: &SocketTarget) -> String {
    match socket.origin {
        SocketOrigin::Default => format!(
            "default for {} mode",
            match socket.mode {
                Mode::Personal => "personal",
                Mode::System => "system",
            }
        ),
        origin => origin.describe().to_owned(),
    }
}
