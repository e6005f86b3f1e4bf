//! Help Scout Docs: articles of every collection, with their categories.
//!
//! Docs API v1 (<https://developer.helpscout.com/docs-api/>; Basic auth with the API key
//! as user and `X` as password; rate limits answer `429`):
//! - `GET /v1/collections?page=N` → `{"collections": {"page", "pages", "count", "items"}}`,
//!   items with `id`, `name`, `visibility` (`public` | `private`)
//!   (<https://developer.helpscout.com/docs-api/collections/list/>);
//! - `GET /v1/collections/{id}/categories?page=N` → `{"categories": {… "items"}}` with `id`,
//!   `name` (<https://developer.helpscout.com/docs-api/categories/list/>);
//! - `GET /v1/collections/{id}/articles?page=N&status=all` → `{"articles": {… "items"}}`,
//!   article references with `id` and `status`
//!   (<https://developer.helpscout.com/docs-api/articles/list/>);
//! - `GET /v1/articles/{id}` → `{"article": {"id", "name", "text" (HTML), "status"
//!   (`published` | `notpublished`), "publicUrl", "categories": [ids], "collectionId"}}`
//!   (<https://developer.helpscout.com/docs-api/articles/get/>).
//!
//! Help Scout articles carry no locale: every article gets `--locale`. A private
//! collection's articles are internal. A saved export is
//! `{"collections": […], "categories": […], "articles": [full articles…]}`.

use super::{id_text, items};
use crate::error::ImportError;
use crate::fetched::{item_id, typed, Body, Fetched, Malformed, SourceArticle, Visibility};
use crate::http::Api;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Article {
    name: String,
    text: Option<String>,
    status: String,
    public_url: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    collection_id: Option<String>,
}

#[derive(Debug, Default)]
struct Places {
    categories: HashMap<String, String>,
    collections: HashMap<String, String>,
    private: HashSet<String>,
}

impl Places {
    fn add_collections(&mut self, collections: &[serde_json::Value]) {
        for c in collections {
            let (Some(id), Some(name)) = (
                c.get("id").and_then(id_text),
                c.get("name").and_then(|n| n.as_str()),
            ) else {
                continue;
            };
            if c.get("visibility").and_then(|v| v.as_str()) == Some("private") {
                self.private.insert(id.clone());
            }
            self.collections.insert(id, name.to_string());
        }
    }

    fn add_categories(&mut self, categories: &[serde_json::Value]) {
        for c in categories {
            if let (Some(id), Some(name)) = (
                c.get("id").and_then(id_text),
                c.get("name").and_then(|n| n.as_str()),
            ) {
                self.categories.insert(id, name.to_string());
            }
        }
    }
}

fn read_article(
    item: &serde_json::Value,
    places: &Places,
    locale: &str,
) -> Result<Vec<SourceArticle>, String> {
    let source_id = item.get("id").and_then(id_text).ok_or("no `id`")?;
    let article: Article = typed(item)?;
    if article.name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    let collection = article.collection_id.as_deref().unwrap_or_default();
    let mut tags: Vec<String> = places
        .collections
        .get(collection)
        .cloned()
        .into_iter()
        .collect();
    tags.extend(
        article
            .categories
            .iter()
            .filter_map(|c| places.categories.get(c).cloned()),
    );
    let visibility = if article.status != "published" {
        Visibility::Draft
    } else if places.private.contains(collection) {
        Visibility::Internal
    } else {
        Visibility::Published
    };
    Ok(vec![SourceArticle {
        source_id,
        locale: locale.to_string(),
        title: article.name,
        body: Body::Html(article.text.unwrap_or_default()),
        url: article.public_url,
        tags,
        questions: Vec::new(),
        visibility,
    }])
}

/// Every item of a Help Scout list (`{"<key>": {"page", "pages", "items"}}`).
async fn all(api: &Api, path: &str, key: &str) -> Result<Vec<serde_json::Value>, ImportError> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut page_number = 1;
    loop {
        let page = api
            .get(&format!("{path}{separator}page={page_number}"))
            .await?;
        let Some(list) = page
            .json
            .pointer(&format!("/{key}/items"))
            .and_then(|v| v.as_array())
        else {
            return Err(ImportError::Shape {
                url: page.url,
                message: format!("no `{key}.items` list"),
            });
        };
        out.extend(list.iter().cloned());
        let pages = page
            .json
            .pointer(&format!("/{key}/pages"))
            .and_then(|v| v.as_u64())
            .unwrap_or(1);
        if page_number >= pages || list.is_empty() {
            return Ok(out);
        }
        page_number += 1;
    }
}

pub async fn fetch(api: &Api, locale: &str) -> Result<Fetched, ImportError> {
    let mut places = Places::default();
    let collections = all(api, "/v1/collections", "collections").await?;
    places.add_collections(&collections);
    let mut fetched = Fetched::default();
    let mut details = Vec::new();
    for collection in collections
        .iter()
        .filter_map(|c| c.get("id").and_then(id_text))
    {
        places.add_categories(
            &all(
                api,
                &format!("/v1/collections/{collection}/categories"),
                "categories",
            )
            .await?,
        );
        for reference in all(
            api,
            &format!("/v1/collections/{collection}/articles?status=all"),
            "articles",
        )
        .await?
        {
            let Some(id) = reference.get("id").and_then(id_text) else {
                fetched.malformed.push(Malformed {
                    source_id: item_id(&reference),
                    reason: "an article reference without `id`".into(),
                });
                continue;
            };
            match api.get(&format!("/v1/articles/{id}")).await {
                Ok(page) => match page.json.get("article") {
                    Some(article) => details.push(article.clone()),
                    None => fetched.malformed.push(Malformed {
                        source_id: id,
                        reason: "no `article` in the response".into(),
                    }),
                },
                Err(ImportError::Status { status, .. }) => fetched.malformed.push(Malformed {
                    source_id: id,
                    reason: format!("GET /v1/articles/{{id}} answered HTTP {status}"),
                }),
                Err(other) => return Err(other),
            }
        }
    }
    fetched.read_items(&details, |item| read_article(item, &places, locale));
    Ok(fetched)
}

pub fn from_export(json: &serde_json::Value, locale: &str) -> Fetched {
    let mut places = Places::default();
    places.add_collections(items(json, "collections"));
    places.add_categories(items(json, "categories"));
    let mut fetched = Fetched::default();
    fetched.read_items(items(json, "articles"), |item| {
        read_article(item, &places, locale)
    });
    fetched
}
