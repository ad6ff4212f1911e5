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
    let Some(ten_thousandths) = ten_thousandths(score.abs()) else {
        let text = format!("{score:.4}");
        return if text == "-0.0000" { "0.0000".into() } else { text };
    };
    let mut text = String::with_capacity(7);
    if score.is_sign_negative() && ten_thousandths != 0 {
        text.push('-');
    }
    let digits = [
        ten_thousandths / 10_000,
        ten_thousandths / 1000 % 10,
        ten_thousandths / 100 % 10,
        ten_thousandths / 10 % 10,
        ten_thousandths % 10,
    ];
    for (i, digit) in digits.into_iter().enumerate() {
        if i == 1 {
            text.push('.');
        }
        text.push(char::from(b'0' + digit as u8));
    }
    text
}

/// `value` (in [0, 1]) in ten-thousandths, rounded as `{:.4}` rounds: the
/// exact binary value to the nearest, ties to even. `None` out of range. The
/// standard formatter gets there through a bignum fallback on most scores,
/// which was a fifth of a message's cost; a score's mantissa times 10⁴ fits in
/// 67 bits, so the exact product and its remainder fit a `u128`.
fn ten_thousandths(value: f64) -> Option<u64> {
    if !(0.0..=1.0).contains(&value) {
        return None;
    }
    let bits = value.to_bits();
    let biased = (bits >> 52) as u32;
    let fraction = bits & ((1 << 52) - 1);
    // value = mantissa × 2^-shift; subnormals have no implicit bit.
    let (mantissa, shift) = match biased {
        0 => (fraction, 1074),
        _ => (fraction | 1 << 52, 1075 - biased),
    };
    let scaled = u128::from(mantissa) * 10_000;
    if shift >= 128 {
        // Below 2^-60: far under half a ten-thousandth.
        return Some(0);
    }
    let quotient = (scaled >> shift) as u64;
    let remainder = scaled & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = remainder > half || (remainder == half && quotient % 2 == 1);
    Some(quotient + u64::from(up))
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
        assert_eq!(format_score(1.0), "1.0000");
        assert_eq!(format_score(-0.0), "0.0000");
        // Exact ties go to the even digit, as `{:.4}` does.
        assert_eq!(format_score(0.03125), "0.0312");
        assert_eq!(format_score(0.09375), "0.0938");
    }

    /// The fast path must write exactly what `{:.4}` writes.
    #[test]
    fn scores_are_written_as_the_standard_formatter_writes_them() {
        let standard = |score: f64| {
            let text = format!("{score:.4}");
            if text == "-0.0000" { "0.0000".to_string() } else { text }
        };
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            5e-324,
            0.99995,
            0.00005,
            0.49995,
            2.0,
            f64::NAN,
        ];
        // Every exact tie on the grid of 1/2^5..1/2^12, and its neighbours.
        for denominator in [32u32, 64, 128, 256, 512, 1024, 2048, 4096] {
            for k in 0..=denominator {
                let v = f64::from(k) / f64::from(denominator);
                values.extend([
                    v,
                    -v,
                    f64::from_bits(v.to_bits() + 1),
                    f64::from_bits(v.to_bits().saturating_sub(1)),
                ]);
            }
        }
        // Pseudo-random scores across [-1, 1] and around each decimal step.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..200_000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            let step = f64::from(i % 20_001) / 10_000.0 - 1.0;
            values.extend([unit * 2.0 - 1.0, step, step + 0.00005, step - 0.00005]);
        }
        for v in values {
            assert_eq!(format_score(v), standard(v), "{v:e}");
        }
    }
}
