//! `api`: the playground page and the JSON endpoints it calls.
//!
//! The page's query box holds zstack-cli words after the API name (`name~=web% vmNics.ip=10.0.0.5
//! limit=20`), which is what zstack-cli users type and what completion works on, word by word.
//! The server puts the API name in front (`QueryVmInstance name~=web% …`) and shifts error spans
//! back, so a span indexes the box. The same parsed query is printed back as a REST URL (the
//! canonical REST form of [`ast::Query`]'s `Display`), a zstack-cli line, a curl command and SDK
//! JSON.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{error_response, json_response};
use crate::ast::{self, Op};
use crate::emit::{self, Dialect};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::introspect;
use crate::plan::{Predicate, Scope, Test};
use crate::schema::{Resource, Schema};

/// `GET /`: the page, embedded in the binary.
pub(super) async fn page() -> Html<&'static str> {
    Html(include_str!("playground.html"))
}

/// `GET /api/resources`: the resources that have a Query API and a REST path, by API name.
pub(super) async fn resources(State(st): State<super::State>) -> Response {
    let mut list: Vec<Value> = st
        .engine
        .schema()
        .resources()
        .iter()
        .filter_map(|r| {
            Some(json!({
                "api": r.api?,
                "path": r.rest_path?,
                "name": r.name,
                "inventory": r.inventory,
                "doc": r.doc,
            }))
        })
        .collect();
    list.sort_by(|a, b| a["api"].as_str().cmp(&b["api"].as_str()));
    json_response(StatusCode::OK, &list)
}

/// `GET /api/database`: the database the server answers from, and the dialect its queries
/// compile for (the page's default dialect).
pub(super) async fn database(State(st): State<super::State>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({ "dialect": st.dialect.name(), "database": st.database }),
    )
}

/// `?resource=&path=`.
#[derive(Debug, Deserialize)]
pub(super) struct FieldsParams {
    /// API name, REST path or resource name.
    resource: String,
    /// A dotted relation prefix (`vmNics.l3Network.`), empty for the resource itself.
    #[serde(default)]
    path: String,
}

/// `GET /api/fields`: what can follow a path (as `zstack-query fields --json`).
pub(super) async fn fields(
    State(st): State<super::State>,
    Query(p): Query<FieldsParams>,
) -> Response {
    match introspect::point(st.engine.schema(), &p.resource, &p.path) {
        Ok(point) => json_response(StatusCode::OK, &point),
        Err(e) => error_response(&e, 0),
    }
}

/// `?resource=&word=`.
#[derive(Debug, Deserialize)]
pub(super) struct CompleteParams {
    /// The resource.
    resource: String,
    /// The partial word.
    #[serde(default)]
    word: String,
}

/// `GET /api/complete`: whole replacement words for a partial one, sorted.
pub(super) async fn complete(
    State(st): State<super::State>,
    Query(p): Query<CompleteParams>,
) -> Response {
    let words = introspect::complete(st.engine.schema(), &p.resource, &p.word);
    json_response(StatusCode::OK, &json!({ "completions": words }))
}

/// `?resource=&q=&dialect=`.
#[derive(Debug, Deserialize)]
pub(super) struct CompileParams {
    /// The resource.
    resource: String,
    /// The box: zstack-cli words after the API name.
    #[serde(default)]
    q: String,
    /// `sqlite`, `mysql` or `postgres` (default: the dialect of the database served).
    dialect: Option<String>,
}

/// `GET /api/compile`: SQL and parameters, the resolved hops and notes, and the query in the
/// four forms a user copies.
pub(super) async fn compile(
    State(st): State<super::State>,
    Query(p): Query<CompileParams>,
    headers: HeaderMap,
) -> Response {
    let schema = st.engine.schema();
    let r = match resource(schema, &p.resource) {
        Ok(r) => r,
        Err(e) => return error_response(&e, 0),
    };
    let dialect = match p.dialect.as_deref().map(|d| (d, Dialect::from_name(d))) {
        None => st.dialect,
        Some((_, Some(d))) => d,
        Some((d, None)) => {
            let e = Error::new(
                ErrorKind::ParameterInvalid {
                    name: "dialect".into(),
                    expected: "sqlite, mysql or postgres".into(),
                },
                d,
            );
            return error_response(&e, 0);
        }
    };
    let (text, shift) = with_api(r, &p.q);
    let plan = match st.engine.plan(None, &text) {
        Ok(plan) => plan,
        Err(e) => return error_response(&e, shift),
    };
    let sql = emit::emit(&plan, schema, dialect);
    let forms = match st.engine.parse(&text) {
        Ok(ast) => forms(r, &ast, &headers),
        Err(e) => return error_response(&e, shift),
    };
    let params = |s: &emit::Statement| s.params.iter().map(|p| p.to_json()).collect::<Vec<_>>();
    let mut hops = Vec::new();
    scope_lines(schema, &plan.root, 0, &mut hops);
    json_response(
        StatusCode::OK,
        &json!({
            "resource": schema.resource(plan.root.resource).inventory,
            "dialect": dialect.name(),
            "sql": &*sql.main.text,
            "params": params(&sql.main),
            "count_sql": sql.count.as_ref().map(|c| &*c.text),
            "count_params": sql.count.as_ref().map(params),
            "hops": hops,
            "notes": plan.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "forms": forms,
        }),
    )
}

