//! Behaviour on small, storefront-sized data.

use super::*;

/// A storefront-like training set: intents with 5 examples and knowledge-base articles
/// with 3 (title, a heading, tags).
fn storefront() -> Vec<Example> {
    let classes: &[(&str, &[&str])] = &[
        (
            "order_status",
            &[
                "where is my order",
                "has my package shipped yet",
                "track my parcel",
                "when will my order arrive",
                "order tracking number",
            ],
        ),
        (
            "refund",
            &[
                "i want my money back",
                "how do i get a refund",
                "refund my purchase",
                "can i be refunded",
                "money back for a broken item",
            ],
        ),
        (
            "cancel_order",
            &[
                "cancel my order",
                "i do not want the order anymore",
                "stop my order before it ships",
                "please cancel the purchase",
                "undo my order",
            ],
        ),
        (
            "opening_hours",
            &[
                "when are you open",
                "what are your opening hours",
                "are you open on sunday",
                "store hours",
                "what time do you close",
            ],
        ),
        (
            "change_address",
            &[
                "change my delivery address",
                "i moved, update my shipping address",
                "wrong address on my order",
                "edit the address",
                "ship to a different address",
            ],
        ),
        (
            "discount",
            &[
                "do you have a discount code",
                "any coupons available",
                "promo code not working",
                "is there a sale",
                "student discount",
            ],
        ),
        (
            "greeting",
            &[
                "hello",
                "hi there",
                "good morning",
                "hey",
                "hello, anyone there",
            ],
        ),
        (
            "thanks",
            &[
                "thank you",
                "thanks a lot",
                "great, thanks",
                "cheers",
                "thank you so much",
            ],
        ),
        (
            "kb_returns_policy",
            &[
                "Returns policy",
                "How to return an item within 30 days",
                "returns exchange policy",
            ],
        ),
        (
            "kb_shipping_times",
            &[
                "Shipping times",
                "Delivery to Europe and the US",
                "shipping delivery international",
            ],
        ),
        (
            "kb_size_guide",
            &[
                "Size guide",
                "How to measure your shoe size",
                "sizes fit measurements",
            ],
        ),
        (
            "kb_gift_cards",
            &[
                "Gift cards",
                "Redeeming a gift card at checkout",
                "gift card voucher balance",
            ],
        ),
        (
            "kb_warranty",
            &[
                "Warranty",
                "Two-year warranty on electronics",
                "warranty repair guarantee",
            ],
        ),
        (
            "kb_payment_methods",
            &[
                "Payment methods",
                "Paying with PayPal or credit card",
                "payment card paypal invoice",
            ],
        ),
        (
            OUT_OF_SCOPE,
            &[
                "what is the capital of peru",
                "tell me a joke about cats",
                "who won the football game",
                "how tall is mount everest",
                "what is the meaning of life",
            ],
        ),
    ];
    classes
        .iter()
        .flat_map(|(label, texts)| texts.iter().map(move |t| Example::new(*t, *label)))
        .collect()
}

fn trained() -> Classifier {
    Classifier::train(&storefront(), &TrainOptions::default()).expect("storefront trains")
}

fn top_label(c: &Classifier, text: &str) -> String {
    let top = c.rank(text, 1)[0];
    c.labels()[top.label].clone()
}

#[test]
fn tiny_data_trains_and_predicts_the_obvious() {
    let c = trained();
    assert_eq!(c.labels().len(), 15);
    assert_eq!(top_label(&c, "where is my parcel"), "order_status");
    assert_eq!(top_label(&c, "I'd like a refund please"), "refund");
    assert_eq!(
        top_label(&c, "what is your return policy"),
        "kb_returns_policy"
    );
    assert_eq!(
        top_label(&c, "how long does shipping take to europe"),
        "kb_shipping_times"
    );
}

#[test]
fn small_typos_still_match() {
    let c = trained();
    assert_eq!(top_label(&c, "wher is my ordr"), "order_status");
    assert_eq!(top_label(&c, "giftcard balanse"), "kb_gift_cards");
}

