//! A Zendesk Help Center API stand-in.
//!
//! Follows <https://developer.zendesk.com/api-reference/help_center/help-center-api/articles/#list-articles>
//! (`GET /api/v2/help_center/{locale}/articles`, list under `articles`, cursor pagination
//! with `page[size]` and `page[after]`, answered with `meta.has_more`, `meta.after_cursor`
//! and absolute `links.next` / `links.prev` URLs ending in `.json`; like Zendesk, the last
//! page still carries a `links.next` and only `has_more: false` ends the list:
//! <https://developer.zendesk.com/api-reference/introduction/pagination/#using-cursor-pagination>),
//! sections and
//! categories (`…/sections`, `…/categories`), enabled locales
//! (<https://developer.zendesk.com/api-reference/help_center/help-center-api/translations/#list-enabled-locales-and-default-locale>),
//! API-token Basic auth `{email}/token:{token}`
//! (<https://developer.zendesk.com/api-reference/introduction/security-and-auth/>) and
//! `429` + `Retry-After` (<https://developer.zendesk.com/api-reference/introduction/rate-limits/>).

use super::{basic, own_base, start, Guard, Standin};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const EMAIL: &str = "agent@shop.example";
pub const TOKEN: &str = "zd-api-token-123";
/// The request answered once with `429`: the second page of English articles.
pub const LIMITED: &str =
    "/api/v2/help_center/en-us/articles.json?page[size]=2&page[after]=cursor-2";

/// The help center: articles per locale (the test may change them between runs).
#[derive(Debug, Clone)]
pub struct HelpCenter {
    pub articles: BTreeMap<String, Vec<Value>>,
}

fn article(id: u64, locale: &str, title: &str, body: &str) -> Value {
    json!({
        "id": id,
        "url": format!("https://shop.zendesk.com/api/v2/help_center/{locale}/articles/{id}.json"),
        "html_url": format!("https://shop.zendesk.com/hc/{locale}/articles/{id}"),
        "title": title,
        "body": body,
        "locale": locale,
        "source_locale": "en-us",
        "draft": false,
        "section_id": 11,
        "label_names": ["returns"],
        "user_segment_id": null,
        "outdated": false,
        "updated_at": "2026-10-01T10:00:00Z"
    })
}

impl HelpCenter {
    /// Five English articles over three pages (a draft, an internal one, a malformed
    /// one among them) and two German translations.
    pub fn sample() -> HelpCenter {
        let returns_en = "<h2>Steps</h2><ol><li>Open your order</li><li>Choose <strong>Return</strong></li></ol>\
            <table><thead><tr><th>Country</th><th>Days</th></tr></thead><tbody><tr><td>Germany</td><td>30</td></tr><tr><td>Austria</td><td>14</td></tr></tbody></table>\
            <p>Money back: see <a href=\"https://shop.zendesk.com/hc/en-us/articles/102-When-will-I-get-my-refund\">refund times</a>.</p>\
            <p><img src=\"https://cdn.shop.example/label.png\" alt=\"return label\"></p>";
        let mut draft = article(103, "en-us", "Unfinished: exchanges", "<p>Coming soon</p>");
        draft["draft"] = json!(true);
        let mut internal = article(
            104,
            "en-us",
            "Agent macro: refund override",
            "<p>Internal only</p>",
        );
        internal["user_segment_id"] = json!(7);
        let mut malformed = article(105, "en-us", "x", "<p>x</p>");
        malformed["title"] = json!(42);
        let en = vec![
            article(101, "en-us", "How do I return an item?", returns_en),
            article(
                102,
                "en-us",
                "When will I get my refund?",
                "<p>Refunds reach your card within <em>5 business days</em>.</p>",
            ),
            draft,
            internal,
            malformed,
        ];
        let de = vec![
            article(
                101,
                "de",
                "Wie schicke ich etwas zurück?",
                "<p>Siehe <a href=\"/hc/de/articles/102\">Erstattung</a>.</p>",
            ),
            article(
                102,
                "de",
                "Wann bekomme ich mein Geld zurück?",
                "<p>Innerhalb von 5 Werktagen.</p>",
            ),
        ];
        HelpCenter {
            articles: BTreeMap::from([("en-us".to_string(), en), ("de".to_string(), de)]),
        }
    }

    /// The saved-export form of the same help center (`--from-file`).
    pub fn export(&self) -> Value {
        json!({
            "articles": self.articles.values().flatten().cloned().collect::<Vec<_>>(),
            "sections": sections(),
            "categories": categories(),
        })
    }
}

fn sections() -> Value {
    json!([{"id": 11, "name": "Returns & refunds", "category_id": 1, "locale": "en-us"}])
}

fn categories() -> Value {
    json!([{"id": 1, "name": "Orders", "locale": "en-us"}])
}

type Data = Arc<Mutex<HelpCenter>>;

async fn locales(State(data): State<Data>) -> Json<Value> {
    let locales: Vec<String> = data
        .lock()
        .expect("data")
        .articles
        .keys()
        .cloned()
        .collect();
    Json(json!({"locales": locales, "default_locale": "en-us"}))
}

async fn list(
    State(data): State<Data>,
    Path((locale, list)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match list.trim_end_matches(".json") {
        "sections" => Json(json!({"sections": sections(), "next_page": null})).into_response(),
        "categories" => {
            Json(json!({"categories": categories(), "next_page": null})).into_response()
        }
        "articles" => {
            let Some(all) = data.lock().expect("data").articles.get(&locale).cloned() else {
                return (
                    StatusCode::NOT_FOUND,
                    Json(json!({"error": "InvalidLocale"})),
                )
                    .into_response();
            };
            // The cursor is opaque to clients; here it is the index of the page's first item.
            let first: usize = query
                .get("page[after]")
                .and_then(|c| c.strip_prefix("cursor-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let items: Vec<Value> = all.iter().skip(first).take(2).cloned().collect();
            let after = first + items.len();
            let link = |cursor: String| {
                format!(
                    "{}/api/v2/help_center/{locale}/articles.json?page[size]=2&page[after]={cursor}",
                    own_base(&headers)
                )
            };
            Json(json!({
                "articles": items,
                "meta": {
                    "has_more": after < all.len(),
                    "after_cursor": format!("cursor-{after}"),
                    "before_cursor": format!("cursor-{first}")
                },
                "links": {
                    "first": link("cursor-0".into()),
                    "next": link(format!("cursor-{after}")),
                    "prev": null
                }
            }))
            .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn start_zendesk(help_center: HelpCenter) -> Standin<HelpCenter> {
    let data: Data = Arc::new(Mutex::new(help_center));
    let router = Router::new()
        .route("/api/v2/help_center/locales", get(locales))
        .route("/api/v2/help_center/locales.json", get(locales))
        .route("/api/v2/help_center/{locale}/{list}", get(list))
        .with_state(data.clone());
    let guard = Guard::new(basic(&format!("{EMAIL}/token"), TOKEN), LIMITED);
    start(router, guard, data).await
}
