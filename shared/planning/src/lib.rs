//! Frontline's planning core: how many contacts are coming, hour by hour, in the site's
//! time zone, and how many agents that takes. Pure computation: no store, no HTTP. The
//! store feeds it hourly counts; the CLI `frontline-forecast` feeds it a CSV of arrivals.
//!
//! # Layout
//! - [`hours`]: local hours of a day, DST-correct (23 or 25 on change days), and hourly
//!   counts of arrivals over a range of local days.
//! - [`calendar`]: closed dates and closed weekdays.
//! - [`model`]: the forecast (weekday × hour profile times a damped-trend level) and its
//!   low-confidence fallback.
//! - [`accuracy`]: WAPE and the seasonal-naive baseline it is compared with.
//! - [`erlang`]: Erlang B / Erlang C, agents needed for a service level, with concurrency
//!   and shrinkage.

pub mod accuracy;
pub mod calendar;
pub mod erlang;
pub mod hours;
pub mod model;

pub use calendar::Calendar;
pub use erlang::Staffing;
pub use hours::{HourlyCounts, LocalHour};
pub use model::{forecast, Forecast, HourForecast};
