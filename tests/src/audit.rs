//! The audit log as the admin API lists it, for tests that check what was recorded.

use serde_json::Value;

use crate::widget_server::{TestServer, ADMIN_TOKEN};

/// `GET /api/v1/admin/audit?{filter}` with the admin token (`filter` e.g. `action=claim`
/// or `actor=Dana%20Diaz&action=sign_in`): the rows, newest first, as the API lists them.
pub async fn audit_rows(server: &TestServer, filter: &str) -> Vec<Value> {
    let (status, rows) = server
        .get_json(&format!("/api/v1/admin/audit?{filter}"), Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "audit rows ({filter}): {rows}");
    rows.as_array().cloned().expect("an array of audit rows")
}
