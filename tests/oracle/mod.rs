//! The oracle: random queries over the schema (proptest) on small random datasets; the rows SQLite
//! returns for the engine's SQL must equal what [`eval::Oracle`] computes from the resolved plan
//! with no SQL at all. Queries are built from lists of choice numbers interpreted against the
//! schema, so shrinking gives shorter paths, earlier relations and fields, simpler values.
//!
//! `PROPTEST_CASES` sets the number of cases (default 2,000). Counter-examples that ever failed are
//! kept as fixed tests in `regression.rs`.

pub mod eval;
mod regression;

use std::cell::RefCell;
use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use rusqlite::Connection;
use zstack_query::exec::demo::DemoSize;
use zstack_query::schema::{Cardinality, FieldType, ResourceId, Schema};
use zstack_query::{Dialect, Engine};

use crate::rows::{self, Val};
use crate::support::{case_sensitive_engine, engine};
use eval::{Db, Oracle};

/// Datasets: demo clouds of a few sizes, some with perturbed rows (case variants, spaces,
/// wildcards, NULLs, fractional seconds, floats, tags differing in case).
const DATASETS: [(usize, u64); 6] = [(1, 0), (3, 11), (8, 0), (12, 7), (25, 3), (40, 5)];

thread_local! {
    /// (compared with the oracle, of which with rows, expected errors).
    static STATS: RefCell<(u64, u64, u64)> = const { RefCell::new((0, 0, 0)) };
    static POOL: RefCell<Vec<Option<(Connection, Db)>>> = RefCell::new((0..DATASETS.len()).map(|_| None).collect());
}

/// Runs `f` on dataset `i` (built on first use in this thread).
pub fn with_dataset<T>(i: usize, f: impl FnOnce(&Connection, &Db) -> T) -> T {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let slot = &mut pool[i % DATASETS.len()];
        if slot.is_none() {
            let (vms, seed) = DATASETS[i % DATASETS.len()];
            let mut conn = Connection::open_in_memory().expect("SQLite opens");
            engine()
                .generate_demo(&mut conn, DemoSize { vms })
                .expect("demo generates");
            if seed != 0 {
                perturb(&conn, seed);
            }
            let db = Db::load(&conn, engine().schema());
            *slot = Some((conn, db));
        }
        let (conn, db) = slot.as_ref().expect("built above");
        f(conn, db)
    })
}

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn text(&mut self) -> String {
        const ALPHABET: &[&str] = &["a", "A", "b", "B", "_", "%", "\\", " ", "-", "1", "z", "Z"];
        (0..self.below(5))
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize])
            .collect()
    }
}

/// Rewrites some rows of the demo with awkward values.
fn perturb(c: &Connection, seed: u64) {
    let mut rng = Rng(seed);
    let uuids: Vec<String> = c
        .prepare("SELECT uuid FROM VmInstanceVO ORDER BY uuid")
        .expect("prepares")
        .query_map([], |r| r.get(0))
        .expect("runs")
        .map(|r| r.expect("row"))
        .collect();
    for u in &uuids {
        match rng.below(4) {
            0 => {
                let name = rng.text();
                c.execute(
                    "UPDATE VmInstanceVO SET name = ?1 WHERE uuid = ?2",
                    (name, u),
                )
                .expect("updates");
            }
            1 => {
                let d = if rng.below(2) == 0 {
                    None
                } else {
                    Some(rng.text())
                };
                let cpu = if rng.below(3) == 0 {
                    None
                } else {
                    Some(rng.below(5) as i64)
                };
                c.execute(
                    "UPDATE VmInstanceVO SET description = ?1, cpuNum = ?2 WHERE uuid = ?3",
                    (d, cpu, u),
                )
                .expect("updates");
            }
            2 => {
                let when = format!(
                    "2024-0{}-0{} 0{}:00:00{}",
                    1 + rng.below(9),
                    1 + rng.below(9),
                    rng.below(10),
                    [".5", "", ".25", ".125"][rng.below(4) as usize]
                );
                c.execute(
                    "UPDATE VmInstanceVO SET createDate = ?1 WHERE uuid = ?2",
                    (when, u),
                )
                .expect("updates");
            }
            _ => {}
        }
    }
    c.execute_batch(
        "UPDATE SystemTagVO SET tag = upper(tag) WHERE rowid % 3 = 0;
         UPDATE UserTagVO SET tag = tag || ' ' WHERE rowid % 2 = 0;
         UPDATE VmNicVO SET ip = NULL WHERE rowid % 5 = 0;
         UPDATE VolumeVO SET isShareable = NULL WHERE rowid % 7 = 0;",
    )
    .expect("updates");
    for i in 0..(2 + rng.below(5)) {
        let threshold = match rng.below(4) {
            0 => None,
            _ => Some((rng.below(9) as f64 - 4.0) / 2.0),
        };
        c.execute(
            "INSERT INTO AlarmVO (uuid, name, threshold, period, createDate, lastOpDate) \
             VALUES (?1, ?2, ?3, ?4, '2024-06-01 00:00:00', '2024-06-01 00:00:00')",
            (
                format!("{:032x}", seed * 100 + i),
                rng.text(),
                threshold,
                rng.below(3) as i64,
            ),
        )
        .expect("inserts");
    }
}

