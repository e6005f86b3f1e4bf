//! Slack request verification: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{body}` with the signing secret (checked by
//! slack-morphism's [`SlackEventSignatureVerifier`], which also enforces the 5-minute
//! window), then the pair is remembered so a replay is refused. Only the canonical
//! spelling (`v0=` + 64 lower-case hex digits) is accepted, and the pair is remembered by
//! the signature's bytes, not its text.

use axum::http::HeaderMap;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::{
    SlackEventSignatureVerifier, SlackEventSignatureVerifierError,
};

use crate::error::CallbackError;
use crate::replay::{canonical_hex, ReplayGuard};

/// Verifies Slack's signed requests.
#[derive(Clone)]
pub struct SlackVerifier {
    verifier: SlackEventSignatureVerifier,
    replay: ReplayGuard,
}

impl std::fmt::Debug for SlackVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackVerifier").finish_non_exhaustive()
    }
}

impl SlackVerifier {
    pub fn new(signing_secret: &str, replay: ReplayGuard) -> Self {
        let secret = SlackSigningSecret::new(signing_secret.to_string());
        SlackVerifier {
            verifier: SlackEventSignatureVerifier::new(&secret),
            replay,
        }
    }

    /// Ok only for a correctly signed, fresh, first-seen request.
    pub async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), CallbackError> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(CallbackError::BadSignature)
        };
        let signature = header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER)?;
        let timestamp = header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP)?;
        // Only the canonical spelling `v0=` + 64 lower-case hex digits; the replay memory
        // keys on the decoded bytes.
        let bytes = signature
            .strip_prefix("v0=")
            .and_then(canonical_hex::<32>)
            .ok_or(CallbackError::BadSignature)?;
        let body = std::str::from_utf8(body).map_err(|_| CallbackError::BadSignature)?;
        match self.verifier.verify(signature, body, timestamp) {
            Ok(()) => {}
            Err(SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_)) => {
                return Err(CallbackError::Stale)
            }
            Err(_) => return Err(CallbackError::BadSignature),
        }
        self.replay.check("slack", timestamp, &bytes).await
    }
}
