//! Spotting an explicit request for a person ("can I talk to a human?").
//!
//! Rules over normalized tokens rather than the classifier: a customer who asks for a
//! person must get one even when their words also look like an FAQ. A request is a
//! reaching verb followed within four words by a person noun ("speak with someone",
//! "connect me to an agent"), a bare person noun ("agent", "human please"), or one of the
//! configured extra phrases.

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

/// Detects requests for a person.
#[derive(Debug, Clone, Default)]
pub struct HumanRequest {
    extra_phrases: Vec<String>,
}

impl HumanRequest {
    /// `extra_phrases` are matched as normalized substrings (e.g. other languages).
    pub fn new(extra_phrases: &[String]) -> Self {
        HumanRequest {
            extra_phrases: extra_phrases
                .iter()
                .map(|p| normalize(p))
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
    fn configured_phrases_count_too() {
        let detector = HumanRequest::new(&["mit einem Menschen sprechen".to_string()]);
        assert!(detector.matches("Ich möchte mit einem Menschen sprechen"));
    }
}
