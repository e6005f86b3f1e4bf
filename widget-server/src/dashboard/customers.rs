//! `/admin/customers` (admins): the customer view of GDPR export and erasure. Look a
//! customer up by e-mail to see what Frontline holds, download the export (the same zip
//! archive as `GET /api/v1/admin/customers/{email}/export?format=zip`) or erase it (the
//! e-mail typed again to confirm), through the API's use cases in
//! [`crate::routes::customers`], audited the same way with source `web`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use frontline_shared::email::Email;
use frontline_shared::store::customer_data::{CustomerExport, Erasure};
use serde::Deserialize;
use serde_json::json;

use super::pages::render;
use super::session::AdminAgent;
use crate::error::ApiError;
use crate::routes::customers;
use crate::state::AppState;

/// The look-up's query.
#[derive(Debug, Default, Deserialize)]
pub struct LookUp {
    #[serde(default)]
    email: String,
}

/// The export and erase forms.
#[derive(Debug, Default, Deserialize)]
pub struct CustomerForm {
    #[serde(default)]
    email: String,
    /// The erase form's confirmation: the e-mail typed again.
    #[serde(default)]
    confirm: String,
}

/// What is held, as the page counts it.
fn counts(export: &CustomerExport) -> serde_json::Value {
    let sum = |count: fn(&frontline_shared::store::customer_data::ConversationExport) -> usize| {
        export.conversations.iter().map(count).sum::<usize>()
    };
    json!({
        "conversations": export.conversations.len(),
        "messages": sum(|c| c.transcript.len()),
        "escalations": sum(|c| c.escalations.len()),
        "attachments": sum(|c| c.attachments.len()),
        "ratings": sum(|c| c.ratings.len()),
        "any": !export.conversations.is_empty(),
    })
}

/// The page for `raw` (empty: the form alone), with what was just `erased` or an `error`.
async fn customer_page(
    state: &AppState,
    raw: &str,
    erased: Option<Erasure>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let raw = raw.trim();
    let mut error = error;
    let held = if raw.is_empty() {
        None
    } else {
        match look_up(state, raw).await {
            Ok(held) => Some(held),
            Err(ApiError::BadRequest { message, .. }) => {
                error = error.or(Some((StatusCode::BAD_REQUEST, message)));
                None
            }
            Err(error) => return error.into_response(),
        }
    };
    let notice = erased.map(|e| {
        format!(
            "Erased {} conversation{} and {} escalation{}.",
            e.conversations,
            if e.conversations == 1 { "" } else { "s" },
            e.escalations,
            if e.escalations == 1 { "" } else { "s" },
        )
    });
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut page = render(
        state,
        "customers",
        &json!({ "title": "Customers", "nav": { "customers": true }, "email": raw,
                 "held": held, "notice": notice, "error": error.map(|(_, m)| m) }),
    );
    *page.status_mut() = status;
    page
}

async fn look_up(state: &AppState, raw: &str) -> Result<serde_json::Value, ApiError> {
    let email = customers::email(raw)?;
    Ok(counts(&customers::held(state, &email).await?))
}

pub async fn page(
    State(state): State<AppState>,
    _admin: AdminAgent,
    Query(query): Query<LookUp>,
) -> Response {
    customer_page(&state, &query.email, None, None).await
}

/// `email` as an address, or the page with a 400 naming the field.
async fn parsed(state: &AppState, raw: &str) -> Result<Email, Response> {
    match customers::email(raw.trim()) {
        Ok(email) => Ok(email),
        Err(_) => Err(customer_page(state, raw, None, None).await),
    }
}

pub async fn export(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Form(form): Form<CustomerForm>,
) -> Response {
    let email = match parsed(&state, &form.email).await {
        Ok(email) => email,
        Err(page) => return page,
    };
    let result = async {
        let (export, files) =
            customers::export_customer(&state, &admin.actor(), &email, true).await?;
        customers::archive_of(export, files).await
    }
    .await;
    match result {
        Ok(zip) => customers::zip_response(zip),
        Err(error) => error.into_response(),
    }
}

pub async fn erase(
    State(state): State<AppState>,
    AdminAgent(admin): AdminAgent,
    Form(form): Form<CustomerForm>,
) -> Response {
    let email = match parsed(&state, &form.email).await {
        Ok(email) => email,
        Err(page) => return page,
    };
    if !form.confirm.trim().eq_ignore_ascii_case(email.as_str()) {
        let message = "`confirm`: type the customer's e-mail again to erase; nothing was erased";
        return customer_page(
            &state,
            email.as_str(),
            None,
            Some((StatusCode::UNPROCESSABLE_ENTITY, message.into())),
        )
        .await;
    }
    match customers::erase_customer(&state, &admin.actor(), &email).await {
        Ok(erasure) => customer_page(&state, email.as_str(), Some(erasure), None).await,
        Err(error) => error.into_response(),
    }
}