/// `?resource=&q=&start=&limit=&sort=`.
#[derive(Debug, Deserialize)]
pub(super) struct RunParams {
    /// The resource.
    resource: String,
    /// The box.
    #[serde(default)]
    q: String,
    /// Overrides `start` (paging).
    start: Option<u64>,
    /// The page size, when the box has no `limit=` (the box wins).
    limit: Option<u64>,
    /// Overrides `sort`: `+field` or `-field` (a clicked column).
    sort: Option<String>,
}

/// `GET /api/run`: runs the box with the page's paging and sort, always with the total
/// (`replyWithCount=true`), through the same REST query string a client would send. Replies
/// `{rest, start, limit, reply}` with the start and limit in force, for the pager.
pub(super) async fn run(State(st): State<super::State>, Query(p): Query<RunParams>) -> Response {
    let schema = st.engine.schema();
    let r = match resource(schema, &p.resource) {
        Ok(r) => r,
        Err(e) => return error_response(&e, 0),
    };
    let (text, shift) = with_api(r, &p.q);
    let (rest, start, limit) = match rest_with_overrides(&st, &text, &p) {
        Ok(out) => out,
        Err(e) => return error_response(&e, shift),
    };
    let url = rest_url(r, &rest);
    let sql = match st.engine.compile(Some(r.name), &rest, st.dialect) {
        Ok(sql) => sql,
        // Only an override can fail here (the box compiled above): no span into the box.
        Err(e) => {
            let mut plain = Error::new(e.kind().clone(), rest.as_str());
            if let Some(h) = e.hint() {
                plain = plain.with_hint(h);
            }
            return error_response(&plain, 0);
        }
    };
    let reply = st.backend.run(sql).await;
    match reply {
        Ok(reply) => json_response(
            StatusCode::OK,
            &json!({ "rest": url, "start": start, "limit": limit, "reply": reply }),
        ),
        Err(e) => error_response(&e, 0),
    }
}

/// The box checked as written (so errors point into it), then re-printed as a REST query string
/// with the page's overrides; with the start and limit in force.
fn rest_with_overrides(st: &super::State, text: &str, p: &RunParams) -> Result<(String, u64, u64)> {
    let plan = st.engine.plan(None, text)?;
    let mut q = st.engine.parse(text)?;
    if let Some(start) = p.start {
        q.start = Some(ast::Spanned::new(start, Span::default()));
    }
    if let (None, Some(limit)) = (&q.limit, p.limit) {
        q.limit = Some(ast::Spanned::new(limit, Span::default()));
    }
    let start = q.start.as_ref().map_or(0, |s| s.node);
    let limit = q.limit.as_ref().map_or(plan.limit, |l| l.node);
    if let Some(sort) = p.sort.as_deref().filter(|s| !s.is_empty()) {
        let (descending, field) = match sort.as_bytes()[0] {
            b'-' => (true, &sort[1..]),
            b'+' | b' ' => (false, &sort[1..]),
            _ => (false, sort),
        };
        q.sort = vec![ast::SortKey {
            path: path_of(field),
            descending,
        }];
    }
    if q.count.as_ref().is_none_or(|c| !c.node) {
        q.reply_with_count = Some(ast::Spanned::new(true, Span::default()));
    }
    Ok((q.to_string(), start, limit))
}

/// An AST path from dotted text (for the sort override).
fn path_of(dotted: &str) -> ast::Path<'_> {
    ast::Path {
        segments: dotted
            .split('.')
            .map(|s| ast::Spanned::new(s.into(), Span::default()))
            .collect(),
        span: Span::default(),
    }
}

/// The resource named by the page (API name, REST path or name), if it has an API and a path.
fn resource<'s>(schema: &'s Schema, name: &str) -> Result<&'s Resource> {
    schema
        .lookup(name)
        .map(|id| schema.resource(id))
        .filter(|r| r.api.is_some() && r.rest_path.is_some())
        .ok_or_else(|| {
            Error::new(ErrorKind::ResourceUnknown { name: name.into() }, name)
                .with_span(Span::new(0, name.len()))
        })
}

