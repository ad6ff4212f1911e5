//! Chooses the sentiment extension's positive threshold on a development set
//! that is not the file accuracy is measured on: the Amazon review snippets
//! that VADER's authors had rated by people (`examples/data/`, from
//! cjhutto/vaderSentiment; see its README). Each line is an id, the mean of
//! at least 20 human ratings in [-4, 4], and the snippet, tab-separated.
//!
//! A snippet counts as positive when its mean rating is above 0 (the raters,
//! on average, found it positive) and as not positive otherwise, the same
//! positive vs not-positive decision `sentiment_accuracy` checks. Every
//! snippet is scored once by the analyser (compiled natively;
//! `sentiment_accuracy` shows the component gives the same labels), then
//! every threshold t = 0.01, 0.02, ..., 0.95 labels it positive when its
//! compound score is >= t. Thresholds at or below 0 are not tried: a message
//! with no sentiment word scores 0 and must stay neutral. The chosen threshold
//! is the one with the most snippets labelled right; among equals, the one
//! nearest VADER's published 0.05.
//!
//! Run: `cargo run --release -p exthost-runtime --example sentiment_threshold [-- PATH]`

use anyhow::{Context, bail};
use sentiment::analyser::{NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD};

const DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/amazonReviewSnippets_GroundTruth.txt"
);
/// The grid, in hundredths.
const GRID: std::ops::RangeInclusive<u32> = 1..=95;
const PUBLISHED: f64 = 0.05;

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| DEFAULT.to_owned());
    let text = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    let analyser = sentiment::Analyser::new(sentiment::Language::parse(&sentiment::ENGLISH)?);

    // (compound score, rated positive)
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        let (Some(_id), Some(rating), Some(snippet)) = (fields.next(), fields.next(), fields.next()) else {
            bail!("line {}: not `id<TAB>rating<TAB>text`", n + 1);
        };
        let rating: f64 = rating
            .trim()
            .parse()
            .with_context(|| format!("line {}: rating `{rating}`", n + 1))?;
        samples.push((analyser.compound(snippet), rating > 0.0));
    }
    let total = samples.len();
    let positives = samples.iter().filter(|(_, positive)| *positive).count();
    println!("{total} snippets from {path}");
    println!(
        "rated positive (mean > 0): {positives}; not positive: {}",
        total - positives
    );

    let right_at = |threshold: f64| {
        samples
            .iter()
            .filter(|(score, positive)| (*score >= threshold) == *positive)
            .count()
    };
    let sweep: Vec<(f64, usize)> = GRID
        .map(|hundredths| {
            let threshold = f64::from(hundredths) / 100.0;
            (threshold, right_at(threshold))
        })
        .collect();
    let best = sweep.iter().map(|&(_, right)| right).max().context("empty grid")?;
    let (chosen, _) = sweep
        .iter()
        .filter(|&&(_, right)| right == best)
        .min_by(|a, b| (a.0 - PUBLISHED).abs().total_cmp(&(b.0 - PUBLISHED).abs()))
        .copied()
        .context("no best threshold")?;
    assert!(
        chosen > NEGATIVE_THRESHOLD,
        "the positive and negative ranges would overlap"
    );

    println!("threshold  right  accuracy");
    for &(threshold, right) in &sweep {
        let mark = if right == best { "  <- best" } else { "" };
        println!(
            "{threshold:>9.2}  {right:>5}  {:>7.2}%{mark}",
            100.0 * right as f64 / total as f64
        );
    }
    let percent = |right: usize| 100.0 * right as f64 / total as f64;
    println!(
        "published {PUBLISHED:.2}: {}/{total} = {:.2}%",
        right_at(PUBLISHED),
        percent(right_at(PUBLISHED))
    );
    println!("chosen {chosen:.2}: {best}/{total} = {:.2}%", percent(best));
    // What moving from the published threshold changes: only the snippets scored in between.
    let (low, high) = (PUBLISHED.min(chosen), PUBLISHED.max(chosen));
    let between: Vec<bool> = samples
        .iter()
        .filter(|(score, _)| (low..high).contains(score))
        .map(|&(_, positive)| positive)
        .collect();
    let rated_positive = between.iter().filter(|&&positive| positive).count();
    println!(
        "scored in [{low:.2}, {high:.2}): {} snippets, {rated_positive} of them rated positive",
        between.len()
    );
    println!(
        "POSITIVE_THRESHOLD in the analyser: {POSITIVE_THRESHOLD} ({}/{total} = {:.2}%)",
        right_at(POSITIVE_THRESHOLD),
        percent(right_at(POSITIVE_THRESHOLD))
    );
    Ok(())
}
