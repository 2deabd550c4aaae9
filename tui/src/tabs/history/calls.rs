//! The History service's calls for the browser (the import streams on its own,
//! see [`super::import_stream`]).

use spotter_proto::v1::{GetListenRequest, GetSummaryRequest, ListListensRequest};

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

type Result = std::result::Result<Reply, ClientError>;

pub async fn run(client: &DaemonClient, auth: &Authenticator, call: Call) -> Result {
    match call {
        Call::ListListens {
            generation,
            page,
            request,
        } => list_listens(client, auth, generation, page, request).await,
        Call::GetListen { id } => get_listen(client, auth, id).await,
        Call::GetListenSummary => listen_summary(client, auth).await,
    }
}

pub async fn list_listens(
    client: &DaemonClient,
    auth: &Authenticator,
    generation: u64,
    page: usize,
    request: ListListensRequest,
) -> Result {
    let response = client
        .within_deadline(
            "ListListens",
            client.history().list_listens(auth.authorize(request)),
        )
        .await?;
    Ok(Reply::ListenPage {
        generation,
        page,
        listens: response.listens,
        next_cursor: response.next_cursor,
    })
}

pub async fn get_listen(client: &DaemonClient, auth: &Authenticator, id: i64) -> Result {
    let request = auth.authorize(GetListenRequest { id });
    let details = client
        .within_deadline("GetListen", client.history().get_listen(request))
        .await?;
    Ok(Reply::ListenDetails { id, details })
}

pub async fn listen_summary(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(GetSummaryRequest {});
    let response = client
        .within_deadline("GetSummary", client.history().get_summary(request))
        .await?;
    Ok(Reply::ListenSummary(response.into()))
}
