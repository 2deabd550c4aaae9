//! `spotter.v1.Events`: the caller's live events. The user is always the caller; the
//! request only says where to resume.

use std::{pin::Pin, sync::Arc};

use futures::{Stream, StreamExt};
use spotter_proto::v1::{self, events_server::Events};
use tonic::{Request, Response, Status};

use crate::{auth::access::Caller, events::EventBus};

pub struct EventsService {
    bus: Arc<EventBus>,
}

impl EventsService {
    pub fn new(bus: Arc<EventBus>) -> Self {
        EventsService { bus }
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
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let sub = self.bus.subscribe(caller.user_id, r.after_seq, r.epoch);
        let stream = self.bus.clone().stream(sub).map(Ok);
        Ok(Response::new(Box::pin(stream)))
    }
}
