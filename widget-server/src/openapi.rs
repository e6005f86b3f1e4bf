//! The OpenAPI document served at `/openapi.json`, generated from the handlers.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Frontline widget server API", version = "1",
         description = "Self-service answers, handoffs to a person, live conversation streams and the agent queue. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    paths(
        routes::ask::ask,
        routes::suggest::suggest,
        routes::site::config,
        routes::site::answer,
        routes::feedback::feedback,
        routes::handoff::handoff,
        routes::conversation::show,
        routes::conversation::post_message,
        routes::events::stream,
        routes::admin::list,
        routes::admin::show,
        routes::admin::claim,
        routes::admin::release,
        routes::admin::resolve,
        routes::admin::reply,
        routes::stats::stats,
    ),
    modifiers(&Security),
    tags((name = "self-service"), (name = "handoff"), (name = "conversation"), (name = "admin"))
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
    }
}

impl ApiDoc {
    pub fn document() -> utoipa::openapi::OpenApi {
        <ApiDoc as OpenApi>::openapi()
    }
}
