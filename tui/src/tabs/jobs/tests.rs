//! The Jobs tab's tests: its update and its screens.

mod screens;
pub(crate) mod update;
