//! No injection, by construction and by property: values are bound, never spliced; names come
//! only from the schema. ZStack's known failures (zstack-semantics.md §9) are named tests here.

use proptest::prelude::*;
use zstack_query::{Dialect, plan::Param};

use crate::support::{engine, with_demo};

/// Percent-encodes every byte, so any string can travel in `q=`.
fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Every double-quoted identifier in SQLite SQL text.
fn identifiers(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find('"') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('"') else { break };
        out.push(after[..j].to_owned());
        rest = &after[j + 1..];
    }
    out
}

fn is_schema_identifier(id: &str) -> bool {
    let schema = engine().schema();
    if id == "count"
        || (id.starts_with('t') && id[1..].chars().all(|c| c.is_ascii_digit() || c == '_'))
    {
        return true;
    }
    schema
        .resources()
        .iter()
        .any(|r| r.table == id || r.fields.iter().any(|f| f.column == id || f.name == id))
        || ["SystemTagVO", "UserTagVO", "resourceUuid", "tag"].contains(&id)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// For any value: the SQL never contains it, every identifier is a schema identifier, and on
    /// SQLite the value round-trips as data (a VM named so is found by `name=`).
    #[test]
    fn prop_values_are_bound_never_spliced(value in "[ -~]{1,40}|\\PC{1,20}") {
        let marked = format!("zqX{value}Xqz");
        for (op, field) in [("=", "name"), ("!=", "description"), ("~=", "name"), ("?=", "uuid"), ("=", "__systemTag__")] {
            let q = format!("vm-instances?q={field}{op}{}", enc(&marked));
            for d in Dialect::ALL {
                let sql = engine().compile(None, &q, d).expect("a string value always compiles");
                prop_assert!(!sql.main.text.contains("zqX"), "{}", sql.main.text);
                if d == Dialect::Sqlite {
                    for id in identifiers(&sql.main.text) {
                        prop_assert!(is_schema_identifier(&id), "identifier {id:?} in {}", sql.main.text);
                    }
                }
            }
        }
        // The value as data: insert a VM with that name in a scratch copy and find it.
        let found = with_demo(|c| {
            c.execute("SAVEPOINT p", []).expect("savepoint");
            c.execute("INSERT INTO VmInstanceVO (uuid, name) VALUES ('injected-test', ?1)", [&marked]).expect("insert");
            let r = engine().run(c, None, &format!("vm-instances?q=name={}&fields=uuid", enc(&marked)));
            c.execute("ROLLBACK TO p", []).expect("rollback");
            c.execute("RELEASE p", []).expect("release");
            r
        }).expect("runs");
        let rows = found.inventories.expect("rows");
        prop_assert_eq!(rows.len(), 1);
        prop_assert_eq!(&rows[0]["uuid"], "injected-test");
    }

    /// Arbitrary text never panics, in any dialect; an `Ok` has as many placeholders as params.
    #[test]
    fn prop_arbitrary_text_never_panics(text in "\\PC{0,80}", resource in prop::sample::select(vec!["vm-instances", "hosts", "l3-networks"])) {
        for d in Dialect::ALL {
            if let Ok(sql) = engine().compile(Some(resource), &text, d) {
                let placeholders = match d {
                    Dialect::Postgres => sql.main.text.matches('$').count(),
                    _ => sql.main.text.matches('?').count(),
                };
                prop_assert_eq!(placeholders, sql.main.params.len(), "{}", sql.main.text);
            }
        }
    }
}

fn sqlite(q: &str) -> Result<zstack_query::Sql, zstack_query::Error> {
    engine().compile(None, q, Dialect::Sqlite)
}

/// Q1: ZStack strips the quotes of a boolean value and splices it: `system=false or 1=1` leaks
/// other tenants' VIPs. Here it is a typed error that never reaches the database.
#[test]
fn q1_boolean_injection_is_a_typed_error() {
    let err = sqlite("vips?q=system=false%20or%201=1").expect_err("not a boolean");
    assert_eq!(err.code(), "invalid-value");
    let sql = sqlite("vips?q=system=false").expect("a boolean");
    assert_eq!(sql.main.params[0], Param::Bool(false));
}

/// Q2: ZStack splices condition names and `sort` into ZQL (OR groups, subqueries, a second
/// statement). Here names must be paths, and sort a path.
#[test]
fn q2_names_and_sort_cannot_smuggle_sql() {
    for q in [
        "vm-instances?q=name%20like%20'a%25'%20or%20uuid!=x",
        "vm-instances?q=uuid%20in%20(query%20vmnic.vmInstanceUuid)%20and%20name!=x",
        "vm-instances?q=name%20is%20null%20limit%201;query%20host%20where%20uuid!=x",
        "vm-instances?sort=name%20asc%20limit%201;query%20host",
        "vm-instances?sort=-cpuNum%20desc,%20name",
    ] {
        let err = sqlite(q).expect_err(q);
        assert!(
            [
                "invalid-path",
                "missing-operator",
                "unknown-field",
                "unknown-relation"
            ]
            .contains(&err.code()),
            "{q}: {err}"
        );
    }
}

/// Q3: a `'` in a value made ZStack fail with a ZQL token error. Here it is data.
#[test]
fn q3_quotes_are_data() {
    let reply = with_demo(|c| engine().run(c, None, "vm-instances?q=name=O'Brien&fields=name"))
        .expect("runs");
    assert_eq!(reply.inventories.expect("rows")[0]["name"], "O'Brien");
    let sql = sqlite("vm-instances?q=name?=a'b,c").expect("compiles");
    assert_eq!(
        sql.main.params[..2],
        [Param::Text("a'b".into()), Param::Text("c".into())]
    );
}

/// Q6: ZStack picks the highest-priority operator anywhere in the text and mis-splits
/// `description=a>=b`. Here the first operator after the path wins.
#[test]
fn q6_the_first_operator_after_the_path_wins() {
    let sql = sqlite("vm-instances?q=description=a>=b").expect("compiles");
    assert_eq!(sql.main.params[0], Param::Text("a>=b".into()));
    let sql = sqlite("vm-instances?q=name==foo").expect("compiles");
    assert_eq!(sql.main.params[0], Param::Text("=foo".into()));
}

/// Q12: `%s` in a tag value crashed ZStack (a format string). Here it is a LIKE pattern, bound.
#[test]
fn q12_percent_s_in_a_tag_is_data() {
    let sql = sqlite("vm-instances?q=__systemTag__~=%25sshPort%25").expect("compiles");
    assert_eq!(sql.main.params[0], Param::Text("%sshPort%".into()));
    with_demo(|c| engine().run(c, None, "vm-instances?q=__systemTag__~=%25sshPort%25"))
        .expect("runs");
}
