//! Words that name no topic, per storefront language: function words, greetings and the
//! words everybody uses to ask for help ("help", "Hilfe", "problème", "funciona"). Two
//! uses:
//! - the vague-question rule counts a question's *content words* as the words in none
//!   of these lists ([`is_generic`], see [`clarify`](crate::clarify));
//! - [`language::detect`](super::detect) recognises a short question whose statistics
//!   are too thin for whatlang by the words it is made of ([`language_of`]): "Wo ist mein
//!   Paket?" has three German ones.
//!
//! Words are in their [`normalize`](frontline_shared::text::normalize)d form: lower case,
//! accents kept, apostrophes inside a word dropped (`doesnt`, French `jai` for "j'ai",
//! Italian `dovè` for "dov'è"). The other languages' lists leave out every word that is
//! also an English word a customer could mean ("die", "van", "con", "soy", "la", "eu",
//! "pour", "come", "favor", "he", "sin", "yo", "ya", "ton", "heel", "hoe", "over"), so an
//! English question's content words are counted as before, and its words never vote for
//! another language.

use std::collections::HashMap;
use std::sync::LazyLock;

/// English (the list the vague-question rule started with).
#[rustfmt::skip]
pub const ENGLISH: &[&str] = &[
    // function words
    "u", "ur",
    "a", "an", "the", "i", "im", "ive", "id", "ill", "me", "my", "mine", "myself", "we",
    "our", "us", "you", "your", "youre", "it", "its", "itself", "this", "that", "these",
    "those", "there", "here", "is", "are", "was", "were", "be", "been", "being", "am", "do",
    "does", "did", "doing", "have", "has", "had", "can", "could", "would", "will", "should",
    "may", "might", "must", "to", "of", "in", "on", "at", "for", "with", "about", "from",
    "by", "as", "and", "or", "but", "so", "if", "then", "just", "also", "too", "very",
    "really", "some", "any", "anything", "something", "everything", "nothing", "thing",
    "things", "one", "what", "whats", "how", "why", "where", "wheres", "when", "who",
    "which", "still", "again", "now", "anymore", "all",
    // negations
    "not", "no", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "cant", "cannot",
    "couldnt", "wont", "wouldnt", "havent", "hasnt",
    // greetings and fillers
    "er",
    "hi", "hello", "hey", "hallo", "hiya", "good", "morning", "afternoon", "evening", "ok",
    "okay", "um", "uh", "hmm", "please", "pls", "plz", "sorry", "excuse",
    // asking for help in general
    "help", "helps", "helping", "need", "needs", "want", "wants", "question", "questions",
    "query", "problem", "problems", "issue", "issues", "trouble", "wrong", "work", "works",
    "working", "worked", "broken", "error", "fix", "happen", "happened", "happening",
    "going", "get", "got", "getting", "know", "tell", "ask", "support", "assistance",
];

/// German.
#[rustfmt::skip]
pub const GERMAN: &[&str] = &[
    // function words
    "ich", "mich", "mir", "mein", "meine", "meinen", "meinem", "meiner", "meines", "du",
    "dich", "dir", "dein", "deine", "deinen", "sie", "ihr", "ihre", "ihnen", "wir", "uns",
    "unser", "unsere", "es", "das", "der", "dem", "des", "ein", "eine", "einen",
    "einem", "einer", "und", "oder", "aber", "mit", "von", "zu", "zur", "zum", "auf", "für",
    "bei", "aus", "nach", "über", "ist", "sind", "bist", "habe", "hast", "haben", "hatte",
    "kann", "kannst", "können", "könnte", "könnten", "möchte", "möchten", "wollen", "muss",
    "soll", "würde", "werden", "wird", "nicht", "kein", "keine", "nichts", "etwas", "was",
    "wie", "wo", "warum", "wieso", "wann", "wer", "welche", "welcher", "welches", "noch",
    "schon", "mal", "auch", "hier", "jetzt", "immer", "sehr", "einfach", "eigentlich",
    "denn", "doch", "ja", "nein", "ob", "dass", "wenn", "im", "ins", "vom", "beim", "alles",
    "irgendwas", "irgendwie",
    "wurde", "wurden", "werde", "gerade", "sofort", "lass",
    // greetings and fillers
    "bitte", "danke", "vielen", "guten", "servus", "moin", "entschuldigung", "gerne", "gern",
    // asking for help in general
    "weiss",
    "hilfe", "helfen", "hilf", "brauche", "brauchen", "frage", "fragen", "probleme",
    "funktioniert", "funktionieren", "geht", "klappt", "stimmt", "falsch", "kaputt",
    "fehler", "gibt", "wissen", "weiß", "sagen", "bekommen", "bekomme", "machen", "mache",
    "tun",
];

