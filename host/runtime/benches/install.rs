//! Cold compile against cached load of the real ip-filter component: what a
//! restart saves by reading the compile cache. Both are full installs
//! (validate, compile or deserialize, pre-instantiate, describe).
//!
//! Run: `cargo bench -p exthost-runtime --bench install`

use criterion::{Criterion, criterion_group, criterion_main};
use exthost_runtime::{CacheOutcome, Runtime, RuntimeConfig};
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let bytes = std::fs::read(exthost_artifacts::builtin::IP_FILTER).expect("ip-filter built");
    let uncached = Runtime::new(RuntimeConfig::default()).expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let cached = Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.path().into()),
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    cached.install(&bytes).expect("warm the cache");

    let mut group = c.benchmark_group("install ip-filter");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("cold compile", |b| {
        b.iter(|| {
            assert_eq!(
                uncached.install(&bytes).unwrap().cache_outcome(),
                CacheOutcome::Compiled
            )
        })
    });
    group.bench_function("cached load", |b| {
        b.iter(|| assert_eq!(cached.install(&bytes).unwrap().cache_outcome(), CacheOutcome::Hit))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
