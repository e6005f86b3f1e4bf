//! Decisions on the demo storefront's real knowledge base and intents, and reloading under
//! concurrent queries.

use frontline_matcher::classifier::Thresholds;
use frontline_matcher::live::{LiveMatcher, MatcherSource};
use frontline_matcher::{AnswerContext, CandidateKind, DecisionKind, HandoffReason, Matcher};
use frontline_shared::site_id::SiteId;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

mod support;
use support::{copy_dir, related_ids};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../widget-server/demo")
}

fn source(dir: &Path) -> MatcherSource {
    MatcherSource {
        knowledge_dir: dir.join("kb"),
        intents_file: dir.join("intents.toml"),
        thresholds: Thresholds::default(),
        human_phrases: vec![],
        encoder: None,
        embedding_cache: None,
        site_locale: "en".into(),
        embed_in_background_above: frontline_matcher::live::EMBED_IN_BACKGROUND_ABOVE,
        encoder_always: false,
    }
}

fn demo_matcher() -> Matcher {
    source(&demo()).build().expect("the demo storefront loads")
}

fn context() -> AnswerContext {
    AnswerContext {
        customer: serde_json::Map::from_iter([("name".to_string(), serde_json::json!("Sam"))]),
        site: Some(SiteId::parse("demo").expect("a site id")),
        page_url: None,
    }
}

#[test]
fn clear_questions_are_answered_with_the_right_article() {
    let matcher = demo_matcher();
    for (question, url) in [
        (
            "How long does delivery to the UK take?",
            "https://northwind.example/help/shipping-times",
        ),
        (
            "how do I send back a jacket that doesn't fit",
            "https://northwind.example/help/start-a-return",
        ),
        (
            "I forgot my password and can't log in",
            "https://northwind.example/help/reset-password",
        ),
        (
            "can I pay with klarna",
            "https://northwind.example/help/payment-methods",
        ),
    ] {
        let decision = matcher.decide(question, &context());
        assert_eq!(
            decision.kind,
            DecisionKind::Answer,
            "{question}: {decision:?}"
        );
        let answer = decision.answer.expect("an answer");
        assert_eq!(answer.url.as_deref(), Some(url), "{question}");
        assert!(!answer.html.contains("<script"), "{question}");
        assert!((0.0..=1.0).contains(&decision.confidence));
    }
}

#[test]
fn always_handoff_intents_hand_off_with_their_priority() {
    let matcher = demo_matcher();
    let decision = matcher.decide(
        "I'm contacting my lawyer about this, it's a legal matter",
        &context(),
    );
    assert_eq!(decision.kind, DecisionKind::Handoff, "{decision:?}");
    assert_eq!(decision.handoff_reason, Some(HandoffReason::AlwaysHandoff));
    assert_eq!(decision.intent.as_deref(), Some("legal_request"));
    assert_eq!(
        decision.priority,
        frontline_shared::escalation::Priority::High
    );
}

#[test]
fn asking_for_a_person_hands_off() {
    let matcher = demo_matcher();
    for text in [
        "I want to talk to a human",
        "can I speak to a real person please",
        "agent",
    ] {
        let decision = matcher.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Handoff, "{text}");
        assert_eq!(
            decision.handoff_reason,
            Some(HandoffReason::AskedForHuman),
            "{text}"
        );
    }
}

/// Issue 19: "talk to a person" is built in for the common storefront languages (German,
/// French, Spanish, Italian, Dutch, Portuguese), so these hand off like the English ones.
#[test]
fn asking_for_a_person_in_other_languages_hands_off() {
    let matcher = demo_matcher();
    for text in [
        "Ich möchte mit einem Menschen sprechen",
        "Kann ich bitte mit einem Mitarbeiter sprechen?",
        "Je voudrais parler à un humain",
        "Puis-je parler à un conseiller ?",
        "Quiero hablar con una persona",
        "¿Puedo hablar con un agente?",
        "Vorrei parlare con un operatore",
        "Kan ik met iemand praten?",
        "Gostaria de falar com uma pessoa",
        // In no built-in phrase: a verb of speaking and a word for a person (this one was
        // answered with suggestions before).
        "Ich will mit einer Person reden",
        "Pásame con un agente, por favor",
        "parler a un humain",
        // Asking for someone and saying why, with words the demo's intents know (before,
        // not taken as requests: the first was handed off as out of scope).
        "Je veux un conseiller, ma commande n'est jamais arrivée",
        "Ich brauche einen Mitarbeiter, weil meine Bestellung nicht angekommen ist",
        "Necesito un agente porque me cobraron dos veces",
    ] {
        let decision = matcher.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Handoff, "{text}: {decision:?}");
        assert_eq!(
            decision.handoff_reason,
            Some(HandoffReason::AskedForHuman),
            "{text}"
        );
    }
}

