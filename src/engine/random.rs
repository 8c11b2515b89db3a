//! Seeded random streams, one per (entity, purpose, occurrence) (R32).
//!
//! Every random draw in a run comes from its own ChaCha8 stream, keyed by
//! `(seed, entity kind, entity name, purpose, occurrence index)`. A draw
//! therefore depends only on its own key: adding a server, a vault or an event
//! to a scenario does not shift the draws of the others, and two runbooks
//! rehearsed on one seed meet the same incident.
//!
//! # The key derivation (stable forever)
//!
//! 1. FNV-1a 64 ([`stream_key`]) over these bytes, in order: the seed as 8
//!    bytes little-endian; the kind's UTF-8 bytes; `0xFF`; the name's bytes;
//!    `0xFF`; the purpose's bytes; `0xFF`; the index as 8 bytes
//!    little-endian. `0xFF` never occurs in UTF-8, so no two different keys
//!    produce the same byte string (`("ab", "c")` differs from `("a", "bc")`).
//! 2. The 64-bit hash is the state of a SplitMix64 generator; its first four
//!    outputs, each as 8 bytes little-endian, make the 32-byte seed.
//! 3. `rand_chacha::ChaCha8Rng::from_seed` of that seed.
//!
//! Every step uses only integer arithmetic with explicit byte order, so the
//! streams are the same on every platform. Changing any step changes every
//! user's results; the tests pin known values.
//!
//! # Portable sampling
//!
//! Integers are sampled from `next_u64` by rejection, never by a
//! platform-sized type. Float code uses only IEEE 754 correctly rounded
//! operations (`+ - * /` and `sqrt`) and `libm` functions, never the
//! platform's `ln` or `exp`, whose last bit may differ between C libraries.
//! (Rust never fuses `a * b + c` into an FMA unless asked, so the arithmetic
//! is reproducible.)

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
/// Separates the text parts of a stream key; never a byte of UTF-8.
const KEY_SEPARATOR: u8 = 0xFF;
/// 2^64 / golden ratio, the SplitMix64 increment.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn fnv1a_update(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The SplitMix64 output function (Steele, Lea and Flood 2014): a bijection
/// on `u64` that spreads every input bit over the output.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One SplitMix64 step: advance the state by the golden gamma, then mix.
fn splitmix64_next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN_GAMMA);
    mix64(*state)
}

/// The FNV-1a 64 hash of a stream's key: step 1 of the derivation in the
/// [module documentation](self). Exposed so tests and documentation can show
/// the value behind a stream.
pub fn stream_key(seed: u64, kind: &str, name: &str, purpose: &str, index: u64) -> u64 {
    EntityKey::new(seed, kind, name).stream_key(purpose, index)
}

/// The first half of every stream key of one entity: FNV-1a 64 over the
/// seed, the kind and the name with their separators. FNV-1a reads its
/// bytes in order, so the entity's draws continue from this state instead
/// of hashing its name again (the keys are the same, see the tests).
///
/// The default is no entity's: a placeholder until the entity exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntityKey(u64);

impl EntityKey {
    pub fn new(seed: u64, kind: &str, name: &str) -> EntityKey {
        let mut hash = fnv1a_update(FNV_OFFSET, &seed.to_le_bytes());
        hash = fnv1a_update(hash, kind.as_bytes());
        hash = fnv1a_update(hash, &[KEY_SEPARATOR]);
        hash = fnv1a_update(hash, name.as_bytes());
        EntityKey(fnv1a_update(hash, &[KEY_SEPARATOR]))
    }

    /// The key of the entity's stream for (purpose, index): [`stream_key`].
    pub fn stream_key(self, purpose: &str, index: u64) -> u64 {
        let mut hash = fnv1a_update(self.0, purpose.as_bytes());
        hash = fnv1a_update(hash, &[KEY_SEPARATOR]);
        fnv1a_update(hash, &index.to_le_bytes())
    }

