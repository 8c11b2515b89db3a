//! A cancellable event queue: small keys in a binary min-heap, split into
//! per-second buckets when it grows large, beside a slab of events.
//!
//! Events come out ordered by `(at_s, group, rank, insertion order)`. The
//! model maps R33's within-a-second order onto `group` (scripted events,
//! runbook steps, then the service's own steps by kind) and `rank` (entity
//! declaration order); insertion order is the final tie-break ("then by
//! scheduling order"), so two runs that schedule the same events in the same
//! order pop them in the same order on every machine (R32).
//!
//! # Layout and costs
//!
//! The queue holds 24-byte `Entry` keys, never the events themselves, so
//! moving an entry moves three words whatever the size of `E`. Each entry
//! names a slot in a slab (`Vec<Slot<E>>`) that holds the event and a
//! generation counter; vacant slots are kept on a free list and reused, so
//! once the queue has grown to its working size, scheduling allocates
//! nothing.
//!
//! Entries live in two tiers. The *front* is a binary heap holding every
//! entry due at or before the second `front_s`; *later* maps each second
//! after `front_s` to an unsorted vector of its entries. A small queue keeps
//! everything in the front (`front_s` is `u64::MAX`): a plain binary heap.
//! When the front outgrows [`SPLIT_AT`] entries, `front_s` becomes its
//! earliest second and the later entries move to their buckets; when the
//! front empties, the earliest bucket is heapified into the next front.
//! Every entry in a bucket is later than every entry in the front, so the
//! front's minimum is the queue's minimum, and any time may be scheduled,
//! earlier ones included.
//!
//! Why: a model of a million servers keeps millions of events pending.
//! Popping from a binary heap of that size misses the cache at almost every
//! level (about 1.5 µs a pop measured); a front of one second's events stays
//! in cache, and appending to a bucket touches one line.
//!
//! | operation     | cost                                                    |
//! |---------------|---------------------------------------------------------|
//! | `schedule`    | O(log n) small; O(log b) to find the bucket when split  |
//! | `cancel`      | O(1) amortised (O(n) when it triggers a compaction)     |
//! | `is_pending`  | O(1)                                                    |
//! | `pop`         | O(log f) per entry removed, cancelled ones included,    |
//! |               | plus O(k) to heapify a bucket of k entries once         |
//! | `peek_time`   | O(1) if the earliest entry is live, else as `pop`       |
//! | `len`         | O(1)                                                    |
//! | `clear`       | O(slots + b), keeping the slab and the front            |
//!
//! where n counts entries (live events plus cancelled ones not yet removed),
//! f those in the front and b the number of distinct later seconds.
//!
//! # The trade-off: lazy deletion
//!
//! Removing an arbitrary entry from a binary heap needs its position, and
//! keeping positions up to date costs a slab write on every swap of every
//! sift. Instead, `cancel` only empties the slot and bumps its generation;
//! the entry stays in place and is discarded when it reaches the top.
//! That keeps `schedule` and `pop` as cheap as a plain `BinaryHeap`, at the
//! price of space for cancelled entries. So that a model which keeps
//! rescheduling far-future timers cannot grow the queue without bound, the
//! queue compacts itself (drops every cancelled entry in one O(n) pass) when
//! cancelled entries outnumber live ones and number at least
//! [`COMPACT_MIN_CANCELLED`]; the queue therefore never holds more than
//! twice the live events plus that constant, and each pass is paid for by
//! the cancels that preceded it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// Compaction is not worth its pass below this many cancelled entries.
pub const COMPACT_MIN_CANCELLED: usize = 1024;

/// A front larger than this is split into per-second buckets: about 200 KB
/// of entries, which stays in a core's cache.
pub const SPLIT_AT: usize = 8192;

/// Emptied bucket vectors kept for reuse, at most.
const SPARE_BUCKETS: usize = 64;

/// Insertion sequence numbers use 56 bits of an entry (see [`Entry`]): at ten
/// million events a second that lasts over two hundred years of wall time.
const SEQ_LIMIT: u64 = 1 << 56;

