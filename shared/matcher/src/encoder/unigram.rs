//! The tokenizer's vocabulary model, kept small: SentencePiece's Unigram segmentation (the
//! best-scoring split of a word into vocabulary pieces, by Viterbi) over an [`fst::Map`]
//! of the pieces, in place of the `tokenizers` crate's own `Unigram`.
//!
//! Why: `tokenizers` keeps the pieces in a byte trie with a hash map in every node; for
//! the model's 125,117 pieces that is about 95 MB of the process, a third of its memory
//! with the model loaded. The same pieces as a finite-state transducer (ids as outputs),
//! their scores and their text take 3.6 MB. The rest of the tokenizer (normalizer,
//! pre-tokenizer, special tokens, post-processor) is still the `tokenizers` crate's, read
//! from the same `tokenizer.json`. The segmentation is the one `tokenizers` computes
//! (`Unigram::encode_optimized`, after SentencePiece's `unigram_model.cc`): the same
//! tie-breaking, the same penalty for a character no piece covers, and runs of such
//! characters fused into one `<unk>`. The tests below compare it with the crate's model on
//! small vocabularies built to reach those cases, and `tests.rs` the whole tokenizer with
//! the crate's on the shipped vocabulary and thousands of questions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fst::raw::Output;
use serde::Deserialize;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{Model, Token, TokenizerImpl};

/// The encoder's tokenizer: `tokenizers`' pipeline around a [`CompactUnigram`].
pub type SentenceTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// Reads a `tokenizer.json` whose model is a Unigram one.
pub fn read_tokenizer(json: &[u8]) -> Result<SentenceTokenizer, serde_json::Error> {
    serde_json::from_slice(json)
}

/// How much worse than the worst piece a character no piece covers scores
/// (SentencePiece's `kUnkPenalty`).
const UNKNOWN_PENALTY: f64 = 10.0;

/// A Unigram vocabulary: pieces, their ids and their log-probabilities.
#[derive(Clone, Deserialize)]
#[serde(try_from = "UnigramFile")]
pub struct CompactUnigram {
    id_by_piece: fst::Map<Vec<u8>>,
    /// By id: the piece's score.
    scores: Vec<f64>,
    /// By id: where the piece ends in `piece_text` (it starts where the previous one ends).
    piece_ends: Vec<u32>,
    /// Every piece, in id order.
    piece_text: String,
    unknown_id: u32,
    /// The score of a character no piece covers.
    unknown_score: f64,
}

impl std::fmt::Debug for CompactUnigram {
    /// The size, not the 125,000 pieces.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactUnigram")
            .field("pieces", &self.scores.len())
            .field("unknown_id", &self.unknown_id)
            .finish()
    }
}

/// The `model` object of a `tokenizer.json` of type `Unigram`.
#[derive(Deserialize)]
struct UnigramFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    unk_id: Option<u32>,
    vocab: Vec<(String, f64)>,
    #[serde(default)]
    byte_fallback: bool,
}

/// Why a `tokenizer.json` model cannot be read as a [`CompactUnigram`].
#[derive(Debug, thiserror::Error)]
pub enum VocabularyError {
    #[error("a Unigram model was expected, not {0:?}")]
    NotUnigram(String),
    #[error("byte fallback is not supported")]
    ByteFallback,
    #[error("the model has no unk_id")]
    NoUnknownId,
    #[error("unk_id {0} is outside the vocabulary")]
    UnknownIdOutside(u32),
    #[error("the piece {0:?} is in the vocabulary twice")]
    Repeated(String),
    #[error("the vocabulary is too large")]
    TooLarge,
    #[error("the pieces cannot be indexed: {0}")]
    Index(#[from] fst::Error),
}

impl TryFrom<UnigramFile> for CompactUnigram {
    type Error = VocabularyError;

