//! Values every domain's rpc adapter sends or reads: the provider enum on the wire.

use spotter_proto::v1;
use tonic::Status;

use crate::store::Provider;

pub fn provider_from_wire(value: i32) -> Result<Provider, Status> {
    match v1::Provider::try_from(value) {
        Ok(v1::Provider::Navidrome) => Ok(Provider::Navidrome),
        Ok(v1::Provider::Spotify) => Ok(Provider::Spotify),
        Ok(v1::Provider::Lastfm) => Ok(Provider::LastFm),
        Ok(v1::Provider::Listenbrainz) => Ok(Provider::ListenBrainz),
        _ => Err(Status::invalid_argument("provider is missing or unknown")),
    }
}

pub fn provider_to_wire(p: Provider) -> v1::Provider {
    p.into()
}
