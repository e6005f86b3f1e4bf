//! # frontline-tests
//!
//! Support for Frontline's end-to-end suite (`tests/tests/suite`): fresh databases on
//! each backend, the real binaries started on random ports, and loopback stand-ins for
//! Slack and Discord that speak their documented shapes.
//!
//! # Layout
//! - [`databases`]: a fresh SQLite file or PostgreSQL database per test.

pub mod databases;
