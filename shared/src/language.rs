//! The languages customer-facing texts outside the widget are bundled in (the rating page,
//! the mails' dates), the same two as the widget's strings: English and German. A
//! locale tag (`de`, `de-AT`, `en_GB`) picks by its language; anything else is English.
//! To add a language, add a variant and give every `match` on it its text.

use jiff::ZonedDateTime;

/// A bundled language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    German,
}

impl Language {
    /// The language of a locale tag: its first subtag, case-insensitive.
    pub fn from_tag(tag: &str) -> Language {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("de") {
            Language::German
        } else {
            Language::English
        }
    }

    /// The first of `tags` that is given, else English.
    pub fn first_of<'a>(tags: impl IntoIterator<Item = Option<&'a str>>) -> Language {
        tags.into_iter()
            .flatten()
            .find(|t| !t.trim().is_empty())
            .map_or(Language::English, Language::from_tag)
    }

    /// The `lang` attribute of an HTML page in this language.
    pub fn html_lang(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
        }
    }

    /// When a team opens next, as a customer reads it: `Monday 09:00 (Europe/Berlin)`,
    /// `Montag, 09:00 Uhr (Europe/Berlin)`.
    pub fn opening(self, at: &ZonedDateTime) -> String {
        let zone = at.time_zone().iana_name().unwrap_or("UTC");
        match self {
            Language::English => format!("{} ({zone})", at.strftime("%A %H:%M")),
            Language::German => format!(
                "{}, {} Uhr ({zone})",
                german_weekday(at.weekday()),
                at.strftime("%H:%M")
            ),
        }
    }
}

fn german_weekday(day: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday::*;
    match day {
        Monday => "Montag",
        Tuesday => "Dienstag",
        Wednesday => "Mittwoch",
        Thursday => "Donnerstag",
        Friday => "Freitag",
        Saturday => "Samstag",
        Sunday => "Sonntag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_picks_its_language_and_others_are_english() {
        assert_eq!(Language::from_tag("de"), Language::German);
        assert_eq!(Language::from_tag("DE-at"), Language::German);
        assert_eq!(Language::from_tag("de_CH"), Language::German);
        assert_eq!(Language::from_tag("en-GB"), Language::English);
        assert_eq!(Language::from_tag("fr"), Language::English);
        assert_eq!(Language::from_tag("dea"), Language::English);
        assert_eq!(
            Language::first_of([None, Some(""), Some("de"), Some("en")]),
            Language::German
        );
        assert_eq!(Language::first_of([None]), Language::English);
    }

    #[test]
    fn an_opening_reads_in_the_language() {
        let at: ZonedDateTime = "2030-12-02T09:00[Europe/Berlin]".parse().expect("zoned");
        assert_eq!(
            Language::English.opening(&at),
            "Monday 09:00 (Europe/Berlin)"
        );
        assert_eq!(
            Language::German.opening(&at),
            "Montag, 09:00 Uhr (Europe/Berlin)"
        );
        let saturday: ZonedDateTime = "2030-12-07T14:30[Europe/Berlin]".parse().expect("zoned");
        assert_eq!(
            Language::German.opening(&saturday),
            "Samstag, 14:30 Uhr (Europe/Berlin)"
        );
    }
}
