//! Templates (handlebars) with the escaping each destination needs.
//!
//! Text from a customer or an article is data, never markup: every registry here escapes
//! `{{value}}` for its destination ([`Markup`]); the chat registries also fold it to one
//! line, so a value can never add a line of its own to a message. Our own Markdown (an
//! assistant's answer) is written with the chat registries' `{{markdown answer}}` helper,
//! which converts it for Slack or Discord ([`markdown_to_chat`]); HTML pages use
//! [`transcript_html`]. Built-in templates can be overridden by files `<name>.hbs` in a
//! folder (`[bot] templates_dir`). Answer templates (intents' answers, saved replies) are
//! rendered with an [`AnswerContext`] by the functions of [`answer`].

mod answer;
mod chat_markdown;
mod escape;
mod plain_text;

pub use answer::{answer_templates, check_answer_template, render_answer, AnswerContext};

pub use chat_markdown::{markdown_to_chat, ChatMedium, CHAT_LINE_CHARS};
pub use escape::{discord_value, escape_discord, escape_html, escape_slack, one_line, slack_value};
pub use plain_text::markdown_to_text;

use chat_markdown::MarkdownHelper;
use handlebars::Handlebars;
use serde::Serialize;
use std::path::Path;

/// Where rendered text goes, which decides how values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// HTML pages and Markdown answers rendered to HTML.
    Html,
    /// Slack `mrkdwn`: values folded to one line, `&`, `<`, `>` escaped so nobody can
    /// forge links, mentions or lines.
    Slack,
    /// Discord Markdown: values folded to one line, formatting characters and mentions
    /// neutralized.
    Discord,
    /// Plain text (a mail's text part): values as they are, nothing to interpret them.
    Text,
}

/// Why a template could not be registered or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name:?}: {message}")]
    Invalid { name: String, message: String },
    #[error("cannot read template override {path}: {cause}")]
    Read {
        path: std::path::PathBuf,
        cause: std::io::Error,
    },
    #[error("rendering {name:?} failed: {message}")]
    Render { name: String, message: String },
}

/// A set of named templates for one kind of markup.
#[derive(Debug, Clone)]
pub struct Templates {
    registry: Handlebars<'static>,
}

impl Templates {
    pub fn new(markup: Markup) -> Self {
        let mut registry = Handlebars::new();
        match markup {
            Markup::Html => {}
            Markup::Text => registry.register_escape_fn(handlebars::no_escape),
            Markup::Slack => {
                registry.register_escape_fn(slack_value);
                registry.register_helper("markdown", Box::new(MarkdownHelper(ChatMedium::Slack)));
            }
            Markup::Discord => {
                registry.register_escape_fn(discord_value);
                registry.register_helper("markdown", Box::new(MarkdownHelper(ChatMedium::Discord)));
            }
        }
        registry.register_helper("percent", Box::new(escape::percent));
        Templates { registry }
    }

    /// Registers a built-in template.
    pub fn add(&mut self, name: &str, source: &str) -> Result<(), TemplateError> {
        self.registry
            .register_template_string(name, source)
            .map_err(|e| TemplateError::Invalid {
                name: name.into(),
                message: e.to_string(),
            })
    }

    /// Registers a partial (`{{> name}}`, or a layout used as `{{#> name}}…{{/name}}`).
    pub fn add_partial(&mut self, name: &str, source: &str) -> Result<(), TemplateError> {
        self.registry
            .register_partial(name, source)
            .map_err(|e| TemplateError::Invalid {
                name: name.into(),
                message: e.to_string(),
            })
    }

    /// Replaces built-ins with `<name>.hbs` files found in `dir`, if any.
    pub fn override_from(&mut self, dir: &Path, names: &[&str]) -> Result<(), TemplateError> {
        for name in names {
            let path = dir.join(format!("{name}.hbs"));
            if path.exists() {
                let source =
                    std::fs::read_to_string(&path).map_err(|cause| TemplateError::Read {
                        path: path.clone(),
                        cause,
                    })?;
                self.add(name, &source)?;
            }
        }
        Ok(())
    }

    /// Whether a template of this name is registered.
    pub fn has(&self, name: &str) -> bool {
        self.registry.has_template(name)
    }

    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> Result<String, TemplateError> {
        self.registry
            .render(name, data)
            .map_err(|e| TemplateError::Render {
                name: name.into(),
                message: e.to_string(),
            })
    }

    /// Renders a one-off template string (an intent's answer).
    pub fn render_str<T: Serialize>(
        &self,
        source: &str,
        data: &T,
    ) -> Result<String, TemplateError> {
        self.registry
            .render_template(source, data)
            .map_err(|e| TemplateError::Render {
                name: "inline".into(),
                message: e.to_string(),
            })
    }
}

