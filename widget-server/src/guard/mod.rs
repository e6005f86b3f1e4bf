//! Guards at the door: rate limits, allowed origins, conversation and admin tokens.

pub mod admin;
pub mod origins;
pub mod rate_limit;
pub mod token;
