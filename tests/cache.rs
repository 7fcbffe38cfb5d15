//! The statement-shape cache: a compile answered from the cache equals a full compile (same SQL,
//! same parameters, same error), in every input form and dialect, for random queries.

use std::sync::OnceLock;

use proptest::prelude::*;
use zstack_query::{Dialect, Engine, Error, Limits, Sql};

/// An engine without the cache: the reference.
fn cold() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        Engine::builder()
            .shape_cache(0)
            .build()
            .expect("the embedded schema loads")
    })
}

/// An engine with a cache shared by every case of the property test.
fn shared() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::zstack().expect("the embedded schema loads"))
}

/// What must agree between a cached and a full compile.
fn outcome(r: Result<Sql, Error>) -> Result<Sql, (String, Option<zstack_query::Span>, String)> {
    r.map_err(|e| (e.code().to_owned(), e.span(), e.to_string()))
}

/// Compiles `text` on `engine` and on the cold engine, and asserts they agree.
fn agree(engine: &Engine, resource: Option<&str>, text: &str, dialect: Dialect) {
    let got = outcome(engine.compile(resource, text, dialect));
    let want = outcome(cold().compile(resource, text, dialect));
    assert_eq!(got, want, "{text} ({dialect})");
}

fn fresh() -> Engine {
    Engine::zstack().expect("the embedded schema loads")
}

#[test]
fn same_shape_new_values_is_a_hit() {
    let e = fresh();
    let q = |ip: &str, zone: &str, limit: u32| {
        format!(
            "vm-instances?q=name~=web%25&q=vmNics.ip={ip}&q=zone.name={zone}&sort=-createDate&limit={limit}&fields=uuid,name"
        )
    };
    for dialect in Dialect::ALL {
        agree(&e, None, &q("10.0.0.5", "z1", 20), dialect);
        agree(&e, None, &q("10.0.0.6", "z2", 5), dialect);
        agree(&e, None, &q("10.0.0.7", "z%20%26", 9), dialect);
    }
    let s = e.cache_stats();
    assert_eq!((s.hits, s.misses, s.entries), (6, 3, 3), "{s:?}");
}

#[test]
fn in_lists_of_one_length_bucket_share_an_entry() {
    // 5..=8 items are written with 8 placeholders, 9..=16 with 16 (plan::in_list_bucket): one
    // entry per bucket and dialect, the padding bound to each list's own last item.
    let e = fresh();
    let list = |n: usize, tag: &str| {
        let items: Vec<String> = (0..n).map(|i| format!("{tag}{i}")).collect();
        format!("q=uuid?={}&q=name!?={}", items.join(","), items.join(","))
    };
    for dialect in Dialect::ALL {
        for (n, tag) in [
            (5, "a"),
            (8, "b"),
            (6, "c"),
            (7, "d"),
            (9, "e"),
            (16, "f"),
            (12, "g"),
        ] {
            agree(&e, Some("vm-instances"), &list(n, tag), dialect);
        }
    }
    let s = e.cache_stats();
    // Per dialect: a miss for 5 and for 9, hits for the other five.
    assert_eq!((s.hits, s.misses, s.entries), (15, 6, 6), "{s:?}");
    let sql = e
        .compile(Some("vm-instances"), &list(6, "x"), Dialect::Sqlite)
        .expect("compiles");
    let params: Vec<String> = sql.main.params.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(params.len(), 8 + 8 + 1, "{params:?}");
    assert_eq!(
        params[5..8],
        [params[5].clone(), params[5].clone(), params[5].clone()]
    );
    assert!(params[5].contains("x5"), "{params:?}");
}

#[test]
fn every_form_hits() {
    let e = fresh();
    for (a, b) in [
        (
            "QueryVmInstance name=vm1 cpuNum>=2 limit=5",
            "QueryVmInstance name=vm2 cpuNum>=4 limit=7",
        ),
        (
            r#"{"api":"QueryVmInstance","conditions":[{"name":"name","op":"=","value":"vm1"}],"limit":3}"#,
            r#"{"api":"QueryVmInstance","conditions":[{"name":"name","op":"=","value":"vm9"}],"limit":4}"#,
        ),
        ("q=name=a&q=uuid?=x,y", "q=name=b&q=uuid?=z,w"),
    ] {
        agree(&e, Some("vm-instances"), a, Dialect::Sqlite);
        let before = e.cache_stats().hits;
        agree(&e, Some("vm-instances"), b, Dialect::Sqlite);
        assert_eq!(e.cache_stats().hits, before + 1, "{b}");
    }
}

