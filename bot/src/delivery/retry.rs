//! When to try a failed delivery again.
//!
//! - Rate limited with `Retry-After`: exactly then (never earlier), plus up to 10 % jitter
//!   so replicas do not return in lockstep.
//! - Unavailable (5xx, timeouts, connection errors, store outages): exponential back-off
//!   from 500 ms, doubling per attempt, capped at 5 minutes.
//! - A mail server that is down or answers 4xx: the same back-off as an outage.
//! - Refused by the platform (bad channel, missing scope): from 30 s, capped at 15
//!   minutes — an operator can fix the configuration and nothing is lost meanwhile.
//!   (A row kind or version this release cannot read never gets here: the store parks it
//!   when leasing, and a bot start unparks it.)
//!
//! - A webhook receiver that does not answer `2xx` (or cannot be reached): from 10 s,
//!   doubling per attempt, capped at 24 hours; its `Retry-After` exactly when given. The
//!   webhook gives up after [`crate::webhooks::RETRY_WINDOW`] (see [`crate::webhooks`]).
//!
//! A row is never dropped: the outbox keeps it (and its escalation's later rows wait
//! behind it, which keeps their order).

use std::time::Duration;

use crate::error::{ChatError, DeliveryError};
use crate::mail::MailError;
use crate::webhooks::WebhookError;

const QUICK_BASE: Duration = Duration::from_millis(500);
const QUICK_CAP: Duration = Duration::from_secs(5 * 60);
const SLOW_BASE: Duration = Duration::from_secs(30);
const SLOW_CAP: Duration = Duration::from_secs(15 * 60);
const WEBHOOK_BASE: Duration = Duration::from_secs(10);
const WEBHOOK_CAP: Duration = Duration::from_secs(24 * 60 * 60);
/// Rate limits without a `Retry-After` still wait at least this long.
const RATE_LIMIT_FLOOR: Duration = Duration::from_secs(1);

/// The deterministic delay before attempt `attempts + 1`, `attempts` counting from 1.
pub fn delay(error: &DeliveryError, attempts: i64) -> Duration {
    match error {
        DeliveryError::Chat(ChatError::RateLimited {
            retry_after: Some(wait),
        })
        | DeliveryError::NotYet(wait)
        | DeliveryError::Webhook(WebhookError::Status {
            retry_after: Some(wait),
            ..
        }) => *wait,
        DeliveryError::Webhook(_) => backoff(attempts, WEBHOOK_BASE, WEBHOOK_CAP),
        DeliveryError::Chat(ChatError::RateLimited { retry_after: None }) => {
            backoff(attempts, QUICK_BASE, QUICK_CAP).max(RATE_LIMIT_FLOOR)
        }
        DeliveryError::Chat(ChatError::Rejected(_) | ChatError::Template(_))
        | DeliveryError::Digest(_)
        | DeliveryError::NotConfigured(_)
        | DeliveryError::Mail(MailError::Template(_) | MailError::Build(_)) => {
            backoff(attempts, SLOW_BASE, SLOW_CAP)
        }
        DeliveryError::Mail(MailError::Unavailable(_) | MailError::Store(_)) => {
            backoff(attempts, QUICK_BASE, QUICK_CAP)
        }
        DeliveryError::Chat(ChatError::Unavailable(_))
        | DeliveryError::Store(_)
        | DeliveryError::TimedOut(_) => backoff(attempts, QUICK_BASE, QUICK_CAP),
    }
}

/// `delay` plus up to 10 % on top (never less than asked).
pub fn with_jitter(delay: Duration) -> Duration {
    let extra = delay.mul_f64(rand::random::<f64>() * 0.1);
    delay + extra
}

fn backoff(attempts: i64, base: Duration, cap: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(2u32.saturating_pow(doublings)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(error: ChatError) -> DeliveryError {
        DeliveryError::Chat(error)
    }

    #[test]
    fn retry_after_is_honoured_exactly() {
        let limited = chat(ChatError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        });
        assert_eq!(delay(&limited, 1), Duration::from_secs(7));
        assert_eq!(delay(&limited, 9), Duration::from_secs(7));
        let jittered = with_jitter(Duration::from_secs(7));
        assert!(jittered >= Duration::from_secs(7) && jittered <= Duration::from_millis(7_700));
    }

    #[test]
    fn outages_back_off_exponentially_up_to_a_cap() {
        let down = chat(ChatError::Unavailable("502".into()));
        assert_eq!(delay(&down, 1), Duration::from_millis(500));
        assert_eq!(delay(&down, 2), Duration::from_secs(1));
        assert_eq!(delay(&down, 4), Duration::from_secs(4));
        assert_eq!(delay(&down, 40), Duration::from_secs(300));
        let refused = chat(ChatError::Rejected("channel_not_found".into()));
        assert_eq!(delay(&refused, 1), Duration::from_secs(30));
        assert_eq!(delay(&refused, 30), Duration::from_secs(900));
        let receiver_down = DeliveryError::Webhook(WebhookError::Status {
            status: 500,
            retry_after: None,
        });
        assert_eq!(delay(&receiver_down, 1), Duration::from_secs(10));
        assert_eq!(delay(&receiver_down, 3), Duration::from_secs(40));
        assert_eq!(delay(&receiver_down, 40), Duration::from_secs(86_400));
        let receiver_busy = DeliveryError::Webhook(WebhookError::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(90)),
        });
        assert_eq!(delay(&receiver_busy, 5), Duration::from_secs(90));
        let unspecified = chat(ChatError::RateLimited { retry_after: None });
        assert_eq!(delay(&unspecified, 1), Duration::from_secs(1));
    }
}
