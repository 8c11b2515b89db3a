//! One run of a scenario, parsed once and run many times with
//! `RunOptions { detailed: false }`, as a sweep runs it.
//!
//! `cargo bench --bench run`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use keyloss::model::{run, RunOptions};

const ROTATION: &str = include_str!("../scenarios/01-rotation-without-update.ron");
const ALERT_RUNBOOK: &str = include_str!("../scenarios/25-alert-runbook.ron");

fn one_run(c: &mut Criterion) {
    for (name, text) in [
        ("01-rotation-without-update", ROTATION),
        ("25-alert-runbook", ALERT_RUNBOOK),
    ] {
        let plan = keyloss::scenario::parse_str(text, name).expect("a valid scenario");
        let mut seed = 0u64;
        c.bench_function(&format!("run/{name}"), |b| {
            b.iter(|| {
                seed += 1;
                let opts = RunOptions {
                    seed: Some(seed),
                    runbook: None,
                    detailed: false,
                    ..RunOptions::default()
                };
                black_box(run(&plan, &opts).expect("runs"))
            })
        });
    }
}

criterion_group!(benches, one_run);
criterion_main!(benches);
