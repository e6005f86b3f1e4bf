//! Escape functions for chat markup, and small formatting helpers.
//!
//! Chat values are also folded to one line ([`one_line`]): a value is data inside a line
//! the template wrote, so a customer cannot start a line of their own (say a fake
//! "Resolved by @boss") with a newline in a field, a name or a question.

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext};

/// Slack mrkdwn: the three control characters Slack documents.
pub fn escape_slack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_slack(&mut out, c));
    out
}

/// Appends `c` escaped for Slack mrkdwn ([`escape_slack`]).
pub(super) fn push_slack(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        _ => out.push(c),
    }
}

/// HTML text escaping: the five characters that can end text or an attribute value.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` with every run of whitespace or control characters (newlines, carriage
/// returns, U+2028/U+2029 separators, tabs, NEL, …) replaced by one space, so it cannot
/// break the line it is inserted in. Nothing else changes (no trimming).
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_gap = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !in_gap {
                out.push(' ');
            }
            in_gap = true;
        } else {
            out.push(c);
            in_gap = false;
        }
    }
    out
}

/// A template value for Slack: on one line, then escaped ([`escape_slack`]).
pub fn slack_value(text: &str) -> String {
    escape_slack(&one_line(text))
}

/// A template value for Discord: on one line, then escaped ([`escape_discord`]).
pub fn discord_value(text: &str) -> String {
    escape_discord(&one_line(text))
}

/// Discord Markdown: backslash-escape formatting characters and break `@` mentions.
pub fn escape_discord(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_discord(&mut out, c));
    out
}

/// Appends `c` escaped for Discord Markdown ([`escape_discord`]).
pub(super) fn push_discord(out: &mut String, c: char) {
    match c {
        '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '<' | '-' => {
            out.push('\\');
            out.push(c);
        }
        '@' => out.push_str("@\u{200b}"),
        _ => out.push(c),
    }
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
