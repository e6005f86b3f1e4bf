//! Discord messages: content from the alert, re-alert and managers' templates
//! (`crate::templates`), buttons as message components.
//!
//! Button `custom_id`s follow the grammar `{action}:{escalation id}` with action one of
//! `claim`, `release`, `resolve`, `reply`, `saved` (see [`ButtonId::parse`]). Customer text is
//! escaped with [`escape_discord`] (names and other values inside a line are folded to
//! that line first, [`discord_value`]) and every message is sent with `allowed_mentions`
//! limited to the on-call role (or nothing), so no customer text can ping anyone.

use frontline_shared::escalation::Escalation;
use frontline_shared::templates::{
    discord_value, escape_discord, markdown_to_chat, ChatMedium, Templates,
};
use serenity::all::{ButtonStyle, InputTextStyle, RoleId, UserId};
use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateInputText, CreateModal,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
};

use crate::actions::AgentAction;
use crate::error::ChatError;
use crate::sla_view::{ManagersView, RealertView};
use crate::templates::{ALERT_DISCORD, MANAGERS_DISCORD, REALERT_DISCORD};
use crate::view::AlertView;

/// Discord's limit for a message's content.
const CONTENT_CHARS: usize = 2_000;
/// The reply modal's text input.
pub const REPLY_INPUT: &str = "body";

/// What a button or modal `custom_id` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonId {
    Action(AgentAction, String),
    /// Open (or submit) the reply modal for an escalation.
    Reply(String),
    /// The "Assign to…" user select: `reassign` when the alert showed it claimed.
    Assign {
        reassign: bool,
        escalation: String,
    },
    /// The alert's "Saved reply" button (show the select of the site's saved replies), or
    /// that select (send the chosen one).
    SavedReply(String),
}

impl ButtonId {
    /// Grammar: `claim:<id>` | `release:<id>` | `resolve:<id>` | `take_over:<id>` |
    /// `reply:<id>` | `assign:<id>` | `reassign:<id>` | `saved:<id>`.
    pub fn parse(custom_id: &str) -> Option<ButtonId> {
        let (verb, id) = custom_id.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        match verb {
            "reply" => Some(ButtonId::Reply(id.to_string())),
            "saved" => Some(ButtonId::SavedReply(id.to_string())),
            "assign" | "reassign" => Some(ButtonId::Assign {
                reassign: verb == "reassign",
                escalation: id.to_string(),
            }),
            other => AgentAction::parse(other).map(|a| ButtonId::Action(a, id.to_string())),
        }
    }
}

/// The alert's content.
pub fn alert_content(templates: &Templates, view: &AlertView) -> Result<String, ChatError> {
    let text = templates.render(ALERT_DISCORD, view)?;
    Ok(cut(text.trim_end(), CONTENT_CHARS))
}

/// Buttons for the escalation's status: Claim + Reply + Saved reply; Release + Resolve +
/// Reply + Saved reply; none. An open alert also gets an "Assign to…" user select in a row
/// of its own (`assign:<id>` while queued, `reassign:<id>` once claimed).
pub fn alert_buttons(view: &AlertView) -> Vec<CreateActionRow> {
    let id = &view.id;
    let button = |verb: &str, label: &str, style: ButtonStyle| {
        CreateButton::new(format!("{verb}:{id}"))
            .label(label)
            .style(style)
    };
    let reply = button("reply", "Reply", ButtonStyle::Secondary);
    let saved = button("saved", "Saved reply", ButtonStyle::Secondary);
    let buttons = if view.queued {
        vec![button("claim", "Claim", ButtonStyle::Primary), reply, saved]
    } else if view.claimed {
        vec![
            button("release", "Release", ButtonStyle::Secondary),
            button("resolve", "Resolve", ButtonStyle::Success),
            reply,
            saved,
        ]
    } else {
        return Vec::new();
    };
    let verb = if view.claimed { "reassign" } else { "assign" };
    let select = CreateSelectMenu::new(
        format!("{verb}:{id}"),
        CreateSelectMenuKind::User {
            default_users: None,
        },
    )
    .placeholder("Assign to…");
    vec![
        CreateActionRow::Buttons(buttons),
        CreateActionRow::SelectMenu(select),
    ]
}

