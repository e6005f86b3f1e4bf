//! The tokens a conversation's mails carry: the reply address `reply+<token>@reply_domain`
//! and the rating links `/csat/<token>?rating=N`. Each is signed, so neither a guess nor a
//! copy of the store opens a conversation, and each names its purpose, so a rating link
//! seen in a browser's history is no reply address.
//!
//! A mail thread keeps a random *nonce* (80 bits, 20 hex digits) as its `reply_token`. A
//! token is the nonce followed by the first 128 bits of
//! `HMAC-SHA256(key, "frontline-mail-v1:{purpose}:{nonce}")` (32 hex digits): 52 hex
//! digits, so `reply+<token>` stays within the 64 characters RFC 5321 (4.5.3.1.1) allows
//! a local part. The MAC is checked in constant time before the store is read: a forged
//! token costs no query and maps to nothing, exactly like an unknown one.
//!
//! The key is the conversation tokens' key (`FRONTLINE_TOKEN_SECRET`, else the one kept
//! in the store; see [`crate::conversation_token::signing_key`]); the `frontline-mail-v1` prefix keeps the two kinds
//! of token apart.
//!
//! Threads opened by earlier releases keep the 32-hex-digit random token their mails
//! already carry: such a token still maps by itself (it is stored as it is, and no nonce
//! of 20 digits can equal it), and their later mails carry it again so one conversation
//! keeps one reply address.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::emails::MailThread;
use crate::store::{Store, StoreError};

/// Hex digits of a nonce (10 random bytes).
pub const NONCE_HEX: usize = 20;
/// Hex digits of a token's MAC (the first 16 bytes of the HMAC).
const MAC_HEX: usize = 32;
/// Hex digits of a random token of the releases before signed tokens.
const LEGACY_HEX: usize = 32;

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `reply+<token>@reply_domain`: the customer's replies by mail.
    Reply,
    /// `/csat/<token>?rating=N`: the resolved mail's rating links.
    Rating,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reply => "reply",
            Purpose::Rating => "rating",
        }
    }
}

/// Issues and checks mail tokens.
#[derive(Clone)]
pub struct MailTokens {
    /// The MAC with the key and the version prefix already absorbed.
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for MailTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailTokens([redacted])")
    }
}

/// A new thread's nonce.
pub fn new_nonce() -> String {
    hex::encode(rand::random::<[u8; NONCE_HEX / 2]>())
}

fn is_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl MailTokens {
    pub fn new(key: &[u8]) -> Self {
        let mut keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        keyed.update(b"frontline-mail-v1:");
        MailTokens { keyed }
    }

    fn mac(&self, purpose: Purpose, nonce: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(purpose.as_str().as_bytes());
        mac.update(b":");
        mac.update(nonce.as_bytes());
        mac
    }

    /// The token for `thread`'s mails: signed, or an earlier release's token as it is.
    pub fn issue(&self, purpose: Purpose, thread: &MailThread) -> String {
        let stored = &thread.reply_token;
        if stored.len() != NONCE_HEX {
            return stored.clone();
        }
        let mac = self.mac(purpose, stored).finalize().into_bytes();
        format!("{stored}{}", hex::encode(&mac[..MAC_HEX / 2]))
    }

    /// The mail thread `token` opens for `purpose`, if any. A signed token's MAC is
    /// checked (in constant time) before the store is read.
    pub async fn thread(
        &self,
        store: &Store,
        purpose: Purpose,
        token: &str,
    ) -> Result<Option<MailThread>, StoreError> {
        if !is_hex(token) {
            return Ok(None);
        }
        let stored = match token.len() {
            LEGACY_HEX => token,
            len if len == NONCE_HEX + MAC_HEX => {
                let (nonce, mac) = token.split_at(NONCE_HEX);
                let Ok(mac) = hex::decode(mac) else {
                    return Ok(None);
                };
                if self
                    .mac(purpose, nonce)
                    .verify_truncated_left(&mac)
                    .is_err()
                {
                    return Ok(None);
                }
                nonce
            }
            _ => return Ok(None),
        };
        store.mail_thread_by_token(stored).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(reply_token: &str) -> MailThread {
        MailThread {
            conversation_id: "conv_1".into(),
            reply_token: reply_token.into(),
            email: "dana@customer.test".into(),
            watched_at_ms: None,
            email_me: false,
        }
    }

    #[test]
    fn a_token_is_the_nonce_and_a_mac_per_purpose() {
        let tokens = MailTokens::new(b"key");
        let nonce = "00112233445566778899";
        let reply = tokens.issue(Purpose::Reply, &thread(nonce));
        let rating = tokens.issue(Purpose::Rating, &thread(nonce));
        assert_eq!(reply.len(), 52);
        assert!(reply.starts_with(nonce) && rating.starts_with(nonce));
        assert_ne!(reply, rating);
        assert!(is_hex(&reply));
        assert_ne!(
            MailTokens::new(b"other").issue(Purpose::Reply, &thread(nonce)),
            reply
        );
    }

    #[test]
    fn an_earlier_release_token_is_carried_as_it_is() {
        let old = "0123456789abcdef0123456789abcdef";
        let tokens = MailTokens::new(b"key");
        assert_eq!(tokens.issue(Purpose::Reply, &thread(old)), old);
        assert_eq!(tokens.issue(Purpose::Rating, &thread(old)), old);
    }
}
