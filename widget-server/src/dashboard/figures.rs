//! The Figures page: per-agent figures of a period, the same as
//! `GET /api/v1/admin/stats/agents` ([`crate::routes::agent_figures`]). An admin sees
//! everyone; an agent sees their own row.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::pages::render;
use super::session::Agent;
use crate::error::ApiError;
use crate::guard::admin::Staff;
use crate::routes::agent_figures::{self, AgentFiguresQuery};
use crate::state::AppState;

/// `12.5` seconds as `12 s`, `754` as `12 min 34 s`, `None` as `–`.
fn duration(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds else {
        return "–".into();
    };
    let total = seconds.round() as i64;
    match (total / 3600, total % 3600 / 60, total % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

pub async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<AgentFiguresQuery>,
) -> Response {
    let staff = Staff {
        actor: agent.actor(),
        role: agent.role,
    };
    let body = match agent_figures::load(&state, &staff, &query).await {
        Ok(body) => body,
        Err(ApiError::BadRequest { message, .. }) => {
            let mut page = render(
                &state,
                "figures",
                &json!({ "title": "Figures", "nav": { "figures": true }, "error": message }),
            );
            *page.status_mut() = StatusCode::BAD_REQUEST;
            return page;
        }
        Err(error) => return error.into_response(),
    };
    let rows: Vec<_> = body
        .agents
        .iter()
        .map(|a| {
            json!({
                "agent": a.agent, "claims": a.claims, "resolves": a.resolves,
                "claim_median": duration(a.time_to_claim.median_seconds),
                "claim_p90": duration(a.time_to_claim.p90_seconds),
                "resolve_median": duration(a.time_to_resolve.median_seconds),
                "resolve_p90": duration(a.time_to_resolve.p90_seconds),
                "first_reply_median": duration(a.time_to_first_reply.median_seconds),
                "first_reply_p90": duration(a.time_to_first_reply.p90_seconds),
                "reopened": match a.reopen_percent {
                    Some(p) => format!("{} ({p:.0} %)", a.reopened),
                    None => "–".into(),
                },
                "ratings": a.ratings,
                "csat": a.csat_percent.map(|p| format!("{p:.0} %")).unwrap_or_else(|| "–".into()),
                "average": a.average_rating.map(|r| format!("{r:.1}")).unwrap_or_else(|| "–".into()),
            })
        })
        .collect();
    render(
        &state,
        "figures",
        &json!({ "title": "Figures", "nav": { "figures": true }, "rows": rows, "from": body.from,
                 "to": body.to, "time_zone": body.time_zone, "own_only": agent.role != frontline_shared::accounts::Role::Admin }),
    )
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(12.4)), "12 s");
        assert_eq!(duration(Some(754.0)), "12 min 34 s");
        assert_eq!(duration(Some(7380.0)), "2 h 3 min");
    }
}
