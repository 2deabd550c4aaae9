//! `spotter.v1.Events`: the caller's live events. The user is always the caller; the
//! request only says where to resume.

use std::{pin::Pin, sync::Arc};

use futures::{Stream, StreamExt};
use spotter_proto::v1::{self, events_server::Events};
use tonic::{Request, Response, Status};

use crate::{
    domains::identity::{caller::Caller, service::Identity},
    events::EventBus,
};

pub struct EventsService {
    bus: Arc<EventBus>,
    identity: Arc<Identity>,
}

impl EventsService {
    pub fn new(bus: Arc<EventBus>, identity: Arc<Identity>) -> Self {
        EventsService { bus, identity }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<v1::Event, Status>> + Send>>;

#[tonic::async_trait]
impl Events for EventsService {
    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<v1::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let caller = Caller::of(&request)?.clone();
        let r = request.get_ref();
        let sub = self.bus.subscribe(caller.user_id, r.after_seq, r.epoch);
        // The stream outlives this request: it asks again whether the session holds,
        // and ends with UNAUTHENTICATED (and why) once it does not.
        let identity = self.identity.clone();
        let check: crate::events::SessionCheck = Box::new(move || {
            let (identity, caller) = (identity.clone(), caller.clone());
            Box::pin(async move {
                identity
                    .recheck(&caller)
                    .await
                    .map_err(|refusal| Status::from(refusal).message().to_owned())
            })
        });
        let stream = self
            .bus
            .clone()
            .stream(sub, check)
            .map(|item| item.map_err(Status::unauthenticated));
        Ok(Response::new(Box::pin(stream)))
    }
}
