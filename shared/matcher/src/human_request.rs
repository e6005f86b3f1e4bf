//! Spotting an explicit request for a person ("can I talk to a human?").
//!
//! Rules over normalized tokens rather than the classifier: a customer who asks for a
//! person must get one even when their words also look like an FAQ. A request is a
//! reaching verb followed within four words by a person noun ("speak with someone",
//! "connect me to an agent"), a bare person noun ("agent", "human please"), one of the
//! built-in phrases of the common storefront languages ([`BUILT_IN_PHRASES`]: de, fr, es,
//! it, nl, pt), or one of the configured extra phrases.

use frontline_shared::text::normalize;

const VERBS: &[&str] = &[
    "talk", "speak", "chat", "connect", "transfer", "reach", "contact", "call", "get", "want",
    "need", "give", "escalate",
];
const PEOPLE: &[&str] = &[
    "human",
    "humans",
    "person",
    "people",
    "agent",
    "agents",
    "representative",
    "rep",
    "someone",
    "somebody",
    "operator",
    "staff",
    "employee",
    "manager",
    "supervisor",
    "support",
    "team",
];
const FILLERS: &[&str] = &[
    "please", "pls", "now", "a", "an", "real", "live", "the", "actual", "to", "with",
];

/// "Talk to a person" in German, French, Spanish, Italian, Dutch and Portuguese, matched
/// like configured phrases (normalized, on word boundaries).
pub const BUILT_IN_PHRASES: &[&str] = &[
    // de
    "mit einem menschen",
    "mit einer person sprechen",
    "mit einer echten person",
    "mit einem mitarbeiter",
    "mit einer mitarbeiterin",
    "mit jemandem sprechen",
    "einen menschen sprechen",
    "einen mitarbeiter sprechen",
    // fr
    "parler à un humain",
    "parler à une personne",
    "parler à quelqu'un",
    "parler à un conseiller",
    "parler à un agent",
    "une vraie personne",
    // es
    "hablar con una persona",
    "hablar con un humano",
    "hablar con alguien",
    "hablar con un agente",
    "hablar con un asesor",
    // it
    "parlare con una persona",
    "parlare con un operatore",
    "parlare con un umano",
    "parlare con qualcuno",
    // nl
    "met een mens",
    "met een medewerker",
    "met iemand spreken",
    "met iemand praten",
    // pt
    "falar com uma pessoa",
    "falar com um humano",
    "falar com um atendente",
    "falar com alguém",
];

/// Detects requests for a person.
#[derive(Debug, Clone)]
pub struct HumanRequest {
    /// The built-in phrases and the configured ones, normalized.
    extra_phrases: Vec<String>,
}

impl Default for HumanRequest {
    fn default() -> Self {
        HumanRequest::new(&[])
    }
}

impl HumanRequest {
    /// `extra_phrases` are matched as normalized substrings (e.g. other languages).
    pub fn new(extra_phrases: &[String]) -> Self {
        HumanRequest {
            extra_phrases: BUILT_IN_PHRASES
                .iter()
                .copied()
                .chain(extra_phrases.iter().map(String::as_str))
                .map(normalize)
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        let normalized = normalize(text);
        if self
            .extra_phrases
            .iter()
            .any(|p| contains_phrase(&normalized, p))
        {
            return true;
        }
        let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
        let only_person = !tokens.is_empty()
            && tokens
                .iter()
                .all(|t| PEOPLE.contains(t) || FILLERS.contains(t))
            && tokens
                .iter()
                .any(|t| PEOPLE.contains(t) && *t != "support" && *t != "team");
        only_person || verb_then_person(&tokens)
    }
}

fn verb_then_person(tokens: &[&str]) -> bool {
    tokens.iter().enumerate().any(|(i, token)| {
        VERBS.contains(token)
            && tokens[i + 1..]
                .iter()
                .take(4)
                .any(|t| PEOPLE.contains(t) && !matches!(*t, "support" | "team" | "staff"))
    })
}

fn contains_phrase(text: &str, phrase: &str) -> bool {
    format!(" {text} ").contains(&format!(" {phrase} "))
}

#[cfg(test)]
mod tests {
    use super::HumanRequest;

    #[test]
    fn recognises_requests_for_a_person() {
        let detector = HumanRequest::default();
        for text in [
            "I want to talk to a human",
            "Can I speak with someone please?",
            "connect me to an agent",
            "HUMAN!!!",
            "real person please",
            "let me talk to a representative",
            "I need to speak to a manager",
        ] {
            assert!(detector.matches(text), "{text}");
        }
    }

    #[test]
    fn leaves_ordinary_questions_alone() {
        let detector = HumanRequest::default();
        for text in [
            "how long does shipping take",
            "where is my order",
            "do you have this jacket in a size for someone tall",
            "what does your support team cover for warranty",
            "can I get a refund",
        ] {
            assert!(!detector.matches(text), "{text}");
        }
    }

    #[test]
    fn requests_in_other_languages_are_built_in() {
        let detector = HumanRequest::default();
        for text in [
            "Ich möchte mit einem Menschen sprechen",
            "Kann ich bitte mit einem Mitarbeiter reden?",
            "Je voudrais parler à quelqu'un",
            "Puis-je parler à un conseiller ?",
            "Quiero hablar con una persona",
            "Vorrei parlare con un operatore",
            "Ik wil met een medewerker praten",
            "Quero falar com um atendente",
        ] {
            assert!(detector.matches(text), "{text}");
        }
        for text in [
            "Wo ist meine Bestellung?",
            "¿Cuánto cuesta el envío?",
            "Je voudrais retourner un article",
        ] {
            assert!(!detector.matches(text), "{text}");
        }
    }

    #[test]
    fn configured_phrases_count_too() {
        let detector = HumanRequest::new(&["mit einem Menschen sprechen".to_string()]);
        assert!(detector.matches("Ich möchte mit einem Menschen sprechen"));
    }
}
