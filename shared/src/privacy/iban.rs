//! IBANs (ISO 13616): a country code, two check digits and up to 30 letters and digits,
//! written together or in groups separated by single spaces, whose mod-97 checksum is 1.
//!
//! Upper or lower case are both read (one case per IBAN), groups must be printed as
//! IBANs are (four characters each, the last one to four), and the part after the check
//! digits must be at least half digits (every national format is), so that ordinary words
//! after a code like "ab12" never make a candidate.

use std::ops::Range;

const MIN_CHARS: usize = 15;
const MAX_CHARS: usize = 34;

/// Whether `compact` (no spaces) is an IBAN by its shape and mod-97 checksum.
pub fn checksum_valid(compact: &str) -> bool {
    let bytes = compact.as_bytes();
    if !(MIN_CHARS..=MAX_CHARS).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_alphabetic)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    // Move the first four characters to the end, letters become 10..=35, then mod 97.
    let rotated = bytes[4..].iter().chain(&bytes[..4]);
    let mut remainder: u32 = 0;
    for b in rotated {
        let value = match b.to_ascii_uppercase() {
            d @ b'0'..=b'9' => u32::from(d - b'0'),
            l => u32::from(l - b'A') + 10,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// Byte ranges of IBANs in `text`.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let shaped = bytes[i].is_ascii_alphabetic()
            && bytes[i + 1].is_ascii_alphabetic()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit();
        if at_word_start && shaped {
            if let Some(end) = longest_from(bytes, i) {
                found.push(i..end);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The end of the longest IBAN starting at `start`: one unbroken run, or groups joined
/// by single spaces as IBANs are printed (four characters each, the last one to four),
/// tried from the longest down.
fn longest_from(bytes: &[u8], start: usize) -> Option<usize> {
    let mut groups = Vec::new();
    let mut pos = start;
    let mut chars = 0;
    loop {
        let begin = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphanumeric() {
            pos += 1;
        }
        chars += pos - begin;
        if chars > MAX_CHARS {
            break;
        }
        groups.push(begin..pos);
        let joined = bytes.get(pos) == Some(&b' ')
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_alphanumeric);
        if !joined {
            break;
        }
        pos += 1;
    }
    (1..=groups.len()).rev().find_map(|count| {
        let used = &groups[..count];
        let printed = count == 1
            || (used[..count - 1].iter().all(|g| g.len() == 4) && used[count - 1].len() <= 4);
        let end = used[count - 1].end;
        let compact: String = bytes[start..end]
            .iter()
            .filter(|b| **b != b' ')
            .map(|b| char::from(*b))
            .collect();
        let one_case = !(compact.bytes().any(|b| b.is_ascii_lowercase())
            && compact.bytes().any(|b| b.is_ascii_uppercase()));
        let rest = &compact.as_bytes()[4..];
        let digits = rest.iter().filter(|b| b.is_ascii_digit()).count();
        (printed && one_case && digits * 2 >= rest.len() && checksum_valid(&compact)).then_some(end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masked(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn example_ibans_are_found_grouped_or_not() {
        // The registry's examples (SWIFT IBAN Registry, https://www.swift.com/standards/data-standards/iban).
        assert_eq!(
            masked("please refund to GB82 WEST 1234 5698 7654 32 thanks"),
            ["GB82 WEST 1234 5698 7654 32"]
        );
        assert_eq!(
            masked("DE89370400440532013000."),
            ["DE89370400440532013000"]
        );
        assert_eq!(
            masked("iban: nl91 abna 0417 1643 00"),
            ["nl91 abna 0417 1643 00"]
        );
        assert_eq!(
            masked("FR14 2004 1010 0505 0001 3M02 606 and GB82 WEST 1234 5698 7654 32"),
            [
                "FR14 2004 1010 0505 0001 3M02 606",
                "GB82 WEST 1234 5698 7654 32"
            ]
        );
    }

    #[test]
    fn near_misses_and_ordinary_text_stay_visible() {
        for text in [
            "GB82 WEST 1234 5698 7654 33",
            "order AB12 3456 7890 1234 shipped",
            "on 2026-11-29 we spoke",
            "model XY99 is out of stock",
        ] {
            assert!(find(text).is_empty(), "{text}");
        }
    }

    /// `country` + check digits computed for `bban` (ISO 13616-1: 98 - (n mod 97)).
    fn iban(country: &str, bban: &str) -> String {
        let mut remainder: u32 = 0;
        for b in format!("{bban}{country}00").bytes() {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                l => u32::from(l - b'A') + 10,
            };
            remainder = if value >= 10 {
                (remainder * 100 + value) % 97
            } else {
                (remainder * 10 + value) % 97
            };
        }
        format!("{country}{:02}{bban}", 98 - remainder)
    }

    proptest! {
        #[test]
        fn every_iban_with_a_valid_checksum_is_found(
            country in "[A-Z]{2}",
            bank in "[A-Z]{0,4}",
            account in "[0-9]{11,26}",
            spaced in any::<bool>(),
        ) {
            // Shaped like national formats: a bank code in letters, then digits (GB, NL).
            let bban = format!("{bank}{account}");
            prop_assume!(bban.len() <= 30);
            let compact = iban(&country, &bban);
            prop_assert!(checksum_valid(&compact));
            let written = if spaced {
                compact
                    .as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                compact.clone()
            };
            let text = format!("send it to {written} today");
            prop_assert_eq!(masked(&text), vec![written.as_str()]);
        }

        #[test]
        fn one_changed_digit_breaks_the_checksum(
            country in "[A-Z]{2}",
            bban in "[0-9]{11,26}",
            at in any::<proptest::sample::Index>(),
            delta in 1u8..=9,
        ) {
            let mut bytes = iban(&country, &bban).into_bytes();
            let i = 4 + at.index(bytes.len() - 4);
            bytes[i] = b'0' + (bytes[i] - b'0' + delta) % 10;
            let text = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(!checksum_valid(&text));
        }
    }
}
