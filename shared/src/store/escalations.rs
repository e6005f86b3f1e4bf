//! Escalations: the handoff transaction and the claim / release / resolve transitions.
//!
//! Every transition is one conditional `UPDATE … WHERE status = …`: whoever's update
//! changes the row wins, so two agents clicking Claim at once yield exactly one owner on
//! either backend. The transition, its outbox row (so chat messages get refreshed) and the
//! customer-visible status event commit together.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::{self, AuditRecord};
use super::conversations::{
    ensure_conversation, insert_message, transcript_lines, Author, Conversation, NewMessage,
    RECENT_TRANSCRIPT_SQL,
};
use super::emails;
use super::events;
use super::outbox;
use super::{json_column, new_id, opt_i64, Store, StoreError, Tx};
use crate::attachments::Upload;
use crate::config::ChatPlatform;
use crate::contracts::conversation_event::{
    ConversationEvent, EventFile, MessageEvent, StatusEvent,
};
use crate::contracts::outbox::{AgentMessage, Assignment, MailKind, Origin, OutboxMessage};
use crate::contracts::Subject;
use crate::escalation::{Escalation, EscalationStatus, HandoffContext, MatchedCandidate, Priority};
use crate::site_id::SiteId;

/// A handoff request, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewHandoff {
    pub conversation: Conversation,
    /// The customer's address; empty when `[email]` is off and they gave none.
    pub email: String,
    pub name: Option<String>,
    pub message: Option<String>,
    pub customer: serde_json::Map<String, serde_json::Value>,
    pub page_url: Option<String>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub intent: Option<String>,
    pub matched: Vec<MatchedCandidate>,
    pub question: Option<String>,
    pub outside_hours: bool,
    /// `[email]` is configured: open the conversation's mail thread and mail a receipt.
    pub mail: bool,
    /// With `mail`: the customer chose "email me", so agent replies are mailed at once.
    pub email_me: bool,
}

/// Where an agent typed a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOrigin<'a> {
    /// The dashboard or the admin API: mirrored into every chat thread of the escalation.
    Web,
    /// A chat thread on `platform`; `event` (the chat event id) makes a redelivered
    /// callback apply once. Mirrored to the other platforms only.
    Chat {
        platform: ChatPlatform,
        event: &'a str,
    },
}

impl ReplyOrigin<'_> {
    /// Where it was typed, as the outbox row says.
    pub fn origin(&self) -> Origin {
        match self {
            ReplyOrigin::Web => Origin::Web,
            ReplyOrigin::Chat { platform, .. } => Origin::from_platform(*platform),
        }
    }
}

/// Who comes to own an escalation: the name shown (`claimed_by`) and the account, when
/// the owner has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    pub name: &'a str,
    pub agent_id: Option<&'a str>,
}

/// The result of a conditional transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// This caller's update won; the escalation as it is now.
    Applied(Escalation),
    /// The escalation was not in a state that allows it (e.g. claimed by someone else).
    Refused(Escalation),
    NotFound,
}

const COLUMNS: &str = "id, conversation_id, site_id, status, priority, tags, intent, email, name, message, \
    outside_hours, context, created_at, claimed_at, claimed_by, claimed_by_agent_id, resolved_at, resolved_by, released_at, realerts";

/// What comes with an agent's reply besides its text
/// ([`Store::append_agent_message_as`]).
#[derive(Debug, Default)]
pub struct ReplyExtras<'a> {
    /// The saved reply it is (the chat threads' post names it). Its text is Markdown: the
    /// message is marked so, and the customer sees it rendered (sanitized HTML).
    pub saved_reply: Option<&'a str>,
    /// Files (checked already), stored in the same transaction as the line: the customer's
    /// stream names them, so the reply is never shown before its files are stored.
    pub files: &'a [Upload],
    /// The action's audit row, committed with the reply.
    pub audit: Option<AuditRecord<'a>>,
}