/// `QueryVmInstance <box>` and the length of what was put in front.
fn with_api(r: &Resource, words: &str) -> (String, usize) {
    let api = r.api.unwrap_or(r.name);
    (format!("{api} {words}"), api.len() + 1)
}

/// `/zstack/v1/<rest-path>?<query string>`.
fn rest_url(r: &Resource, query: &str) -> String {
    let path = r.rest_path.unwrap_or(r.name);
    if query.is_empty() {
        format!("/zstack/v1/{path}")
    } else {
        format!("/zstack/v1/{path}?{query}")
    }
}

/// The query as a REST URL, a zstack-cli line, a curl command and SDK JSON.
fn forms(r: &Resource, q: &ast::Query<'_>, headers: &HeaderMap) -> Value {
    let rest = rest_url(r, &q.to_string());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let url = format!("http://{host}{rest}");
    json!({
        "rest": rest,
        "url": url,
        "cli": cli_line(r, q),
        "curl": format!("curl -s {}", shell_quote(&url)),
        "sdk": serde_json::to_string_pretty(&sdk_json(r, q)).unwrap_or_default(),
    })
}

/// Single-quoted for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A zstack-cli line (grammar rule `cli-line`): values with blanks or quotes are double-quoted.
fn cli_line(r: &Resource, q: &ast::Query<'_>) -> String {
    let mut line = r.api.unwrap_or(r.name).to_owned();
    for c in &q.conditions {
        let _ = write!(line, " {}{}", c.path.dotted(), c.op.node.rest_text());
        if let Some(v) = &c.value {
            line.push_str(&cli_value(&v.node));
        }
    }
    let list = |paths: &[ast::Path<'_>]| {
        paths
            .iter()
            .map(ast::Path::dotted)
            .collect::<Vec<_>>()
            .join(",")
    };
    if let Some(l) = &q.limit {
        let _ = write!(line, " limit={}", l.node);
    }
    if let Some(s) = &q.start {
        let _ = write!(line, " start={}", s.node);
    }
    if let Some(c) = &q.count {
        let _ = write!(line, " count={}", c.node);
    }
    if let Some(c) = &q.reply_with_count {
        let _ = write!(line, " replyWithCount={}", c.node);
    }
    match q.sort.as_slice() {
        [] => {}
        [k] => {
            let dir = if k.descending { "desc" } else { "asc" };
            let _ = write!(line, " sortBy={} sortDirection={dir}", k.path.dotted());
        }
        keys => {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}{}",
                        if k.descending { "-" } else { "+" },
                        k.path.dotted()
                    )
                })
                .collect();
            let _ = write!(line, " sort={}", keys.join(","));
        }
    }
    if !q.fields.is_empty() {
        let _ = write!(line, " fields={}", list(&q.fields));
    }
    if !q.group_by.is_empty() {
        let _ = write!(line, " groupBy={}", list(&q.group_by));
    }
    line
}

/// A CLI value, double-quoted (with `\"` and `\\`) when it is empty or has blanks or quotes.
fn cli_value(v: &str) -> String {
    if !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        return v.to_owned();
    }
    format!("\"{}\"", v.replace('\\', r"\\").replace('"', "\\\""))
}

/// The SDK JSON message (grammar rule `json-message`). It has one sort key (`sortBy`), as the
/// SDK's `QueryAction` does: further keys are dropped.
fn sdk_json(r: &Resource, q: &ast::Query<'_>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("api".into(), r.api.unwrap_or(r.name).into());
    let conditions: Vec<Value> = q
        .conditions
        .iter()
        .map(|c| {
            let mut o = json!({"name": c.path.dotted(), "op": c.op.node.sdk_text()});
            if let (Some(v), false) = (&c.value, c.op.node.is_null_test()) {
                o["value"] = Value::String(v.node.to_string());
            }
            o
        })
        .collect();
    m.insert("conditions".into(), conditions.into());
    if let Some(l) = &q.limit {
        m.insert("limit".into(), l.node.into());
    }
    if let Some(s) = &q.start {
        m.insert("start".into(), s.node.into());
    }
    if let Some(c) = &q.count {
        m.insert("count".into(), c.node.into());
    }
    if let Some(c) = &q.reply_with_count {
        m.insert("replyWithCount".into(), c.node.into());
    }
    if let Some(k) = q.sort.first() {
        m.insert("sortBy".into(), k.path.dotted().into());
        let dir = if k.descending { "desc" } else { "asc" };
        m.insert("sortDirection".into(), dir.into());
    }
    for (name, list) in [("fields", &q.fields), ("groupBy", &q.group_by)] {
        if !list.is_empty() {
            let v: Vec<Value> = list.iter().map(|p| p.dotted().into()).collect();
            m.insert(name.into(), v.into());
        }
    }
    Value::Object(m)
}

