//! Golden tests: every case in `tests/golden/*.toml` compiles to the recorded SQL and parameters in
//! all three dialects and returns the recorded rows from the demo database (or fails with the
//! recorded error code, span and rendering). Adding a case means adding data.
//!
//! `BLESS=1 cargo test golden` rewrites the files with what the engine produces now; review the
//! diff before committing it.

use serde::{Deserialize, Serialize};
use zstack_query::{Dialect, Reply};

use crate::support::{case_sensitive_engine, engine, with_demo};

#[derive(Debug, Deserialize, Serialize)]
struct File {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case shows.
    name: String,
    /// The resource when the query does not name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    /// Compiled by an engine with the case-sensitive option.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    case_sensitive: bool,
    /// The query text.
    query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sqlite: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mysql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postgres: Option<String>,
    /// The main statement's parameters on SQLite, as JSON text (MySQL binds a text value twice
    /// where it compares exactly, docs/dialects.md #1).
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<String>,
    /// The replyWithCount / count statement on SQLite.
    #[serde(skip_serializing_if = "Option::is_none")]
    count_sql: Option<String>,
    /// What the demo database returns.
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<Rows>,
    /// The expected error.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorCase>,
}

#[derive(Debug, Deserialize, Serialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct Rows {
    /// Number of inventories (or groups) returned.
    returned: usize,
    /// `total` of the reply, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<u64>,
    /// The first few rows' `name` (or the first column), in order.
    first: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct ErrorCase {
    code: String,
    span: [usize; 2],
    rendered: String,
}

fn summarize(reply: &Reply) -> Rows {
    let list = reply
        .inventories
        .as_ref()
        .or(reply.inventory_counts.as_ref());
    let first = list
        .map(|l| {
            l.iter()
                .take(5)
                .map(|row| {
                    let v = row.get("name").or_else(|| row.values().next());
                    match v {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Rows {
        returned: list.map_or(0, Vec::len),
        total: reply.total,
        first,
    }
}

fn actual(case: &Case) -> Case {
    let e = if case.case_sensitive {
        case_sensitive_engine()
    } else {
        engine()
    };
    let resource = case.resource.as_deref();
    let mut out = Case {
        name: case.name.clone(),
        resource: case.resource.clone(),
        case_sensitive: case.case_sensitive,
        query: case.query.clone(),
        sqlite: None,
        mysql: None,
        postgres: None,
        params: None,
        count_sql: None,
        rows: None,
        error: None,
    };
    match e.compile(resource, &case.query, Dialect::Sqlite) {
        Err(err) => {
            let span = err.span().map_or([0, 0], |s| [s.start, s.end]);
            out.error = Some(ErrorCase {
                code: err.code().into(),
                span,
                rendered: err.to_string(),
            });
        }
        Ok(sql) => {
            out.sqlite = Some(sql.main.text.to_string());
            let params: Vec<_> = sql.main.params.iter().map(|p| p.to_json()).collect();
            out.params = Some(serde_json::Value::from(params).to_string());
            out.count_sql = sql.count.as_ref().map(|c| c.text.to_string());
            out.mysql = Some(
                e.compile(resource, &case.query, Dialect::Mysql)
                    .expect("compiles for MySQL")
                    .main
                    .text
                    .to_string(),
            );
            out.postgres = Some(
                e.compile(resource, &case.query, Dialect::Postgres)
                    .expect("compiles for PostgreSQL")
                    .main
                    .text
                    .to_string(),
            );
            let reply = with_demo(|c| e.run(c, resource, &case.query))
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));
            out.rows = Some(summarize(&reply));
        }
    }
    out
}

#[test]
fn golden_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("BLESS").is_some();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut n = 0;
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path).expect("readable");
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut blessed = Vec::new();
        for case in &file.case {
            n += 1;
            let got = actual(case);
            let same = got.sqlite == case.sqlite
                && got.mysql == case.mysql
                && got.postgres == case.postgres
                && got.params == case.params
                && got.count_sql == case.count_sql
                && got.rows == case.rows
                && got.error == case.error;
            if !same {
                failures.push(format!(
                    "{} / {}\n  query: {}\n  expected: {}\n  actual:   {}",
                    path.display(),
                    case.name,
                    case.query,
                    toml::to_string(case)
                        .unwrap_or_default()
                        .replace('\n', "\n            "),
                    toml::to_string(&got)
                        .unwrap_or_default()
                        .replace('\n', "\n            ")
                ));
            }
            blessed.push(got);
        }
        if bless {
            let out = toml::to_string(&File { case: blessed }).expect("serializes");
            std::fs::write(path, out).expect("writable");
        }
    }
    assert!(n > 0, "no golden cases found");
    if !bless && !failures.is_empty() {
        panic!(
            "{} of {n} golden cases differ:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}
