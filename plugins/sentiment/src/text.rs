//! From a message body to the tokens the rules read: emoji become the words
//! that describe them, the text is split on white space, and punctuation is
//! stripped from the ends of each token unless the token is itself a lexicon
//! entry (emoticons such as `:)` or `:-D` are made of punctuation). Tokens live
//! in one reusable [`Tokens`] buffer with the facts of their word looked up
//! once, because a guest pays dearly for an allocation or a lookup per token.

use crate::language::{Language, Word};

/// One token of a message: where its lower-case text is, and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token {
    /// Its lower-case text in [`Tokens::words`].
    start: usize,
    end: usize,
    /// Written in capitals (at least one cased letter, none lower-case).
    pub upper: bool,
    /// The lexicon's facts of its lower-case text.
    pub word: Word,
    /// Whether it negates (listed, or containing a negation infix).
    pub negation: bool,
}

/// The tokens of one message, and the buffers they are made in; kept from one
/// message to the next so that, once grown, scoring a message allocates nothing.
#[derive(Debug, Default)]
pub struct Tokens {
    /// The text with emoji replaced, when it has any.
    text: String,
    /// Every token's lower-case text, one after the other.
    words: String,
    tokens: Vec<Token>,
    /// The `!` and `?` of the text, emoji descriptions included ("UP! button").
    marks: Marks,
}

/// How many `!` and `?` a text holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub exclamations: usize,
    pub questions: usize,
}

impl Marks {
    fn count(text: &str) -> Marks {
        let mut marks = Marks::default();
        for b in text.bytes() {
            match b {
                b'!' => marks.exclamations += 1,
                b'?' => marks.questions += 1,
                _ => {}
            }
        }
        marks
    }
}

impl Tokens {
    /// Tokenise `text`, replacing what the previous message left.
    pub fn read(&mut self, lang: &Language, text: &str) {
        self.tokens.clear();
        self.words.clear();
        let mut replaced = std::mem::take(&mut self.text);
        let text = replace_emoji(lang, text, &mut replaced);
        self.marks = Marks::count(text);
        if text.is_ascii() {
            // The same split as `split_whitespace` (ASCII white space is these
            // six bytes, vertical tab included), without decoding characters.
            for raw in text
                .split(|c: char| matches!(c, ' ' | '\t'..='\r'))
                .filter(|raw| !raw.is_empty())
            {
                self.push(lang, raw);
            }
        } else {
            for raw in text.split_whitespace() {
                self.push(lang, raw);
            }
        }
        self.text = replaced;
    }

    /// The tokens read last.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The `!` and `?` of the text read last.
    pub fn marks(&self) -> Marks {
        self.marks
    }

    /// The lower-case text of `token`.
    pub fn lower(&self, token: &Token) -> &str {
        &self.words[token.start..token.end]
    }

    /// Whether the buffers grew beyond what a chat message needs; then they
    /// are better dropped than kept for the life of the instance.
    pub fn is_oversized(&self) -> bool {
        const KEEP_BYTES: usize = 64 << 10;
        self.words.capacity() + self.text.capacity() > KEEP_BYTES || self.tokens.capacity() > KEEP_BYTES / 64
    }

    fn push(&mut self, lang: &Language, raw: &str) {
        let mut start = self.words.len();
        let upper = push_lower(&mut self.words, raw);
        let mut end = self.words.len();
        let mut word = lang.word(&self.words[start..end]);
        // VADER keeps a token whole when stripping leaves two characters or
        // fewer, to save emoticons; asking the lexicon saves them without
        // also keeping `ok.` or `no!` from matching `ok` and `no`.
        if word.valence.is_none() {
            let lower = &self.words[start..end];
            let stripped = lower.trim_matches(|c: char| c.is_ascii_punctuation());
            if !stripped.is_empty() && stripped.len() != lower.len() {
                // Trimming only removes ASCII bytes, so the offset is a char boundary.
                let offset = stripped.as_ptr() as usize - lower.as_ptr() as usize;
                (start, end) = (start + offset, start + offset + stripped.len());
                word = lang.word(stripped);
            }
        }
        let negation = lang.negates(&self.words[start..end], &word);
        self.tokens.push(Token {
            start,
            end,
            upper,
            word,
            negation,
        });
    }
}

