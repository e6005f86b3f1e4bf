//! Signed callbacks are accepted once, and only while fresh.
//!
//! After a platform's signature check passes, [`ReplayGuard::check`] refuses a request
//! whose timestamp is more than five minutes from now (stale) or whose
//! `(timestamp, signature)` pair was already seen (replayed). Seen pairs are kept in the
//! store, so every replica behind a load balancer refuses the replay; entries older than
//! a day are pruned by [`forget_old_callbacks`] (a replayed request that old is stale anyway).
//!
//! The pair is remembered by value, never by spelling: the timestamp as an integer and the
//! signature as its bytes. Signature headers are read with [`canonical_hex`], which accepts
//! only the one spelling the platforms send (lower-case hex of the exact length), so a
//! captured request re-sent as `ABCD…`, `+bcd…` or ` abcd…` is refused, not taken as new.

use std::time::Duration;

use frontline_shared::shutdown::Shutdown;
use frontline_shared::store::Store;
use sha2::{Digest, Sha256};

use crate::error::CallbackError;

/// How far a request timestamp may be from now, in seconds (Slack's documented window).
pub const WINDOW_SECS: i64 = 5 * 60;

/// How long seen callbacks (signatures, event ids) are remembered.
const KEEP: Duration = Duration::from_secs(24 * 3600);

/// Refuses stale and replayed callbacks.
#[derive(Debug, Clone)]
pub struct ReplayGuard {
    store: Store,
}

impl ReplayGuard {
    pub fn new(store: Store) -> Self {
        ReplayGuard { store }
    }

    /// Call only after the signature was verified: `timestamp` is the signed Unix-seconds
    /// header, `signature` the signature's bytes (decoded with [`canonical_hex`]).
    pub async fn check(
        &self,
        platform: &str,
        timestamp: &str,
        signature: &[u8],
    ) -> Result<(), CallbackError> {
        let at: i64 = timestamp.trim().parse().map_err(|_| CallbackError::Stale)?;
        let now = jiff::Timestamp::now().as_second();
        if (now - at).abs() > WINDOW_SECS {
            return Err(CallbackError::Stale);
        }
        let digest = hex::encode(Sha256::digest(signature));
        let key = format!("signature:{platform}:{at}:{}", &digest[..32]);
        if self.store.mark_callback_processed(&key).await? {
            Ok(())
        } else {
            Err(CallbackError::Replayed)
        }
    }
}

/// The bytes of `text` if it is the canonical spelling of `N` bytes: exactly `2 * N`
/// characters `0-9` / `a-f`. Upper case, signs (`+`), whitespace, prefixes and padding
/// are refused, so every accepted signature has exactly one spelling.
pub fn canonical_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let nibble = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut bytes = [0u8; N];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(bytes)
}

/// Prunes remembered callbacks every hour until shutdown.
pub async fn forget_old_callbacks(store: Store, mut shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait() => return,
        }
        let keep_ms = i64::try_from(KEEP.as_millis()).unwrap_or(i64::MAX);
        match store
            .prune_processed_callbacks(store.now_ms() - keep_ms)
            .await
        {
            Ok(removed) => tracing::debug!(removed, "pruned remembered callbacks"),
            Err(error) => tracing::warn!(%error, "cannot prune remembered callbacks"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_hex;
    use proptest::prelude::*;

    #[test]
    fn only_lower_case_hex_of_the_exact_length_is_a_signature() {
        assert_eq!(canonical_hex::<2>("0aff"), Some([0x0a, 0xff]));
        for other in [
            "0AFF", "0aFf", "+aff", "0a+f", " 0aff", "0aff ", "0a ff", "0aff00", "00aff", "0af",
            "0x0a", "0a\tf", "",
        ] {
            assert_eq!(canonical_hex::<2>(other), None, "{other:?}");
        }
    }

    /// Lenient spellings of `hex`: upper case, signs, whitespace, padding, prefixes.
    fn respellings(hex: String) -> impl Strategy<Value = (String, String)> {
        let len = hex.len();
        (0..len, 0usize..7, any::<u64>()).prop_map(move |(at, how, seed)| {
            let mut text = hex.clone();
            match how {
                0 => {
                    // upper-case a pseudo-random subset of the letters (at least one)
                    let mut flipped = false;
                    text = hex
                        .chars()
                        .enumerate()
                        .map(|(i, c)| {
                            let pick = (seed >> (i % 64)) & 1 == 1 || (!flipped && i == at);
                            if pick && c.is_ascii_alphabetic() {
                                flipped = true;
                                c.to_ascii_uppercase()
                            } else {
                                c
                            }
                        })
                        .collect();
                    if !flipped {
                        text = text.to_ascii_uppercase();
                    }
                }
                1 => text.replace_range(at - at % 2..=at - at % 2, "+"),
                2 => text.insert(at, [' ', '\t', '\n'][(seed % 3) as usize]),
                3 => text = format!("{}{text}", ["0", "00", "+", " "][(seed % 4) as usize]),
                4 => text.push_str(["0", "00", "=", " ", "\n"][(seed % 5) as usize]),
                5 => text = format!("0x{text}"),
                _ => text = text.to_ascii_uppercase(),
            }
            (hex.clone(), text)
        })
    }

    proptest! {
        /// Any spelling other than the canonical one is refused, so one signature can never
        /// be remembered under two keys.
        #[test]
        fn a_signature_has_exactly_one_accepted_spelling(
            (canonical, other) in any::<[u8; 32]>()
                .prop_map(hex::encode)
                .prop_flat_map(respellings)
        ) {
            let decoded = canonical_hex::<32>(&canonical);
            prop_assert!(decoded.is_some());
            if other != canonical {
                prop_assert_eq!(canonical_hex::<32>(&other), None, "{:?}", other);
            }
        }

        /// Whatever the text, an accepted signature re-encodes to exactly that text.
        #[test]
        fn accepted_text_is_the_encoding_of_its_bytes(text in "[0-9a-fA-F+ ]{62,66}") {
            if let Some(bytes) = canonical_hex::<32>(&text) {
                prop_assert_eq!(hex::encode(bytes), text);
            }
        }
    }
}