/// Resources the queries start from.
pub const ROOTS: [&str; 14] = [
    "VmInstance",
    "VmNic",
    "Host",
    "L3Network",
    "Zone",
    "Volume",
    "Cluster",
    "L2Network",
    "Vip",
    "Eip",
    "SecurityGroup",
    "Image",
    "Alarm",
    "InstanceOffering",
];

const OPS: [&str; 12] = [
    "=", "!=", ">", "<", ">=", "<=", "?=", "!?=", "~=", "!~=", "=null", "!=null",
];

/// How a condition's value is chosen.
#[derive(Clone, Debug)]
pub enum ValSpec {
    /// The `i`-th distinct value of the column in the dataset (`n` of them for IN), transformed
    /// by `m` (case, a trailing space, a LIKE pattern made from it, …).
    FromData { i: usize, m: u8, n: usize },
    /// Text used as it is.
    Random(String),
    /// A value of the wrong type for a typed field.
    Mistyped(usize),
}

#[derive(Clone, Debug)]
pub struct CondSpec {
    hops: Vec<usize>,
    field: usize,
    tag: bool,
    op: usize,
    value: ValSpec,
}

#[derive(Clone, Debug)]
pub struct QuerySpec {
    dataset: usize,
    /// Index into [`ROOTS`].
    pub root: usize,
    switch: bool,
    conds: Vec<CondSpec>,
    sort: Vec<(Vec<usize>, usize, bool)>,
    limit: Option<u64>,
    start: Option<u64>,
    count: bool,
    reply_with_count: bool,
    group: Vec<usize>,
    fields: Vec<usize>,
    /// Run by an engine with the case-sensitive option.
    case_sensitive: bool,
}

fn val_spec() -> impl Strategy<Value = ValSpec> {
    prop_oneof![
        6 => (0usize..40, 0u8..8, 1usize..=7).prop_map(|(i, m, n)| ValSpec::FromData { i, m, n }),
        2 => "[aAbBzZ_%\\\\ 1-]{0,5}".prop_map(ValSpec::Random),
        1 => (0usize..3).prop_map(ValSpec::Mistyped),
    ]
}

fn cond_spec() -> impl Strategy<Value = CondSpec> {
    (
        prop::collection::vec(0usize..64, 0..=3),
        0usize..64,
        prop::bool::weighted(0.12),
        0usize..OPS.len(),
        val_spec(),
    )
        .prop_map(|(hops, field, tag, op, value)| CondSpec {
            hops,
            field,
            tag,
            op,
            value,
        })
}