/// Mentions allowed in a message: only `role`, when given.
pub fn allowed_mentions(role: Option<RoleId>) -> CreateAllowedMentions {
    CreateAllowedMentions::new().roles(role)
}

/// The mention telling an agent they were given the escalation, in the alert's thread:
/// their linked Discord user (`<@id>`, the only mention allowed) or, unlinked, their name.
pub fn assigned(agent: &str, by: &str, user: Option<&str>) -> (String, Option<UserId>) {
    let user = user
        .and_then(|id| id.parse::<u64>().ok())
        .filter(|id| *id != 0)
        .map(UserId::new);
    let who = match user {
        Some(id) => format!("<@{id}>"),
        None => format!("**{}**", discord_value(agent)),
    };
    let text = format!(
        "📥 {who}: **{}** assigned this escalation to you.",
        discord_value(by)
    );
    (text, user)
}

/// The note in the alert's thread that an admin took the escalation over from `from`:
/// their linked Discord user is mentioned (the only mention allowed), else named.
pub fn taken_over(by: &str, from: &str, user: Option<&str>) -> (String, Option<UserId>) {
    let user = user
        .and_then(|id| id.parse::<u64>().ok())
        .filter(|id| *id != 0)
        .map(UserId::new);
    let text = match user {
        Some(id) => format!(
            "🔀 <@{id}>: **{}** took this escalation over from you.",
            discord_value(by)
        ),
        None => format!(
            "🔀 **{}** took this escalation over from **{}**.",
            discord_value(by),
            discord_value(from)
        ),
    };
    (text, user)
}

/// A customer's follow-up, as a reply to the alert.
pub fn customer_message(escalation: &Escalation, body: &str, reopened: bool) -> String {
    let line = format!(
        "💬 **{}** (customer): {}",
        discord_value(escalation.customer_label()),
        escape_discord(body)
    );
    let text = if reopened {
        format!("🔄 **Reopened by the customer** — waiting to be claimed again.\n{line}")
    } else {
        line
    };
    cut(&text, CONTENT_CHARS)
}

/// An agent's reply typed outside Discord (`origin`: `web`, `slack`), for the thread.
pub fn agent_message(agent: &str, body: &str, origin: &str, saved_reply: Option<&str>) -> String {
    // A saved reply is Markdown we hold (rendered for the customer): in Discord's markup,
    // its text escaped. What an agent typed is text.
    let body = match saved_reply {
        Some(_) => markdown_to_chat(body, ChatMedium::Discord, CONTENT_CHARS),
        None => escape_discord(body),
    };
    cut(
        &format!(
            "↩️ **{}** {} {}: {}",
            escape_discord(agent),
            crate::chat::replied(saved_reply, escape_discord),
            crate::chat::typed_in(origin),
            body
        ),
        CONTENT_CHARS,
    )
}

/// The nudge for an escalation still unclaimed after its SLA (`realert.discord.hbs`).
pub fn realert(templates: &Templates, view: &RealertView) -> Result<String, ChatError> {
    let text = templates.render(REALERT_DISCORD, view)?;
    Ok(cut(text.trim_end(), CONTENT_CHARS))
}

/// The managers' heads-up (`managers.discord.hbs`). Its `alert_channel` is kept only when
/// it is a channel id (digits), so `<#{{alert_channel}}>` is always a channel link.
pub fn managers(templates: &Templates, view: &ManagersView) -> Result<String, ChatError> {
    let mut view = view.clone();
    view.alert_channel = view
        .alert_channel
        .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()));
    let text = templates.render(MANAGERS_DISCORD, &view)?;
    Ok(cut(text.trim_end(), CONTENT_CHARS))
}

