//! The History tab's tests: its update and its screens.

mod screens;
mod update;
