//! What the SLA messages say, before any markup: the values the re-alert and managers'
//! templates render.
//!
//! Like [`AlertView`](crate::view::AlertView), every string is raw text the registry folds
//! to one line and escapes for its platform; only `mention` is pre-rendered markup (from
//! configuration), inserted with `{{{mention}}}`.
//!
//! Template data, `realert.slack.hbs` / `realert.discord.hbs` (the nudge in the alert's
//! thread): `id`, `customer.{name,email}`, `site.{id,name}`, `priority`, `waiting` (since
//! the handoff), `number` (this re-alert, from 1), `mention`.
//!
//! `managers.slack.hbs` / `managers.discord.hbs` (the heads-up in the managers' channel):
//! `id`, `customer.{name,email}`, `site.{id,name}`, `priority`, `waiting`, `realerts`
//! (re-alerts before this one), `question` (shortened), `alert_channel` (the alert's
//! channel id, for `<#…>`; absent when unknown), `away_owner` (the agent who owns it and
//! is away; absent when it is unclaimed).

use frontline_shared::escalation::Escalation;
use serde::Serialize;

use crate::view::{humanize_ms, one_line, CustomerView, SiteView};

/// Longest question shown to managers, in characters.
const QUESTION_CHARS: usize = 300;

/// The nudge for an escalation still unclaimed after its SLA.
#[derive(Debug, Clone, Serialize)]
pub struct RealertView {
    pub id: String,
    pub customer: CustomerView,
    pub site: SiteView,
    pub priority: &'static str,
    pub waiting: String,
    pub number: i64,
    pub mention: Option<String>,
}

impl RealertView {
    /// Re-alert `number` of `escalation` at `now_ms`; `mention` is already platform markup.
    pub fn new(
        escalation: &Escalation,
        site_name: &str,
        number: i64,
        now_ms: i64,
        mention: Option<String>,
    ) -> RealertView {
        RealertView {
            id: escalation.id.clone(),
            customer: customer(escalation),
            site: site(escalation, site_name),
            priority: escalation.priority.as_str(),
            waiting: humanize_ms(now_ms - escalation.created_at_ms),
            number,
            mention,
        }
    }
}

/// The managers' heads-up about an escalation nobody claimed after the re-alerts.
#[derive(Debug, Clone, Serialize)]
pub struct ManagersView {
    pub id: String,
    pub customer: CustomerView,
    pub site: SiteView,
    pub priority: &'static str,
    pub waiting: String,
    pub realerts: i64,
    pub question: Option<String>,
    pub alert_channel: Option<String>,
    pub away_owner: Option<String>,
}

impl ManagersView {
    /// The heads-up sent as re-alert `number`; `alert_channel` is where the alert lives.
    pub fn new(
        escalation: &Escalation,
        site_name: &str,
        number: i64,
        now_ms: i64,
        alert_channel: Option<&str>,
        away_owner: Option<&str>,
    ) -> ManagersView {
        ManagersView {
            id: escalation.id.clone(),
            customer: customer(escalation),
            site: site(escalation, site_name),
            priority: escalation.priority.as_str(),
            waiting: humanize_ms(now_ms - escalation.created_at_ms),
            realerts: number - 1,
            question: escalation
                .context
                .question
                .as_deref()
                .map(|q| one_line(q, QUESTION_CHARS)),
            alert_channel: alert_channel.map(str::to_string),
            away_owner: away_owner.map(str::to_string),
        }
    }
}

fn customer(escalation: &Escalation) -> CustomerView {
    CustomerView {
        name: escalation.customer_label().to_string(),
        email: escalation.email.clone(),
    }
}

fn site(escalation: &Escalation, name: &str) -> SiteView {
    SiteView {
        id: escalation.site_id.to_string(),
        name: name.to_string(),
    }
}
