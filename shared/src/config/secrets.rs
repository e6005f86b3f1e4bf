//! Secrets come only from the environment and never print.

use std::fmt;

/// A secret value: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Every secret Frontline reads, each from its own environment variable.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `SLACK_BOT_TOKEN`: the bot user OAuth token (`xoxb-…`).
    pub slack_bot_token: Option<Secret>,
    /// `SLACK_SIGNING_SECRET`: verifies Slack's callbacks.
    pub slack_signing_secret: Option<Secret>,
    /// `SLACK_APP_TOKEN`: app-level token (`xapp-…`) for Socket Mode.
    pub slack_app_token: Option<Secret>,
    /// `DISCORD_BOT_TOKEN`: the bot token for Discord's HTTP API.
    pub discord_bot_token: Option<Secret>,
    /// `DISCORD_PUBLIC_KEY`: hex Ed25519 key that verifies Discord's interactions.
    pub discord_public_key: Option<Secret>,
    /// `DISCORD_APPLICATION_ID`: needed to post interaction follow-ups.
    pub discord_application_id: Option<Secret>,
    /// `FRONTLINE_ADMIN_TOKEN`: opens `/admin` and the admin API.
    pub admin_token: Option<Secret>,
    /// `FRONTLINE_TOKEN_SECRET`: signs conversation tokens and the tokens of mails'
    /// reply addresses and rating links; generated and kept in the store when absent, so
    /// replicas (and the bot, which writes the mails) on one store agree.
    pub token_secret: Option<Secret>,
    /// `FRONTLINE_METRICS_TOKEN`: when set, `/metrics` asks for it as a bearer token.
    pub metrics_token: Option<Secret>,
    /// `FRONTLINE_SMTP_PASSWORD`: the password of `[email] smtp_url`'s user.
    pub smtp_password: Option<Secret>,
    /// `FRONTLINE_INBOUND_TOKEN`: the bearer token `POST /api/v1/inbound/email` asks for.
    pub inbound_token: Option<Secret>,
    /// `FRONTLINE_OIDC_CLIENT_SECRET`: the `[auth.oidc]` client's secret.
    pub oidc_client_secret: Option<Secret>,
}

impl Secrets {
    /// Reads the secrets from the process environment; empty variables count as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty()).map(Secret);
        Secrets {
            slack_bot_token: get("SLACK_BOT_TOKEN"),
            slack_signing_secret: get("SLACK_SIGNING_SECRET"),
            slack_app_token: get("SLACK_APP_TOKEN"),
            discord_bot_token: get("DISCORD_BOT_TOKEN"),
            discord_public_key: get("DISCORD_PUBLIC_KEY"),
            discord_application_id: get("DISCORD_APPLICATION_ID"),
            admin_token: get("FRONTLINE_ADMIN_TOKEN"),
            token_secret: get("FRONTLINE_TOKEN_SECRET"),
            metrics_token: get("FRONTLINE_METRICS_TOKEN"),
            smtp_password: get("FRONTLINE_SMTP_PASSWORD"),
            inbound_token: get("FRONTLINE_INBOUND_TOKEN"),
            oidc_client_secret: get("FRONTLINE_OIDC_CLIENT_SECRET"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secrets = Secrets::from_lookup(&|n| (n == "SLACK_BOT_TOKEN").then(|| "xoxb-1".into()));
        assert!(!format!("{secrets:?}").contains("xoxb-1"));
        assert_eq!(
            secrets.slack_bot_token.as_ref().map(Secret::expose),
            Some("xoxb-1")
        );
    }
}
