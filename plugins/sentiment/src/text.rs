//! From a message body to the tokens the rules read: emoji become the words
//! that describe them, the text is split on white space, and punctuation is
//! stripped from the ends of each token unless the token is itself a lexicon
//! entry (emoticons such as `:)` or `:-D` are made of punctuation).

use crate::language::Language;
use std::borrow::Cow;

/// One token of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lower-cased, for lookups.
    pub lower: String,
    /// Written in capitals (at least one cased letter, none lower-case).
    pub upper: bool,
}

/// The text with each known emoji replaced by its description between spaces.
pub fn replace_emoji<'a>(lang: &Language, text: &'a str) -> Cow<'a, str> {
    // Most messages are ASCII: no emoji, no copy.
    if text.is_ascii() || !lang.has_emoji() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 32);
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
    Cow::Owned(out)
}

/// The tokens of `text` (emoji already replaced).
pub fn tokenize(lang: &Language, text: &str) -> Vec<Token> {
    text.split_whitespace()
        .map(|raw| {
            let lower = raw.to_lowercase();
            // VADER keeps a token whole when stripping leaves two characters or
            // fewer, to save emoticons; asking the lexicon saves them without
            // also keeping `ok.` or `no!` from matching `ok` and `no`.
            let lower = if lang.valence(&lower).is_some() {
                lower
            } else {
                match lower.trim_matches(|c: char| c.is_ascii_punctuation()) {
                    "" => lower,
                    stripped if stripped.len() == lower.len() => lower,
                    stripped => stripped.to_owned(),
                }
            };
            Token {
                upper: is_upper(raw),
                lower,
            }
        })
        .collect()
}

/// Python's `str.isupper`: some cased letter, and no lower-case one.
fn is_upper(raw: &str) -> bool {
    raw.chars().any(char::is_uppercase) && !raw.chars().any(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::ENGLISH;

    fn words(text: &str) -> Vec<String> {
        let en = Language::parse(&ENGLISH).unwrap();
        tokenize(&en, &replace_emoji(&en, text))
            .into_iter()
            .map(|t| t.lower)
            .collect()
    }

    #[test]
    fn punctuation_is_stripped_but_emoticons_kept() {
        assert_eq!(words("Great, ok. :) :-D (wow!)"), ["great", "ok", ":)", ":-d", "wow"]);
        assert_eq!(words("isn't... --"), ["isn't", "--"]);
    }

    #[test]
    fn emoji_become_words() {
        assert_eq!(words("ok😁"), ["ok", "beaming", "face", "with", "smiling", "eyes"]);
    }

    #[test]
    fn capitals() {
        let en = Language::parse(&ENGLISH).unwrap();
        let t = tokenize(&en, "GREAT Great 42 OK!");
        let upper: Vec<bool> = t.iter().map(|t| t.upper).collect();
        assert_eq!(upper, [true, false, false, true]);
    }
}
