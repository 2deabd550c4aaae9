//! A minimal client for the end-to-end tests that run a call as another Unix user
//! (under `setpriv`): connects to `$SPOTTER_E2E_SOCKET`, calls `Auth.WhoAmI` with the
//! bearer token in `$SPOTTER_E2E_TOKEN`, and prints `OK`, `STATUS <code name>` or
//! `CONNECT <error kind>`.

use spotter_proto::v1::{WhoAmIRequest, auth_client::AuthClient};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let socket = std::env::var("SPOTTER_E2E_SOCKET").expect("SPOTTER_E2E_SOCKET");
    let token = std::env::var("SPOTTER_E2E_TOKEN").expect("SPOTTER_E2E_TOKEN");
    if let Err(e) = tokio::net::UnixStream::connect(&socket).await {
        println!("CONNECT {:?}", e.kind());
        return;
    }
    let channel = spotter_e2e::channel(std::path::Path::new(&socket))
        .await
        .expect("channel");
    let mut auth = AuthClient::with_interceptor(channel, spotter_e2e::Bearer(token));
    match auth.who_am_i(WhoAmIRequest {}).await {
        Ok(_) => println!("OK"),
        Err(status) => println!("STATUS {:?}", status.code()),
    }
}