    fn try_from(file: UnigramFile) -> Result<Self, Self::Error> {
        if let Some(kind) = file.kind.filter(|kind| kind != "Unigram") {
            return Err(VocabularyError::NotUnigram(kind));
        }
        if file.byte_fallback {
            return Err(VocabularyError::ByteFallback);
        }
        let unknown_id = file.unk_id.ok_or(VocabularyError::NoUnknownId)?;
        if unknown_id as usize >= file.vocab.len() {
            return Err(VocabularyError::UnknownIdOutside(unknown_id));
        }
        let text_length = file.vocab.iter().map(|(piece, _)| piece.len()).sum();
        let mut piece_text = String::with_capacity(text_length);
        let mut piece_ends = Vec::with_capacity(file.vocab.len());
        let mut scores = Vec::with_capacity(file.vocab.len());
        let mut by_piece = Vec::with_capacity(file.vocab.len());
        for (id, (piece, score)) in file.vocab.iter().enumerate() {
            piece_text.push_str(piece);
            let end = u32::try_from(piece_text.len()).map_err(|_| VocabularyError::TooLarge)?;
            piece_ends.push(end);
            scores.push(*score);
            by_piece.push((piece.as_bytes(), id as u64));
        }
        by_piece.sort_unstable();
        if let Some(pair) = by_piece.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            let piece = String::from_utf8_lossy(pair[0].0).into_owned();
            return Err(VocabularyError::Repeated(piece));
        }
        // The builder's buffer grows by doubling; keep only what the map holds.
        let mut bytes = fst::Map::from_iter(by_piece)?.into_fst().into_inner();
        bytes.shrink_to_fit();
        let id_by_piece = fst::Map::new(bytes)?;
        let worst = scores.iter().copied().fold(f64::INFINITY, f64::min);
        Ok(CompactUnigram {
            id_by_piece,
            scores,
            piece_ends,
            piece_text,
            unknown_id,
            unknown_score: worst - UNKNOWN_PENALTY,
        })
    }
}

/// The best path's last step into a position of the word: the piece that ends there.
#[derive(Clone, Copy)]
struct Step {
    /// Where the piece starts (`None`: not reached yet).
    from: Option<usize>,
    id: u32,
    score: f64,
}

/// Makes the piece `id` from `from` to `to` the last step into `to` when its path scores
/// better than the one there (the first of equals stays).
fn offer(best: &mut [Step], from: usize, to: usize, id: u32, score: f64) {
    let score = best[from].score + score;
    let step = &mut best[to];
    if step.from.is_none() || score > step.score {
        *step = Step {
            from: Some(from),
            id,
            score,
        };
    }
}

impl CompactUnigram {
    /// The piece with this id.
    fn piece(&self, id: u32) -> Option<&str> {
        let id = id as usize;
        let end = *self.piece_ends.get(id)? as usize;
        let start = id
            .checked_sub(1)
            .map_or(0, |before| self.piece_ends[before] as usize);
        self.piece_text.get(start..end)
    }

    /// Every piece `word[start..]` begins with, shortest first: (end, id).
    fn pieces_at(&self, word: &str, start: usize, found: &mut Vec<(usize, u32)>) {
        found.clear();
        let fst = self.id_by_piece.as_fst();
        let mut node = fst.root();
        let mut output = Output::zero();
        for (length, byte) in word.as_bytes()[start..].iter().enumerate() {
            let Some(index) = node.find_input(*byte) else {
                return;
            };
            let transition = node.transition(index);
            output = output.cat(transition.out);
            node = fst.node(transition.addr);
            if node.is_final() {
                let id = output.cat(node.final_output()).value();
                found.push((start + length + 1, id as u32));
            }
        }
    }

