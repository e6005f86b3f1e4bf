//! Agent actions from chat buttons. The core applies them
//! ([`frontline_shared::agent_action`]) exactly as it does for the dashboard and the admin
//! API; this module only turns the outcome into what the clicking agent sees, and counts
//! claims. Who acts is the chat user's linked account, or (with `[bot] allow_unlinked`)
//! the chat user by name and id ([`frontline_shared::chat_identity`]).
//!
//! A won action shows nothing here: its `escalation_updated` outbox row refreshes the
//! alert through the delivery worker. A refused one gets a private message in the core's
//! wording, agents written as handles (`Already claimed by @ana.`).

use frontline_shared::agent_action::{self, ChatEvent, Outcome, Refusal, Reply};
use frontline_shared::attachments::Upload;
use frontline_shared::chat_identity::{self, ChatUser};
use frontline_shared::config::ChatPlatform;
use frontline_shared::contracts::outbox::{ChatFiles, SharedFileLink};
use frontline_shared::store::{Store, StoreError};

pub use frontline_shared::agent_action::AgentAction;

use crate::metrics::Metrics;

/// Applies button `action` by chat `user` to escalation `escalation_id`; returns the
/// private message for them, if there is one to show (a refusal, or "link first" when
/// they are unlinked and `allow_unlinked` is off).
pub async fn click(
    store: &Store,
    metrics: &Metrics,
    action: AgentAction,
    escalation_id: &str,
    user: &ChatUser,
    allow_unlinked: bool,
) -> Result<Option<String>, StoreError> {
    let platform: ChatPlatform = user.platform;
    let actor = match chat_identity::actor(store, user, allow_unlinked).await? {
        Ok(actor) => actor,
        Err(not_linked) => return Ok(Some(not_linked.to_string())),
    };
    let refusal = match agent_action::apply(store, &action, escalation_id, &actor).await? {
        Outcome::Applied(_) | Outcome::AlreadyApplied(_) => None,
        Outcome::Refused(refusal) => Some(refusal),
    };
    if action == AgentAction::Claim {
        match &refusal {
            None => metrics.claim(platform.as_str(), "won"),
            Some(Refusal::NotFound) => {}
            Some(_) => metrics.claim(platform.as_str(), "refused"),
        }
    }
    Ok(refusal.map(|refusal| refusal.chat_sentence()))
}

/// Whether chat `user` may assign, reassign or take over: `None` when they may, else
/// the private message saying why not and how to fix it (an unlinked user is told to
/// link, or to ask an admin). Asked before the picked assignee is looked up, so what
/// they are told is about themselves; nothing changes either way.
pub async fn may_assign(
    store: &Store,
    user: &ChatUser,
    allow_unlinked: bool,
) -> Result<Option<String>, StoreError> {
    Ok(
        match chat_identity::actor(store, user, allow_unlinked).await? {
            Ok(actor) => Refusal::assigning(&actor).map(|refusal| refusal.chat_sentence()),
            Err(not_linked) => Some(not_linked.to_string()),
        },
    )
}

/// Relays what `user` wrote in an alert's thread (Slack thread reply, Discord thread
/// message or reply to the alert) to the customer of `escalation_id`. `chat_event` keys
/// it, so a platform's retry or replay is relayed once; a refusal (e.g. resolved) is
/// logged, not shown: nobody clicked anything.
pub async fn thread_reply(
    store: &Store,
    escalation_id: &str,
    (user, allow_unlinked): (&ChatUser, bool),
    (text, files): (String, Vec<Upload>),
    chat_event: ChatEvent,
) -> Result<(), StoreError> {
    let event = chat_event.id.clone();
    let actor = match chat_identity::actor(store, user, allow_unlinked).await? {
        Ok(actor) => actor,
        Err(not_linked) => {
            tracing::info!(escalation = %escalation_id, user = %user.id, %not_linked, "thread reply by an unlinked user not relayed");
            return Ok(());
        }
    };
    let action = AgentAction::Reply(Reply {
        files,
        text,
        chat_event: Some(chat_event),
        saved_reply: None,
    });
    match agent_action::apply(store, &action, escalation_id, &actor).await? {
        Outcome::Applied(_) => {
            tracing::info!(escalation = %escalation_id, %event, "thread reply relayed");
        }
        Outcome::AlreadyApplied(_) => {
            tracing::debug!(%event, "thread reply already relayed (a retry or replay)");
        }
        Outcome::Refused(refusal) => {
            tracing::info!(escalation = %escalation_id, %refusal, "thread reply not relayed");
        }
    }
    Ok(())
}

/// Queues files `user` shared in an alert's thread, with what they wrote, for the delivery
/// worker to fetch and relay ([`crate::delivery::chat_files`]); an unlinked user (with
/// `allow_unlinked` off) is not relayed, as for a thread reply.
pub async fn thread_files(
    store: &Store,
    escalation_id: &str,
    (user, allow_unlinked): (&ChatUser, bool),
    (text, files): (String, Vec<SharedFileLink>),
    chat_event: ChatEvent,
) -> Result<(), StoreError> {
    if let Err(not_linked) = chat_identity::actor(store, user, allow_unlinked).await? {
        tracing::info!(escalation = %escalation_id, user = %user.id, %not_linked, "files shared by an unlinked user not relayed");
        return Ok(());
    }
    let count = files.len();
    let job = ChatFiles {
        event: chat_event.id,
        user: user.clone(),
        text,
        files,
    };
    store.enqueue_chat_files(escalation_id, &job).await?;
    tracing::info!(escalation = %escalation_id, event = %job.event, files = count, "files shared in the thread queued for the customer");
    Ok(())
}
