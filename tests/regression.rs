//! Regressions: inputs that once broke something, replayed.

use zstack_query::Dialect;

use crate::support::engine;

/// Every file in tests/fuzz/testdata (minimized fuzz inputs) compiles or fails cleanly in every
/// dialect, and whatever compiles for SQLite prepares on the schema's tables. See:
/// fuzz/fuzz_targets/*.rs.
#[test]
fn fuzz_inputs_replay_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/testdata");
    let conn = rusqlite::Connection::open_in_memory().expect("opens");
    engine().create_tables(&conn).expect("tables");
    let mut n = 0;
    for entry in std::fs::read_dir(dir)
        .expect("tests/fuzz/testdata exists")
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        for d in Dialect::ALL {
            for resource in [None, Some("vm-instances")] {
                if let Ok(sql) = engine().compile(resource, &text, d)
                    && d == Dialect::Sqlite
                {
                    conn.prepare(&sql.main.text)
                        .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
                }
            }
        }
        n += 1;
    }
    assert!(n >= 3);
}

/// The structured fuzzer found a pair of hops that only looked like a round trip
/// (`localStorageHostRef.snapshot`: the key names match, the resources do not), so a condition
/// landed on the wrong table (`no such column: t5.volumeUuid`). The oracle found the same bug.
/// See: tests/fuzz/testdata/structured-false-round-trip, tests/oracle/regression.rs.
#[test]
fn a_false_round_trip_is_kept() {
    let q = "primary-storage/ceph?q=volume.image.volume.localStorageHostRef.snapshot.volume.__userTag__=x";
    let conn = rusqlite::Connection::open_in_memory().expect("opens");
    engine().create_tables(&conn).expect("tables");
    let reply = engine().run(&conn, None, q).expect("runs on SQLite");
    assert_eq!(reply.inventories.map(|v| v.len()), Some(0));
}

/// The structured fuzzer once generated `__userTag__` on AlarmRecord, which has no tags: that is
/// an `unknown-field` error with a hint, not a crash. See: fuzz/artifacts/structured (2026-11-25).
#[test]
fn tags_on_a_resource_without_tags_are_an_unknown_field() {
    let err = engine()
        .compile(
            None,
            "zwatch/alarms?q=alarmRecord.__userTag__=x",
            Dialect::Sqlite,
        )
        .expect_err("AlarmRecord has no tags");
    assert_eq!(err.code(), "unknown-field");
    assert_eq!(err.hint(), Some("this resource has no tags"));
}

/// 1,000 conditions once overflowed a test thread's 2 MiB stack inside sea-query's rendering of a
/// left-deep AND tree; the WHERE clause is now a flat chain. See: tests/limits.rs.
#[test]
fn a_thousand_conditions_render_on_a_small_stack() {
    let q = "q=cpuNum=1&".repeat(1000);
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            engine()
                .compile(Some("vm-instances"), &q, Dialect::Postgres)
                .map(|s| s.main.params.len())
        })
        .expect("spawns");
    assert_eq!(
        handle.join().expect("no stack overflow").expect("compiles"),
        1001
    );
}