/// French.
#[rustfmt::skip]
pub const FRENCH: &[&str] = &[
    // function words (elided forms as normalized: "j'ai" → jai, "c'est" → cest)
    "je", "jai", "moi", "mon", "ma", "mes", "tu", "te", "toi", "ta", "tes", "vous", "votre",
    "vos", "nous", "notre", "nos", "il", "elle", "ils", "elles", "le", "les", "un", "une",
    "des", "du", "de", "au", "et", "ou", "mais", "avec", "sur", "dans", "en", "est",
    "sont", "suis", "était", "avez", "avons", "ont", "peux", "peut", "pouvez",
    "pourriez", "pourrais", "voudrais", "veux", "voulez", "dois", "faut", "ne", "pas",
    "rien", "quelque", "quoi", "que", "qui", "quel", "quelle", "où",
    "pourquoi", "quand", "ça", "cela", "ce", "cet", "cette", "cest",
    "sil", "quil", "jen", "jy", "toujours", "déjà", "très", "aussi", "bien",
    "oui",
    "dis", "veut", "tas", "chez", "y",
    // greetings and fillers
    "bonjour", "salut", "bonsoir", "merci", "beaucoup", "svp", "stp", "plaît", "excusez",
    "désolé", "désolée",
    // asking for help in general
    "daide", "aidez",
    "aider", "maider", "besoin", "problème", "problèmes", "souci", "soucis",
    "marche", "fonctionne", "fonctionnent", "va", "faire", "fait", "savoir", "avoir",
    "être",
];

/// Spanish.
#[rustfmt::skip]
pub const SPANISH: &[&str] = &[
    // function words
    "mi", "mis", "tú", "tu", "tus", "usted", "ustedes", "su", "sus", "nosotros",
    "nuestro", "nuestra", "él", "el", "un", "una", "unos", "uno", "de", "del",
    "y", "o", "pero", "para", "por", "en", "es", "estoy", "está", "esta",
    "están", "estar", "tengo", "tiene", "tienes", "puedo", "puede", "puedes",
    "podría", "podrías", "quiero", "quisiera", "necesito", "necesita", "debo", "nada",
    "algo", "qué", "que", "quién", "cuál", "cómo", "como", "dónde", "donde", "cuándo",
    "cuando", "porque", "lo", "le", "les", "se", "te", "ti", "todavía", "muy", "también",
    "sí", "si",
    "eres", "algún", "alguna", "voy", "vas", "mí", "entonces", "sobre", "fue", "ser",
    // greetings and fillers
    "hola", "buenos", "buenas", "días", "dias", "gracias", "muchas", "porfa", "oye", "disculpa",
    "perdón", "perdon",
    // asking for help in general
    "ayuda", "ayudar", "ayudarme", "ayúdame", "ayudame", "pregunta", "preguntas",
    "problema", "problemas", "funciona", "anda", "pasa", "pasó", "saber", "decir", "hacer",
];

/// Italian.
#[rustfmt::skip]
pub const ITALIAN: &[&str] = &[
    // function words (elided forms as normalized: "c'è" → cè, "dov'è" → dovè)
    "io", "mi", "mio", "miei", "mie", "tu", "ti", "tuo", "tua", "voi",
    "vostro", "noi", "nostro", "il", "lo", "gli", "le", "un", "uno", "una", "di", "del",
    "della", "dei", "da", "su", "e", "o", "ma", "è", "sono", "sei", "siamo",
    "ho", "hai", "ha", "abbiamo", "hanno", "posso", "puoi", "può", "potrei", "potresti",
    "vorrei", "voglio", "devo", "niente", "nulla", "qualcosa", "cosa", "che",
    "quale", "dovè", "quando", "perché", "perche", "cè", "ancora", "già", "molto",
    "anche", "sì", "sto", "sta",
    // greetings and fillers
    "ciao", "buongiorno", "buonasera", "grazie", "favore", "scusa", "scusi",
    // asking for help in general
    "aiuto", "aiutare", "aiutarmi", "aiutatemi", "bisogno", "domanda", "domande",
    "problema", "problemi", "funziona", "sapere",
];

