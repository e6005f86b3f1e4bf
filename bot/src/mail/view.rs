//! What a mail's templates are given. Every field is data: the HTML registry escapes it,
//! the text registry leaves it as it is (plain text interprets nothing).

use frontline_shared::config::SiteSettings;
use frontline_shared::escalation::{Escalation, TranscriptLine};
use frontline_shared::language::Language;
use frontline_shared::templates::{markdown_to_text, transcript_html};
use serde::Serialize;

/// Lines of the conversation a mail repeats: the newest ones.
const TRANSCRIPT_LINES: usize = 20;

/// The data of every mail template (`mail.receipt.*`, `mail.resolved.*`).
#[derive(Debug, Clone, Serialize)]
pub struct MailView {
    /// The site's display name, e.g. "Northwind Outfitters".
    pub site_name: String,
    /// The customer's name from the handoff form, if given.
    pub customer_name: Option<String>,
    /// The question handed over.
    pub question: Option<String>,
    /// The conversation so far, oldest first.
    pub transcript: Vec<LineView>,
    /// The newest agent line (an agent-reply mail's reply).
    pub reply: Option<LineView>,
    /// The team is within its business hours now.
    pub open_now: bool,
    /// When the team opens next, when closed now, in the site's language:
    /// "Monday 09:00 (Europe/Berlin)", "Montag, 09:00 Uhr (Europe/Berlin)".
    pub opens_at: Option<String>,
    /// Who resolved the escalation (resolved mail).
    pub resolved_by: Option<String>,
    /// The page where the conversation started, if known.
    pub page_url: Option<String>,
    /// The support server's public URL.
    pub public_url: String,
    /// The five one-click rating links (1 to 5) of the resolved mail.
    pub rating_links: Vec<RatingLink>,
}

/// A one-click rating link: it opens a page that asks to confirm (GET changes nothing).
#[derive(Debug, Clone, Serialize)]
pub struct RatingLink {
    pub rating: u8,
    pub url: String,
}

/// One line of the conversation.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    /// Written by the customer (else by an agent or the assistant).
    pub from_customer: bool,
    /// Written by an agent.
    pub from_agent: bool,
    /// The agent's name, for an agent's line.
    pub author_name: Option<String>,
    /// The line as plain text (a saved reply's Markdown as its rendered text).
    pub body: String,
    /// A saved reply rendered as sanitized HTML, for the HTML part (`{{{html}}}`); `None`
    /// for plain text, which the HTML part escapes from `body`.
    pub html: Option<String>,
}

impl MailView {
    pub fn new(
        escalation: &Escalation,
        site: Option<&SiteSettings>,
        transcript: &[TranscriptLine],
        public_url: &str,
        rating_token: &str,
        now: jiff::Timestamp,
    ) -> MailView {
        let rating_links = (1..=5)
            .map(|rating| RatingLink {
                rating,
                url: format!("{public_url}/csat/{rating_token}?rating={rating}"),
            })
            .collect();
        let skip = transcript.len().saturating_sub(TRANSCRIPT_LINES);
        let lines = transcript
            .iter()
            .skip(skip)
            .map(|line| LineView {
                from_customer: line.author == "customer",
                from_agent: line.author == "agent",
                author_name: line.author_name.clone(),
                body: if line.markdown {
                    markdown_to_text(&line.body)
                } else {
                    line.body.clone()
                },
                html: line.markdown.then(|| transcript_html(&line.body)),
            })
            .collect::<Vec<LineView>>();
        let reply = lines.iter().rev().find(|l| l.from_agent).cloned();
        let (open_now, opens_at) = match site {
            Some(site) if !site.business_hours.is_open(now) => {
                let language = Language::from_tag(&site.locale);
                let next = site
                    .business_hours
                    .next_open(now)
                    .map(|at| language.opening(&at));
                (false, next)
            }
            _ => (true, None),
        };
        MailView {
            site_name: site
                .map(|s| s.name.clone())
                .unwrap_or_else(|| escalation.site_id.to_string()),
            customer_name: escalation.name.clone(),
            question: escalation
                .context
                .question
                .clone()
                .or_else(|| escalation.message.clone()),
            transcript: lines,
            reply,
            open_now,
            opens_at,
            resolved_by: escalation.resolved_by.clone(),
            // Customer-supplied: only web pages become links.
            page_url: escalation
                .context
                .page_url
                .clone()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            public_url: public_url.to_string(),
            rating_links,
        }
    }
}
