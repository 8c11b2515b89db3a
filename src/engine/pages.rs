//! The system allocator, with large blocks on huge pages.
//!
//! A run over a million servers keeps its state in a few large blocks (the
//! servers, the queue's slots, the reports) and reaches into them in time
//! order, which is a random order in memory: with 4 KiB pages nearly every
//! access also misses the TLB, and every page is faulted in one by one.
//! Asking Linux for transparent huge pages on blocks of 2 MiB and more
//! (`madvise(MADV_HUGEPAGE)`, which a system whose THP setting is
//! `madvise` or `always` honours) made the million-server benchmark 5 %
//! faster at the same peak (`BENCHMARKS.md`). Small blocks, and every
//! other system, are served by [`System`] unchanged; the advice changes
//! where memory sits, never what a run computes.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks from this size on are advised to use huge pages.
pub const HUGE_FROM: usize = 2 << 20;

/// [`System`], advising huge pages for blocks of [`HUGE_FROM`] bytes and more.
pub struct LargeBlocksOnHugePages;

// SAFETY: every call is forwarded to `System` with its own arguments; the
// advice only reads the address range `System` just returned.
unsafe impl GlobalAlloc for LargeBlocksOnHugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let block = unsafe { System.alloc(layout) };
        advise(block, layout.size());
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let block = unsafe { System.alloc_zeroed(layout) };
        advise(block, layout.size());
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(block, layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        advise(moved, new_size);
        moved
    }
}

/// Advises huge pages for the whole pages of a large block; a refusal
/// (no THP in the kernel) is ignored, as the block works the same.
#[cfg(target_os = "linux")]
fn advise(block: *mut u8, size: usize) {
    const PAGE: usize = 4096;
    if block.is_null() || size < HUGE_FROM {
        return;
    }
    let start = (block as usize).next_multiple_of(PAGE);
    let end = (block as usize + size) & !(PAGE - 1);
    // SAFETY: [start, end) lies within the block just allocated, whose
    // pages belong to this process; MADV_HUGEPAGE changes no contents.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_block: *mut u8, _size: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_large_and_small_hold_what_is_written() {
        let a = LargeBlocksOnHugePages;
        for size in [16, HUGE_FROM - 1, HUGE_FROM, 3 * HUGE_FROM + 123] {
            let layout = Layout::from_size_align(size, 16).expect("layout");
            // SAFETY: a non-zero layout; the block is written within its
            // size, read back, grown, read again and freed once.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                p.write_bytes(0xA5, size);
                assert_eq!(*p.add(size - 1), 0xA5);
                let q = a.realloc(p, layout, 2 * size);
                assert!(!q.is_null());
                assert_eq!(*q, 0xA5);
                assert_eq!(*q.add(size - 1), 0xA5);
                a.dealloc(q, Layout::from_size_align(2 * size, 16).expect("layout"));
                let z = a.alloc_zeroed(layout);
                assert!(!z.is_null());
                assert_eq!(*z.add(size / 2), 0);
                a.dealloc(z, layout);
            }
        }
    }
}