pub fn query_spec() -> impl Strategy<Value = QuerySpec> {
    (
        (
            0usize..DATASETS.len(),
            0usize..ROOTS.len(),
            prop::bool::weighted(0.3),
        ),
        prop::collection::vec(cond_spec(), 0..=3),
        prop::collection::vec(
            (
                prop::collection::vec(0usize..16, 0..=2),
                0usize..64,
                any::<bool>(),
            ),
            0..=2,
        ),
        (
            prop::option::weighted(0.6, 0u64..40),
            prop::option::weighted(0.3, 0u64..30),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.25),
        ),
        prop::option::weighted(0.15, prop::collection::vec(0usize..64, 1..=2)),
        prop::option::weighted(0.2, prop::collection::vec(0usize..64, 1..=3)),
    )
        .prop_map(
            |(
                (dataset, root, switch),
                conds,
                sort,
                (limit, start, count, rwc, exact),
                group,
                fields,
            )| {
                QuerySpec {
                    dataset,
                    root,
                    switch,
                    conds,
                    sort,
                    limit,
                    start,
                    count,
                    reply_with_count: rwc,
                    group: group.unwrap_or_default(),
                    fields: fields.unwrap_or_default(),
                    case_sensitive: exact,
                }
            },
        )
}

/// What the engine must do with a rendered query.
#[derive(Debug, PartialEq)]
pub enum Expect {
    /// Compile, and agree with the oracle.
    Rows,
    /// Fail with one of these error codes.
    Error(&'static [&'static str]),
    /// Either (a random value for a typed field): an error must be a value error.
    Either,
}

const VALUE_ERRORS: &[&str] = &["invalid-value", "invalid-enum-value"];
const OPERATOR_ERRORS: &[&str] = &["operator-not-allowed"];

