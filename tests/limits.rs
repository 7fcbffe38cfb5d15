//! Pathological inputs return an error (or a result) in bounded time and memory; each bound is a
//! typed `limit-exceeded` error naming the bound and its configured value.

use std::time::{Duration, Instant};

use zstack_query::{Dialect, ErrorKind, Limit, Limits};

use crate::support::engine;

/// Compiles `q` and returns the error's limit, checking it took less than a second (debug build).
fn limit_hit(q: &str) -> Option<(Limit, usize)> {
    let started = Instant::now();
    let result = engine().compile(Some("vm-instances"), q, Dialect::Sqlite);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    match result {
        Err(e) => match e.kind() {
            ErrorKind::LimitExceeded { limit, max } => Some((*limit, *max)),
            other => panic!("expected limit-exceeded, got {other:?}"),
        },
        Ok(_) => None,
    }
}

#[test]
fn a_one_megabyte_value_is_rejected() {
    let q = format!("q=name={}", "a".repeat(1 << 20));
    let hit = limit_hit(&q).expect("rejected");
    assert!(
        matches!(hit.0, Limit::InputLength | Limit::ValueLength),
        "{hit:?}"
    );
    let q = format!("q=name={}", "a".repeat(5000));
    assert_eq!(limit_hit(&q), Some((Limit::ValueLength, 4096)));
}

#[test]
fn a_hundred_thousand_conditions_are_rejected() {
    let q = "q=cpuNum=1&".repeat(100_000);
    assert!(q.len() < 2 << 20);
    let hit = limit_hit(&q).expect("rejected");
    assert!(
        matches!(hit, (Limit::Conditions, 1000) | (Limit::InputLength, _)),
        "{hit:?}"
    );
    let q = "q=cpuNum=1&".repeat(1001);
    assert_eq!(limit_hit(&q), Some((Limit::Conditions, 1000)));
    // A thousand conditions are fine.
    assert_eq!(limit_hit(&"q=cpuNum=1&".repeat(1000)), None);
}

#[test]
fn in_lists_up_to_the_bound_compile() {
    let items: Vec<String> = (0..10_000).map(|i| format!("u{i}")).collect();
    let q = format!("q=uuid?={}", items.join(","));
    assert_eq!(limit_hit(&q), None);
    let sql = engine()
        .compile(Some("vm-instances"), &q, Dialect::Sqlite)
        .expect("compiles");
    assert_eq!(sql.main.params.len(), 10_001);
    let q = format!("q=uuid?={},x", items.join(","));
    assert_eq!(limit_hit(&q), Some((Limit::InList, 10_000)));
}

#[test]
fn deep_paths_are_rejected() {
    let path = "zone.vmInstance.".repeat(5_000);
    let q = format!("q={path}name=x");
    assert_eq!(limit_hit(&q), Some((Limit::PathDepth, 8)));
    // Eight hops are fine.
    assert_eq!(
        limit_hit("q=zone.vmInstance.zone.vmInstance.zone.vmInstance.zone.vmInstance.name=x"),
        None
    );
}

#[test]
fn limit_and_sort_keys_are_bounded() {
    assert_eq!(limit_hit("limit=10001"), Some((Limit::Limit, 10_000)));
    assert_eq!(limit_hit("limit=10000"), None);
    let keys = ["name"; 9].join(",");
    assert_eq!(
        limit_hit(&format!("sort={keys}")),
        Some((Limit::SortKeys, 8))
    );
}

#[test]
fn input_length_is_bounded() {
    let q = format!("q=name=x&{}", "&".repeat(1 << 20));
    assert_eq!(limit_hit(&q).map(|h| h.0), Some(Limit::InputLength));
}

#[test]
fn limits_are_configurable() {
    let e = zstack_query::Engine::builder()
        .limits(Limits {
            max_path_depth: 2,
            max_conditions: 3,
            ..Limits::default()
        })
        .build()
        .expect("engine");
    let err = e
        .compile(
            Some("vm-instances"),
            "q=vmNics.l3Network.zone.name=x",
            Dialect::Sqlite,
        )
        .expect_err("3 hops > 2");
    assert_eq!(
        err.kind(),
        &ErrorKind::LimitExceeded {
            limit: Limit::PathDepth,
            max: 2
        }
    );
    let err = e
        .compile(
            Some("vm-instances"),
            "q=a=1&q=a=2&q=a=3&q=a=4",
            Dialect::Sqlite,
        )
        .expect_err("4 > 3");
    assert_eq!(
        err.kind(),
        &ErrorKind::LimitExceeded {
            limit: Limit::Conditions,
            max: 3
        }
    );
}