    /// `word` split into pieces: (start, end, id), the runs of characters no piece covers
    /// fused into one `<unk>`.
    fn segment(&self, word: &str) -> Vec<(usize, usize, u32)> {
        let mut best = vec![
            Step {
                from: None,
                id: 0,
                score: 0.0,
            };
            word.len() + 1
        ];
        let mut found = Vec::new();
        for (start, character) in word.char_indices() {
            let character_end = start + character.len_utf8();
            self.pieces_at(word, start, &mut found);
            for &(end, id) in &found {
                offer(&mut best, start, end, id, self.scores[id as usize]);
            }
            if !found.iter().any(|&(end, _)| end == character_end) {
                offer(
                    &mut best,
                    start,
                    character_end,
                    self.unknown_id,
                    self.unknown_score,
                );
            }
        }
        let mut pieces: Vec<(usize, usize, u32)> = Vec::new();
        let mut end = word.len();
        while end > 0 {
            let step = best[end];
            let start = step
                .from
                .expect("every character boundary is reached: a piece or an unknown character");
            match pieces.last_mut() {
                Some(last) if step.id == self.unknown_id && last.2 == self.unknown_id => {
                    last.0 = start;
                }
                _ => pieces.push((start, end, step.id)),
            }
            end = start;
        }
        pieces.reverse();
        pieces
    }
}

impl Model for CompactUnigram {
    type Trainer = UnigramTrainer;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .segment(sequence)
            .into_iter()
            .map(|(start, end, id)| {
                let value = &sequence[start..end];
                // A fused run of unknown characters is looked up as a whole, as
                // `tokenizers` does.
                let id = if id == self.unknown_id {
                    self.token_to_id(value).unwrap_or(id)
                } else {
                    id
                };
                Token::new(id, value.to_owned(), (start, end))
            })
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.id_by_piece.get(token).map(|id| id as u32)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.piece(id).map(str::to_owned)
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        (0..self.scores.len() as u32)
            .filter_map(|id| Some((self.piece(id)?.to_owned(), id)))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.scores.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the encoder's vocabulary is read from tokenizer.json, not saved".into())
    }

    fn get_trainer(&self) -> UnigramTrainer {
        UnigramTrainer::default()
    }
}

