//! Payment card numbers: 13–19 digits, written together or in groups separated by single
//! spaces or dashes, that pass the Luhn check (ISO/IEC 7812-1, annex B).
//!
//! A run of groups longer than 19 digits is searched for a group-aligned stretch that
//! is a card number (e.g. a card followed by an expiry year), so the number never leaks
//! because something was typed right after it.

use std::ops::Range;

const MIN_DIGITS: usize = 13;
const MAX_DIGITS: usize = 19;

/// Whether `digits` (ASCII digits only) pass the Luhn check.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            match (i % 2 == 1, d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A group of digits inside a run: its byte range in the text.
#[derive(Debug, Clone)]
struct Group {
    range: Range<usize>,
}

/// Byte ranges of card numbers in `text`, with the last four digits of each.
pub fn find(text: &str) -> Vec<(Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_run = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if !starts_run {
            i += 1;
            continue;
        }
        let groups = groups_from(bytes, i);
        let end = groups.last().map_or(i + 1, |g| g.range.end);
        let followed_by_word = bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if !followed_by_word {
            found.extend(cards_in(bytes, &groups));
        }
        i = end.max(i + 1);
    }
    found
}

/// Digit groups starting at `start`, joined by one space or dash each.
fn groups_from(bytes: &[u8], start: usize) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut pos = start;
    loop {
        let begin = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        groups.push(Group { range: begin..pos });
        let joined = matches!(bytes.get(pos), Some(b' ' | b'-'))
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit);
        if !joined {
            return groups;
        }
        pos += 1;
    }
}

/// Group-aligned stretches of `groups` that are card numbers, leftmost and longest first,
/// not overlapping.
fn cards_in(bytes: &[u8], groups: &[Group]) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    let mut first = 0;
    'outer: while first < groups.len() {
        for last in (first..groups.len()).rev() {
            let digits: Vec<u8> = groups[first..=last]
                .iter()
                .flat_map(|g| bytes[g.range.clone()].iter().copied())
                .collect();
            if (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) && luhn_valid(&digits) {
                let last_four = String::from_utf8_lossy(&digits[digits.len() - 4..]).into_owned();
                found.push((groups[first].range.start..groups[last].range.end, last_four));
                first = last + 1;
                continue 'outer;
            }
        }
        first += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masked(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|(r, _)| &text[r]).collect()
    }

    #[test]
    fn published_test_numbers_are_found_however_they_are_grouped() {
        // Test numbers published by the card networks' processors for non-charging use
        // (https://docs.stripe.com/testing#cards).
        assert_eq!(
            masked("my card is 4111 1111 1111 1111, thanks"),
            ["4111 1111 1111 1111"]
        );
        assert_eq!(masked("5555-5555-5555-4444"), ["5555-5555-5555-4444"]);
        assert_eq!(masked("amex 378282246310005."), ["378282246310005"]);
        assert_eq!(masked("4242424242424242 exp 12 28"), ["4242424242424242"]);
        assert_eq!(
            masked("card 4111 1111 1111 1111 2028"),
            ["4111 1111 1111 1111"]
        );
        assert_eq!(find("4111 1111 1111 1111")[0].1, "1111");
    }

    #[test]
    fn ordinary_numbers_stay_visible() {
        for text in [
            "order 100234 arrived late",
            "delivered on 2026-11-29 at 10:30",
            "tracking 1Z999AA10123456784",
            "4111 1111 1111 1112",
            "call me on 030 1234 5678",
            "ref ABC4111111111111111",
        ] {
            assert!(find(text).is_empty(), "{text}");
        }
    }

    /// A Luhn-valid number of `len` digits built from `body` (the check digit appended).
    fn with_check_digit(body: &[u8]) -> Vec<u8> {
        let mut digits = body.to_vec();
        digits.push(b'0');
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| {
                let d = u32::from(d - b'0');
                if i % 2 == 1 {
                    let x = d * 2;
                    x / 10 + x % 10
                } else {
                    d
                }
            })
            .sum();
        let check = (10 - sum % 10) % 10;
        let last = digits.len() - 1;
        digits[last] = b'0' + u8::try_from(check).unwrap_or(0);
        digits
    }

    proptest! {
        #[test]
        fn every_luhn_valid_number_of_card_length_is_found(
            body in proptest::collection::vec(b'0'..=b'9', 12..=18),
            dashes in any::<bool>(),
        ) {
            let digits = with_check_digit(&body);
            let plain = String::from_utf8(digits.clone()).unwrap_or_default();
            let grouped: String = plain
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(if dashes { "-" } else { " " });
            let text = format!("pay with {grouped} please");
            let found = find(&text);
            prop_assert_eq!(found.len(), 1);
            prop_assert_eq!(&text[found[0].0.clone()], grouped.as_str());
            prop_assert_eq!(found[0].1.as_str(), &plain[plain.len() - 4..]);
        }

        #[test]
        fn changing_one_digit_breaks_the_check(
            body in proptest::collection::vec(b'0'..=b'9', 12..=18),
            at in any::<proptest::sample::Index>(),
            delta in 1u8..=9,
        ) {
            let mut digits = with_check_digit(&body);
            let i = at.index(digits.len());
            digits[i] = b'0' + (digits[i] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(&digits));
            let text = String::from_utf8(digits).unwrap_or_default();
            prop_assert!(find(&text).is_empty());
        }

        #[test]
        fn numbers_shorter_than_a_card_are_never_found(n in 0u64..1_000_000_000_000) {
            let text = format!("order {n}");
            prop_assert!(find(&text).is_empty());
        }
    }
}
