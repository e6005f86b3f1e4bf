//! Daily digests for managers: yesterday's figures, compared with the day before and the
//! 7-day average, the top intents and the top unanswered questions, plus a 14-day chart.
//!
//! `[[bot.digests]]` names a platform, a channel, a local time and a time zone. The
//! [`scheduler`] records each due digest once (a key per channel and day, so several
//! replicas and restarts still post one) and enqueues it in the outbox; the delivery
//! worker renders and posts it like any alert, with the same idempotent retries. A digest
//! whose time passed while the bot was down is posted when it comes back, marked late.
//! `/frontline digest` (Slack) and the `/frontline digest` slash command (Discord) ask for
//! today's figures so far, in the channel where they are typed.
//!
//! # Layout
//! - [`plans`]: configured digests, and the jobs they (or a command) produce.
//! - [`scheduler`]: the periodic check that records due digests.
//! - [`view`]: the figures a digest template renders; [`chart`]: the PNG.

pub mod chart;
pub mod plans;
pub mod scheduler;
pub mod view;

pub use plans::DigestPlans;

/// What `/frontline` answers to anything but `digest`.
pub const USAGE: &str = "Usage: `/frontline digest` posts today's figures so far in this channel.";
/// What `/frontline digest` answers (privately) while the digest goes through the outbox.
pub const ACKNOWLEDGED: &str = "Posting today's digest so far in this channel…";
pub use scheduler::DigestScheduler;
pub use view::DigestView;
