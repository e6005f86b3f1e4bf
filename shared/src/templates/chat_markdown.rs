//! Our own Markdown (assistant answers) converted for a chat medium, on one line.
//!
//! | Markdown              | Slack mrkdwn          | Discord Markdown         |
//! |-----------------------|-----------------------|--------------------------|
//! | `**bold**`, headings  | `*bold*`              | `**bold**`               |
//! | `*italic*`            | `_italic_`            | `_italic_`               |
//! | `~~struck~~`          | `~struck~`            | `~~struck~~`             |
//! | `` `code` ``          | `` `code` ``          | `` `code` ``             |
//! | `[text](https://url)` | `<https://url\|text>` | `text (<https://url>)`   |
//! | list items            | `• item`, `1. item`   | `• item`, `1. item`      |
//!
//! Only Markdown we wrote goes through here; customer text is never interpreted, only
//! escaped ([`escape_slack`](super::escape_slack), [`escape_discord`](super::escape_discord)).
//! The text inside the Markdown is escaped the same way, so an answer that quotes a
//! customer's field can mention nobody and forge no link either. Links keep only `http`,
//! `https` and `mailto` targets (others keep their text). The result is one line, so it
//! fits where a template writes a value (a transcript line is a one-line `>` quote).
//! Discord links are written `text (<url>)` rather than as masked links: that reads the
//! same on every client and shows where a link leads.

use handlebars::{Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext};
use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};

use super::escape::{push_discord, push_slack};
use super::markdown_options;

/// The chat medium a conversion writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatMedium {
    Slack,
    Discord,
}

/// `markdown` as one line of `medium` markup with at most `max_chars` characters of text,
/// then `…`; formatting open at the cut is closed.
pub fn markdown_to_chat(markdown: &str, medium: ChatMedium, max_chars: usize) -> String {
    let mut line = Line::new(medium, max_chars);
    for event in Parser::new_ext(markdown, markdown_options()) {
        if line.full {
            break;
        }
        line.event(event);
    }
    line.finish()
}

/// Characters of text `{{markdown …}}` writes when given no length: a transcript line.
pub const CHAT_LINE_CHARS: usize = 300;

/// The chat registries' `{{markdown answer}}` (or `{{markdown answer 500}}`): our
/// Markdown as one line of the registry's markup, at most [`CHAT_LINE_CHARS`] (or the
/// given number of) characters of text. For our own text only: a customer's text is a
/// `{{value}}`, escaped and never read as Markdown.
#[derive(Debug, Clone, Copy)]
pub(super) struct MarkdownHelper(pub(super) ChatMedium);

impl HelperDef for MarkdownHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        helper: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(markdown) = helper.param(0).and_then(|p| p.value().as_str()) else {
            return Ok(());
        };
        let max_chars = helper
            .param(1)
            .and_then(|p| p.value().as_u64())
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(CHAT_LINE_CHARS);
        out.write(&markdown_to_chat(markdown, self.0, max_chars))?;
        Ok(())
    }
}

/// Formatting opened and not closed yet. Its opener is written just before the first
/// character inside it, so an empty span leaves no stray markers.
#[derive(Debug)]
struct Span {
    opener: &'static str,
    closer: &'static str,
    written: bool,
}

/// The link being read: its label is collected, then the link is written whole.
#[derive(Debug)]
struct Link {
    /// `None` when the target is not `http`, `https` or `mailto`: the text stays.
    url: Option<String>,
    /// The label, escaped for the medium.
    label: String,
    /// The label as written, to tell a bare address (`<https://x>`) from a named link.
    plain: String,
}

#[derive(Debug)]
struct Line {
    medium: ChatMedium,
    out: String,
    /// Characters of text still allowed.
    budget: usize,
    /// A space is due before the next character (whitespace, or a block ended).
    gap: bool,
    spans: Vec<Span>,
    link: Option<Link>,
    /// Inside inline code: characters are code, not Markdown to escape.
    code: bool,
    /// The next number of each open list (`None`: bullets).
    lists: Vec<Option<u64>>,
    /// The budget ran out: nothing more is written.
    full: bool,
}