/// Dutch.
#[rustfmt::skip]
pub const DUTCH: &[&str] = &[
    // function words
    "ik", "mij", "mijn", "je", "jij", "jou", "jouw", "uw", "wij", "onze", "hij",
    "zij", "ze", "het", "de", "een", "en", "maar", "voor", "op", "aan", "bij", "uit",
    "naar", "zijn", "heb", "hebt", "heeft", "hebben", "kan", "kun", "kunt",
    "kunnen", "wil", "willen", "moet", "zou", "graag", "niet", "geen", "niets",
    "iets", "wat", "waar", "waarom", "wanneer", "wie", "welke", "nog", "nu", "ook", "erg",
    "dat", "dit", "deze",
    // greetings and fillers
    "hoi", "goedemorgen", "goedendag", "bedankt", "dank", "alsjeblieft", "alstublieft",
    "sorry",
    // asking for help in general
    "hulp", "helpen", "vraag", "vragen", "probleem", "problemen", "werkt", "doet", "gaat",
    "fout", "kapot", "weten", "zeggen", "krijgen", "doen", "maken",
];

/// Portuguese.
#[rustfmt::skip]
pub const PORTUGUESE: &[&str] = &[
    // function words
    "mim", "meu", "minha", "meus", "minhas", "você", "voce", "vocês", "seu", "sua", "nós",
    "nos", "nosso", "nossa", "o", "um", "uma", "de", "do", "da", "dos", "das", "no",
    "para", "pra", "por", "e", "ou", "mas", "é", "são", "sou", "estou", "está",
    "esta", "estão", "tenho", "tem", "temos", "têm", "posso", "pode", "poderia", "quero",
    "queria", "gostaria", "preciso", "precisa", "devo", "não", "nao", "nada", "algo",
    "alguma", "coisa", "que", "quê", "quem", "qual", "onde", "quando", "porque", "porquê",
    "ainda", "já", "muito", "também", "isso", "isto", "aqui",
    // greetings and fillers
    "olá", "ola", "oi", "bom", "obrigado", "obrigada", "desculpe", "desculpa",
    // asking for help in general
    "ajude",
    "ajuda", "ajudar", "ajudem", "pergunta", "perguntas", "problema", "problemas",
    "funciona", "dúvida", "duvida", "saber", "dizer", "fazer",
];

/// Greetings and thanks that make a whole message by themselves, each in one language's
/// list above: a one-word question names a language only when it is one of these
/// ("Danke", "Bonjour"); any other single word is too little to go by ("Dove" is a brand,
/// "Sim" a card).
#[rustfmt::skip]
pub const SALUTATIONS: &[&str] = &[
    "danke", "servus", "moin", "bonjour", "bonsoir", "salut", "merci", "hola", "gracias",
    "ciao", "grazie", "buongiorno", "buonasera", "hoi", "bedankt", "goedemorgen", "goedendag",
    "olá", "obrigado", "obrigada",
];

/// Each language's list, by ISO 639-1 code (the codes of [`LANGUAGES`](super::LANGUAGES)).
pub const BY_LANGUAGE: &[(&str, &[&str])] = &[
    ("en", ENGLISH),
    ("de", GERMAN),
    ("fr", FRENCH),
    ("es", SPANISH),
    ("it", ITALIAN),
    ("nl", DUTCH),
    ("pt", PORTUGUESE),
];

// Every language is one bit of a `u8` in [`LANGUAGES_OF_WORD`].
const _: () = assert!(BY_LANGUAGE.len() <= 8, "one bit a language in a u8");

/// Every generic word, with the languages ([`BY_LANGUAGE`] positions, as bits) whose
/// list holds it.
static LANGUAGES_OF_WORD: LazyLock<HashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, u8> = HashMap::new();
    for (position, (_, words)) in BY_LANGUAGE.iter().enumerate() {
        for word in *words {
            *map.entry(word).or_default() |= 1 << position;
        }
    }
    map
});

/// Whether `word` (normalized) names no topic in any storefront language.
pub fn is_generic(word: &str) -> bool {
    LANGUAGES_OF_WORD.contains_key(word)
}

/// The fewest generic words of one other language than English a question must have for
/// [`language_of`] to name that language, unless it is one of the [`SALUTATIONS`] alone.
pub const MIN_MARKERS: usize = 2;

