//! The mail templates: built in (English, and German for sites with `locale = "de"`, like
//! the widget's bundled strings), overridable from `[bot] templates_dir`, and localizable
//! per site locale.
//!
//! Each mail has three templates: `mail.<mail>.subject`, `mail.<mail>.text` (the plain
//! text part) and `mail.<mail>.html` (the HTML part), for `<mail>` = `receipt` or
//! `resolved`. A file `mail.<mail>.<part>.hbs` in `templates_dir` replaces the built-in
//! one (for every locale without its own file); a file `mail.<mail>.<part>.<locale>.hbs` (e.g. `mail.receipt.text.de.hbs`) is used
//! for sites whose `locale` is that locale. Data: [`MailView`](super::view::MailView).

use std::path::Path;

use frontline_shared::contracts::outbox::MailKind;
use frontline_shared::templates::{Markup, TemplateError, Templates};
use serde::Serialize;

const BUILT_IN: &[(&str, &str)] = &[
    (
        "mail.receipt.subject",
        include_str!("templates/receipt.subject.hbs"),
    ),
    (
        "mail.receipt.text",
        include_str!("templates/receipt.text.hbs"),
    ),
    (
        "mail.receipt.html",
        include_str!("templates/receipt.html.hbs"),
    ),
    (
        "mail.resolved.subject",
        include_str!("templates/resolved.subject.hbs"),
    ),
    (
        "mail.resolved.text",
        include_str!("templates/resolved.text.hbs"),
    ),
    (
        "mail.resolved.html",
        include_str!("templates/resolved.html.hbs"),
    ),
    (
        "mail.agent_reply.subject",
        include_str!("templates/agent_reply.subject.hbs"),
    ),
    (
        "mail.agent_reply.text",
        include_str!("templates/agent_reply.text.hbs"),
    ),
    (
        "mail.agent_reply.html",
        include_str!("templates/agent_reply.html.hbs"),
    ),
];

/// Built-in translations: `(locale, [(template name, source)])`, registered as
/// `<name>.<locale>`. To add a locale, copy `templates/de/`, translate it and list it here.
const BUILT_IN_LOCALES: &[(&str, &[(&str, &str)])] = &[(
    "de",
    &[
        (
            "mail.receipt.subject",
            include_str!("templates/de/receipt.subject.hbs"),
        ),
        (
            "mail.receipt.text",
            include_str!("templates/de/receipt.text.hbs"),
        ),
        (
            "mail.receipt.html",
            include_str!("templates/de/receipt.html.hbs"),
        ),
        (
            "mail.resolved.subject",
            include_str!("templates/de/resolved.subject.hbs"),
        ),
        (
            "mail.resolved.text",
            include_str!("templates/de/resolved.text.hbs"),
        ),
        (
            "mail.resolved.html",
            include_str!("templates/de/resolved.html.hbs"),
        ),
        (
            "mail.agent_reply.subject",
            include_str!("templates/de/agent_reply.subject.hbs"),
        ),
        (
            "mail.agent_reply.text",
            include_str!("templates/de/agent_reply.text.hbs"),
        ),
        (
            "mail.agent_reply.html",
            include_str!("templates/de/agent_reply.html.hbs"),
        ),
    ],
)];

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The text registry (subjects and text parts) and the HTML registry.
#[derive(Debug)]
pub struct MailTemplates {
    text: Templates,
    html: Templates,
}

impl MailTemplates {
    /// The built-in templates, replaced by the files found in `dir` (also per locale).
    pub fn load(dir: Option<&Path>, locales: &[String]) -> Result<MailTemplates, TemplateError> {
        let mut text = Templates::new(Markup::Text);
        let mut html = Templates::new(Markup::Html);
        for (name, source) in BUILT_IN {
            registry(&mut text, &mut html, name).add(name, source)?;
        }
        // An operator's own `<name>.hbs` is used for every locale it has no
        // `<name>.<locale>.hbs` for, built-in translations included.
        let overridden = |name: &str| dir.is_some_and(|d| d.join(format!("{name}.hbs")).exists());
        for (locale, templates) in BUILT_IN_LOCALES {
            for (name, source) in *templates {
                if !overridden(name) {
                    registry(&mut text, &mut html, name)
                        .add(&format!("{name}.{locale}"), source)?;
                }
            }
        }
        if let Some(dir) = dir {
            for (name, _) in BUILT_IN {
                let mut names = vec![name.to_string()];
                names.extend(locales.iter().map(|locale| format!("{name}.{locale}")));
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                registry(&mut text, &mut html, name).override_from(dir, &names)?;
            }
        }
        Ok(MailTemplates { text, html })
    }

