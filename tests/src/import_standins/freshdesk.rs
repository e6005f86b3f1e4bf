//! A Freshdesk API v2 (solutions) stand-in.
//!
//! Follows <https://developers.freshdesk.com/api/#solutions> (categories, their folders
//! with `visibility`, and folder articles with `status` 1 draft / 2 published and HTML
//! `description`), <https://developers.freshdesk.com/api/#authentication> (Basic with the
//! API key and `X`), <https://developers.freshdesk.com/api/#pagination> (`page`,
//! `per_page`, `Link: <…>; rel="next"` while more pages follow),
//! <https://developers.freshdesk.com/api/#ratelimit> (`429` with `Retry-After`),
//! <https://developers.freshdesk.com/api/#view_helpdesk_settings> (`primary_language`,
//! `supported_languages`, `portal_languages`; `403` `access_denied` for a key without the
//! right) and the multilingual solution lists, `…/folders/{id}/articles/{language_code}`
//! (<https://developers.freshdesk.com/api/#solutions>; `404` when the folder has no
//! translation in that language).

use super::{basic, own_base, page_of, start, Guard, Standin};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
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
    /// Translated articles by language code (same ids as the primary articles).
    pub translations: BTreeMap<String, Vec<Value>>,
    /// The languages the portal shows; `None`: the settings answer `403`.
    pub portal_languages: Option<Vec<String>>,
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
            translations: BTreeMap::from([(
                "de".to_string(),
                vec![
                    article(1001, 10, "Wie lange gilt die Garantie?", "<p>Zwei Jahre auf alle Jacken.</p>", 2),
                    article(
                        1002,
                        10,
                        "Wie melde ich einen Garantiefall?",
                        "<p>Lies zuerst <a href=\"https://shop.freshdesk.com/de/support/solutions/articles/1001-wie-lange-gilt-die-garantie\">die Garantiebedingungen</a>.</p>",
                        2,
                    ),
                    article(1003, 10, "Entwurf: lebenslange Garantie", "<p>Vielleicht.</p>", 1),
                ],
            )]),
            portal_languages: Some(vec!["de".to_string()]),
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
                    let translations: BTreeMap<&String, Vec<&Value>> = self
                        .translations
                        .iter()
                        .map(|(code, list)| {
                            (
                                code,
                                list.iter().filter(|a| a["folder_id"] == f["id"]).collect(),
                            )
                        })
                        .filter(|(_, list): &(_, Vec<&Value>)| !list.is_empty())
                        .collect();
                    f["translations"] = json!(translations);
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

async fn helpdesk_settings(State(data): State<Data>) -> Response {
    match &data.lock().expect("data").portal_languages {
        Some(languages) => Json(json!({
            "primary_language": "en",
            "supported_languages": languages,
            "portal_languages": languages,
            "help_widget_languages": []
        }))
        .into_response(),
        None => (
            StatusCode::FORBIDDEN,
            Json(json!({"code": "access_denied", "message": "You are not authorized to perform this action."})),
        )
            .into_response(),
    }
}

async fn articles(
    State(data): State<Data>,
    Path(folder): Path<u64>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let all: Vec<Value> = data
        .lock()
        .expect("data")
        .articles
        .iter()
        .filter(|a| a["folder_id"] == json!(folder))
        .cloned()
        .collect();
    paged(all, folder, "", &query, &headers)
}

async fn translated_articles(
    State(data): State<Data>,
    Path((folder, language)): Path<(u64, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let all: Vec<Value> = data
        .lock()
        .expect("data")
        .translations
        .get(&language)
        .into_iter()
        .flatten()
        .filter(|a| a["folder_id"] == json!(folder))
        .cloned()
        .collect();
    if all.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "not_found", "message": "no translation"})),
        )
            .into_response();
    }
    paged(all, folder, &format!("/{language}"), &query, &headers)
}

/// One page of a folder's article list, with `Link: rel="next"` while more follow.
fn paged(
    all: Vec<Value>,
    folder: u64,
    language_path: &str,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let (items, more) = page_of(&all, page);
    let mut response = Json(json!(items)).into_response();
    if more {
        let next = format!(
            "<{}/api/v2/solutions/folders/{folder}/articles{language_path}?per_page=100&page={}>; rel=\"next\"",
            own_base(headers),
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
        .route(
            "/api/v2/solutions/folders/{id}/articles/{language}",
            get(translated_articles),
        )
        .route("/api/v2/settings/helpdesk", get(helpdesk_settings))
        .with_state(data.clone());
    start(router, Guard::new(basic(API_KEY, "X"), LIMITED), data).await
}
