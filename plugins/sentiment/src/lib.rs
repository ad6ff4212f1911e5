//! The sentiment analysis extension: on each customer message of the selected
//! channels it returns `sentiment.label` (positive, neutral, negative) and
//! `sentiment.score` (VADER's compound score in [-1, 1]). The analyser
//! ([`analyser`]) follows VADER (Hutto & Gilbert 2014) over a lexicon that is
//! data ([`language`], `lexicons/<code>/`); tokens come from [`text`]; the
//! settings are [`settings`]. All of it is plain Rust, unit-tested and
//! benchmarked natively; `component` is the extension as the SDK sees it.

pub mod analyser;
pub mod language;
pub mod settings;
pub mod text;

mod component;

pub use analyser::{Analyser, Label};
pub use component::Sentiment;
pub use language::{ENGLISH, Language, LanguageData, LexiconError};
pub use settings::{FieldError, Settings};

/// The annotation keys, under the extension's namespace.
pub const LABEL_KEY: &str = "sentiment.label";
pub const SCORE_KEY: &str = "sentiment.score";

/// What the hook returns for a customer message: nothing when its channel is
/// not selected, else the label and the score (4 decimals). The component and
/// the host's benchmark both call this, so they do the same work.
pub fn annotate(settings: &Settings, analyser: &Analyser, channel_id: &str, body: &str) -> Vec<(&'static str, String)> {
    if !settings.selects(channel_id) {
        return Vec::new();
    }
    let score = analyser.compound(body);
    vec![
        (LABEL_KEY, Label::of(score).as_str().to_owned()),
        (SCORE_KEY, format_score(score)),
    ]
}

/// Four decimals, and never `-0.0000`.
pub fn format_score(score: f64) -> String {
    let text = format!("{score:.4}");
    if text == "-0.0000" { "0.0000".into() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_only_on_selected_channels() {
        let analyser = Analyser::new(Language::parse(&ENGLISH).unwrap());
        let settings = Settings::from_config(r#"{"channels": "ch1, ch2"}"#).unwrap();
        let notes = annotate(&settings, &analyser, "ch1", "I love it");
        assert_eq!(notes[0], (LABEL_KEY, "positive".to_string()));
        assert_eq!(notes[1].0, SCORE_KEY);
        assert!(notes[1].1.parse::<f64>().unwrap() > 0.5);
        assert!(annotate(&settings, &analyser, "ch3", "I love it").is_empty());
    }

    #[test]
    fn scores_have_four_decimals() {
        assert_eq!(format_score(0.63691), "0.6369");
        assert_eq!(format_score(-0.00001), "0.0000");
        assert_eq!(format_score(-1.0), "-1.0000");
    }
}
