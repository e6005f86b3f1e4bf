//! Freshdesk solutions: articles of every folder of every category.
//!
//! API v2 (<https://developers.freshdesk.com/api/#solutions>; Basic auth with the API key
//! as user and `X` as password):
//! - `GET /api/v2/solutions/categories` → `[{"id", "name", …}]`;
//! - `GET /api/v2/solutions/categories/{id}/folders` → `[{"id", "name", "visibility"}]`,
//!   visibility 1 = all users (anything else is internal here);
//! - `GET /api/v2/solutions/folders/{id}/articles?page=N&per_page=M` → `[{"id", "title",
//!   "description" (HTML), "status" (1 draft, 2 published), "tags", …}]`;
//! - translations (multilingual portals): `GET /api/v2/solutions/folders/{id}/articles/{language_code}`
//!   lists a folder's articles in that language, with the same ids and shapes
//!   (<https://developers.freshdesk.com/api/#solution_article_attributes>, "List all
//!   Solution Articles in a Solution Folder" with a language code); `404` when the folder
//!   has no translation in it;
//! - the portal's languages: `GET /api/v2/settings/helpdesk` → `{"primary_language",
//!   "supported_languages", "portal_languages"}`
//!   (<https://developers.freshdesk.com/api/#view_helpdesk_settings>); `portal_languages`
//!   are the translations customers see;
//! - pagination: `Link: <…>; rel="next"` (<https://developers.freshdesk.com/api/#pagination>);
//! - rate limits: `429` with `Retry-After` (<https://developers.freshdesk.com/api/#ratelimit>).
//!
//! Articles in the primary language get `--locale` (default: the portal's
//! `primary_language`, else `en`) and the public address
//! `<portal>/support/solutions/articles/<id>`; a translation gets its language code and
//! `<portal>/<code>/support/solutions/articles/<id>`. When the helpdesk settings cannot be
//! read (an agent key without the right, or an older plan: `403`/`404`), only the primary
//! language is imported. A saved export is
//! `{"categories": [{…, "folders": [{…, "articles": […], "translations": {"de": […]}}]}]}`
//! (`translations` optional).

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

/// The language an article list is in, and where the portal shows it.
struct Language<'a> {
    locale: &'a str,
    /// `None` for the primary language (no prefix in the portal's paths).
    path_prefix: Option<&'a str>,
}

impl Language<'_> {
    fn article_url(&self, portal: &str, id: u64) -> String {
        match self.path_prefix {
            Some(code) => format!("{portal}/{code}/support/solutions/articles/{id}"),
            None => format!("{portal}/support/solutions/articles/{id}"),
        }
    }
}

fn read_article(
    item: &serde_json::Value,
    place: &Place<'_>,
    language: &Language<'_>,
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
        locale: language.locale.to_string(),
        title: article.title,
        body: Body::Html(article.description.unwrap_or_default()),
        url: portal.map(|p| language.article_url(p, article.id)),
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

/// The portal's languages from its helpdesk settings: `(primary, translations)`, or `None`
/// when the key may not read them.
async fn portal_languages(api: &Api) -> Result<Option<(String, Vec<String>)>, ImportError> {
    let settings = match api.get("/api/v2/settings/helpdesk").await {
        Ok(page) => page.json,
        Err(ImportError::Status {
            status: 403 | 404, ..
        }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let primary = settings
        .get("primary_language")
        .and_then(|v| v.as_str())
        .unwrap_or("en")
        .to_string();
    let translations = items(&settings, "portal_languages")
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|code| *code != primary)
        .map(str::to_string)
        .collect();
    Ok(Some((primary, translations)))
}

/// Reads every folder's articles in the primary language (`locale`, or the portal's) and in
/// each language the portal shows.
pub async fn fetch(api: &Api, locale: Option<&str>, portal: &str) -> Result<Fetched, ImportError> {
    let (primary, translations) = match portal_languages(api).await? {
        Some((primary, translations)) => (locale.map_or(primary, str::to_string), translations),
        None => (locale.unwrap_or("en").to_string(), Vec::new()),
    };
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
            let place = place(&category, &folder);
            let articles = all(
                api,
                &format!("/api/v2/solutions/folders/{folder_id}/articles?per_page=100"),
            )
            .await?;
            let language = Language {
                locale: &primary,
                path_prefix: None,
            };
            fetched.read_items(&articles, |item| {
                read_article(item, &place, &language, Some(portal))
            });
            for code in &translations {
                let path =
                    format!("/api/v2/solutions/folders/{folder_id}/articles/{code}?per_page=100");
                let articles = match all(api, &path).await {
                    Ok(articles) => articles,
                    Err(ImportError::Status { status: 404, .. }) => continue,
                    Err(other) => return Err(other),
                };
                let language = Language {
                    locale: code,
                    path_prefix: Some(code),
                };
                fetched.read_items(&articles, |item| {
                    read_article(item, &place, &language, Some(portal))
                });
            }
        }
    }
    Ok(fetched)
}

pub fn from_export(json: &serde_json::Value, locale: &str, portal: Option<&str>) -> Fetched {
    let mut fetched = Fetched::default();
    for category in items(json, "categories") {
        for folder in items(category, "folders") {
            let place = place(category, folder);
            let language = Language {
                locale,
                path_prefix: None,
            };
            fetched.read_items(items(folder, "articles"), |item| {
                read_article(item, &place, &language, portal)
            });
            let translations = folder.get("translations").and_then(|t| t.as_object());
            for (code, articles) in translations.into_iter().flatten() {
                let Some(articles) = articles.as_array() else {
                    continue;
                };
                let language = Language {
                    locale: code,
                    path_prefix: Some(code),
                };
                fetched.read_items(articles, |item| {
                    read_article(item, &place, &language, portal)
                });
            }
        }
    }
    fetched
}
