//! Slack messages: Block Kit for alerts, short mrkdwn lines for everything else; the
//! alert, re-alert and managers' texts come from their templates (`crate::templates`).
//!
//! Alerts are a `section` with the rendered template and an `actions` block whose
//! buttons follow the status: **Claim** while queued, **Release** and **Resolve** once
//! claimed, none when resolved. Button `action_id`s are the action names
//! ([`AgentAction`](crate::actions::AgentAction)); the `value` is the escalation id.
//! Customer text is escaped with [`escape_slack`] (`&`, `<`, `>`), so it can neither
//! mention anyone nor forge links; names and other values inside a line are folded to
//! that line first ([`slack_value`]), so they cannot forge lines either.

use frontline_shared::escalation::Escalation;
use frontline_shared::templates::{escape_slack, slack_value, Templates};
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
    let buttons = buttons(view, &view.id);
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
    format!(
        ":leftwards_arrow_with_hook: *{}* {} {}: {}",
        escape_slack(agent),
        crate::chat::replied(saved_reply, escape_slack),
        crate::chat::typed_in(origin),
        escape_slack(body)
    )
}

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
    use super::cut_markup;

    #[test]
    fn long_alerts_are_cut_without_breaking_entities() {
        let text = format!("{}&amp;tail", "a".repeat(2_996));
        let cut = cut_markup(&text, 3_000);
        assert!(cut.ends_with("a…"), "{}", &cut[cut.len() - 10..]);
        assert!(cut.chars().count() <= 3_000);
        assert_eq!(cut_markup("short", 3_000), "short");
    }
}
