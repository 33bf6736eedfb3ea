//! Datong's HTTP layer: `/api/v1` (JSON), `/healthz`, `/metrics`.
//!
//! Handlers parse the request into domain types, take the [`auth::Caller`] from the
//! credentials, and call one repository function on a blocking thread. They never build a
//! scope filter themselves: the repositories do, from the caller.
#![recursion_limit = "512"]

pub mod api;
pub mod app;
pub mod auth;
pub mod client_addr;
pub mod error;
pub mod extract;
pub mod headers;
pub mod intake;
pub mod jobs;
pub mod memo;
pub mod metrics;
pub mod open311;
pub mod openapi;
pub mod throttle;

pub use app::{App, Clock, SystemClock, router};
