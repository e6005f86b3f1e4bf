//! The audit log (issue 21) on each backend: a claim through Slack and one through the
//! dashboard are recorded with actor, source, origin and object, sign-ins too; the API
//! filters and exports CSV; the rows cannot be changed or deleted and survive an erasure.

use frontline_tests::audit::audit_rows;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestBackend};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::ADMIN_TOKEN;
use serde_json::{json, Value};

use crate::accounts::create_agent;
use crate::bot_slack::{alert_with_buttons, click, ANA};

/// The audit rows matching `query`, newest first.
async fn audit(rig: &Rig, query: &str) -> Vec<Value> {
    audit_rows(&rig.server, query).await
}

/// Each row as `(actor, source, origin, action, object_id)`.
fn summary(rows: &[Value]) -> Vec<(String, String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    rows.iter()
        .map(|r| {
            (
                text(&r["actor"]),
                text(&r["source"]),
                text(&r["origin"]),
                text(&r["action"]),
                text(&r["object_id"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn claims_through_slack_and_the_dashboard_are_audited_and_the_rows_never_change() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let first = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My parcel never arrived"}),
        )
        .await;
        let second = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Wrong size"}),
        )
        .await;
        // Slack: Ana clicks Claim on the first alert.
        let alert = rig.slack().alert_for(&first.escalation_id).await;
        click(&rig, &ANA, &alert, "claim").await;
        alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;
        // The dashboard: Dana, signed in with her account, claims the second one.
        create_agent(
            &rig.server,
            "dana@example.com",
            "Dana Diaz",
            "agent",
            Some("dana's passphrase"),
        )
        .await;
        let dana =
            DashboardSession::sign_in_account(&rig.server, "dana@example.com", "dana's passphrase")
                .await;
        let claimed = dana
            .post_form(
                &format!("/admin/escalations/{}/claim", second.escalation_id),
                &[],
            )
            .await;
        assert_eq!(claimed.status, 303, "{backend:?}");
        let shown = dana
            .get(&format!("/admin/escalations/{}", second.escalation_id))
            .await;
        assert!(
            shown.body.contains("Dana Diaz"),
            "claimed under her account's name"
        );

        let claims = summary(&audit(&rig, "action=claim").await);
        assert_eq!(
            claims,
            vec![
                (
                    "Dana Diaz".into(),
                    "web".into(),
                    "127.0.0.1".into(),
                    "claim".into(),
                    second.escalation_id.clone()
                ),
                (
                    "ana".into(),
                    "slack".into(),
                    "U0ANA".into(),
                    "claim".into(),
                    first.escalation_id.clone()
                ),
            ],
            "{backend:?}: newest first"
        );
        let sign_ins = summary(&audit(&rig, "actor=Dana%20Diaz&action=sign_in").await);
        assert_eq!(sign_ins.len(), 1, "{sign_ins:?}");
        assert_eq!(
            (sign_ins[0].1.as_str(), sign_ins[0].2.as_str()),
            ("web", "127.0.0.1")
        );
        // A period with nothing in it, and a bad filter named.
        assert!(audit(&rig, "from=2001-01-01&to=2001-01-31")
            .await
            .is_empty());
        let (status, error) = rig
            .server
            .get_json("/api/v1/admin/audit?action=delete", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 400);
        assert_eq!(error["error"]["code"], "invalid_action");
        // CSV: a header and one line per claim.
        let csv = rig
            .server
            .client
            .get(rig.server.at("/api/v1/admin/audit?action=claim&format=csv"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.expect("body");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "at,actor,actor_id,source,origin,action,object_id");
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[2].contains(",ana,,slack,U0ANA,claim,"), "{text}");

        // Erasing Sam's data keeps the rows (and adds one, without the address).
        let erased = rig
            .server
            .client
            .delete(rig.server.at("/api/v1/admin/customers/sam@example.com"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("erase");
        assert_eq!(erased.status(), 200);
        assert_eq!(summary(&audit(&rig, "action=claim").await), claims);
        let erasure = audit(&rig, "action=erasure").await;
        assert_eq!(erasure.len(), 1);
        assert_eq!(erasure[0]["actor"], "admin token");
        assert_eq!(erasure[0]["source"], "api");
        assert!(
            !erasure[0].to_string().contains("sam@example.com"),
            "{}",
            erasure[0]
        );

        // Append-only in the schema too: an UPDATE or DELETE from outside the store fails.
        let pool = sqlx::AnyPool::connect(&rig.db.url).await.expect("pool");
        for statement in [
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let refused = sqlx::query(statement).execute(&pool).await;
            assert!(refused.is_err(), "{backend:?}: {statement} was allowed");
        }
        pool.close().await;
        assert_eq!(summary(&audit(&rig, "action=claim").await), claims);
        rig.stop().await;
    }
}

#[tokio::test]
async fn the_audit_page_lists_and_filters_for_admins() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let admin = DashboardSession::sign_in(&rig.server, "Bea").await;
        let page = admin.get("/admin/audit?action=sign_in").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(
            page.body.contains("data-actor>Bea<"),
            "the token sign-in, by its typed name"
        );
        assert!(page.body.contains("Export CSV"));
        let csv = admin.get("/admin/audit?action=sign_in&format=csv").await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.body.contains(",Bea,,web,127.0.0.1,sign_in,"),
            "{}",
            csv.body
        );
        let nothing = admin.get("/admin/audit?actor=Nobody").await;
        assert!(nothing
            .body
            .contains("Nothing recorded for this selection."));
        rig.stop().await;
    }
}

/// An agent action and its audit row commit together: while the audit log refuses new rows
/// (a trigger this test adds, as a full disk or a lost connection would), a claim, a reply
/// and a resolve fail and leave nothing behind (no owner, no message for the customer, no
/// outbox row); once rows are accepted again, the claim applies with its row.
#[tokio::test]
async fn an_agent_action_and_its_audit_row_commit_together_or_not_at_all() {
    use frontline_shared::agent_action::{apply, AgentAction, Outcome, Reply};
    use frontline_shared::audit::{Actor, AuditAction, AuditFilter, Source};
    use frontline_shared::escalation::EscalationStatus;
    use frontline_shared::store::Store;
    use frontline_tests::databases::TestDatabase;

    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("store");
        let id = crate::agent_figures::open(&store, "conv_atomic").await;
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        let count = |sql: &'static str| {
            let pool = pool.clone();
            let id = id.clone();
            async move {
                let row: (i64,) = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .expect("count");
                row.0
            }
        };
        let outbox_before = count("SELECT COUNT(*) FROM outbox WHERE escalation_id = $1").await;
        let unblock = block_audit_rows(&pool, backend).await;

        let ana = Actor::unlinked("Ana", Source::Api, None);
        let reply = AgentAction::Reply(Reply {
            text: "Hi, checking now.".into(),
            files: Vec::new(),
            chat_event: None,
            saved_reply: None,
        });
        for action in [AgentAction::Claim, reply, AgentAction::Resolve] {
            let result = apply(&store, &action, &id, &ana).await;
            assert!(
                result.is_err(),
                "{backend:?}: {} applied without its audit row: {result:?}",
                action.as_str()
            );
        }
        let escalation = store.escalation(&id).await.expect("read").expect("stored");
        assert_eq!(escalation.status, EscalationStatus::Queued, "{backend:?}");
        assert_eq!(escalation.claimed_by, None);
        let agent_messages = count(
            "SELECT COUNT(*) FROM messages m JOIN escalations e ON e.conversation_id = m.conversation_id \
             WHERE e.id = $1 AND m.author = 'agent'",
        )
        .await;
        assert_eq!(agent_messages, 0, "{backend:?}: the reply was rolled back");
        assert_eq!(
            count("SELECT COUNT(*) FROM outbox WHERE escalation_id = $1").await,
            outbox_before,
            "{backend:?}: no chat update or mail queued"
        );

        sqlx::query(unblock)
            .execute(&pool)
            .await
            .expect("unblock audit rows");
        let outcome = apply(&store, &AgentAction::Claim, &id, &ana)
            .await
            .expect("claim");
        assert!(matches!(outcome, Outcome::Applied(_)), "{outcome:?}");
        let claims = AuditFilter {
            action: Some(AuditAction::Claim),
            ..AuditFilter::default()
        };
        let rows = store.audit_entries(&claims, 10).await.expect("audit");
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(
            (rows[0].actor.as_str(), rows[0].object_id.as_deref()),
            ("Ana", Some(id.as_str()))
        );
        pool.close().await;
        store.close().await;
    }
}

