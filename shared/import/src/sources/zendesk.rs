//! Zendesk Help Center: articles with their sections, categories, labels and locales.
//!
//! API (<https://developer.zendesk.com/api-reference/help_center/help-center-api/articles/>):
//! - `GET /api/v2/help_center/locales` → `{"locales": ["en-us", "de"], "default_locale"}`
//!   (<https://developer.zendesk.com/api-reference/help_center/help-center-api/translations/#list-enabled-locales-and-default-locale>);
//! - `GET /api/v2/help_center/{locale}/articles`, `…/sections`, `…/categories`: lists under
//!   `articles` / `sections` / `categories`. We ask for cursor pagination
//!   (`page[size]=100`; Zendesk recommends it, and offset pagination stops at 100 pages):
//!   `meta.has_more` + `links.next`; an offset `next_page` is still followed when a mirror
//!   answers with it (<https://developer.zendesk.com/api-reference/introduction/pagination/>);
//! - an article: `id`, `title`, `body` (HTML), `locale`, `html_url`, `draft`, `section_id`,
//!   `label_names`, `user_segment_id` (set when only some signed-in users see it:
//!   internal here);
//! - authentication: Basic `{email}/token:{token}`
//!   (<https://developer.zendesk.com/api-reference/introduction/security-and-auth/>);
//! - rate limits: `429` with `Retry-After` seconds
//!   (<https://developer.zendesk.com/api-reference/introduction/rate-limits/>).
//!
//! A saved export is one JSON object `{"articles": […], "sections": […], "categories": […]}`
//! with the API's item shapes.

use super::{id_text, items};
use crate::error::ImportError;
use crate::fetched::{typed, Body, Fetched, SourceArticle, Visibility};
use crate::http::Api;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
struct Article {
    id: u64,
    title: String,
    body: Option<String>,
    locale: String,
    html_url: Option<String>,
    #[serde(default)]
    draft: bool,
    section_id: Option<u64>,
    #[serde(default)]
    label_names: Vec<String>,
    user_segment_id: Option<u64>,
    #[serde(default)]
    user_segment_ids: Vec<u64>,
}

/// Section and category names by id, for tags.
#[derive(Debug, Default)]
struct Places {
    sections: HashMap<String, (String, Option<String>)>,
    categories: HashMap<String, String>,
}

impl Places {
    fn read(sections: &[serde_json::Value], categories: &[serde_json::Value]) -> Places {
        let mut places = Places::default();
        for section in sections {
            if let (Some(id), Some(name)) = (
                section.get("id").and_then(id_text),
                section.get("name").and_then(|n| n.as_str()),
            ) {
                let category = section.get("category_id").and_then(id_text);
                places.sections.insert(id, (name.to_string(), category));
            }
        }
        for category in categories {
            if let (Some(id), Some(name)) = (
                category.get("id").and_then(id_text),
                category.get("name").and_then(|n| n.as_str()),
            ) {
                places.categories.insert(id, name.to_string());
            }
        }
        places
    }

    fn tags(&self, section_id: Option<u64>) -> Vec<String> {
        let Some((section, category)) =
            section_id.and_then(|id| self.sections.get(&id.to_string()))
        else {
            return Vec::new();
        };
        let mut tags: Vec<String> = category
            .as_ref()
            .and_then(|c| self.categories.get(c))
            .cloned()
            .into_iter()
            .collect();
        tags.push(section.clone());
        tags
    }
}

fn read_article(item: &serde_json::Value, places: &Places) -> Result<Vec<SourceArticle>, String> {
    let article: Article = typed(item)?;
    if article.title.trim().is_empty() {
        return Err("the title is empty".into());
    }
    let visibility = if article.draft {
        Visibility::Draft
    } else if article.user_segment_id.is_some() || !article.user_segment_ids.is_empty() {
        Visibility::Internal
    } else {
        Visibility::Published
    };
    let mut tags = places.tags(article.section_id);
    tags.extend(article.label_names);
    Ok(vec![SourceArticle {
        source_id: article.id.to_string(),
        locale: article.locale,
        title: article.title,
        body: Body::Html(article.body.unwrap_or_default()),
        url: article.html_url,
        tags,
        questions: Vec::new(),
        visibility,
    }])
}