impl CompactUnigram {
    /// Approximate heap memory.
    pub fn heap_bytes(&self) -> usize {
        self.id_by_piece.as_fst().as_bytes().len()
            + self.scores.capacity() * std::mem::size_of::<f64>()
            + self.piece_ends.capacity() * std::mem::size_of::<u32>()
            + self.piece_text.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(pieces: &[(&str, f64)]) -> CompactUnigram {
        let vocab = std::iter::once(("<unk>".to_string(), 0.0))
            .chain(pieces.iter().map(|(p, s)| (p.to_string(), *s)))
            .collect();
        CompactUnigram::try_from(UnigramFile {
            kind: Some("Unigram".into()),
            unk_id: Some(0),
            vocab,
            byte_fallback: false,
        })
        .expect("a valid vocabulary")
    }

    fn split(model: &CompactUnigram, word: &str) -> Vec<String> {
        model
            .tokenize(word)
            .expect("tokenizes")
            .into_iter()
            .map(|t| format!("{}:{}", t.value, t.id))
            .collect()
    }

    #[test]
    fn the_best_scoring_split_wins() {
        // "▁ab" as one piece (-3) beats "▁a" + "b" (-1 + -2.5 = -3.5).
        let m = model(&[
            ("▁a", -1.0),
            ("b", -2.5),
            ("▁ab", -3.0),
            ("▁", -1.0),
            ("a", -1.0),
        ]);
        assert_eq!(split(&m, "▁ab"), ["▁ab:3"]);
        // "▁a" + "a" (-2) beats "▁" + "a" + "a" (-3).
        assert_eq!(split(&m, "▁aa"), ["▁a:1", "a:5"]);
    }

    #[test]
    fn characters_no_piece_covers_are_one_unknown_token() {
        let m = model(&[("▁", -1.0), ("a", -1.0)]);
        assert_eq!(split(&m, "▁xyа"), ["▁:1", "xyа:0"]);
        assert_eq!(split(&m, "▁xay"), ["▁:1", "x:0", "a:2", "y:0"]);
        // Offsets are bytes of the word ("▁" is three).
        let tokens = m.tokenize("▁xa").expect("tokenizes");
        assert_eq!(tokens[1].offsets, (3, 4));
        assert_eq!(tokens[2].offsets, (4, 5));
    }

    #[test]
    fn ids_and_pieces_go_both_ways() {
        let m = model(&[("▁hello", -2.0), ("lo", -3.0)]);
        assert_eq!(m.token_to_id("▁hello"), Some(1));
        assert_eq!(m.id_to_token(2).as_deref(), Some("lo"));
        assert_eq!(m.id_to_token(0).as_deref(), Some("<unk>"));
        assert_eq!(m.id_to_token(3), None);
        assert_eq!(m.get_vocab_size(), 3);
        assert_eq!(m.get_vocab().get("lo"), Some(&2));
    }

    /// Splits as `tokenizers`' own Unigram does on vocabularies made to reach its edge
    /// cases: pieces of equal score (ties), multi-byte characters, characters no piece
    /// covers (alone, in runs, and runs that are themselves a piece), and random words.
    #[test]
    fn splits_as_the_tokenizers_crate_does() {
        use tokenizers::models::unigram::Unigram;
        let vocabularies: [&[(&str, f64)]; 3] = [
            &[
                ("a", -1.0),
                ("b", -1.0),
                ("ab", -2.0),
                ("ba", -2.0),
                ("aba", -3.0),
                ("é", -1.0),
            ],
            &[
                ("▁", -2.0),
                ("▁ab", -4.0),
                ("ab", -3.0),
                ("c", -1.5),
                ("ç", -2.5),
                ("xy", -9.0),
                ("日本", -3.0),
            ],
            &[
                ("a", -0.5),
                ("aa", -1.0),
                ("aaa", -1.5),
                ("b", -3.0),
                ("ñ", -1.0),
                ("ññ", -2.0),
            ],
        ];
        let mut words: Vec<String> = [
            "",
            "a",
            "ab",
            "aba",
            "abab",
            "baab",
            "éab",
            "zz",
            "zaz",
            "xy",
            "xyz",
            "日本語",
            "▁abc",
            "▁▁ab",
            "cçç",
            "aaaa",
            "aaaaa",
            "ññña",
            "😀a😀😀",
            "q日q",
        ]
        .map(String::from)
        .to_vec();
        // Random words over the pieces' characters and a few no piece has.
        let alphabet: Vec<char> = "abcçéñxyz日本😀▁".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2_000 {
            let mut word = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                word.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            words.push(word);
        }
        let split = |tokens: Vec<Token>| -> Vec<(u32, String, (usize, usize))> {
            tokens
                .into_iter()
                .map(|t| (t.id, t.value, t.offsets))
                .collect()
        };
        for pieces in vocabularies {
            let vocab: Vec<(String, f64)> = std::iter::once(("<unk>".to_string(), 0.0))
                .chain(pieces.iter().map(|(p, s)| (p.to_string(), *s)))
                .collect();
            let theirs = Unigram::from(vocab, Some(0), false).expect("the crate's model");
            let ours = model(pieces);
            for word in &words {
                assert_eq!(
                    split(ours.tokenize(word).expect("ours")),
                    split(theirs.tokenize(word).expect("theirs")),
                    "{word:?} with {pieces:?}"
                );
            }
        }
    }

    #[test]
    fn a_vocabulary_it_cannot_read_is_an_error() {
        let file = |kind: &str, unk_id, vocab: &[&str], byte_fallback| UnigramFile {
            kind: Some(kind.into()),
            unk_id,
            vocab: vocab.iter().map(|p| (p.to_string(), -1.0)).collect(),
            byte_fallback,
        };
        let error = |f: UnigramFile| {
            CompactUnigram::try_from(f)
                .expect_err("rejected")
                .to_string()
        };
        assert!(error(file("BPE", Some(0), &["a"], false)).contains("Unigram"));
        assert!(error(file("Unigram", None, &["a"], false)).contains("unk_id"));
        assert!(error(file("Unigram", Some(5), &["a"], false)).contains("outside"));
        assert!(error(file("Unigram", Some(0), &["a", "a"], false)).contains("twice"));
        assert!(error(file("Unigram", Some(0), &["a"], true)).contains("byte fallback"));
    }
}
