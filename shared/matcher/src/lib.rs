//! # frontline-matcher
//!
//! The matcher: one site's intents and knowledge base turned into decisions.
//!
//! At load time every intent becomes a class of the [`Classifier`] (its examples, plus the
//! titles and `questions` of articles linked to it), every unlinked article becomes a
//! class of its own (title, `questions`, headings; up to [`MAX_ARTICLE_CLASSES`] of them,
//! beyond which articles are found by retrieval only), and the intents file's
//! out-of-scope examples become the reject class. A question then goes through:
//! 1. [`HumanRequest`]: an explicit request for a person hands off at once;
//! 2. the classifier: ranked candidates with calibrated confidence; with a sentence
//!    [`encoder`], the [`hybrid`] ranking (lexical and semantic probabilities averaged);
//! 3. [`clarify`]: a vague question ("help", "my order") gets a clarifying choice of
//!    intents instead of a guess or a form, unless an always-handoff intent matched;
//! 4. the thresholds ([`Thresholds`]): answer, suggest or hand off;
//! 5. intent rules: an intent with `handoff = true` always hands off;
//! 6. the knowledge base (tantivy): related articles with highlighted snippets, offered
//!    with suggestions and handoffs.
//!
//! # Layout
//! - [`classifier`]: the intent classifier trained from example utterances at load time,
//!   with calibrated confidence and thresholds tuned on validation data. The
//!   `frontline-eval` binary scores it on JSONL data sets (e.g. CLINC150).
//! - [`encoder`]: the multilingual sentence encoder (BERT in-process on the CPU).
//! - [`hybrid`]: the lexical classifier beside a linear head on sentence embeddings.
//! - [`knowledge`]: the knowledge base (Markdown articles indexed in tantivy).
//! - [`intents`]: the intents file (examples, answer templates, routing facts).
//! - [`decision`]: the decision types.
//! - [`human_request`]: the "talk to a person" rules.
//! - [`clarify`]: spotting vague input and the site's top intents to offer for it.
//! - [`language`]: the language a customer writes in, and each storefront language's
//!   generic words (what the vague-question rule leaves out, and what recognises a short
//!   question's language).
//! - [`question`]: a question with its language detected once, and prepared for deciding.
//! - [`live`]: a matcher that reloads atomically when its files change.

pub mod clarify;
pub mod classifier;
pub mod cross_lingual;
pub mod decision;
pub mod encoder;
pub mod human_request;
pub mod hybrid;
pub mod intents;
pub mod knowledge;
pub mod language;
pub mod live;
pub mod question;
mod training;

pub use decision::{
    split_transcript_text, Answer, CandidateKind, ClarifyOption, Decision, DecisionKind,
    HandoffReason, Suggestion,
};
pub use human_request::HumanRequest;
pub use training::{IgnoredLink, MAX_ARTICLE_CLASSES};

use std::collections::HashMap;
use std::sync::Arc;

use crate::classifier::{Classifier, Thresholds, Verdict};
use crate::encoder::{DiskCache, Encoder, EncoderError};
use crate::hybrid::{HybridOptions, Ranker};
use crate::intents::{Intent, IntentSet};
use crate::knowledge::vectors::ArticleVectors;
use crate::knowledge::{Article, KnowledgeBase, KnowledgeError};
use crate::question::{PreparedQuestion, Question};
use frontline_shared::escalation::{MatchedCandidate, Priority};
use frontline_shared::templates::{markdown_to_safe_html, Templates};

