//! A Freshdesk API v2 (solutions) stand-in.
//!
//! Follows <https://developers.freshdesk.com/api/#solutions> (categories, their folders
//! with `visibility`, and folder articles with `status` 1 draft / 2 published and HTML
//! `description`), <https://developers.freshdesk.com/api/#authentication> (Basic with the
//! API key and `X`), <https://developers.freshdesk.com/api/#pagination> (`page`,
//! `per_page`, `Link: <…>; rel="next"` while more pages follow) and
//! <https://developers.freshdesk.com/api/#ratelimit> (`429` with `Retry-After`).

use super::{basic, own_base, page_of, start, Guard, Standin};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "freshdesk-api-key";
/// The request answered once with `429`: the second page of folder 10.
pub const LIMITED: &str = "/api/v2/solutions/folders/10/articles?per_page=100&page=2";

#[derive(Debug, Clone)]
pub struct Solutions {
    pub categories: Vec<Value>,
    pub folders: Vec<Value>,
    pub articles: Vec<Value>,
}

fn article(id: u64, folder: u64, title: &str, description: &str, status: u8) -> Value {
    json!({
        "id": id,
        "type": 1,
        "category_id": 1,
        "folder_id": folder,
        "title": title,
        "description": description,
        "description_text": "",
        "status": status,
        "agent_id": 5,
        "tags": ["warranty"],
        "seo_data": {},
        "created_at": "2026-10-01T10:00:00Z",
        "updated_at": "2026-10-01T10:00:00Z"
    })
}

impl Solutions {
    /// A public folder with three published articles (one linking to another), a draft
    /// and a malformed one (a text `status`); an agents-only folder with one article.
    pub fn sample() -> Solutions {
        let mut malformed = article(1004, 10, "Broken", "<p>x</p>", 2);
        malformed["status"] = json!("published");
        Solutions {
            categories: vec![json!({"id": 1, "name": "Product care", "description": null})],
            folders: vec![
                json!({"id": 10, "category_id": 1, "name": "Warranty", "visibility": 1}),
                json!({"id": 11, "category_id": 1, "name": "Agents only", "visibility": 3}),
            ],
            articles: vec![
                article(1001, 10, "How long is the warranty?", "<p>Two years on all jackets.</p>", 2),
                article(
                    1002,
                    10,
                    "How do I claim the warranty?",
                    "<p>Read <a href=\"https://shop.freshdesk.com/support/solutions/articles/1001-how-long-is-the-warranty\">the warranty terms</a> first.</p>",
                    2,
                ),
                article(1003, 10, "Draft: lifetime warranty", "<p>Maybe.</p>", 1),
                malformed,
                article(1006, 10, "Is wear and tear covered?", "<p>No.</p>", 2),
                article(1005, 11, "Goodwill refunds", "<p>Ask a lead.</p>", 2),
            ],
        }
    }

    pub fn export(&self) -> Value {
        let folders = |category: &Value| -> Vec<Value> {
            self.folders
                .iter()
                .filter(|f| f["category_id"] == category["id"])
                .map(|f| {
                    let mut f = f.clone();
                    f["articles"] = json!(self
                        .articles
                        .iter()
                        .filter(|a| a["folder_id"] == f["id"])
                        .collect::<Vec<_>>());
                    f
                })
                .collect()
        };
        json!({"categories": self.categories.iter().map(|c| {
            let mut c = c.clone();
            c["folders"] = json!(folders(&c));
            c
        }).collect::<Vec<_>>()})
    }
}

type Data = Arc<Mutex<Solutions>>;

async fn categories(State(data): State<Data>) -> Json<Value> {
    Json(json!(data.lock().expect("data").categories))
}

async fn folders(State(data): State<Data>, Path(category): Path<u64>) -> Json<Value> {
    let folders: Vec<Value> = data
        .lock()
        .expect("data")
        .folders
        .iter()
        .filter(|f| f["category_id"] == json!(category))
        .cloned()
        .collect();
    Json(json!(folders))
}

async fn articles(
    State(data): State<Data>,
    Path(folder): Path<u64>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let all: Vec<Value> = data
        .lock()
        .expect("data")
        .articles
        .iter()
        .filter(|a| a["folder_id"] == json!(folder))
        .cloned()
        .collect();
    let (items, more) = page_of(&all, page);
    let mut response = Json(json!(items)).into_response();
    if more {
        let next = format!(
            "<{}/api/v2/solutions/folders/{folder}/articles?per_page=100&page={}>; rel=\"next\"",
            own_base(&headers),
            page + 1
        );
        if let Ok(value) = next.parse() {
            response.headers_mut().insert("link", value);
        }
    }
    response
}

pub async fn start_freshdesk(solutions: Solutions) -> Standin<Solutions> {
    let data: Data = Arc::new(Mutex::new(solutions));
    let router = Router::new()
        .route("/api/v2/solutions/categories", get(categories))
        .route("/api/v2/solutions/categories/{id}/folders", get(folders))
        .route("/api/v2/solutions/folders/{id}/articles", get(articles))
        .with_state(data.clone());
    start(router, Guard::new(basic(API_KEY, "X"), LIMITED), data).await
}
