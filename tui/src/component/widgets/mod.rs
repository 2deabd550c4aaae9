//! Drawing blocks every screen shares: the colours ([`theme`]), tables that draw
//! only their visible window ([`table`]), labelled fields ([`fields`]), form
//! fields ([`form`]) and dialog boxes ([`dialog`]).

pub mod dialog;
pub mod fields;
pub mod form;
pub mod table;
pub mod theme;
