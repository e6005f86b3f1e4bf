//! HTML → Markdown (the `htmd` crate: headings, lists, GFM tables, links, images), with
//! links that point at another imported article rewritten to that article's new id.

use htmd::element_handler::Handlers;
use htmd::{Element, HtmlToMarkdown};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Where links to imported articles go: by the source's article URL and by source id.
#[derive(Debug, Default)]
pub struct LinkMap {
    /// Article URL at the source (no query, fragment or trailing `/`) → new id.
    by_url: HashMap<String, String>,
    /// Source id → `(locale, new id)` for every locale imported.
    by_source_id: HashMap<String, Vec<(String, String)>>,
    /// Prefix of a rewritten link: the new id follows, then `.md` when the prefix is empty
    /// (a link to the sibling file).
    link_base: String,
}

impl LinkMap {
    pub fn new(link_base: &str) -> LinkMap {
        LinkMap {
            link_base: link_base.to_string(),
            ..LinkMap::default()
        }
    }

    /// Registers an imported article.
    pub fn add(&mut self, source_id: &str, locale: &str, url: Option<&str>, id: &str) {
        if let Some(url) = url {
            self.by_url
                .insert(normalized(url).to_string(), id.to_string());
        }
        let entries = self.by_source_id.entry(source_id.to_string()).or_default();
        entries.push((locale.to_string(), id.to_string()));
        entries.sort();
    }

    /// The new link for `href`, when it points at an imported article: the same URL, or a
    /// path whose segment after `articles`/`article` starts with a source id (Zendesk
    /// `/hc/de/articles/123-Title`, Freshdesk `/support/solutions/articles/123`,
    /// Help Scout `/article/12-title`). The locale named in the path is preferred, then
    /// `from_locale` (the linking article's own: a Freshdesk link without a language in
    /// its path goes to the same language's article).
    pub fn rewrite(&self, href: &str, from_locale: &str) -> Option<String> {
        let target = normalized(href);
        let id = match self.by_url.get(target) {
            Some(id) => id.clone(),
            None => self.by_path(target, from_locale)?,
        };
        Some(if self.link_base.is_empty() {
            format!("{id}.md")
        } else {
            format!("{}{id}", self.link_base)
        })
    }

    fn by_path(&self, target: &str, from_locale: &str) -> Option<String> {
        let segments: Vec<&str> = target.split('/').collect();
        let at = segments
            .iter()
            .position(|s| *s == "articles" || *s == "article")?;
        let next = segments.get(at + 1)?;
        let source_id = next.split('-').next().filter(|s| !s.is_empty())?;
        let entries = self.by_source_id.get(source_id)?;
        let in_path = entries.iter().find(|(locale, _)| {
            segments[..at]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(locale))
        });
        let same_language = || {
            entries
                .iter()
                .find(|(locale, _)| locale.eq_ignore_ascii_case(from_locale))
        };
        in_path
            .or_else(same_language)
            .or(entries.first())
            .map(|(_, id)| id.clone())
    }
}

fn normalized(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url[..end].trim_end_matches('/')
}

/// Converts article bodies; built once per run, after every article's id is known.
pub struct Converter {
    inner: HtmlToMarkdown,
    /// The locale of the article being converted, read by the link handler.
    locale: Arc<Mutex<String>>,
}

impl std::fmt::Debug for Converter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Converter")
    }
}

impl Converter {
    pub fn new(links: Arc<LinkMap>) -> Converter {
        let locale = Arc::new(Mutex::new(String::new()));
        let converting = Arc::clone(&locale);
        let inner = HtmlToMarkdown::builder()
            .skip_tags(vec!["script", "style", "iframe", "object", "embed", "form"])
            .add_handler(
                vec!["a"],
                move |handlers: &dyn Handlers, element: Element| {
                    let href = element
                        .attrs
                        .iter()
                        .find(|a| &*a.name.local == "href")
                        .and_then(|a| {
                            let from = converting.lock().unwrap_or_else(|e| e.into_inner());
                            links.rewrite(&a.value, &from)
                        });
                    match href {
                        None => handlers.fallback(element),
                        Some(new) => {
                            let attrs: Vec<_> = element
                                .attrs
                                .iter()
                                .map(|a| {
                                    let mut a = a.clone();
                                    if &*a.name.local == "href" {
                                        a.value = new.as_str().into();
                                    }
                                    a
                                })
                                .collect();
                            let mut element = element;
                            element.attrs = &attrs;
                            handlers.fallback(element)
                        }
                    }
                },
            )
            .build();
        Converter { inner, locale }
    }

    /// The Markdown for `html`, an article in `locale` (empty when the HTML has no
    /// content).
    pub fn markdown(&self, html: &str, locale: &str) -> String {
        *self.locale.lock().unwrap_or_else(|e| e.into_inner()) = locale.to_string();
        self.inner.convert(html).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_structure_and_rewrites_links_between_articles() {
        let mut links = LinkMap::new("");
        links.add(
            "42",
            "en-us",
            Some("https://s.zendesk.com/hc/en-us/articles/42-Returns"),
            "zendesk-42-en-us",
        );
        links.add("42", "de", None, "zendesk-42-de");
        let converter = Converter::new(Arc::new(links));
        let html = "<h2>Steps</h2><ol><li>One</li><li>Two</li></ol>\
            <table><thead><tr><th>Zone</th><th>Days</th></tr></thead><tbody><tr><td>EU</td><td>3</td></tr></tbody></table>\
            <p>See <a href=\"https://s.zendesk.com/hc/en-us/articles/42-Returns#x\">returns</a>, \
            <a href=\"/hc/de/articles/42\">Rückgabe</a> and <a href=\"https://other.example/\">other</a>.</p>\
            <p><img src=\"https://cdn.example/a.png\" alt=\"box\"></p><script>alert(1)</script>";
        let md = converter.markdown(html, "en-us");
        assert!(md.contains("## Steps"), "{md}");
        assert!(md.contains("1.  One"), "{md}");
        assert!(md.contains("| Zone | Days |"), "{md}");
        assert!(md.contains("| EU   | 3    |"), "{md}");
        assert!(md.contains("[returns](zendesk-42-en-us.md)"), "{md}");
        assert!(md.contains("[Rückgabe](zendesk-42-de.md)"), "{md}");
        assert!(md.contains("[other](https://other.example/)"), "{md}");
        assert!(md.contains("![box](https://cdn.example/a.png)"), "{md}");
        assert!(!md.contains("alert"), "{md}");
    }

    #[test]
    fn a_link_without_a_language_goes_to_the_linking_articles_language() {
        let mut links = LinkMap::new("");
        links.add("7", "de", None, "freshdesk-7-de");
        links.add("7", "en", None, "freshdesk-7-en");
        let converter = Converter::new(Arc::new(links));
        let html =
            "<a href=\"https://shop.freshdesk.com/support/solutions/articles/7-warranty\">w</a>";
        assert_eq!(converter.markdown(html, "en"), "[w](freshdesk-7-en.md)");
        assert_eq!(converter.markdown(html, "de"), "[w](freshdesk-7-de.md)");
        let german_path =
            "<a href=\"https://shop.freshdesk.com/de/support/solutions/articles/7\">w</a>";
        assert_eq!(
            converter.markdown(german_path, "en"),
            "[w](freshdesk-7-de.md)"
        );
    }
}
