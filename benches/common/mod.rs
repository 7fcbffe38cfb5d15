//! Inputs shared by the bench targets (and `examples/profile.rs`, `tests/allocations.rs`): the
//! engines they measure, the reference query in its three forms, the generators of the scale
//! curves, and the hand-built floors.

#![allow(dead_code)]

use zstack_query::{Engine, Limits, resolve};

/// An engine without the statement-shape cache: every compile parses, resolves and emits.
pub fn cold_engine() -> Engine {
    Engine::builder()
        .shape_cache(0)
        .build()
        .expect("the embedded schema loads")
}

/// A cold engine for the scale curves: a long IN list is one long value, so the 4 KiB value bound
/// is lifted to 1 MiB (the item bound stays 10,000).
pub fn scale_engine() -> Engine {
    Engine::builder()
        .shape_cache(0)
        .limits(Limits {
            max_value_length: 1 << 20,
            ..Limits::default()
        })
        .build()
        .expect("the embedded schema loads")
}

/// The resolver options `engine` compiles with (for calling `resolve::resolve` alone).
pub fn resolve_options(engine: &Engine) -> resolve::Options {
    resolve::Options {
        limits: *engine.limits(),
        ..resolve::Options::default()
    }
}

/// The reference query (issue 6), REST form.
pub const REFERENCE_REST: &str = "vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name";

/// The reference query, zstack-cli form.
pub const REFERENCE_CLI: &str = "QueryVmInstance name~=web% vmNics.ip=10.0.0.5 zone.name=z1 \
                                 sortBy=createDate sortDirection=desc limit=20 fields=uuid,name";

/// The reference query, SDK JSON form.
pub const REFERENCE_JSON: &str = r#"{"api":"QueryVmInstance","conditions":[{"name":"name","op":"like","value":"web%"},{"name":"vmNics.ip","op":"=","value":"10.0.0.5"},{"name":"zone.name","op":"=","value":"z1"}],"sortBy":"createDate","sortDirection":"desc","limit":20,"fields":["uuid","name"]}"#;

/// The reference query's SQLite text, which the floors reproduce.
pub const REFERENCE_SQLITE: &str = r#"SELECT "t0"."uuid", "t0"."name" FROM "VmInstanceVO" AS "t0" WHERE ("t0"."name" LIKE ? ESCAPE '\') AND "t0"."uuid" IN (SELECT "t1"."vmInstanceUuid" FROM "VmNicVO" AS "t1" WHERE "t1"."ip" = ?) AND "t0"."zoneUuid" IN (SELECT "t2"."uuid" FROM "ZoneVO" AS "t2" WHERE "t2"."name" = ?) ORDER BY "t0"."createDate" DESC, "t0"."uuid" ASC LIMIT ?"#;

/// The reference query with other values (same shape): what a statement-shape cache hit sees.
pub fn reference_with(i: usize) -> String {
    format!(
        "vm-instances?q=name~=web{i}%25&q=vmNics.ip=10.0.{}.{}&q=zone.name=z{}&sort=-createDate&limit={}&fields=uuid,name",
        i % 256,
        (i / 256) % 256,
        i % 7,
        10 + i % 50
    )
}

/// `n` ANDed conditions on vm-instances, cycling through fields, to-one and to-many paths.
pub fn conditions(n: usize) -> String {
    let mut s = String::from("vm-instances?");
    for i in 0..n {
        if i > 0 {
            s.push('&');
        }
        match i % 6 {
            0 => s.push_str(&format!("q=name!=vm-{i}")),
            1 => s.push_str(&format!("q=cpuNum>={}", i % 64)),
            2 => s.push_str(&format!("q=vmNics.ip!=10.0.{}.{}", i / 256 % 256, i % 256)),
            3 => s.push_str(&format!("q=zone.name!=z{i}")),
            4 => s.push_str(&format!("q=description~=%25d{i}%25")),
            _ => s.push_str(&format!("q=createDate>=2020-01-01+00:00:{:02}", i % 60)),
        }
    }
    s.push_str("&limit=20");
    s
}

