//! Compile-time benches (issue 6): the reference query end to end (cold and through the
//! statement-shape cache), each stage per input form and dialect, the two floors, and the scale
//! curves. Run: `cargo bench --bench compile` (add `-- --warm-up-time 1 --measurement-time 3` for a
//! quick pass); `python3 tools/plot_bench.py` turns the results into docs/perf-scale.png.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use zstack_query::plan::Param;
use zstack_query::{Dialect, Engine, resolve, syntax};

use common::*;

fn format_floor(name: &str, ip: &str, zone: &str, limit: i64) -> (String, Vec<Param>) {
    let (a, b, c) = ("t0", "t1", "t2");
    let text = format!(
        r#"SELECT "{a}"."uuid", "{a}"."name" FROM "{}" AS "{a}" WHERE ("{a}"."name" LIKE ? ESCAPE '\') AND "{a}"."uuid" IN (SELECT "{b}"."vmInstanceUuid" FROM "{}" AS "{b}" WHERE "{b}"."ip" = ?) AND "{a}"."zoneUuid" IN (SELECT "{c}"."uuid" FROM "{}" AS "{c}" WHERE "{c}"."name" = ?) ORDER BY "{a}"."createDate" DESC, "{a}"."uuid" ASC LIMIT ?"#,
        "VmInstanceVO", "VmNicVO", "ZoneVO"
    );
    let params = vec![
        Param::Text(name.into()),
        Param::Text(ip.into()),
        Param::Text(zone.into()),
        Param::Int(limit),
    ];
    (text, params)
}

fn reference(c: &mut Criterion) {
    let cold = cold_engine();
    let cached = Engine::zstack().expect("the embedded schema loads");
    let sql = cold
        .compile(None, REFERENCE_REST, Dialect::Sqlite)
        .expect("the reference query compiles");
    assert_eq!(&*sql.main.text, REFERENCE_SQLITE);
    assert_eq!(sea_query_by_hand().0, REFERENCE_SQLITE);
    assert_eq!(
        sea_query_and_where().0,
        REFERENCE_SQLITE.replacen(
            "(\"t0\".\"name\" LIKE ? ESCAPE '\\')",
            "\"t0\".\"name\" LIKE ? ESCAPE '\\'",
            1
        )
    );
    assert_eq!(
        format_floor("web%", "10.0.0.5", "z1", 20).0,
        REFERENCE_SQLITE
    );

    let mut g = c.benchmark_group("compile");
    g.bench_function("reference/cold", |b| {
        b.iter(|| cold.compile(None, black_box(REFERENCE_REST), Dialect::Sqlite))
    });
    // Same shape, new values on every iteration: a hit re-types and binds them.
    let variants: Vec<String> = (0..64).map(reference_with).collect();
    for v in &variants {
        let hit = cached.compile(None, v, Dialect::Sqlite).expect("compiles");
        assert_eq!(
            hit,
            cold.compile(None, v, Dialect::Sqlite).expect("compiles")
        );
    }
    let mut i = 0;
    g.bench_function("reference/cached", |b| {
        b.iter(|| {
            i = (i + 1) % variants.len();
            cached.compile(None, black_box(&variants[i]), Dialect::Sqlite)
        })
    });
    for (form, text) in [
        ("rest", REFERENCE_REST),
        ("cli", REFERENCE_CLI),
        ("json", REFERENCE_JSON),
    ] {
        for dialect in Dialect::ALL {
            g.bench_function(format!("{form}/{dialect}"), |b| {
                b.iter(|| cold.compile(None, black_box(text), dialect))
            });
        }
    }
    g.finish();

    c.bench_function("parse/reference", |b| {
        b.iter(|| syntax::parse(black_box(REFERENCE_REST), cold.limits()))
    });

    let mut g = c.benchmark_group("floor");
    g.bench_function("sea_query_by_hand", |b| b.iter(sea_query_by_hand));
    g.bench_function("sea_query_and_where", |b| b.iter(sea_query_and_where));
    g.bench_function("format", |b| {
        b.iter(|| {
            format_floor(
                black_box("web%"),
                black_box("10.0.0.5"),
                black_box("z1"),
                black_box(20),
            )
        })
    });
    g.finish();
}

fn stages(c: &mut Criterion) {
    let engine = cold_engine();
    let options = resolve_options(&engine);
    let mut g = c.benchmark_group("stage");
    for (form, text) in [
        ("rest", REFERENCE_REST),
        ("cli", REFERENCE_CLI),
        ("json", REFERENCE_JSON),
    ] {
        g.bench_function(format!("parse/{form}"), |b| {
            b.iter(|| syntax::parse(black_box(text), engine.limits()))
        });
        let ast = syntax::parse(text, engine.limits()).expect("parses");
        g.bench_function(format!("resolve/{form}"), |b| {
            b.iter(|| resolve::resolve(black_box(&ast), None, engine.schema(), text, &options))
        });
    }
    let plan = engine.plan(None, REFERENCE_REST).expect("resolves");
    for dialect in Dialect::ALL {
        g.bench_function(format!("emit/{dialect}"), |b| {
            b.iter(|| zstack_query::emit::emit(black_box(&plan), engine.schema(), dialect))
        });
        // The reference emitter (sea-query statements, rendered): what the direct writer replaced.
        g.bench_function(format!("emit_sea_query/{dialect}"), |b| {
            b.iter(|| {
                zstack_query::emit::emit_with_sea_query(black_box(&plan), engine.schema(), dialect)
            })
        });
    }
    g.finish();
}

fn scale(c: &mut Criterion) {
    let engine = scale_engine();
    let mut g = c.benchmark_group("scale");
    for (name, xs, make) in [
        (
            "conditions",
            &SCALE_CONDITIONS[..],
            conditions as fn(usize) -> String,
        ),
        ("depth", &SCALE_DEPTH[..], depth),
        ("in_list", &SCALE_IN_LIST[..], in_list),
    ] {
        for &n in xs {
            let text = make(n);
            engine
                .compile(None, &text, Dialect::Sqlite)
                .unwrap_or_else(|e| panic!("{name}/{n}: {e}"));
            g.bench_with_input(BenchmarkId::new(name, n), &text, |b, text| {
                b.iter(|| engine.compile(None, black_box(text), Dialect::Sqlite))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, reference, stages, scale);
criterion_main!(benches);
