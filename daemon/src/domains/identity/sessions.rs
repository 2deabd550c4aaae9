//! The caller's own sessions: list them, revoke one or all the others. Each
//! revocation is audited and announced on the user's event stream, so the other
//! clients of the user see it at once.

use std::sync::Arc;

use super::{caller::Caller, store::SessionRow};
use crate::{
    events::{EventBus, EventKind, other_sessions_revoked, session_revoked},
    service::{Result, ServiceError},
    store::Store,
};

/// Why a user revoked their own sessions, as the session rows record it.
const REVOKED_BY_USER: &str = "revoked by its user";

pub struct Sessions {
    store: Store,
    events: Arc<EventBus>,
}

impl Sessions {
    pub fn new(store: Store, events: Arc<EventBus>) -> Self {
        Sessions { store, events }
    }

    /// The user's sessions, live ones first as the store orders them.
    pub async fn list(&self, user_id: i64) -> Result<Vec<SessionRow>> {
        self.store
            .list_sessions(user_id)
            .await
            .map_err(ServiceError::Store)
    }

    /// Revokes the caller's session `id`; `false` when the caller has no such
    /// session (another user's sessions are simply not found).
    pub async fn revoke(&self, caller: &Caller, id: &str) -> Result<bool> {
        let revoked = self
            .store
            .revoke_session(caller.user_id, id, REVOKED_BY_USER)
            .await
            .map_err(ServiceError::Store)?;
        if revoked {
            self.announce(caller, &format!("session {id}"), session_revoked(id))
                .await?;
        }
        Ok(revoked)
    }

    /// Revokes every session of the caller but the one they call from; how many.
    pub async fn revoke_others(&self, caller: &Caller) -> Result<u64> {
        let n = self
            .store
            .revoke_sessions(caller.user_id, Some(&caller.session_id), REVOKED_BY_USER)
            .await
            .map_err(ServiceError::Store)?;
        self.announce(
            caller,
            &format!("{n} other sessions"),
            other_sessions_revoked(&caller.session_id, n),
        )
        .await?;
        Ok(n)
    }

    /// The audit record and the event of a revocation by the caller.
    async fn announce(&self, caller: &Caller, detail: &str, event: EventKind) -> Result<()> {
        self.store
            .audit(
                "session_revoked",
                Some(caller.user_id),
                Some(caller.user_id),
                Some(caller.peer_uid),
                detail,
            )
            .await
            .map_err(ServiceError::Store)?;
        self.events.publish(caller.user_id, event);
        Ok(())
    }
}