/// Slot indices use 32 bits of an entry.
const SLOT_LIMIT: usize = u32::MAX as usize;

/// Names one scheduled event so it can be cancelled or queried.
///
/// A handle is a slot index plus the generation the slot had when the event
/// was scheduled. The generation changes whenever the event leaves the slot
/// (fired or cancelled), so a stale handle matches nothing and is harmless:
/// it can never cancel a later event that reuses the slot. The generation is
/// 64 bits so it cannot wrap round within any run. A handle is meaningful
/// only to the queue that issued it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    slot: u32,
    generation: u64,
}

/// A queue key, packed so that comparing three words in order compares
/// `(at_s, group, rank, seq)`:
///
/// - `at_s`: the event time in seconds;
/// - `order`: `group` (8 bits) | `rank` (32 bits) | the top 24 bits of `seq`;
/// - `tail`: the low 32 bits of `seq` | the slot index (32 bits).
///
/// `seq` is unique, so the slot index never decides an order. Twenty-four
/// bytes rather than a tuple of five fields keeps sifts cheap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    at_s: u64,
    order: u64,
    tail: u64,
}

impl Entry {
    fn new(at_s: u64, group: u8, rank: u32, seq: u64, slot: u32) -> Self {
        debug_assert!(seq < SEQ_LIMIT);
        Entry {
            at_s,
            order: (u64::from(group) << 56) | (u64::from(rank) << 24) | (seq >> 32),
            tail: (seq << 32) | u64::from(slot),
        }
    }

    fn slot(&self) -> usize {
        (self.tail & 0xFFFF_FFFF) as usize
    }
}