/// The language a question's `words` (normalized) say it is in, when whatlang cannot
/// tell: the one other language than English whose generic words (leaving out those that
/// are English ones too, such as "in" or "me") are at least [`MIN_MARKERS`] (or the
/// question is one of the [`SALUTATIONS`]), at least half of its words, and more than any
/// other language's and than the English generic words (which an English question has
/// plenty of). "Wo ist mein Paket" → `de`; "Onde está o meu pedido" → `pt`;
/// "Bonjour" → `fr`; "where is my order", "my card was declined", "Paket" → `None`.
pub fn language_of<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut counts = [0usize; BY_LANGUAGE.len()];
    let mut total = 0;
    let mut last = "";
    for word in words {
        total += 1;
        last = word;
        let Some(&languages) = LANGUAGES_OF_WORD.get(word) else {
            continue;
        };
        if languages & 1 != 0 {
            counts[0] += 1;
            continue;
        }
        for (position, count) in counts.iter_mut().enumerate().skip(1) {
            *count += usize::from(languages & (1 << position) != 0);
        }
    }
    let (best, &markers) = counts
        .iter()
        .enumerate()
        .skip(1)
        .max_by_key(|(_, count)| **count)?;
    let unique = counts
        .iter()
        .enumerate()
        .all(|(position, count)| position == best || *count < markers);
    let salutation = total == 1 && SALUTATIONS.contains(&last);
    let enough = markers >= MIN_MARKERS || (salutation && markers == 1);
    (enough && 2 * markers >= total && unique).then_some(BY_LANGUAGE[best].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_english_lists_hold_english_words() {
        // Words a customer could mean in English are in no other language's list, so an
        // English question's content words and language are not changed by them.
        let english_meanings = [
            "die", "van", "con", "soy", "la", "eu", "pour", "come", "favor", "he", "sin", "yo",
            "ya", "ton", "heel", "hoe", "over", "hat", "war", "bin", "den", "gift", "tag", "dire",
            "par", "plus", "com", "as", "a", "me", "so", "also", "will",
            // found by the CLINC150 English questions' words, or by review
            "ai", "las", "los", "per", "ons", "ben", "bent", "boa", "al", "u", "son", "hay", "dime",
            "fare", "dove", "mia", "chi", "lei", "dal", "salve", "non", "ca", "os", "em", "sim",
            "comment", "chose", "nest", "quest", "aux", "plait", "encore", "aide", "met", "wilt",
            "sag", "er",
        ];
        for (language, words) in BY_LANGUAGE.iter().skip(1) {
            for word in english_meanings {
                assert!(!words.contains(&word), "{language} holds {word}");
            }
        }
    }

    #[test]
    fn every_word_is_normalized_and_listed_once_per_language() {
        for (language, words) in BY_LANGUAGE {
            for (i, word) in words.iter().enumerate() {
                assert_eq!(frontline_shared::text::normalize(word), *word, "{language}");
                assert!(!words[..i].contains(word), "{language} lists {word} twice");
            }
        }
    }

    #[test]
    fn the_lists_are_the_storefront_languages_and_salutations_name_one() {
        let codes: Vec<&str> = BY_LANGUAGE.iter().map(|(code, _)| *code).collect();
        let languages: Vec<&str> = super::super::LANGUAGES.iter().map(|(_, c)| *c).collect();
        assert_eq!(codes, languages);
        for word in SALUTATIONS {
            let holders: Vec<&str> = BY_LANGUAGE
                .iter()
                .filter(|(_, words)| words.contains(word))
                .map(|(code, _)| *code)
                .collect();
            assert_eq!(holders.len(), 1, "{word}: {holders:?}");
            assert_ne!(holders[0], "en", "{word}");
        }
    }

    fn words(text: &str) -> Vec<String> {
        frontline_shared::text::tokens(text)
    }

    #[test]
    fn a_short_question_is_recognised_by_its_generic_words() {
        for (text, language) in [
            ("Wo ist mein Paket?", "de"),
            ("Ich brauche Hilfe", "de"),
            ("Kann ich mit PayPal bezahlen?", "de"),
            ("J'ai une question", "fr"),
            ("Où est ma commande ?", "fr"),
            ("¿Dónde está mi pedido?", "es"),
            ("Tengo una pregunta", "es"),
            ("Dov'è il mio ordine?", "it"),
            ("Ik heb een vraag", "nl"),
            ("Onde está o meu pedido?", "pt"),
            ("Danke", "de"),
            ("Merci beaucoup", "fr"),
            ("Hola", "es"),
        ] {
            let words = words(text);
            assert_eq!(
                language_of(words.iter().map(String::as_str)),
                Some(language),
                "{text}"
            );
        }
    }

    #[test]
    fn english_and_topic_only_questions_name_no_language() {
        for text in [
            "where is my order",
            "my card was declined",
            "help",
            "I have a question",
            "Paket",
            "PayPal Klarna Visa",
            "the con of the plan",
            "is it 5 pm est in la",
            "de la soul tickets",
            // One word that is not a greeting or thanks names no language.
            "Dove",
            "SIM",
            "Nest",
            "comment",
            "son",
            "problema",
            // Two languages' words as many as each other's.
            "problema de",
            // English words of other languages left out of their lists.
            "e-book per month",
            "flights to las vegas",
            "are you an ai",
            "can u help me",
        ] {
            let words = words(text);
            assert_eq!(
                language_of(words.iter().map(String::as_str)),
                None,
                "{text}"
            );
        }
    }
}
