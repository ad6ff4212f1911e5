//! The on-message hook of the real sentiment component against the same
//! analyser compiled natively, in one run so the ratio holds on a noisy
//! machine. Each iteration scores one customer message, cycling through ten
//! of typical chat length (one with an emoji), on a selected channel; a third
//! case sends them on a channel not selected, to show the boundary's own cost.
//!
//! Run: `cargo bench -p exthost-runtime --bench on_message`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exthost_runtime::types::{Author, Identity, Message, MessageEvent};
use exthost_runtime::{ExtensionConfig, HookContext, Runtime, RuntimeConfig};
use std::hint::black_box;

const MESSAGES: [&str; 10] = [
    "Hi, my order #4411 still hasn't arrived and it's been two weeks. Can you check?",
    "Thank you so much, the replacement works perfectly!",
    "The app keeps crashing when I try to pay. Very frustrating.",
    "Can I change the delivery address for my parcel?",
    "Great service as always, your agent was really helpful 😊",
    "I'm not happy with the quality, the screen is scratched and the case is cheap.",
    "ok thanks",
    "Your website says in stock but the checkout says unavailable??",
    "I have been a customer for years but this is the worst experience I have had.",
    "Is there a discount for students? I'd love to upgrade my plan.",
];

fn event(body: &str) -> MessageEvent {
    MessageEvent::Received(Message {
        id: "m1".into(),
        thread_id: "t1".into(),
        channel_id: "ch1".into(),
        author: Author::Customer(Identity {
            id: "i1".into(),
            group_id: None,
            community_id: "c1".into(),
            screenname: "alice".into(),
        }),
        body: body.into(),
        created_at: 0,
    })
}

fn bench(c: &mut Criterion) {
    let settings = r#"{"channels": "ch1\nch2"}"#;
    let runtime = Runtime::new(RuntimeConfig::default()).expect("runtime");
    let bytes = std::fs::read(exthost_artifacts::builtin::SENTIMENT).expect("sentiment built");
    let component = runtime.install(&bytes).expect("install");
    let ext = runtime
        .enable(component, ExtensionConfig::new("bench", settings))
        .expect("enable");
    let ctx = HookContext {
        now: 0,
        request_id: "bench".into(),
    };
    let events: Vec<MessageEvent> = MESSAGES.iter().map(|m| event(m)).collect();

    let native_settings = sentiment::Settings::from_config(settings).expect("settings");
    let analyser = sentiment::Analyser::new(sentiment::Language::parse(&sentiment::ENGLISH).expect("lexicon"));
    // Both sides must give the same answers, or the comparison means nothing.
    for (event, body) in events.iter().zip(MESSAGES) {
        let wasm = ext.on_message(&ctx, event).expect("hook");
        let native = sentiment::annotate(&native_settings, &analyser, "ch1", body);
        let wasm: Vec<(String, String)> = wasm.annotations.into_iter().map(|a| (a.key, a.value)).collect();
        let native: Vec<(String, String)> = native.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        assert_eq!(wasm, native, "{body}");
    }

    let mut group = c.benchmark_group("sentiment on-message");
    group.throughput(Throughput::Elements(1));
    let mut next = 0;
    group.bench_function("wasm component", |b| {
        b.iter(|| {
            next = (next + 1) % events.len();
            black_box(ext.on_message(black_box(&ctx), black_box(&events[next])).unwrap())
        })
    });
    // The same call on a channel the extension does not analyse: what the
    // boundary alone costs (lowering the event, entering the instance, returning).
    let unselected: Vec<MessageEvent> = MESSAGES
        .iter()
        .map(|m| {
            let mut e = event(m);
            if let MessageEvent::Received(message) = &mut e {
                message.channel_id = "ch9".into();
            }
            e
        })
        .collect();
    assert!(
        ext.on_message(&ctx, &unselected[0])
            .expect("hook")
            .annotations
            .is_empty()
    );
    group.bench_function("wasm component, channel not selected", |b| {
        b.iter(|| {
            next = (next + 1) % unselected.len();
            black_box(ext.on_message(black_box(&ctx), black_box(&unselected[next])).unwrap())
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            next = (next + 1) % MESSAGES.len();
            // The event is built and read as the host would hand it over, minus the boundary.
            let MessageEvent::Received(message) = black_box(&events[next]) else {
                unreachable!("every bench event is a received message")
            };
            black_box(sentiment::annotate(
                &native_settings,
                &analyser,
                &message.channel_id,
                &message.body,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