    /// The entity's stream for (purpose, index): [`stream`].
    pub fn stream(self, purpose: &str, index: u64) -> ChaCha8Rng {
        chacha(self.stream_key(purpose, index))
    }

    /// One draw from the entity's stream for (purpose, index): [`draw`].
    pub fn draw(self, purpose: &str, index: u64, dist: Dist) -> u64 {
        match dist {
            Dist::Fixed(value_s) => value_s,
            _ => dist.sample(&mut self.stream(purpose, index)),
        }
    }
}

/// The random stream for one draw site: FNV-1a 64 over the seed (8 bytes
/// little-endian), kind bytes, `0xFF`, name bytes, `0xFF`, purpose bytes,
/// `0xFF`, index (8 bytes little-endian); the hash expanded to a 32-byte
/// ChaCha seed with four SplitMix64 outputs (each little-endian); then
/// `ChaCha8Rng::from_seed` (R32).
///
/// Cost: one hash over the key and one ChaCha key setup; the first block is
/// computed on the first draw.
pub fn stream(seed: u64, kind: &str, name: &str, purpose: &str, index: u64) -> ChaCha8Rng {
    chacha(stream_key(seed, kind, name, purpose, index))
}

/// Steps 2 and 3 of the derivation: the ChaCha8 stream of a key.
fn chacha(key: u64) -> ChaCha8Rng {
    let mut state = key;
    let mut chacha_seed = [0u8; 32];
    for chunk in chacha_seed.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64_next(&mut state).to_le_bytes());
    }
    ChaCha8Rng::from_seed(chacha_seed)
}

/// A delay distribution in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    /// Always this many seconds.
    Fixed(u64),
    /// `Uniform(min, max)`: each whole second in `[min, max]` equally likely,
    /// both ends included.
    Uniform(u64, u64),
    /// `Triangular(min, mode, max)`: the continuous triangular distribution,
    /// floored to whole seconds and kept within `[min, max]`.
    Triangular(u64, u64, u64),
}

impl Dist {
    /// Checks that the bounds are ordered (`min <= max`, and for a triangle
    /// `min <= mode <= max`), with a message for the scenario author.
    /// [`sample`](Self::sample) asserts the same.
    pub fn check(&self) -> Result<(), String> {
        match *self {
            Dist::Fixed(_) => Ok(()),
            Dist::Uniform(min_s, max_s) if min_s > max_s => Err(format!(
                "a uniform distribution needs min <= max, but min is {min_s}s and max is {max_s}s"
            )),
            Dist::Triangular(min_s, mode_s, max_s) if !(min_s <= mode_s && mode_s <= max_s) => {
                Err(format!(
                    "a triangular distribution needs min <= mode <= max, \
                     but they are {min_s}s, {mode_s}s and {max_s}s"
                ))
            }
            Dist::Uniform(..) | Dist::Triangular(..) => Ok(()),
        }
    }

    /// Draws one delay in whole seconds, always within
    /// `[min_s(), max_s()]`.
    ///
    /// `Uniform` uses [`uniform_u64`]. `Triangular` uses the inverse CDF at
    /// `u = unit_f64(rng)` and floors the result, so the maximum itself
    /// comes up only when `min == max` or when rounding lands on it (about
    /// one draw in 2^53). `Fixed` draws nothing from `rng`.
    ///
    /// # Panics
    ///
    /// If the bounds are out of order (see [`check`](Self::check)).
    pub fn sample<R: Rng>(&self, rng: &mut R) -> u64 {
        if let Err(message) = self.check() {
            panic!("{message}");
        }
        match *self {
            Dist::Fixed(value_s) => value_s,
            Dist::Uniform(min_s, max_s) => uniform_u64(rng, min_s, max_s),
            Dist::Triangular(min_s, mode_s, max_s) => {
                triangular_s(unit_f64(rng), min_s, mode_s, max_s)
            }
        }
    }

