//! Accuracy of the real sentiment component on a labelled file: each line is
//! a sentence, a tab and a label (1 positive, 0 negative), as in
//! `test/data/amazon_cells_labelled.txt` of the npm package
//! wink-sentiment@5.0.2. Every sentence goes through `Extension::on_message`
//! as a customer message; a sentence counts as right when the extension says
//! `positive` for label 1 and anything else for label 0. The same sentences
//! also go through the analyser compiled natively, to show both agree.
//!
//! Run: `host/runtime/examples/fetch_sentiment_testset.sh` (prints the path), then
//! `cargo run --release -p exthost-runtime --example sentiment_accuracy -- PATH`

use anyhow::{Context, bail};
use exthost_runtime::types::{Author, Identity, Message, MessageEvent};
use exthost_runtime::{ExtensionConfig, HookContext, Runtime, RuntimeConfig};

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        bail!("usage: sentiment_accuracy PATH (a file of `sentence<TAB>label` lines)");
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (sentence, label) = line
            .rsplit_once('\t')
            .with_context(|| format!("line {}: no tab", n + 1))?;
        let positive = match label.trim() {
            "1" => true,
            "0" => false,
            other => bail!("line {}: label `{other}` is neither 1 nor 0", n + 1),
        };
        samples.push((sentence.to_owned(), positive));
    }

    let runtime = Runtime::new(RuntimeConfig::default())?;
    let bytes = std::fs::read(exthost_artifacts::builtin::SENTIMENT)?;
    let ext = runtime.enable(runtime.install(&bytes)?, ExtensionConfig::new("accuracy", "{}"))?;
    let ctx = HookContext {
        now: 0,
        request_id: "accuracy".into(),
    };
    let analyser = sentiment::Analyser::new(sentiment::Language::parse(&sentiment::ENGLISH)?);

    // [truth positive][predicted label]: positive, neutral, negative.
    let mut table = [[0usize; 3]; 2];
    let mut right = 0;
    let mut disagreements = 0;
    for (i, (sentence, positive)) in samples.iter().enumerate() {
        let event = MessageEvent::Received(Message {
            id: format!("m{i}"),
            thread_id: "t".into(),
            channel_id: "ch".into(),
            author: Author::Customer(Identity {
                id: "i".into(),
                group_id: None,
                community_id: "c".into(),
                screenname: "reviewer".into(),
            }),
            body: sentence.clone(),
            created_at: 0,
        });
        let outcome = ext.on_message(&ctx, &event)?;
        let label = outcome
            .annotations
            .iter()
            .find(|a| a.key == sentiment::LABEL_KEY)
            .map(|a| a.value.as_str())
            .context("no sentiment.label annotation")?;
        let column = match label {
            "positive" => 0,
            "neutral" => 1,
            _ => 2,
        };
        table[usize::from(!*positive)][column] += 1;
        if (label == "positive") == *positive {
            right += 1;
        }
        if sentiment::Label::of(analyser.compound(sentence)).as_str() != label {
            disagreements += 1;
        }
    }

    let total = samples.len();
    println!("{total} sentences from {path}");
    println!("                 predicted: positive  neutral  negative");
    println!(
        "labelled positive (1):   {:>9} {:>8} {:>9}",
        table[0][0], table[0][1], table[0][2]
    );
    println!(
        "labelled negative (0):   {:>9} {:>8} {:>9}",
        table[1][0], table[1][1], table[1][2]
    );
    println!(
        "accuracy (positive vs not-positive): {right}/{total} = {:.1}%",
        100.0 * right as f64 / total.max(1) as f64
    );
    println!("wasm component vs native analyser: {disagreements} disagreements");
    Ok(())
}
