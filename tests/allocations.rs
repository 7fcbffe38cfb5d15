//! Allocation budgets (issue 6): heap allocations per call of the reference query, counted on the
//! calling thread by a global allocator wrapping the system one. Deterministic (no timing): a change
//! that adds allocations to a cold compile, a cache hit or a stage fails here and must either be
//! undone or raise the budget on purpose. `benches/allocations.rs` prints the same counts (and bytes)
//! for docs/performance.md.
//!
//! Its own test binary: a global allocator applies to a whole binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use zstack_query::{Dialect, Engine, resolve, syntax};

#[path = "../benches/common/mod.rs"]
mod common;

use common::{REFERENCE_REST, cold_engine, reference_with, resolve_options};

/// Counts the allocations (and reallocations) made by the current thread.
struct Counting;

thread_local! {
    // Const-initialised and without a destructor: safe to touch from inside the allocator.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// thread-local cell that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations of one call of `f` on this thread (its result dropped inside the count).
fn allocations<T>(f: impl FnOnce() -> T) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    drop(std::hint::black_box(f()));
    ALLOCATIONS.with(Cell::get) - before
}

/// The reference query's allocations per stage stay within their budgets (the counts of
/// docs/performance.md, session 4), and the counter does see allocations.
#[test]
fn reference_query_allocations_stay_within_budget() {
    let cold = cold_engine();
    let cached = Engine::zstack().expect("the embedded schema loads");
    let options = resolve_options(&cold);
    // Warm up: lazily built tables, the cache entry, this thread's key buffer.
    cold.compile(None, REFERENCE_REST, Dialect::Sqlite)
        .expect("compiles");
    cached
        .compile(None, &reference_with(0), Dialect::Sqlite)
        .expect("compiles");
    let ast = syntax::parse(REFERENCE_REST, cold.limits()).expect("parses");
    let plan = cold.plan(None, REFERENCE_REST).expect("resolves");
    let hit_text = reference_with(7);

    let measured = [
        (
            "parse",
            allocations(|| syntax::parse(REFERENCE_REST, cold.limits())),
            5,
        ),
        (
            "resolve",
            allocations(|| resolve::resolve(&ast, None, cold.schema(), REFERENCE_REST, &options)),
            10,
        ),
        (
            "emit",
            allocations(|| zstack_query::emit::emit(&plan, cold.schema(), Dialect::Sqlite)),
            4,
        ),
        (
            "cold compile",
            allocations(|| cold.compile(None, REFERENCE_REST, Dialect::Sqlite)),
            19,
        ),
        (
            "cache hit",
            allocations(|| cached.compile(None, &hit_text, Dialect::Sqlite)),
            6,
        ),
    ];
    let hits = cached.cache_stats().hits;
    assert!(
        hits >= 1,
        "the measured compile was a cache hit ({hits} hits)"
    );
    for (what, count, budget) in measured {
        println!("{what}: {count} allocations per call (budget {budget})");
        assert!(count > 0, "{what}: the counter saw no allocation");
        assert!(
            count <= budget,
            "{what}: {count} allocations per call, over the budget of {budget}"
        );
    }
    // The stages add up to the cold compile (which also moves the text's resource lookup).
    let stages: u64 = measured[..3].iter().map(|m| m.1).sum();
    assert!(
        measured[3].1 <= stages + 2,
        "cold compile {} vs stages {stages}",
        measured[3].1
    );
}
