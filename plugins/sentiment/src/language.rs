//! A language's sentiment data and its parsing. A language is five text files
//! under `lexicons/<code>/` (valence lexicon, emoji descriptions, negations,
//! degree modifiers, contrastive conjunctions), embedded at build time and
//! parsed once per instance into one table keyed by lower-case word, so a
//! token's every fact (valence, modifier, negation, contrast) is one lookup;
//! the rules in `analyser` are the same for every language. Adding one is
//! adding a directory and a `LanguageData` constant.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The tables are built once from the embedded files and never grow with
/// message text, so hash flooding cannot happen and SipHash's protection buys
/// nothing; it was a fifth of a message's cost. This is FxHash's mix.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Fast = BuildHasherDefault<FastHasher>;

/// The raw files of one language.
#[derive(Debug, Clone, Copy)]
pub struct LanguageData {
    /// ISO 639-1 code, e.g. `en`.
    pub code: &'static str,
    /// `token<TAB>valence[<TAB>anything]`, valence on VADER's -4..4 scale.
    pub lexicon: &'static str,
    /// `emoji<TAB>description`: an emoji is scored as the words describing it.
    pub emoji: &'static str,
    /// One negation per line; `*text` negates every token containing `text`.
    pub negations: &'static str,
    /// `word or phrase<TAB>increment`: intensifiers (> 0) and dampeners (< 0).
    pub boosters: &'static str,
    /// One contrastive conjunction per line.
    pub contrast: &'static str,
}

/// English: VADER's lexicon and word lists (MIT; see `lexicons/en/LICENSE`).
pub const ENGLISH: LanguageData = LanguageData {
    code: "en",
    lexicon: include_str!("../lexicons/en/vader_lexicon.txt"),
    emoji: include_str!("../lexicons/en/emoji_utf8_lexicon.txt"),
    negations: include_str!("../lexicons/en/negations.txt"),
    boosters: include_str!("../lexicons/en/boosters.txt"),
    contrast: include_str!("../lexicons/en/contrast.txt"),
};

/// A line of a language file that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("lexicon `{language}`, {file} line {line}: {problem}")]
pub struct LexiconError {
    pub language: &'static str,
    pub file: &'static str,
    pub line: usize,
    pub problem: String,
}

/// What the rules ask about one lower-case word, all found with one lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Word {
    /// Its valence, if it is a sentiment word.
    pub valence: Option<f64>,
    /// Its increment, if it is a one-word degree modifier.
    pub booster: Option<f64>,
    /// Listed as a negation (infixes such as `n't` are matched per token: see [`Language::negates`]).
    pub negation: bool,
    /// A contrastive conjunction.
    pub contrast: bool,
    /// The first word of a multi-word modifier, so phrases are sought only when one may be there.
    pub starts_phrase: bool,
}

/// A language, parsed: lookups keyed by lower-case token.
#[derive(Debug, Clone, Default)]
pub struct Language {
    words: HashMap<Box<str>, Word, Fast>,
    /// How many words have a valence.
    lexicon_len: usize,
    emoji: HashMap<char, String, Fast>,
    negation_infixes: Vec<String>,
    /// Multi-word modifiers ("kind of"), as lower-case words.
    booster_phrases: Vec<(Vec<String>, f64)>,
}

/// The lines that carry data: not blank, not `#` comments; numbered from 1.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
}

impl Language {
    /// Parse every file of `data`; the first bad line is the error.
    pub fn parse(data: &LanguageData) -> Result<Language, LexiconError> {
        let err = |file, line, problem: String| LexiconError {
            language: data.code,
            file,
            line,
            problem,
        };
        let mut lang = Language::default();
        for (n, line) in data_lines(data.lexicon) {
            let (token, valence) = tab_pair(line).ok_or_else(|| err("lexicon", n, "no tab".into()))?;
            let valence = number(valence).ok_or_else(|| err("lexicon", n, format!("`{valence}` is not a number")))?;
            // Tokens never contain spaces, so multi-word entries could never match.
            if !token.contains(' ') && lang.entry(token).valence.replace(valence).is_none() {
                lang.lexicon_len += 1;
            }
        }
        for (n, line) in data_lines(data.emoji) {
            let (emoji, description) = tab_pair(line).ok_or_else(|| err("emoji", n, "no tab".into()))?;
            let mut chars = emoji.chars();
            // Emoji are looked up one character at a time, as VADER does;
            // sequences (skin tones, ZWJ) are reached through their first character.
            if let (Some(c), None) = (chars.next(), chars.next()) {
                lang.emoji.insert(c, description.to_owned());
            }
        }
        for (_, line) in data_lines(data.negations) {
            match line.trim().strip_prefix('*') {
                Some(infix) => lang.negation_infixes.push(infix.to_lowercase()),
                None => lang.entry(line.trim()).negation = true,
            }
        }
        for (n, line) in data_lines(data.boosters) {
            let (phrase, increment) = tab_pair(line).ok_or_else(|| err("boosters", n, "no tab".into()))?;
            let increment =
                number(increment).ok_or_else(|| err("boosters", n, format!("`{increment}` is not a number")))?;
            let words: Vec<String> = phrase.split_whitespace().map(str::to_lowercase).collect();
            match words.len() {
                0 => return Err(err("boosters", n, "empty phrase".into())),
                1 => lang.entry(&words[0]).booster = Some(increment),
                _ => {
                    lang.entry(&words[0]).starts_phrase = true;
                    lang.booster_phrases.push((words, increment));
                }
            }
        }
        for (_, line) in data_lines(data.contrast) {
            lang.entry(line.trim()).contrast = true;
        }
        Ok(lang)
    }

