//! Files an agent shares in an alert's thread (Slack `file_share`, Discord attachments),
//! relayed to the customer.
//!
//! The callback only queues a `chat_files` row (so Slack gets its answer in time and a
//! crash loses nothing); this worker step fetches each file from the platform
//! ([`crate::download`]), checks it as a customer's file is checked
//! ([`Upload::check`]: allow-list by the bytes, image metadata removed, never the
//! declared type), and applies one agent reply of the text and the files through the
//! core ([`crate::actions::thread_reply`]), keyed by the callback's event id: the
//! customer sees the reply only once its files are stored, and a retry after a crash
//! applies it once.
//!
//! A host that may answer later (5xx, 429, no answer) makes the row retry with back-off,
//! up to [`MAX_FETCH_ATTEMPTS`]; a file that cannot be had (4xx, too large, a type not
//! allowed, or still failing then) is left out, logged, and the rest is relayed, so one
//! bad file never holds up the escalation's other rows for good. Files past `[attachments]
//! max_files` are left out without being fetched. What was left out is named, with the
//! reason, in a note in the thread (a `files_refused` outbox row, queued once per
//! callback), so the agent knows the customer did not get it.
//!
//! A callback whose reply was applied already (Slack resends an event it thinks was not
//! answered, and each send queues a row) is recognised before anything is downloaded.

use frontline_shared::attachments::{AttachmentError, Upload};
use frontline_shared::contracts::outbox::{ChatFiles, FilesRefused, RefusedFile};
use frontline_shared::store::outbox::OutboxRow;

use std::sync::Arc;

use super::Effects;
use crate::chat::Chat;
use crate::download::DownloadError;
use crate::error::{ChatError, DeliveryError};

/// Attempts of a row after which a file whose host keeps failing is given up.
pub const MAX_FETCH_ATTEMPTS: i64 = 6;

impl Effects {
    /// Fetches, checks and relays the files of `job`, shared in the thread of
    /// `escalation_id`'s alert.
    pub(super) async fn chat_files(
        &self,
        escalation_id: &str,
        job: &ChatFiles,
        row: &OutboxRow,
    ) -> Result<(), DeliveryError> {
        let platform = job.user.platform;
        if self.store.callback_processed(&job.event).await? {
            tracing::info!(escalation = %escalation_id, event = %job.event,
                "files of a callback already relayed; not fetched again");
            return Ok(());
        }
        let limits = (self.max_file_bytes, self.max_files);
        let (files, refused) = match self.chats.iter().find(|c| c.platform() == platform) {
            Some(chat) => fetch_all(chat, escalation_id, job, row, limits).await?,
            None => {
                // The credentials were removed since: the files cannot be had, and waiting
                // would hold up the escalation's other rows for good. The text still goes.
                tracing::error!(escalation = %escalation_id, platform = platform.as_str(),
                    files = job.files.len(), "no credentials for the platform the files were shared on; relaying the text only");
                (Vec::new(), Vec::new())
            }
        };
        if !refused.is_empty() {
            let note = FilesRefused {
                event: job.event.clone(),
                files: refused,
            };
            self.store
                .enqueue_files_refused(escalation_id, &note)
                .await?;
        }
        if files.is_empty() && job.text.trim().is_empty() {
            // Nothing to relay: remember the callback, so a resent one fetches nothing.
            self.store.mark_callback_processed(&job.event).await?;
            return Ok(());
        }
        let chat_event = frontline_shared::agent_action::ChatEvent {
            platform,
            id: job.event.clone(),
        };
        // Whether the user may reply was decided when the files were shared.
        crate::actions::thread_reply(
            &self.store,
            escalation_id,
            (&job.user, true),
            (job.text.clone(), files),
            chat_event,
        )
        .await?;
        Ok(())
    }
}

/// The files of `job` that could be fetched and passed the checks, and those left out
/// with the reason; an error when a host failed in a way worth retrying (and attempts are
/// left). `limits`: `[attachments] max_bytes` and `max_files`.
async fn fetch_all(
    chat: &Arc<dyn Chat>,
    escalation_id: &str,
    job: &ChatFiles,
    row: &OutboxRow,
    (max_bytes, max_files): (usize, usize),
) -> Result<(Vec<Upload>, Vec<RefusedFile>), DeliveryError> {
    let mut files = Vec::with_capacity(job.files.len().min(max_files));
    let mut refused = Vec::new();
    for (index, shared) in job.files.iter().enumerate() {
        let reason = if index >= max_files {
            format!("more than {max_files} files in one message")
        } else {
            match chat.download_file(&shared.url, max_bytes).await {
                Ok(bytes) => match Upload::check(&shared.name, bytes) {
                    Ok(upload) => {
                        files.push(upload);
                        continue;
                    }
                    Err(error) => refusal(&error),
                },
                Err(DownloadError::Unavailable(error)) if row.attempts < MAX_FETCH_ATTEMPTS => {
                    let error = format!("fetching {:?}: {error}", shared.name);
                    return Err(ChatError::Unavailable(error).into());
                }
                Err(DownloadError::TooLarge { max_bytes }) => {
                    format!("larger than the limit of {max_bytes} bytes")
                }
                Err(error) => format!("could not be downloaded ({error})"),
            }
        };
        tracing::warn!(escalation = %escalation_id, platform = job.user.platform.as_str(),
            file = %shared.name, %reason, "a file shared in the thread is not relayed");
        refused.push(RefusedFile {
            name: shared.name.clone(),
            reason,
        });
    }
    Ok((files, refused))
}

/// Why a fetched file was refused, without its name (the note names it).
fn refusal(error: &AttachmentError) -> String {
    match error {
        AttachmentError::NotAllowed { .. } => {
            "not an allowed file type (images PNG, JPEG, GIF or WebP, PDF, plain text)".into()
        }
        AttachmentError::Damaged { kind, .. } => format!("a damaged {kind} image"),
    }
}
