//! `/admin`: the dashboard and the web agent queue, server-rendered HTML.
//!
//! Plain handlebars pages with inline SVG charts (readable without JavaScript), one
//! stylesheet and one small script that refreshes the queue, both served as files so
//! every page can carry a strict Content-Security-Policy (no inline code), with
//! `X-Frame-Options: DENY`, `nosniff` and `Cache-Control: no-store`. Sign-in takes an
//! account's e-mail and password (or the admin token and a typed name, a bootstrap
//! admin); failures are throttled per address and per account. It starts a server-side
//! session: a random id in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS), the
//! agent's name, account and role with it in the store. An `agent` gets 403 on the admin
//! pages (planning, webhooks, agents, audit, saved replies, customers). Claims go through the same single-winner
//! store transition as the bot's buttons.
//!
//! # Layout
//! - [`sign_in`]: signing in and out; [`pages`]: the other handlers; [`conversations`]: the searchable conversation list;
//!   [`views`]: data shaped for the templates; [`satisfaction`]: the CSAT section;
//!   [`chart`]: SVG charts; [`drafts`]: Markdown stubs for knowledge gaps;
//!   [`session`]: cookies and the signed-in extractors; [`webhooks`]: endpoints and their
//!   delivery log; [`accounts`]: the Agents page and invitation links; [`audit`]: the
//!   audit log; [`saved_replies`]: the Saved replies page and the reply box's saved
//!   replies; [`figures`]: per-agent figures; [`sso`]: single sign-on (OpenID Connect);
//!   [`tokens`]: personal API tokens; [`customers`]: a customer's data (GDPR export and
//!   erasure).

pub mod accounts;
pub mod assignment;
pub mod audit;
pub mod away;
pub mod chart;
pub mod chat_link;
pub mod conversations;
pub mod customers;
pub mod drafts;
pub mod figures;
pub mod pages;
pub mod planning;
pub mod satisfaction;
pub mod saved_replies;
pub mod session;
pub mod sign_in;
pub mod sso;
pub mod tokens;
pub mod views;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use frontline_shared::templates::{Markup, TemplateError, Templates};

use crate::guard::{origins, GuardLayer};
use crate::state::AppState;

/// The dashboard's routes.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(pages::overview))
        .route(
            "/admin/login",
            get(sign_in::login_form).post(sign_in::login),
        )
        .route("/admin/logout", post(sign_in::logout))
        .route("/admin/sso", get(sso::start))
        .route("/admin/sso/callback", get(sso::callback))
        .route("/admin/tokens", get(tokens::page).post(tokens::create))
        .route("/admin/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/queue", get(pages::queue))
        .route("/admin/away", post(away::set))
        .route("/admin/chat-link", post(chat_link::create))
        .route("/admin/planning", get(planning::page))
        .route("/admin/queue/table", get(pages::queue_table))
        .route("/admin/conversations", get(conversations::list))
        .route("/admin/conversations/{id}", get(conversations::show))
        .route("/admin/escalations/{id}", get(pages::escalation))
        // The reply box may carry files: its body may be larger than `body_bytes`.
        .route(
            "/admin/escalations/{id}/reply",
            post(pages::reply).layer(DefaultBodyLimit::max(state.attachments.max_request_bytes())),
        )
        .route(
            "/admin/escalations/{id}/saved-reply",
            post(saved_replies::send_to_customer),
        )
        .route("/admin/escalations/{id}/assign", post(assignment::assign))
        .route(
            "/admin/escalations/{id}/reassign",
            post(assignment::reassign),
        )
        .route("/admin/escalations/{id}/{action}", post(pages::act))
        .route("/admin/drafts", post(pages::draft))
        .route("/admin/webhooks", get(webhooks::page))
        .route("/admin/agents", get(accounts::page).post(accounts::create))
        .route("/admin/agents/{id}", post(accounts::change))
        .route(
            "/admin/invitations/{token}",
            get(accounts::invitation).post(accounts::accept),
        )
        .route("/admin/audit", get(audit::page))
        .route("/admin/customers", get(customers::page))
        .route("/admin/customers/export", post(customers::export))
        .route("/admin/customers/erase", post(customers::erase))
        .route("/admin/figures", get(figures::page))
        .route(
            "/admin/saved-replies",
            get(saved_replies::page).post(saved_replies::create),
        )
        .route("/admin/saved-replies/{id}", post(saved_replies::change))
        .route(
            "/admin/saved-replies/{id}/delete",
            post(saved_replies::delete),
        )
        .route(
            "/admin/webhooks/{endpoint}/deliveries/{outbox_id}/redeliver",
            post(webhooks::redeliver),
        )
        .route("/admin/dashboard.css", get(stylesheet))
        .route("/admin/queue.js", get(script))
        .layer(GuardLayer::new(state, origins::verify))
        .layer(axum::middleware::map_response(security_headers))
}

/// What every `/admin` response may load and do: its own stylesheet, script and form
/// targets, nothing inline, never inside a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("static/dashboard.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("static/queue.js"),
    )
        .into_response()
}

/// The dashboard's templates, compiled once.
pub fn templates() -> Result<Templates, TemplateError> {
    let mut templates = Templates::new(Markup::Html);
    templates.add_partial("layout", include_str!("templates/layout.hbs"))?;
    templates.add_partial("queue_table", include_str!("templates/queue_table.hbs"))?;
    templates.add("login", include_str!("templates/login.hbs"))?;
    templates.add("overview", include_str!("templates/overview.hbs"))?;
    templates.add("queue", include_str!("templates/queue.hbs"))?;
    templates.add("queue_table", include_str!("templates/queue_table.hbs"))?;
    templates.add("escalation", include_str!("templates/escalation.hbs"))?;
    templates.add("conversations", include_str!("templates/conversations.hbs"))?;
    templates.add("conversation", include_str!("templates/conversation.hbs"))?;
    templates.add("planning", include_str!("templates/planning.hbs"))?;
    templates.add("webhooks", include_str!("templates/webhooks.hbs"))?;
    templates.add("agents", include_str!("templates/agents.hbs"))?;
    templates.add("invitation", include_str!("templates/invitation.hbs"))?;
    templates.add("audit", include_str!("templates/audit.hbs"))?;
    templates.add("saved_replies", include_str!("templates/saved_replies.hbs"))?;
    templates.add("figures", include_str!("templates/figures.hbs"))?;
    templates.add("forbidden", include_str!("templates/forbidden.hbs"))?;
    templates.add("chat_link", include_str!("templates/chat_link.hbs"))?;
    templates.add("tokens", include_str!("templates/tokens.hbs"))?;
    templates.add("customers", include_str!("templates/customers.hbs"))?;
    Ok(templates)
}
