//! The sync domain's queries: job schedules and runs.

pub mod jobs;