    /// The smallest value [`sample`](Self::sample) can return.
    pub fn min_s(&self) -> u64 {
        match *self {
            Dist::Fixed(value_s) => value_s,
            Dist::Uniform(min_s, _) | Dist::Triangular(min_s, _, _) => min_s,
        }
    }

    /// The largest value [`sample`](Self::sample) can return.
    pub fn max_s(&self) -> u64 {
        match *self {
            Dist::Fixed(value_s) => value_s,
            Dist::Uniform(_, max_s) | Dist::Triangular(_, _, max_s) => max_s,
        }
    }

    /// Whether the distribution always gives the same value (no draw needed).
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed(_))
    }

    /// The mean in seconds, for reports.
    ///
    /// Exact for `Fixed` and `Uniform`. For `Triangular` it is the mean of
    /// the continuous distribution, `(min + mode + max) / 3`; samples are
    /// floored to whole seconds, so their average is lower by less than one
    /// second (about half a second for a wide triangle).
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::Fixed(value_s) => value_s as f64,
            Dist::Uniform(min_s, max_s) => (min_s as f64 + max_s as f64) / 2.0,
            Dist::Triangular(min_s, mode_s, max_s) => {
                (min_s as f64 + mode_s as f64 + max_s as f64) / 3.0
            }
        }
    }
}

/// The triangular inverse CDF at `u` in `[0, 1)`, floored and clamped to
/// `[min_s, max_s]`. Only `+ - * /` and `sqrt`, so it is exact across
/// platforms (R32).
fn triangular_s(u: f64, min_s: u64, mode_s: u64, max_s: u64) -> u64 {
    debug_assert!((0.0..1.0).contains(&u));
    debug_assert!(min_s <= mode_s && mode_s <= max_s);
    let (a, c, b) = (min_s as f64, mode_s as f64, max_s as f64);
    // Bounds above 2^53 seconds may round to one `f64`; the CDF at the mode
    // would then be 0/0.
    if a == b {
        return min_s;
    }
    // The CDF at the mode: the share of the area left of the mode.
    let cdf_at_mode = (c - a) / (b - a);
    let x = if u < cdf_at_mode {
        a + libm::sqrt(u * (b - a) * (c - a))
    } else {
        b - libm::sqrt((1.0 - u) * (b - a) * (b - c))
    };
    // `as` truncates (floor, for x >= 0) and saturates; the clamp guards
    // against rounding past either end, and against `u64` values above 2^53
    // that `f64` cannot hold exactly.
    let floored_s = libm::floor(x) as u64;
    floored_s.clamp(min_s, max_s)
}

/// Draws from the stream keyed by `(seed, kind, name, purpose, index)` (see
/// [`stream`]). A `Fixed` distribution returns its value without building a
/// stream, because most delays in a scenario are fixed.
pub fn draw(seed: u64, kind: &str, name: &str, purpose: &str, index: u64, dist: Dist) -> u64 {
    match dist {
        Dist::Fixed(value_s) => value_s,
        _ => dist.sample(&mut stream(seed, kind, name, purpose, index)),
    }
}

/// A uniform integer in `[lo, hi]`, both ends included.
///
/// Unbiased: draws of `next_u64` below `2^64 mod (hi - lo + 1)` are rejected
/// and redrawn, so every remaining value maps onto the range equally often.
/// Rejection is rare (under one draw in two, and for ranges below 2^32 under
/// one in four billion), and uses only `u64` arithmetic, so it is portable.
///
/// # Panics
///
/// If `lo > hi`.
pub fn uniform_u64<R: Rng>(rng: &mut R, lo: u64, hi: u64) -> u64 {
    assert!(lo <= hi, "uniform_u64 needs lo <= hi, got {lo} > {hi}");
    let span = hi - lo;
    if span == u64::MAX {
        return rng.next_u64();
    }
    let count = span + 1;
    // 2^64 mod count: the values below it are the biased remainder.
    let reject_below = count.wrapping_neg() % count;
    loop {
        let x = rng.next_u64();
        if x >= reject_below {
            return lo + x % count;
        }
    }
}

