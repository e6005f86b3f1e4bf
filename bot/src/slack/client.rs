//! The Slack Web API through slack-morphism, pointed at a configurable base URL.
//!
//! `[bot.slack] api_url` (`FRONTLINE_SLACK_API_URL`, default `https://slack.com/api`):
//! requests go to `{api_url}/{method}`. An `https://` base uses rustls with the system's
//! CA roots; an `http://` base (a loopback stand-in) is allowed too. slack-morphism's
//! own rate controller is off: rate limits come back as [`ChatError::RateLimited`] and
//! the outbox reschedules the row, so a 429 never blocks other escalations.

use hyper_rustls::HttpsConnectorBuilder;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use crate::error::ChatError;

/// The hyper connector every Slack client here uses.
pub type Connector = SlackClientHyperHttpsConnector;

/// Where Slack serves shared files (`url_private`).
const SLACK_FILES: &str = "https://files.slack.com";

/// An authenticated Slack Web API client.
pub struct SlackWeb {
    client: SlackClient<Connector>,
    token: SlackApiToken,
    /// Fetches files people share (`url_private` with the bot token as a bearer token,
    /// https://api.slack.com/types/file#authentication; scope `files:read`).
    pub files: crate::download::FileFetcher,
}

impl std::fmt::Debug for SlackWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackWeb").finish_non_exhaustive()
    }
}

/// Builds the connector for `api_url` (TLS with system roots; plain HTTP for `http://`).
pub fn connector(api_url: &str) -> std::io::Result<Connector> {
    let base = api_url.trim_end_matches('/');
    let https = if base.starts_with("http://") {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build()
    } else {
        HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_only()
            .enable_http1()
            .enable_http2()
            .build()
    };
    Ok(SlackClientHyperConnector::with_connector(https).with_slack_api_url(base))
}

impl SlackWeb {
    pub fn new(api_url: &str, bot_token: &str) -> std::io::Result<Self> {
        let files = crate::download::FileFetcher::new(
            api_url,
            &[SLACK_FILES],
            Some(bot_token),
            std::time::Duration::from_secs(60),
        )
        .map_err(std::io::Error::other)?;
        Ok(SlackWeb {
            client: SlackClient::new(connector(api_url)?),
            token: SlackApiToken::new(SlackApiTokenValue::new(bot_token.to_string())),
            files,
        })
    }