#[test]
fn gibberish_and_off_topic_questions_hand_off() {
    let matcher = demo_matcher();
    for text in [
        "asdkj qwpoe zzxv",
        "What is the capital of France?",
        "tell me a joke about penguins",
    ] {
        let decision = matcher.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Handoff, "{text}: {decision:?}");
        assert!(
            matches!(
                decision.handoff_reason,
                Some(HandoffReason::LowConfidence | HandoffReason::OutOfScope)
            ),
            "{text}: {:?}",
            decision.handoff_reason
        );
    }
}

fn option_ids(decision: &frontline_matcher::Decision) -> Vec<&str> {
    decision.options.iter().map(|o| o.id.as_str()).collect()
}

/// Questions that say too little to answer, in the demo (issue 18: "it doesn't work" was
/// answered with the discount code, "my order" with cancelling it (0.46–0.55), and "help"
/// went straight to the form).
const VAGUE_QUESTIONS: [&str; 7] = [
    "help",
    "it doesn't work",
    "my order",
    "problem",
    "I have a question",
    "something is wrong",
    "I need help with my order",
];

/// `matcher`'s decision for `text`, asserting it is what a customer sees as a clarifying
/// choice: two to four options and no guessed answer.
fn clarified(matcher: &Matcher, text: &str) -> frontline_matcher::Decision {
    let decision = matcher.decide(text, &context());
    assert_eq!(decision.kind, DecisionKind::Clarify, "{text}: {decision:?}");
    assert!(decision.answer.is_none(), "{text}: no guessed answer");
    assert!(
        (2..=4).contains(&decision.options.len()),
        "{text}: {:?}",
        decision.options
    );
    decision
}

#[test]
fn vague_questions_get_a_clarifying_choice_instead_of_a_guess_or_a_form() {
    let matcher = demo_matcher();
    for text in VAGUE_QUESTIONS {
        let decision = clarified(&matcher, text);
        for option in &decision.options {
            if let Some(intent) = matcher.intents().intent(&option.id) {
                assert!(!intent.handoff, "{text}: offers {}", option.id);
                assert_eq!(option.title, intent.title, "{text}");
            }
        }
    }
    // "help" has no topic: the site's top intents, one per routing tag in file order.
    assert_eq!(
        option_ids(&matcher.decide("help", &context())),
        [
            "order_status",
            "shipping_cost",
            "start_return",
            "payment_methods"
        ]
    );
    // "it doesn't work": the one plausible reading first, then the top intents.
    assert_eq!(
        option_ids(&matcher.decide("it doesn't work", &context())),
        [
            "discount_code_problem",
            "order_status",
            "shipping_cost",
            "start_return"
        ]
    );
    // "my order": the order intents.
    assert_eq!(
        option_ids(&matcher.decide("my order", &context())),
        [
            "cancel_order",
            "order_status",
            "missing_item",
            "damaged_item"
        ]
    );
}

#[test]
fn specific_and_off_topic_questions_are_not_clarified() {
    let matcher = demo_matcher();
    for (text, intent) in [
        ("where is my order", "order_status"),
        ("cancel my order", "cancel_order"),
        ("my discount code doesn't work", "discount_code_problem"),
        ("where is my refund", "refund_status"),
        ("I can't log in", "reset_password"),
        ("refund", "refund_status"),
        ("klarna", "payment_methods"),
    ] {
        let decision = matcher.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Answer, "{text}: {decision:?}");
        assert_eq!(decision.intent.as_deref(), Some(intent), "{text}");
        assert!(decision.options.is_empty(), "{text}");
    }
    // A person asked for, an angry customer, gibberish and off-topic: handed off as before.
    for (text, reason) in [
        ("talk to a human", HandoffReason::AskedForHuman),
        ("this is unacceptable", HandoffReason::AlwaysHandoff),
        ("lol", HandoffReason::OutOfScope),
        ("What is the capital of France?", HandoffReason::OutOfScope),
    ] {
        let decision = matcher.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Handoff, "{text}: {decision:?}");
        assert_eq!(decision.handoff_reason, Some(reason), "{text}");
    }
    // No example question of the demo's intents is clarified.
    let clarified: Vec<&str> = matcher
        .intents()
        .intents
        .iter()
        .flat_map(|i| &i.examples)
        .filter(|e| matcher.decide(e, &context()).kind == DecisionKind::Clarify)
        .map(String::as_str)
        .collect();
    assert!(clarified.is_empty(), "{clarified:?}");
}