/// Everything but `A-Z a-z 0-9 . _ : - ,` percent-encoded.
fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b".:-,_".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn sorted_relations(schema: &Schema, at: ResourceId) -> Vec<(&'static str, ResourceId, bool)> {
    let mut v: Vec<(&'static str, ResourceId, bool)> = schema
        .all_relations(at)
        .iter()
        .map(|r| (r.name, r.target, r.cardinality == Cardinality::One))
        .collect();
    for a in schema.all_aliases(at) {
        if let Some(t) = alias_target(schema, at, &a.path, 0) {
            v.push((a.name, t, false));
        }
    }
    v.sort_by_key(|(n, _, _)| *n);
    v
}

fn alias_target(
    schema: &Schema,
    from: ResourceId,
    path: &[&str],
    depth: usize,
) -> Option<ResourceId> {
    if depth > 4 {
        return None;
    }
    let mut cur = from;
    for seg in path {
        cur = match schema.relation(cur, seg) {
            Some(r) => r.target,
            None => {
                let a = schema.alias(cur, seg)?;
                alias_target(schema, cur, &a.path, depth + 1)?
            }
        };
    }
    Some(cur)
}

fn value_text(v: &Val) -> String {
    match v {
        Val::Text(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Null => String::new(),
    }
}

/// The REST query for a spec on a dataset, and what the engine must do with it.
pub fn render(spec: &QuerySpec, db: &Db, schema: &Schema) -> (String, Vec<Expect>) {
    let root = schema.by_name(ROOTS[spec.root]).expect("root");
    let r = schema.resource(root);
    let mut at_root = root;
    let mut parts: Vec<String> = Vec::new();
    let mut expects: Vec<Expect> = Vec::new();
    if spec.switch && r.name == "Host" {
        parts.push("q=hypervisorType=KVM".into());
        at_root = schema.by_name("KVMHost").expect("KVMHost");
    }
    for c in &spec.conds {
        let mut expect = Expect::Rows;
        let mut at = at_root;
        let mut path: Vec<&str> = Vec::new();
        for h in &c.hops {
            // Mostly through resources with rows (every fourth choice through any).
            let all = sorted_relations(schema, at);
            let full: Vec<_> = all
                .iter()
                .copied()
                .filter(|(_, t, _)| db.has_rows(schema.resource(*t).table))
                .collect();
            let rels = if h % 4 == 3 || full.is_empty() {
                all
            } else {
                full
            };
            if rels.is_empty() {
                break;
            }
            let (name, target, _) = rels[h / 4 % rels.len()];
            path.push(name);
            at = target;
        }
        let res = schema.resource(at);
        let op = OPS[c.op];
        // The last segment: a tag or a field.
        let (last, ty, values): (&str, FieldType, Vec<Val>) = if c.tag && res.tags {
            let tag = if c.field % 2 == 0 {
                "__systemTag__"
            } else {
                "__userTag__"
            };
            let table = if c.field % 2 == 0 {
                "SystemTagVO"
            } else {
                "UserTagVO"
            };
            (tag, FieldType::String, db.values(table, "tag"))
        } else {
            let fields = schema.all_fields(at);
            let f = fields[c.field % fields.len()];
            let (table, column) = match &f.field.stored_in {
                Some(s) => (s.table, s.column),
                None => (schema.resource(f.owner).table, f.field.column),
            };
            (f.field.name, f.field.ty.clone(), db.values(table, column))
        };
        path.push(last);
        let dotted = path.join(".");
        let is_tag = last.starts_with("__");
        let textual = ty.is_textual() || is_tag;
        if op.ends_with("null") {
            parts.push(format!("q={dotted}{op}"));
            expects.push(expect);
            continue;
        }
        let like = op.ends_with("~=");
        let range = matches!(op, ">" | "<" | ">=" | "<=");
        if like && !(textual || ty == FieldType::Timestamp) || range && ty == FieldType::Boolean {
            expect = Expect::Error(OPERATOR_ERRORS);
        }
        let value = match &c.value {
            ValSpec::FromData { i, m, n } if !values.is_empty() => {
                let count = if op.contains('?') { *n } else { 1 };
                let items: Vec<String> = (0..count)
                    .map(|k| mutate(&values[(i + k) % values.len()], &ty, *m, like))
                    .collect();
                items.join(",")
            }
            ValSpec::FromData { .. } => match ty {
                FieldType::String => "x".into(),
                _ => ty.example(),
            },
            ValSpec::Random(s) => s.clone(),
            ValSpec::Mistyped(k) => {
                let bad = match &ty {
                    _ if textual && !matches!(ty, FieldType::Enum(_)) => None,
                    _ if like => None,
                    FieldType::Integer => Some(["abc", "1.5", "9223372036854775808"][k % 3]),
                    FieldType::Float => Some(["x", "1,5", "inf"][k % 3]),
                    FieldType::Boolean => Some(["yes", "1", "t"][k % 3]),
                    FieldType::Timestamp => {
                        Some(["2024-13-01", "yesterday", "2024-01-01 25:00:00"][k % 3])
                    }
                    FieldType::Enum(_) => Some(["NoSuchValue", "Runing", "x"][k % 3]),
                    FieldType::String => None,
                };
                bad.unwrap_or("x").to_owned()
            }
        };
        // A value spelled `null` would be a null test.
        let value = if value.eq_ignore_ascii_case("null") {
            "nul".into()
        } else {
            value
        };
        if !like && !is_tag && !matches!(expect, Expect::Error(_)) {
            let items: Vec<&str> = if op.contains('?') {
                value.split(',').collect()
            } else {
                vec![value.as_str()]
            };
            let validity: Vec<Option<bool>> = items.iter().map(|i| valid(&ty, i)).collect();
            if validity.contains(&Some(false)) {
                expect = Expect::Error(VALUE_ERRORS);
            } else if validity.contains(&None) {
                expect = Expect::Either;
            }
        }
        parts.push(format!("q={dotted}{op}{}", enc(&value)));
        expects.push(expect);
    }
    // Output.
    let root_fields: Vec<&'static str> = schema
        .all_fields(at_root)
        .iter()
        .filter(|f| f.field.is_native())
        .map(|f| f.field.name)
        .collect();
    let group: Vec<&str> = spec
        .group
        .iter()
        .map(|g| root_fields[g % root_fields.len()])
        .collect();
    let mut group_dedup: Vec<&str> = Vec::new();
    for g in group {
        if !group_dedup.contains(&g) {
            group_dedup.push(g);
        }
    }
    if !group_dedup.is_empty() {
        parts.push(format!("groupBy={}", group_dedup.join(",")));
    } else if !spec.fields.is_empty() {
        let f: Vec<&str> = spec
            .fields
            .iter()
            .map(|g| root_fields[g % root_fields.len()])
            .collect();
        parts.push(format!("fields={}", f.join(",")));
    }
    let mut sort: Vec<String> = Vec::new();
    for (hops, field, desc) in &spec.sort {
        let key = if group_dedup.is_empty() {
            let mut at = at_root;
            let mut path: Vec<&str> = Vec::new();
            for h in hops {
                let ones: Vec<_> = sorted_relations(schema, at)
                    .into_iter()
                    .filter(|(_, _, one)| *one)
                    .collect();
                if ones.is_empty() {
                    break;
                }
                let (name, target, _) = ones[h % ones.len()];
                path.push(name);
                at = target;
            }
            let fields: Vec<&'static str> = schema
                .all_fields(at)
                .iter()
                .filter(|f| f.field.is_native())
                .map(|f| f.field.name)
                .collect();
            path.push(fields[field % fields.len()]);
            path.join(".")
        } else {
            group_dedup[field % group_dedup.len()].to_owned()
        };
        if !sort.iter().any(|s| s.trim_start_matches('-') == key) {
            sort.push(if *desc { format!("-{key}") } else { key });
        }
    }
    if !sort.is_empty() {
        parts.push(format!("sort={}", sort.join(",")));
    }
    if let Some(l) = spec.limit {
        parts.push(format!("limit={l}"));
    }
    if let Some(s) = spec.start {
        parts.push(format!("start={s}"));
    }
    if spec.count {
        parts.push("count=true".into());
    }
    if spec.reply_with_count {
        parts.push("replyWithCount=true".into());
    }
    let rest = r.rest_path.unwrap_or(r.name);
    (format!("{rest}?{}", parts.join("&")), expects)
}

/// Whether `item` is a valid value of `ty` (design.md "Values are typed"); `None`: not decided
/// here (timestamps: the engine's own parser decides, and either answer is checked).
fn valid(ty: &FieldType, item: &str) -> Option<bool> {
    Some(match ty {
        FieldType::String => true,
        FieldType::Integer => item.parse::<i64>().is_ok(),
        FieldType::Float => {
            item.parse::<f64>().is_ok_and(f64::is_finite)
                && !item.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        }
        FieldType::Boolean => {
            item.eq_ignore_ascii_case("true") || item.eq_ignore_ascii_case("false")
        }
        FieldType::Enum(values) => values.iter().any(|v| v.eq_ignore_ascii_case(item)),
        FieldType::Timestamp => return None,
    })
}

/// A data value turned into a query value: `m` changes case, adds a trailing space, or makes a
/// LIKE pattern of it.
fn mutate(v: &Val, ty: &FieldType, m: u8, like: bool) -> String {
    let s = value_text(v);
    match ty {
        FieldType::Timestamp if !like => match m {
            1 => s.get(..10).unwrap_or(&s).to_owned(),
            2 => s.replacen(' ', "T", 1),
            _ => s,
        },
        FieldType::Integer if !like => match (m, v) {
            (1, Val::Int(i)) => i.saturating_add(1).to_string(),
            (2, Val::Int(i)) => i.saturating_sub(1).to_string(),
            _ => s,
        },
        FieldType::String | FieldType::Enum(_) | FieldType::Timestamp => match m {
            1 => s.to_ascii_uppercase(),
            2 => s.to_ascii_lowercase(),
            3 => format!("{s} "),
            4 => format!("{}%", s.chars().take(2).collect::<String>()),
            5 => format!("%{}%", s.chars().skip(1).take(3).collect::<String>()),
            6 => s
                .chars()
                .enumerate()
                .map(|(i, c)| if i == 1 { '_' } else { c })
                .collect(),
            7 => format!("{s}\\"),
            _ => s,
        },
        _ => s,
    }
}

/// Runs one spec: the engine's SQLite answer must equal the oracle's, or the error be expected.
fn check(spec: &QuerySpec) -> Result<(), TestCaseError> {
    let schema = engine().schema();
    with_dataset(spec.dataset, |conn, db| {
        let (query, expects) = render(spec, db, schema);
        check_query(engine_for(spec), &query, &expects, conn, db)
    })
}

/// Checks `query` (conditions expected to behave as `expects`, in order): an error must be one
/// that some condition may raise with only acceptable conditions before it; success needs no
/// condition that must fail, and the oracle's answer.
fn check_query(
    e: &Engine,
    query: &str,
    expects: &[Expect],
    conn: &Connection,
    db: &Db,
) -> Result<(), TestCaseError> {
    let plan = match e.plan(None, query) {
        Ok(p) => p,
        Err(err) => {
            let code = err.code();
            for x in expects {
                match x {
                    Expect::Error(codes) if codes.contains(&code) => {
                        STATS.with(|s| s.borrow_mut().2 += 1);
                        return Ok(());
                    }
                    Expect::Either if VALUE_ERRORS.contains(&code) => {
                        STATS.with(|s| s.borrow_mut().2 += 1);
                        return Ok(());
                    }
                    Expect::Error(_) => break,
                    _ => {}
                }
            }
            return Err(TestCaseError::fail(format!(
                "{query}\n  expected {expects:?}, the engine says: {err}"
            )));
        }
    };
    if let Some(Expect::Error(codes)) = expects.iter().find(|x| matches!(x, Expect::Error(_))) {
        return Err(TestCaseError::fail(format!(
            "{query}\n  expected an error {codes:?}, the engine accepted it"
        )));
    }
    // The direct writer writes what the sea-query builder writes, in every dialect.
    for d in Dialect::ALL {
        let direct = zstack_query::emit::emit(&plan, e.schema(), d);
        let built = zstack_query::emit::emit_with_sea_query(&plan, e.schema(), d);
        if direct != built {
            return Err(TestCaseError::fail(format!(
                "{query}\n  {d}: the direct writer and sea-query differ\n  direct: {direct:?}\n  sea-query: {built:?}"
            )));
        }
    }
    let sql = zstack_query::emit::emit(&plan, e.schema(), Dialect::Sqlite);
    let got = rows::sqlite_answer(conn, &sql).map_err(|err| {
        TestCaseError::fail(format!(
            "{query}\n  SQLite fails: {err}\n  {}",
            sql.main.text
        ))
    })?;
    let want = Oracle::new(db, e.schema()).answer(&plan);
    let with_rows =
        got.rows.as_ref().is_some_and(|r| !r.is_empty()) || got.total.is_some_and(|t| t > 0);
    STATS.with(|s| {
        let mut s = s.borrow_mut();
        s.0 += 1;
        s.1 += u64::from(with_rows);
    });
    if got != want {
        return Err(TestCaseError::fail(format!(
            "{query}\n  sql: {}\n  params: {:?}\n  sqlite: {got:?}\n  oracle: {want:?}",
            sql.main.text, sql.main.params
        )));
    }
    Ok(())
}

/// Runs `query` on dataset `i` and compares with the oracle (for the regression tests).
pub fn agrees(dataset: usize, query: &str) {
    with_dataset(dataset, |conn, db| {
        if let Err(e) = check_query(engine(), query, &[], conn, db) {
            panic!("{e}");
        }
    });
}

/// The engine a spec asks for.
pub fn engine_for(spec: &QuerySpec) -> &'static Engine {
    if spec.case_sensitive {
        case_sensitive_engine()
    } else {
        engine()
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

#[test]
fn sqlite_agrees_with_the_oracle_on_random_queries() {
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = std::time::Instant::now();
    STATS.with(|s| *s.borrow_mut() = (0, 0, 0));
    let result = runner.run(&query_spec(), |spec| check(&spec));
    if let Err(e) = result {
        panic!("{e}");
    }
    let (compared, with_rows, errors) = STATS.with(|s| *s.borrow());
    eprintln!(
        "oracle: {} random queries over {} datasets: {compared} answered by SQLite exactly as by \
         the oracle ({with_rows} with rows), {errors} rejected with the expected error ({:.1}s)",
        cases(),
        DATASETS.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        compared * 2 >= u64::from(cases()),
        "too few queries compared: {compared}"
    );
    assert!(
        with_rows * 4 >= compared,
        "too few queries return rows: {with_rows}"
    );
}

#[test]
fn like_matcher_is_right() {
    use eval::like;
    assert!(like("my_vm", "my\\_vm"));
    assert!(!like("myxvm", "my\\_vm"));
    assert!(like("MY%VM", "my\\%vm"));
    assert!(like("abc", "%"));
    assert!(like("", "%"));
    assert!(!like("", "_"));
    assert!(like("a\\b", "a\\\\b"));
    assert!(like("Web-1", "web-_"));
    assert!(!like("web-10", "web-_"));
    assert!(like("é", "_"));
}

proptest! {
    #![proptest_config(Config {
        cases: 500,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })]

    /// The case-sensitive option's `~=` on SQLite is a GLOB with a translated pattern: for any
    /// text and any pattern over an alphabet of LIKE's and GLOB's metacharacters, letters in both
    /// cases and a non-ASCII letter, SQLite's GLOB on the engine's parameter matches exactly when
    /// the oracle's case-sensitive LIKE does.
    #[test]
    fn glob_translation_matches_exact_like(
        pattern in "[aAb*?\\[\\]%_\\\\é-]{0,8}",
        picks in prop::collection::vec((0u8..10, "[aAb*?\\[\\]é]{0,2}"), 8),
    ) {
        // A text made from the pattern, so that it often matches: each wildcard filled in, each
        // literal kept, and now and then a literal replaced or its case flipped (near misses).
        let mut text = String::new();
        let mut chars = pattern.chars();
        let mut pick = picks.iter().cycle();
        while let Some(c) = chars.next() {
            let (roll, fill) = pick.next().expect("cycles");
            match c {
                '%' => text.push_str(fill),
                '_' => text.push(fill.chars().next().unwrap_or('a')),
                '\\' => text.push(chars.next().unwrap_or('\\')),
                _ if *roll == 0 => text.push_str(fill),
                c if *roll == 1 => text.push(if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }),
                c => text.push(c),
            }
        }
        let query = format!(
            "vm-instances?q=name~={}",
            pattern.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
        );
        let glob = case_sensitive_engine()
            .compile(None, &query, Dialect::Sqlite)
            .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let like = engine()
            .compile(None, &query, Dialect::Sqlite)
            .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let (Some(zstack_query::plan::Param::Text(g)), Some(zstack_query::plan::Param::Text(l))) =
            (glob.main.params.first(), like.main.params.first())
        else {
            return Err(TestCaseError::fail("a text parameter"));
        };
        let conn = Connection::open_in_memory().expect("opens");
        let sqlite: bool = conn
            .query_row("SELECT ?1 GLOB ?2", [text.as_str(), &**g], |r| r.get(0))
            .expect("GLOB runs");
        let want = eval::like_with(&text, l, true);
        MATCHED.with(|m| m.set(m.get() + u32::from(want)));
        CHECKED.with(|m| m.set(m.get() + 1));
        prop_assert_eq!(sqlite, want, "text {:?}, LIKE {:?}, GLOB {:?}", text, l, g);
    }
}

thread_local! {
    /// How many texts of `glob_translation_matches_exact_like` matched (it must see both answers).
    static MATCHED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// How many texts it checked (500, or what `PROPTEST_CASES` asks for).
    static CHECKED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[test]
fn glob_translation_property_sees_matches() {
    // The property above, run here so its count of matches can be checked.
    glob_translation_matches_exact_like();
    let matched = MATCHED.with(std::cell::Cell::get);
    let checked = CHECKED.with(std::cell::Cell::get);
    // Both answers must be common: between a fifth and nine tenths of the texts match.
    assert!(
        matched * 5 >= checked && matched * 10 < checked * 9,
        "{matched} of {checked} texts matched their pattern"
    );
}
