//! The admins' use cases, the same from the admin API and the dashboard: create, change
//! and delete a saved reply. Each records a `saved_reply_changed` row in the audit log
//! with the reply's id.

use super::{SavedReply, SavedReplyError, SavedReplyInput};
use crate::audit::{Actor, AuditAction};
use crate::store::Store;

/// Stores `input` as a new saved reply written by `by`.
pub async fn create(
    store: &Store,
    by: &Actor,
    input: &SavedReplyInput,
) -> Result<SavedReply, SavedReplyError> {
    let created = store
        .create_saved_reply(input, &by.name)
        .await?
        .ok_or(SavedReplyError::NameTaken)?;
    audit(store, by, &created.id).await?;
    Ok(created)
}

/// Replaces saved reply `id` with `input`.
pub async fn change(
    store: &Store,
    by: &Actor,
    id: &str,
    input: &SavedReplyInput,
) -> Result<SavedReply, SavedReplyError> {
    match store.change_saved_reply(id, input, &by.name).await? {
        None => return Err(SavedReplyError::NotFound),
        Some(false) => return Err(SavedReplyError::NameTaken),
        Some(true) => {}
    }
    audit(store, by, id).await?;
    store
        .saved_reply(id)
        .await?
        .ok_or(SavedReplyError::NotFound)
}

/// Deletes saved reply `id` (replies already sent stay in the transcripts).
pub async fn delete(store: &Store, by: &Actor, id: &str) -> Result<(), SavedReplyError> {
    if !store.delete_saved_reply(id).await? {
        return Err(SavedReplyError::NotFound);
    }
    audit(store, by, id).await
}

async fn audit(store: &Store, by: &Actor, id: &str) -> Result<(), SavedReplyError> {
    store
        .append_audit(by, AuditAction::SavedReplyChanged, Some(id))
        .await?;
    Ok(())
}
