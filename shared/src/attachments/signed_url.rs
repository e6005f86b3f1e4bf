//! Download links for attachments: `…/attachments/{id}?expires={unix seconds}&sig={hex}`.
//!
//! `sig` is `hex(HMAC-SHA256(key, "frontline-attachment-v1:{conversation}\0{id}\0{expires}"))`
//! with the conversation-token key, so every replica checks a link without a store read
//! and a link stays tied to the attachment's own conversation. A wrong signature is
//! [`LinkError::Tampered`] (checked in constant time, before the expiry, so a forged link
//! learns nothing); a right one past `expires` is [`LinkError::Expired`].

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs and checks attachment links.
#[derive(Clone)]
pub struct UrlSigner {
    /// The MAC with the key and the domain prefix already absorbed.
    keyed: Hmac<Sha256>,
    /// How long a link is valid after it is made, in seconds.
    ttl_secs: i64,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlSigner")
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

/// The query of a signed link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    pub expires: i64,
    pub sig: String,
}

impl SignedLink {
    /// `expires=…&sig=…`.
    pub fn query(&self) -> String {
        format!("expires={}&sig={}", self.expires, self.sig)
    }
}

/// Why a link opens nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid")]
    Tampered,
    #[error("this link has expired; reopen the conversation for a new one")]
    Expired,
}

impl UrlSigner {
    pub fn new(key: &[u8], ttl_secs: i64) -> Self {
        let mut keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        keyed.update(b"frontline-attachment-v1:");
        UrlSigner { keyed, ttl_secs }
    }

    fn mac(&self, conversation_id: &str, attachment_id: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(conversation_id.as_bytes());
        mac.update(b"\0");
        mac.update(attachment_id.as_bytes());
        mac.update(b"\0");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// A link to `attachment_id` of `conversation_id`, valid from `now_ms` for the TTL.
    pub fn sign(&self, conversation_id: &str, attachment_id: &str, now_ms: i64) -> SignedLink {
        let expires = now_ms.div_euclid(1000) + self.ttl_secs;
        let sig = self
            .mac(conversation_id, attachment_id, expires)
            .finalize()
            .into_bytes();
        SignedLink {
            expires,
            sig: hex::encode(sig),
        }
    }

    /// Checks a link's `expires` and `sig` for the attachment at `now_ms`.
    pub fn verify(
        &self,
        conversation_id: &str,
        attachment_id: &str,
        expires: i64,
        sig: &str,
        now_ms: i64,
    ) -> Result<(), LinkError> {
        let bytes = hex::decode(sig).map_err(|_| LinkError::Tampered)?;
        self.mac(conversation_id, attachment_id, expires)
            .verify_slice(&bytes)
            .map_err(|_| LinkError::Tampered)?;
        if now_ms.div_euclid(1000) > expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_its_own_attachment_until_it_expires() {
        let signer = UrlSigner::new(b"key", 300);
        let link = signer.sign("conv_1", "att_1", 1_000_000);
        assert_eq!(link.expires, 1_300);
        assert_eq!(
            signer.verify("conv_1", "att_1", 1_300, &link.sig, 1_300_999),
            Ok(())
        );
        assert_eq!(
            signer.verify("conv_1", "att_1", 1_300, &link.sig, 1_301_000),
            Err(LinkError::Expired)
        );
        for (conversation, attachment, expires) in [
            ("conv_2", "att_1", 1_300),
            ("conv_1", "att_2", 1_300),
            ("conv_1", "att_1", 9_999),
        ] {
            assert_eq!(
                signer.verify(conversation, attachment, expires, &link.sig, 1_000_000),
                Err(LinkError::Tampered)
            );
        }
        assert_eq!(
            signer.verify("conv_1", "att_1", 1_300, "zz", 1_000_000),
            Err(LinkError::Tampered)
        );
    }
}
