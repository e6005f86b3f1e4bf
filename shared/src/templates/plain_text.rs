//! Markdown as plain text, for where markup is not read: the text part of a mail. What a
//! reader of the rendered Markdown sees, without the syntax: `**30 days**` is `30 days`,
//! a list item starts with `- ` (or its number), a link is its text and then its address
//! in parentheses (unless the text is the address), raw HTML stays as typed (it is text
//! here, as [`super::markdown_to_safe_html`] shows it).

use pulldown_cmark::{Event, Tag, TagEnd};

/// `markdown` as plain text: blocks separated by a blank line, trimmed.
pub fn markdown_to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    // The open lists: the next item's number (`None`: a bullet list).
    let mut lists: Vec<Option<u64>> = Vec::new();
    // The open links: their address and where their text starts in `out`.
    let mut links: Vec<(String, usize)> = Vec::new();
    for event in pulldown_cmark::Parser::new_ext(markdown, super::markdown_options()) {
        match event {
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                out.push_str(&text)
            }
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Rule => block_end(&mut out, "---"),
            Event::Start(Tag::List(first)) => lists.push(first),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    block_end(&mut out, "");
                }
            }
            Event::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(number)) => {
                        out.push_str(&format!("{number}. "));
                        *number += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) if !out.ends_with('\n') => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push((dest_url.to_string(), out.len()))
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = links.pop() {
                    if out[start..].trim() != url.trim_start_matches("mailto:") {
                        out.push_str(&format!(" ({url})"));
                    }
                }
            }
            Event::End(TagEnd::TableCell) => out.push('\t'),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                let kept = out.trim_end_matches('\t').len();
                out.truncate(kept);
                out.push('\n');
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::HtmlBlock,
            ) if lists.is_empty() => block_end(&mut out, ""),
            Event::End(TagEnd::Table) => block_end(&mut out, ""),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Ends a block: `last` (if any), then a blank line.
fn block_end(out: &mut String, last: &str) {
    let kept = out.trim_end().len();
    out.truncate(kept);
    if !last.is_empty() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(last);
    }
    out.push_str("\n\n");
}

#[cfg(test)]
mod tests {
    use super::markdown_to_text;

    #[test]
    fn markdown_reads_as_its_rendered_text() {
        assert_eq!(
            markdown_to_text("Hi Sam, **30 days** from _delivery_.\n\nSee [our policy](https://shop.example/returns)."),
            "Hi Sam, 30 days from delivery.\n\nSee our policy (https://shop.example/returns)."
        );
        assert_eq!(
            markdown_to_text("Steps:\n\n1. Pack it\n2. Print the `label`\n\n- one\n- two\n\nDone"),
            "Steps:\n\n1. Pack it\n2. Print the label\n\n- one\n- two\n\nDone"
        );
        assert_eq!(
            markdown_to_text("Mail <https://shop.example> or <b>not</b> HTML"),
            "Mail https://shop.example or <b>not</b> HTML",
            "an address shown once; raw HTML is text"
        );
        assert_eq!(
            markdown_to_text("# Title\nline one\nline two"),
            "Title\n\nline one\nline two"
        );
    }
}