#[test]
fn wrong_values_are_still_errors_on_a_hit() {
    let e = fresh();
    for (good, bad) in [
        ("vm-instances?q=cpuNum=2", "vm-instances?q=cpuNum=two"),
        (
            "vm-instances?q=state=Running",
            "vm-instances?q=state=Runing",
        ),
        (
            "vm-instances?q=createDate>=2024-01-31",
            "vm-instances?q=createDate>=yesterday",
        ),
        ("vm-instances?q=cpuNum?=1,2", "vm-instances?q=cpuNum?=1,x"),
        ("vm-instances?limit=10", "vm-instances?limit=100000"),
        (
            "vm-instances?q=name=a&count=true&limit=5",
            "vm-instances?q=name=b&count=true&limit=20000",
        ),
        (
            "QueryVmInstance name=a count=true limit=5",
            "QueryVmInstance name=b count=true limit=20000",
        ),
        ("QueryVmInstance cpuNum=2", "QueryVmInstance cpuNum=2.5"),
        (
            r#"{"api":"QueryVmInstance","conditions":[{"name":"cpuNum","op":">","value":"1"}]}"#,
            r#"{"api":"QueryVmInstance","conditions":[{"name":"cpuNum","op":">","value":"x"}]}"#,
        ),
    ] {
        agree(&e, None, good, Dialect::Sqlite);
        agree(&e, None, good, Dialect::Sqlite);
        let hits = e.cache_stats().hits;
        let err = e.compile(None, bad, Dialect::Sqlite).expect_err(bad);
        assert!(
            matches!(
                err.code(),
                "invalid-value" | "invalid-enum-value" | "limit-exceeded"
            ),
            "{bad}: {err}"
        );
        agree(&e, None, bad, Dialect::Sqlite);
        assert_eq!(e.cache_stats().hits, hits, "{bad} must not count as a hit");
    }
}

#[test]
fn values_that_change_the_statement_are_part_of_the_shape() {
    let e = fresh();
    for group in [
        // The type field switches hosts to KVM hosts.
        &[
            "hosts?q=hypervisorType=KVM&q=name=h1",
            "hosts?q=hypervisorType=Simulator&q=name=h1",
            "hosts?q=hypervisorType=kvm&q=name=h2",
        ][..],
        // ... and below the root (`host.hypervisorType=KVM` makes `host` a KVM host).
        &[
            "q=host.hypervisorType=KVM&q=host.name=a",
            "q=host.hypervisorType=Simulator&q=host.name=a",
            "q=host.hypervisorType=KVM&q=host.username=root",
            "q=host.hypervisorType=Simulator&q=host.username=root",
            "q=host.hypervisorType=KVM&q=host.username=admin",
        ][..],
        // IN lists of other lengths.
        &["q=uuid?=a,b", "q=uuid?=a,b,c", "q=uuid!?=a", "q=uuid?=c,d"][..],
        // OFFSET only when start > 0.
        &["q=name=a&start=0", "q=name=a&start=5", "q=name=b&start=0"][..],
        // Null tests.
        &[
            "q=hostUuid=null",
            "q=hostUuid=x",
            "q=hostUuid!=null",
            "q=hostUuid!=x",
        ][..],
        // Counting.
        &[
            "q=name=a&count=true",
            "q=name=b&count=false",
            "q=name=c&replyWithCount=true&limit=3&start=1",
            "q=name=d&replyWithCount=true&limit=4&start=2",
        ][..],
    ] {
        for text in group {
            for dialect in Dialect::ALL {
                agree(&e, Some("vm-instances"), text, dialect);
                agree(&e, Some("hosts"), text, dialect);
            }
        }
    }
}

#[test]
fn the_cache_is_bounded() {
    let e = Engine::builder()
        .shape_cache(16)
        .build()
        .expect("the embedded schema loads");
    for i in 0..200 {
        agree(
            &e,
            None,
            &format!("vm-instances?q=cpuNum>={i}&limit={}", i + 1),
            Dialect::Sqlite,
        );
        agree(
            &e,
            None,
            &format!("vm-instances?sort=name&limit={}", i + 1),
            Dialect::Sqlite,
        );
        let text = format!("vm-instances?q=uuid?={}", vec!["u"; i % 50 + 1].join(","));
        agree(&e, None, &text, Dialect::Sqlite);
    }
    let s = e.cache_stats();
    assert!(s.entries <= s.capacity && s.capacity < 32, "{s:?}");
    assert!(s.hits > 0, "{s:?}");
}