/// A path of `n` relation hops (1 to 8) from vm-instances, ending on a field:
/// `host.cluster.zone.host.cluster.zone.host.cluster.name` cut to `n` hops.
pub fn depth(n: usize) -> String {
    let hops = [
        "host", "cluster", "zone", "host", "cluster", "zone", "host", "cluster",
    ];
    format!("vm-instances?q={}.name=x&limit=20", hops[..n].join("."))
}

/// One `?=` list of `n` uuids.
pub fn in_list(n: usize) -> String {
    let mut s = String::from("vm-instances?q=uuid?=");
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{i:032x}"));
    }
    s.push_str("&limit=20");
    s
}

/// The x values of the scale curves.
pub const SCALE_CONDITIONS: [usize; 7] = [1, 3, 10, 30, 100, 300, 1000];
/// Path depths.
pub const SCALE_DEPTH: [usize; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
/// IN-list lengths.
pub const SCALE_IN_LIST: [usize; 5] = [1, 10, 100, 1000, 10000];

/// The same statement written the idiomatic way, with `and_where`: sea-query then renders
/// `LIKE … ESCAPE` without parentheses (so the text differs by them) and clones each WHERE
/// `Condition`, subqueries included, as it renders. The peer survey measured this form (3.7 µs).
pub fn sea_query_and_where() -> (String, sea_query::Values) {
    use sea_query::{BinOper, Expr, ExprTrait, Order, Query, SqliteQueryBuilder};
    let mut nic = Query::select();
    nic.from_as("VmNicVO", "t1")
        .column(("t1", "vmInstanceUuid"))
        .and_where(Expr::col(("t1", "ip")).eq("10.0.0.5"));
    let mut zone = Query::select();
    zone.from_as("ZoneVO", "t2")
        .column(("t2", "uuid"))
        .and_where(Expr::col(("t2", "name")).eq("z1"));
    let mut q = Query::select();
    q.column(("t0", "uuid"))
        .column(("t0", "name"))
        .from_as("VmInstanceVO", "t0")
        .and_where(Expr::col(("t0", "name")).binary(
            BinOper::Like,
            Expr::val("web%").binary(BinOper::Escape, Expr::Constant('\\'.into())),
        ))
        .and_where(Expr::col(("t0", "uuid")).in_subquery(nic))
        .and_where(Expr::col(("t0", "zoneUuid")).in_subquery(zone))
        .order_by(("t0", "createDate"), Order::Desc)
        .order_by(("t0", "uuid"), Order::Asc)
        .limit(20);
    q.build(SqliteQueryBuilder)
}

/// The reference statement built by hand with sea-query (`floor/sea_query_by_hand`). The WHERE
/// clauses as a chain of ANDs (`and_or_where`), as emit sets them: the text is the engine's (a
/// chain puts `LIKE … ESCAPE` in parentheses), and a chain is not cloned on render.
pub fn sea_query_by_hand() -> (String, sea_query::Values) {
    use sea_query::{BinOper, Expr, ExprTrait, LogicalChainOper, Order, Query, SqliteQueryBuilder};
    let and = |e: Expr| LogicalChainOper::And(e);
    let mut nic = Query::select();
    nic.from_as("VmNicVO", "t1")
        .column(("t1", "vmInstanceUuid"))
        .and_or_where(and(Expr::col(("t1", "ip")).eq("10.0.0.5")));
    let mut zone = Query::select();
    zone.from_as("ZoneVO", "t2")
        .column(("t2", "uuid"))
        .and_or_where(and(Expr::col(("t2", "name")).eq("z1")));
    let mut q = Query::select();
    q.column(("t0", "uuid"))
        .column(("t0", "name"))
        .from_as("VmInstanceVO", "t0")
        .and_or_where(and(Expr::col(("t0", "name")).binary(
            BinOper::Like,
            Expr::val("web%").binary(BinOper::Escape, Expr::Constant('\\'.into())),
        )))
        .and_or_where(and(Expr::col(("t0", "uuid")).in_subquery(nic)))
        .and_or_where(and(Expr::col(("t0", "zoneUuid")).in_subquery(zone)))
        .order_by(("t0", "createDate"), Order::Desc)
        .order_by(("t0", "uuid"), Order::Asc)
        .limit(20);
    q.build(SqliteQueryBuilder)
}
