//! A minimal client for the end-to-end tests that run a call as another Unix user
//! (under `setpriv`): connects to `$SPOTTER_E2E_SOCKET`, calls `Auth.WhoAmI` with the
//! bearer token in `$SPOTTER_E2E_TOKEN` (or the public `System.GetStatus` when it is
//! empty), and prints `OK`, `STATUS <code name>` or `CONNECT <error kind>`.

use spotter_proto::v1::{
    GetStatusRequest, WhoAmIRequest, auth_client::AuthClient, system_client::SystemClient,
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let socket = std::env::var("SPOTTER_E2E_SOCKET").expect("SPOTTER_E2E_SOCKET");
    let token = std::env::var("SPOTTER_E2E_TOKEN").unwrap_or_default();
    if let Err(e) = tokio::net::UnixStream::connect(&socket).await {
        println!("CONNECT {:?}", e.kind());
        return;
    }
    let channel = spotter_e2e::channel(std::path::Path::new(&socket))
        .await
        .expect("channel");
    let answer = if token.is_empty() {
        SystemClient::new(channel)
            .get_status(GetStatusRequest {
                client_protocol_version: spotter_proto::PROTOCOL_VERSION,
            })
            .await
            .map(drop)
    } else {
        AuthClient::with_interceptor(channel, spotter_e2e::Bearer(token))
            .who_am_i(WhoAmIRequest {})
            .await
            .map(drop)
    };
    match answer {
        Ok(_) => println!("OK"),
        Err(status) => println!("STATUS {:?}", status.code()),
    }
}