#[test]
fn threads_share_one_cache() {
    let e = fresh();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let e = &e;
            scope.spawn(move || {
                for i in 0..50 {
                    let text = format!("vm-instances?q=name=vm-{t}-{i}&q=vmNics.ip=10.0.{t}.{i}");
                    agree(e, None, &text, Dialect::Postgres);
                }
            });
        }
    });
    let s = e.cache_stats();
    assert_eq!(s.hits + s.misses, 200, "{s:?}");
    assert!(s.hits >= 196, "{s:?}");
}

#[test]
fn a_disabled_cache_counts_nothing() {
    agree(cold(), None, "vm-instances?q=name=a", Dialect::Sqlite);
    assert_eq!(cold().cache_stats(), zstack_query::CacheStats::default());
}

#[test]
fn long_in_lists_bind_in_one_pass_and_huge_shapes_are_not_kept() {
    let limits = Limits {
        max_value_length: 1 << 20,
        ..Limits::default()
    };
    let e = Engine::builder()
        .limits(limits)
        .build()
        .expect("the embedded schema loads");
    let cold = Engine::builder()
        .limits(limits)
        .shape_cache(0)
        .build()
        .expect("the embedded schema loads");
    let agree = |text: &str, dialect| {
        let got = e.compile(None, text, dialect).expect("compiles");
        // (Not assert_eq!: a failure would print the whole list.)
        assert!(got == cold.compile(None, text, dialect).expect("compiles"));
    };
    // The largest cached shape: MAX_PARAMS parameters, the limit included.
    let n = zstack_query::MAX_PARAMS - 1;
    for round in 0..3 {
        let items: Vec<String> = (0..n).map(|i| format!("{round}-{i}")).collect();
        let text = format!("vm-instances?q=uuid?={}&fields=uuid", items.join(","));
        agree(&text, Dialect::Sqlite);
        let got = e.compile(None, &text, Dialect::Sqlite).expect("compiles");
        assert_eq!(got.main.params.len(), n + 1);
        assert_eq!(
            got.main.params[n - 1],
            zstack_query::plan::Param::Text(format!("{round}-{}", n - 1).into())
        );
    }
    let s = e.cache_stats();
    assert_eq!((s.hits, s.misses, s.oversized), (5, 1, 0), "{s:?}");
    // Larger shapes compile the long way every time, and take no room in the cache.
    for round in 0..2 {
        let items: Vec<String> = (0..10_000).map(|i| format!("{round}-{i}")).collect();
        let text = format!("vm-instances?q=uuid?={}", items.join(","));
        agree(&text, Dialect::Postgres);
    }
    let s = e.cache_stats();
    assert_eq!((s.hits, s.oversized, s.entries), (5, 2, 1), "{s:?}");
}

/// A condition's path and the operators tried on it.
const PATHS: &[&str] = &[
    "name",
    "description",
    "cpuNum",
    "memorySize",
    "createDate",
    "state",
    "type",
    "hypervisorType",
    "uuid",
    "vmNics.ip",
    "vmNics.deviceId",
    "vmNics.l3Network.name",
    "zone.name",
    "zone.uuid",
    "host.cpuNum",
    "host.hypervisorType",
    "host.username",
    "__systemTag__",
    "cluster.__userTag__",
    "managementIp",
    "nosuchfield",
];

const OPS: &[&str] = &[
    "=", "!=", ">", "<", ">=", "<=", "?=", "!?=", "~=", "!~=", "=null", "!=null",
];

/// Values of every type, right and wrong for each field.
const VALUES: &[&str] = &[
    "vm1",
    "web%",
    "a,b",
    "1,2,3",
    "",
    "x y",
    "10.0.0.5",
    "%_\\",
    "é",
    "1",
    "42",
    "-3",
    "1.5",
    "abc",
    "2024-01-31",
    "2024-01-31 10:20:30.500Z",
    "2024-13-01",
    "Running",
    "running",
    "Runing",
    "KVM",
    "UserVM",
    "true",
    "null",
    // IN lists past 4 items share a statement per length bucket (`plan::in_list_bucket`): two
    // lengths of one bucket (5..8), one of the next, and a wrong item in the padded range.
    "a,b,c,d,e",
    "1,2,3,4,5,6,7,8",
    "u,v,w,x,y,z,a,b,c",
    "1,2,3,4,5,6,x",
];

