//! Slots for work a user starts and the server bounds: one per user at a time and a
//! bounded number in all, refused rather than queued (a stalled upload never holds
//! others up). History and playlist imports each hold one of these.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ServiceError;

/// The users running one of these ("an import", "a playlist import") and the slots
/// left.
#[derive(Debug)]
pub struct UserSlots {
    one: &'static str,
    many: &'static str,
    users: Arc<Mutex<HashSet<i64>>>,
    all: Arc<Semaphore>,
}

/// A claim: the user's slot and one of all. Released on drop.
#[derive(Debug)]
pub struct Slot {
    users: Arc<Mutex<HashSet<i64>>>,
    user_id: i64,
    _permit: OwnedSemaphorePermit,
}

fn lock(users: &Mutex<HashSet<i64>>) -> std::sync::MutexGuard<'_, HashSet<i64>> {
    users.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.users).remove(&self.user_id);
    }
}

impl UserSlots {
    /// At most `max` running at once, all users together (at least one); `one` and
    /// `many` name the work in messages ("an import", "imports").
    pub fn new(one: &'static str, many: &'static str, max: usize) -> UserSlots {
        UserSlots {
            one,
            many,
            users: Arc::default(),
            all: Arc::new(Semaphore::new(max.max(1))),
        }
    }

    /// The user's slot and one of all, or `ResourceExhausted` saying which is taken.
    pub fn claim(&self, user_id: i64) -> Result<Slot, ServiceError> {
        if !lock(&self.users).insert(user_id) {
            return Err(ServiceError::ResourceExhausted(format!(
                "you already have {} running; wait for it to finish",
                self.one
            )));
        }
        match self.all.clone().try_acquire_owned() {
            Ok(permit) => Ok(Slot {
                users: self.users.clone(),
                user_id,
                _permit: permit,
            }),
            Err(_) => {
                lock(&self.users).remove(&user_id);
                Err(ServiceError::ResourceExhausted(format!(
                    "the server is busy with other {}; try again in a few minutes",
                    self.many
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_user_and_a_bounded_number_in_all() {
        let slots = UserSlots::new("an import", "imports", 2);
        let ann = slots.claim(1).unwrap();
        let again = slots.claim(1).unwrap_err().to_string();
        assert_eq!(
            again,
            "you already have an import running; wait for it to finish"
        );
        let _bob = slots.claim(2).unwrap();
        let busy = slots.claim(3).unwrap_err().to_string();
        assert!(busy.contains("busy with other imports"), "{busy}");
        // A refused claim leaves no trace; a finished one frees both slots.
        drop(ann);
        let _carl = slots.claim(3).unwrap();
        let full = slots.claim(1).unwrap_err().to_string();
        assert!(full.contains("busy"), "{full}");
        let playlists = UserSlots::new("a playlist import", "playlist imports", 1);
        let _dan = playlists.claim(4).unwrap();
        assert_eq!(
            playlists.claim(4).unwrap_err().to_string(),
            "you already have a playlist import running; wait for it to finish"
        );
    }
}