    /// The facts of `text` lower-cased, made empty if it is new.
    fn entry(&mut self, text: &str) -> &mut Word {
        self.words.entry(text.to_lowercase().into()).or_default()
    }

    /// Everything known of a lower-case token; all empty if it is no known word.
    pub fn word(&self, lower: &str) -> Word {
        self.words.get(lower).copied().unwrap_or_default()
    }

    /// The description an emoji is scored as.
    pub fn emoji(&self, c: char) -> Option<&str> {
        self.emoji.get(&c).map(String::as_str)
    }

    /// Whether any emoji is known at all (skips a pass over ASCII text).
    pub fn has_emoji(&self) -> bool {
        !self.emoji.is_empty()
    }

    /// Whether `lower`, whose facts are `word`, negates: listed, or containing an infix.
    pub fn negates(&self, lower: &str, word: &Word) -> bool {
        word.negation || self.negation_infixes.iter().any(|i| contains(lower, i))
    }

    /// Multi-word modifiers and their increments.
    pub fn booster_phrases(&self) -> &[(Vec<String>, f64)] {
        &self.booster_phrases
    }

    /// How many sentiment words the lexicon holds.
    pub fn lexicon_len(&self) -> usize {
        self.lexicon_len
    }
}

/// `haystack.contains(needle)`, for the short needles of negation infixes:
/// `str::contains` sets up a two-way searcher per call, which cost more than
/// the rest of a token's work. Bytes suffice: a valid UTF-8 needle can only
/// match at a character boundary of valid UTF-8.
fn contains(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.is_empty() || haystack.as_bytes().windows(needle.len()).any(|w| w == needle)
}

fn tab_pair(line: &str) -> Option<(&str, &str)> {
    let mut fields = line.split('\t');
    let first = fields.next()?.trim();
    let second = fields.next()?.trim();
    Some((first, second))
}

fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_parses_whole() {
        let en = Language::parse(&ENGLISH).unwrap();
        assert!(en.lexicon_len() > 7000);
        let negates = |lower: &str| en.negates(lower, &en.word(lower));
        assert_eq!(en.word("good").valence, Some(1.9));
        assert_eq!(en.word(":)").valence, Some(2.0));
        assert_eq!(en.emoji('😁'), Some("beaming face with smiling eyes"));
        assert!(negates("not") && negates("isn't") && negates("never"));
        assert!(!negates("good"));
        assert_eq!(en.word("very").booster, Some(0.293));
        assert_eq!(en.word("slightly").booster, Some(-0.293));
        assert!(en.booster_phrases().iter().any(|(w, _)| w == &["kind", "of"]));
        assert!(en.word("but").contrast);
    }

    #[test]
    fn infixes_match_as_str_contains_does() {
        for (haystack, needle) in [
            ("isn't", "n't"),
            ("n't", "n't"),
            ("nt", "n't"),
            ("", ""),
            ("x", ""),
            ("", "x"),
            ("café", "é"),
        ] {
            assert_eq!(
                contains(haystack, needle),
                haystack.contains(needle),
                "{haystack:?} {needle:?}"
            );
        }
    }

    #[test]
    fn a_bad_line_is_named() {
        let data = LanguageData {
            lexicon: "good\t1.9\n# fine\nbad\tworse\n",
            ..ENGLISH
        };
        let e = Language::parse(&data).unwrap_err();
        assert_eq!((e.file, e.line), ("lexicon", 3));
        assert!(e.to_string().contains("`worse` is not a number"), "{e}");
    }
}
