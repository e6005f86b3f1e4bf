//! Turning a site's intents and articles into classifier training examples.
//!
//! Intents are always classes. Articles linked to an intent teach that intent. An
//! article's translations (`translation_of`) teach nothing: with a few articles translated,
//! their words taught "German" more than their topic, and any German question went to
//! them ("Ich möchte etwas zurückgeben" to the gift-returns page, not to returns). A
//! question in another language reaches the original's class through the sentence
//! encoder, and is answered from the version in its language. Unlinked
//! articles become classes of their own only in help centres of up to
//! [`MAX_ARTICLE_CLASSES`] of them: the classifier's weights grow with features × classes,
//! and past a few hundred articles retrieval (tantivy) is the better tool, so large
//! knowledge bases answer through intents and offer articles as suggestions.

use std::collections::HashMap;

use super::{MatcherError, Target};
use crate::classifier::{Example, OUT_OF_SCOPE};
use crate::intents::IntentSet;
use crate::knowledge::KnowledgeBase;

/// Training examples plus how to map a label back to what it stands for.
pub(super) struct Plan {
    pub examples: Vec<Example>,
    /// Links to articles that did not load, ignored (see [`plan`]).
    pub ignored_links: Vec<IgnoredLink>,
}

/// An intent's link to an article that is not in the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IgnoredLink {
    pub intent: String,
    pub article: String,
}

fn intent_label(name: &str) -> String {
    format!("intent:{name}")
}

fn article_label(id: &str) -> String {
    format!("article:{id}")
}

/// Most unlinked articles that become classifier classes.
pub const MAX_ARTICLE_CLASSES: usize = 300;

/// The training plan. An intent linking an unknown article is an error (a typo in the
/// intents file), unless some knowledge files were skipped: the article may be one of
/// them, and one broken file must not stop the site, so the link is ignored until it
/// loads (and listed in [`Plan::ignored_links`]).
pub(super) fn plan(knowledge: &KnowledgeBase, intents: &IntentSet) -> Result<Plan, MatcherError> {
    // Articles linked to an intent (from either side) teach that intent.
    let mut owner: HashMap<&str, &str> = HashMap::new();
    let mut ignored_links = Vec::new();
    for intent in &intents.intents {
        for article in &intent.articles {
            if knowledge.article(article).is_none() {
                if knowledge.problems().is_empty() {
                    return Err(MatcherError::UnknownArticle {
                        intent: intent.name.clone(),
                        article: article.clone(),
                    });
                }
                ignored_links.push(IgnoredLink {
                    intent: intent.name.clone(),
                    article: article.clone(),
                });
                continue;
            }
            owner
                .entry(article.as_str())
                .or_insert(intent.name.as_str());
        }
    }
    for article in knowledge.articles() {
        if let Some(name) = article.intents.iter().find(|n| intents.intent(n).is_some()) {
            owner.entry(article.id.as_str()).or_insert(name.as_str());
        }
    }
    let mut examples = Vec::new();
    let mut push = |text: &str, label: &str| {
        if !text.trim().is_empty() {
            examples.push(Example {
                text: text.to_string(),
                label: label.to_string(),
            });
        }
    };
    for intent in &intents.intents {
        let label = intent_label(&intent.name);
        push(&intent.title, &label);
        for example in &intent.examples {
            push(example, &label);
        }
    }
    // Translations teach nothing (see the module docs).
    let originals: Vec<&crate::knowledge::Article> = knowledge
        .articles()
        .iter()
        .filter(|a| knowledge.original_id(a) == a.id)
        .collect();
    let unlinked = originals
        .iter()
        .filter(|a| !owner.contains_key(a.id.as_str()))
        .count();
    let articles_are_classes = unlinked <= MAX_ARTICLE_CLASSES;
    for article in originals {
        let label = match owner.get(article.id.as_str()) {
            Some(intent) => intent_label(intent),
            None if articles_are_classes => article_label(&article.id),
            None => continue,
        };
        push(&article.title, &label);
        for question in &article.questions {
            push(question, &label);
        }
        if !owner.contains_key(article.id.as_str()) {
            for heading in article.headings.iter().filter(|h| **h != article.title) {
                push(heading, &label);
            }
        }
    }
    for example in &intents.out_of_scope {
        push(example, OUT_OF_SCOPE);
    }
    Ok(Plan {
        examples,
        ignored_links,
    })
}

impl Plan {
    pub(super) fn target_of(
        &self,
        label: &str,
        knowledge: &KnowledgeBase,
        intents: &IntentSet,
    ) -> Target {
        if let Some(name) = label.strip_prefix("intent:") {
            if let Some(i) = intents.intents.iter().position(|x| x.name == name) {
                return Target::Intent(i);
            }
        }
        if let Some(id) = label.strip_prefix("article:") {
            if let Some(a) = knowledge.articles().iter().position(|x| x.id == id) {
                return Target::Article(a);
            }
        }
        Target::OutOfScope
    }
}
