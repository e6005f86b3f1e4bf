//! OpenID Connect for `/admin` single sign-on: authorization code with PKCE (S256).
//!
//! [`SsoClient`] is what the dashboard's SSO routes call. It fetches the provider's
//! discovery document and JWKS from `[auth.oidc] issuer` (cached for
//! [`METADATA_TTL`], so a rotated key is picked up), builds the authorization request
//! (random state, nonce and PKCE verifier, kept server-side by the caller), exchanges the
//! code with the verifier and verifies the ID token with the `openidconnect` crate:
//! signature against the JWKS (algorithms the provider lists), issuer, audience, expiry
//! and nonce. What the token says about the person goes to
//! `frontline_shared::accounts::sso`, which decides who they are here.
//!
//! The HTTP client follows no redirects (the crate's advice against SSRF) and gives up
//! after [`HTTP_TIMEOUT`].
//!
//! # Layout
//! - this module: the client, its cache and its errors.
//! - [`claims`]: the extra ID token claims read (the configured role claim).

pub mod claims;

use std::time::{Duration, Instant};

use frontline_shared::accounts::sso::SsoIdentity;
use frontline_shared::config::OidcSettings;
use frontline_shared::store::sso_logins::PendingSso;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use tokio::sync::Mutex;

use claims::ExtraClaims;

/// How long fetched provider metadata and keys are used before they are fetched again.
pub const METADATA_TTL: Duration = Duration::from_secs(10 * 60);
/// How long one call to the provider may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a started sign-on may take to come back.
pub const LOGIN_VALID_FOR: Duration = Duration::from_secs(10 * 60);

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type CodeTokenResponse = StandardTokenResponse<IdFields, CoreTokenType>;
type Client = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    CodeTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why single sign-on could not go on. The messages are shown on the sign-in page.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the sign-in provider could not be reached or answered something unusable")]
    Discovery(String),
    #[error("the sign-in provider refused to exchange the code")]
    Exchange(String),
    #[error("the sign-in provider sent no ID token")]
    NoIdToken,
    #[error("the ID token is for another application (audience)")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token's signature does not verify")]
    Signature,
    #[error("the ID token was not issued for this sign-in (nonce)")]
    Nonce,
    #[error("the ID token was not issued by the configured provider")]
    Issuer,
    #[error("the ID token is not valid")]
    Invalid(String),
    #[error("the redirect address is not valid")]
    RedirectUrl,
}

impl From<ClaimsVerificationError> for SsoError {
    fn from(error: ClaimsVerificationError) -> Self {
        match error {
            ClaimsVerificationError::InvalidAudience(_) => SsoError::Audience,
            ClaimsVerificationError::Expired(_) => SsoError::Expired,
            ClaimsVerificationError::SignatureVerification(_) => SsoError::Signature,
            ClaimsVerificationError::InvalidNonce(_) => SsoError::Nonce,
            ClaimsVerificationError::InvalidIssuer(_) => SsoError::Issuer,
            other => SsoError::Invalid(other.to_string()),
        }
    }
}

/// A started sign-on: where to send the browser, and what to keep for the callback.
#[derive(Debug)]
pub struct Started {
    pub authorize_url: String,
    /// The `state` sent: the key of what is kept, and the browser's binding cookie.
    pub state: String,
    pub pending: PendingSso,
}

/// The `[auth.oidc]` relying party.
#[derive(Debug)]
pub struct SsoClient {
    pub settings: OidcSettings,
    redirect_url: String,
    http: openidconnect::reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl SsoClient {
    /// A client for `settings`, redirecting back to `{public_url}/admin/sso/callback`.
    pub fn new(settings: OidcSettings, public_url: &str) -> Result<SsoClient, SsoError> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| SsoError::Discovery(e.to_string()))?;
        Ok(SsoClient {
            settings,
            redirect_url: format!("{}/admin/sso/callback", public_url.trim_end_matches('/')),
            http,
            metadata: Mutex::new(None),
        })
    }

    /// The provider's metadata and keys, fetched when missing or older than the TTL.
    async fn metadata(&self) -> Result<CoreProviderMetadata, SsoError> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| SsoError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Discovery(error_chain(&e)))?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn client(&self) -> Result<Client, SsoError> {
        let metadata = self.metadata().await?;
        let secret = self
            .settings
            .client_secret
            .as_ref()
            .map(|s| ClientSecret::new(s.expose().to_string()));
        Ok(Client::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            secret,
        )
        .set_redirect_uri(
            RedirectUrl::new(self.redirect_url.clone()).map_err(|_| SsoError::RedirectUrl)?,
        ))
    }

    /// Starts a sign-on: a fresh state, nonce and PKCE verifier, and the provider's
    /// authorization URL carrying the state, the nonce and the S256 challenge.
    pub async fn start(&self) -> Result<Started, SsoError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            pending: PendingSso {
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        })
    }

    /// Finishes a sign-on: exchanges `code` with the kept PKCE verifier and verifies the
    /// ID token (signature, issuer, audience, expiry, the kept nonce).
    pub async fn finish(&self, code: &str, pending: PendingSso) -> Result<SsoIdentity, SsoError> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Exchange(error_chain(&e)))?;
        let id_token = response.id_token().ok_or(SsoError::NoIdToken)?;
        let verifier = client.id_token_verifier();
        let claims = id_token.claims(&verifier, &Nonce::new(pending.nonce))?;
        Ok(SsoIdentity {
            email: claims
                .email()
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            email_verified: claims.email_verified(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
            role_claim: self
                .settings
                .role_claim
                .as_deref()
                .and_then(|name| claims.additional_claims().get(name).cloned()),
        })
    }
}

/// An error and its sources, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