impl Ord for Entry {
    /// Reversed, because `BinaryHeap` is a max-heap and we want the earliest.
    /// The first two words are compared as one `u128`, which compiles to
    /// branch-free code: measured about 40% faster than comparing a tuple.
    /// (Storing a `u128` would align the entry to 32 bytes; building it in
    /// registers costs nothing.)
    fn cmp(&self, other: &Self) -> Ordering {
        let key = |entry: &Entry| (u128::from(entry.at_s) << 64) | u128::from(entry.order);
        key(other).cmp(&key(self)).then(other.tail.cmp(&self.tail))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One slab cell. A slot is in one of three states:
///
/// - live: `event` is `Some`, one entry names it, and the handle that
///   scheduled it carries the current `generation`;
/// - cancelled: `event` is `None`, one entry still names it;
/// - free: `event` is `None`, no entry names it, it is on the free list.
///
/// The generation is bumped when a live slot stops being live, so no issued
/// handle matches a cancelled or free slot. A slot returns to the free list
/// only when its entry leaves the queue, so each entry owns its slot and
/// no entry can ever be confused with a later occupant.
#[derive(Clone, Debug)]
struct Slot<E> {
    generation: u64,
    event: Option<E>,
}

/// A min-ordered queue of events of type `E`, cancellable by [`Handle`].
///
/// See the [module documentation](self) for the ordering, the layout and the
/// cost of each operation.
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// Every entry due at or before `front_s`.
    front: BinaryHeap<Entry>,
    /// `u64::MAX` while the queue is not split (`later` is empty).
    front_s: u64,
    /// Entries due after `front_s`, by second, unsorted.
    later: BTreeMap<u64, Vec<Entry>>,
    /// Entries in `later`.
    later_len: usize,
    /// The smallest front that is split ([`SPLIT_AT`]; smaller in tests).
    split_min: usize,
    /// The front size past which it is split next.
    split_at: usize,
    /// Empty bucket vectors, kept for their allocations.
    spare: Vec<Vec<Entry>>,
    slots: Vec<Slot<E>>,
    /// Indices of free slots, used as a stack.
    free: Vec<u32>,
    /// Entries whose event is still pending.
    live: usize,
    /// Entries whose event was cancelled but which are still queued.
    cancelled: usize,
    /// Sequence number of the next scheduled event: the insertion-order tie-break.
    next_seq: u64,
}

impl<E> EventQueue<E> {
    /// An empty queue. Allocates nothing until the first `schedule`.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `n` pending events before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            front: BinaryHeap::with_capacity(n.min(SPLIT_AT)),
            front_s: u64::MAX,
            later: BTreeMap::new(),
            later_len: 0,
            split_min: SPLIT_AT,
            split_at: SPLIT_AT,
            spare: Vec::new(),
            slots: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            live: 0,
            cancelled: 0,
            next_seq: 0,
        }
    }

    /// Schedules `event` at `at_s`. Events come out ordered by
    /// `(at_s, group, rank, insertion order)`; see R33 for what the model
    /// puts in `group` and `rank`.
    ///
    /// Cost: O(log n); allocates only if the queue has never held this many
    /// entries before, or when a new second needs a bucket.
    ///
    /// # Panics
    ///
    /// After 2^56 schedules without a [`clear`](Self::clear), or with 2^32 - 1
    /// entries queued at once: limits no simulation reaches.
    pub fn schedule(&mut self, at_s: u64, group: u8, rank: u32, event: E) -> Handle {
        assert!(
            self.next_seq < SEQ_LIMIT,
            "event queue: sequence numbers exhausted"
        );
        let slot_index = match self.free.pop() {
            Some(index) => index,
            None => {
                assert!(
                    self.slots.len() < SLOT_LIMIT,
                    "event queue: too many pending entries"
                );
                self.slots.push(Slot {
                    generation: 0,
                    event: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[slot_index as usize];
        debug_assert!(slot.event.is_none(), "a free slot holds no event");
        slot.event = Some(event);
        let handle = Handle {
            slot: slot_index,
            generation: slot.generation,
        };
        self.insert(Entry::new(at_s, group, rank, self.next_seq, slot_index));
        self.next_seq += 1;
        self.live += 1;
        self.debug_check();
        handle
    }

    /// Puts an entry in its tier, splitting the front when it grows large.
    fn insert(&mut self, entry: Entry) {
        if entry.at_s <= self.front_s {
            self.front.push(entry);
            if self.front.len() > self.split_at {
                self.split();
            }
        } else {
            self.push_later(entry);
        }
    }

    fn push_later(&mut self, entry: Entry) {
        let spare = &mut self.spare;
        self.later
            .entry(entry.at_s)
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(entry);
        self.later_len += 1;
    }

    /// Lowers `front_s` to the front's earliest second and moves every later
    /// entry of the front to its bucket. Every bucket stays later than the
    /// front. O(f log b).
    fn split(&mut self) {
        let Some(earliest) = self.front.peek().map(|e| e.at_s) else {
            return;
        };
        self.front_s = earliest;
        let mut keep = Vec::new();
        for entry in std::mem::take(&mut self.front).into_vec() {
            if entry.at_s <= earliest {
                keep.push(entry);
            } else {
                self.push_later(entry);
            }
        }
        self.front = BinaryHeap::from(keep);
        // A front that cannot shrink (one busy second) is not split again
        // until it doubles.
        self.split_at = self.split_min.max(2 * self.front.len());
    }

    /// The earliest entry, refilling the front from the earliest bucket when
    /// it is empty.
    fn top(&mut self) -> Option<Entry> {
        if self.front.is_empty() {
            let (at_s, bucket) = self.later.pop_first()?;
            self.later_len -= bucket.len();
            let old = std::mem::replace(&mut self.front, BinaryHeap::from(bucket));
            let mut old = old.into_vec();
            if self.spare.len() < SPARE_BUCKETS && old.capacity() > 0 {
                old.clear();
                self.spare.push(old);
            }
            self.front_s = if self.later.is_empty() {
                u64::MAX
            } else {
                at_s
            };
            self.split_at = self.split_min.max(2 * self.front.len());
        }
        self.front.peek().copied()
    }

    /// Cancels the event named by `handle` and returns it, or returns `None`
    /// if it already fired or was cancelled (a stale handle does nothing).
    ///
    /// Cost: O(1) amortised. The entry is left in place (lazy deletion) and
    /// skipped later; when cancelled entries outnumber live ones (and number
    /// at least [`COMPACT_MIN_CANCELLED`]) this call also compacts the queue
    /// in O(n), which the preceding cancels pay for.
    pub fn cancel(&mut self, handle: Handle) -> Option<E> {
        let slot = self.slots.get_mut(handle.slot as usize)?;
        if slot.generation != handle.generation {
            return None;
        }
        let event = slot.event.take();
        debug_assert!(event.is_some(), "a matching generation means a live slot");
        slot.generation += 1;
        self.live -= 1;
        self.cancelled += 1;
        if self.cancelled >= COMPACT_MIN_CANCELLED && self.cancelled > self.live {
            self.compact();
        }
        self.debug_check();
        event
    }

    /// Whether the event named by `handle` is still waiting to fire.
    ///
    /// Cost: O(1).
    pub fn is_pending(&self, handle: Handle) -> bool {
        self.slots
            .get(handle.slot as usize)
            .is_some_and(|slot| slot.generation == handle.generation && slot.event.is_some())
    }

    /// Removes and returns the earliest live event with its time, discarding
    /// any cancelled entries ahead of it.
    ///
    /// Cost: O(log f) for each entry removed: the event itself plus the
    /// cancelled entries that were ahead of it.
    pub fn pop(&mut self) -> Option<(u64, E)> {
        loop {
            self.top()?;
            let entry = self.front.pop().expect("top saw an entry");
            let slot_index = entry.slot();
            let slot = &mut self.slots[slot_index];
            self.free.push(slot_index as u32);
            match slot.event.take() {
                Some(event) => {
                    slot.generation += 1;
                    self.live -= 1;
                    self.debug_check();
                    return Some((entry.at_s, event));
                }
                None => self.cancelled -= 1,
            }
        }
    }

    /// The time of the earliest live event, without removing it.
    ///
    /// Takes `&mut self` because it discards cancelled entries found at the
    /// top. Cost: O(1) when the earliest entry is live, else O(log f) per
    /// cancelled entry discarded.
    pub fn peek_time(&mut self) -> Option<u64> {
        loop {
            let entry = self.top()?;
            let slot_index = entry.slot();
            if self.slots[slot_index].event.is_some() {
                return Some(entry.at_s);
            }
            self.front.pop();
            self.free.push(slot_index as u32);
            self.cancelled -= 1;
            self.debug_check();
        }
    }

    /// The number of live (pending, not cancelled) events. Cost: O(1).
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no live event is pending. Cost: O(1).
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Drops every pending event but keeps the allocations, so a sweep can
    /// reuse one queue across runs. Handles issued before the call stay
    /// stale: they cannot cancel events scheduled after it.
    ///
    /// Cost: O(slots + b) (every slot's generation is checked).
    pub fn clear(&mut self) {
        self.front.clear();
        while let Some((_, mut bucket)) = self.later.pop_first() {
            if self.spare.len() < SPARE_BUCKETS {
                bucket.clear();
                self.spare.push(bucket);
            }
        }
        self.front_s = u64::MAX;
        self.later_len = 0;
        self.split_at = self.split_min;
        for slot in &mut self.slots {
            if slot.event.take().is_some() {
                slot.generation += 1;
            }
        }
        self.free.clear();
        // Reversed so that slot 0 is reused first, as in a fresh queue.
        self.free.extend((0..self.slots.len() as u32).rev());
        self.live = 0;
        self.cancelled = 0;
        self.next_seq = 0;
        self.debug_check();
    }

    /// Drops every cancelled entry and frees its slot. O(n).
    fn compact(&mut self) {
        let slots = &self.slots;
        let free = &mut self.free;
        let mut keep = |entry: &Entry| {
            let slot_index = entry.slot();
            let live = slots[slot_index].event.is_some();
            if !live {
                free.push(slot_index as u32);
            }
            live
        };
        self.front.retain(&mut keep);
        let mut later_len = 0;
        self.later.retain(|_, bucket| {
            bucket.retain(&mut keep);
            later_len += bucket.len();
            !bucket.is_empty()
        });
        self.later_len = later_len;
        if self.later.is_empty() {
            self.front_s = u64::MAX;
        }
        self.cancelled = 0;
    }

    /// Entries queued, live or cancelled.
    fn entries(&self) -> usize {
        self.front.len() + self.later_len
    }

    /// The counting invariants, in O(1): every entry is live or cancelled,
    /// and every slot is named by one entry or is free.
    fn debug_check(&self) {
        debug_assert_eq!(self.entries(), self.live + self.cancelled);
        debug_assert_eq!(self.slots.len(), self.entries() + self.free.len());
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drains the queue into a vector of (time, event).
    fn drain<E>(queue: &mut EventQueue<E>) -> Vec<(u64, E)> {
        std::iter::from_fn(|| queue.pop()).collect()
    }

    #[test]
    fn a_large_queue_splits_and_still_pops_in_order() {
        let mut queue = EventQueue::new();
        let mut rng = XorShift(7);
        let n = 3 * SPLIT_AT as u64;
        for i in 0..n {
            queue.schedule(rng.below(1_000), (i % 3) as u8, 0, i);
        }
        assert!(!queue.later.is_empty(), "the front was split");
        let (mut last_s, mut popped, mut scheduled) = (0, 0, n);
        while let Some((at_s, _)) = queue.pop() {
            // Events scheduled for the current second, earlier than most of
            // what is pending, still come out in order.
            if popped % 100 == 0 {
                queue.schedule(at_s, 0, 0, scheduled);
                scheduled += 1;
            }
            assert!(at_s >= last_s, "{at_s} after {last_s}");
            last_s = at_s;
            popped += 1;
        }
        assert_eq!(popped, scheduled);
        assert_eq!(queue.entries(), 0);
    }

    #[test]
    fn entries_are_three_words() {
        assert_eq!(std::mem::size_of::<Entry>(), 24);
    }

    #[test]
    fn earlier_times_come_out_first() {
        let mut queue = EventQueue::new();
        queue.schedule(30, 0, 0, "c");
        queue.schedule(10, 9, 9, "a");
        queue.schedule(20, 0, 0, "b");
        assert_eq!(drain(&mut queue), vec![(10, "a"), (20, "b"), (30, "c")]);
    }

    #[test]
    fn same_time_events_come_out_by_group_then_rank_then_insertion() {
        let mut queue = EventQueue::new();
        queue.schedule(5, 2, 0, "group 2");
        queue.schedule(5, 1, 7, "group 1 rank 7 first");
        queue.schedule(5, 1, 3, "group 1 rank 3");
        queue.schedule(5, 1, 7, "group 1 rank 7 second");
        queue.schedule(5, 0, u32::MAX, "group 0 max rank");
        queue.schedule(5, 255, 0, "group 255");
        queue.schedule(4, 255, u32::MAX, "earlier second");
        let order: Vec<&str> = drain(&mut queue).into_iter().map(|(_, e)| e).collect();
        assert_eq!(
            order,
            [
                "earlier second",
                "group 0 max rank",
                "group 1 rank 3",
                "group 1 rank 7 first",
                "group 1 rank 7 second",
                "group 2",
                "group 255",
            ]
        );
    }

    #[test]
    fn insertion_order_breaks_ties_beyond_32_bits_of_sequence() {
        // The sequence number straddles two words of the entry.
        let mut queue = EventQueue::new();
        queue.next_seq = (1 << 32) - 1;
        queue.schedule(1, 0, 0, "first");
        queue.schedule(1, 0, 0, "second");
        queue.schedule(1, 0, 0, "third");
        let order: Vec<&str> = drain(&mut queue).into_iter().map(|(_, e)| e).collect();
        assert_eq!(order, ["first", "second", "third"]);
    }

    #[test]
    fn cancel_returns_the_event_and_it_never_fires() {
        let mut queue = EventQueue::new();
        queue.schedule(1, 0, 0, "keep");
        let doomed = queue.schedule(2, 0, 0, "doomed");
        queue.schedule(3, 0, 0, "keep too");
        assert!(queue.is_pending(doomed));
        assert_eq!(queue.cancel(doomed), Some("doomed"));
        assert!(!queue.is_pending(doomed));
        assert_eq!(drain(&mut queue), vec![(1, "keep"), (3, "keep too")]);
    }

    #[test]
    fn cancelling_twice_returns_none() {
        let mut queue = EventQueue::new();
        let handle = queue.schedule(1, 0, 0, 'x');
        assert_eq!(queue.cancel(handle), Some('x'));
        assert_eq!(queue.cancel(handle), None);
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn cancelling_a_fired_event_returns_none() {
        let mut queue = EventQueue::new();
        let handle = queue.schedule(1, 0, 0, 'x');
        assert_eq!(queue.pop(), Some((1, 'x')));
        assert!(!queue.is_pending(handle));
        assert_eq!(queue.cancel(handle), None);
    }

    #[test]
    fn a_stale_handle_does_not_cancel_the_slots_next_occupant() {
        let mut queue = EventQueue::new();
        let old = queue.schedule(1, 0, 0, "old");
        assert_eq!(queue.pop(), Some((1, "old")));
        let new = queue.schedule(2, 0, 0, "new");
        assert_eq!(old.slot, new.slot, "the test needs the slot to be reused");
        assert_eq!(queue.cancel(old), None);
        assert!(!queue.is_pending(old));
        assert!(queue.is_pending(new));
        assert_eq!(queue.pop(), Some((2, "new")));
    }

    #[test]
    fn a_cancelled_slot_is_not_reused_while_its_entry_is_in_the_heap() {
        let mut queue = EventQueue::new();
        let cancelled = queue.schedule(1, 0, 0, "cancelled");
        queue.cancel(cancelled);
        let next = queue.schedule(1, 0, 0, "next");
        assert_ne!(cancelled.slot, next.slot);
        assert_eq!(queue.cancel(cancelled), None);
        assert_eq!(drain(&mut queue), vec![(1, "next")]);
    }

    #[test]
    fn handles_from_before_clear_stay_stale() {
        let mut queue = EventQueue::new();
        let before = queue.schedule(1, 0, 0, "before");
        queue.clear();
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
        let after = queue.schedule(1, 0, 0, "after");
        assert_eq!(
            before.slot, after.slot,
            "the test needs the slot to be reused"
        );
        assert_eq!(queue.cancel(before), None);
        assert_eq!(queue.pop(), Some((1, "after")));
    }

    #[test]
    fn clear_keeps_allocations() {
        let mut queue = EventQueue::with_capacity(16);
        for i in 0..100 {
            queue.schedule(i, 0, 0, i);
        }
        let slots_capacity = queue.slots.capacity();
        let heap_capacity = queue.front.capacity();
        queue.clear();
        for i in 0..100 {
            queue.schedule(i, 0, 0, i);
        }
        assert_eq!(queue.slots.capacity(), slots_capacity);
        assert_eq!(queue.front.capacity(), heap_capacity);
        assert_eq!(queue.len(), 100);
    }

    #[test]
    fn len_counts_only_live_events() {
        let mut queue = EventQueue::new();
        assert!(queue.is_empty());
        let a = queue.schedule(1, 0, 0, 'a');
        queue.schedule(2, 0, 0, 'b');
        queue.schedule(3, 0, 0, 'c');
        assert_eq!(queue.len(), 3);
        queue.cancel(a);
        assert_eq!(queue.len(), 2);
        queue.pop();
        assert_eq!(queue.len(), 1);
        queue.pop();
        assert!(queue.is_empty());
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn peek_time_skips_cancelled_events() {
        let mut queue = EventQueue::new();
        let first = queue.schedule(1, 0, 0, 'a');
        let second = queue.schedule(2, 0, 0, 'b');
        queue.schedule(3, 0, 0, 'c');
        assert_eq!(queue.peek_time(), Some(1));
        queue.cancel(first);
        queue.cancel(second);
        assert_eq!(queue.peek_time(), Some(3));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop(), Some((3, 'c')));
        assert_eq!(queue.peek_time(), None);
    }

    #[test]
    fn heavy_cancelling_compacts_the_heap() {
        let mut queue = EventQueue::new();
        let handles: Vec<Handle> = (0..4000).map(|i| queue.schedule(i, 0, 0, i)).collect();
        for handle in &handles[..3000] {
            queue.cancel(*handle);
        }
        assert_eq!(queue.len(), 1000);
        assert!(
            queue.entries() < 2 * queue.len() + COMPACT_MIN_CANCELLED,
            "the queue holds {} entries for {} live events",
            queue.entries(),
            queue.len()
        );
        let times: Vec<u64> = drain(&mut queue).into_iter().map(|(t, _)| t).collect();
        assert_eq!(times, (3000..4000).collect::<Vec<u64>>());
    }

    #[test]
    fn rescheduling_a_timer_forever_keeps_the_heap_bounded() {
        let mut queue = EventQueue::new();
        let mut timer = queue.schedule(1_000_000, 0, 0, ());
        for now_s in 0..100_000 {
            queue.cancel(timer);
            timer = queue.schedule(now_s + 1_000_000, 0, 0, ());
        }
        assert_eq!(queue.len(), 1);
        assert!(queue.entries() <= COMPACT_MIN_CANCELLED + 1);
        assert!(queue.slots.len() <= COMPACT_MIN_CANCELLED + 1);
    }

    /// A tiny deterministic generator for test inputs (xorshift64).
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// One pending event of the reference model.
    struct Pending {
        at_s: u64,
        group: u8,
        rank: u32,
        seq: u64,
        id: u64,
    }

    #[test]
    fn matches_a_sorted_vec_reference_model() {
        matches_the_reference_model(SPLIT_AT);
    }

    /// The same operations with a front split beyond four entries, so that
    /// buckets, refills, compaction across tiers and schedules earlier than
    /// the front all happen constantly.
    #[test]
    fn a_split_queue_matches_the_reference_model() {
        matches_the_reference_model(4);
    }

    fn matches_the_reference_model(split_min: usize) {
        for seed in 1..=20u64 {
            let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut queue = EventQueue::new();
            queue.split_min = split_min;
            queue.split_at = split_min;
            let mut model: Vec<Pending> = Vec::new();
            // Every handle ever issued, with the id it was issued for.
            let mut issued: Vec<(Handle, u64)> = Vec::new();
            let mut next_id = 0u64;
            let mut seq = 0u64;
            for _ in 0..5_000 {
                match rng.below(100) {
                    0..=44 => {
                        // Small ranges make ties in every key common.
                        let at_s = rng.below(50);
                        let group = rng.below(3) as u8;
                        let rank = rng.below(3) as u32;
                        let handle = queue.schedule(at_s, group, rank, next_id);
                        model.push(Pending {
                            at_s,
                            group,
                            rank,
                            seq,
                            id: next_id,
                        });
                        issued.push((handle, next_id));
                        next_id += 1;
                        seq += 1;
                    }
                    45..=69 if !issued.is_empty() => {
                        let (handle, id) = issued[rng.below(issued.len() as u64) as usize];
                        let expected = model
                            .iter()
                            .position(|p| p.id == id)
                            .map(|i| model.remove(i).id);
                        assert_eq!(queue.cancel(handle), expected);
                    }
                    70..=94 => {
                        model.sort_by_key(|p| (p.at_s, p.group, p.rank, p.seq));
                        let expected = if model.is_empty() {
                            None
                        } else {
                            let p = model.remove(0);
                            Some((p.at_s, p.id))
                        };
                        assert_eq!(queue.pop(), expected);
                    }
                    95..=98 => {
                        let expected = model.iter().map(|p| p.at_s).min();
                        assert_eq!(queue.peek_time(), expected);
                    }
                    _ => {
                        if rng.below(10) == 0 {
                            queue.clear();
                            model.clear();
                            seq = 0;
                        }
                    }
                }
                assert_eq!(queue.len(), model.len());
                assert_eq!(queue.is_empty(), model.is_empty());
                for (handle, id) in issued.iter().rev().take(8) {
                    assert_eq!(queue.is_pending(*handle), model.iter().any(|p| p.id == *id));
                }
            }
        }
    }
}
