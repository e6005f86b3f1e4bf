//! Conversation tokens: proof that a browser created the conversation it asks about.
//!
//! A token is `hex(HMAC-SHA256(key, conversation_id))`, so any replica holding the same
//! key can check it without a store read. The key comes from `FRONTLINE_TOKEN_SECRET` or
//! is generated once and kept in the store (see `Store::installation_secret`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Issues and verifies conversation tokens.
#[derive(Clone)]
pub struct TokenSigner {
    /// The MAC with the key and the domain prefix already absorbed: each token then
    /// hashes only its conversation id (the key's inner and outer blocks are done once).
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner([redacted])")
    }
}

impl TokenSigner {
    pub fn new(key: &[u8]) -> Self {
        let mut keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        keyed.update(b"frontline-conversation:");
        TokenSigner { keyed }
    }

    fn mac(&self, conversation_id: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(conversation_id.as_bytes());
        mac
    }

    pub fn issue(&self, conversation_id: &str) -> String {
        hex::encode(self.mac(conversation_id).finalize().into_bytes())
    }

    /// Constant-time check of `token` against `conversation_id`.
    pub fn verify(&self, conversation_id: &str, token: &str) -> bool {
        match hex::decode(token) {
            Ok(bytes) => self.mac(conversation_id).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenSigner;

    #[test]
    fn a_token_opens_only_its_own_conversation() {
        let signer = TokenSigner::new(b"key");
        let token = signer.issue("c_1");
        assert!(signer.verify("c_1", &token));
        assert!(!signer.verify("c_2", &token));
        assert!(!TokenSigner::new(b"other").verify("c_1", &token));
        assert!(!signer.verify("c_1", "not-hex"));
    }

    /// Replicas of different versions must accept each other's tokens: the format is
    /// HMAC-SHA256 over the prefixed id, whatever the signer caches.
    #[test]
    fn the_token_is_the_hmac_of_the_prefixed_id() {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"key").expect("any key length");
        mac.update(b"frontline-conversation:conv_42");
        let expected = hex::encode(mac.finalize().into_bytes());
        let signer = TokenSigner::new(b"key");
        assert_eq!(signer.issue("conv_42"), expected);
        assert_eq!(
            signer.issue("conv_42"),
            expected,
            "the cached key state is not consumed"
        );
    }
}