/// A uniform `f64` in `[0, 1)`: the top 53 bits of `next_u64` times 2^-53,
/// so every value is an exact multiple of 2^-53.
pub fn unit_f64<R: Rng>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (rng.next_u64() >> 11) as f64 * SCALE
}

/// An exponential gap with mean `mean_s` seconds, floored to whole seconds:
/// `floor(-mean_s * ln(1 - u))` with `u = unit_f64(rng)`.
///
/// The logarithm is `libm::log`, never `f64::ln`, so the result is the same
/// on every platform (R32). `1 - u` is exact and never zero, so the result is
/// finite: at most about 36.7 times the mean. Flooring makes the average of
/// the samples about half a second below `mean_s`.
pub fn exponential_s<R: Rng>(rng: &mut R, mean_s: u64) -> u64 {
    let u = unit_f64(rng);
    let gap_s = -(mean_s as f64) * libm::log(1.0 - u);
    // `as` saturates, should a huge mean overflow `u64`.
    libm::floor(gap_s) as u64
}

/// The seed of run `index` of a sweep started from `seed`:
/// `mix64(seed ^ (0x9E3779B97F4A7C15 * (index + 1)))`, with wrapping
/// arithmetic, where `mix64` is the SplitMix64 output function.
///
/// Multiplying by an odd constant, xoring with the seed and `mix64` are all
/// bijections on `u64`, so for one `seed` different indices always give
/// different run seeds. Stable forever: changing it changes every sweep.
pub fn derive_seed(seed: u64, index: u64) -> u64 {
    mix64(seed ^ GOLDEN_GAMMA.wrapping_mul(index.wrapping_add(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (Fowler, Noll, Vo).
        assert_eq!(fnv1a_update(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_update(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_update(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // The first outputs of the reference SplitMix64 seeded with 0.
        let mut state = 0;
        assert_eq!(splitmix64_next(&mut state), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64_next(&mut state), 0x6e78_9e6a_a1b9_65f4);
    }

    /// These values were computed once and pinned. Every simulated incident
    /// is drawn from streams keyed this way, so if this test fails, every
    /// user's results for every seed have changed: that is a breaking change
    /// to fix, not a constant to update.
    #[test]
    fn an_entity_key_continues_the_whole_key() {
        for (seed, kind, name, purpose, index) in [
            (0, "", "", "", 0),
            (42, "server", "pg-prod-1", "key-check-delay", 3),
            (7, "vault", "kv", "purge", u64::MAX),
        ] {
            let entity = EntityKey::new(seed, kind, name);
            assert_eq!(
                entity.stream_key(purpose, index),
                stream_key(seed, kind, name, purpose, index)
            );
            let dist = Dist::Uniform(0, 1_000_000);
            assert_eq!(
                entity.draw(purpose, index, dist),
                draw(seed, kind, name, purpose, index, dist)
            );
        }
    }

    #[test]
    fn stream_keys_are_pinned() {
        assert_eq!(stream_key(0, "", "", "", 0), PINNED_EMPTY_KEY);
        assert_eq!(
            stream_key(42, "server", "pg-prod-1", "key-check-delay", 3),
            PINNED_SERVER_KEY
        );
    }

    /// As [`stream_keys_are_pinned`], for the whole chain down to the draws:
    /// this also catches a change of ChaCha implementation.
    #[test]
    fn stream_outputs_and_draws_are_pinned() {
        let mut rng = stream(42, "server", "pg-prod-1", "key-check-delay", 3);
        assert_eq!(rng.next_u64(), PINNED_SERVER_FIRST_U64);
        assert_eq!(
            draw(
                7,
                "vault",
                "kv-main",
                "purge-delay",
                0,
                Dist::Uniform(0, 86_400)
            ),
            PINNED_UNIFORM_DRAW
        );
        assert_eq!(
            draw(
                7,
                "vault",
                "kv-main",
                "purge-delay",
                1,
                Dist::Triangular(60, 300, 3_600)
            ),
            PINNED_TRIANGULAR_DRAW
        );
        assert_eq!(
            exponential_s(&mut stream(7, "server", "pg", "connect", 0), 600),
            PINNED_EXPONENTIAL_DRAW
        );
    }

    /// As [`stream_keys_are_pinned`]: sweeps are reproduced from these.
    #[test]
    fn derived_seeds_are_pinned() {
        assert_eq!(derive_seed(0, 0), PINNED_DERIVED_0_0);
        assert_eq!(derive_seed(42, 7), PINNED_DERIVED_42_7);
    }

    const PINNED_EMPTY_KEY: u64 = 0x99b3_42fc_040a_dfb4;
    const PINNED_SERVER_KEY: u64 = 0xc9ae_53a2_7dca_fd2f;
    const PINNED_SERVER_FIRST_U64: u64 = 0x360d_9279_e112_ce01;
    const PINNED_UNIFORM_DRAW: u64 = 19_785;
    const PINNED_TRIANGULAR_DRAW: u64 = 1_363;
    const PINNED_EXPONENTIAL_DRAW: u64 = 637;
    const PINNED_DERIVED_0_0: u64 = 0xe220_a839_7b1d_cdaf;
    const PINNED_DERIVED_42_7: u64 = 0xb434_6c5a_4ac0_89c3;

    #[test]
    fn separators_keep_adjacent_parts_apart() {
        assert_ne!(
            stream_key(1, "ab", "c", "p", 0),
            stream_key(1, "a", "bc", "p", 0)
        );
        assert_ne!(
            stream_key(1, "k", "ab", "c", 0),
            stream_key(1, "k", "a", "bc", 0)
        );
    }

    #[test]
    fn every_part_of_the_key_changes_the_stream() {
        let base = stream(1, "server", "a", "delay", 0).next_u64();
        let variants = [
            stream(2, "server", "a", "delay", 0),
            stream(1, "vault", "a", "delay", 0),
            stream(1, "server", "b", "delay", 0),
            stream(1, "server", "a", "retry", 0),
            stream(1, "server", "a", "delay", 1),
        ];
        for mut rng in variants {
            assert_ne!(rng.next_u64(), base);
        }
    }

    #[test]
    fn the_same_key_gives_the_same_stream() {
        let mut first = stream(9, "grant", "g1", "propagation", 4);
        let mut second = stream(9, "grant", "g1", "propagation", 4);
        for _ in 0..100 {
            assert_eq!(first.next_u64(), second.next_u64());
        }
    }

    #[test]
    fn draws_stay_within_bounds() {
        let dists = [
            Dist::Fixed(5),
            Dist::Uniform(10, 20),
            Dist::Uniform(0, 0),
            Dist::Uniform(0, u64::MAX),
            Dist::Triangular(60, 120, 600),
            Dist::Triangular(3, 3, 4),
        ];
        for dist in dists {
            for index in 0..2_000 {
                let value = draw(3, "server", "s", "bounds", index, dist);
                assert!(
                    (dist.min_s()..=dist.max_s()).contains(&value),
                    "{dist:?} gave {value}"
                );
            }
        }
    }

    #[test]
    fn fixed_draws_need_no_stream() {
        /// A generator that fails the test if it is ever asked for a value.
        struct Untouchable;
        impl rand_core::TryRng for Untouchable {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                panic!("a fixed distribution drew a u32");
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                panic!("a fixed distribution drew a u64");
            }
            fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
                panic!("a fixed distribution drew bytes");
            }
        }
        assert_eq!(Dist::Fixed(90).sample(&mut Untouchable), 90);
        assert!(Dist::Fixed(90).is_fixed());
        assert!(!Dist::Uniform(90, 90).is_fixed());
        assert_eq!(draw(1, "x", "y", "z", 0, Dist::Fixed(90)), 90);
    }

    #[test]
    fn uniform_covers_both_ends_and_has_the_right_mean() {
        let mut rng = stream(1, "test", "uniform", "mean", 0);
        let dist = Dist::Uniform(10, 20);
        let mut seen = [0u32; 11];
        let mut sum = 0u64;
        let n = 110_000;
        for _ in 0..n {
            let value = dist.sample(&mut rng);
            seen[(value - 10) as usize] += 1;
            sum += value;
        }
        // Each of 11 values expects 10,000 hits; 5 sigma is about 480.
        for (offset, count) in seen.iter().enumerate() {
            assert!(
                (9_500..=10_500).contains(count),
                "{} seen {count} times",
                offset + 10
            );
        }
        let mean = sum as f64 / n as f64;
        assert!((mean - dist.mean_s()).abs() < 0.05, "mean {mean}");
        assert_eq!(dist.mean_s(), 15.0);
    }

    #[test]
    fn uniform_u64_handles_extreme_ranges() {
        let mut rng = stream(1, "test", "uniform", "extremes", 0);
        assert_eq!(uniform_u64(&mut rng, 7, 7), 7);
        assert_eq!(uniform_u64(&mut rng, u64::MAX, u64::MAX), u64::MAX);
        for _ in 0..1_000 {
            assert!(uniform_u64(&mut rng, u64::MAX - 1, u64::MAX) >= u64::MAX - 1);
            // A span just over half of u64 rejects often; it must still end.
            assert!(uniform_u64(&mut rng, 0, 1 << 63) <= 1 << 63);
        }
    }

    #[test]
    #[should_panic(expected = "lo <= hi")]
    fn uniform_u64_rejects_reversed_bounds() {
        uniform_u64(&mut stream(1, "t", "t", "t", 0), 2, 1);
    }

    #[test]
    fn unit_f64_stays_in_the_half_open_unit_interval() {
        let mut rng = stream(1, "test", "unit", "range", 0);
        for _ in 0..10_000 {
            let u = unit_f64(&mut rng);
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn triangular_respects_bounds_and_mode() {
        let dist = Dist::Triangular(100, 200, 1_000);
        let mut rng = stream(1, "test", "triangular", "shape", 0);
        let n = 100_000;
        let mut sum = 0u64;
        let mut below_mode = 0u32;
        let mut histogram = [0u32; 9];
        for _ in 0..n {
            let value = dist.sample(&mut rng);
            assert!((100..1_000).contains(&value), "{value}");
            sum += value;
            if value < 200 {
                below_mode += 1;
            }
            histogram[((value - 100) / 100) as usize] += 1;
        }
        // P(X < mode) = (mode - min) / (max - min) = 1/9.
        let share_below = f64::from(below_mode) / n as f64;
        assert!((share_below - 1.0 / 9.0).abs() < 0.01, "{share_below}");
        // The densest 100-second bin is the one starting at the mode.
        let densest = (0..9).max_by_key(|&i| histogram[i]).unwrap();
        assert_eq!(densest, 1, "{histogram:?}");
        // Floored samples average about half a second under the mean.
        let mean = sum as f64 / n as f64;
        assert!((mean - (dist.mean_s() - 0.5)).abs() < 3.0, "mean {mean}");
    }

    #[test]
    fn triangular_handles_degenerate_shapes() {
        // min == max.
        assert_eq!(triangular_s(0.0, 5, 5, 5), 5);
        assert_eq!(triangular_s(0.999, 5, 5, 5), 5);
        // Mode at the minimum: the inverse CDF starts at min.
        assert_eq!(triangular_s(0.0, 10, 10, 20), 10);
        assert_eq!(triangular_s(0.999_999, 10, 10, 20), 19);
        // Mode at the maximum: u near 1 floors below max, except that at
        // the largest u the square root rounds up onto max itself.
        assert_eq!(triangular_s(0.0, 10, 20, 20), 10);
        assert_eq!(triangular_s(0.999_999, 10, 20, 20), 19);
        assert_eq!(triangular_s(1.0 - f64::EPSILON / 2.0, 10, 20, 20), 20);
        // Near the top of u64 the result neither wraps nor panics (f64
        // cannot hold the exact value), and bounds that round to one f64
        // give min rather than 0/0.
        let top = triangular_s(1.0 - f64::EPSILON / 2.0, 0, u64::MAX, u64::MAX);
        assert!(top > u64::MAX - 4096, "{top}");
        assert_eq!(
            triangular_s(0.5, 1 << 60, (1 << 60) + 1, (1 << 60) + 2),
            1 << 60
        );
        assert_eq!(
            triangular_s(0.0, u64::MAX - 1, u64::MAX, u64::MAX),
            u64::MAX - 1
        );
    }

    #[test]
    fn triangular_with_mode_at_an_end_stays_in_bounds() {
        let mut rng = stream(1, "test", "triangular", "ends", 0);
        for dist in [Dist::Triangular(10, 10, 20), Dist::Triangular(10, 20, 20)] {
            for _ in 0..10_000 {
                let value = dist.sample(&mut rng);
                assert!((10..=20).contains(&value), "{dist:?} gave {value}");
            }
        }
    }

    #[test]
    fn check_rejects_out_of_order_bounds() {
        assert_eq!(Dist::Fixed(3).check(), Ok(()));
        assert_eq!(Dist::Uniform(3, 3).check(), Ok(()));
        assert_eq!(Dist::Triangular(1, 1, 1).check(), Ok(()));
        assert_eq!(
            Dist::Uniform(5, 3).check(),
            Err("a uniform distribution needs min <= max, but min is 5s and max is 3s".into())
        );
        assert_eq!(
            Dist::Triangular(1, 9, 5).check(),
            Err("a triangular distribution needs min <= mode <= max, \
                 but they are 1s, 9s and 5s"
                .into())
        );
    }

    #[test]
    #[should_panic(expected = "min <= max")]
    fn sampling_a_reversed_uniform_panics() {
        Dist::Uniform(5, 3).sample(&mut stream(1, "t", "t", "t", 0));
    }

    #[test]
    fn min_max_and_mean_describe_the_distribution() {
        assert_eq!((Dist::Fixed(4).min_s(), Dist::Fixed(4).max_s()), (4, 4));
        assert_eq!(Dist::Fixed(4).mean_s(), 4.0);
        assert_eq!(
            (Dist::Uniform(1, 9).min_s(), Dist::Uniform(1, 9).max_s()),
            (1, 9)
        );
        let triangle = Dist::Triangular(0, 30, 60);
        assert_eq!((triangle.min_s(), triangle.max_s()), (0, 60));
        assert_eq!(triangle.mean_s(), 30.0);
    }

    #[test]
    fn exponential_has_the_right_mean() {
        let mut rng = stream(1, "test", "exponential", "mean", 0);
        let n = 200_000;
        let mean_s = 600;
        let sum: u64 = (0..n).map(|_| exponential_s(&mut rng, mean_s)).sum();
        let sample_mean = sum as f64 / n as f64;
        // Flooring lowers the mean by about half a second; the standard
        // error of the mean is 600 / sqrt(200,000), about 1.3 seconds.
        assert!((sample_mean - 599.5).abs() < 7.0, "mean {sample_mean}");
    }

    #[test]
    fn exponential_with_zero_mean_is_zero() {
        let mut rng = stream(1, "test", "exponential", "zero", 0);
        assert_eq!(exponential_s(&mut rng, 0), 0);
    }

    #[test]
    fn derive_seed_differs_per_index_and_per_seed() {
        let mut seen = std::collections::HashSet::new();
        for index in 0..10_000 {
            assert!(
                seen.insert(derive_seed(42, index)),
                "index {index} repeated a seed"
            );
        }
        assert_ne!(derive_seed(1, 0), derive_seed(2, 0));
        assert_ne!(derive_seed(42, 0), 42);
        assert_eq!(derive_seed(42, 3), derive_seed(42, 3));
    }
}
