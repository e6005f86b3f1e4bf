//! Escape functions for chat markup, and small formatting helpers.

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext};

/// Slack mrkdwn: the three control characters Slack documents.
pub fn escape_slack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Discord Markdown: backslash-escape formatting characters and break `@` mentions.
pub fn escape_discord(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '<' | '-' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            _ => out.push(c),
        }
    }
    out
}

/// `{{percent 0.4567}}` → `45.7%`.
pub fn percent(
    helper: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let value = helper
        .param(0)
        .and_then(|p| p.value().as_f64())
        .unwrap_or(0.0);
    out.write(&format!("{:.1}%", value * 100.0))?;
    Ok(())
}
