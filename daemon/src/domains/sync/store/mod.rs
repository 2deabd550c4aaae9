//! The sync domain's queries: job schedules and runs, and the library mirror.

pub mod jobs;
pub mod library;
