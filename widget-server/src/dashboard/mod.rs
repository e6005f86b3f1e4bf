//! `/admin`: the dashboard and the web agent queue, server-rendered HTML.
//!
//! Plain handlebars pages with inline SVG charts (readable without JavaScript) and one
//! small script that refreshes the queue. Sign-in takes the admin token once and sets an
//! HttpOnly, SameSite=Strict session cookie (Secure behind HTTPS); the agent's name rides
//! in a second cookie. Claims go through the same single-winner store transition as the
//! bot's buttons.
//!
//! # Layout
//! - [`pages`]: the handlers; [`conversations`]: the searchable conversation list;
//!   [`views`]: data shaped for the templates;
//!   [`chart`]: SVG charts; [`drafts`]: Markdown stubs for knowledge gaps;
//!   [`session`]: cookies and the signed-in extractor.

pub mod chart;
pub mod conversations;
pub mod drafts;
pub mod pages;
pub mod session;
pub mod views;

use axum::routing::{get, post};
use axum::Router;
use frontline_shared::templates::{Markup, TemplateError, Templates};

use crate::guard::{origins, GuardLayer};
use crate::state::AppState;

/// The dashboard's routes.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(pages::overview))
        .route("/admin/login", get(pages::login_form).post(pages::login))
        .route("/admin/logout", post(pages::logout))
        .route("/admin/queue", get(pages::queue))
        .route("/admin/queue/table", get(pages::queue_table))
        .route("/admin/conversations", get(conversations::list))
        .route("/admin/conversations/{id}", get(conversations::show))
        .route("/admin/escalations/{id}", get(pages::escalation))
        .route("/admin/escalations/{id}/reply", post(pages::reply))
        .route("/admin/escalations/{id}/{action}", post(pages::act))
        .route("/admin/drafts", post(pages::draft))
        .layer(GuardLayer::new(state, origins::verify))
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
    Ok(templates)
}
