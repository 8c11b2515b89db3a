//! A vault deleted and recovered under a fleet: the cost per server of a
//! run with many servers (detailed = false, as `keyloss run` summarises
//! and as sweeps run).
//!
//! `cargo bench --bench fleet`. The 1,000,000-server figure of
//! BENCHMARKS.md is measured with `/usr/bin/time -v keyloss run` instead:
//! one run takes seconds, and peak memory is the point.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyloss::model::{run, RunOptions};

const FLEET: &str = include_str!("scenarios/fleet-vault-deleted.ron");

fn fleet(c: &mut Criterion) {
    let mut group = c.benchmark_group("fleet");
    group.sample_size(10);
    for count in [10_000u64, 100_000] {
        let width = count.to_string().len();
        let text = FLEET
            .replace("count: 1000000", &format!("count: {count}"))
            .replace("pg-0000001", &format!("pg-{:0width$}", 1));
        let plan = keyloss::scenario::parse_str(&text, "fleet.ron").expect("a valid scenario");
        group.throughput(Throughput::Elements(count));
        group.bench_function(format!("vault_deleted_recovered_{count}_servers"), |b| {
            b.iter(|| {
                let opts = RunOptions {
                    seed: None,
                    runbook: None,
                    detailed: false,
                    ..RunOptions::default()
                };
                black_box(run(&plan, &opts).expect("runs"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fleet);
criterion_main!(benches);
