//! Mail written by a machine: answering it (a receipt) could start a mail loop with
//! another auto-responder, and storing it would put a vacation notice in the agents'
//! queue or reopen a resolved conversation. RFC 3834 (section 5) names `Auto-Submitted`;
//! the other headers are the established practice of mail servers and list managers.
//!
//! | header | automatic when |
//! |---|---|
//! | `Auto-Submitted` | any value but `no` (`auto-replied`, `auto-generated`, `auto-notified`) |
//! | `X-Autoreply`, `X-Autorespond` | present with any value but `no` |
//! | `Precedence` | `bulk`, `junk`, `list`, `auto_reply` |
//! | `Content-Type` | `multipart/report` (delivery and read reports, RFC 6522) |
//! | `Return-Path` | `<>` (the null sender of bounces, RFC 5321 4.5.5) |

/// Why a mail counts as written by a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Automatic {
    /// `Auto-Submitted` other than `no`.
    AutoSubmitted,
    /// `X-Autoreply`, `X-Autorespond` or `Precedence: auto_reply`.
    AutoReply,
    /// `Precedence: bulk`, `junk` or `list`.
    Bulk,
    /// A delivery or read report, or a bounce (`Return-Path: <>`).
    Report,
}

impl Automatic {
    /// The code `POST /api/v1/inbound/email` answers in `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Automatic::AutoSubmitted => "auto_submitted",
            Automatic::AutoReply => "auto_reply",
            Automatic::Bulk => "bulk",
            Automatic::Report => "report",
        }
    }
}

/// The first reason the headers give (`header` returns a header's raw value).
pub fn detect<'a>(header: impl Fn(&'static str) -> Option<&'a str>) -> Option<Automatic> {
    let value = |name| header(name).map(normalize).filter(|v| !v.is_empty());
    if value("Auto-Submitted").is_some_and(|v| v != "no") {
        return Some(Automatic::AutoSubmitted);
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if value(name).is_some_and(|v| v != "no") {
            return Some(Automatic::AutoReply);
        }
    }
    match value("Precedence").as_deref() {
        Some("bulk" | "junk" | "list") => return Some(Automatic::Bulk),
        Some("auto_reply") => return Some(Automatic::AutoReply),
        _ => {}
    }
    if value("Content-Type").is_some_and(|v| v == "multipart/report") {
        return Some(Automatic::Report);
    }
    if header("Return-Path").is_some_and(|v| v.trim() == "<>") {
        return Some(Automatic::Report);
    }
    None
}

/// A header value without parameters (`; …`) or comments (`(…)`), trimmed, lowercased.
fn normalize(raw: &str) -> String {
    let value = raw.split(';').next().unwrap_or_default();
    let mut plain = String::with_capacity(value.len());
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_in(headers: &[(&'static str, &'static str)]) -> Option<Automatic> {
        detect(|name| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
    }

    #[test]
    fn machine_mail_is_recognised_by_its_headers() {
        assert_eq!(
            detect_in(&[("Auto-Submitted", " auto-replied (vacation)")]),
            Some(Automatic::AutoSubmitted)
        );
        assert_eq!(
            detect_in(&[("Auto-Submitted", " Auto-Generated")]),
            Some(Automatic::AutoSubmitted)
        );
        assert_eq!(detect_in(&[("Auto-Submitted", " no")]), None);
        assert_eq!(detect_in(&[("Auto-Submitted", " No (a person)")]), None);
        assert_eq!(
            detect_in(&[("X-Autoreply", " yes")]),
            Some(Automatic::AutoReply)
        );
        assert_eq!(
            detect_in(&[("X-Autorespond", " vacation")]),
            Some(Automatic::AutoReply)
        );
        for bulk in [" bulk", " junk", " List"] {
            assert_eq!(
                detect_in(&[("Precedence", bulk)]),
                Some(Automatic::Bulk),
                "{bulk}"
            );
        }
        assert_eq!(detect_in(&[("Precedence", " first-class")]), None);
        assert_eq!(
            detect_in(&[(
                "Content-Type",
                " multipart/report; report-type=delivery-status; boundary=x"
            )]),
            Some(Automatic::Report)
        );
        assert_eq!(
            detect_in(&[("Return-Path", " <>")]),
            Some(Automatic::Report)
        );
        assert_eq!(
            detect_in(&[
                ("Return-Path", " <dana@customer.test>"),
                ("Content-Type", " text/plain; charset=UTF-8")
            ]),
            None
        );
    }
}
