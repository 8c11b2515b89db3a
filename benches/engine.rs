//! The event queue alone: schedule+fire pairs per second on one core.
//!
//! `cargo bench --bench engine`. The "hold" model keeps a fixed number of
//! events pending; each step fires the earliest and schedules one more at
//! a pseudo-random later time, the classic queue benchmark. Throughput is
//! reported in elements: one element is one schedule plus one fire.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use keyloss::engine::queue::EventQueue;

/// Steps per iteration.
const STEPS: u64 = 100_000;

/// A small xorshift generator: the benchmark needs cheap, fixed gaps, not
/// the model's streams.
fn next_gap(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state % 3_600
}

fn filled(pending: u64) -> (EventQueue<u32>, u64) {
    let mut queue = EventQueue::with_capacity(pending as usize);
    let mut rng = 0x9E37_79B9_7F4A_7C15;
    for i in 0..pending {
        queue.schedule(next_gap(&mut rng), (i % 11) as u8, i as u32, i as u32);
    }
    (queue, rng)
}

fn hold(queue: &mut EventQueue<u32>, rng: &mut u64) -> u64 {
    let mut sum = 0;
    for i in 0..STEPS {
        let (at_s, event) = queue.pop().expect("a held queue never empties");
        sum += u64::from(event);
        queue.schedule(at_s + next_gap(rng), (i % 11) as u8, event, event);
    }
    sum
}

fn queue_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(STEPS));
    for pending in [16u64, 1_000, 100_000] {
        group.bench_function(format!("hold_{pending}_pending"), |b| {
            b.iter_batched_ref(
                || filled(pending),
                |(queue, rng)| black_box(hold(queue, rng)),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, queue_hold);
criterion_main!(benches);
