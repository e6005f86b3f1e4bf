//! Catching up from the channel history when a gateway session starts.
//!
//! The gateway replays what was dispatched while a connection was down only when the
//! session is resumed. A new session (this replica just took the gateway over from one
//! that died, or Discord refused to resume) starts with what happens from then on, so
//! messages written in between would be lost. On every new session (`READY`) the
//! replica reads, for each open escalation's alert, the alert's thread and the alert's
//! channel after their cursors (the newest message any replica handled there, see
//! [`super::relay`]) with `GET /channels/{id}/messages?after=…`
//! (https://discord.com/developers/docs/resources/message#get-channel-messages), page by
//! page, oldest first, and hands every message to the same relay as the gateway. The
//! relay is keyed on the message id, so a message also seen live is relayed once.
//!
//! Without a cursor (no message handled there yet) a thread is read from its start
//! (its id is the alert's) and a channel from its oldest open alert: replies to an alert
//! come after it.

use std::collections::BTreeMap;

use frontline_shared::config::ChatPlatform;
use frontline_shared::store::StoreError;
use serenity::all::{ChannelId, MessageId};

use super::relay::ThreadRelay;
use super::{snowflake, DiscordRest};
use crate::error::ChatError;

/// Messages asked for per page (Discord's maximum).
pub const PAGE: u8 = 100;

/// Why catching up stopped early.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("Discord: {0}")]
    Chat(#[from] ChatError),
}

/// What a catch-up read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CaughtUp {
    /// Channels and threads read.
    pub channels: usize,
    /// Messages found after the cursors (relayed or not).
    pub messages: usize,
}

/// Reads the open alerts' threads and channels after their cursors and relays what an
/// agent wrote there.
pub async fn catch_up(relay: &ThreadRelay, rest: &DiscordRest) -> Result<CaughtUp, CatchUpError> {
    let mut caught = CaughtUp::default();
    for (channel, start) in channels_to_read(relay).await? {
        let cursor = relay
            .store
            .chat_cursor(ChatPlatform::Discord, &channel.to_string())
            .await?
            .and_then(|id| u64::try_from(id).ok())
            .unwrap_or(0);
        let read = read_after(relay, rest, channel, MessageId::new(cursor.max(start))).await?;
        caught.channels += 1;
        caught.messages += read;
    }
    Ok(caught)
}

/// Each open alert's thread (from the alert on) and channel (from its oldest open alert
/// on), with the message id to read after when there is no cursor.
async fn channels_to_read(relay: &ThreadRelay) -> Result<BTreeMap<ChannelId, u64>, StoreError> {
    let mut channels: BTreeMap<ChannelId, u64> = BTreeMap::new();
    for alert in relay.store.open_alerts(ChatPlatform::Discord).await? {
        let Some(alert_id) = snowflake(&alert.message_ref) else {
            continue;
        };
        let thread = alert
            .thread_ref
            .as_deref()
            .and_then(snowflake)
            .unwrap_or(alert_id);
        channels.entry(ChannelId::new(thread)).or_insert(alert_id);
        if let Some(channel) = snowflake(&alert.channel) {
            let start = channels.entry(ChannelId::new(channel)).or_insert(alert_id);
            *start = (*start).min(alert_id);
        }
    }
    Ok(channels)
}

/// Relays `channel`'s messages after `after`, page by page, and moves its cursor;
/// returns how many there were.
async fn read_after(
    relay: &ThreadRelay,
    rest: &DiscordRest,
    channel: ChannelId,
    mut after: MessageId,
) -> Result<usize, CatchUpError> {
    let mut read = 0;
    loop {
        // A thread nobody started does not exist.
        let Some(mut page) = rest.messages_after(channel, after, PAGE).await? else {
            return Ok(read);
        };
        page.sort_by_key(|message| message.id);
        for message in &page {
            relay.handle(message).await?;
        }
        let Some(last) = page.last() else {
            return Ok(read);
        };
        relay.advance_cursor(&channel.to_string(), last).await?;
        read += page.len();
        if page.len() < usize::from(PAGE) || last.id <= after {
            return Ok(read);
        }
        after = last.id;
    }
}