#[test]
fn gibberish_gets_low_confidence() {
    let c = trained();
    for text in [
        "asdkj qwpoe zzxv",
        "xkcd qqq zzz",
        "🙂🙂🙂",
        "",
        "   !!! ???",
    ] {
        let ranked = c.rank(text, 3);
        let top = ranked[0];
        assert!(top.confidence < 0.35, "{text:?}: {top:?}");
        let verdict = decide(&ranked, c.labels(), &Thresholds::default());
        assert!(
            !matches!(verdict, Verdict::Answer(_)),
            "{text:?}: {verdict:?}"
        );
    }
    // With an out-of-scope class, text with nothing known goes to it.
    for text in ["", "🙂🙂🙂", "zzzz"] {
        let ranked = c.rank(text, 3);
        assert_eq!(c.labels()[ranked[0].label], OUT_OF_SCOPE, "{text:?}");
        let verdict = decide(&ranked, c.labels(), &Thresholds::default());
        assert_eq!(verdict, Verdict::Handoff, "{text:?}");
    }
}

#[test]
fn probabilities_are_ordered_in_unit_range_and_sum_to_one() {
    let c = trained();
    for text in ["where is my order", "gift card", "hello", "qwerty"] {
        let all = c.rank(text, usize::MAX);
        assert_eq!(all.len(), c.labels().len());
        assert!(all.windows(2).all(|w| w[0].confidence >= w[1].confidence));
        assert!(all.iter().all(|r| (0.0..=1.0).contains(&r.confidence)));
        let sum: f32 = all.iter().map(|r| r.confidence).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{text}: {sum}");
        let top3 = c.rank(text, 3);
        assert_eq!(&top3[..], &all[..3]);
    }
    assert!(c.rank("hello", 0).is_empty());
}

#[test]
fn three_examples_per_class_calibrate_sensibly() {
    let examples: Vec<Example> = storefront()
        .into_iter()
        .filter(|e| e.label.starts_with("kb_"))
        .collect();
    let c = Classifier::train(&examples, &TrainOptions::default()).expect("trains");
    let (temperature, bias) = c.calibration();
    assert!(temperature.is_finite() && temperature > 0.0);
    assert_eq!(bias, 0.0, "no oos class, no oos bias");
    let top = c.rank("gift card balance", 1)[0];
    assert_eq!(c.labels()[top.label], "kb_gift_cards");
    assert!(top.confidence > 1.0 / 6.0 && top.confidence < 1.0);
}

#[test]
fn odd_input_does_not_panic() {
    let c = trained();
    let long = "where is my order ".repeat(600);
    let inputs = [
        "",
        "\u{0}",
        "🙂",
        "é\u{301}",
        "'''",
        "a",
        &long,
        "注文はどこ",
        "\u{202E}evil",
    ];
    for text in inputs {
        let ranked = c.rank(text, 5);
        assert_eq!(ranked.len(), 5);
        assert!(ranked.iter().all(|r| r.confidence.is_finite()));
    }
}

#[test]
fn training_errors_are_reported() {
    assert_eq!(
        Classifier::train(&[], &TrainOptions::default()).err(),
        Some(ClassifierError::NoExamples)
    );
    let blank_label = [Example::new("hello", " ")];
    assert_eq!(
        Classifier::train(&blank_label, &TrainOptions::default()).err(),
        Some(ClassifierError::EmptyLabel { index: 0 })
    );
    let no_text = [Example::new("hello", "greet"), Example::new("?!", "empty")];
    assert_eq!(
        Classifier::train(&no_text, &TrainOptions::default()).err(),
        Some(ClassifierError::NoUsableText {
            label: "empty".into()
        })
    );
}

#[test]
fn a_single_class_or_example_does_not_break() {
    let one = [Example::new("hello", "greeting")];
    let c = Classifier::train(&one, &TrainOptions::default()).expect("trains");
    let top = c.rank("hello", 1)[0];
    assert_eq!(top.label, 0);
    assert!((top.confidence - 1.0).abs() < 1e-6);
}

#[test]
fn tuning_hands_off_the_requested_share_of_oos() {
    let c = trained();
    let validation = [
        Example::new("where's my package", "order_status"),
        Example::new("refund please", "refund"),
        Example::new("what's the weather on mars", OUT_OF_SCOPE),
        Example::new("recommend a movie", OUT_OF_SCOPE),
        Example::new("how old is the universe", OUT_OF_SCOPE),
    ];
    let t = tune_thresholds(&c, &validation);
    assert!(t.suggest <= t.answer && (0.0..=1.0).contains(&t.suggest));
    let handed_off = validation
        .iter()
        .filter(|e| e.label == OUT_OF_SCOPE)
        .filter(|e| decide(&c.rank(&e.text, 3), c.labels(), &t) == Verdict::Handoff)
        .count();
    assert!(
        handed_off as f32 >= TARGET_OOS_RECALL * 3.0,
        "{handed_off} {t:?}"
    );
}

#[test]
fn classifier_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}