#[test]
fn a_picked_option_is_answered_as_if_asked() {
    let matcher = demo_matcher();
    let decision = matcher
        .decide_choice(
            CandidateKind::Intent,
            "order_status",
            "Where is my order?",
            &context(),
        )
        .expect("a known intent");
    assert_eq!(decision.kind, DecisionKind::Answer);
    assert_eq!(decision.top_label().as_deref(), Some("intent:order_status"));
    let answer = decision.answer.expect("an answer");
    assert_eq!(answer.title, "Where is my order?");
    assert!(answer.text.contains("tracking link"), "{}", answer.text);
    assert!(answer.text.contains("Sam"), "rendered with the customer");
    let article = matcher
        .decide_choice(
            CandidateKind::Article,
            "shipping-times",
            "How long does shipping take?",
            &context(),
        )
        .expect("a known article");
    assert_eq!(
        article.answer.and_then(|a| a.url).as_deref(),
        Some("https://northwind.example/help/shipping-times")
    );
    let legal = matcher
        .decide_choice(CandidateKind::Intent, "legal_request", "Legal", &context())
        .expect("a known intent");
    assert_eq!(legal.handoff_reason, Some(HandoffReason::AlwaysHandoff));
    assert!(matcher
        .decide_choice(CandidateKind::Intent, "no_such_intent", "?", &context())
        .is_none());
    // An option shown in German (its translated title) is answered in German.
    let german = matcher
        .decide_choice(
            CandidateKind::Intent,
            "order_status",
            "Wo ist meine Bestellung?",
            &context(),
        )
        .and_then(|d| d.answer)
        .expect("an answer");
    assert_eq!(german.locale.as_deref(), Some("de"));
    assert!(
        german.text.starts_with("Sie können Ihr Paket"),
        "{}",
        german.text
    );
}

#[test]
fn answers_render_the_customer_context_safely() {
    let matcher = demo_matcher();
    let hostile = AnswerContext {
        customer: serde_json::Map::from_iter([(
            "name".to_string(),
            serde_json::json!("<img src=x onerror=alert(1)>"),
        )]),
        site: Some(SiteId::parse("demo").expect("a site id")),
        page_url: None,
    };
    for intent in &matcher.intents().intents {
        if let Some(answer) = matcher.answer_for(
            frontline_matcher::CandidateKind::Intent,
            &intent.name,
            &hostile,
        ) {
            assert!(
                !answer.html.contains("<img"),
                "{}: {}",
                intent.name,
                answer.html
            );
        }
    }
}

#[test]
fn reloads_atomically_under_concurrent_queries() {
    let dir = tempfile::tempdir().expect("dir");
    copy_dir(&demo(), dir.path());
    let live = Arc::new(LiveMatcher::load(source(dir.path())).expect("load"));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (live, stop, answered) =
                (Arc::clone(&live), Arc::clone(&stop), Arc::clone(&answered));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let loaded = live.current();
                    let count = loaded.matcher.knowledge().articles().len();
                    // A matcher is always complete: 48 articles before, 49 after the edit.
                    assert!(count == 48 || count == 49, "saw {count} articles");
                    let decision = loaded
                        .matcher
                        .decide("how long does shipping take", &AnswerContext::default());
                    assert_eq!(decision.kind, DecisionKind::Answer);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    assert!(
        !live.reload_if_changed().expect("unchanged"),
        "nothing changed yet"
    );
    std::fs::write(
        dir.path().join("kb/surfboards.md"),
        "+++\nid = \"surfboards\"\ntitle = \"Do you sell surfboards?\"\nquestions = [\"surfboard rental\", \"buy a surf board\"]\n+++\nNo, we only sell outdoor clothing and camping gear.\n",
    )
    .expect("write");
    assert!(
        live.reload_if_changed().expect("reload"),
        "the new article is picked up"
    );
    // A broken file is skipped and listed; every other article keeps serving.
    std::fs::write(dir.path().join("kb/broken.md"), "+++\nid = \n+++\n").expect("write");
    assert!(live
        .reload_if_changed()
        .expect("a broken article does not fail a reload"));
    let problems = live.current().matcher.knowledge().problems().to_vec();
    assert!(
        problems.len() == 1 && problems[0].path.ends_with("kb/broken.md"),
        "{problems:?}"
    );
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader
            .join()
            .expect("reader thread never saw a half-built matcher");
    }
    assert!(answered.load(Ordering::Relaxed) > 0);
    let current = live.current();
    assert_eq!(current.matcher.knowledge().articles().len(), 49);
    let decision = current
        .matcher
        .decide("do you sell surfboards?", &AnswerContext::default());
    assert_eq!(
        decision.answer.map(|a| a.id),
        Some("surfboards".to_string())
    );
}

