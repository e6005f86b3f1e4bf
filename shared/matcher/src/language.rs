//! The language a customer wrote in, for answering in it ([`detect`]).
//!
//! Detection is `whatlang`'s trigram model restricted to the storefront languages Frontline
//! has built-in phrases for ([`LANGUAGES`]), and only trusted at a confidence of
//! [`MIN_CONFIDENCE`] or more. Short questions rarely reach it ("my card was declined":
//! 0.006, "Kann ich mit PayPal bezahlen?": 0.39) and are then answered in the site's
//! language; "Wo ist meine Bestellung?" reaches 0.58.

use whatlang::{Detector, Lang};

/// The languages [`detect`] chooses among, with their ISO 639-1 codes.
pub const LANGUAGES: &[(Lang, &str)] = &[
    (Lang::Eng, "en"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Spa, "es"),
    (Lang::Ita, "it"),
    (Lang::Nld, "nl"),
    (Lang::Por, "pt"),
];

/// How sure whatlang must be (its `confidence`, 0–1) before an answer changes language.
pub const MIN_CONFIDENCE: f64 = 0.5;

/// The ISO 639-1 code of `text`'s language, when it is one of [`LANGUAGES`] and whatlang
/// is at least [`MIN_CONFIDENCE`] sure of it.
pub fn detect(text: &str) -> Option<&'static str> {
    let detector = Detector::with_allowlist(LANGUAGES.iter().map(|(lang, _)| *lang).collect());
    let info = detector.detect(text)?;
    if info.confidence() < MIN_CONFIDENCE {
        return None;
    }
    LANGUAGES
        .iter()
        .find(|(lang, _)| *lang == info.lang())
        .map(|(_, code)| *code)
}

/// The language part of a locale tag (`de-AT` → `de`), lower-case.
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_questions_are_recognised_in_each_storefront_language() {
        for (text, code) in [
            ("Where is my order? I placed it last week.", "en"),
            (
                "Wo ist meine Bestellung? Ich habe sie letzte Woche aufgegeben.",
                "de",
            ),
            (
                "Où est ma commande ? Je l'ai passée la semaine dernière et je n'ai toujours rien reçu.",
                "fr",
            ),
            ("¿Dónde está mi pedido? Lo hice la semana pasada.", "es"),
            ("Dov'è il mio ordine? L'ho fatto la settimana scorsa.", "it"),
            (
                "Waar is mijn bestelling? Ik heb die vorige week geplaatst.",
                "nl",
            ),
            (
                "Olá, onde está a minha encomenda? Já fiz o pagamento há uma semana e não recebi nada.",
                "pt",
            ),
        ] {
            assert_eq!(detect(text), Some(code), "{text}");
        }
    }

    #[test]
    fn short_or_ambiguous_questions_keep_the_sites_language() {
        for text in [
            "my card was declined",
            "help",
            "refund",
            "how do i reset my password",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn a_locale_tag_gives_its_language() {
        assert_eq!(primary("de-AT"), "de");
        assert_eq!(primary("EN_gb"), "en");
        assert_eq!(primary("fr"), "fr");
    }
}