#[derive(Clone, Debug)]
struct Shape {
    resource: usize,
    conditions: Vec<(usize, usize)>,
    /// Whether `limit` / `start` are given; their values vary with the condition values.
    limit: bool,
    start: bool,
    count: Option<bool>,
    reply_with_count: Option<bool>,
    sort: Option<&'static str>,
    fields: bool,
}

const RESOURCES: [(&str, &str); 2] = [("vm-instances", "QueryVmInstance"), ("hosts", "QueryHost")];

fn shape() -> impl Strategy<Value = Shape> {
    (
        0..RESOURCES.len(),
        prop::collection::vec((0..PATHS.len(), 0..OPS.len()), 0..5),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            "-createDate",
            "name",
            "zone.name",
        ])),
        any::<bool>(),
    )
        .prop_map(
            |(resource, conditions, limit, start, count, reply_with_count, sort, fields)| Shape {
                resource,
                conditions,
                limit,
                start,
                count,
                reply_with_count,
                sort,
                fields,
            },
        )
}

/// The values of one query of a shape: one per condition, then `limit` and `start`.
#[derive(Clone, Debug)]
struct Vals {
    conditions: Vec<&'static str>,
    limit: u64,
    start: u64,
}

fn values(n: usize) -> impl Strategy<Value = Vals> {
    (
        prop::collection::vec(prop::sample::select(VALUES.to_vec()), n),
        prop::sample::select(vec![1u64, 20, 10_000, 20_000]),
        prop::sample::select(vec![0u64, 3, 7]),
    )
        .prop_map(|(conditions, limit, start)| Vals {
            conditions,
            limit,
            start,
        })
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rest(s: &Shape, vals: &Vals) -> String {
    let mut out = format!("{}?", RESOURCES[s.resource].0);
    for (&(p, o), v) in s.conditions.iter().zip(&vals.conditions) {
        let op = OPS[o];
        if op.ends_with("null") {
            out.push_str(&format!("q={}{}&", PATHS[p], op));
        } else {
            out.push_str(&format!("q={}{}{}&", PATHS[p], op, encode(v)));
        }
    }
    if s.limit {
        out.push_str(&format!("limit={}&", vals.limit));
    }
    if s.start {
        out.push_str(&format!("start={}&", vals.start));
    }
    if let Some(c) = s.count {
        out.push_str(&format!("count={c}&"));
    }
    if let Some(c) = s.reply_with_count {
        out.push_str(&format!("replyWithCount={c}&"));
    }
    if let Some(k) = s.sort {
        out.push_str(&format!("sort={}&", encode(k)));
    }
    if s.fields {
        out.push_str("fields=uuid,name");
    }
    out
}

fn cli(s: &Shape, vals: &Vals) -> String {
    let mut out = RESOURCES[s.resource].1.to_owned();
    for (&(p, o), v) in s.conditions.iter().zip(&vals.conditions) {
        let op = OPS[o];
        if op.ends_with("null") {
            out.push_str(&format!(" {}{}", PATHS[p], op));
        } else {
            let quoted = v.replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!(" {}{}\"{quoted}\"", PATHS[p], op));
        }
    }
    if s.limit {
        out.push_str(&format!(" limit={}", vals.limit));
    }
    if s.start {
        out.push_str(&format!(" start={}", vals.start));
    }
    if let Some(c) = s.count {
        out.push_str(&format!(" count={c}"));
    }
    if let Some(c) = s.reply_with_count {
        out.push_str(&format!(" replyWithCount={c}"));
    }
    if let Some(k) = s.sort {
        out.push_str(&format!(" sort={k}"));
    }
    if s.fields {
        out.push_str(" fields=uuid,name");
    }
    out
}