/// Append `raw` lower-cased to `out`; returns whether `raw` is in capitals.
fn push_lower(out: &mut String, raw: &str) -> bool {
    if !raw.is_ascii() {
        out.push_str(&raw.to_lowercase());
        return is_upper(raw);
    }
    let upper = raw.bytes().any(|b| b.is_ascii_uppercase()) && !raw.bytes().any(|b| b.is_ascii_lowercase());
    let at = out.len();
    out.push_str(raw);
    out[at..].make_ascii_lowercase();
    upper
}

/// Python's `str.isupper`: some cased letter, and no lower-case one.
fn is_upper(raw: &str) -> bool {
    raw.chars().any(char::is_uppercase) && !raw.chars().any(char::is_lowercase)
}

/// `text` with each known emoji replaced by its description between spaces,
/// written into `out` only when there is something to replace.
fn replace_emoji<'a>(lang: &Language, text: &'a str, out: &'a mut String) -> &'a str {
    // Most messages are ASCII: no emoji, no copy.
    if text.is_ascii() || !lang.has_emoji() {
        return text;
    }
    out.clear();
    for c in text.chars() {
        match lang.emoji(c) {
            Some(description) => {
                out.push(' ');
                out.push_str(description);
                out.push(' ');
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::ENGLISH;

    fn read(text: &str) -> (Tokens, Language) {
        let en = Language::parse(&ENGLISH).unwrap();
        let mut tokens = Tokens::default();
        tokens.read(&en, text);
        (tokens, en)
    }

    fn words(text: &str) -> Vec<String> {
        let (t, _) = read(text);
        t.tokens().iter().map(|token| t.lower(token).to_owned()).collect()
    }

    #[test]
    fn punctuation_is_stripped_but_emoticons_kept() {
        assert_eq!(words("Great, ok. :) :-D (wow!)"), ["great", "ok", ":)", ":-d", "wow"]);
        assert_eq!(words("isn't... --"), ["isn't", "--"]);
    }

    #[test]
    fn ascii_splits_as_split_whitespace_does() {
        let text = " a\tb\nc\x0bd\x0ce\rf  g\x1ch ";
        assert_eq!(words(text), text.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn emoji_become_words() {
        assert_eq!(words("ok😁"), ["ok", "beaming", "face", "with", "smiling", "eyes"]);
    }

    #[test]
    fn capitals() {
        let (t, _) = read("GREAT Great 42 OK! ÉTÉ Été");
        let upper: Vec<bool> = t.tokens().iter().map(|t| t.upper).collect();
        assert_eq!(upper, [true, false, false, true, true, false]);
        assert_eq!(words("ÉTÉ Été"), ["été", "été"]);
    }

    #[test]
    fn facts_are_those_of_the_stripped_word() {
        let (t, en) = read("Good, isn't (but) kind");
        let facts: Vec<Word> = t.tokens().iter().map(|t| t.word).collect();
        assert_eq!(facts[0], en.word("good"));
        assert!(facts[0].valence.is_some());
        let negation: Vec<bool> = t.tokens().iter().map(|t| t.negation).collect();
        assert_eq!(negation, [false, true, false, false]);
        assert!(facts[2].contrast && facts[3].starts_phrase);
    }

    #[test]
    fn a_reused_buffer_forgets_the_previous_message() {
        let (mut t, en) = read("a long first message, with words");
        t.read(&en, "ok");
        assert_eq!(t.tokens().len(), 1);
        assert_eq!(t.lower(&t.tokens()[0]), "ok");
    }
}
