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
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner([redacted])")
    }
}

impl TokenSigner {
    pub fn new(key: &[u8]) -> Self {
        TokenSigner { key: key.to_vec() }
    }

    fn mac(&self, conversation_id: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(b"frontline-conversation:");
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
}