/// Makes the audit log refuse new rows (a trigger, as a full disk or a lost connection
/// would); returns the statement that accepts them again.
async fn block_audit_rows(pool: &sqlx::AnyPool, backend: TestBackend) -> &'static str {
    let (block, unblock): (&[&str], &str) = match backend {
        TestBackend::Sqlite => (
            &["CREATE TRIGGER audit_down BEFORE INSERT ON audit_log \
               BEGIN SELECT RAISE(ABORT, 'audit log down'); END"],
            "DROP TRIGGER audit_down",
        ),
        TestBackend::Postgres => (
            &[
                "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit log down'; END $$",
                "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_down()",
            ],
            "DROP TRIGGER audit_down ON audit_log",
        ),
    };
    for statement in block {
        sqlx::query(*statement)
            .execute(pool)
            .await
            .expect("block audit rows");
    }
    unblock
}

/// The other audited changes commit with their rows too: while the audit log refuses rows,
/// creating a personal token, creating or changing a saved reply, changing an account's
/// role, setting oneself away and erasing a customer fail and change nothing (no token,
/// the reply and the account as they were, the customer's words still there); once rows
/// are accepted again, a token is created with its row.
#[tokio::test]
async fn account_token_saved_reply_and_erasure_changes_commit_with_their_audit_rows_or_not_at_all()
{
    use frontline_shared::accounts::{away, manage, tokens, NewAgent, Role};
    use frontline_shared::audit::{Actor, AuditAction, AuditFilter, Source};
    use frontline_shared::saved_replies::{self, SavedReplyInput};
    use frontline_shared::store::agents::AgentChange;
    use frontline_shared::store::Store;
    use frontline_tests::databases::TestDatabase;

    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("store");
        let token = Actor::unlinked("admin token", Source::Api, None).with_role(Role::Admin);
        let new = NewAgent::parse("lea@example.com", "Lea", "admin").expect("valid");
        let lea = manage::create(&store, &token, &new, Some("lea's long passphrase".into()))
            .await
            .expect("create Lea")
            .account;
        let as_lea = manage::account_actor(&lea, Source::Web, Some("127.0.0.1".into()));
        let refunds =
            SavedReplyInput::parse("Refunds", None, "Refunds take **30 days**.").expect("valid");
        let reply = saved_replies::manage::create(&store, &as_lea, &refunds)
            .await
            .expect("saved reply");
        let escalation = crate::agent_figures::open(&store, "conv_erase").await;
        let customer = store
            .escalation(&escalation)
            .await
            .expect("read")
            .expect("stored");
        let transcript_before = store
            .transcript(&customer.conversation_id)
            .await
            .expect("transcript");
        assert!(
            !customer.email.is_empty(),
            "the fixture has a customer e-mail"
        );
        let all = AuditFilter::default();
        let rows_before = store.audit_entries(&all, 100).await.expect("audit").len();
        assert_eq!(
            rows_before, 2,
            "{backend:?}: the account's creation, the reply's"
        );

        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        let unblock = block_audit_rows(&pool, backend).await;

        let created = tokens::create(&store, &as_lea, "CI export").await;
        assert!(created.is_err(), "{backend:?}: a token without its row");
        assert!(store
            .api_tokens_of(&lea.id)
            .await
            .expect("tokens")
            .is_empty());

        let shorter =
            SavedReplyInput::parse("Refunds", None, "Refunds take **14 days**.").expect("valid");
        let changed = saved_replies::manage::change(&store, &as_lea, &reply.id, &shorter).await;
        assert!(
            changed.is_err(),
            "{backend:?}: a saved-reply change without its row"
        );
        let other = SavedReplyInput::parse("Shipping", None, "Two days.").expect("valid");
        assert!(saved_replies::manage::create(&store, &as_lea, &other)
            .await
            .is_err());
        let replies = store.saved_replies(None).await.expect("replies");
        assert_eq!(replies.len(), 1, "{backend:?}");
        assert_eq!(replies[0].body, "Refunds take **30 days**.", "{backend:?}");

        let demote = AgentChange {
            role: Some(Role::Agent),
            ..AgentChange::default()
        };
        assert!(manage::change(&store, &token, &lea.id, &demote)
            .await
            .is_err());
        assert!(away::set_away(&store, &as_lea, true).await.is_err());
        let now = store.agent(&lea.id).await.expect("read").expect("stored");
        assert_eq!((now.role, now.away), (Role::Admin, false), "{backend:?}");

        let audit = frontline_shared::store::audit::AuditRecord {
            actor: &token,
            action: AuditAction::Erasure,
        };
        let erased = store
            .erase_customer(&customer.email, audit, "customer:0000")
            .await;
        assert!(erased.is_err(), "{backend:?}: an erasure without its row");
        let transcript = store
            .transcript(&customer.conversation_id)
            .await
            .expect("transcript");
        assert_eq!(transcript, transcript_before, "{backend:?}: nothing erased");

        sqlx::query(unblock)
            .execute(&pool)
            .await
            .expect("unblock audit rows");
        assert_eq!(
            store.audit_entries(&all, 100).await.expect("audit").len(),
            rows_before,
            "{backend:?}: no row of what did not happen"
        );
        let created = tokens::create(&store, &as_lea, "CI export")
            .await
            .expect("token");
        let filter = AuditFilter {
            action: Some(AuditAction::TokenCreated),
            ..AuditFilter::default()
        };
        let rows = store.audit_entries(&filter, 10).await.expect("audit");
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(
            (rows[0].actor.as_str(), rows[0].object_id.as_deref()),
            ("Lea", Some(created.token.id.as_str()))
        );
        pool.close().await;
        store.close().await;
    }
}
