//! A Help Scout Docs API (v1) stand-in.
//!
//! Follows <https://developer.helpscout.com/docs-api/> (Basic auth with the API key and
//! `X`; `429` when rate limited), <https://developer.helpscout.com/docs-api/collections/list/>,
//! <https://developer.helpscout.com/docs-api/categories/list/>,
//! <https://developer.helpscout.com/docs-api/articles/list/> (article references under
//! `articles.items` with `page`, `pages`, `count`) and
//! <https://developer.helpscout.com/docs-api/articles/get/> (`{"article": {…, "text"}}`).

use super::{basic, page_of, start, Guard, Standin};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "helpscout-docs-key";
/// The request answered once with `429`: the second page of the public collection.
pub const LIMITED: &str = "/v1/collections/c1/articles?status=all&page=2";

#[derive(Debug, Clone)]
pub struct Docs {
    pub collections: Vec<Value>,
    pub categories: Vec<Value>,
    /// Full articles by id (the list endpoint serves references to them).
    pub articles: Vec<Value>,
}

fn article(id: &str, collection: &str, name: &str, text: &str, status: &str) -> Value {
    json!({
        "id": id,
        "number": 1,
        "collectionId": collection,
        "slug": id,
        "status": status,
        "hasDraft": false,
        "name": name,
        "text": text,
        "categories": ["k1"],
        "related": [],
        "publicUrl": format!("https://shop.helpscoutdocs.com/article/{id}-{}", name.to_lowercase().replace(' ', "-")),
        "popularity": 0.0,
        "viewCount": 0,
        "createdBy": 1,
        "updatedBy": 1,
        "createdAt": "2026-10-01T10:00:00Z",
        "updatedAt": "2026-10-01T10:00:00Z",
        "lastPublishedAt": "2026-10-01T10:00:00Z"
    })
}

impl Docs {
    /// A public collection with three published articles (one linking to another), an
    /// unpublished one and one whose detail is malformed; a private collection with one.
    pub fn sample() -> Docs {
        let mut malformed = article("a5", "c1", "x", "<p>x</p>", "published");
        malformed.as_object_mut().expect("object").remove("name");
        Docs {
            collections: vec![
                json!({"id": "c1", "name": "Shipping", "visibility": "public", "order": 1}),
                json!({"id": "c2", "name": "Team handbook", "visibility": "private", "order": 2}),
            ],
            categories: vec![json!({"id": "k1", "collectionId": "c1", "name": "Delivery", "order": 1})],
            articles: vec![
                article("a1", "c1", "Do you deliver on Saturdays", "<p>Yes, in cities.</p>", "published"),
                article(
                    "a2",
                    "c1",
                    "Where is my parcel",
                    "<p>Track it; for weekends see <a href=\"https://shop.helpscoutdocs.com/article/a1-do-you-deliver-on-saturdays\">Saturday delivery</a>.</p>",
                    "published",
                ),
                article("a3", "c1", "Drone delivery", "<p>Not yet.</p>", "notpublished"),
                malformed,
                article("a6", "c1", "Parcel lockers", "<h3>Lockers</h3><p>Choose one at checkout.</p>", "published"),
                article("a4", "c2", "How we pack", "<p>Internal.</p>", "published"),
            ],
        }
    }

    pub fn export(&self) -> Value {
        json!({"collections": self.collections, "categories": self.categories, "articles": self.articles})
    }
}

type Data = Arc<Mutex<Docs>>;

fn paged(key: &str, items: &[Value], query: &BTreeMap<String, String>) -> Json<Value> {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let (slice, _) = page_of(items, page);
    Json(
        json!({ key: {"page": page, "pages": items.len().div_ceil(2).max(1), "count": items.len(), "items": slice} }),
    )
}

async fn collections(
    State(data): State<Data>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let items = data.lock().expect("data").collections.clone();
    paged("collections", &items, &query)
}

async fn categories(
    State(data): State<Data>,
    Path(collection): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let items: Vec<Value> = data
        .lock()
        .expect("data")
        .categories
        .iter()
        .filter(|c| c["collectionId"] == json!(collection))
        .cloned()
        .collect();
    paged("categories", &items, &query)
}

async fn articles(
    State(data): State<Data>,
    Path(collection): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let references: Vec<Value> = data
        .lock()
        .expect("data")
        .articles
        .iter()
        .filter(|a| a["collectionId"] == json!(collection))
        .map(|a| {
            json!({"id": a["id"], "number": a["number"], "collectionId": a["collectionId"], "status": a["status"],
                "hasDraft": false, "name": a.get("name"), "publicUrl": a["publicUrl"]})
        })
        .collect();
    paged("articles", &references, &query)
}

async fn article_detail(State(data): State<Data>, Path(id): Path<String>) -> Response {
    let found = data
        .lock()
        .expect("data")
        .articles
        .iter()
        .find(|a| a["id"] == json!(id))
        .cloned();
    match found {
        Some(article) => Json(json!({ "article": article })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn start_helpscout(docs: Docs) -> Standin<Docs> {
    let data: Data = Arc::new(Mutex::new(docs));
    let router = Router::new()
        .route("/v1/collections", get(collections))
        .route("/v1/collections/{id}/categories", get(categories))
        .route("/v1/collections/{id}/articles", get(articles))
        .route("/v1/articles/{id}", get(article_detail))
        .with_state(data.clone());
    start(router, Guard::new(basic(API_KEY, "X"), LIMITED), data).await
}
