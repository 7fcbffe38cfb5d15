//! Regressions: inputs that once broke something, replayed.

use zstack_query::Dialect;

use crate::support::engine;

/// Every file in tests/fuzz/testdata (minimized fuzz inputs) compiles or fails cleanly in every
/// dialect. See: fuzz/fuzz_targets/*.rs.
#[test]
fn fuzz_inputs_replay_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/testdata");
    let mut n = 0;
    for entry in std::fs::read_dir(dir)
        .expect("tests/fuzz/testdata exists")
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        for d in Dialect::ALL {
            let _ = engine().compile(None, &text, d);
            let _ = engine().compile(Some("vm-instances"), &text, d);
        }
        n += 1;
    }
    assert!(n >= 2);
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
