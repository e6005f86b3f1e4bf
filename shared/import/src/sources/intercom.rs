//! Intercom Help Center: articles (each translation its own locale) and collections.
//!
//! API (version header `Intercom-Version: 2.11`, `Authorization: Bearer <token>`):
//! - `GET /articles?page=N&per_page=M`
//!   (<https://developers.intercom.com/docs/references/rest-api/api.intercom.io/articles/listarticles>):
//!   `{"type": "list", "data": […], "pages": {"page", "per_page", "total_pages", "next"?}}`;
//!   an article has `id`, `title`, `body` (HTML), `state` (`published` | `draft`), `url`,
//!   `parent_id` (its collection), `default_locale` and `translated_content`
//!   (`{"type": "article_translated_content", "<locale>": {"title", "body", "state", "url"}}`);
//! - `GET /help_center/collections`
//!   (<https://developers.intercom.com/docs/references/rest-api/api.intercom.io/help-center/listallcollections>):
//!   the same list shape, items with `id` and `name`;
//! - rate limits: `429`
//!   (<https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting>).
//!
//! A saved export is `{"data": [articles…], "collections": [collections…]}`.

use super::{id_text, items};
use crate::error::ImportError;
use crate::fetched::{typed, Body, Fetched, SourceArticle, Visibility};
use crate::http::Api;
use serde::Deserialize;
use std::collections::HashMap;

pub const API_VERSION: &str = "2.11";

#[derive(Debug, Deserialize)]
struct Content {
    title: String,
    body: Option<String>,
    state: String,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Article {
    #[serde(flatten)]
    content: Content,
    parent_id: Option<serde_json::Value>,
    default_locale: Option<String>,
    #[serde(default)]
    translated_content: serde_json::Map<String, serde_json::Value>,
}

fn read_article(
    item: &serde_json::Value,
    collections: &HashMap<String, String>,
) -> Result<Vec<SourceArticle>, String> {
    let source_id = item.get("id").and_then(id_text).ok_or("no `id`")?;
    let article: Article = typed(item)?;
    let tags: Vec<String> = article
        .parent_id
        .as_ref()
        .and_then(id_text)
        .and_then(|id| collections.get(&id).cloned())
        .into_iter()
        .collect();
    let mut versions: Vec<(String, Content)> = Vec::new();
    for (locale, content) in &article.translated_content {
        if locale == "type" || content.is_null() {
            continue;
        }
        let content: Content =
            typed(content).map_err(|e| format!("translated_content.{locale}: {e}"))?;
        versions.push((locale.clone(), content));
    }
    if versions.is_empty() {
        let locale = article.default_locale.unwrap_or_else(|| "en".into());
        versions.push((locale, article.content));
    } else if let Some(default) = &article.default_locale {
        // The default locale's version first: it is the original, the others translations.
        versions.sort_by_key(|(locale, _)| locale != default);
    }
    versions
        .into_iter()
        .map(|(locale, content)| {
            if content.title.trim().is_empty() {
                return Err(format!("the {locale} title is empty"));
            }
            Ok(SourceArticle {
                source_id: source_id.clone(),
                locale,
                title: content.title,
                body: Body::Html(content.body.unwrap_or_default()),
                url: content.url,
                tags: tags.clone(),
                questions: Vec::new(),
                visibility: if content.state == "published" {
                    Visibility::Published
                } else {
                    Visibility::Draft
                },
            })
        })
        .collect()
}

/// Every item of a list endpoint, following `pages.next` (a URL, or an object with
/// `starting_after`) or else `page` < `total_pages`.
async fn all(api: &Api, path: &str) -> Result<Vec<serde_json::Value>, ImportError> {
    let mut out = Vec::new();
    let mut next = Some(format!("{path}?page=1&per_page=50"));
    while let Some(at) = next.take() {
        let page = api.get(&at).await?;
        let Some(list) = page.json.get("data").and_then(|v| v.as_array()) else {
            return Err(ImportError::Shape {
                url: page.url,
                message: "no `data` list".into(),
            });
        };
        out.extend(list.iter().cloned());
        let pages = page.json.get("pages");
        let number = |key: &str| pages.and_then(|p| p.get(key)).and_then(|v| v.as_u64());
        next = match pages.and_then(|p| p.get("next")) {
            Some(serde_json::Value::String(url)) => Some(url.clone()),
            Some(serde_json::Value::Object(cursor)) => cursor
                .get("starting_after")
                .and_then(|v| v.as_str())
                .map(|after| format!("{path}?per_page=50&starting_after={after}")),
            _ => match (number("page"), number("total_pages")) {
                (Some(page), Some(total)) if page < total && !list.is_empty() => {
                    Some(format!("{path}?page={}&per_page=50", page + 1))
                }
                _ => None,
            },
        };
    }
    Ok(out)
}

fn collection_names(collections: &[serde_json::Value]) -> HashMap<String, String> {
    collections
        .iter()
        .filter_map(|c| {
            let id = c.get("id").and_then(id_text)?;
            let name = c.get("name")?.as_str()?;
            Some((id, name.to_string()))
        })
        .collect()
}

pub async fn fetch(api: &Api) -> Result<Fetched, ImportError> {
    let collections = collection_names(&all(api, "/help_center/collections").await?);
    let articles = all(api, "/articles").await?;
    let mut fetched = Fetched::default();
    fetched.read_items(&articles, |item| read_article(item, &collections));
    Ok(fetched)
}

pub fn from_export(json: &serde_json::Value) -> Fetched {
    let collections = collection_names(items(json, "collections"));
    let mut fetched = Fetched::default();
    fetched.read_items(items(json, "data"), |item| read_article(item, &collections));
    fetched
}
