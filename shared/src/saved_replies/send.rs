//! Sending a saved reply to an escalation's customer: rendered with the customer's
//! context, then one [`AgentAction::Reply`] through [`agent_action::apply`] carrying the
//! saved reply's name, so every door (dashboard, API, chat) sends it the same way and the
//! chat threads say who sent which saved reply.

use super::{SavedReply, SavedReplyError};
use crate::agent_action::{self, AgentAction, ChatEvent, Outcome, Refusal, Reply};
use crate::audit::Actor;
use crate::escalation::Escalation;
use crate::store::Store;
use crate::templates::{render_answer, AnswerContext, Markup};

/// The context a saved reply is rendered with for `escalation`: the customer fields the
/// widget sent (plus `name` and `email` from the handoff form when the fields lack them),
/// the site and the page, as an intent's answer is rendered.
pub fn context_of(escalation: &Escalation) -> AnswerContext {
    let mut customer = escalation.context.customer.clone();
    if let Some(name) = escalation.name.as_deref().filter(|n| !n.is_empty()) {
        customer
            .entry("name")
            .or_insert_with(|| serde_json::Value::String(name.to_string()));
    }
    if !escalation.email.is_empty() {
        customer
            .entry("email")
            .or_insert_with(|| serde_json::Value::String(escalation.email.clone()));
    }
    AnswerContext {
        customer,
        site: Some(escalation.site_id.clone()),
        page_url: escalation.context.page_url.clone(),
    }
}

/// `saved`'s text for `escalation`'s customer (Markdown, values as typed: see
/// [`crate::templates::AnswerContext`]'s module on why).
pub fn render_for(saved: &SavedReply, escalation: &Escalation) -> Result<String, SavedReplyError> {
    if let Some(site) = &saved.site_id {
        if *site != escalation.site_id {
            return Err(SavedReplyError::OtherSite {
                name: saved.name.clone(),
                site: site.clone(),
            });
        }
    }
    let render_error = |message: String| SavedReplyError::Render {
        name: saved.name.clone(),
        message,
    };
    // Sent as an agent's message, which every surface escapes as text itself.
    let text = render_answer(&saved.body, &context_of(escalation), Markup::Text)
        .map_err(|e| render_error(e.to_string()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(render_error("it renders empty for this customer".into()));
    }
    Ok(text)
}

/// Sends saved reply `saved_id` to the customer of escalation `escalation_id` as `actor`:
/// what came of it, and the text the customer was sent (empty when nothing was sent).
/// `chat_event` is set when a chat callback asked for it (a redelivery applies once).
pub async fn send(
    store: &Store,
    saved_id: &str,
    escalation_id: &str,
    actor: &Actor,
    chat_event: Option<ChatEvent>,
) -> Result<(Outcome, String), SavedReplyError> {
    let saved = store
        .saved_reply(saved_id)
        .await?
        .ok_or(SavedReplyError::NotFound)?;
    let Some(escalation) = store.escalation(escalation_id).await? else {
        return Ok((Outcome::Refused(Refusal::NotFound), String::new()));
    };
    let text = render_for(&saved, &escalation)?;
    let action = AgentAction::Reply(Reply {
        files: Vec::new(),
        text: text.clone(),
        chat_event,
        saved_reply: Some(saved.name.clone()),
    });
    let outcome = agent_action::apply(store, &action, escalation_id, actor).await?;
    Ok((outcome, text))
}