/// The next page of a Zendesk list: cursor links first, then the offset `next_page`.
fn next_page(json: &serde_json::Value) -> Option<String> {
    let has_more = json.pointer("/meta/has_more").and_then(|v| v.as_bool());
    if let Some(next) = json.pointer("/links/next").and_then(|v| v.as_str()) {
        if has_more != Some(false) {
            return Some(next.to_string());
        }
    }
    json.get("next_page")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Every item under `key` across the pages starting at `path`.
async fn all(api: &Api, path: &str, key: &str) -> Result<Vec<serde_json::Value>, ImportError> {
    let mut out = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(at) = next.take() {
        let page = api.get(&at).await?;
        let Some(list) = page.json.get(key).and_then(|v| v.as_array()) else {
            return Err(ImportError::Shape {
                url: page.url,
                message: format!("no `{key}` list"),
            });
        };
        out.extend(list.iter().cloned());
        next = next_page(&page.json);
    }
    Ok(out)
}

/// Reads every article in every enabled locale.
pub async fn fetch(api: &Api) -> Result<Fetched, ImportError> {
    let locales = api.get("/api/v2/help_center/locales").await?;
    let mut codes: Vec<String> = items(&locales.json, "locales")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    let default = locales
        .json
        .get("default_locale")
        .and_then(|v| v.as_str())
        .unwrap_or("en-us")
        .to_string();
    // The default locale first: its articles are the originals, the others' translations.
    codes.retain(|code| *code != default);
    codes.insert(0, default.clone());
    let sections = all(
        api,
        &format!("/api/v2/help_center/{default}/sections?page[size]=100"),
        "sections",
    )
    .await?;
    let categories = all(
        api,
        &format!("/api/v2/help_center/{default}/categories?page[size]=100"),
        "categories",
    )
    .await?;
    let places = Places::read(&sections, &categories);
    let mut fetched = Fetched::default();
    for locale in codes {
        let articles = all(
            api,
            &format!("/api/v2/help_center/{locale}/articles?page[size]=100"),
            "articles",
        )
        .await?;
        fetched.read_items(&articles, |item| read_article(item, &places));
    }
    Ok(fetched)
}

/// Reads a saved export (see the module documentation).
pub fn from_export(json: &serde_json::Value) -> Fetched {
    let places = Places::read(items(json, "sections"), items(json, "categories"));
    let mut fetched = Fetched::default();
    fetched.read_items(items(json, "articles"), |item| read_article(item, &places));
    fetched
}

#[cfg(test)]
mod tests {
    use super::next_page;
    use serde_json::json;

    #[test]
    fn cursor_pages_end_when_has_more_is_false_even_with_a_next_link() {
        let more = json!({"meta": {"has_more": true, "after_cursor": "xyz"},
            "links": {"next": "https://s.zendesk.com/api/v2/help_center/en-us/articles.json?page[after]=xyz&page[size]=100"}});
        assert_eq!(
            next_page(&more).as_deref(),
            Some("https://s.zendesk.com/api/v2/help_center/en-us/articles.json?page[after]=xyz&page[size]=100")
        );
        let last = json!({"meta": {"has_more": false, "after_cursor": "abc"},
            "links": {"next": "https://s.zendesk.com/api/v2/help_center/en-us/articles.json?page[after]=abc&page[size]=100"}});
        assert_eq!(next_page(&last), None);
    }

    #[test]
    fn offset_pages_follow_next_page_until_null() {
        let more = json!({"next_page": "https://s.zendesk.com/api/v2/help_center/en-us/articles.json?page=2&per_page=100"});
        assert_eq!(
            next_page(&more).as_deref(),
            Some(
                "https://s.zendesk.com/api/v2/help_center/en-us/articles.json?page=2&per_page=100"
            )
        );
        assert_eq!(next_page(&json!({"next_page": null})), None);
    }
}
