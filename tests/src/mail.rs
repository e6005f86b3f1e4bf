//! What a customer's mail client does with Frontline's mails, for the mail tests: read the
//! reply address and the rating links, read the plain-text part decoded (with
//! `mail-parser`, not the `lettre` that wrote it), and mail back through
//! `POST /api/v1/inbound/email` as a mail server does.

use serde_json::Value;

use crate::smtp::Mail;
use crate::widget_server::{TestServer, INBOUND_TOKEN};

/// The `reply_domain` of [`email_toml`].
pub const REPLY_DOMAIN: &str = "reply.shop.test";

/// `[email]` sending to an SMTP server on loopback `port`.
pub fn email_toml(port: u16) -> String {
    format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"Northwind Support <support@shop.test>\"\nreply_domain = \"{REPLY_DOMAIN}\"\ntimeout = \"2s\"\n"
    )
}

/// The token of the mail's `Reply-To: reply+<token>@REPLY_DOMAIN`.
pub fn reply_token(mail: &Mail) -> String {
    let reply_to = mail.header("Reply-To").expect("Reply-To");
    let address = reply_to.trim_matches(['<', '>', ' ']);
    let (local, domain) = address.split_once('@').expect("an address");
    assert_eq!(domain, REPLY_DOMAIN, "{reply_to}");
    local
        .strip_prefix("reply+")
        .expect("reply+<token>")
        .to_string()
}

/// The rating links' paths (`/csat/<token>?rating=N`) in the mail's text.
pub fn rating_paths(mail: &Mail) -> Vec<String> {
    mail.text()
        .split_whitespace()
        .filter_map(|word| word.find("/csat/").map(|at| word[at..].to_string()))
        .collect()
}

/// The rating links' token (the same in all five links).
pub fn rating_token(mail: &Mail) -> String {
    let paths = rating_paths(mail);
    let first = paths.first().expect("rating links");
    first
        .trim_start_matches("/csat/")
        .split('?')
        .next()
        .expect("a token")
        .to_string()
}

/// The mail's `text/plain` part, transfer-decoded.
pub fn plain_text(mail: &Mail) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .expect("a mail");
    parsed
        .body_text(0)
        .map(|t| t.into_owned())
        .expect("a text part")
}

/// `POST /api/v1/inbound/email` with `raw`, as a mail server delivers it.
pub async fn post_mail(server: &TestServer, raw: &str) -> (u16, Value) {
    let response = server
        .client
        .post(server.at("/api/v1/inbound/email"))
        .bearer_auth(INBOUND_TOKEN)
        .header("content-type", "message/rfc822")
        .body(raw.to_string())
        .send()
        .await
        .expect("inbound request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A customer's reply as Gmail writes it, to `reply+<token>@REPLY_DOMAIN`: the text, the
/// attribution line, the quoted mail.
pub fn gmail_reply(from: &str, token: &str, message_id: &str, text: &str) -> String {
    format!(
        "From: Dana <{from}>\r\nTo: Northwind Support <reply+{token}@{REPLY_DOMAIN}>\r\nSubject: Re: Northwind: we have your question\r\nMessage-ID: <{message_id}>\r\nDate: Sun, 29 Nov 2026 15:10:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n\r\nOn Sun, Nov 29, 2026 at 3:04 PM Northwind Support <support@shop.test> wrote:\r\n\r\n> Hello Dana,\r\n> we have your question.\r\n"
    )
}