    fn session(&self) -> SlackClientSession<'_, Connector> {
        self.client.open_session(&self.token)
    }

    pub async fn post_message(
        &self,
        request: &SlackApiChatPostMessageRequest,
    ) -> Result<SlackApiChatPostMessageResponse, ChatError> {
        self.session()
            .chat_post_message(request)
            .await
            .map_err(classify)
    }

    pub async fn update(&self, request: &SlackApiChatUpdateRequest) -> Result<(), ChatError> {
        self.session()
            .chat_update(request)
            .await
            .map(drop)
            .map_err(classify)
    }

    pub async fn post_ephemeral(
        &self,
        request: &SlackApiChatPostEphemeralRequest,
    ) -> Result<(), ChatError> {
        self.session()
            .chat_post_ephemeral(request)
            .await
            .map(drop)
            .map_err(classify)
    }

    /// `views.open`: shows `view` as a modal to whoever triggered `trigger_id`.
    pub async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), ChatError> {
        let request = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        self.session()
            .views_open(&request)
            .await
            .map(drop)
            .map_err(classify)
    }

    pub async fn history(
        &self,
        request: &SlackApiConversationsHistoryRequest,
    ) -> Result<SlackApiConversationsHistoryResponse, ChatError> {
        self.session()
            .conversations_history(request)
            .await
            .map_err(classify)
    }

    /// Uploads `bytes` as a file shared in `channel`: `files.getUploadURLExternal`, a POST
    /// of the bytes to the URL it returns, then `files.completeUploadExternal`. Returns
    /// the file id.
    pub async fn upload_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<String, ChatError> {
        let session = self.session();
        let slot = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                filename.to_string(),
                bytes.len(),
            ))
            .await
            .map_err(classify)?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                slot.upload_url,
                bytes.to_vec(),
                content_type.to_string(),
            ))
            .await
            .map_err(classify)?;
        let file = SlackApiFilesComplete::new(slot.file_id.clone()).with_title(title.to_string());
        session
            .files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![file])
                    .with_channel_id(channel.to_string().into()),
            )
            .await
            .map_err(classify)?;
        Ok(slot.file_id.to_string())
    }

    /// The direct-message channel with the Slack user whose e-mail is `email`
    /// (`users.lookupByEmail`, then `conversations.open`); `None` when no Slack user has
    /// that e-mail (`users_not_found`).
    pub async fn direct_channel(&self, email: &str) -> Result<Option<String>, ChatError> {
        let lookup = SlackApiUsersLookupByEmailRequest::new(EmailAddress::new(email.to_string()));
        let user = match self.session().users_lookup_by_email(&lookup).await {
            Ok(found) => found.user.id,
            Err(SlackClientError::ApiError(api)) if api.code == "users_not_found" => {
                return Ok(None)
            }
            Err(error) => return Err(classify(error)),
        };
        let open = SlackApiConversationsOpenRequest::new().with_users(vec![user]);
        let opened = self
            .session()
            .conversations_open(&open)
            .await
            .map_err(classify)?;
        Ok(Some(opened.channel.id.to_string()))
    }

    /// `files.getUploadURLExternal`: a file id and the URL its bytes go to.
    pub async fn upload_slot(
        &self,
        filename: &str,
        length: usize,
    ) -> Result<crate::chat::FileSlot, ChatError> {
        let slot = self
            .session()
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                filename.to_string(),
                length,
            ))
            .await
            .map_err(classify)?;
        Ok(crate::chat::FileSlot {
            file_id: slot.file_id.to_string(),
            upload_url: slot.upload_url.value().to_string(),
        })
    }

    /// POSTs `bytes` to `slot`'s upload URL, then `files.completeUploadExternal` shares
    /// the file in `channel`, in the thread `thread_ts` when given
    /// (https://api.slack.com/methods/files.completeUploadExternal).
    pub async fn share_upload(
        &self,
        slot: &crate::chat::FileSlot,
        channel: &str,
        thread_ts: Option<&str>,
        title: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(), ChatError> {
        let session = self.session();
        let url = reqwest::Url::parse(&slot.upload_url)
            .map_err(|e| ChatError::Rejected(format!("upload URL: {e}")))?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                SlackFileUploadUrl(url),
                bytes.to_vec(),
                content_type.to_string(),
            ))
            .await
            .map_err(classify)?;
        let file =
            SlackApiFilesComplete::new(slot.file_id.clone().into()).with_title(title.to_string());
        session
            .files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![file])
                    .with_channel_id(channel.to_string().into())
                    .opt_thread_ts(thread_ts.map(|ts| ts.to_string().into())),
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// `conversations.replies`: one page of the thread under `ts`.
    pub async fn replies(
        &self,
        request: &SlackApiConversationsRepliesRequest,
    ) -> Result<SlackApiConversationsRepliesResponse, ChatError> {
        self.session()
            .conversations_replies(request)
            .await
            .map_err(classify)
    }

    /// `chat.delete` (https://api.slack.com/methods/chat.delete); a message already
    /// gone (`message_not_found`) counts as deleted.
    pub async fn delete_message(&self, channel: &str, ts: &str) -> Result<(), ChatError> {
        let request =
            SlackApiChatDeleteRequest::new(channel.to_string().into(), ts.to_string().into());
        match self.session().chat_delete(&request).await {
            Ok(_) => Ok(()),
            Err(SlackClientError::ApiError(api)) if api.code == "message_not_found" => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }

    /// `files.delete` (https://api.slack.com/methods/files.delete); a file already gone
    /// (`file_not_found`, `file_deleted`) counts as deleted.
    pub async fn delete_file(&self, file_id: &str) -> Result<(), ChatError> {
        let request = SlackApiFilesDeleteRequest::new(file_id.to_string().into());
        match self.session().files_delete(&request).await {
            Ok(_) => Ok(()),
            Err(SlackClientError::ApiError(api))
                if api.code == "file_not_found" || api.code == "file_deleted" =>
            {
                Ok(())
            }
            Err(error) => Err(classify(error)),
        }
    }

    pub async fn user(&self, user: &str) -> Result<SlackUser, ChatError> {
        let request = SlackApiUsersInfoRequest::new(SlackUserId::new(user.to_string()));
        self.session()
            .users_info(&request)
            .await
            .map(|r| r.user)
            .map_err(classify)
    }
}

/// Slack API errors that mean "try again later" rather than "this call is wrong".
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
];

/// Sorts slack-morphism's errors by what the outbox should do about them.
pub fn classify(error: SlackClientError) -> ChatError {
    match error {
        SlackClientError::RateLimitError(limited) => ChatError::RateLimited {
            retry_after: limited.retry_after,
        },
        SlackClientError::ApiError(api) if api.code == "ratelimited" => {
            ChatError::RateLimited { retry_after: None }
        }
        SlackClientError::ApiError(api) if TRANSIENT_CODES.contains(&api.code.as_str()) => {
            ChatError::Unavailable(api.code)
        }
        SlackClientError::ApiError(api) => ChatError::Rejected(api.code),
        SlackClientError::HttpError(http)
            if http.status_code.is_server_error() || http.status_code.as_u16() == 408 =>
        {
            ChatError::Unavailable(format!("HTTP {}", http.status_code))
        }
        SlackClientError::HttpError(http) => {
            ChatError::Rejected(format!("HTTP {}", http.status_code))
        }
        other => ChatError::Unavailable(other.to_string()),
    }
}
