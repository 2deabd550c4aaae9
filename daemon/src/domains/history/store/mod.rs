//! The history domain's queries: listens and their sources ([`listens`]), the
//! timeline and its filters ([`queries`]), and statistics ([`stats`]).

pub mod listens;
pub mod queries;
pub mod stats;
#[cfg(test)]
mod tests;
