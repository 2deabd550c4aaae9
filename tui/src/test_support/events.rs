//! A stand-in for the daemon's Events service: it records every subscription
//! (where it asked to resume, with which token) and answers each with the next
//! scripted list of events, then ends the stream or holds it open.

use std::{
    collections::VecDeque,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
};

use futures::{Stream, StreamExt as _, stream};
use spotter_proto::v1::{Event, SubscribeRequest, events_server::Events};
use tonic::{Request, Response, Status};

/// What a subscription receives.
#[derive(Debug, Clone)]
pub struct Script {
    pub events: Vec<Event>,
    /// Keep the stream open after the events (else it ends, as at a shutdown).
    pub hold: bool,
}

/// One recorded subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub after_seq: u64,
    pub epoch: u64,
    pub token: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    scripts: VecDeque<Script>,
    subscriptions: Vec<Subscription>,
    /// When set, only this bearer token is accepted.
    token: Option<String>,
}

/// Cheap to clone: every clone is the same service.
#[derive(Debug, Clone, Default)]
pub struct FakeEvents {
    state: Arc<Mutex<State>>,
}

impl FakeEvents {
    /// Answers subscriptions with `scripts` in turn, then holds silent streams.
    pub fn scripted(scripts: Vec<Script>) -> Self {
        let events = FakeEvents::default();
        events.lock().scripts = scripts.into();
        events
    }

    pub fn accept_only(self, token: &str) -> Self {
        self.lock().token = Some(token.into());
        self
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().subscriptions.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<Event, Status>> + Send>>;

#[tonic::async_trait]
impl Events for FakeEvents {
    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let r = request.into_inner();
        let mut state = self.lock();
        state.subscriptions.push(Subscription {
            after_seq: r.after_seq,
            epoch: r.epoch,
            token: token.clone(),
        });
        if state.token.is_some() && state.token != token {
            return Err(Status::unauthenticated("access token expired"));
        }
        let script = state.scripts.pop_front().unwrap_or(Script {
            events: Vec::new(),
            hold: true,
        });
        let events = stream::iter(script.events.into_iter().map(Ok));
        let stream: EventStream = if script.hold {
            Box::pin(events.chain(stream::pending()))
        } else {
            Box::pin(events)
        };
        Ok(Response::new(stream))
    }
}
