//! What an answer template (an intent's answer, a saved reply) may use, and how such a
//! template is checked and rendered: Markdown with handlebars values, each value escaped
//! for where the text goes. An intent's answer becomes HTML in the widget, so its values
//! are HTML-escaped ([`answer_templates`]); a saved reply is sent as an agent's message,
//! which every surface shows as text and escapes itself (the widget, the dashboard, chat,
//! mail), so its values are inserted as typed ([`Markup::Text`]): `O'Brien` stays
//! `O'Brien`, not `O&#x27;Brien`.

use serde::Serialize;

use super::{Markup, TemplateError, Templates};
use crate::site_id::SiteId;

/// What the answer templates may use: `{{customer.name}}`, `{{site}}`, `{{page_url}}`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnswerContext {
    pub customer: serde_json::Map<String, serde_json::Value>,
    /// The site asked on (`None` when a template is rendered outside a conversation, as
    /// when an answer is checked at load; `{{site}}` is then empty).
    pub site: Option<SiteId>,
    pub page_url: Option<String>,
}

/// The registry answer templates are compiled and rendered in.
pub fn answer_templates() -> Templates {
    Templates::new(Markup::Html)
}

/// Whether `source` compiles as an answer template: the parser's message when not.
pub fn check_answer_template(source: &str) -> Result<(), String> {
    answer_templates()
        .add("check", source)
        .map_err(|error| match error {
            TemplateError::Invalid { message, .. } => message,
            other => other.to_string(),
        })
}

/// Renders the answer template `source` with `context`, values escaped for `markup`.
pub fn render_answer(
    source: &str,
    context: &AnswerContext,
    markup: Markup,
) -> Result<String, TemplateError> {
    Templates::new(markup).render_str(source, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_greets_by_name_escaped_for_where_it_goes() {
        let mut customer = serde_json::Map::new();
        customer.insert("name".into(), "Sam <b>".into());
        let context = AnswerContext {
            customer,
            site: Some(SiteId::parse("shop").expect("a site id")),
            page_url: None,
        };
        let template = "Hi {{customer.name}}, **30 days** on {{site}}.";
        let html = render_answer(template, &context, Markup::Html).expect("renders");
        assert_eq!(html, "Hi Sam &lt;b&gt;, **30 days** on shop.");
        let text = render_answer(template, &context, Markup::Text).expect("renders");
        assert_eq!(text, "Hi Sam <b>, **30 days** on shop.");
        assert!(check_answer_template("{{#if customer.name}}open").is_err());
        assert!(check_answer_template("Hi {{customer.name}}").is_ok());
    }
}
