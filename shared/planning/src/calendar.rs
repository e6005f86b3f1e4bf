//! Days the team is closed: listed dates (holidays) and weekdays without business hours.
//! Closed days are left out of the fit and forecast as zero.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub closed_dates: BTreeSet<Date>,
    pub closed_weekdays: Vec<Weekday>,
}

impl Calendar {
    pub fn is_closed(&self, date: Date) -> bool {
        self.closed_dates.contains(&date) || self.closed_weekdays.contains(&date.weekday())
    }
}