impl Line {
    fn new(medium: ChatMedium, max_chars: usize) -> Line {
        Line {
            medium,
            out: String::new(),
            budget: max_chars,
            gap: false,
            spans: Vec::new(),
            link: None,
            code: false,
            lists: Vec::new(),
            full: false,
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => self.text(&text),
            Event::Code(code) => {
                self.open(Format::Code);
                self.code = true;
                self.text(&code);
                self.code = false;
                self.close();
            }
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            _ => self.gap = true,
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Strong => self.open(Format::Bold),
            Tag::Heading { .. } => {
                self.gap = true;
                self.open(Format::Bold);
            }
            Tag::Emphasis => self.open(Format::Italic),
            Tag::Strikethrough => self.open(Format::Struck),
            Tag::Link {
                link_type,
                dest_url,
                ..
            }
            | Tag::Image {
                link_type,
                dest_url,
                ..
            } => {
                self.write_pending();
                let url = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                self.link = Some(Link {
                    url: chat_url(&url),
                    label: String::new(),
                    plain: String::new(),
                });
            }
            Tag::List(first) => {
                self.gap = true;
                self.lists.push(first);
            }
            Tag::Item => {
                let marker = match self.lists.last_mut() {
                    Some(Some(number)) => {
                        *number += 1;
                        format!("{}.", *number - 1)
                    }
                    _ => "•".to_string(),
                };
                self.gap = true;
                self.write_pending();
                self.out.push_str(&marker);
                self.gap = true;
            }
            _ => self.gap = true,
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Strong | TagEnd::Emphasis | TagEnd::Strikethrough => self.close(),
            TagEnd::Heading(_) => {
                self.close();
                self.gap = true;
            }
            TagEnd::Link | TagEnd::Image => self.write_link(),
            TagEnd::List(_) => {
                self.lists.pop();
                self.gap = true;
            }
            _ => self.gap = true,
        }
    }

    /// Opens a span; inside a link its markers are left out (a label stays plain).
    fn open(&mut self, format: Format) {
        let (opener, closer) = if self.link.is_some() {
            ("", "")
        } else {
            format.markers(self.medium)
        };
        self.spans.push(Span {
            opener,
            closer,
            written: false,
        });
    }

    fn close(&mut self) {
        if let Some(span) = self.spans.pop() {
            if span.written {
                self.out.push_str(span.closer);
            }
        }
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if self.full {
                return;
            }
            if c.is_whitespace() || c.is_control() {
                self.gap = true;
                continue;
            }
            if self.budget == 0 {
                self.cut();
                return;
            }
            self.budget -= 1;
            self.write_pending();
            self.push_char(c);
        }
    }

    /// Writes a due space (inside the link's label when in one) and the openers of spans
    /// with no character yet.
    fn write_pending(&mut self) {
        if std::mem::take(&mut self.gap) {
            match &mut self.link {
                Some(link) if !link.plain.is_empty() => {
                    link.plain.push(' ');
                    link.label.push(' ');
                }
                Some(_) => {}
                None if !self.out.is_empty() => self.out.push(' '),
                None => {}
            }
        }
        for span in self.spans.iter_mut().filter(|s| !s.written) {
            self.out.push_str(span.opener);
            span.written = true;
        }
    }

    fn push_char(&mut self, c: char) {
        let code = self.code && self.link.is_none();
        let target = match &mut self.link {
            Some(link) => {
                link.plain.push(c);
                &mut link.label
            }
            None => &mut self.out,
        };
        match (self.medium, code) {
            // Code spans cannot hold a backtick; Discord shows code verbatim (no escapes).
            (ChatMedium::Slack, true) if c == '`' => target.push('\''),
            (ChatMedium::Slack, _) => push_slack(target, c),
            (ChatMedium::Discord, true) => match c {
                '`' => target.push('\''),
                '@' => target.push_str("@\u{200b}"),
                _ => target.push(c),
            },
            (ChatMedium::Discord, false) => push_discord(target, c),
        }
    }

    /// Writes the link read so far: `<url|label>` (Slack), `label (<url>)` (Discord), just
    /// `<url>` when the label is the address, or just the label when the target is unsafe.
    fn write_link(&mut self) {
        let Some(link) = self.link.take() else {
            return;
        };
        let Some(url) = link.url else {
            self.out.push_str(&link.label);
            return;
        };
        let bare = link.plain.is_empty() || link.plain == url;
        match (self.medium, bare) {
            (_, true) => {
                self.out.push('<');
                push_url(&mut self.out, &url, self.medium);
                self.out.push('>');
            }
            (ChatMedium::Slack, false) => {
                self.out.push('<');
                push_url(&mut self.out, &url, self.medium);
                self.out.push('|');
                self.out.push_str(&link.label);
                self.out.push('>');
            }
            (ChatMedium::Discord, false) => {
                self.out.push_str(&link.label);
                self.out.push_str(" (<");
                push_url(&mut self.out, &url, self.medium);
                self.out.push_str(">)");
            }
        }
    }

    /// The budget ran out: an ellipsis, then the open link and spans are closed.
    fn cut(&mut self) {
        match &mut self.link {
            Some(link) => link.label.push('…'),
            None => self.out.push('…'),
        }
        self.full = true;
    }

    fn finish(mut self) -> String {
        self.write_link();
        while !self.spans.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Inline formatting a chat medium can show.
#[derive(Debug, Clone, Copy)]
enum Format {
    Bold,
    Italic,
    Struck,
    Code,
}

impl Format {
    /// (opener, closer) in `medium`.
    fn markers(self, medium: ChatMedium) -> (&'static str, &'static str) {
        match (self, medium) {
            (Format::Bold, ChatMedium::Slack) => ("*", "*"),
            (Format::Bold, ChatMedium::Discord) => ("**", "**"),
            (Format::Italic, _) => ("_", "_"),
            (Format::Struck, ChatMedium::Slack) => ("~", "~"),
            (Format::Struck, ChatMedium::Discord) => ("~~", "~~"),
            (Format::Code, _) => ("`", "`"),
        }
    }
}

/// `url` when a chat client can open it: absolute `http`, `https` or `mailto`.
fn chat_url(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once(':')?;
    let allowed = ["http", "https", "mailto"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme));
    (allowed && !rest.is_empty()).then(|| url.to_string())
}