#[test]
fn a_broken_linked_article_leaves_the_site_up_and_a_failed_reload_is_tried_once() {
    let dir = tempfile::tempdir().expect("dir");
    copy_dir(&demo(), dir.path());
    let live = LiveMatcher::load(source(dir.path())).expect("load");
    // An editor breaks an article an intent links to.
    std::fs::write(
        dir.path().join("kb/shipping-times.md"),
        "+++\nid = \"shipping-times\"\ntitle = unquoted\n+++\n",
    )
    .expect("write");
    assert!(live.reload_if_changed().expect("reloads without the file"));
    let current = live.current();
    assert_eq!(current.matcher.knowledge().articles().len(), 47);
    assert_eq!(
        current.matcher.knowledge().problems()[0].line,
        Some(3),
        "{:?}",
        current.matcher.knowledge().problems()
    );
    assert!(current
        .matcher
        .ignored_links()
        .iter()
        .any(|l| l.intent == "shipping_time" && l.article == "shipping-times"));
    let decision = current
        .matcher
        .decide("how long does shipping take", &AnswerContext::default());
    assert_eq!(decision.kind, DecisionKind::Answer);

    // A broken intents file fails the reload once, keeps the previous version and says why.
    std::fs::write(dir.path().join("intents.toml"), "[[intents]\n").expect("write");
    assert!(live.reload_if_changed().is_err());
    assert!(
        !live.reload_if_changed().expect("not retried"),
        "the same files are not tried again"
    );
    assert!(live
        .reload_error()
        .is_some_and(|e| e.contains("intents.toml")));
    assert_eq!(live.current().matcher.knowledge().articles().len(), 47);
    std::fs::copy(demo().join("intents.toml"), dir.path().join("intents.toml")).expect("copy");
    assert!(live.reload_if_changed().expect("fixed"));
    assert!(live.reload_error().is_none());
}

/// The ids of the as-you-type suggestions for `typed`, best first, with each snippet as
/// plain text and the body it came from.
fn suggestions(
    kb: &frontline_matcher::knowledge::KnowledgeBase,
    typed: &str,
) -> Vec<(String, String, String)> {
    kb.suggest_with_snippets(typed, 5, 160)
        .expect("search")
        .into_iter()
        .map(|hit| {
            let plain = hit
                .snippet_html
                .replace("<b>", "")
                .replace("</b>", "")
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            (hit.article.id.clone(), plain, hit.article.text.clone())
        })
        .collect()
}

#[test]
fn as_you_type_suggestions_read_the_last_word_as_a_prefix_and_forgive_typos() {
    let kb = frontline_matcher::knowledge::KnowledgeBase::load_dir(&demo().join("kb"))
        .expect("the demo knowledge base loads");
    let ids = |typed: &str| -> Vec<String> {
        suggestions(&kb, typed)
            .into_iter()
            .map(|(id, _, _)| id)
            .collect()
    };
    let returns = ["return-policy", "start-a-return"];
    for typed in ["ret", "retu", "retur", "return"] {
        let found = ids(typed);
        assert!(
            found
                .iter()
                .take(3)
                .any(|id| returns.contains(&id.as_str())),
            "{typed:?} should suggest the returns article in the top 3: {found:?}"
        );
    }
    assert_eq!(
        ids("return").len(),
        5,
        "a whole word still gives its results"
    );
    let shipping = ids("shipp");
    assert!(
        shipping
            .iter()
            .take(3)
            .any(|id| id.starts_with("shipping-")),
        "shipp: {shipping:?}"
    );
    let refund = ids("refnd");
    assert!(
        refund.iter().take(3).any(|id| id == "refund-timing"),
        "refnd: {refund:?}"
    );
    let track = ids("wher is my ord");
    assert_eq!(
        track.first().map(String::as_str),
        Some("track-your-order"),
        "wher is my ord: {track:?}"
    );
    assert!(ids("zq").is_empty(), "nothing typed that the index knows");
}

