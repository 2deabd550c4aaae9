//! A fake spotterd for the end-to-end tests, run as another Unix user (under
//! `setpriv`): listens on `$SPOTTER_E2E_LISTEN` (socket mode 0777, as an attacker
//! would leave it), prints `LISTENING` once it does, then takes one connection at a
//! time, reads it to the end and appends `<bytes received> <those bytes in hex>` to
//! `$SPOTTER_E2E_RECORD`. Connections are handled in arrival order, so once a
//! connection the test makes last is recorded, every earlier one is too.

use std::{
    fs::OpenOptions,
    io::{Read as _, Write as _},
    os::unix::{fs::PermissionsExt as _, net::UnixListener},
};

fn main() {
    let listen = std::env::var("SPOTTER_E2E_LISTEN").expect("SPOTTER_E2E_LISTEN");
    let record = std::env::var("SPOTTER_E2E_RECORD").expect("SPOTTER_E2E_RECORD");
    let listener = UnixListener::bind(&listen).expect("bind");
    std::fs::set_permissions(&listen, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    println!("LISTENING");
    std::io::stdout().flush().expect("stdout");
    for stream in listener.incoming() {
        let mut bytes = Vec::new();
        if let Ok(mut stream) = stream {
            // A reset counts as the end too: what arrived before it is what matters.
            let _ = stream.read_to_end(&mut bytes);
        }
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&record)
            .expect("record file");
        writeln!(log, "{} {}", bytes.len(), hex::encode(&bytes)).expect("record");
    }
}
