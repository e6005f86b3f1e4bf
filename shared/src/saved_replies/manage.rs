//! The admins' use cases, the same from the admin API and the dashboard: create, change
//! and delete a saved reply. Each change commits with its `saved_reply_changed` row in the
//! audit log (the object is the reply's id), or not at all.

use super::{SavedReply, SavedReplyError, SavedReplyInput};
use crate::audit::{Actor, AuditAction};
use crate::store::audit::AuditRecord;
use crate::store::Store;

/// Stores `input` as a new saved reply written by `by`.
pub async fn create(
    store: &Store,
    by: &Actor,
    input: &SavedReplyInput,
) -> Result<SavedReply, SavedReplyError> {
    store
        .create_saved_reply(input, audit(by))
        .await?
        .ok_or(SavedReplyError::NameTaken)
}

/// Replaces saved reply `id` with `input`.
pub async fn change(
    store: &Store,
    by: &Actor,
    id: &str,
    input: &SavedReplyInput,
) -> Result<SavedReply, SavedReplyError> {
    match store.change_saved_reply(id, input, audit(by)).await? {
        None => return Err(SavedReplyError::NotFound),
        Some(false) => return Err(SavedReplyError::NameTaken),
        Some(true) => {}
    }
    store
        .saved_reply(id)
        .await?
        .ok_or(SavedReplyError::NotFound)
}

/// Deletes saved reply `id` (replies already sent stay in the transcripts).
pub async fn delete(store: &Store, by: &Actor, id: &str) -> Result<(), SavedReplyError> {
    if !store.delete_saved_reply(id, audit(by)).await? {
        return Err(SavedReplyError::NotFound);
    }
    Ok(())
}

fn audit(by: &Actor) -> AuditRecord<'_> {
    AuditRecord {
        actor: by,
        action: AuditAction::SavedReplyChanged,
    }
}