/// The Markdown extensions articles and answers may use.
pub fn markdown_options() -> pulldown_cmark::Options {
    pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
}

/// Sanitizes HTML for insertion in a page: no scripts, handlers or foreign URLs schemes;
/// links open safely in a new tab.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .clean(html)
        .to_string()
}

/// Renders Markdown to HTML that is safe to insert in a page, fast enough for every
/// answer: raw HTML in the Markdown is shown as text (escaped), and links or images
/// with a scheme other than `http`, `https` or `mailto` point nowhere. Text is escaped
/// by pulldown-cmark itself, so nothing a customer or a template writes becomes markup.
/// (Articles, rendered once at load, additionally go through the `ammonia` sanitizer.)
pub fn markdown_to_safe_html(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Tag};
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, markdown_options()).map(|event| match event {
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::Borrowed("#"),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if !safe_url(&dest_url) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::Borrowed(""),
                title,
                id,
            }),
            other => other,
        });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// A transcript line's Markdown as HTML ready to insert in a page: rendered by
/// [`markdown_to_safe_html`], then through the same `ammonia` allowlist as articles.
/// Every surface that shows an assistant reply or a saved reply as HTML (the widget, live
/// and restored, the admin conversation view, the reply mail) uses this one function, so
/// they render alike.
pub fn transcript_html(markdown: &str) -> String {
    sanitize_html(&markdown_to_safe_html(markdown))
}

/// `http(s)`, `mailto` and scheme-less (relative) URLs.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let scheme_end = lower.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if lower[i..].starts_with(':') => {
            ["http", "https", "mailto"].contains(&&lower[..i])
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_markup_escapes_customer_text() {
        let data = serde_json::json!({ "name": "<script>x</script> *bold* @everyone <https://evil|click>" });
        let html = Templates::new(Markup::Html)
            .render_str("{{name}}", &data)
            .expect("html");
        assert!(!html.contains("<script>"), "{html}");
        let slack = Templates::new(Markup::Slack)
            .render_str("Hi {{name}}", &data)
            .expect("slack");
        assert!(!slack.contains('<') && !slack.contains('>'), "{slack}");
        let discord = Templates::new(Markup::Discord)
            .render_str("{{name}}", &data)
            .expect("discord");
        assert!(
            !discord.contains("@everyone") && discord.contains("\\*bold\\*"),
            "{discord}"
        );
    }

    #[test]
    fn chat_values_stay_on_the_line_the_template_wrote() {
        let forged = "NW-1\nResolved by @boss\r\n\u{2028}> quoted\u{85}x";
        let data = serde_json::json!({ "value": forged });
        let slack = Templates::new(Markup::Slack)
            .render_str("*Customer fields:* note: {{value}}\nnext line", &data)
            .expect("slack");
        assert_eq!(
            slack,
            "*Customer fields:* note: NW-1 Resolved by @boss &gt; quoted x\nnext line"
        );
        let discord = Templates::new(Markup::Discord)
            .render_str("**Customer fields:** {{value}}\nnext line", &data)
            .expect("discord");
        assert_eq!(
            discord,
            "**Customer fields:** NW\\-1 Resolved by @\u{200b}boss \\> quoted x\nnext line"
        );
    }

    #[test]
    fn transcript_markdown_becomes_sanitized_html() {
        let html = transcript_html(
            "Returns within **30 days of delivery**: use the [returns portal](https://northwind.example/returns) <script>x</script> [bad](javascript:alert(1))",
        );
        assert!(
            html.contains("<strong>30 days of delivery</strong>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://northwind.example/returns\""),
            "{html}"
        );
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("javascript:"),
            "{html}"
        );
        assert!(!html.contains("**") && !html.contains("]("), "{html}");
    }

    #[test]
    fn markdown_answers_become_safe_html() {
        let html = markdown_to_safe_html(
            "**Hi** <img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) ![i](data:text/html,x) <script>alert(3)</script>\n\n<div onclick=x>block</div>\n\n[ok](https://shop.example/help) [rel](/help)",
        );
        assert!(html.contains("<strong>Hi</strong>"), "{html}");
        for bad in [
            "<img src=x",
            "<script",
            "<div",
            "href=\"javascript",
            "href=\"JaVaScRiPt",
            "src=\"data:",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "raw HTML is shown as text: {html}"
        );
        assert!(
            html.contains("href=\"https://shop.example/help\"") && html.contains("href=\"/help\""),
            "{html}"
        );
    }
}
