//! A loop for profilers (valgrind --tool=callgrind counts instructions deterministically):
//! `cargo build --release --example profile && valgrind --tool=callgrind
//! target/release/examples/profile cold 2000`. Modes: `cold` (parse + resolve + emit),
//! `cached` (statement-shape cache hits), `parse`, `resolve`, `emit` (the direct writer),
//! `emit_sea_query` (the sea-query builder on the same plan), `all_fields` (a cold compile
//! returning every field, with an enum condition), `floor` (the
//! statement built by hand with sea-query), `floor_and_where` (the same with `and_where`),
//! `format` (a plain `format!` of the SQL);
//! `conditions N`, `depth N`, `in_list N`: one cold compile of a scale-curve query of size N;
//! `ratio N`: N interleaved rounds of wall-clock timing, the cold compile, the cache hit and the
//! parse against the sea-query floor (median and quartiles of the per-round ratios).

use std::hint::black_box;

use zstack_query::{Dialect, Engine, resolve, syntax};

#[path = "../benches/common/mod.rs"]
mod common;

use common::REFERENCE_REST as REFERENCE;

/// One compile, on its own for `--toggle-collect='*measured*'`.
#[inline(never)]
fn measured(engine: &Engine, text: &str) {
    black_box(engine.compile(None, black_box(text), Dialect::Sqlite)).ok();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "cold".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let make: Option<fn(usize) -> String> = match mode.as_str() {
        "in_list" => Some(common::in_list),
        "conditions" => Some(common::conditions),
        "depth" => Some(common::depth),
        _ => None,
    };
    if let Some(make) = make {
        // One cold compile of the scale curve's query of size `n` (instructions of the compile alone:
        // `valgrind --tool=callgrind --toggle-collect='*measured*' …`).
        let engine = common::scale_engine();
        // Warm up with the same query (the engine's cache is off, so the measured compile is a
        // full one): the allocator's one-off work after the schema load (glibc consolidating the
        // freed load buffers on the first larger request, ~0.7M instructions) and the per-thread
        // buffers then fall outside the count.
        let text = make(n);
        black_box(engine.compile(None, &text, Dialect::Sqlite)).ok();
        measured(&engine, &text);
        return;
    }
    if mode == "ratio" {
        interleaved_ratios(n);
        return;
    }
    let cold = common::cold_engine();
    let cached = Engine::zstack().expect("the embedded schema loads");
    let variants: Vec<String> = (0..64)
        .map(|i| REFERENCE.replace("10.0.0.5", &format!("10.0.0.{i}")))
        .collect();
    let options = common::resolve_options(&cold);
    let ast = syntax::parse(REFERENCE, cold.limits()).expect("parses");
    let plan = cold.plan(None, REFERENCE).expect("resolves");
    for i in 0..n {
        match mode.as_str() {
            "cold" => {
                black_box(cold.compile(None, black_box(REFERENCE), Dialect::Sqlite)).ok();
            }
            "cached" => {
                let v = &variants[i % variants.len()];
                black_box(cached.compile(None, black_box(v), Dialect::Sqlite)).ok();
            }
            "parse" => {
                black_box(syntax::parse(black_box(REFERENCE), cold.limits())).ok();
            }
            "resolve" => {
                black_box(resolve::resolve(
                    &ast,
                    None,
                    cold.schema(),
                    REFERENCE,
                    &options,
                ))
                .ok();
            }
            "emit" => {
                black_box(zstack_query::emit::emit(
                    black_box(&plan),
                    cold.schema(),
                    Dialect::Sqlite,
                ));
            }
            "emit_sea_query" => {
                black_box(zstack_query::emit::emit_with_sea_query(
                    black_box(&plan),
                    cold.schema(),
                    Dialect::Sqlite,
                ));
            }
            "all_fields" => {
                // A query as most callers write it: every field of the inventory (enums among
                // them), an enum condition.
                black_box(cold.compile(
                    Some("vm-instances"),
                    black_box("q=name=vm1&q=state=Running"),
                    Dialect::Sqlite,
                ))
                .ok();
            }
            "floor" => {
                black_box(common::sea_query_by_hand());
            }
            "floor_and_where" => {
                black_box(common::sea_query_and_where());
            }
            "format" => {
                let a = black_box("t0");
                black_box(format!(
                    r#"SELECT "{a}"."uuid", "{a}"."name" FROM "VmInstanceVO" AS "{a}" WHERE ("{a}"."name" LIKE ? ESCAPE '\') AND "{a}"."uuid" IN (SELECT "t1"."vmInstanceUuid" FROM "VmNicVO" AS "t1" WHERE "t1"."ip" = ?) AND "{a}"."zoneUuid" IN (SELECT "t2"."uuid" FROM "ZoneVO" AS "t2" WHERE "t2"."name" = ?) ORDER BY "{a}"."createDate" DESC, "{a}"."uuid" ASC LIMIT ?"#
                ));
            }
            other => panic!("unknown mode {other}"),
        }
    }
}

/// The wall-clock ratios of the reference compile (cold and cache hit) to the sea-query floor,
/// measured interleaved: `rounds` rounds, each timing a batch of every subject back to back, so
/// that the machine's drift (a shared, noisy VM) hits all of them alike; prints the median and
/// the quartiles of the per-round ratios.
fn interleaved_ratios(rounds: usize) {
    use std::time::Instant;
    const BATCH: u32 = 2_000;
    let cold = common::cold_engine();
    let cached = Engine::zstack().expect("the embedded schema loads");
    let variants: Vec<String> = (0..64)
        .map(|i| REFERENCE.replace("10.0.0.5", &format!("10.0.0.{i}")))
        .collect();
    let time = |f: &mut dyn FnMut(u32)| {
        let start = Instant::now();
        for i in 0..BATCH {
            f(i);
        }
        start.elapsed().as_nanos() as f64 / f64::from(BATCH)
    };
    let mut subjects: [(&str, Vec<f64>); 4] = [
        ("compile/reference/cold", Vec::new()),
        ("compile/reference/cached", Vec::new()),
        ("parse/reference", Vec::new()),
        ("floor/sea_query_by_hand", Vec::new()),
    ];
    for round in 0..rounds.max(1) + 1 {
        let c = time(&mut |_| {
            black_box(cold.compile(None, black_box(REFERENCE), Dialect::Sqlite)).ok();
        });
        let h = time(&mut |i| {
            let v = &variants[i as usize % variants.len()];
            black_box(cached.compile(None, black_box(v), Dialect::Sqlite)).ok();
        });
        let p = time(&mut |_| {
            black_box(syntax::parse(black_box(REFERENCE), cold.limits())).ok();
        });
        let f = time(&mut |_| {
            black_box(common::sea_query_by_hand());
        });
        if round == 0 {
            continue; // warm-up
        }
        for (slot, t) in subjects.iter_mut().zip([c, h, p, f]) {
            slot.1.push(t);
        }
    }
    let floor = subjects[3].1.clone();
    for (name, times) in &subjects {
        let ratios: Vec<f64> = times.iter().zip(&floor).map(|(t, f)| t / f).collect();
        let (t, r) = (quartiles(times.clone()), quartiles(ratios));
        println!(
            "{name:<26} median {:>7.1} ns (quartiles {:.1}..{:.1})   / floor: median {:.2}x (quartiles {:.2}..{:.2})",
            t.1, t.0, t.2, r.1, r.0, r.2
        );
    }
}

/// (first quartile, median, third quartile).
fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}
