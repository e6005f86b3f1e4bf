//! # frontline-tests
//!
//! Support for Frontline's end-to-end suite (`tests/tests/suite`): fresh databases on
//! each backend, the real servers started on random ports, and loopback stand-ins for
//! Slack and Discord that speak their documented shapes.
//!
//! # Layout
//! - [`databases`]: a fresh SQLite file or PostgreSQL database per test.
//! - [`widget_server`]: the widget server in-process on port 0, with a typed client.
//! - [`sse`]: a small Server-Sent Events reader.

pub mod databases;
pub mod sse;
pub mod widget_server;
