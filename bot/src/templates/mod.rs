//! The chat templates: built in, overridable from `[bot] templates_dir`.
//!
//! One template per message and platform: `<message>.slack.hbs` renders Slack `mrkdwn`,
//! `<message>.discord.hbs` Discord Markdown. A file of the same name in `templates_dir`
//! replaces the built-in one.
//!
//! | message    | data                                            | fields documented in |
//! |------------|-------------------------------------------------|----------------------|
//! | `alert`    | [`AlertView`](crate::view::AlertView)           | `bot/src/view.rs`    |
//! | `realert`  | [`RealertView`](crate::sla_view::RealertView)   | `bot/src/sla_view.rs` |
//! | `managers` | [`ManagersView`](crate::sla_view::ManagersView) | `bot/src/sla_view.rs` |
//! | `digest`   | [`DigestView`](crate::digest::DigestView)       | `bot/src/digest/view.rs` |
//!
//! Values are escaped for their destination by the registry (`{{value}}`); use
//! `{{{mention}}}` only for the configured mention, and `{{markdown answer}}` for an
//! assistant's answer (our Markdown, converted for the platform). Buttons are not part of
//! the template: they follow the escalation's status.

use std::path::Path;

use frontline_shared::templates::{Markup, TemplateError, Templates};

/// The alert template's name in the Slack registry.
pub const ALERT_SLACK: &str = "alert.slack";
/// The alert template's name in the Discord registry.
pub const ALERT_DISCORD: &str = "alert.discord";

/// The re-alert (thread nudge) template's name in the Slack registry.
pub const REALERT_SLACK: &str = "realert.slack";
/// The re-alert (thread nudge) template's name in the Discord registry.
pub const REALERT_DISCORD: &str = "realert.discord";

/// The managers' heads-up template's name in the Slack registry.
pub const MANAGERS_SLACK: &str = "managers.slack";
/// The managers' heads-up template's name in the Discord registry.
pub const MANAGERS_DISCORD: &str = "managers.discord";

/// The digest template's name in the Slack registry.
pub const DIGEST_SLACK: &str = "digest.slack";
/// The digest template's name in the Discord registry.
pub const DIGEST_DISCORD: &str = "digest.discord";

const SLACK_BUILT_IN: &[(&str, &str)] = &[
    (ALERT_SLACK, include_str!("alert.slack.hbs")),
    (REALERT_SLACK, include_str!("realert.slack.hbs")),
    (MANAGERS_SLACK, include_str!("managers.slack.hbs")),
    (DIGEST_SLACK, include_str!("digest.slack.hbs")),
];
const DISCORD_BUILT_IN: &[(&str, &str)] = &[
    (ALERT_DISCORD, include_str!("alert.discord.hbs")),
    (REALERT_DISCORD, include_str!("realert.discord.hbs")),
    (MANAGERS_DISCORD, include_str!("managers.discord.hbs")),
    (DIGEST_DISCORD, include_str!("digest.discord.hbs")),
];

/// The Slack registry: the built-in templates, each replaced by `dir/<name>.hbs` if present.
pub fn slack(dir: Option<&Path>) -> Result<Templates, TemplateError> {
    load(Markup::Slack, SLACK_BUILT_IN, dir)
}

/// The Discord registry: the built-in templates, each replaced by `dir/<name>.hbs` if present.
pub fn discord(dir: Option<&Path>) -> Result<Templates, TemplateError> {
    load(Markup::Discord, DISCORD_BUILT_IN, dir)
}

