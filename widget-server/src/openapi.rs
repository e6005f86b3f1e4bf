//! The OpenAPI document served at `/openapi.json`.
//!
//! Its paths come from the router, not from a list kept here: [`crate::routes`] registers
//! every `/api/…` handler with `utoipa_axum::routes!`, which adds the route and the
//! handler's `#[utoipa::path]` documentation in one step, with the methods taken from
//! that documentation. A route cannot be served without being documented there, and a
//! test (`tests/tests/suite/openapi.rs`) compares the router's routes with the document.
//! This module holds only what belongs to the whole API: title, description, tags and
//! security schemes.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Frontline widget server API", version = "1",
         description = "Self-service answers, handoffs to a person, live conversation streams and the agent queue. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&Security),
    tags((name = "self-service"), (name = "handoff"), (name = "conversation"), (name = "admin"), (name = "email"))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer =
            || SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        components.add_security_scheme("conversation_token", bearer());
        components.add_security_scheme("admin_token", bearer());
        components.add_security_scheme("inbound_token", bearer());
        if let Some(event) = crate::routes::webhooks::event_schema() {
            components.schemas.insert("WebhookEvent".into(), event);
        }
    }
}

impl ApiDoc {
    /// The document without paths; the router adds one per route it serves.
    pub fn document() -> utoipa::openapi::OpenApi {
        <ApiDoc as OpenApi>::openapi()
    }
}
