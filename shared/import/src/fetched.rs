//! What a source hands over: articles in the source's terms, plus the items it could not
//! read (each named by its source id so the report can point at it).

/// Whether the source shows an article to customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Published,
    /// A draft or an unpublished article.
    Draft,
    /// Published only to agents or signed-in segments (internal).
    Internal,
}

/// An article body as the source gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Html(String),
    Markdown(String),
}

/// One article in one locale, as read from a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceArticle {
    /// The source's own id (with the locale, the article's stable identity).
    pub source_id: String,
    pub locale: String,
    pub title: String,
    pub body: Body,
    /// The article's public address at the source.
    pub url: Option<String>,
    /// Labels, section, category or collection names.
    pub tags: Vec<String>,
    /// Customer phrasings (the CSV `question` column).
    pub questions: Vec<String>,
    pub visibility: Visibility,
}

/// An item the source returned that could not be read; the import goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The source id when the item has one, otherwise where it was (e.g. `row 7`).
    pub source_id: String,
    pub reason: String,
}

/// Everything one run read from a source.
#[derive(Debug, Default)]
pub struct Fetched {
    pub articles: Vec<SourceArticle>,
    pub malformed: Vec<Malformed>,
}

impl Fetched {
    /// Reads each JSON item with `read`; an item that does not read becomes a
    /// [`Malformed`] named by its `id` field.
    pub fn read_items<F>(&mut self, items: &[serde_json::Value], mut read: F)
    where
        F: FnMut(&serde_json::Value) -> Result<Vec<SourceArticle>, String>,
    {
        for item in items {
            match read(item) {
                Ok(articles) => self.articles.extend(articles),
                Err(reason) => self.malformed.push(Malformed {
                    source_id: item_id(item),
                    reason,
                }),
            }
        }
    }
}

/// The `id` of a JSON item as text (`(no id)` when it has none).
pub fn item_id(item: &serde_json::Value) -> String {
    match item.get("id") {
        Some(serde_json::Value::String(id)) => id.clone(),
        Some(serde_json::Value::Number(id)) => id.to_string(),
        _ => "(no id)".to_string(),
    }
}

/// Deserializes one item, with the failing field in the message.
pub fn typed<T: serde::de::DeserializeOwned>(item: &serde_json::Value) -> Result<T, String> {
    T::deserialize(item).map_err(|e| e.to_string())
}
