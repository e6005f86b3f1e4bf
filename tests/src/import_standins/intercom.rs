//! An Intercom Help Center API stand-in (version 2.11).
//!
//! Follows <https://developers.intercom.com/docs/references/rest-api/api.intercom.io/articles/listarticles>
//! (`GET /articles`: `{"type": "list", "pages": {"type": "pages", "page", "per_page",
//! "total_pages"}, "total_count", "data": [article…]}`, articles with `translated_content`
//! per locale), <https://developers.intercom.com/docs/references/rest-api/api.intercom.io/help-center/listallcollections>
//! (`GET /help_center/collections`), Bearer access tokens
//! (<https://developers.intercom.com/docs/build-an-integration/learn-more/authentication>)
//! and `429` rate limiting (<https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting>).

use super::{page_of, start, Guard, Standin};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "intercom-access-token";
/// The request answered once with `429`: the second page of articles.
pub const LIMITED: &str = "/articles?page=2&per_page=50";

fn content(title: &str, body: &str, state: &str, url: &str) -> Value {
    json!({
        "type": "article_content",
        "title": title,
        "description": "",
        "body": body,
        "author_id": 991267497,
        "state": state,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
        "url": url
    })
}

fn article(
    id: &str,
    title: &str,
    body: &str,
    state: &str,
    translations: &[(&str, Value)],
) -> Value {
    let url = format!("https://help.shop.example/en/articles/{id}-article");
    let mut translated = serde_json::Map::new();
    translated.insert("type".into(), json!("article_translated_content"));
    for (locale, content) in translations {
        translated.insert((*locale).into(), content.clone());
    }
    json!({
        "type": "article",
        "id": id,
        "workspace_id": "ws1",
        "title": title,
        "description": "",
        "body": body,
        "author_id": 991267497,
        "state": state,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
        "url": url,
        "parent_id": 145,
        "parent_ids": [145],
        "parent_type": "collection",
        "default_locale": "en",
        "translated_content": translated
    })
}

/// Four articles over two pages: one in English and French, one linking to it, a draft,
/// and a malformed one (a `null` title).
pub fn sample() -> (Vec<Value>, Vec<Value>) {
    let gift_en = content(
        "How do gift cards work?",
        "<p>Gift cards never expire.</p><ul><li>Online</li><li>In store</li></ul>",
        "published",
        "https://help.shop.example/en/articles/1-gift-cards",
    );
    let gift_fr = content(
        "Comment fonctionnent les cartes cadeaux ?",
        "<p>Les cartes cadeaux n'expirent jamais.</p>",
        "published",
        "https://help.shop.example/fr/articles/1-cartes-cadeaux",
    );
    let mut malformed = article("4", "x", "<p>x</p>", "published", &[]);
    malformed["title"] = Value::Null;
    let articles = vec![
        article("1", "How do gift cards work?", "", "published", &[("en", gift_en), ("fr", gift_fr)]),
        article(
            "2",
            "Can I pay with a gift card?",
            "<p>Yes, see <a href=\"https://help.shop.example/en/articles/1-gift-cards\">gift cards</a>.</p>",
            "published",
            &[],
        ),
        article("3", "Draft: loyalty points", "<p>Soon</p>", "draft", &[]),
        malformed,
    ];
    let collections = vec![
        json!({"id": "145", "type": "collection", "name": "Payments", "default_locale": "en"}),
    ];
    (articles, collections)
}

#[derive(Debug, Clone)]
pub struct HelpCenter {
    pub articles: Vec<Value>,
    pub collections: Vec<Value>,
}

type Data = Arc<Mutex<HelpCenter>>;

fn list(items: &[Value], query: &BTreeMap<String, String>) -> Json<Value> {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let (data, _) = page_of(items, page);
    Json(json!({
        "type": "list",
        "pages": {"type": "pages", "page": page, "per_page": 2, "total_pages": items.len().div_ceil(2)},
        "total_count": items.len(),
        "data": data
    }))
}

async fn articles(
    State(data): State<Data>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let items = data.lock().expect("data").articles.clone();
    list(&items, &query)
}

async fn collections(
    State(data): State<Data>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let items = data.lock().expect("data").collections.clone();
    list(&items, &query)
}

pub async fn start_intercom() -> Standin<HelpCenter> {
    let (articles_list, collections_list) = sample();
    let data: Data = Arc::new(Mutex::new(HelpCenter {
        articles: articles_list,
        collections: collections_list,
    }));
    let router = Router::new()
        .route("/articles", get(articles))
        .route("/help_center/collections", get(collections))
        .with_state(data.clone());
    start(router, Guard::new(format!("Bearer {TOKEN}"), LIMITED), data).await
}
