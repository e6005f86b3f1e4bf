//! `Frontline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
//!
//! The scheme Stripe documents (<https://docs.stripe.com/webhooks#verify-manually>): the
//! timestamp is signed with the body, so a receiver that refuses signatures older than five
//! minutes also refuses a replayed request.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Frontline-Signature";

/// The header's value for `body` sent at `unix_seconds`.
pub fn header_value(secret: &[u8], unix_seconds: i64, body: &str) -> String {
    format!("t={unix_seconds},v1={}", sign(secret, unix_seconds, body))
}

/// hex(HMAC-SHA256(secret, "<t>.<body>")).
pub fn sign(secret: &[u8], unix_seconds: i64, body: &str) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_timestamp_and_the_body() {
        // `printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test`
        assert_eq!(
            header_value(b"whsec_test", 1_700_000_000, r#"{"id":"evt_1"}"#),
            "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925"
        );
    }
}