#[test]
fn as_you_type_snippets_begin_at_a_sentence_start() {
    let kb = frontline_matcher::knowledge::KnowledgeBase::load_dir(&demo().join("kb"))
        .expect("the demo knowledge base loads");
    let mut checked = 0;
    // (A match deep in a sentence longer than a snippet starts with "…" instead: see
    // the unit tests of knowledge::snippet.)
    for typed in [
        "ret",
        "retu",
        "retur",
        "shipp",
        "refnd",
        "wher is my ord",
        "return",
    ] {
        for (id, snippet, body) in suggestions(&kb, typed) {
            let head: String = snippet.chars().take(40).collect();
            let at = body
                .find(&head)
                .unwrap_or_else(|| panic!("{typed:?}/{id}: snippet {snippet:?} not in the body"));
            let before = body[..at].trim_end();
            assert!(
                snippet.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()),
                "{typed:?}/{id}: {snippet:?}"
            );
            assert!(
                at == 0 || before.ends_with(['.', '!', '?', ':']),
                "{typed:?}/{id}: snippet starts mid-sentence: …{:?} | {snippet:?}",
                &before[before.len().saturating_sub(30)..]
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} snippets checked");
}

/// The product's default encoder, loaded once for all tests.
fn default_encoder() -> Arc<frontline_matcher::encoder::Encoder> {
    use frontline_matcher::encoder::{Encoder, DEFAULT_MODEL};
    static ENCODER: std::sync::OnceLock<Arc<Encoder>> = std::sync::OnceLock::new();
    ENCODER
        .get_or_init(|| Arc::new(Encoder::builtin(DEFAULT_MODEL).expect("the shipped model")))
        .clone()
}

/// The demo storefront's source with the product's default encoder.
fn demo_source_with_encoder() -> MatcherSource {
    MatcherSource {
        encoder: Some(default_encoder()),
        thresholds: frontline_matcher::hybrid::default_thresholds(),
        ..source(&demo())
    }
}

/// The demo storefront with the product's default encoder (hybrid ranking and search).
fn demo_matcher_with_encoder() -> Matcher {
    demo_source_with_encoder()
        .build()
        .expect("the demo storefront loads with the encoder")
}

/// `[matcher] run_encoder = "always"`: the encoder runs on questions the lexical side is
/// sure of too (their confidence is the mixture's), and they keep their intent.
#[test]
fn an_installation_told_to_run_the_encoder_always_encodes_every_question() {
    let usual = demo_matcher_with_encoder();
    let always = MatcherSource {
        encoder_always: true,
        ..demo_source_with_encoder()
    }
    .build()
    .expect("loads");
    let questions = [
        "where is my order",
        "how do i return an item",
        "do you ship internationally",
        "how much is shipping",
        "i forgot my password",
        "can i change my delivery address",
    ];
    let mut skipped_usually = 0;
    for text in questions {
        assert!(always.runs_encoder(&always.prepare(text)), "{text}");
        if !usual.runs_encoder(&usual.prepare(text)) {
            skipped_usually += 1;
            let (mixed, lexical) = (
                always.decide(text, &context()),
                usual.decide(text, &context()),
            );
            assert_eq!(mixed.intent, lexical.intent, "{text}");
            assert_ne!(mixed.confidence, lexical.confidence, "{text}: not mixed");
        }
    }
    assert!(
        skipped_usually > 0,
        "no demo question is clear to the lexical side"
    );
}

#[test]
fn a_help_centre_with_more_articles_to_embed_than_the_limit_serves_first_and_embeds_them_in_the_background(
) {
    // The demo's 48 articles are under the default limit: embedded before the load returns.
    let small = LiveMatcher::load(demo_source_with_encoder()).expect("loads");
    assert!(small.current().matcher.knowledge().has_vectors());

    // With a limit of 0 the load returns before embedding them; a question is answered
    // from the lexical and semantic intent ranking meanwhile.
    let large = LiveMatcher::load(MatcherSource {
        embed_in_background_above: 0,
        ..demo_source_with_encoder()
    })
    .expect("loads");
    let decision = large
        .current()
        .matcher
        .decide("where is my order", &context());
    assert_ne!(decision.kind, DecisionKind::Handoff, "{decision:?}");
    large.wait_for_articles();
    let loaded = large.current();
    assert!(loaded.matcher.knowledge().has_vectors());
    // Once embedded, related articles are found by meaning across languages, as when
    // embedded at load (BM25 alone does not find this one: see the test below).
    let found = related_ids(&loaded.matcher, "Mein Paket ist nie angekommen");
    assert!(found.iter().any(|id| id == "lost-parcel"), "{found:?}");
}

#[test]
fn related_articles_are_found_across_languages_with_the_encoder() {
    let hybrid = demo_matcher_with_encoder();
    let lexical = demo_matcher();
    // Our own translations; the demo's articles are English.
    for (question, article) in [
        ("Mein Paket ist nie angekommen", "lost-parcel"),
        ("Wie lange dauert die Rückerstattung?", "refund-timing"),
        ("Mi paquete llegó dañado", "damaged-parcel"),
        ("Il mio pacco non è mai arrivato", "lost-parcel"),
        (
            "Hoe lang duurt het voordat ik mijn geld terugkrijg?",
            "refund-timing",
        ),
        ("Minha encomenda chegou danificada", "damaged-parcel"),
    ] {
        let found = related_ids(&hybrid, question);
        assert!(
            found.iter().any(|id| id == article),
            "{question}: {found:?}"
        );
        let words_only = related_ids(&lexical, question);
        assert!(
            !words_only.iter().any(|id| id == article),
            "{question}: BM25 alone already finds it ({words_only:?}), so this checks nothing"
        );
    }
    // BM25 still contributes: an English question keeps its best article first.
    assert_eq!(
        related_ids(&hybrid, "my parcel was marked delivered but never arrived")
            .first()
            .map(String::as_str),
        Some("lost-parcel")
    );
    // A German version is one candidate with its original, shown in the words that
    // matched; it does not outrank the article a question is about by being German.
    assert_eq!(
        related_ids(&hybrid, "Ich habe ein Geschenk bekommen, das nicht passt")
            .first()
            .map(String::as_str),
        Some("gift-returns-de")
    );
    let found = related_ids(&hybrid, "Mein Paket ist nie angekommen");
    assert!(
        !found
            .iter()
            .any(|id| id == "gift-returns" || id == "pre-orders"),
        "one version of an article at most: {found:?}"
    );
    // An unrelated question finds nothing by meaning.
    assert_eq!(
        related_ids(&hybrid, "Wie wird das Wetter morgen in Rom?"),
        Vec::<String>::new()
    );
}

/// The demo has 3 of its 45 articles in German too. BM25 finds only those for a German
/// question, on shop words any German question has ("bestellung", "paket", "konto"): at
/// equal weight in the fusion they led the related articles of German questions about
/// the others. Questions written for this check (not the articles' own `questions`).
#[test]
fn german_questions_are_not_led_to_the_few_articles_in_german() {
    let hybrid = demo_matcher_with_encoder();
    // A near tie: measured on 2026-12-02, the question's sentence vector is 0.85096 similar
    // to *cancel-or-change-order* and 0.85024 to *shipping-times* in f32, 0.84920 and
    // 0.84997 with AVX-512 VNNI's 8-bit layers; rounding decides which comes first, so
    // either may, but both lead and no German article does.
    let found = related_ids(
        &hybrid,
        "wie lange hab ich zeit, meine bestellung selbst zu ändern?",
    );
    let mut first_two = found[..2.min(found.len())].to_vec();
    first_two.sort_unstable();
    assert_eq!(
        first_two,
        ["cancel-or-change-order", "shipping-times"],
        "{found:?}"
    );
    for (question, article) in [
        ("karte wird abgelehnt, welche rechnungsadresse muss ich da eingeben?", "card-declined"),
        ("falsche hausnummer eingegeben und das paket ist schon unterwegs – was tun?", "change-delivery-address"),
        ("kann ich mir das restguthaben der geschenkkarte bar auszahlen lassen?", "gift-cards"),
        ("paket laut sendungsverfolgung zugestellt, aber nicht da – bis wann muss ich mich melden?", "lost-parcel"),
    ] {
        let found = related_ids(&hybrid, question);
        assert_eq!(found.first().map(String::as_str), Some(article), "{question}: {found:?}");
    }
    // The weight is the share of articles in the question's language, squared.
    let knowledge = hybrid.knowledge();
    assert_eq!(knowledge.lexical_weight(Some("en")), 1.0);
    assert_eq!(knowledge.lexical_weight(None), 1.0);
    assert!((knowledge.lexical_weight(Some("de")) - (3.0f32 / 45.0).powi(2)).abs() < 1e-6);
    assert!((knowledge.lexical_weight(Some("de-AT")) - (3.0f32 / 45.0).powi(2)).abs() < 1e-6);
    // No article in French: BM25 keeps its say (names, shared words), as before.
    assert_eq!(knowledge.lexical_weight(Some("fr")), 1.0);
}

#[test]
fn a_question_in_german_gets_the_intents_german_answer_when_it_has_one() {
    let matcher = demo_matcher_with_encoder();
    let german = matcher.decide(
        "Wo ist meine Bestellung? Ich warte schon lange.",
        &context(),
    );
    assert_eq!(german.kind, DecisionKind::Answer);
    let answer = german.answer.expect("answer");
    assert_eq!(answer.id, "order_status");
    assert_eq!(answer.locale.as_deref(), Some("de"));
    assert_eq!(answer.title, "Wo ist meine Bestellung?");
    // The translation is a template too: the customer's name is rendered into it.
    assert!(answer.text.starts_with("Sie können Ihr Paket über den Tracking-Link in Ihrer Versandbestätigung verfolgen, Sam."), "{}", answer.text);

    // English stays English, with no locale.
    let english = matcher
        .decide("where is my order", &context())
        .answer
        .expect("answer");
    assert_eq!(english.locale, None);
    assert!(
        english.text.starts_with("You can follow your parcel"),
        "{}",
        english.text
    );

    // German for an intent without a German answer: the site's answer.
    let untranslated = matcher
        .decide("Meine Karte wurde bei der Zahlung abgelehnt", &context())
        .answer
        .expect("answer");
    assert_eq!(untranslated.id, "card_declined");
    assert_eq!(untranslated.locale, None);
    assert_eq!(
        untranslated.language_note.as_deref(),
        Some("Diese Antwort gibt es nur auf Englisch."),
        "the German customer is told the answer is in English"
    );
    assert_eq!(english.language_note, None);
}

#[test]
fn an_article_answers_from_its_version_in_the_customers_language() {
    // The demo has German versions (`translation_of`) of three English articles. The
    // encoder takes a German question to the original's class; the German version answers.
    let matcher = demo_matcher_with_encoder();
    let german = matcher.decide(
        "Kann ich eine Vorbestellung stornieren, bevor sie verschickt wird?",
        &context(),
    );
    assert_eq!(german.kind, DecisionKind::Answer, "{german:?}");
    let label = german.top_label();
    let answer = german.answer.expect("answer");
    assert_eq!(answer.title, "So funktionieren Vorbestellungen");
    assert_eq!(answer.locale.as_deref(), Some("de"));
    assert_eq!(answer.language_note, None);
    assert!(
        answer.html.contains("jederzeit kostenlos stornieren"),
        "{}",
        answer.html
    );
    assert_eq!(
        answer.url.as_deref(),
        Some("https://northwind.example/de/hilfe/vorbestellungen")
    );
    // Recorded under the original, whichever version answered.
    assert_eq!(label.as_deref(), Some("article:pre-orders"));

    // The same article asked in English answers in English, with nothing to say.
    let english = matcher
        .decide("can I cancel my pre-order before it ships", &context())
        .answer
        .expect("answer");
    assert_eq!(english.title, "How pre-orders work");
    assert_eq!((english.locale, english.language_note), (None, None));

    // A French customer gets the English original, and is told so in French.
    let french = matcher
        .decide(
            "Comment puis-je annuler ma précommande avant l'expédition ?",
            &context(),
        )
        .answer
        .expect("answer");
    assert_eq!(french.title, "How pre-orders work");
    assert_eq!(
        french.language_note.as_deref(),
        Some("Cette réponse n'existe qu'en anglais.")
    );
}

/// A German version picked by an English customer (its title shown in a clarifying
/// choice before the customer's language was known) answers with the English original,
/// and says nothing: the answer is in their language. Before the answer's language was
/// read from the article that answers, this said "only available in German".
#[test]
fn a_german_version_picked_in_english_answers_in_english_without_a_note() {
    let matcher = demo_matcher();
    let answer = matcher
        .decide_choice(
            CandidateKind::Article,
            "pre-orders-de",
            "Can I cancel my pre-order before it ships to me?",
            &context(),
        )
        .and_then(|d| d.answer)
        .expect("an answer");
    assert_eq!(answer.title, "How pre-orders work");
    assert_eq!(answer.locale, None);
    assert_eq!(answer.language_note, None);
}

#[test]
fn a_german_article_is_found_by_german_word_forms_it_does_not_contain() {
    let matcher = demo_matcher();
    let kb = matcher.knowledge();
    // "Newslettern" (dative plural) is in no article; the German stemmer makes it and
    // "Newsletter" the same stem, the English one does not.
    assert!(kb
        .articles()
        .iter()
        .all(|a| !a.text.to_lowercase().contains("newslettern")
            && !a.title.to_lowercase().contains("newslettern")
            && a.questions
                .iter()
                .all(|q| !q.to_lowercase().contains("newslettern"))));
    let found: Vec<&str> = kb
        .search("Von allen Newslettern abmelden", 3)
        .expect("search")
        .into_iter()
        .map(|(article, _)| article.id.as_str())
        .collect();
    assert_eq!(
        found.first(),
        Some(&"newsletter-unsubscribe-de"),
        "{found:?}"
    );
    // English questions rank English articles as before.
    let english: Vec<&str> = kb
        .search("stop the newsletters", 1)
        .expect("search")
        .into_iter()
        .map(|(article, _)| article.id.as_str())
        .collect();
    assert_eq!(english, ["newsletter-unsubscribe"]);
}

#[test]
fn translations_teach_nothing_so_german_questions_keep_their_topic() {
    // With three German pages in the demo, their German words used to pull any German
    // question to them: "Ich möchte etwas zurückgeben" went to the gift-returns page.
    let matcher = demo_matcher_with_encoder();
    let returns = matcher.decide("Ich möchte etwas zurückgeben", &context());
    assert_eq!(
        returns.intent.as_deref(),
        Some("start_return"),
        "{returns:?}"
    );
    // As vague as "I need help with my order" (one topic word, the ranking by meaning
    // below 0.5): the clarifying choice, the order's status first.
    let order = matcher.decide("Hilfe zu meiner Bestellung bitte", &context());
    assert_eq!(order.kind, DecisionKind::Clarify, "{order:?}");
    assert_eq!(
        order.options.first().map(|o| o.id.as_str()),
        Some("order_status"),
        "{order:?}"
    );
    // And the lexical side alone does not take German to the German pages either.
    let lexical = demo_matcher().decide("Ich möchte etwas zurückgeben", &context());
    assert_ne!(
        lexical.top_label().as_deref(),
        Some("article:gift-returns"),
        "{lexical:?}"
    );
}

#[test]
fn a_translation_of_an_unknown_article_stands_on_its_own() {
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    std::fs::create_dir_all(&kb).expect("kb");
    std::fs::write(
        kb.join("a.md"),
        "+++\nid = \"versand-de\"\ntitle = \"Versandkosten\"\nlocale = \"de\"\ntranslation_of = \"no-such-article\"\n+++\nVersand kostet 4,95 €.\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("intents.toml"), "").expect("intents");
    let matcher = source(dir.path()).build().expect("loads");
    let article = matcher.knowledge().article("versand-de").expect("loaded");
    assert_eq!(matcher.knowledge().original_id(article), "versand-de");
    assert_eq!(
        matcher
            .knowledge()
            .version_in(article, "de")
            .map(|a| a.id.as_str()),
        Some("versand-de")
    );
    assert!(matcher.knowledge().version_in(article, "en").is_none());
}

/// A generic question in another storefront language says as little as "help": with the
/// encoder it gets the clarifying choice, shown in the customer's language where the
/// intents have a translation, instead of a guessed answer ("Ich brauche Hilfe" went to
/// the gift-returns page) or a handoff ("Ik heb een vraag" as out of scope, "Tenho uma
/// pergunta" as a complaint). A short question
/// of such words and one topic word is recognised as that language and answered in it.
#[test]
fn generic_questions_in_other_languages_get_a_clarifying_choice() {
    let matcher = demo_matcher_with_encoder();
    for text in [
        "Ich brauche Hilfe",
        "Es funktioniert nicht",
        "Etwas stimmt nicht",
        "Ich habe eine Frage",
        "J'ai une question",
        "Tengo una pregunta",
        "Ik heb een vraag",
        "Ho una domanda",
        "Tenho uma pergunta",
        "J'ai besoin d'aide",
        "Tengo un problema",
        "Ho un problema",
    ] {
        clarified(&matcher, text);
    }
    let help = clarified(&matcher, "Ich brauche Hilfe");
    let titles: Vec<&str> = help.options.iter().map(|o| o.title.as_str()).collect();
    assert!(titles.contains(&"Wo ist meine Bestellung?"), "{titles:?}");
    assert!(
        titles.contains(&"Welche Zahlungsarten akzeptieren Sie?"),
        "{titles:?}"
    );
    // One topic word among German generic words: German, answered in German.
    let parcel = matcher.decide("Wo ist mein Paket?", &context());
    assert_eq!(parcel.kind, DecisionKind::Answer, "{parcel:?}");
    assert_eq!(parcel.intent.as_deref(), Some("order_status"));
    let answer = parcel.answer.expect("answer");
    assert_eq!(answer.locale.as_deref(), Some("de"));
    assert!(
        answer.text.starts_with("Sie können Ihr Paket"),
        "{}",
        answer.text
    );
}

/// With the encoder, a short question is answered when the ranking by meaning and the
/// lexical one agree on its intent ("my parcel", "sizing"); one they read differently,
/// or that says nothing, still gets a clarifying choice.
#[test]
fn with_the_encoder_a_short_question_both_readings_agree_on_is_answered() {
    let lexical = demo_matcher();
    let with_encoder = demo_matcher_with_encoder();
    for (text, intent) in [
        ("my parcel", "order_status"),
        ("my delivery", "order_status"),
        ("sizing", "jacket_size_advice"),
    ] {
        let before = lexical.decide(text, &context());
        assert_eq!(before.kind, DecisionKind::Clarify, "{text}: {before:?}");
        let decision = with_encoder.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Answer, "{text}: {decision:?}");
        assert_eq!(decision.intent.as_deref(), Some(intent), "{text}");
        assert!(decision.options.is_empty(), "{text}");
    }
    for text in VAGUE_QUESTIONS {
        clarified(&with_encoder, text);
    }
}

/// A question in another language than the intents' examples (ranked by meaning alone,
/// with lower confidences) is decided at the thresholds for other languages; one in the
/// examples' language keeps the others. A Spanish question too short for its language to
/// be told is still not English, and takes them too.
#[test]
fn questions_in_other_languages_are_decided_at_thresholds_of_their_own() {
    use frontline_matcher::classifier::Cutoffs;
    let with = |other_languages| {
        MatcherSource {
            thresholds: Thresholds {
                answer: 0.99,
                suggest: 0.99,
                max_suggestions: 3,
                other_languages,
            },
            ..demo_source_with_encoder()
        }
        .build()
        .expect("the demo storefront loads")
    };
    let questions = [
        ("Wo ist mein Paket?", "order_status"),
        ("mi paquete todavía no llega", "order_status"),
    ];
    // Spanish or Portuguese, whatlang cannot tell: no language to answer in.
    assert_eq!(frontline_matcher::language::detect(questions[1].0), None);
    let english = "my parcel still has not turned up";
    let strict = with(None);
    let texts = questions.iter().map(|(text, _)| *text);
    for text in texts.chain([english]) {
        let decision = strict.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Handoff, "{text}: {decision:?}");
        assert_eq!(
            decision.handoff_reason,
            Some(HandoffReason::LowConfidence),
            "{text}"
        );
    }
    let lenient = with(Some(Cutoffs {
        answer: 0.2,
        suggest: 0.1,
    }));
    for (text, intent) in questions {
        let decision = lenient.decide(text, &context());
        assert_eq!(decision.kind, DecisionKind::Answer, "{text}: {decision:?}");
        assert_eq!(decision.intent.as_deref(), Some(intent), "{text}");
    }
    let decision = lenient.decide(english, &context());
    assert_eq!(decision.kind, DecisionKind::Handoff, "{decision:?}");
}
