//! Slack message text → the plain text a customer reads.
//!
//! Grammar handled (Slack's "formatted text"): `&amp;`, `&lt;`, `&gt;` entities, and
//! angle-bracket references `<url>`, `<url|label>`, `<mailto:a@b|label>`, `<@U123>`,
//! `<@U123|name>`, `<#C123|name>`, `<!here>`, `<!subteam^S1|@team>`. Anything else is
//! kept as written.

/// The customer-readable form of an agent's Slack message.
pub fn to_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) => {
                out.push_str(&reference(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    unescape(&out)
}

fn reference(inner: &str) -> String {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(label)),
        None => (inner, None),
    };
    match target.chars().next() {
        Some('@') => format!("@{}", label.unwrap_or(&target[1..])),
        Some('#') => format!("#{}", label.unwrap_or(&target[1..])),
        Some('!') => match label {
            Some(label) => label.to_string(),
            None => format!("@{}", target[1..].split('^').next().unwrap_or_default()),
        },
        _ => {
            let url = target.strip_prefix("mailto:").unwrap_or(target);
            match label {
                Some(label) if label != url && label != target => format!("{label} ({url})"),
                _ => url.to_string(),
            }
        }
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::to_plain;

    #[test]
    fn slack_markup_becomes_plain_text() {
        assert_eq!(
            to_plain("Hi &lt;3 see <https://northwind.example/r|the returns page> &amp; <https://x.example>"),
            "Hi <3 see the returns page (https://northwind.example/r) & https://x.example"
        );
        assert_eq!(
            to_plain("<@U123> and <@U9|ana>, mail <mailto:a@b.example|a@b.example> in <#C1|support> <!here>"),
            "@U123 and @ana, mail a@b.example in #support @here"
        );
        assert_eq!(to_plain("a < b"), "a < b");
    }
}
