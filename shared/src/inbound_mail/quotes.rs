//! Keeps what the customer wrote in a reply and drops what their mail program added: the
//! quoted history and the signature.
//!
//! Grammar, line by line (after `\r\n` → `\n`); the first line that *starts* the added
//! part ends the customer's text:
//! - an attribution line, Gmail / Apple Mail / Thunderbird style: `On … wrote:` (also
//!   wrapped over up to three lines), `Am … schrieb …:`, `Le … a écrit :`;
//! - Outlook's separators: `-----Original Message-----`, a line of 8 or more `_`, or a
//!   header block `From: …` followed within two lines by `Sent: …`, `Date: …` or `To: …`;
//! - a signature separator: `-- ` or `--` alone (RFC 3676 §4.3);
//! - mobile footers: `Sent from my …`, `Get Outlook for …`.
//!
//! Lines quoted with `>` are dropped wherever they are. Blank lines at either end go.

/// The customer's own text of a reply.
pub fn strip(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if starts_added_part(&lines, i) {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let first = kept
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(kept.len());
    kept[first..].join("\n")
}

fn starts_added_part(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    if line == "--" || lines[i] == "-- " {
        return true;
    }
    let lower = line.to_lowercase();
    if lower.starts_with("sent from my ") || lower.starts_with("get outlook for ") {
        return true;
    }
    if lower.contains("original message") && line.starts_with("---") {
        return true;
    }
    if line.len() >= 8 && line.chars().all(|c| c == '_') {
        return true;
    }
    if is_attribution(lines, i) {
        return true;
    }
    if lower.starts_with("from:") {
        let next = lines
            .iter()
            .skip(i + 1)
            .take(2)
            .map(|l| l.trim().to_lowercase());
        return next
            .into_iter()
            .any(|l| l.starts_with("sent:") || l.starts_with("date:") || l.starts_with("to:"));
    }
    false
}

/// `On … wrote:` and its translations, possibly wrapped over three lines.
fn is_attribution(lines: &[&str], i: usize) -> bool {
    let first = lines[i].trim_start();
    let opens = ["On ", "Am ", "Le "]
        .iter()
        .any(|opening| first.starts_with(opening));
    if !opens {
        return false;
    }
    let joined: String = lines
        .iter()
        .skip(i)
        .take(3)
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let lower = joined.to_lowercase();
    ["wrote:", "schrieb", "a écrit"]
        .iter()
        .any(|verb| match lower.find(verb) {
            // The attribution ends in a colon soon after the verb (after the sender's
            // name and address in German).
            Some(at) => lower[at..].chars().take(120).any(|c| c == ':'),
            None => false,
        })
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn gmail_reply() {
        let mail = "Thanks, the tracking number is NW-4411.\r\n\r\nOn Sun, Nov 29, 2026 at 3:04 PM Northwind Support <support@shop.test>\r\nwrote:\r\n\r\n> Hello Dana,\r\n> we have your question.\r\n";
        assert_eq!(strip(mail), "Thanks, the tracking number is NW-4411.");
    }

    #[test]
    fn outlook_reply() {
        let mail = "It arrived today, all good.\r\n\r\nBest regards\r\nDana\r\n\r\n________________________________\r\nFrom: Northwind Support <support@shop.test>\r\nSent: Sunday, November 29, 2026 3:04 PM\r\nTo: dana@customer.test\r\nSubject: Northwind: we have your question\r\n\r\nHello Dana,\r\n";
        assert_eq!(
            strip(mail),
            "It arrived today, all good.\n\nBest regards\nDana"
        );
        let classic = "Yes please.\n\n-----Original Message-----\nFrom: Support\nSent: today\n";
        assert_eq!(strip(classic), "Yes please.");
        let headers_only =
            "Ok!\n\nFrom: Northwind Support <support@shop.test>\nDate: Sun, 29 Nov 2026\n";
        assert_eq!(strip(headers_only), "Ok!");
    }

    #[test]
    fn apple_mail_reply_with_mobile_footer() {
        let mail = "Could you send it again?\n\nSent from my iPhone\n\n> On 29 Nov 2026, at 15:04, Northwind Support <support@shop.test> wrote:\n> \n> Hello Dana,\n";
        assert_eq!(strip(mail), "Could you send it again?");
        let without_footer = "Could you send it again?\n\nOn 29 Nov 2026, at 15:04, Northwind Support <support@shop.test> wrote:\n\n> Hello\n";
        assert_eq!(strip(without_footer), "Could you send it again?");
    }

    #[test]
    fn plain_quoting_interleaved_and_signatures() {
        let mail = "> Which order is it?\nNW-4411\n> And the address?\nBerlin\n-- \nDana Example\nACME Corp\n";
        assert_eq!(strip(mail), "NW-4411\nBerlin");
        let german = "Danke!\n\nAm 29.11.2026 um 15:04 schrieb Northwind Support <support@shop.test>:\n> Hallo\n";
        assert_eq!(strip(german), "Danke!");
    }

    #[test]
    fn text_that_only_looks_like_a_marker_stays() {
        let mail = "On Monday I was not home.\nFrom: my neighbour I heard it came.";
        assert_eq!(strip(mail), mail);
    }
}
