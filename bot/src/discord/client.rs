//! Discord's REST API through serenity's HTTP layer, pointed at a configurable base.
//!
//! `[bot.discord] api_url` (`FRONTLINE_DISCORD_API_URL`, default `https://discord.com`)
//! replaces `https://discord.com` in serenity's routes (its `proxy` mechanism), so calls
//! go to `{api_url}/api/v10/…`. Requests are built by serenity (`Request`, `Route`,
//! builders, `Authorization: Bot …`) and responses decoded into serenity's models; we
//! send them ourselves because serenity 0.12's `Http` drops the response headers of a
//! failed request (so `Retry-After` would be lost) and its rate limiter ignores the base
//! URL. Rate limits and 5xx become [`ChatError`]s and the outbox reschedules the row.

use std::time::Duration;

use serenity::builder::{CreateAttachment, CreateMessage, EditMessage};
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};
use serenity::model::channel::Message;
use serenity::model::id::{ChannelId, MessageId};

use crate::error::ChatError;

/// Where Discord serves attachments
/// (https://discord.com/developers/docs/reference#image-formatting-image-base-url).
const DISCORD_CDN: &[&str] = &["https://cdn.discordapp.com", "https://media.discordapp.net"];

/// A Discord REST client for one bot token.
#[derive(Clone)]
pub struct DiscordRest {
    client: reqwest::Client,
    /// `Bot <token>`.
    authorization: String,
    base: String,
    /// Fetches attachments people post (their CDN URLs are signed; no token is sent).
    pub files: crate::download::FileFetcher,
}

impl std::fmt::Debug for DiscordRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordRest")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl DiscordRest {
    pub fn new(api_url: &str, bot_token: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        let token = bot_token.trim();
        let authorization = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        Ok(DiscordRest {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            authorization,
            base: api_url.trim_end_matches('/').to_string(),
            files: crate::download::FileFetcher::new(api_url, DISCORD_CDN, None, timeout * 4)?,
        })
    }

    /// `POST /channels/{channel}/messages`.
    pub async fn send_message(
        &self,
        channel: ChannelId,
        message: &CreateMessage,
    ) -> Result<Message, ChatError> {
        let body = serde_json::to_vec(message).map_err(|e| ChatError::Rejected(e.to_string()))?;
        let route = Route::ChannelMessages {
            channel_id: channel,
        };
        self.call(Request::new(route, LightMethod::Post).body(Some(body)))
            .await
    }

    /// `POST /channels/{channel}/messages` as `multipart/form-data`: the message as
    /// `payload_json` and `file` as `files[0]` (the message must list it with
    /// [`CreateMessage::add_file`]).
    pub async fn send_message_with_file(
        &self,
        channel: ChannelId,
        message: &CreateMessage,
        file: CreateAttachment,
    ) -> Result<Message, ChatError> {
        let payload =
            serde_json::to_string(message).map_err(|e| ChatError::Rejected(e.to_string()))?;
        let route = Route::ChannelMessages {
            channel_id: channel,
        };
        let multipart = Multipart {
            upload: MultipartUpload::Attachments(vec![file]),
            fields: Vec::new(),
            payload_json: Some(payload),
        };
        self.call(Request::new(route, LightMethod::Post).multipart(Some(multipart)))
            .await
    }

    /// `PATCH /channels/{channel}/messages/{message}`.
    pub async fn edit_message(
        &self,
        channel: ChannelId,
        message: MessageId,
        edit: &EditMessage,
    ) -> Result<Message, ChatError> {
        let body = serde_json::to_vec(edit).map_err(|e| ChatError::Rejected(e.to_string()))?;
        let route = Route::ChannelMessage {
            channel_id: channel,
            message_id: message,
        };
        self.call(Request::new(route, LightMethod::Patch).body(Some(body)))
            .await
    }

    /// `DELETE /channels/{channel}/messages/{message}` (answered `204 No Content`,
    /// https://discord.com/developers/docs/resources/message#delete-message); a message
    /// already gone (`404`) counts as deleted.
    pub async fn delete_message(
        &self,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), ChatError> {
        let route = Route::ChannelMessage {
            channel_id: channel,
            message_id: message,
        };
        let request = Request::new(route, LightMethod::Delete)
            .build(&self.client, &self.authorization, Some(&self.base))
            .map_err(|e| ChatError::Rejected(format!("cannot build the request: {e}")))?;
        let response = request
            .send()
            .await
            .map_err(|e| ChatError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        Err(refusal(response).await)
    }

    /// `GET /channels/{channel}/messages?after={after}&limit={limit}`: up to `limit`
    /// (1–100) messages posted after `after`, in whatever order Discord lists them
    /// (https://discord.com/developers/docs/resources/message#get-channel-messages).
    /// `None` when the channel does not exist (a thread nobody started).
    pub async fn messages_after(
        &self,
        channel: ChannelId,
        after: MessageId,
        limit: u8,
    ) -> Result<Option<Vec<Message>>, ChatError> {
        let route = Route::ChannelMessages {
            channel_id: channel,
        };
        let params = vec![("after", after.to_string()), ("limit", limit.to_string())];
        let request = Request::new(route, LightMethod::Get).params(Some(params));
        self.answer(request, Missing::IsNone).await
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: Request<'_>,
    ) -> Result<T, ChatError> {
        self.answer(request, Missing::IsRefusal)
            .await?
            .ok_or_else(|| ChatError::Rejected("HTTP 404 Not Found".into()))
    }

    /// Sends `request` and decodes its answer; a 404 is `Ok(None)` or a refusal as
    /// `missing` says.
    async fn answer<T: serde::de::DeserializeOwned>(
        &self,
        request: Request<'_>,
        missing: Missing,
    ) -> Result<Option<T>, ChatError> {
        let request = request
            .build(&self.client, &self.authorization, Some(&self.base))
            .map_err(|e| ChatError::Rejected(format!("cannot build the request: {e}")))?;
        let response = request
            .send()
            .await
            .map_err(|e| ChatError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<T>()
                .await
                .map(Some)
                .map_err(|e| ChatError::Unavailable(format!("unreadable response: {e}")));
        }
        if status == reqwest::StatusCode::NOT_FOUND && missing == Missing::IsNone {
            return Ok(None);
        }
        Err(refusal(response).await)
    }
}

/// What a failed answer means: rate limited (with its wait), unavailable (5xx) or refused.
async fn refusal(response: reqwest::Response) -> ChatError {
    let status = response.status();
    let header_wait = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok());
    let text = response.text().await.unwrap_or_default();
    if status.as_u16() == 429 {
        let body_wait = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["retry_after"].as_f64());
        let wait = header_wait
            .or(body_wait)
            .filter(|s| s.is_finite() && *s >= 0.0);
        return ChatError::RateLimited {
            retry_after: wait.map(Duration::from_secs_f64),
        };
    }
    let detail = format!(
        "HTTP {status}: {}",
        text.chars().take(300).collect::<String>()
    );
    if status.is_server_error() {
        ChatError::Unavailable(detail)
    } else {
        ChatError::Rejected(detail)
    }
}

/// What a 404 answer means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The thing asked about may not exist: `Ok(None)`.
    IsNone,
    /// A refusal like any other 4xx.
    IsRefusal,
}
