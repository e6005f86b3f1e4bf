//! What the rating page says, in the widget's bundled languages (English, German; see
//! [`Language`]). `{n}` stands for the rating. To add a language, add its texts here.

use frontline_shared::language::Language;

/// Every text the rating page shows.
#[derive(Debug)]
pub struct PageTexts {
    /// The page's title and heading while it asks.
    pub ask_title: &'static str,
    /// Before the form; `{n}` is the rating, shown bold.
    pub rating_before: &'static str,
    pub rating_after: &'static str,
    /// "… out of 5" after the rating.
    pub out_of_five: &'static str,
    pub comment_label: &'static str,
    pub send: &'static str,
    /// The page's title and heading once recorded.
    pub thanks_title: &'static str,
    /// Once recorded; `{n}` is the rating.
    pub thanks: &'static str,
    /// The escalation was reopened meanwhile.
    pub reopened: &'static str,
    /// The title of a page that rates nothing.
    pub error_title: &'static str,
    /// An unknown or forged link, or a rating outside 1–5.
    pub invalid_link: &'static str,
}

const ENGLISH: PageTexts = PageTexts {
    ask_title: "How did we do?",
    rating_before: "Thank you! You are rating our help",
    rating_after: ".",
    out_of_five: "out of 5",
    comment_label: "Anything you would like to tell us? (optional)",
    send: "Send my rating",
    thanks_title: "Thank you",
    thanks: "Thank you for your rating of {n} out of 5. It helps us help you better.",
    reopened: "Your question is open again, so there is nothing to rate yet.",
    error_title: "Rating",
    invalid_link: "This rating link is not valid. Please use the links in our email.",
};

const GERMAN: PageTexts = PageTexts {
    ask_title: "Wie waren wir?",
    rating_before: "Vielen Dank! Sie bewerten unsere Hilfe mit",
    rating_after: ".",
    out_of_five: "von 5",
    comment_label: "Möchten Sie uns noch etwas sagen? (optional)",
    send: "Bewertung senden",
    thanks_title: "Vielen Dank",
    thanks: "Danke für Ihre Bewertung mit {n} von 5. Sie hilft uns, Ihnen besser zu helfen.",
    reopened: "Ihre Frage ist wieder offen, es gibt also noch nichts zu bewerten.",
    error_title: "Bewertung",
    invalid_link:
        "Dieser Bewertungslink ist nicht gültig. Bitte nutzen Sie die Links in unserer E-Mail.",
};

/// The page's texts in `language`.
pub fn in_language(language: Language) -> &'static PageTexts {
    match language {
        Language::English => &ENGLISH,
        Language::German => &GERMAN,
    }
}
