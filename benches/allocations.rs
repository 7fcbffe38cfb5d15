//! Heap allocations per compile of the reference query (issue 6), counted by a global allocator
//! that wraps the system one. Not a criterion bench: it prints a table and writes
//! `target/criterion/allocations.json` for `tools/plot_bench.py` and docs/performance.md.
//! Run: `cargo bench --bench allocations`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use zstack_query::{Dialect, Engine, resolve, syntax};

use common::*;

/// Counts allocations (and bytes) made through it.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes per call of `f`, averaged over `n` calls.
fn count<T>(n: u64, mut f: impl FnMut(u64) -> T) -> (f64, f64) {
    let (a0, b0) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    for i in 0..n {
        drop(std::hint::black_box(f(i)));
    }
    let (a1, b1) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    ((a1 - a0) as f64 / n as f64, (b1 - b0) as f64 / n as f64)
}

fn main() {
    let cold = cold_engine();
    let cached = Engine::zstack().expect("the embedded schema loads");
    let options = resolve_options(&cold);
    let variants: Vec<String> = (0..64).map(reference_with).collect();
    for v in &variants {
        cached.compile(None, v, Dialect::Sqlite).expect("compiles");
    }
    let ast = syntax::parse(REFERENCE_REST, cold.limits()).expect("parses");
    let plan = cold.plan(None, REFERENCE_REST).expect("resolves");
    let n = 1000;
    let rows: Vec<(&str, (f64, f64))> = vec![
        (
            "compile/reference/cold",
            count(n, |_| cold.compile(None, REFERENCE_REST, Dialect::Sqlite)),
        ),
        (
            "compile/reference/cached",
            count(n, |i| {
                cached.compile(
                    None,
                    &variants[i as usize % variants.len()],
                    Dialect::Sqlite,
                )
            }),
        ),
        (
            "stage/parse/rest",
            count(n, |_| syntax::parse(REFERENCE_REST, cold.limits())),
        ),
        (
            "stage/resolve/rest",
            count(n, |_| {
                resolve::resolve(&ast, None, cold.schema(), REFERENCE_REST, &options)
            }),
        ),
        (
            "stage/emit/sqlite",
            count(n, |_| {
                zstack_query::emit::emit(&plan, cold.schema(), Dialect::Sqlite)
            }),
        ),
    ];
    println!(
        "{:<28} {:>12} {:>12}",
        "allocations per call", "count", "bytes"
    );
    let mut json = serde_json::Map::new();
    for (name, (a, b)) in &rows {
        println!("{name:<28} {a:>12.1} {b:>12.0}");
        json.insert(
            (*name).to_owned(),
            serde_json::json!({ "allocations": a, "bytes": b }),
        );
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    if std::fs::create_dir_all(&dir).is_ok() {
        let path = dir.join("allocations.json");
        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
        if std::fs::write(&path, text).is_ok() {
            println!("written {}", path.display());
        }
    }
}
