//! Mostly-valid queries built over the real schema (random resource, a walk through its relations
//! and aliases, a field, an operator and a value of roughly the right type, tags, the type switch,
//! sort and paging), so the fuzzer reaches deep paths. Every query must compile in the dialect the
//! input picks (and, on SQLite, run), or fail with a typed value/limit error — never a database
//! error or a panic.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use rusqlite::Connection;
use zstack_query::schema::FieldType;
use zstack_query::{Dialect, Engine};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::zstack().expect("the embedded schema loads"))
}

/// The engine with the case-sensitive option (GLOB on SQLite, binary comparisons elsewhere).
fn exact_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builder().case_sensitive(true).build().expect("the embedded schema loads"))
}

thread_local! {
    static CONN: Connection = {
        let c = Connection::open_in_memory().expect("opens");
        engine().create_tables(&c).expect("tables");
        c
    };
}

const OPS: [&str; 12] = ["=", "!=", ">", "<", ">=", "<=", "?=", "!?=", "~=", "!~=", "=null", "!=null"];

fn value(u: &mut Unstructured<'_>, ty: &FieldType) -> arbitrary::Result<String> {
    Ok(match (u.int_in_range(0..=9)?, ty) {
        (0, _) => String::arbitrary(u)?,
        (_, FieldType::Integer) => i64::arbitrary(u)?.to_string(),
        (_, FieldType::Float) => f64::arbitrary(u)?.to_string(),
        (_, FieldType::Boolean) => bool::arbitrary(u)?.to_string(),
        (_, FieldType::Timestamp) => format!("20{:02}-{:02}-{:02} 10:00:00", u.int_in_range(0..=40)?, u.int_in_range(1..=12)?, u.int_in_range(1..=28)?),
        (_, FieldType::Enum(v)) => u.choose(v)?.to_string(),
        (_, FieldType::String) => String::arbitrary(u)?,
    })
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn query(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let schema = engine().schema();
    let with_api: Vec<_> = schema.resources().iter().filter(|r| r.rest_path.is_some()).collect();
    let root = u.choose(&with_api)?;
    let mut parts = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        let mut cur = root.id;
        let mut path = Vec::new();
        for _ in 0..u.int_in_range(0..=6)? {
            let rels = schema.all_relations(cur);
            if rels.is_empty() || u.ratio(1, 4)? {
                break;
            }
            let rel = u.choose(&rels)?;
            path.push(rel.name.to_string());
            cur = rel.target;
        }
        let fields = schema.all_fields(cur);
        let tags = schema.resource(cur).tags;
        if fields.is_empty() && !tags {
            continue;
        }
        let (name, ty) = if (tags && u.ratio(1, 8)?) || fields.is_empty() {
            (if bool::arbitrary(u)? { "__systemTag__" } else { "__userTag__" }, FieldType::String)
        } else {
            let f = u.choose(&fields)?;
            (f.field.name, f.field.ty.clone())
        };
        path.push(name.to_string());
        let op = *u.choose(&OPS)?;
        let v = if op.ends_with("null") { String::new() } else { value(u, &ty)? };
        parts.push(format!("q={}{}{}", path.join("."), op, enc(&v)));
    }
    if let Some(tf) = root.type_field
        && u.ratio(1, 3)?
    {
        let values: Vec<_> = root.children.iter().filter_map(|c| schema.resource(*c).type_value).collect();
        if let Ok(v) = u.choose(&values) {
            parts.insert(0, format!("q={tf}={}", enc(v)));
        }
    }
    if bool::arbitrary(u)? {
        let fields = schema.all_fields(root.id);
        if let Ok(f) = u.choose(&fields) {
            parts.push(format!("sort={}{}", if bool::arbitrary(u)? { "-" } else { "%2B" }, f.field.name));
        }
    }
    if bool::arbitrary(u)? {
        parts.push(format!("limit={}&start={}", u.int_in_range(0..=100)?, u.int_in_range(0..=100)?));
    }
    if u.ratio(1, 5)? {
        parts.push("replyWithCount=true".into());
    }
    Ok(format!("{}?{}", root.rest_path.unwrap_or(""), parts.join("&")))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    // One dialect per input (chosen by the input, so all three are covered): checking all three
    // on every input tripled the cost of a run without reaching more code.
    let Ok(&dialect) = u.choose(&Dialect::ALL) else { return };
    // One input in four uses the case-sensitive option.
    let Ok(exact) = u.ratio(1, 4) else { return };
    let e = if exact { exact_engine() } else { engine() };
    let Ok(q) = query(&mut u) else { return };
    let result = if dialect == Dialect::Sqlite {
        // Compiled for SQLite and run: the SQL must prepare and execute on the schema's tables.
        CONN.with(|c| e.run(c, None, &q).map(drop))
    } else {
        e.compile(None, &q, dialect).map(drop)
    };
    if let Err(err) = result {
        // Only the value and its operator can be wrong in a generated query; a database error
        // (`exec-…`) or any other code is a bug.
        assert!(
            ["invalid-value", "invalid-enum-value", "operator-not-allowed", "limit-exceeded", "field-not-allowed"].contains(&err.code()),
            "{dialect} (case-sensitive: {exact}): {q}\n{err}"
        );
    }
});