/// Why a matcher could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error(transparent)]
    Intents(#[from] crate::intents::IntentsError),
    #[error("intent {intent:?} links article {article:?}, which does not exist")]
    UnknownArticle { intent: String, article: String },
    #[error("intent answer template: {0}")]
    Template(#[from] frontline_shared::templates::TemplateError),
    #[error("cannot train the classifier: {0}")]
    Classifier(#[from] classifier::ClassifierError),
    #[error(transparent)]
    Encoder(#[from] EncoderError),
}

/// What the answer templates may use (defined with the templates, so saved replies
/// render with the same context).
pub use frontline_shared::templates::AnswerContext;

/// A class of the classifier, resolved back to what it stands for.
#[derive(Debug, Clone)]
enum Target {
    Intent(usize),
    Article(usize),
    OutOfScope,
}

/// An immutable, ready-to-query matcher for one site.
#[derive(Debug)]
pub struct Matcher {
    knowledge: KnowledgeBase,
    intents: IntentSet,
    /// The lexical classifier, with the sentence encoder's head when one is configured.
    classifier: Ranker,
    targets: Vec<Target>,
    thresholds: Thresholds,
    human: HumanRequest,
    /// Intent answer templates, compiled once, by intent name.
    answers: Templates,
    /// Answers that do not depend on the customer, rendered once at load.
    static_answers: HashMap<String, Answer>,
    /// Intent links to articles that did not load (only while some file is broken).
    ignored_links: Vec<IgnoredLink>,
    /// What a clarifying choice offers when no candidate is relevant (indexes into the
    /// intents), from [`clarify::top_intents`].
    top_intents: Vec<usize>,
    /// The ISO 639-1 code of the site's own language (its `locale`): what intent answers
    /// are written in unless translated.
    site_language: String,
}

/// When a matcher with a sentence encoder embeds its knowledge articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleEmbedding {
    /// While it is built.
    AtBuild,
    /// Later, by [`Matcher::embed_articles`]; until then related articles come from BM25
    /// alone.
    Later,
}

impl Matcher {
    /// A matcher on the lexical classifier alone.
    pub fn build(
        knowledge: KnowledgeBase,
        intents: IntentSet,
        thresholds: Thresholds,
        human: HumanRequest,
    ) -> Result<Matcher, MatcherError> {
        Matcher::build_with_encoder(knowledge, intents, thresholds, human, None, None)
    }

    /// A matcher whose ranking adds `encoder`'s semantic head (see [`hybrid`]) and whose
    /// related-article search is hybrid ([`knowledge::vectors`]); the embeddings of
    /// training examples and articles come from (and go to) `disk` when given.
    pub fn build_with_encoder(
        knowledge: KnowledgeBase,
        intents: IntentSet,
        thresholds: Thresholds,
        human: HumanRequest,
        encoder: Option<&Arc<Encoder>>,
        disk: Option<&mut DiskCache>,
    ) -> Result<Matcher, MatcherError> {
        Matcher::build_embedding_articles(
            knowledge,
            intents,
            thresholds,
            human,
            encoder,
            disk,
            ArticleEmbedding::AtBuild,
        )
    }

    /// [`build_with_encoder`](Self::build_with_encoder), embedding the articles at build
    /// or leaving them to [`embed_articles`](Self::embed_articles).
    pub fn build_embedding_articles(
        knowledge: KnowledgeBase,
        intents: IntentSet,
        thresholds: Thresholds,
        human: HumanRequest,
        encoder: Option<&Arc<Encoder>>,
        disk: Option<&mut DiskCache>,
        articles: ArticleEmbedding,
    ) -> Result<Matcher, MatcherError> {
        let plan = training::plan(&knowledge, &intents)?;
        let lexical = Classifier::train(&plan.examples, &classifier::TrainOptions::default())?;
        let classifier = match encoder {
            None => Ranker::lexical(lexical),
            Some(encoder) => {
                let mut disk = disk;
                let ranker = Ranker::hybrid(
                    lexical,
                    encoder.clone(),
                    &plan.examples,
                    disk.as_deref_mut(),
                    &HybridOptions::default(),
                )?;
                if articles == ArticleEmbedding::AtBuild {
                    let vectors = ArticleVectors::embed(
                        encoder.clone(),
                        knowledge.articles(),
                        knowledge.original_positions(),
                        disk,
                    )?;
                    knowledge.set_vectors(vectors);
                }
                ranker
            }
        };
        let targets = classifier
            .labels()
            .iter()
            .map(|label| plan.target_of(label, &knowledge, &intents))
            .collect();
        let top_intents = clarify::top_intents(&intents.intents);
        let mut answers = frontline_shared::templates::answer_templates();
        for intent in &intents.intents {
            if let Some(template) = &intent.answer {
                answers.add(&intent.name, template)?;
            }
            for (code, translation) in &intent.translations {
                answers.add(&translated_name(&intent.name, code), &translation.answer)?;
            }
        }
        let mut matcher = Matcher {
            knowledge,
            intents,
            classifier,
            targets,
            thresholds,
            human,
            answers,
            static_answers: HashMap::new(),
            ignored_links: plan.ignored_links,
            top_intents,
            site_language: "en".to_string(),
        };
        let mut static_answers = HashMap::new();
        for intent in &matcher.intents.intents {
            if !intent.answer.as_deref().unwrap_or_default().contains("{{") {
                let answer = matcher.render_answer(intent, &AnswerContext::default(), None);
                static_answers.insert(intent.name.clone(), answer);
            }
            for (code, translation) in &intent.translations {
                if !translation.answer.contains("{{") {
                    let answer =
                        matcher.render_answer(intent, &AnswerContext::default(), Some(code));
                    static_answers.insert(translated_name(&intent.name, code), answer);
                }
            }
        }
        matcher.static_answers = static_answers;
        Ok(matcher)
    }

    /// This matcher for a site written in `locale` (a language tag, `de-AT` → `de`; the
    /// default is English).
    pub fn with_site_language(mut self, locale: &str) -> Matcher {
        self.site_language = language::primary(locale);
        self
    }

    /// This matcher running its sentence encoder on every question, not only when the
    /// lexical side is unsure (`[matcher] run_encoder = "always"`; see
    /// [`Ranker::run_encoder_always`]).
    pub fn with_encoder_always(mut self) -> Matcher {
        self.classifier.run_encoder_always();
        self
    }

    pub fn knowledge(&self) -> &KnowledgeBase {
        &self.knowledge
    }

    /// Embeds the original articles, through `disk` when given, when the matcher has an
    /// encoder and they are not embedded yet (built with [`ArticleEmbedding::Later`]).
    /// `Ok(true)` when this call embedded them. Blocking: run it off async threads.
    pub fn embed_articles(&self, disk: Option<&mut DiskCache>) -> Result<bool, EncoderError> {
        let Some(encoder) = self.classifier.encoder() else {
            return Ok(false);
        };
        if self.knowledge.has_vectors() {
            return Ok(false);
        }
        let vectors = ArticleVectors::embed(
            encoder.clone(),
            self.knowledge.articles(),
            self.knowledge.original_positions(),
            disk,
        )?;
        Ok(self.knowledge.set_vectors(vectors))
    }

    pub fn intents(&self) -> &IntentSet {
        &self.intents
    }

    /// Intent links to articles that did not load, ignored while some file is broken.
    pub fn ignored_links(&self) -> &[IgnoredLink] {
        &self.ignored_links
    }

    /// `question` with its language detected and read by the lexical classifier: what
    /// [`runs_encoder`](Matcher::runs_encoder) and
    /// [`decide_prepared`](Matcher::decide_prepared) share.
    pub fn prepare(&self, question: &str) -> PreparedQuestion {
        let question = Question::new(question);
        PreparedQuestion {
            lexical: self.classifier.classifier().probabilities(&question.text),
            foreign: self
                .classifier
                .is_foreign(&question.text, question.detected),
            question,
        }
    }

    /// Whether [`decide_prepared`](Matcher::decide_prepared) would run the sentence
    /// encoder on `prepared` (see [`Ranker::runs_encoder`]: the lexical side is unsure,
    /// the question is in another language than the examples', or the encoder runs
    /// always): milliseconds of CPU, not microseconds, so callers on async threads move
    /// such a decision off them.
    pub fn runs_encoder(&self, prepared: &PreparedQuestion) -> bool {
        self.classifier
            .semantic_weight(&prepared.lexical, prepared.foreign)
            .is_some()
    }

    /// Decides what to do with `question`, answering in the question's language
    /// ([`language::detect`]) where the answer has a version in it (see
    /// [`in_customer_language`](Self::in_customer_language)).
    pub fn decide(&self, question: &str, context: &AnswerContext) -> Decision {
        self.decide_prepared(self.prepare(question), context)
    }

    /// [`decide`](Matcher::decide) for a question this matcher has
    /// [prepared](Matcher::prepare).
    pub fn decide_prepared(&self, prepared: PreparedQuestion, context: &AnswerContext) -> Decision {
        let PreparedQuestion {
            question,
            lexical,
            foreign,
        } = prepared;
        let decision = self.decide_in_site_language(&question, lexical, foreign, context);
        match question.language() {
            Some(code) => self.in_customer_language(decision, code, context),
            None => decision,
        }
    }

    /// `decision` for a customer writing in `language`: an intent's answer from its
    /// translation, an article's from its version in that language (`translation_of`),
    /// article suggestions in that language where they exist; an answer that stays in
    /// another language carries a note saying so ([`language::only_in_note`]).
    fn in_customer_language(
        &self,
        mut decision: Decision,
        language: &str,
        context: &AnswerContext,
    ) -> Decision {
        if let Some(answer) = decision.answer.take() {
            decision.answer = Some(self.answer_in(answer, language, context));
        }
        for suggestion in &mut decision.suggestions {
            self.suggest_in(suggestion, language);
        }
        for option in &mut decision.options {
            self.offer_in(option, language);
        }
        let mut seen = std::collections::HashSet::new();
        decision
            .suggestions
            .retain(|s| seen.insert((s.kind.as_str(), s.id.clone())));
        decision
    }

    /// `answer` for a customer writing in `language`: its version in that language when it
    /// has one, with a note when it stays in another ([`language::only_in_note`]). An
    /// answer already in `language` (an English question on an English site, the usual
    /// case) comes back as it is: no copy, and no look-up beyond the one that tells its
    /// language.
    fn answer_in(&self, mut answer: Answer, language: &str, context: &AnswerContext) -> Answer {
        let article = match answer.kind {
            CandidateKind::Intent => {
                let Some(intent) = self.intents.intent(&answer.id) else {
                    return self.with_language_note(answer, language);
                };
                if intent.translations.contains_key(language) {
                    return self.intent_answer(intent, context, Some(language));
                }
                match self.answering_article(intent) {
                    Some(article) => article,
                    // The intent's own answer, written in the site's language.
                    None => return self.with_language_note(answer, language),
                }
            }
            CandidateKind::Article => match self.knowledge.article(&answer.id) {
                Some(article) => article,
                None => return self.with_language_note(answer, language),
            },
        };
        let locale = (language != self.site_language).then(|| language.to_owned());
        if language::primary(&article.locale) == language {
            answer.locale = locale;
            return answer;
        }
        match self.knowledge.version_in(article, language) {
            Some(version) => Answer {
                kind: answer.kind,
                id: answer.id,
                locale,
                ..article_answer(version)
            },
            None => self.with_language_note(answer, language),
        }
    }

    /// `answer`, which stays in the language it is written in, with the note telling a
    /// customer writing in `language` when that is another.
    fn with_language_note(&self, mut answer: Answer, language: &str) -> Answer {
        answer.language_note = language::only_in_note(language, &self.language_of(&answer));
        answer
    }

    /// The article an intent without an answer of its own answers with: its first linked
    /// article. `None` when the intent has an answer (or no article that loaded).
    fn answering_article(&self, intent: &Intent) -> Option<&Article> {
        let own = intent.answer.as_deref().unwrap_or_default();
        if !own.trim().is_empty() {
            return None;
        }
        self.knowledge.article(intent.articles.first()?)
    }

    /// The language `answer` is written in: its `locale`, an article's own, or the site's.
    fn language_of(&self, answer: &Answer) -> String {
        if let Some(locale) = &answer.locale {
            return locale.clone();
        }
        match answer.kind {
            CandidateKind::Article => self
                .knowledge
                .article(&answer.id)
                .map(|article| language::primary(&article.locale))
                .unwrap_or_else(|| self.site_language.clone()),
            CandidateKind::Intent => self.site_language.clone(),
        }
    }

    /// An intent's title in `language`, when it has a translation into it.
    fn intent_title_in(&self, name: &str, language: &str) -> Option<String> {
        let translation = self.intents.intent(name)?.translations.get(language)?;
        (!translation.title.is_empty()).then(|| translation.title.clone())
    }

    /// A clarifying `option` in `language`: an intent's translated title, an article's
    /// version in that language, where they exist.
    fn offer_in(&self, option: &mut ClarifyOption, language: &str) {
        match option.kind {
            CandidateKind::Intent => {
                if let Some(title) = self.intent_title_in(&option.id, language) {
                    option.title = title;
                }
            }
            CandidateKind::Article => {
                let version = self
                    .knowledge
                    .article(&option.id)
                    .and_then(|article| self.knowledge.version_in(article, language));
                if let Some(version) = version {
                    option.id = version.id.clone();
                    option.title = version.title.clone();
                }
            }
        }
    }

    /// Turns a `suggestion` into its version in `language`, when there is one: an
    /// intent's translated title, an article's version.
    fn suggest_in(&self, suggestion: &mut Suggestion, language: &str) {
        if suggestion.kind == CandidateKind::Intent {
            if let Some(title) = self.intent_title_in(&suggestion.id, language) {
                suggestion.title = title;
            }
            return;
        }
        let Some(article) = self.knowledge.article(&suggestion.id) else {
            return;
        };
        let Some(version) = self.knowledge.version_in(article, language) else {
            return;
        };
        if version.id != article.id {
            suggestion.id = version.id.clone();
            suggestion.title = version.title.clone();
            suggestion.url = version.url.clone();
            suggestion.snippet_html =
                frontline_shared::templates::escape_html(&version.excerpt(140));
        }
    }

    fn decide_in_site_language(
        &self,
        question: &Question,
        lexical: Vec<f32>,
        foreign: bool,
        context: &AnswerContext,
    ) -> Decision {
        let ranking = self
            .classifier
            .rank_read(&question.text, lexical, foreign, 5);
        let ranked = &ranking.ranked;
        let thresholds = self.thresholds.for_question(ranking.foreign);
        let matched = self.matched(ranked);
        let confidence = ranked.first().map(|r| r.confidence).unwrap_or(0.0);
        let mut decision = Decision {
            kind: DecisionKind::Handoff,
            confidence,
            answer: None,
            suggestions: Vec::new(),
            options: Vec::new(),
            handoff_reason: None,
            matched,
            intent: None,
            priority: Priority::Normal,
            tags: Vec::new(),
        };
        if self.human.matches(&question.text) {
            decision.handoff_reason = Some(HandoffReason::AskedForHuman);
            self.adopt_intent(&mut decision, ranked.first().map(|r| r.label));
            return decision;
        }
        let content_words = clarify::content_words(&question.text);
        // A question without a content word names no topic: it is taken for an
        // always-handoff intent only by its words (the lexical ranking, at the lexical
        // model's own suggest threshold), as the semantic head reads "I have a question"
        // or "problem" too near to the complaints' wording. So for a question in another
        // language too ("Tenho uma pergunta" was handed off as a complaint): its words
        // rarely reach that threshold, so it gets the choice.
        let (handoff_ranking, handoff_floor) = if content_words == 0 && ranking.semantic {
            (&ranking.lexical, classifier::Thresholds::default().suggest)
        } else {
            (ranked, thresholds.suggest)
        };
        if clarify::is_vague(
            content_words,
            ranking.by_words(),
            ranking.by_meaning(),
            self.classifier.labels(),
        ) && !self.always_handoff_matched(handoff_ranking, handoff_floor)
        {
            let options = self.clarify_options(ranking.by_words(), content_words);
            if options.len() >= 2 {
                decision.kind = DecisionKind::Clarify;
                decision.options = options;
                return decision;
            }
        }
        match classifier::decide(ranked, self.classifier.labels(), &thresholds) {
            Verdict::Answer(label) => self.answer_with(&mut decision, label, context),
            Verdict::Suggest(labels) => self.suggest(&mut decision, &labels, context, || {
                self.related_articles(&question.text, question.language(), 3)
            }),
            Verdict::Handoff => {
                let out_of_scope = ranked
                    .first()
                    .is_some_and(|r| matches!(self.targets.get(r.label), Some(Target::OutOfScope)));
                decision.handoff_reason = Some(if out_of_scope {
                    HandoffReason::OutOfScope
                } else {
                    HandoffReason::LowConfidence
                });
                decision.suggestions =
                    self.related_articles(&question.text, question.language(), 3);
            }
        }
        decision
    }

    /// The decision for an option the customer picked from a clarifying choice or the
    /// suggestions: as if they had asked that intent or article and it had matched for sure
    /// (confidence 1), so an always-handoff intent still hands off. `shown` is the option's
    /// text as the customer saw it: in their language, the answer is too. `None` for an
    /// unknown intent or article.
    pub fn decide_choice(
        &self,
        kind: CandidateKind,
        id: &str,
        shown: &str,
        context: &AnswerContext,
    ) -> Option<Decision> {
        let (title, target) = match kind {
            CandidateKind::Intent => {
                let i = self.intents.intents.iter().position(|i| i.name == id)?;
                (self.intents.intents[i].title.clone(), Target::Intent(i))
            }
            CandidateKind::Article => {
                let a = self.knowledge.articles().iter().position(|a| a.id == id)?;
                (
                    self.knowledge.articles()[a].title.clone(),
                    Target::Article(a),
                )
            }
        };
        let mut decision = Decision {
            kind: DecisionKind::Handoff,
            confidence: 1.0,
            answer: None,
            suggestions: Vec::new(),
            options: Vec::new(),
            handoff_reason: None,
            matched: vec![MatchedCandidate {
                kind: kind.as_str().into(),
                id: id.to_string(),
                title,
                confidence: 1.0,
            }],
            intent: None,
            priority: Priority::Normal,
            tags: Vec::new(),
        };
        match target {
            Target::Intent(i) => {
                let intent = &self.intents.intents[i];
                decision.intent = Some(intent.name.clone());
                decision.priority = intent.priority;
                decision.tags = intent.tags.clone();
                if intent.handoff {
                    decision.handoff_reason = Some(HandoffReason::AlwaysHandoff);
                    decision.answer = self.handoff_message(intent, context);
                } else {
                    decision.kind = DecisionKind::Answer;
                    decision.answer = Some(self.intent_answer(intent, context, None));
                }
            }
            Target::Article(a) => {
                decision.kind = DecisionKind::Answer;
                decision.answer = Some(article_answer(&self.knowledge.articles()[a]));
            }
            Target::OutOfScope => {}
        }
        Some(match language::detect(shown) {
            Some(code) => self.in_customer_language(decision, code, context),
            None => decision,
        })
    }

    /// Whether an always-handoff intent ranks first in `ranked` at `floor` or above (the
    /// suggest threshold of the ranking's model): a person should see it, vague or not
    /// ("this is unacceptable", "I'm very disappointed").
    fn always_handoff_matched(&self, ranked: &[classifier::Ranked], floor: f32) -> bool {
        ranked.first().is_some_and(|top| {
            top.confidence >= floor
                && matches!(self.targets.get(top.label),
                    Some(Target::Intent(i)) if self.intents.intents[*i].handoff)
        })
    }

    /// A clarifying choice (see [`clarify`]): the relevant candidates, then the best
    /// candidate's topic, then the site's top intents.
    fn clarify_options(
        &self,
        ranked: &[classifier::Ranked],
        content_words: usize,
    ) -> Vec<ClarifyOption> {
        let floor = if content_words == 0 {
            clarify::GUESS
        } else {
            clarify::RELEVANT
        };
        let relevant: Vec<Target> = ranked
            .iter()
            .filter(|r| r.confidence >= floor)
            .filter_map(|r| self.targets.get(r.label).cloned())
            .collect();
        let best_intent = relevant.iter().find_map(|t| match t {
            Target::Intent(i) => Some(&self.intents.intents[*i]),
            _ => None,
        });
        let topic = best_intent
            .filter(|_| content_words > 0)
            .and_then(|intent| intent.tags.first());
        let same_topic = self
            .intents
            .intents
            .iter()
            .enumerate()
            .filter(|(_, intent)| topic.is_some() && intent.tags.first() == topic)
            .map(|(i, _)| Target::Intent(i));
        let top = self.top_intents.iter().map(|i| Target::Intent(*i));
        let mut options: Vec<ClarifyOption> = Vec::new();
        for target in relevant.iter().cloned().chain(same_topic).chain(top) {
            let option = match target {
                Target::Intent(i) if !self.intents.intents[i].handoff => {
                    let intent = &self.intents.intents[i];
                    ClarifyOption {
                        kind: CandidateKind::Intent,
                        id: intent.name.clone(),
                        title: intent.title.clone(),
                    }
                }
                Target::Article(a) => {
                    let article = &self.knowledge.articles()[a];
                    ClarifyOption {
                        kind: CandidateKind::Article,
                        id: article.id.clone(),
                        title: article.title.clone(),
                    }
                }
                _ => continue,
            };
            if options.len() < clarify::MAX_OPTIONS && !options.contains(&option) {
                options.push(option);
            }
        }
        options
    }

    fn answer_with(&self, decision: &mut Decision, label: usize, context: &AnswerContext) {
        match self.targets.get(label) {
            Some(Target::Intent(i)) => {
                let intent = &self.intents.intents[*i];
                self.adopt_intent(decision, Some(label));
                if intent.handoff {
                    decision.handoff_reason = Some(HandoffReason::AlwaysHandoff);
                    decision.answer = self.handoff_message(intent, context);
                    return;
                }
                decision.kind = DecisionKind::Answer;
                decision.answer = Some(self.intent_answer(intent, context, None));
            }
            Some(Target::Article(a)) => {
                decision.kind = DecisionKind::Answer;
                decision.answer = Some(article_answer(&self.knowledge.articles()[*a]));
            }
            Some(Target::OutOfScope) | None => {
                decision.handoff_reason = Some(HandoffReason::OutOfScope);
            }
        }
    }

    /// Offers the close candidates; `related` (a knowledge-base search) runs only here and
    /// for handoffs, never on the fast path of a confident answer.
    fn suggest(
        &self,
        decision: &mut Decision,
        labels: &[usize],
        context: &AnswerContext,
        related: impl FnOnce() -> Vec<Suggestion>,
    ) {
        // An always-handoff intent on top wins over suggestions: a person should see it.
        if let Some(Target::Intent(i)) = labels.first().and_then(|l| self.targets.get(*l)) {
            let intent = &self.intents.intents[*i];
            if intent.handoff {
                self.adopt_intent(decision, labels.first().copied());
                decision.handoff_reason = Some(HandoffReason::AlwaysHandoff);
                decision.answer = self.handoff_message(intent, context);
                return;
            }
        }
        let related = related();
        decision.kind = DecisionKind::Suggest;
        decision.suggestions = decision
            .matched
            .iter()
            .filter(|m| labels.iter().any(|l| self.label_is(*l, m)))
            .filter_map(|m| self.suggestion_for(m, &related))
            .collect();
        if decision.suggestions.is_empty() {
            decision.kind = DecisionKind::Handoff;
            decision.handoff_reason = Some(HandoffReason::LowConfidence);
            decision.suggestions = related;
        }
    }

    fn label_is(&self, label: usize, candidate: &MatchedCandidate) -> bool {
        match self.targets.get(label) {
            Some(Target::Intent(i)) => {
                candidate.kind == "intent" && self.intents.intents[*i].name == candidate.id
            }
            Some(Target::Article(a)) => {
                candidate.kind == "article" && self.knowledge.articles()[*a].id == candidate.id
            }
            _ => false,
        }
    }

    /// Sets intent, priority and tags from the class `label` when it is an intent.
    fn adopt_intent(&self, decision: &mut Decision, label: Option<usize>) {
        if let Some(Target::Intent(i)) = label.and_then(|l| self.targets.get(l)) {
            let intent = &self.intents.intents[*i];
            decision.intent = Some(intent.name.clone());
            decision.priority = intent.priority;
            decision.tags = intent.tags.clone();
        }
    }

    fn matched(&self, ranked: &[classifier::Ranked]) -> Vec<MatchedCandidate> {
        ranked
            .iter()
            .filter_map(|r| {
                let (kind, id, title) = match self.targets.get(r.label)? {
                    Target::Intent(i) => {
                        let intent = &self.intents.intents[*i];
                        ("intent", intent.name.clone(), intent.title.clone())
                    }
                    Target::Article(a) => {
                        let article = &self.knowledge.articles()[*a];
                        ("article", article.id.clone(), article.title.clone())
                    }
                    Target::OutOfScope => return None,
                };
                Some(MatchedCandidate {
                    kind: kind.into(),
                    id,
                    title,
                    confidence: r.confidence,
                })
            })
            .collect()
    }

    fn suggestion_for(
        &self,
        candidate: &MatchedCandidate,
        related: &[Suggestion],
    ) -> Option<Suggestion> {
        let kind = if candidate.kind == "intent" {
            CandidateKind::Intent
        } else {
            CandidateKind::Article
        };
        let (snippet_html, url) = match kind {
            CandidateKind::Article => {
                let article = self.knowledge.article(&candidate.id)?;
                let snippet = related
                    .iter()
                    .find(|r| r.id == article.id)
                    .map(|r| r.snippet_html.clone())
                    .unwrap_or_else(|| {
                        frontline_shared::templates::escape_html(&article.excerpt(140))
                    });
                (snippet, article.url.clone())
            }
            CandidateKind::Intent => {
                let intent = self.intents.intent(&candidate.id)?;
                let article = intent
                    .articles
                    .first()
                    .and_then(|id| self.knowledge.article(id));
                let snippet =
                    article.map(|a| frontline_shared::templates::escape_html(&a.excerpt(140)));
                (
                    snippet.unwrap_or_default(),
                    article.and_then(|a| a.url.clone()),
                )
            }
        };
        Some(Suggestion {
            kind,
            id: candidate.id.clone(),
            title: candidate.title.clone(),
            snippet_html,
            url,
            confidence: candidate.confidence,
        })
    }

    /// Knowledge-base articles related to `text`, a question in `language` when detected
    /// (which sets how much BM25 counts: [`KnowledgeBase::lexical_weight`]), with
    /// highlighted snippets.
    pub fn related_articles(
        &self,
        text: &str,
        language: Option<&str>,
        limit: usize,
    ) -> Vec<Suggestion> {
        let hits = self
            .knowledge
            .related_with_snippets(text, language, limit, 160)
            .unwrap_or_default();
        article_suggestions(hits)
    }

    /// As-you-type suggestions: knowledge-base articles for what has been typed so far,
    /// the last word read as the start of a word and unknown words as possible typos.
    pub fn suggest_as_you_type(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let hits = self
            .knowledge
            .suggest_with_snippets(prefix, limit, 160)
            .unwrap_or_default();
        article_suggestions(hits)
    }

    /// The full answer for a known intent or article id (a picked suggestion).
    pub fn answer_for(
        &self,
        kind: CandidateKind,
        id: &str,
        context: &AnswerContext,
    ) -> Option<Answer> {
        match kind {
            CandidateKind::Article => self.knowledge.article(id).map(article_answer),
            CandidateKind::Intent => self
                .intents
                .intent(id)
                .filter(|i| !i.handoff)
                .map(|intent| self.intent_answer(intent, context, None)),
        }
    }

    /// What an always-handoff intent says while it fetches a person: its own `answer`
    /// (e.g. "I'm sorry… I'm getting a person from our team"), if it has one.
    fn handoff_message(&self, intent: &Intent, context: &AnswerContext) -> Option<Answer> {
        let wording = intent.answer.as_deref().unwrap_or_default();
        if wording.trim().is_empty() {
            return None;
        }
        Some(self.intent_answer(intent, context, None)).filter(|a| !a.text.trim().is_empty())
    }

    /// `intent`'s answer, in `language` when the intent has a translation into it.
    fn intent_answer(
        &self,
        intent: &Intent,
        context: &AnswerContext,
        language: Option<&str>,
    ) -> Answer {
        let language = language.filter(|code| intent.translations.contains_key(*code));
        let key = match language {
            Some(code) => translated_name(&intent.name, code),
            None => intent.name.clone(),
        };
        match self.static_answers.get(&key) {
            Some(answer) => answer.clone(),
            None => self.render_answer(intent, context, language),
        }
    }

    /// Renders `intent`'s answer, or its translation into `language` (which it has).
    fn render_answer(
        &self,
        intent: &Intent,
        context: &AnswerContext,
        language: Option<&str>,
    ) -> Answer {
        let article = intent
            .articles
            .first()
            .and_then(|id| self.knowledge.article(id));
        let translation = language.and_then(|code| Some((code, intent.translations.get(code)?)));
        if let Some((code, translation)) = translation {
            let markdown = self
                .answers
                .render(&translated_name(&intent.name, code), context)
                .unwrap_or_else(|e| {
                    tracing::warn!(intent = %intent.name, language = code, error = %e, "answer template failed");
                    String::new()
                });
            let title = if translation.title.is_empty() {
                intent.title.clone()
            } else {
                translation.title.clone()
            };
            return Answer {
                kind: CandidateKind::Intent,
                id: intent.name.clone(),
                title,
                html: markdown_to_safe_html(&markdown),
                text: markdown,
                url: article.and_then(|a| a.url.clone()),
                locale: Some(code.to_owned()),
                language_note: None,
            };
        }
        if let Some(article) = self.answering_article(intent) {
            return Answer {
                kind: CandidateKind::Intent,
                id: intent.name.clone(),
                ..article_answer(article)
            };
        }
        let markdown = match &intent.answer {
            Some(_) => self
                .answers
                .render(&intent.name, context)
                .unwrap_or_else(|e| {
                    tracing::warn!(intent = %intent.name, error = %e, "answer template failed");
                    String::new()
                }),
            None => String::new(),
        };
        // A template that failed (or rendered nothing) gives the linked article rather than
        // an empty answer.
        if markdown.trim().is_empty() {
            if let Some(article) = article {
                return Answer {
                    kind: CandidateKind::Intent,
                    id: intent.name.clone(),
                    ..article_answer(article)
                };
            }
        }
        Answer {
            kind: CandidateKind::Intent,
            id: intent.name.clone(),
            title: intent.title.clone(),
            html: markdown_to_safe_html(&markdown),
            text: markdown,
            url: article.and_then(|a| a.url.clone()),
            locale: None,
            language_note: None,
        }
    }
}

/// The template name of an intent's answer in another language.
fn translated_name(intent: &str, code: &str) -> String {
    format!("{intent}@{code}")
}

fn article_suggestions(hits: Vec<crate::knowledge::ArticleHit<'_>>) -> Vec<Suggestion> {
    hits.into_iter()
        .map(|hit| Suggestion {
            kind: CandidateKind::Article,
            id: hit.article.id.clone(),
            title: hit.article.title.clone(),
            snippet_html: hit.snippet_html,
            url: hit.article.url.clone(),
            confidence: 0.0,
        })
        .collect()
}

fn article_answer(article: &Article) -> Answer {
    Answer {
        kind: CandidateKind::Article,
        id: article.id.clone(),
        title: article.title.clone(),
        html: article.html.clone(),
        text: article.excerpt(600),
        url: article.url.clone(),
        locale: None,
        language_note: None,
    }
}