    /// Renders `mail` for a site in `locale`.
    pub fn render<T: Serialize>(
        &self,
        mail: MailKind,
        locale: &str,
        data: &T,
    ) -> Result<Rendered, TemplateError> {
        let base = format!("mail.{}", mail.as_str());
        let render = |registry: &Templates, part: &str| {
            let localized = format!("{base}.{part}.{locale}");
            if registry.has(&localized) {
                registry.render(&localized, data)
            } else {
                registry.render(&format!("{base}.{part}"), data)
            }
        };
        Ok(Rendered {
            // A subject is one line, whatever the data held.
            subject: one_line(&render(&self.text, "subject")?),
            text: render(&self.text, "text")?,
            html: render(&self.html, "html")?,
        })
    }
}

fn registry<'a>(text: &'a mut Templates, html: &'a mut Templates, name: &str) -> &'a mut Templates {
    if name.ends_with(".html") {
        html
    } else {
        text
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_is_escaped_in_html_and_kept_in_text() {
        let templates = MailTemplates::load(None, &[]).expect("built-in templates");
        let view = serde_json::json!({
            "site_name": "Shop",
            "customer_name": "Eve <script>",
            "question": "is 1 < 2 & \"yes\"?",
            "transcript": [{"from_customer": true, "from_agent": false, "body": "<b>hi</b>"}],
            "open_now": true,
            "public_url": "http://x",
        });
        let mail = templates
            .render(MailKind::Receipt, "en", &view)
            .expect("renders");
        assert!(mail.html.contains("&lt;b&gt;hi&lt;/b&gt;"), "{}", mail.html);
        assert!(!mail.html.contains("<script>"), "{}", mail.html);
        assert!(mail.text.contains("<b>hi</b>"), "{}", mail.text);
        assert!(!mail.subject.contains('\n'));
    }

    #[test]
    fn a_saved_reply_is_mailed_rendered_in_both_parts() {
        let templates = MailTemplates::load(None, &[]).expect("built-in templates");
        let reply = serde_json::json!({"from_customer": false, "from_agent": true, "author_name": "Lea",
            "body": "Refunds take 30 days.", "html": "<p>Refunds take <strong>30 days</strong>.</p>"});
        let view = serde_json::json!({
            "site_name": "Shop",
            "transcript": [reply],
            "reply": reply,
            "open_now": true,
            "public_url": "http://x",
        });
        for locale in ["en", "de"] {
            let mail = templates
                .render(MailKind::AgentReply, locale, &view)
                .expect("renders");
            assert!(
                mail.html
                    .contains("<p>Refunds take <strong>30 days</strong>.</p></blockquote>"),
                "{locale}: {}",
                mail.html
            );
            assert!(
                mail.text.contains("\nRefunds take 30 days.\n"),
                "{}",
                mail.text
            );
            assert!(!mail.text.contains('*') && !mail.text.contains("<p>"));
        }
    }

    #[test]
    fn a_german_site_gets_german_mails_and_other_locales_english() {
        let templates = MailTemplates::load(None, &[]).expect("built-in templates");
        let view = serde_json::json!({
            "site_name": "Shop",
            "customer_name": "Eva",
            "transcript": [{"from_customer": true, "from_agent": false, "body": "Wo ist mein Paket?"}],
            "open_now": true,
            "rating_links": [{"rating": 1, "url": "http://x/csat/t?rating=1"}],
        });
        for (mail, subject) in [
            (MailKind::Receipt, "Shop: wir haben Ihre Frage"),
            (MailKind::AgentReply, "Shop: eine Antwort auf Ihre Frage"),
            (MailKind::Resolved, "Shop: Ihre Frage ist erledigt"),
        ] {
            let german = templates.render(mail, "de", &view).expect("renders");
            assert_eq!(german.subject, subject);
            assert!(german.text.starts_with("Guten Tag Eva,"), "{}", german.text);
            assert!(
                german.html.contains("<html lang=\"de\">"),
                "{}",
                german.html
            );
            assert!(
                german.text.contains("Sie: Wo ist mein Paket?"),
                "{}",
                german.text
            );
        }
        let english = templates
            .render(MailKind::Receipt, "fr", &view)
            .expect("renders");
        assert_eq!(english.subject, "Shop: we have your question");
    }
}
