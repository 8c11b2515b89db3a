//! A sweep of scenario 01 on two threads: runs per second including the
//! tally (`cargo bench --bench sweep`). The 100,000-run figure of
//! BENCHMARKS.md is `keyloss sweep … --runs 100000 --jobs 2` under
//! `/usr/bin/time`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyloss::sweep::Sweep;

const ROTATION: &str = include_str!("../scenarios/01-rotation-without-update.ron");
const RUNS: u64 = 10_000;

fn sweep(c: &mut Criterion) {
    let plan = keyloss::scenario::parse_str(ROTATION, "01.ron").expect("a valid scenario");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("threads");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RUNS));
    group.bench_function("01-rotation-without-update_10000_runs_2_threads", |b| {
        b.iter(|| {
            let sweep = Sweep::new(&plan, RUNS, None, None).expect("no runbook asked");
            black_box(pool.install(|| sweep.run_range(0..RUNS, &|_| {}).expect("runs")))
        })
    });
    group.finish();
}

criterion_group!(benches, sweep);
criterion_main!(benches);
