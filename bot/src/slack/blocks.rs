//! Slack messages: Block Kit for alerts, short mrkdwn lines for everything else; the
//! alert, re-alert and managers' texts come from their templates (`crate::templates`).
//!
//! Alerts are a `section` with the rendered template and an `actions` block whose
//! buttons follow the status: **Claim** while queued, **Release** and **Resolve** once
//! claimed, none when resolved. Button `action_id`s are the action names
//! ([`AgentAction`](crate::actions::AgentAction)); the `value` is the escalation id.
//! An open alert also has an **Assign to…** `users_select` whose `action_id` is
//! `assign:<id>` while queued and `reassign:<id>` once claimed ([`AssignSelect`]): what
//! the alert showed decides, so a claim made meanwhile refuses an assignment.
//! Customer text is escaped with [`escape_slack`] (`&`, `<`, `>`), so it can neither
//! mention anyone nor forge links; names and other values inside a line are folded to
//! that line first ([`slack_value`]), so they cannot forge lines either.

use frontline_shared::escalation::Escalation;
use frontline_shared::templates::{
    escape_slack, markdown_to_chat, slack_value, ChatMedium, Templates,
};
use slack_morphism::prelude::*;

use crate::actions::AgentAction;
use crate::error::ChatError;
use crate::sla_view::{ManagersView, RealertView};
use crate::templates::{ALERT_SLACK, MANAGERS_SLACK, REALERT_SLACK};
use crate::view::AlertView;

/// Slack's limit for a section's text.
const SECTION_CHARS: usize = 3_000;

/// The alert: fallback text (notifications) and blocks.
pub fn alert(
    templates: &Templates,
    view: &AlertView,
) -> Result<(String, Vec<SlackBlock>), ChatError> {
    let body = templates.render(ALERT_SLACK, view)?;
    let body = cut_markup(body.trim_end(), SECTION_CHARS);
    let mut fallback = format!(
        "{} priority escalation from {}",
        view.priority,
        slack_value(&view.customer.name)
    );
    if let Some(mention) = &view.mention {
        fallback = format!("{mention} {fallback}");
    }
    let mut blocks = vec![SlackBlock::Section(
        SlackSectionBlock::new()
            .with_block_id("frontline_alert".into())
            .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(body))),
    )];
    let mut buttons = buttons(view, &view.id);
    if view.queued || view.claimed {
        let select = AssignSelect {
            reassign: view.claimed,
            escalation_id: view.id.clone(),
        };
        buttons.push(SlackActionBlockElement::UsersSelect(
            SlackBlockUsersSelectElement::new()
                .with_action_id(select.action_id().into())
                .with_placeholder("Assign to…".into()),
        ));
    }
    if !buttons.is_empty() {
        blocks.push(SlackBlock::Actions(
            SlackActionsBlock::new(buttons).with_block_id("frontline_actions".into()),
        ));
    }
    Ok((fallback, blocks))
}

fn buttons(view: &AlertView, escalation_id: &str) -> Vec<SlackActionBlockElement> {
    let button = |action: AgentAction, label: &str, style: Option<SlackBlockButtonStyle>| {
        SlackActionBlockElement::Button(
            SlackBlockButtonElement::new(label.into())
                .with_action_id(action.as_str().into())
                .with_value(escalation_id.to_string())
                .opt_style(style),
        )
    };
    if view.queued {
        vec![button(
            AgentAction::Claim,
            "Claim",
            Some(SlackBlockButtonStyle::Primary),
        )]
    } else if view.claimed {
        vec![
            button(AgentAction::Release, "Release", None),
            button(
                AgentAction::Resolve,
                "Resolve",
                Some(SlackBlockButtonStyle::Primary),
            ),
        ]
    } else {
        Vec::new()
    }
}

/// The alert's "Assign to…" select: which escalation, and whether it was claimed when
/// the alert was drawn. Grammar of its `action_id`: `assign:<id>` | `reassign:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignSelect {
    pub reassign: bool,
    pub escalation_id: String,
}

impl AssignSelect {
    pub fn parse(action_id: &str) -> Option<AssignSelect> {
        let (kind, id) = action_id.split_once(':')?;
        let reassign = match kind {
            "assign" => false,
            "reassign" => true,
            _ => return None,
        };
        (!id.is_empty()).then(|| AssignSelect {
            reassign,
            escalation_id: id.to_string(),
        })
    }

    pub fn action_id(&self) -> String {
        let kind = if self.reassign { "reassign" } else { "assign" };
        format!("{kind}:{}", self.escalation_id)
    }

    /// The core's action giving the escalation to account `agent_id`.
    pub fn action(&self, agent_id: String) -> AgentAction {
        if self.reassign {
            AgentAction::Reassign { agent_id }
        } else {
            AgentAction::Assign { agent_id }
        }
    }
}

