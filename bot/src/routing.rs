//! Routing: which channel an escalation's alert goes to on each platform.
//!
//! The first `[[bot.routes]]` rule for the platform whose every given condition holds
//! wins; conditions left out match anything. With no matching rule the platform's
//! default channel is used (`[bot.slack] default_channel`, overridable as
//! `FRONTLINE_SLACK_DEFAULT_CHANNEL`; the same for Discord). Only facts stored with the
//! escalation are used, so a retry after a crash always picks the same channel.
//!
//! ```toml
//! [[bot.routes]]            # legal threats go to the legal team, whatever the site
//! platform = "slack"
//! channel = "C0LEGAL"
//! tag = "legal"
//!
//! [[bot.routes]]            # nights and weekends: the on-call channel
//! platform = "slack"
//! channel = "C0ONCALL"
//! outside_hours = true
//! ```

use frontline_shared::config::{ChatPlatform, RouteRule};
use frontline_shared::escalation::Escalation;

/// The configured rules, in order.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    rules: Vec<RouteRule>,
}

impl Routes {
    pub fn new(rules: Vec<RouteRule>) -> Self {
        Routes { rules }
    }

    /// The channel for `escalation` on `platform`: the first matching rule's, else `default`.
    pub fn channel_for(
        &self,
        platform: ChatPlatform,
        escalation: &Escalation,
        default: Option<&str>,
    ) -> Option<String> {
        self.rules
            .iter()
            .find(|rule| rule.platform == platform && matches(rule, escalation))
            .map(|rule| rule.channel.clone())
            .or_else(|| default.map(str::to_string))
    }
}

fn matches(rule: &RouteRule, escalation: &Escalation) -> bool {
    rule.site
        .as_ref()
        .is_none_or(|site| *site == escalation.site_id)
        && rule
            .intent
            .as_ref()
            .is_none_or(|intent| escalation.intent.as_ref() == Some(intent))
        && rule
            .priority
            .is_none_or(|priority| priority == escalation.priority)
        && rule
            .tag
            .as_ref()
            .is_none_or(|tag| escalation.tags.contains(tag))
        && rule
            .outside_hours
            .is_none_or(|outside| outside == escalation.outside_hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontline_shared::escalation::{EscalationStatus, HandoffContext, Priority};

    fn escalation() -> Escalation {
        Escalation {
            id: "esc_1".into(),
            conversation_id: "conv_1".into(),
            site_id: "demo".into(),
            status: EscalationStatus::Queued,
            priority: Priority::High,
            tags: vec!["shipping".into(), "orders".into()],
            intent: Some("lost_parcel".into()),
            email: "a@example.com".into(),
            name: None,
            message: None,
            outside_hours: true,
            context: HandoffContext::default(),
            created_at_ms: 0,
            claimed_at_ms: None,
            claimed_by: None,
            resolved_at_ms: None,
            resolved_by: None,
            released_at_ms: None,
            realerts: 0,
        }
    }

    fn rule(channel: &str) -> RouteRule {
        RouteRule {
            platform: ChatPlatform::Slack,
            channel: channel.into(),
            site: None,
            intent: None,
            priority: None,
            tag: None,
            outside_hours: None,
        }
    }

    #[test]
    fn the_first_rule_whose_every_condition_holds_wins() {
        let routes = Routes::new(vec![
            RouteRule {
                site: Some("other".into()),
                ..rule("C_OTHER_SITE")
            },
            RouteRule {
                tag: Some("returns".into()),
                ..rule("C_RETURNS")
            },
            RouteRule {
                tag: Some("shipping".into()),
                priority: Some(Priority::Urgent),
                ..rule("C_URGENT_SHIPPING")
            },
            RouteRule {
                tag: Some("shipping".into()),
                outside_hours: Some(true),
                intent: Some("lost_parcel".into()),
                ..rule("C_NIGHT_SHIPPING")
            },
            rule("C_CATCH_ALL"),
        ]);
        let picked = routes.channel_for(ChatPlatform::Slack, &escalation(), Some("C_DEFAULT"));
        assert_eq!(picked.as_deref(), Some("C_NIGHT_SHIPPING"));
    }

    #[test]
    fn no_match_falls_back_to_the_platform_default() {
        let routes = Routes::new(vec![RouteRule {
            outside_hours: Some(false),
            ..rule("C_DAYTIME")
        }]);
        let e = escalation();
        assert_eq!(
            routes.channel_for(ChatPlatform::Slack, &e, Some("C_DEFAULT")),
            Some("C_DEFAULT".into())
        );
        assert_eq!(routes.channel_for(ChatPlatform::Slack, &e, None), None);
        // Rules for another platform never apply.
        let discord = Routes::new(vec![rule("C_SLACK_ONLY")]);
        assert_eq!(
            discord.channel_for(ChatPlatform::Discord, &e, Some("123")),
            Some("123".into())
        );
    }
}