/// What the channel sees after an agent answered through the reply modal.
pub fn relayed_reply(agent: &str, body: &str) -> String {
    cut(
        &format!(
            "↩️ **@{}** to the customer: {}",
            discord_value(agent),
            escape_discord(body)
        ),
        CONTENT_CHARS,
    )
}

/// The private confirmation that replaces the select once the chosen saved reply was
/// sent (the thread gets "sent saved reply …" through the outbox, like every platform).
pub fn saved_reply_sent(name: &str, body: &str) -> String {
    cut(
        &format!(
            "✅ Sent “{}”: {}",
            discord_value(name),
            escape_discord(body)
        ),
        CONTENT_CHARS,
    )
}

/// Most options a string select may list (Discord's limit).
pub const MAX_SAVED_REPLIES: usize = 25;

/// The string select (`saved:<id>`) listing saved replies `(id, name)` for the escalation,
/// in an action row (Discord's limits: at most 25 options, labels and values of at most
/// 100 characters).
pub fn saved_reply_select(escalation_id: &str, replies: &[(String, String)]) -> CreateActionRow {
    let options = replies
        .iter()
        .take(MAX_SAVED_REPLIES)
        .map(|(id, name)| {
            let label: String = name.chars().take(100).collect();
            CreateSelectMenuOption::new(label, id.clone())
        })
        .collect();
    let select = CreateSelectMenu::new(
        format!("saved:{escalation_id}"),
        CreateSelectMenuKind::String { options },
    )
    .placeholder("Send a saved reply…");
    CreateActionRow::SelectMenu(select)
}

/// The private answer to a refused click.
pub fn refusal(message: &str) -> String {
    format!("⛔ {}", escape_discord(message))
}

/// The modal that collects an agent's reply (submitted as `reply:<id>`).
pub fn reply_modal(escalation_id: &str) -> CreateModal {
    let input = CreateInputText::new(
        InputTextStyle::Paragraph,
        "Message to the customer",
        REPLY_INPUT,
    )
    .min_length(1)
    .max_length(2_000)
    .required(true);
    CreateModal::new(format!("reply:{escalation_id}"), "Reply to the customer")
        .components(vec![CreateActionRow::InputText(input)])
}

/// Cuts escaped Markdown to `max` characters without leaving a dangling backslash.
fn cut(text: &str, max: usize) -> String {
    let Some((at, _)) = text.char_indices().nth(max.saturating_sub(1)) else {
        return text.to_string();
    };
    let head = text[..at].trim_end_matches('\\');
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_ids_parse_by_their_grammar() {
        assert_eq!(
            ButtonId::parse("claim:esc_1"),
            Some(ButtonId::Action(AgentAction::Claim, "esc_1".into()))
        );
        assert_eq!(
            ButtonId::parse("reply:esc_1"),
            Some(ButtonId::Reply("esc_1".into()))
        );
        assert_eq!(
            ButtonId::parse("reassign:esc_1"),
            Some(ButtonId::Assign {
                reassign: true,
                escalation: "esc_1".into()
            })
        );
        assert_eq!(
            ButtonId::parse("saved:esc_1"),
            Some(ButtonId::SavedReply("esc_1".into()))
        );
        assert_eq!(ButtonId::parse("claim:"), None);
        assert_eq!(ButtonId::parse("delete:esc_1"), None);
        assert_eq!(ButtonId::parse("esc_1"), None);
    }

    #[test]
    fn only_the_on_call_role_may_be_mentioned() {
        let none = serde_json::to_value(allowed_mentions(None)).expect("json");
        assert_eq!(none["parse"], serde_json::json!([]));
        assert_eq!(none["roles"], serde_json::json!([]));
        let role = serde_json::to_value(allowed_mentions(Some(RoleId::new(42)))).expect("json");
        assert_eq!(role["roles"], serde_json::json!(["42"]));
        assert_eq!(role["parse"], serde_json::json!([]));
    }
}
