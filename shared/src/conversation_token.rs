//! Conversation tokens: proof that a browser created the conversation it asks about, on
//! the site it asks about.
//!
//! A token is `{site}.hex(HMAC-SHA256(key, "frontline-conversation-v2:{site}\0{id}"))`:
//! any replica holding the same key can check it without a store read, and the site it
//! names is covered by the MAC, so a token issued on one site opens nothing on another.
//! The key comes from `FRONTLINE_TOKEN_SECRET` or is generated once and kept in the store
//! (see `Store::installation_secret`).
//!
//! Tokens of earlier releases, `hex(HMAC-SHA256(key, "frontline-conversation:{id}"))`,
//! name no site; they still open their conversation ([`TokenSite::Unbound`]), and callers
//! check the site another way (the conversation's stored site).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secrets;
use crate::site_id::SiteId;
use crate::store::{Store, StoreError};

/// The key of conversation tokens and of mail tokens ([`crate::mail_token`]):
/// `FRONTLINE_TOKEN_SECRET`, or else one generated once and kept in the store, so both
/// binaries and every replica agree.
pub async fn signing_key(secrets: &Secrets, store: &Store) -> Result<String, StoreError> {
    match &secrets.token_secret {
        Some(secret) => Ok(secret.expose().to_string()),
        None => store.installation_secret("conversation_token_key").await,
    }
}

/// Issues and verifies conversation tokens.
#[derive(Clone)]
pub struct TokenSigner {
    /// The MACs with the key and the domain prefix already absorbed: each token then
    /// hashes only its site and conversation id (the key's blocks are done once).
    keyed: Hmac<Sha256>,
    /// The same for the earlier, site-less format.
    legacy: Hmac<Sha256>,
}

/// Which site a valid token was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSite<'a> {
    /// A site-bound token of this site.
    Site(&'a str),
    /// A token of an earlier release: the site must be checked another way.
    Unbound,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner([redacted])")
    }
}

impl TokenSigner {
    pub fn new(key: &[u8]) -> Self {
        let keyed_with = |prefix: &[u8]| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
            mac.update(prefix);
            mac
        };
        TokenSigner {
            keyed: keyed_with(b"frontline-conversation-v2:"),
            legacy: keyed_with(b"frontline-conversation:"),
        }
    }

    fn mac(&self, site: &str, conversation_id: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(site.as_bytes());
        mac.update(b"\0");
        mac.update(conversation_id.as_bytes());
        mac
    }

    /// A token opening `conversation_id` of `site` (a site id has no `.`, so the token
    /// splits unambiguously).
    pub fn issue(&self, site: &SiteId, conversation_id: &str) -> String {
        let mac = self.mac(site, conversation_id).finalize().into_bytes();
        format!("{site}.{}", hex::encode(mac))
    }

    /// Constant-time check of `token` against `conversation_id`: the site it was issued
    /// for, or `None` when it does not open the conversation.
    pub fn verify<'t>(&self, conversation_id: &str, token: &'t str) -> Option<TokenSite<'t>> {
        match token.split_once('.') {
            Some((site, mac)) => {
                let bytes = hex::decode(mac).ok()?;
                self.mac(site, conversation_id)
                    .verify_slice(&bytes)
                    .ok()
                    .map(|()| TokenSite::Site(site))
            }
            None => {
                let bytes = hex::decode(token).ok()?;
                let mut mac = self.legacy.clone();
                mac.update(conversation_id.as_bytes());
                mac.verify_slice(&bytes).ok().map(|()| TokenSite::Unbound)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{TokenSigner, TokenSite};
    use crate::site_id::SiteId;

    #[test]
    fn a_token_opens_only_its_own_conversation_on_its_own_site() {
        let signer = TokenSigner::new(b"key");
        let demo = SiteId::parse("demo").expect("a site id");
        let token = signer.issue(&demo, "c_1");
        assert!(token.starts_with("demo."), "{token}");
        assert_eq!(signer.verify("c_1", &token), Some(TokenSite::Site("demo")));
        assert_eq!(signer.verify("c_2", &token), None);
        assert_eq!(TokenSigner::new(b"other").verify("c_1", &token), None);
        assert_eq!(signer.verify("c_1", "not-hex"), None);
        let moved = token.replacen("demo.", "other.", 1);
        assert_eq!(
            signer.verify("c_1", &moved),
            None,
            "the site is under the MAC"
        );
    }

    /// Tokens issued by the previous release (HMAC-SHA256 over the prefixed id, no site)
    /// keep opening their conversation, as unbound.
    #[test]
    fn a_token_of_the_previous_release_opens_its_conversation_unbound() {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"key").expect("any key length");
        mac.update(b"frontline-conversation:conv_42");
        let old = hex::encode(mac.finalize().into_bytes());
        let signer = TokenSigner::new(b"key");
        assert_eq!(signer.verify("conv_42", &old), Some(TokenSite::Unbound));
        assert_eq!(signer.verify("conv_43", &old), None);
        assert_eq!(
            signer.verify("conv_42", &old),
            Some(TokenSite::Unbound),
            "the cached key state is not consumed"
        );
    }
}