/// The resolved filter, one line per predicate and hop, indented by depth (as `explain`).
fn scope_lines(schema: &Schema, scope: &Scope, depth: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    for p in &scope.predicates {
        match p {
            Predicate::Field { column, test, .. } => {
                out.push(format!("{pad}{} {}", column.field, test_text(test)));
            }
            Predicate::Tag {
                table,
                negated,
                test,
                ..
            } => {
                let has = if *negated { "has no tag" } else { "has a tag" };
                let t = test
                    .as_ref()
                    .map_or(String::new(), |t| format!(" {}", test_text(t)));
                out.push(format!("{pad}{has} in {}{t}", table.table()));
            }
        }
    }
    for (hop, child) in &scope.children {
        out.push(format!(
            "{pad}hop `{}` ({}) → {} ({} = {})",
            hop.name,
            match hop.cardinality {
                crate::schema::Cardinality::One => "to-one",
                crate::schema::Cardinality::Many => "to-many",
            },
            schema.resource(child.resource).inventory,
            hop.local.1,
            hop.remote.1
        ));
        scope_lines(schema, child, depth + 1, out);
    }
}

/// A test in words: `= vm1`, `in [a, b]`, `like web%`, `is null`.
fn test_text(t: &Test) -> String {
    let p = |p: &crate::plan::Param| p.to_json().to_string();
    match t {
        Test::Compare(cmp, v) => {
            let op = match cmp {
                crate::plan::Cmp::Eq => Op::Eq,
                crate::plan::Cmp::Ne => Op::Ne,
                crate::plan::Cmp::Gt => Op::Gt,
                crate::plan::Cmp::Lt => Op::Lt,
                crate::plan::Cmp::Ge => Op::Ge,
                crate::plan::Cmp::Le => Op::Le,
            };
            format!("{op} {}", p(v))
        }
        Test::In { negated, values } => {
            let items: Vec<String> = values.iter().map(p).collect();
            let not = if *negated { "not " } else { "" };
            format!("{not}in [{}]", items.join(", "))
        }
        Test::Like { negated, pattern } => {
            let not = if *negated { "not " } else { "" };
            format!("{not}like {}", Value::String(pattern.to_string()))
        }
        Test::Null { negated: false } => "is null".into(),
        Test::Null { negated: true } => "is not null".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(words: &str, f: impl FnOnce(&Resource, &ast::Query<'_>)) {
        let engine = crate::Engine::zstack().expect("embedded schema loads");
        let schema = engine.schema();
        let r = resource(schema, "vm-instances").expect("vm-instances");
        let (text, _) = with_api(r, words);
        let q = engine.parse(&text).expect("parses");
        f(r, &q);
    }

    #[test]
    fn forms_print_the_same_query() {
        with(
            r#"name~=web% description="a b" vmNics.ip=10.0.0.5 hostUuid=null limit=20 sortBy=createDate sortDirection=desc fields=uuid,name"#,
            |r, q| {
                assert_eq!(
                    rest_url(r, &q.to_string()),
                    "/zstack/v1/vm-instances?q=name~=web%25&q=description=a%20b&q=vmNics.ip=10.0.0.5&q=hostUuid=null&limit=20&sort=-createDate&fields=uuid,name"
                );
                assert_eq!(
                    cli_line(r, q),
                    r#"QueryVmInstance name~=web% description="a b" vmNics.ip=10.0.0.5 hostUuid=null limit=20 sortBy=createDate sortDirection=desc fields=uuid,name"#
                );
                assert_eq!(
                    sdk_json(r, q),
                    json!({"api": "QueryVmInstance", "conditions": [
                        {"name": "name", "op": "like", "value": "web%"},
                        {"name": "description", "op": "=", "value": "a b"},
                        {"name": "vmNics.ip", "op": "=", "value": "10.0.0.5"},
                        {"name": "hostUuid", "op": "is null"}],
                        "limit": 20, "sortBy": "createDate", "sortDirection": "desc",
                        "fields": ["uuid", "name"]})
                );
            },
        );
    }

    #[test]
    fn every_form_parses_back_to_the_same_query() {
        let engine = crate::Engine::zstack().expect("embedded schema loads");
        with(
            r#"name~=web% description="say \"hi\"" state?=Running,Stopped sort=-createDate,+name limit=3"#,
            |r, q| {
                let rest = q.to_string();
                let cli = cli_line(r, q);
                let sdk = sdk_json(r, q).to_string();
                let canon = |t: &str| engine.parse(t).expect("parses back").to_string();
                assert_eq!(canon(&cli), rest);
                assert_eq!(canon(&format!("vm-instances?{rest}")), rest);
                // SDK JSON carries one sort key.
                assert_eq!(
                    canon(&sdk),
                    rest.replace("sort=-createDate,%2Bname", "sort=-createDate")
                );
            },
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
