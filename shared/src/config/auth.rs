//! `[auth]`: how people sign in to `/admin` besides an account's password.
//!
//! `[auth.oidc]` turns on single sign-on with an OpenID Connect provider (authorization
//! code + PKCE). The client secret comes only from `FRONTLINE_OIDC_CLIENT_SECRET`
//! (absent: a public client, PKCE alone). Who may sign in is `allowed_domains`; the role
//! comes from `role_claim` when the ID token names one, else from `admin_domains`, else
//! `agent`.

use serde::Deserialize;

use super::{ConfigError, Secret};

/// `[auth]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// `[auth.oidc]`: absent, the sign-in page has no "Sign in with SSO" button.
    pub oidc: Option<OidcSettings>,
}

/// `[auth.oidc]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The provider's issuer URL, e.g. `https://login.example.com/realms/support`; its
    /// discovery document is `{issuer}/.well-known/openid-configuration`. `https://`, or
    /// `http://` on a loopback host only.
    pub issuer: String,
    /// The client id registered at the provider, whose redirect URI must be
    /// `{public_url}/admin/sso/callback`.
    pub client_id: String,
    /// E-mail domains whose people may sign in, e.g. `["example.com"]` (exact domain,
    /// lower-case; at least one). Anyone else is refused.
    pub allowed_domains: Vec<String>,
    /// E-mail domains whose people are admins (unless `role_claim` names a role).
    #[serde(default)]
    pub admin_domains: Vec<String>,
    /// An ID token claim naming the role: a string or an array of strings; one equal to
    /// `admin` gives the admin role, else one equal to `agent` the agent role. A token
    /// without it (or naming neither) falls back to `admin_domains`.
    #[serde(default)]
    pub role_claim: Option<String>,
    /// Scopes asked for besides `openid` (default `["email", "profile"]`).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// `FRONTLINE_OIDC_CLIENT_SECRET`, read by [`super::Settings::load`].
    #[serde(skip)]
    pub client_secret: Option<Secret>,
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

/// Whether `url` is `https://…`, or `http://` to a loopback host.
fn secure_or_loopback(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = match host.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host,
    };
    matches!(host, "localhost" | "[::1]")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn domains(list: &mut [String], key: &str) -> Result<(), ConfigError> {
    for (i, domain) in list.iter_mut().enumerate() {
        *domain = domain.trim().to_ascii_lowercase();
        if domain.is_empty() || domain.contains(['@', ' ', '/', ',']) {
            return Err(ConfigError::invalid(
                format!("{key}[{i}]"),
                "expected a bare domain, e.g. example.com",
            ));
        }
    }
    Ok(())
}

impl OidcSettings {
    pub(crate) fn validate(&mut self) -> Result<(), ConfigError> {
        self.issuer = self.issuer.trim().trim_end_matches('/').to_string();
        if !secure_or_loopback(&self.issuer) {
            return Err(ConfigError::invalid(
                "auth.oidc.issuer",
                "expected an https:// URL (http:// only to a loopback host)",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::invalid(
                "auth.oidc.client_id",
                "must not be empty",
            ));
        }
        if self.allowed_domains.is_empty() {
            return Err(ConfigError::invalid(
                "auth.oidc.allowed_domains",
                "list at least one e-mail domain whose people may sign in",
            ));
        }
        domains(&mut self.allowed_domains, "auth.oidc.allowed_domains")?;
        domains(&mut self.admin_domains, "auth.oidc.admin_domains")?;
        if self
            .role_claim
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(ConfigError::invalid(
                "auth.oidc.role_claim",
                "must not be empty",
            ));
        }
        Ok(())
    }

    /// The domain of `email` (lower-case), when it may sign in.
    pub fn allows(&self, email: &str) -> bool {
        domain_of(email).is_some_and(|d| self.allowed_domains.contains(&d))
    }

    /// The role for `email` whose ID token carried `claim` (the `role_claim`'s value).
    pub fn role_for(
        &self,
        email: &str,
        claim: Option<&serde_json::Value>,
    ) -> crate::accounts::Role {
        use crate::accounts::Role;
        let named = |name: &str| match claim {
            Some(serde_json::Value::String(s)) => s == name,
            Some(serde_json::Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(name)),
            _ => false,
        };
        if named("admin") {
            return Role::Admin;
        }
        if named("agent") {
            return Role::Agent;
        }
        if domain_of(email).is_some_and(|d| self.admin_domains.contains(&d)) {
            Role::Admin
        } else {
            Role::Agent
        }
    }
}

fn domain_of(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;
    use serde_json::json;

    fn settings() -> OidcSettings {
        let mut s = OidcSettings {
            issuer: "https://login.example.com/".into(),
            client_id: "frontline".into(),
            allowed_domains: vec!["Example.com".into(), "partner.example".into()],
            admin_domains: vec!["example.com".into()],
            role_claim: Some("frontline_role".into()),
            scopes: default_scopes(),
            client_secret: None,
        };
        s.validate().expect("valid");
        s
    }

    #[test]
    fn domains_decide_who_may_sign_in_and_claims_decide_the_role_first() {
        let s = settings();
        assert_eq!(s.issuer, "https://login.example.com");
        assert!(s.allows("ana@EXAMPLE.com"));
        assert!(!s.allows("ana@example.com.evil"));
        assert!(!s.allows("ana@sub.example.com"));
        assert_eq!(s.role_for("ana@example.com", None), Role::Admin);
        assert_eq!(s.role_for("bo@partner.example", None), Role::Agent);
        assert_eq!(
            s.role_for("ana@example.com", Some(&json!("agent"))),
            Role::Agent
        );
        assert_eq!(
            s.role_for("bo@partner.example", Some(&json!(["staff", "admin"]))),
            Role::Admin
        );
        assert_eq!(
            s.role_for("bo@partner.example", Some(&json!(7))),
            Role::Agent
        );
    }

    #[test]
    fn an_issuer_must_be_https_unless_on_loopback() {
        for (issuer, ok) in [
            ("http://127.0.0.1:9000", true),
            ("http://localhost/realms/x", true),
            ("http://login.example.com", false),
            ("http://127.0.0.1.evil.example", false),
            ("ftp://login.example.com", false),
        ] {
            let mut s = settings();
            s.issuer = issuer.into();
            assert_eq!(s.validate().is_ok(), ok, "{issuer}");
        }
        let mut s = settings();
        s.allowed_domains.clear();
        assert!(s.validate().is_err());
    }
}
