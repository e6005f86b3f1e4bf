//! The chat templates: built in, overridable from `[bot] templates_dir`.
//!
//! `alert.slack.hbs` renders Slack `mrkdwn`, `alert.discord.hbs` Discord Markdown; both
//! get an [`AlertView`](crate::view::AlertView). `digest.slack.hbs` and
//! `digest.discord.hbs` get a [`DigestView`](crate::digest::DigestView). Values are
//! escaped for their destination
//! by the registry (`{{value}}`); use `{{{mention}}}` only for the configured mention.
//! Buttons are not part of the template: they follow the escalation's status.

use std::path::Path;

use frontline_shared::templates::{Markup, TemplateError, Templates};

/// The alert template's name in the Slack registry.
pub const ALERT_SLACK: &str = "alert.slack";
/// The alert template's name in the Discord registry.
pub const ALERT_DISCORD: &str = "alert.discord";

/// The digest template's name in the Slack registry.
pub const DIGEST_SLACK: &str = "digest.slack";
/// The digest template's name in the Discord registry.
pub const DIGEST_DISCORD: &str = "digest.discord";

const SLACK_BUILT_IN: &[(&str, &str)] = &[
    (ALERT_SLACK, include_str!("alert.slack.hbs")),
    (DIGEST_SLACK, include_str!("digest.slack.hbs")),
];
const DISCORD_BUILT_IN: &[(&str, &str)] = &[
    (ALERT_DISCORD, include_str!("alert.discord.hbs")),
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
            site_id: "demo".into(),
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
}
