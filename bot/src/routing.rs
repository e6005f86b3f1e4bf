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
use frontline_shared::site_id::SiteId;

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

impl Routes {
    /// The sites (of `sites`) some of whose escalations would find no channel on
    /// `platform`: with no `default` channel, a site is covered only by a rule that
    /// matches all of its escalations (no `intent`, `priority` or `tag` condition, and no
    /// `outside_hours` condition unless both `true` and `false` are covered). Checked at
    /// start-up, so a missing channel is a refusal to start rather than a lost alert.
    pub fn uncovered_sites(
        &self,
        platform: ChatPlatform,
        sites: &[SiteId],
        default: Option<&str>,
    ) -> Vec<SiteId> {
        if default.is_some() {
            return Vec::new();
        }
        sites
            .iter()
            .filter(|site| {
                let whole_site: Vec<&RouteRule> = self
                    .rules
                    .iter()
                    .filter(|r| r.platform == platform)
                    .filter(|r| r.site.as_ref().is_none_or(|s| s == *site))
                    .filter(|r| r.intent.is_none() && r.priority.is_none() && r.tag.is_none())
                    .collect();
                let hours = |wanted: Option<bool>| {
                    whole_site
                        .iter()
                        .any(|r| r.outside_hours.is_none() || r.outside_hours == wanted)
                };
                !(hours(Some(true)) && hours(Some(false)))
            })
            .cloned()
            .collect()
    }
}

fn matches(rule: &RouteRule, escalation: &Escalation) -> bool {
    rule.site
        .as_ref()
        .is_none_or(|site| escalation.site_id == *site)
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

    fn site(id: &str) -> SiteId {
        SiteId::parse(id).expect("a valid site id")
    }

    fn escalation() -> Escalation {
        Escalation {
            id: "esc_1".into(),
            conversation_id: "conv_1".into(),
            site_id: site("demo"),
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
            claimed_by_agent_id: None,
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
                site: Some(site("other")),
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
    fn a_site_is_covered_by_a_default_or_by_rules_that_match_all_its_escalations() {
        let sites = vec![site("demo"), site("shop")];
        let slack = ChatPlatform::Slack;
        assert!(Routes::default()
            .uncovered_sites(slack, &sites, Some("C_DEFAULT"))
            .is_empty());
        assert_eq!(
            Routes::default().uncovered_sites(slack, &sites, None),
            sites
        );
        let partial = Routes::new(vec![
            RouteRule {
                site: Some(site("demo")),
                ..rule("C_DEMO")
            },
            RouteRule {
                site: Some(site("shop")),
                tag: Some("returns".into()),
                ..rule("C_SHOP_RETURNS")
            },
            RouteRule {
                site: Some(site("shop")),
                outside_hours: Some(true),
                ..rule("C_SHOP_NIGHTS")
            },
        ]);
        assert_eq!(partial.uncovered_sites(slack, &sites, None), [site("shop")]);
        assert_eq!(
            partial.uncovered_sites(ChatPlatform::Discord, &sites, None),
            sites,
            "rules for Slack do not route Discord"
        );
        let days_and_nights = Routes::new(vec![
            RouteRule {
                outside_hours: Some(true),
                ..rule("C_NIGHTS")
            },
            RouteRule {
                outside_hours: Some(false),
                ..rule("C_DAYS")
            },
        ]);
        assert!(days_and_nights
            .uncovered_sites(slack, &sites, None)
            .is_empty());
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
