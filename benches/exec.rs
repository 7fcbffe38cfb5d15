//! Execution on the SQLite demo cloud at 100,000 VMs (issue 6 "Execution"): compile (through the
//! statement-shape cache) and run, with rusqlite's `prepare_cached`. The demo is generated once
//! into a file in the system's temporary directory and reused by later runs.
//! Run: `cargo bench --bench exec` (add `-- --warm-up-time 1 --measurement-time 3`).

mod common;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, params_from_iter};
use zstack_query::exec::demo::DemoSize;
use zstack_query::exec::sqlite_param;
use zstack_query::{Dialect, Engine};

use common::REFERENCE_REST;

const VMS: usize = 100_000;

/// The demo database, generated on first use.
fn demo(engine: &Engine) -> Connection {
    let path: PathBuf = std::env::temp_dir().join(format!("zstack-query-bench-{VMS}-v1.sqlite"));
    if !path.exists() {
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut conn = Connection::open(&tmp).expect("opens");
        let t = std::time::Instant::now();
        let counts = engine
            .generate_demo(&mut conn, DemoSize { vms: VMS })
            .expect("demo generates");
        drop(conn);
        std::fs::rename(&tmp, &path).expect("renames");
        let rows: usize = counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "demo: {rows} rows in {:.1?} at {}",
            t.elapsed(),
            path.display()
        );
    }
    Connection::open(&path).expect("opens")
}

/// Prints the table sizes and each query's plan and reply size, for docs/performance.md.
fn report(engine: &Engine, conn: &Connection, queries: &[(&str, &str)]) {
    for table in [
        "VmInstanceVO",
        "VmNicVO",
        "SystemTagVO",
        "UserTagVO",
        "VolumeVO",
    ] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .expect("counts");
        eprintln!("{table}: {n} rows");
    }
    for (name, q) in queries {
        let sql = engine.compile(None, q, Dialect::Sqlite).expect("compiles");
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.main.text))
            .expect("prepares");
        let plan: Vec<String> = stmt
            .query_map(
                params_from_iter(sql.main.params.iter().map(sqlite_param)),
                |r| r.get::<_, String>(3),
            )
            .expect("explains")
            .map(|r| r.expect("a row"))
            .collect();
        let reply = engine.run(conn, None, q).expect("runs");
        let n = reply.inventories.map_or(0, |v| v.len());
        eprintln!(
            "{name}: {q}\n  rows {n}, total {:?}\n  plan: {}",
            reply.total,
            plan.join(" | ")
        );
    }
}

fn exec(c: &mut Criterion) {
    let engine = Engine::zstack().expect("the embedded schema loads");
    let conn = demo(&engine);
    let queries = [
        ("reference", REFERENCE_REST),
        ("name_eq", "vm-instances?q=name=web-12345&fields=uuid,name"),
        (
            "uuid_in",
            "vm-instances?q=uuid?=0123,4567,89ab&fields=uuid,name",
        ),
        (
            "prefix_like",
            "vm-instances?q=name~=web-1234%25&limit=20&fields=uuid,name",
        ),
        (
            "nic_ip",
            "vm-instances?q=vmNics.ip=10.0.1.7&fields=uuid,name",
        ),
        (
            "l3_name",
            "vm-instances?q=vmNics.l3Network.name=priv-2&limit=20&fields=uuid,name",
        ),
        (
            "tag",
            "vm-instances?q=__systemTag__=ha::NeverStop&limit=20&fields=uuid,name",
        ),
        // The tag is on a quarter of the VMs: SQLite drives the plan from the tag list (an
        // index search of SystemTagVO, then the VMs by key) rather than from the name range.
        (
            "tag_and_prefix",
            "vm-instances?q=__systemTag__=ha::NeverStop&q=name~=db-10%25&limit=20&fields=uuid,name",
        ),
        (
            "count_zone",
            "vm-instances?q=zone.name=z1&q=state=Running&count=true",
        ),
    ];
    report(&engine, &conn, &queries);
    let mut g = c.benchmark_group("exec");
    for (name, q) in queries {
        g.bench_function(format!("{name}/100k"), |b| {
            b.iter(|| engine.run(&conn, None, black_box(q)).expect("runs"))
        });
    }
    g.finish();
}

criterion_group!(benches, exec);
criterion_main!(benches);
