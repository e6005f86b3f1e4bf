//! Freshdesk solutions: articles of every folder of every category.
//!
//! API v2 (<https://developers.freshdesk.com/api/#solutions>; Basic auth with the API key
//! as user and `X` as password):
//! - `GET /api/v2/solutions/categories` → `[{"id", "name", …}]`;
//! - `GET /api/v2/solutions/categories/{id}/folders` → `[{"id", "name", "visibility"}]`,
//!   visibility 1 = all users (anything else is internal here);
//! - `GET /api/v2/solutions/folders/{id}/articles?page=N&per_page=M` → `[{"id", "title",
//!   "description" (HTML), "status" (1 draft, 2 published), "tags", …}]`;
//! - pagination: `Link: <…>; rel="next"` (<https://developers.freshdesk.com/api/#pagination>);
//! - rate limits: `429` with `Retry-After` (<https://developers.freshdesk.com/api/#ratelimit>).
//!
//! Articles get `--locale` (the portal's primary language) and the public address
//! `<portal>/support/solutions/articles/<id>`. A saved export is
//! `{"categories": [{…, "folders": [{…, "articles": […]}]}]}`.

use super::items;
use crate::error::ImportError;
use crate::fetched::{typed, Body, Fetched, SourceArticle, Visibility};
use crate::http::Api;
use serde::Deserialize;

/// `https://<domain>.freshdesk.com` for a bare name, `https://<domain>` for a host name.
pub fn portal_url(domain: &str) -> String {
    if domain.contains("://") {
        domain.trim_end_matches('/').to_string()
    } else if domain.contains('.') {
        format!("https://{domain}")
    } else {
        format!("https://{domain}.freshdesk.com")
    }
}

#[derive(Debug, Deserialize)]
struct Article {
    id: u64,
    title: String,
    description: Option<String>,
    status: u8,
    #[serde(default)]
    tags: Vec<String>,
}

/// Where an article sits: names for tags, and whether its folder is public.
struct Place<'a> {
    category: &'a str,
    folder: &'a str,
    public: bool,
}

fn place<'a>(category: &'a serde_json::Value, folder: &'a serde_json::Value) -> Place<'a> {
    Place {
        category: category
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default(),
        folder: folder
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default(),
        public: folder
            .get("visibility")
            .and_then(|v| v.as_u64())
            .unwrap_or(1)
            == 1,
    }
}

fn read_article(
    item: &serde_json::Value,
    place: &Place<'_>,
    locale: &str,
    portal: Option<&str>,
) -> Result<Vec<SourceArticle>, String> {
    let article: Article = typed(item)?;
    if article.title.trim().is_empty() {
        return Err("the title is empty".into());
    }
    let mut tags: Vec<String> = [place.category, place.folder]
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    tags.extend(article.tags);
    Ok(vec![SourceArticle {
        source_id: article.id.to_string(),
        locale: locale.to_string(),
        title: article.title,
        body: Body::Html(article.description.unwrap_or_default()),
        url: portal.map(|p| format!("{p}/support/solutions/articles/{}", article.id)),
        tags,
        questions: Vec::new(),
        visibility: match (article.status, place.public) {
            (2, true) => Visibility::Published,
            (2, false) => Visibility::Internal,
            _ => Visibility::Draft,
        },
    }])
}

/// Every element of a paginated array endpoint, following `Link: rel="next"`.
async fn all(api: &Api, path: &str) -> Result<Vec<serde_json::Value>, ImportError> {
    let mut out = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(at) = next.take() {
        let page = api.get(&at).await?;
        let Some(list) = page.json.as_array() else {
            return Err(ImportError::Shape {
                url: page.url,
                message: "expected a JSON array".into(),
            });
        };
        out.extend(list.iter().cloned());
        next = page.next_link;
    }
    Ok(out)
}

fn id(value: &serde_json::Value) -> Option<u64> {
    value.get("id").and_then(|v| v.as_u64())
}

pub async fn fetch(api: &Api, locale: &str, portal: &str) -> Result<Fetched, ImportError> {
    let mut fetched = Fetched::default();
    for category in all(api, "/api/v2/solutions/categories").await? {
        let Some(category_id) = id(&category) else {
            continue;
        };
        for folder in all(
            api,
            &format!("/api/v2/solutions/categories/{category_id}/folders"),
        )
        .await?
        {
            let Some(folder_id) = id(&folder) else {
                continue;
            };
            let articles = all(
                api,
                &format!("/api/v2/solutions/folders/{folder_id}/articles?per_page=100"),
            )
            .await?;
            let place = place(&category, &folder);
            fetched.read_items(&articles, |item| {
                read_article(item, &place, locale, Some(portal))
            });
        }
    }
    Ok(fetched)
}

pub fn from_export(json: &serde_json::Value, locale: &str, portal: Option<&str>) -> Fetched {
    let mut fetched = Fetched::default();
    for category in items(json, "categories") {
        for folder in items(category, "folders") {
            let place = place(category, folder);
            fetched.read_items(items(folder, "articles"), |item| {
                read_article(item, &place, locale, portal)
            });
        }
    }
    fetched
}