fn load(
    markup: Markup,
    built_in: &[(&str, &str)],
    dir: Option<&Path>,
) -> Result<Templates, TemplateError> {
    let mut templates = Templates::new(markup);
    for (name, source) in built_in {
        templates.add(name, source)?;
    }
    if let Some(dir) = dir {
        let names: Vec<&str> = built_in.iter().map(|(name, _)| *name).collect();
        templates.override_from(dir, &names)?;
    }
    Ok(templates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discord::components;
    use crate::sla_view::{ManagersView, RealertView};
    use crate::slack::blocks;
    use crate::view::AlertView;
    use frontline_shared::escalation::{
        Escalation, EscalationStatus, HandoffContext, MatchedCandidate, Priority, TranscriptLine,
    };

    fn hostile() -> Escalation {
        let mut customer = serde_json::Map::new();
        customer.insert("order_id".into(), "NW-1 <!channel>".into());
        Escalation {
            id: "esc_1".into(),
            conversation_id: "conv_1".into(),
            site_id: frontline_shared::site_id::SiteId::parse("demo").expect("a valid site id"),
            status: EscalationStatus::Queued,
            priority: Priority::High,
            tags: vec!["orders".into()],
            intent: Some("lost_parcel".into()),
            email: "eve@example.com".into(),
            name: Some("Eve <!here> @everyone *bold*".into()),
            message: None,
            outside_hours: false,
            context: HandoffContext {
                transcript: vec![TranscriptLine {
                    author: "customer".into(),
                    author_name: None,
                    body: "my parcel <https://evil.example|click> never came".into(),
                    at_ms: 0,
                    markdown: false,
                    language_note: None,
                }],
                page_url: Some("https://shop.example/orders?a=1&b=2".into()),
                matched: vec![MatchedCandidate {
                    kind: "intent".into(),
                    id: "lost_parcel".into(),
                    title: "My parcel is lost".into(),
                    confidence: 0.4567,
                }],
                customer,
                locale: None,
                question: Some("where is it? <@U999>".into()),
            },
            created_at_ms: 0,
            claimed_at_ms: None,
            claimed_by: None,
            resolved_at_ms: None,
            resolved_by: None,
            released_at_ms: None,
            realerts: 0,
            claimed_by_agent_id: None,
        }
    }

    #[test]
    fn the_slack_alert_escapes_customer_text_but_keeps_the_mention() {
        let view = AlertView::new(
            &hostile(),
            "Northwind",
            65_000,
            Some("<!subteam^S1>".into()),
        );
        let text = slack(None)
            .expect("templates")
            .render(ALERT_SLACK, &view)
            .expect("renders");
        assert!(text.starts_with("<!subteam^S1> "), "{text}");
        let without_mention = text.replacen("<!subteam^S1>", "", 1);
        assert!(!without_mention.contains('<'), "{text}");
        assert!(text.contains("Eve &lt;!here&gt;"), "{text}");
        assert!(text.contains("My parcel is lost (45.7%)"), "{text}");
        assert!(text.contains("order_id: NW-1 &lt;!channel&gt;"), "{text}");
        assert!(text.contains("Waiting 1m 05s"), "{text}");
        assert!(!text.contains("\n\n"), "no blank lines: {text}");
    }

    #[test]
    fn the_discord_alert_neutralizes_mentions_and_markdown() {
        let view = AlertView::new(&hostile(), "Northwind", 0, Some("<@&42>".into()));
        let text = discord(None)
            .expect("templates")
            .render(ALERT_DISCORD, &view)
            .expect("renders");
        assert!(text.starts_with("<@&42> "), "{text}");
        assert!(!text.contains("@everyone"), "{text}");
        assert!(text.contains("\\*bold\\*"), "{text}");
    }

    #[test]
    fn a_templates_dir_overrides_the_built_in() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("alert.slack.hbs"),
            "Custom {{customer.name}}",
        )
        .expect("write");
        let view = AlertView::new(&hostile(), "Northwind", 0, None);
        let text = slack(Some(dir.path()))
            .expect("templates")
            .render(ALERT_SLACK, &view)
            .expect("renders");
        assert!(text.starts_with("Custom Eve &lt;!here&gt;"), "{text}");
        let discord_text = discord(Some(dir.path()))
            .expect("templates")
            .render(ALERT_DISCORD, &view)
            .expect("renders");
        assert!(
            discord_text.contains("priority escalation"),
            "built-in kept"
        );
    }

    /// `hostile()` with the demo's return answer (Markdown) before the customer's line.
    fn with_an_answer() -> Escalation {
        let mut escalation = hostile();
        escalation.context.transcript.insert(
            0,
            TranscriptLine {
                author: "assistant".into(),
                author_name: None,
                body: "Returns\n\nYou can return unworn items within **30 days of delivery**. Start in our [returns portal](https://northwind.example/returns).".into(),
                at_ms: 0,
                markdown: false,
                language_note: None,
            },
        );
        escalation
    }

    #[test]
    fn the_alert_converts_the_assistant_answer_but_not_the_customer_line() {
        let view = AlertView::new(&with_an_answer(), "Northwind", 0, None);
        let text = slack(None)
            .expect("templates")
            .render(ALERT_SLACK, &view)
            .expect("renders");
        assert!(
            text.contains("> _assistant:_ Returns You can return unworn items within *30 days of delivery*. Start in our <https://northwind.example/returns|returns portal>.\n"),
            "{text}"
        );
        assert!(
            text.contains("my parcel &lt;https://evil.example|click&gt; never came"),
            "{text}"
        );
        let text = discord(None)
            .expect("templates")
            .render(ALERT_DISCORD, &view)
            .expect("renders");
        assert!(
            text.contains("> *assistant:* Returns You can return unworn items within **30 days of delivery**. Start in our returns portal (<https://northwind.example/returns>).\n"),
            "{text}"
        );
        assert!(
            text.contains("my parcel \\<https://evil.example\\|click\\> never came"),
            "{text}"
        );
    }

    #[test]
    fn slack_realert_and_managers_keep_their_wording_and_escaping() {
        let templates = slack(None).expect("templates");
        let escalation = hostile();
        let view = RealertView::new(
            &escalation,
            "Northwind",
            2,
            65_000,
            Some("<!subteam^S1>".into()),
        );
        assert_eq!(
            blocks::realert(&templates, &view).expect("renders"),
            "<!subteam^S1> :alarm_clock: Still unclaimed after 1m 05s (re-alert 2): *high* priority escalation from *Eve &lt;!here&gt; @everyone *bold**. Please claim it."
        );
        let view = ManagersView::new(
            &escalation,
            "Northwind <b>",
            2,
            65_000,
            Some("C0ALERTS"),
            None,
        );
        assert_eq!(
            blocks::managers(&templates, &view).expect("renders"),
            ":rotating_light: *high* priority escalation from *Eve &lt;!here&gt; @everyone *bold** on Northwind &lt;b&gt; has waited 1m 05s unclaimed (1 re-alert). Question: where is it? &lt;@U999&gt; The alert is in <#C0ALERTS>."
        );
        let view = ManagersView::new(&escalation, "Northwind", 4, 65_000, None, None);
        assert!(
            blocks::managers(&templates, &view)
                .expect("renders")
                .ends_with("unclaimed (3 re-alerts). Question: where is it? &lt;@U999&gt;"),
            "no alert, no pointer"
        );
    }

    #[test]
    fn discord_realert_and_managers_keep_their_wording_and_escaping() {
        let templates = discord(None).expect("templates");
        let escalation = hostile();
        let view = RealertView::new(&escalation, "Northwind", 1, 65_000, Some("<@&42>".into()));
        assert_eq!(
            components::realert(&templates, &view).expect("renders"),
            "<@&42> ⏰ Still unclaimed after 1m 05s (re-alert 1): **high** priority escalation from **Eve \\<!here\\> @\u{200b}everyone \\*bold\\***. Please claim it."
        );
        let view = ManagersView::new(&escalation, "Northwind", 3, 65_000, Some("123"), None);
        assert_eq!(
            components::managers(&templates, &view).expect("renders"),
            "🚨 **high** priority escalation from **Eve \\<!here\\> @\u{200b}everyone \\*bold\\*** on Northwind has waited 1m 05s unclaimed (2 re-alerts). Question: where is it? \\<@\u{200b}U999\\> The alert is in <#123>."
        );
        let view = ManagersView::new(&escalation, "Northwind", 2, 65_000, Some("<#1>"), None);
        let text = components::managers(&templates, &view).expect("renders");
        assert!(
            text.ends_with("(1 re-alert). Question: where is it? \\<@\u{200b}U999\\>"),
            "only a channel id becomes a link: {text}"
        );
    }

    #[test]
    fn a_templates_dir_overrides_the_realert_and_managers_messages() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("realert.discord.hbs"),
            "{{{mention}}} Nudge {{number}}: {{customer.name}} waits {{waiting}}\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("managers.slack.hbs"),
            "Boss, {{customer.name}} waited {{waiting}}.",
        )
        .expect("write");
        let escalation = hostile();
        let realert = RealertView::new(&escalation, "Northwind", 1, 65_000, Some("<@&42>".into()));
        assert_eq!(
            components::realert(&discord(Some(dir.path())).expect("templates"), &realert)
                .expect("renders"),
            "<@&42> Nudge 1: Eve \\<!here\\> @\u{200b}everyone \\*bold\\* waits 1m 05s"
        );
        let managers = ManagersView::new(&escalation, "Northwind", 2, 65_000, None, None);
        assert_eq!(
            blocks::managers(&slack(Some(dir.path())).expect("templates"), &managers)
                .expect("renders"),
            "Boss, Eve &lt;!here&gt; @everyone *bold* waited 1m 05s."
        );
        let built_in = blocks::realert(&slack(Some(dir.path())).expect("templates"), &realert)
            .expect("renders");
        assert!(built_in.contains("Still unclaimed"), "{built_in}");
    }
}