/// Writes `url` so it cannot end the link early: the characters that delimit chat links
/// (`<`, `>`, `|`, whitespace) are percent-encoded, and `&` becomes Slack's `&amp;`.
fn push_url(out: &mut String, url: &str, medium: ChatMedium) {
    for c in url.chars() {
        match c {
            '&' if medium == ChatMedium::Slack => out.push_str("&amp;"),
            '<' | '>' | '|' => push_percent_encoded(out, c),
            c if c.is_whitespace() || c.is_control() => push_percent_encoded(out, c),
            _ => out.push(c),
        }
    }
}

fn push_percent_encoded(out: &mut String, c: char) {
    let mut bytes = [0; 4];
    for byte in c.encode_utf8(&mut bytes).bytes() {
        out.push_str(&format!("%{byte:02X}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's return answer as the transcript keeps it: title, blank line, Markdown.
    const RETURN_ANSWER: &str = "Returns\n\nYou can return unworn items within **30 days of delivery**. Start in our [returns portal](https://northwind.example/returns) with your order number.";

    fn slack(markdown: &str) -> String {
        markdown_to_chat(markdown, ChatMedium::Slack, CHAT_LINE_CHARS)
    }

    fn discord(markdown: &str) -> String {
        markdown_to_chat(markdown, ChatMedium::Discord, CHAT_LINE_CHARS)
    }

    #[test]
    fn bold_and_links_become_slack_mrkdwn() {
        assert_eq!(
            slack(RETURN_ANSWER),
            "Returns You can return unworn items within *30 days of delivery*. Start in our <https://northwind.example/returns|returns portal> with your order number."
        );
    }

    #[test]
    fn bold_and_links_become_discord_markdown() {
        assert_eq!(
            discord(RETURN_ANSWER),
            "Returns You can return unworn items within **30 days of delivery**. Start in our returns portal (<https://northwind.example/returns>) with your order number."
        );
    }

    #[test]
    fn lists_headings_and_inline_formatting_fit_on_one_line() {
        let markdown = "## Steps\n\n1. Open the *portal*\n2. Print the `label`\n\n- free in ~~Germany~~ the EU\n- see <https://northwind.example/help>";
        assert_eq!(
            slack(markdown),
            "*Steps* 1. Open the _portal_ 2. Print the `label` • free in ~Germany~ the EU • see <https://northwind.example/help>"
        );
        assert_eq!(
            discord(markdown),
            "**Steps** 1. Open the _portal_ 2. Print the `label` • free in ~~Germany~~ the EU • see <https://northwind.example/help>"
        );
    }

    #[test]
    fn text_inside_the_markdown_stays_harmless() {
        let markdown = "Hi <!here> & @everyone, see [**our** page](<https://x.example/a?b=1&c=2|3 4>) or [this](javascript:alert(1)) and [that](/relative).";
        let slack = slack(markdown);
        assert_eq!(
            slack,
            "Hi &lt;!here&gt; &amp; @everyone, see <https://x.example/a?b=1&amp;c=2%7C3%204|our page> or this and that."
        );
        let discord = discord(markdown);
        assert_eq!(
            discord,
            "Hi \\<!here\\> & @\u{200b}everyone, see our page (<https://x.example/a?b=1&c=2%7C3%204>) or this and that."
        );
    }

    #[test]
    fn long_answers_are_cut_with_their_formatting_closed() {
        let markdown = format!("**{}** tail", "a".repeat(20));
        assert_eq!(
            markdown_to_chat(&markdown, ChatMedium::Slack, 5),
            "*aaaaa…*"
        );
        let link = "See [the returns portal](https://northwind.example/returns) now";
        assert_eq!(
            markdown_to_chat(link, ChatMedium::Discord, 10),
            "See the retu… (<https://northwind.example/returns>)"
        );
        assert_eq!(
            markdown_to_chat(link, ChatMedium::Slack, 10),
            "See <https://northwind.example/returns|the retu…>"
        );
        assert_eq!(markdown_to_chat("short", ChatMedium::Slack, 5), "short");
    }

    #[test]
    fn the_helper_converts_for_its_registry() {
        let data = serde_json::json!({ "answer": RETURN_ANSWER, "name": "**not ours**" });
        let slack = super::super::Templates::new(super::super::Markup::Slack)
            .render_str("> {{markdown answer 40}} / {{name}}", &data)
            .expect("slack");
        assert_eq!(
            slack,
            "> Returns You can return unworn items within *30 da…* / **not ours**"
        );
        let discord = super::super::Templates::new(super::super::Markup::Discord)
            .render_str("{{markdown answer}}", &data)
            .expect("discord");
        assert!(discord.contains("**30 days of delivery**"), "{discord}");
    }
}