fn json(s: &Shape, vals: &Vals) -> String {
    let sdk = |op: &'static str| -> &'static str {
        match op {
            "?=" => "in",
            "!?=" => "not in",
            "~=" => "like",
            "!~=" => "not like",
            "=null" => "is null",
            "!=null" => "is not null",
            other => other,
        }
    };
    let conditions: Vec<serde_json::Value> = s
        .conditions
        .iter()
        .zip(&vals.conditions)
        .map(|(&(p, o), v)| {
            if OPS[o].ends_with("null") {
                serde_json::json!({"name": PATHS[p], "op": sdk(OPS[o])})
            } else {
                serde_json::json!({"name": PATHS[p], "op": sdk(OPS[o]), "value": v})
            }
        })
        .collect();
    let mut m = serde_json::json!({"api": RESOURCES[s.resource].1, "conditions": conditions});
    if s.limit {
        m["limit"] = vals.limit.into();
    }
    if s.start {
        m["start"] = vals.start.into();
    }
    if let Some(c) = s.count {
        m["count"] = c.into();
    }
    if let Some(c) = s.reply_with_count {
        m["replyWithCount"] = c.into();
    }
    if let Some(k) = s.sort {
        let (desc, name) = match k.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, k),
        };
        m["sortBy"] = name.into();
        m["sortDirection"] = if desc { "desc" } else { "asc" }.into();
    }
    if s.fields {
        m["fields"] = serde_json::json!(["uuid", "name"]);
    }
    m.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The same shape with two sets of values: each compile agrees with a full compile, whether
    /// it was the miss that filled the cache or a hit (and a hit with a wrong value still fails).
    #[test]
    fn prop_cached_compile_equals_full_compile(
        (s, a, b) in shape().prop_flat_map(|s| {
            let n = s.conditions.len();
            (Just(s), values(n), values(n))
        }),
        form in 0..3usize,
        dialect in prop::sample::select(Dialect::ALL.to_vec()),
    ) {
        let render = [rest, cli, json][form];
        let engine = shared();
        for vals in [&a, &b, &a] {
            let text = render(&s, vals);
            let got = outcome(engine.compile(None, &text, dialect));
            let want = outcome(cold().compile(None, &text, dialect));
            prop_assert_eq!(got, want, "{}", text);
        }
        prop_assert_eq!(engine.cache_stats().uncacheable, 0);
    }
}

#[test]
fn the_property_test_reaches_the_hit_path() {
    // The shapes above are small enough that many repeat: make sure hits happened at all (the
    // property test may run in any order, so this checks a run of its own).
    let e = fresh();
    let s = Shape {
        resource: 0,
        conditions: vec![(0, 0), (2, 4), (9, 6)],
        limit: true,
        start: true,
        count: None,
        reply_with_count: Some(true),
        sort: Some("-createDate"),
        fields: true,
    };
    for (i, render) in [rest, cli, json].into_iter().enumerate() {
        for (conditions, limit, start) in [
            (vec!["a", "1", "x,y"], 20, 3),
            (vec!["b", "2", "z,w"], 7, 9),
            (vec!["c", "x", "u,v"], 20, 3),
        ] {
            let vals = Vals {
                conditions,
                limit,
                start,
            };
            agree(&e, None, &render(&s, &vals), Dialect::ALL[i]);
        }
    }
    let stats = e.cache_stats();
    assert_eq!((stats.hits, stats.misses), (3, 6), "{stats:?}");
}

#[test]
fn the_case_sensitive_option_caches_its_glob_patterns() {
    // On SQLite the option binds a LIKE pattern as a GLOB pattern: a hit must translate the new
    // value the same way, and the shape must be cacheable (its own values re-bind exactly).
    let build = |cache: usize| {
        Engine::builder()
            .case_sensitive(true)
            .shape_cache(cache)
            .build()
            .expect("the embedded schema loads")
    };
    let (cached, cold) = (build(64), build(0));
    for dialect in Dialect::ALL {
        for v in ["Web%25", "a*b%25", "x%3F_%5B%25", "my\\_vm", "%25\\%25%25"] {
            let text = format!("vm-instances?q=name~={v}&q=name!~=z%25&q=name=A&limit=3");
            let got = outcome(cached.compile(None, &text, dialect));
            let want = outcome(cold.compile(None, &text, dialect));
            assert_eq!(got, want, "{text} ({dialect})");
        }
    }
    let s = cached.cache_stats();
    assert_eq!((s.hits, s.misses, s.uncacheable), (12, 3, 0), "{s:?}");
}
