//! The simulation engine: the clock, a cancellable event queue and seeded
//! random streams.
//!
//! The engine knows nothing of Azure. It has no notion of a vault, a key or a
//! server; the domain (`model`) depends on it, never the reverse, so the same
//! queue and streams could drive any discrete-event model.
//!
//! - [`time`]: whole-second durations and calendar instants, parsed and
//!   printed. Time is a plain `u64` count of seconds; nothing here reads the
//!   wall clock.
//! - [`queue`]: a min-ordered event queue whose pending events can be
//!   cancelled by handle in O(1).
//! - [`random`]: ChaCha streams keyed by (seed, entity kind, entity name,
//!   purpose, occurrence index), so each draw is independent of unrelated
//!   entities (R32).
//! - [`pages`]: the binary's allocator, the system's with large blocks on
//!   huge pages.

pub mod pages;
pub mod queue;
pub mod random;
pub mod time;

pub use time::Seconds;
