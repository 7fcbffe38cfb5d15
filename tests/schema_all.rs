//! Every resource of the embedded schema: its tables build, and a query touching each of its fields
//! and relations (generated from the schema) compiles for all dialects and runs on SQLite.

use rusqlite::Connection;
use zstack_query::Dialect;
use zstack_query::schema::Schema;

use crate::support::engine;

/// `q=` conditions touching every field, relation and alias of `id` once.
fn touch_everything(schema: &Schema, id: zstack_query::schema::ResourceId) -> Vec<String> {
    let mut conds = Vec::new();
    for f in schema.all_fields(id) {
        conds.push(format!("q={}!=null", f.field.name));
    }
    for rel in schema.all_relations(id) {
        let target = schema.resource(rel.target);
        conds.push(format!("q={}.{}!=null", rel.name, target.primary_key));
    }
    for alias in schema.all_aliases(id) {
        conds.push(format!(
            "q={}.{}!=null",
            alias.name,
            alias_target_key(schema, id, &alias.path)
        ));
    }
    conds
}

/// The primary key of the resource an alias path ends on.
fn alias_target_key(
    schema: &Schema,
    from: zstack_query::schema::ResourceId,
    path: &[&str],
) -> &'static str {
    let mut cur = from;
    for seg in path {
        if let Some(rel) = schema.relation(cur, seg) {
            cur = rel.target;
        } else if let Some(a) = schema.alias(cur, seg) {
            return alias_target_key(schema, cur, &a.path.clone());
        }
    }
    schema.resource(cur).primary_key
}

#[test]
fn every_resource_compiles_and_runs() {
    let e = engine();
    let schema = e.schema();
    let conn = Connection::open_in_memory().expect("opens");
    e.create_tables(&conn)
        .expect("every table builds on SQLite");
    let mut with_api = 0;
    let mut conditions = 0;
    for r in schema.resources() {
        with_api += usize::from(r.api.is_some());
        let conds = touch_everything(schema, r.id);
        conditions += conds.len();
        for chunk in conds.chunks(200) {
            let q = format!("{}?{}", r.name, chunk.join("&"));
            for d in Dialect::ALL {
                if let Err(err) = e.compile(None, &q, d) {
                    panic!("{} ({d}): {err}", r.name);
                }
            }
            let reply = e
                .run(&conn, None, &q)
                .unwrap_or_else(|err| panic!("{} on SQLite: {err}", r.name));
            assert_eq!(reply.inventories.map(|v| v.len()), Some(0));
        }
    }
    assert!(
        with_api >= 190,
        "only {with_api} resources have a Query API"
    );
    assert!(conditions > 2000, "only {conditions} conditions generated");
}

#[test]
fn schema_counts() {
    let schema = engine().schema();
    assert!(schema.len() >= 250);
    let relations: usize = schema.resources().iter().map(|r| r.relations.len()).sum();
    assert!(relations >= 400);
    assert!(!schema.graph().cycles().is_empty());
}

#[test]
fn invalid_schemas_are_rejected_with_clear_errors() {
    let base = r#"
name = "A"
inventory = "AInventory"
table = "AVO"
primary_key = "uuid"
fields = [{ name = "uuid", type = "string" }, { name = "bUuid", type = "string" }]
"#;
    let cases = [
        (
            format!(
                "{base}relations = [{{ name = \"b\", target = \"Nope\", local_key = \"bUuid\", remote_key = \"uuid\", kind = \"one\" }}]"
            ),
            "relation target `Nope`",
        ),
        (
            format!(
                "{base}relations = [{{ name = \"b\", target = \"A\", local_key = \"nope\", remote_key = \"uuid\", kind = \"one\" }}]"
            ),
            "local_key `nope`",
        ),
        (
            format!(
                "{base}relations = [{{ name = \"b\", target = \"A\", local_key = \"bUuid\", remote_key = \"uuid\", kind = \"some\" }}]"
            ),
            "kind `some`",
        ),
        (
            format!("{base}aliases = [{{ name = \"x\", path = \"y.z\" }}]"),
            "alias `x`",
        ),
        (
            base.replace("\"string\" }, {", "\"strin\" }, {"),
            "unknown type `strin`",
        ),
        (
            base.replace("primary_key = \"uuid\"", "primary_key = \"id\""),
            "primary key `id`",
        ),
        (format!("{base}parent = \"Nope\""), "parent `Nope`"),
        // emit writes schema identifiers between quotes unescaped: only plain ones load.
        (
            base.replace("table = \"AVO\"", "table = \"A\\\"VO\""),
            "table `A\"VO` is not a plain SQL identifier",
        ),
        (
            base.replace(
                "{ name = \"bUuid\", type = \"string\" }",
                "{ name = \"bUuid\", type = \"string\", column = \"b Uuid\" }",
            ),
            "column `b Uuid` is not a plain SQL identifier",
        ),
        (
            base.replace(
                "{ name = \"bUuid\", type = \"string\" }",
                "{ name = \"1b\", type = \"string\" }",
            ),
            "field `1b` is not a plain SQL identifier",
        ),
        (
            format!(
                "{base}relations = [{{ name = \"self\", target = \"A\", local_key = \"bUuid\", remote_key = \"uuid\", kind = \"one\" }}]\naliases = [{{ name = \"loop\", path = \"loop\" }}]"
            ),
            "alias `loop`",
        ),
    ];
    for (text, expected) in cases {
        let err = Schema::from_toml_files([("A.toml", text.as_str())]).expect_err(expected);
        assert_eq!(err.code(), "invalid-schema");
        assert!(
            err.to_string().contains(expected),
            "{err} does not mention {expected}"
        );
    }
    let dup = Schema::from_toml_files([("A.toml", base), ("B.toml", base)]).expect_err("duplicate");
    assert!(dup.to_string().contains("defined twice"), "{dup}");
}