impl Store {
    /// Stores the escalation with its full context and the bot's outbox row in one
    /// transaction. A conversation with an open escalation gets that one back
    /// (`created == false`) so double submits never double-alert.
    pub async fn create_handoff(
        &self,
        handoff: NewHandoff,
    ) -> Result<(Escalation, bool), StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        ensure_conversation(&mut tx, &handoff.conversation).await?;
        if let Some(id) = open_escalation_id(&mut tx, &handoff.conversation.id).await? {
            let existing = fetch(&mut tx, &id).await?;
            tx.commit().await?;
            return existing
                .map(|e| (e, false))
                .ok_or_else(|| StoreError::Corrupt("open escalation vanished".into()));
        }
        let earlier = transcript_in(&mut tx, &handoff.conversation.id).await?;
        let last_question = earlier.iter().rev().find(|l| l.author == "customer");
        // The form's message repeating the last question is not a new line of the talk.
        let new_message = handoff
            .message
            .as_deref()
            .filter(|m| !m.trim().is_empty())
            .filter(|m| last_question.is_none_or(|q| q.body.trim() != m.trim()));
        if let Some(message) = new_message {
            let line = NewMessage {
                author: Author::Customer,
                author_name: handoff.name.as_deref(),
                body: message,
                markdown: false,
                decision: None,
                at_ms: now,
            };
            insert_message(&mut tx, &handoff.conversation, line).await?;
        }
        let context = HandoffContext {
            transcript: transcript_in(&mut tx, &handoff.conversation.id).await?,
            page_url: handoff.page_url.clone(),
            matched: handoff.matched.clone(),
            customer: handoff.customer.clone(),
            locale: handoff.conversation.locale.clone(),
            question: handoff.question.clone(),
        };
        let escalation = Escalation {
            id: new_id("esc"),
            conversation_id: handoff.conversation.id.clone(),
            site_id: handoff.conversation.site_id.clone(),
            status: EscalationStatus::Queued,
            priority: handoff.priority,
            tags: handoff.tags.clone(),
            intent: handoff.intent.clone(),
            email: handoff.email.clone(),
            name: handoff.name.clone(),
            message: handoff.message.clone(),
            outside_hours: handoff.outside_hours,
            context,
            created_at_ms: now,
            claimed_at_ms: None,
            claimed_by: None,
            resolved_at_ms: None,
            resolved_by: None,
            released_at_ms: None,
            realerts: 0,
            claimed_by_agent_id: None,
        };
        // The conversation first: its rollup bucket (where it started) is never later
        // than the escalation's (now), and every writer takes rollup rows oldest first,
        // so two transactions on PostgreSQL never wait for each other in a cycle.
        sqlx::query("UPDATE conversations SET escalated = 1 WHERE id = $1")
            .bind(&escalation.conversation_id)
            .execute(&mut *tx)
            .await?;
        insert(&mut tx, &escalation).await?;
        let subject = Subject::Escalation(escalation.id.clone());
        outbox::enqueue(self, &mut tx, &subject, &OutboxMessage::EscalationCreated).await?;
        if handoff.mail {
            let conversation = &escalation.conversation_id;
            emails::open_thread(
                self,
                &mut tx,
                conversation,
                &escalation.email,
                handoff.email_me,
            )
            .await?;
            emails::enqueue_mail(
                self,
                &mut tx,
                conversation,
                &escalation.id,
                MailKind::Receipt,
                None,
            )
            .await?;
        }
        let status = status_event(&escalation);
        events::insert(self, &mut tx, &escalation.conversation_id, &status).await?;
        tx.commit().await?;
        Ok((escalation, true))
    }

    pub async fn escalation(&self, id: &str) -> Result<Option<Escalation>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM escalations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// The conversation's newest escalation, if any.
    pub async fn latest_escalation_for(
        &self,
        conversation_id: &str,
    ) -> Result<Option<Escalation>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM escalations WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(conversation_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Escalations in any of `statuses`, oldest first, optionally for one site.
    pub async fn escalations_with_status(
        &self,
        statuses: &[EscalationStatus],
        site: Option<&SiteId>,
        limit: i64,
    ) -> Result<Vec<Escalation>, StoreError> {
        let wanted: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM escalations WHERE status IN ($1, $2, $3) AND ($4 = '' OR site_id = $4) \
             ORDER BY created_at LIMIT $5"
        );
        let pick = |i: usize| wanted.get(i).or(wanted.first()).copied().unwrap_or("");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pick(0))
            .bind(pick(1))
            .bind(pick(2))
            .bind(site.map_or("", SiteId::as_str))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(decode).collect()
    }

    /// `queued` → `claimed` by `owner`; exactly one concurrent caller wins. A claim is an
    /// assignment to oneself: assigning a queued escalation runs this same update, so a
    /// claim and an assignment racing for it yield exactly one owner.
    /// With `audit`, its row commits with the claim.
    pub async fn claim_for(
        &self,
        id: &str,
        owner: Owner<'_>,
        audit: Option<AuditRecord<'_>>,
    ) -> Result<Transition, StoreError> {
        self.transition(id, self.claim_update(id, owner), None, audit)
            .await
    }

    /// An admin's assignment of a queued escalation: [`Store::claim_for`]'s very update,
    /// and (when it wins) the outbox row that tells the assignee and the audit row, in its
    /// transaction.
    pub async fn assign(
        &self,
        id: &str,
        owner: Owner<'_>,
        notice: &Assignment,
        audit: AuditRecord<'_>,
    ) -> Result<Transition, StoreError> {
        let told = OutboxMessage::Assigned(notice.clone());
        self.transition(id, self.claim_update(id, owner), Some(told), Some(audit))
            .await
    }

    fn claim_update(
        &self,
        id: &str,
        owner: Owner<'_>,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        sqlx::query(
            "UPDATE escalations SET status = 'claimed', claimed_by = $1, claimed_by_agent_id = $2, \
             claimed_at = $3 WHERE id = $4 AND status = 'queued'",
        )
        .bind(owner.name.to_string())
        .bind(owner.agent_id.map(str::to_string))
        .bind(self.now_ms())
        .bind(id.to_string())
    }

    /// [`claim_for`](Store::claim_for) by `agent`, who has no account.
    pub async fn claim(&self, id: &str, agent: &str) -> Result<Transition, StoreError> {
        let owner = Owner {
            name: agent,
            agent_id: None,
        };
        self.claim_for(id, owner, None).await
    }

    /// `claimed` by `from` → `claimed` by `to` (a reassignment or a take-over), conditional
    /// on the owner the caller saw: if anyone changed the owner or the status meanwhile,
    /// nothing changes and the escalation as it is now comes back refused. The claim time
    /// stays the first claim's (time to claim is measured once). `told` (the outbox row
    /// that tells the new owner of a reassignment, or the previous owner of a take-over)
    /// and the audit row commit with it.
    pub async fn reassign(
        &self,
        id: &str,
        from: &str,
        to: Owner<'_>,
        told: OutboxMessage,
        audit: AuditRecord<'_>,
    ) -> Result<Transition, StoreError> {
        let update = sqlx::query(
            "UPDATE escalations SET claimed_by = $1, claimed_by_agent_id = $2 \
             WHERE id = $3 AND status = 'claimed' AND claimed_by = $4",
        )
        .bind(to.name.to_string())
        .bind(to.agent_id.map(str::to_string))
        .bind(id.to_string())
        .bind(from.to_string());
        self.transition(id, update, Some(told), Some(audit)).await
    }

    /// `claimed` → `queued`. Only the owner may release (`agent` must match).
    pub async fn release(&self, id: &str, agent: &str) -> Result<Transition, StoreError> {
        self.release_recorded(id, agent, None).await
    }

    /// [`release`](Store::release); with `audit`, its row commits with it.
    pub async fn release_recorded(
        &self,
        id: &str,
        agent: &str,
        audit: Option<AuditRecord<'_>>,
    ) -> Result<Transition, StoreError> {
        let now = self.now_ms();
        let update = sqlx::query(
            "UPDATE escalations SET status = 'queued', released_at = $2, claimed_by = NULL, \
             claimed_by_agent_id = NULL, claimed_at = NULL, last_alert_at = $2 \
             WHERE claimed_by = $1 AND id = $3 AND status = 'claimed'",
        )
        .bind(agent.to_string())
        .bind(now)
        .bind(id.to_string());
        self.transition(id, update, None, audit).await
    }

    /// `queued` or `claimed` → `resolved` by `agent`.
    pub async fn resolve(&self, id: &str, agent: &str) -> Result<Transition, StoreError> {
        self.resolve_recorded(id, agent, None).await
    }

    /// [`resolve`](Store::resolve); with `audit`, its row commits with it.
    pub async fn resolve_recorded(
        &self,
        id: &str,
        agent: &str,
        audit: Option<AuditRecord<'_>>,
    ) -> Result<Transition, StoreError> {
        let now = self.now_ms();
        let update = sqlx::query(
            "UPDATE escalations SET status = 'resolved', resolved_by = $1, resolved_at = $2 \
             WHERE id = $3 AND status IN ('queued', 'claimed')",
        )
        .bind(agent.to_string())
        .bind(now)
        .bind(id.to_string());
        self.transition(id, update, None, audit).await
    }

    /// Runs the conditional `update` of escalation `id`; when it changed the row, the
    /// outbox row that refreshes the chat alerts, `also` (another outbox row), the
    /// customer's status event (and, for a resolve, the resolved mail) and the `audit`
    /// row commit with it.
    async fn transition(
        &self,
        id: &str,
        update: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
        also: Option<OutboxMessage>,
        audit: Option<AuditRecord<'_>>,
    ) -> Result<Transition, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = update.execute(&mut *tx).await?.rows_affected();
        let Some(escalation) = fetch(&mut tx, id).await? else {
            return Ok(Transition::NotFound);
        };
        if changed == 0 {
            tx.commit().await?;
            return Ok(Transition::Refused(escalation));
        }
        let updated = OutboxMessage::EscalationUpdated {
            status: escalation.status,
        };
        let subject = Subject::Escalation(id.to_string());
        outbox::enqueue(self, &mut tx, &subject, &updated).await?;
        if let Some(also) = &also {
            outbox::enqueue(self, &mut tx, &subject, also).await?;
        }
        if escalation.status == EscalationStatus::Resolved {
            let conversation = &escalation.conversation_id;
            let mail = MailKind::Resolved;
            emails::enqueue_mail(self, &mut tx, conversation, id, mail, None).await?;
        }
        let status = status_event(&escalation);
        events::insert(self, &mut tx, &escalation.conversation_id, &status).await?;
        if let Some(record) = audit {
            audit::append_in(self, &mut tx, record, Some(id)).await?;
        }
        tx.commit().await?;
        Ok(Transition::Applied(escalation))
    }

    /// An agent's reply: into the transcript, onto the customer's live stream and (through
    /// the outbox) into the escalation's chat threads, attributed to `agent`. A reply typed
    /// in a chat thread is deduplicated by its event id; returns false when it was already
    /// applied.
    pub async fn append_agent_message(
        &self,
        escalation_id: &str,
        agent: &str,
        body: &str,
        origin: ReplyOrigin<'_>,
    ) -> Result<bool, StoreError> {
        self.append_agent_message_as(escalation_id, agent, body, origin, ReplyExtras::default())
            .await
    }

    /// [`append_agent_message`](Self::append_agent_message) of a reply that is the saved
    /// reply or carries files or an audit row ([`ReplyExtras`]).
    pub async fn append_agent_message_as(
        &self,
        escalation_id: &str,
        agent: &str,
        body: &str,
        origin: ReplyOrigin<'_>,
        extras: ReplyExtras<'_>,
    ) -> Result<bool, StoreError> {
        let ReplyExtras {
            saved_reply,
            files,
            audit,
        } = extras;
        let staged = super::attachments::stage(self, files).await?;
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        if let ReplyOrigin::Chat { event, .. } = origin {
            if !super::chat::mark_processed(&mut tx, event, now).await? {
                return Ok(false);
            }
        }
        let escalation = fetch(&mut tx, escalation_id).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("reply for unknown escalation {escalation_id}"))
        })?;
        let conversation = Conversation {
            id: escalation.conversation_id.clone(),
            site_id: escalation.site_id.clone(),
            page_url: None,
            locale: None,
            customer: serde_json::Map::new(),
            created_at_ms: now,
        };
        // A saved reply is Markdown: the customer reads it rendered.
        let markdown = saved_reply.is_some();
        let line = NewMessage {
            author: Author::Agent,
            author_name: Some(agent),
            body,
            markdown,
            decision: None,
            at_ms: now,
        };
        let message_id = insert_message(&mut tx, &conversation, line).await?;
        let stored = super::attachments::insert_attachments(
            &mut tx,
            &conversation.id,
            message_id,
            &staged,
            now,
        )
        .await?;
        let line = ConversationEvent::Message(MessageEvent {
            message_id,
            author: Author::Agent,
            author_name: Some(agent.to_string()),
            body: body.to_string(),
            html: markdown.then(|| crate::templates::transcript_html(body)),
            at_ms: now,
            attachments: stored.iter().map(EventFile::from).collect(),
        });
        events::insert(self, &mut tx, &conversation.id, &line).await?;
        let mirrored = OutboxMessage::AgentMessage(AgentMessage {
            message_id,
            agent: agent.to_string(),
            body: body.to_string(),
            at_ms: now,
            origin: origin.origin(),
            saved_reply: saved_reply.map(str::to_string),
        });
        let subject = Subject::Escalation(escalation_id.to_string());
        outbox::enqueue(self, &mut tx, &subject, &mirrored).await?;
        let mail = MailKind::AgentReply;
        let conversation = &conversation.id;
        emails::enqueue_mail(
            self,
            &mut tx,
            conversation,
            escalation_id,
            mail,
            Some(message_id),
        )
        .await?;
        if let Some(record) = audit {
            audit::append_in(self, &mut tx, record, Some(escalation_id)).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Escalations whose last alert is older than their SLA allows, per `sla_ms`: queued
    /// ones, and claimed ones whose owner's account is away (nobody is working them).
    pub async fn escalations_due_for_realert(
        &self,
        sla_ms: &(dyn Fn(Priority) -> i64 + Sync),
    ) -> Result<Vec<Escalation>, StoreError> {
        let now = self.now_ms();
        let sql = format!(
            "SELECT {COLUMNS}, COALESCE(last_alert_at, created_at) AS alerted FROM escalations \
             WHERE status = 'queued' OR (status = 'claimed' AND claimed_by_agent_id IN \
             (SELECT agents.id FROM agents WHERE agents.away <> 0)) ORDER BY created_at LIMIT 1000"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        let mut due = Vec::new();
        for row in &rows {
            let escalation = decode(row)?;
            let alerted: i64 = row.try_get("alerted")?;
            if now - alerted >= sla_ms(escalation.priority) {
                due.push(escalation);
            }
        }
        Ok(due)
    }

    /// Records a re-alert of `escalation` as read (conditional on its status, owner and
    /// re-alert count, so one replica wins) and enqueues it; a claimed one is re-alerted
    /// naming its away owner. Returns false when another replica already did, or it
    /// changed meanwhile.
    pub async fn record_realert(&self, escalation: &Escalation) -> Result<bool, StoreError> {
        let now = self.now_ms();
        let mut tx = self.begin_write().await?;
        let owner = match escalation.status {
            EscalationStatus::Claimed => escalation.claimed_by.clone(),
            _ => None,
        };
        let changed = sqlx::query(
            "UPDATE escalations SET realerts = realerts + 1, last_alert_at = $1 \
             WHERE id = $2 AND status = $3 AND COALESCE(claimed_by, '') = $4 AND realerts = $5",
        )
        .bind(now)
        .bind(&escalation.id)
        .bind(escalation.status.as_str())
        .bind(owner.clone().unwrap_or_default())
        .bind(escalation.realerts)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 1 {
            let realert = OutboxMessage::Realert {
                number: escalation.realerts + 1,
                away_owner: owner,
            };
            let subject = Subject::Escalation(escalation.id.clone());
            outbox::enqueue(self, &mut tx, &subject, &realert).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }
}

/// The customer-visible status of an escalation.
fn status_event(escalation: &Escalation) -> ConversationEvent {
    ConversationEvent::Status(StatusEvent {
        escalation_id: escalation.id.clone(),
        status: escalation.status,
        agent: escalation.claimed_by.clone(),
        at_ms: escalation
            .resolved_at_ms
            .or(escalation.claimed_at_ms)
            .or(escalation.released_at_ms)
            .unwrap_or(escalation.created_at_ms),
    })
}

/// Reopens the conversation's newest escalation if it is resolved: back to `queued`,
/// unclaimed, with its alert refreshed (outbox), a `status` event for the customer and the
/// reopen recorded (`escalation_reopens`), all in the caller's transaction. The update is conditional on `status = 'resolved'`, so of two
/// concurrent messages exactly one reopens. Returns the escalation id when this call did.
pub(crate) async fn reopen_resolved(
    store: &Store,
    tx: &mut Tx,
    conversation_id: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT id FROM escalations WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(conversation_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    let now = store.now_ms();
    let changed = sqlx::query(
        "UPDATE escalations SET status = 'queued', claimed_by = NULL, claimed_by_agent_id = NULL, \
         claimed_at = NULL, resolved_by = NULL, resolved_at = NULL, released_at = $1, last_alert_at = $1 \
         WHERE id = $2 AND status = 'resolved'",
    )
    .bind(now)
    .bind(&id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    // Kept for the per-agent reopen rate (`stats::agents`): the update above clears
    // `resolved_at`.
    sqlx::query("INSERT INTO escalation_reopens (escalation_id, at) VALUES ($1, $2)")
        .bind(&id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let escalation = fetch(tx, &id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("reopened escalation vanished".into()))?;
    let updated = OutboxMessage::EscalationUpdated {
        status: escalation.status,
    };
    outbox::enqueue(store, tx, &Subject::Escalation(id.clone()), &updated).await?;
    events::insert(store, tx, conversation_id, &status_event(&escalation)).await?;
    Ok(Some(id))
}

pub(crate) async fn open_escalation_id(
    tx: &mut Tx,
    conversation_id: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT id FROM escalations WHERE conversation_id = $1 AND status <> 'resolved' \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(conversation_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.try_get("id"))
        .transpose()
        .map_err(StoreError::from)
}

/// The copy of the transcript for a new escalation: its newest lines, bounded by
/// [`recent_transcript`](crate::escalation::recent_transcript). Reads only the newest
/// messages (each gives one or two lines), not the whole conversation.
async fn transcript_in(
    tx: &mut Tx,
    conversation_id: &str,
) -> Result<Vec<crate::escalation::TranscriptLine>, StoreError> {
    let rows = sqlx::query(RECENT_TRANSCRIPT_SQL)
        .bind(conversation_id)
        .bind(crate::escalation::MAX_TRANSCRIPT_LINES as i64)
        .fetch_all(&mut **tx)
        .await?;
    let lines = transcript_lines(&rows)?;
    Ok(crate::escalation::recent_transcript(lines))
}

async fn insert(tx: &mut Tx, e: &Escalation) -> Result<(), StoreError> {
    let tags =
        serde_json::to_string(&e.tags).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let context =
        serde_json::to_string(&e.context).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    sqlx::query(
        "INSERT INTO escalations (id, conversation_id, site_id, status, priority, tags, intent, email, name, \
         message, outside_hours, context, created_at, last_alert_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
    )
    .bind(&e.id)
    .bind(&e.conversation_id)
    .bind(&e.site_id)
    .bind(e.status.as_str())
    .bind(e.priority.as_str())
    .bind(tags)
    .bind(e.intent.as_deref())
    .bind(&e.email)
    .bind(e.name.as_deref())
    .bind(e.message.as_deref())
    .bind(i64::from(e.outside_hours))
    .bind(context)
    .bind(e.created_at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn fetch(tx: &mut Tx, id: &str) -> Result<Option<Escalation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM escalations WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(decode).transpose()
}

fn decode(row: &AnyRow) -> Result<Escalation, StoreError> {
    let status: String = row.try_get("status")?;
    let priority: String = row.try_get("priority")?;
    Ok(Escalation {
        id: row.try_get("id")?,
        conversation_id: row.try_get("conversation_id")?,
        site_id: row.try_get("site_id")?,
        status: EscalationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?,
        priority: Priority::parse(&priority)
            .ok_or_else(|| StoreError::Corrupt(format!("priority {priority:?}")))?,
        tags: json_column(row, "tags")?,
        intent: row.try_get("intent")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        message: row.try_get("message")?,
        outside_hours: row.try_get::<i64, _>("outside_hours")? != 0,
        context: json_column::<HandoffContext>(row, "context")?,
        created_at_ms: row.try_get("created_at")?,
        claimed_at_ms: opt_i64(row, "claimed_at")?,
        claimed_by: row.try_get("claimed_by")?,
        claimed_by_agent_id: row.try_get("claimed_by_agent_id")?,
        resolved_at_ms: opt_i64(row, "resolved_at")?,
        resolved_by: row.try_get("resolved_by")?,
        released_at_ms: opt_i64(row, "released_at")?,
        realerts: row.try_get("realerts")?,
    })
}