/// The DM telling an agent they were given an escalation; `alert_channel` is where its
/// alert is.
pub fn assigned(
    escalation: &Escalation,
    site: &str,
    by: &str,
    alert_channel: Option<&str>,
) -> String {
    let text = format!(
        ":inbox_tray: *{}* assigned you the escalation from *{}* on {}.",
        slack_value(by),
        slack_value(escalation.customer_label()),
        slack_value(site)
    );
    with_alert_link(text, alert_channel)
}

/// The note in the alert's thread that an admin took the escalation over from `from`.
pub fn taken_over(by: &str, from: &str) -> String {
    format!(
        ":twisted_rightwards_arrows: *{}* took this escalation over from *{}*.",
        slack_value(by),
        slack_value(from)
    )
}

/// The DM telling an agent an admin took their escalation over; `alert_channel` is where
/// its alert is.
pub fn taken_over_from_you(
    escalation: &Escalation,
    site: &str,
    by: &str,
    alert_channel: Option<&str>,
) -> String {
    let text = format!(
        ":twisted_rightwards_arrows: *{}* took over your escalation from *{}* on {}.",
        slack_value(by),
        slack_value(escalation.customer_label()),
        slack_value(site)
    );
    with_alert_link(text, alert_channel)
}

/// A direct message, with where the escalation's alert is when that is known.
fn with_alert_link(mut text: String, alert_channel: Option<&str>) -> String {
    if let Some(channel) = alert_channel {
        text.push_str(&format!(" The alert is in <#{}>.", escape_slack(channel)));
    }
    text
}

/// A customer's follow-up, for the alert's thread.
pub fn customer_message(escalation: &Escalation, body: &str, reopened: bool) -> String {
    let line = format!(
        ":speech_balloon: *{}* (customer): {}",
        slack_value(escalation.customer_label()),
        escape_slack(body)
    );
    if reopened {
        format!(":arrows_counterclockwise: *Reopened by the customer* — waiting to be claimed again.\n{line}")
    } else {
        line
    }
}

/// An agent's reply typed outside this thread (`origin`: `web`, `discord`), for the thread.
pub fn agent_message(agent: &str, body: &str, origin: &str, saved_reply: Option<&str>) -> String {
    // A saved reply is Markdown we hold (rendered for the customer): in Slack's markup, its
    // text escaped. What an agent typed is text.
    let body = match saved_reply {
        Some(_) => markdown_to_chat(body, ChatMedium::Slack, SAVED_REPLY_CHARS),
        None => escape_slack(body),
    };
    format!(
        ":leftwards_arrow_with_hook: *{}* {} {}: {}",
        escape_slack(agent),
        crate::chat::replied(saved_reply, escape_slack),
        crate::chat::typed_in(origin),
        body
    )
}

/// Characters of a saved reply's text shown in the thread (Slack cuts a message at 40,000).
const SAVED_REPLY_CHARS: usize = 3_000;

/// The thread nudge for an escalation still unclaimed after its SLA (`realert.slack.hbs`).
pub fn realert(templates: &Templates, view: &RealertView) -> Result<String, ChatError> {
    Ok(templates
        .render(REALERT_SLACK, view)?
        .trim_end()
        .to_string())
}

/// The managers' heads-up, pointing at the alert's channel (`managers.slack.hbs`).
pub fn managers(templates: &Templates, view: &ManagersView) -> Result<String, ChatError> {
    Ok(templates
        .render(MANAGERS_SLACK, view)?
        .trim_end()
        .to_string())
}

/// The private answer to a refused click.
pub fn refusal(message: &str) -> String {
    format!(":no_entry: {}", escape_slack(message))
}

/// Cuts already-escaped mrkdwn to `max` characters without splitting an `&entity;`.
fn cut_markup(text: &str, max: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max.saturating_sub(1)) else {
        return text.to_string();
    };
    let mut head = &text[..cut];
    if let Some(amp) = head.rfind('&') {
        if !head[amp..].contains(';') {
            head = &head[..amp];
        }
    }
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::{cut_markup, AssignSelect};
    use crate::actions::AgentAction;

    #[test]
    fn the_assign_select_names_its_escalation_and_what_the_alert_showed() {
        let select = AssignSelect::parse("reassign:esc_1").expect("valid");
        assert_eq!(select.action_id(), "reassign:esc_1");
        assert_eq!(
            select.action("agt_1".into()),
            AgentAction::Reassign {
                agent_id: "agt_1".into()
            }
        );
        let assign = AssignSelect::parse("assign:esc_2").expect("valid");
        assert!(!assign.reassign);
        assert_eq!(AssignSelect::parse("assign:"), None);
        assert_eq!(AssignSelect::parse("claim:esc_1"), None);
        assert_eq!(AssignSelect::parse("assign"), None);
    }

    #[test]
    fn long_alerts_are_cut_without_breaking_entities() {
        let text = format!("{}&amp;tail", "a".repeat(2_996));
        let cut = cut_markup(&text, 3_000);
        assert!(cut.ends_with("a…"), "{}", &cut[cut.len() - 10..]);
        assert!(cut.chars().count() <= 3_000);
        assert_eq!(cut_markup("short", 3_000), "short");
    }
}
