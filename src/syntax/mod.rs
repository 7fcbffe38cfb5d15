//! `syntax`: input text → [`ast::Query`](crate::ast::Query). Knows no schema.
//!
//! Implements `grammar/query.ebnf`, whose rule names the code cites (`/// grammar: condition`):
//!
//! - [`parse`] picks the form (rule `request`): a text starting with `{` is SDK JSON, one starting with a word
//!   `Query…` followed by a blank or the end is a zstack-cli line, anything else is REST.
//! - [`parse_rest`]: `rest-request`, `rest-prefix`, `query-string`, `pair`, `rest-param`, `query-text`
//!   (percent-decoding, `+` is a space).
//! - [`parse_cli`]: `cli-line`, `cli-word` (double and single quotes), `cli-param`.
//! - [`parse_json`]: `json-message`, `json-query`, `json-condition`, `json-op`, `json-value`.
//! - Shared by all three: `condition`, `path`, `ident`, `operator`, `null-test`, and the parameter values
//!   `uint`, `bool`, `sort-list`, `path-list`, `direction`.
//!
//! A condition is `path operator value`: the operator is the first operator token after a valid path, longest
//! match, and the value is the rest, verbatim (design.md "Semantics"). `=null` / `!=null` and the textual
//! `is null` / `not null` are the null tests.
//!
//! Every node keeps the byte [`Span`](crate::error::Span) of its text in the input as sent (before
//! percent-decoding, unquoting or JSON unescaping). Names and values borrow from the input whenever decoding
//! did not change them. The limits `max_input_length` (checked first), `max_conditions` and
//! `max_value_length` are enforced here; the others belong to `resolve`. No input makes these functions panic.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod cli;
mod condition;
mod decode;
mod json;
mod params;
mod rest;

pub(crate) use condition::is_ident;
pub(crate) use rest::{Piece, scan as scan_rest};

use crate::ast::{Condition, Form, Query};
use crate::error::{Error, ErrorKind, Limit};
use crate::limits::Limits;

/// Parses a query in whichever form it is written (grammar rule `request`; see [`detect`]).
///
/// # Errors
///
/// Any syntax or parameter error of the detected form, with its span in `input`, or
/// [`ErrorKind::LimitExceeded`] when a limit is hit.
pub fn parse<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    check_length(input, limits)?;
    match detect(input) {
        Form::Rest => rest::parse(input, limits),
        Form::Cli => cli::parse(input, limits),
        Form::Json => json::parse(input, limits),
    }
}

/// Which form `input` is written in: text starting (after blanks) with `{` is [`Form::Json`]; with a word that
/// begins with `Query` and is followed by a blank or the end, [`Form::Cli`]; anything else [`Form::Rest`]
/// (so `QueryVmInstance?q=name=vm1` is REST).
pub fn detect(input: &str) -> Form {
    let text = input.trim_start();
    if text.starts_with('{') {
        return Form::Json;
    }
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let word = text.get(..end).unwrap_or("");
    let next = text.get(end..).and_then(|r| r.chars().next());
    if word.starts_with("Query") && next.is_none_or(char::is_whitespace) {
        Form::Cli
    } else {
        Form::Rest
    }
}

/// Parses the REST form (grammar rule `rest-request`): an optional resource prefix (`GET zstack/v1/vm-instances?`,
/// `vm-instances?`, `QueryVmInstance?`) and a percent-encoded query string of `q`, `limit`, `start`, `count`,
/// `replyWithCount`, `sort`, `fields` and `groupBy`.
///
/// `+` decodes to a space, as in `application/x-www-form-urlencoded`. So an unencoded `sort=+name` arrives as
/// `sort= name`: sort keys are trimmed and a key without a sign is ascending, so it still means ascending.
/// `fields` and `groupBy` may be repeated and append (ZStack keeps only the first).
///
/// # Errors
///
/// [`ErrorKind::SyntaxPercentEncoding`], the condition errors ([`ErrorKind::SyntaxInvalidPath`],
/// [`ErrorKind::SyntaxNoOperator`]), [`ErrorKind::ParameterUnknown`] (with a hint when a known name is close),
/// [`ErrorKind::ParameterDuplicate`] (span on the second, aux on the first), [`ErrorKind::ParameterInvalid`],
/// and [`ErrorKind::LimitExceeded`].
pub fn parse_rest<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    rest::parse(input, limits)
}

/// Parses a zstack-cli line (grammar rule `cli-line`): `QueryVmInstance name=vm1 limit=10 sortBy=createDate
/// sortDirection=desc`. The first word is the API name; a word may be quoted (`name="my vm"`, `'a b'`;
/// inside double quotes `\"` and `\\` escape). Words whose key is `limit`, `start`, `count`, `replyWithCount`,
/// `sortBy`, `sortDirection`, `sort`, `fields` or `groupBy` with operator `=` are parameters; all other words
/// are conditions.
///
/// # Errors
///
/// [`ErrorKind::SyntaxCli`] when there is no API name or a quote is not closed, and the errors of conditions
/// and parameters as in [`parse_rest`]; `sortDirection` without `sortBy` is [`ErrorKind::ParameterInvalid`].
pub fn parse_cli<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    cli::parse(input, limits)
}

/// Parses an SDK JSON message (grammar rule `json-message`): `{"conditions":[{"name":"name","op":"=",
/// "value":"vm1"}],"limit":10,...}`, bare or wrapped as `{"QueryVmInstance":{...}}` or
/// `{"org.zstack.header.vm.APIQueryVmInstanceMsg":{...}}`, optionally naming the resource with `"api"`.
/// `session`, `timeout`, `systemTags` and `userTags` are ignored.
///
/// # Errors
///
/// [`ErrorKind::SyntaxJson`] on malformed JSON or a wrong shape, [`ErrorKind::SyntaxNoOperator`] on an unknown
/// `op`, [`ErrorKind::ParameterUnknown`] on an unknown key, and the parameter and limit errors as in
/// [`parse_rest`]. Spans point into the JSON text.
pub fn parse_json<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    json::parse(input, limits)
}

/// Splits one condition that is already decoded (the value of one `q=`, an unquoted CLI word) into path,
/// operator and value (grammar rule `condition`). Spans index `text`.
///
/// # Errors
///
/// [`ErrorKind::SyntaxInvalidPath`], [`ErrorKind::SyntaxNoOperator`], or [`ErrorKind::LimitExceeded`] for the
/// input and value lengths.
pub fn split_condition<'a>(text: &'a str, limits: &Limits) -> Result<Condition<'a>, Error> {
    check_length(text, limits)?;
    condition::condition(decode::Text::verbatim(text, 0, text.len()), limits)
}

/// Refuses input longer than `limits.max_input_length` before any other work. The error keeps only that
/// many bytes of the input, so an oversized request is not copied whole.
fn check_length(input: &str, limits: &Limits) -> Result<(), Error> {
    let max = limits.max_input_length;
    if input.len() <= max {
        return Ok(());
    }
    let mut cut = max;
    while !input.is_char_boundary(cut) {
        cut -= 1;
    }
    Err(Error::new(
        ErrorKind::LimitExceeded {
            limit: Limit::InputLength,
            max,
        },
        input.get(..cut).unwrap_or(""),
    ))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::*;
    use crate::ast::{Op, Path, SortKey, Spanned};
    use crate::error::Span;

    /// Zero spans in a path, owning its names.
    fn strip_path(p: &Path<'_>) -> Path<'static> {
        Path {
            segments: p
                .segments
                .iter()
                .map(|s| Spanned::new(Cow::Owned(s.node.to_string()), Span::default()))
                .collect(),
            span: Span::default(),
        }
    }

    /// The query with every span zeroed, form and resource dropped: what must agree across forms.
    fn strip(q: &Query<'_>) -> Query<'static> {
        let zero =
            |o: &Option<Spanned<u64>>| o.as_ref().map(|s| Spanned::new(s.node, Span::default()));
        let zero_b =
            |o: &Option<Spanned<bool>>| o.as_ref().map(|s| Spanned::new(s.node, Span::default()));
        Query {
            form: Form::Rest,
            resource: None,
            conditions: q
                .conditions
                .iter()
                .map(|c| Condition {
                    path: strip_path(&c.path),
                    op: Spanned::new(c.op.node, Span::default()),
                    value: c
                        .value
                        .as_ref()
                        .map(|v| Spanned::new(Cow::Owned(v.node.to_string()), Span::default())),
                    span: Span::default(),
                })
                .collect(),
            limit: zero(&q.limit),
            start: zero(&q.start),
            count: zero_b(&q.count),
            reply_with_count: zero_b(&q.reply_with_count),
            sort: q
                .sort
                .iter()
                .map(|k| SortKey {
                    path: strip_path(&k.path),
                    descending: k.descending,
                })
                .collect(),
            fields: q.fields.iter().map(strip_path).collect(),
            group_by: q.group_by.iter().map(strip_path).collect(),
        }
    }

    fn ok(input: &str) -> Query<'_> {
        parse(input, &Limits::default()).unwrap_or_else(|e| panic!("{input}\n{e}"))
    }

    /// Asserts that all the inputs parse to one AST (modulo spans, form and resource).
    fn same(inputs: &[&str]) {
        let first = strip(&ok(inputs[0]));
        for input in &inputs[1..] {
            assert_eq!(
                strip(&ok(input)),
                first,
                "{input} differs from {}",
                inputs[0]
            );
        }
    }

    #[test]
    fn forms_are_detected() {
        assert_eq!(detect("  {\"limit\":1}"), Form::Json);
        assert_eq!(detect("QueryVmInstance name=vm1"), Form::Cli);
        assert_eq!(detect("QueryVmInstance"), Form::Cli);
        assert_eq!(detect(" QueryVmInstance\tname=x"), Form::Cli);
        assert_eq!(detect("QueryVmInstance?q=name=vm1"), Form::Rest);
        assert_eq!(detect("Queryé x"), Form::Rest);
        assert_eq!(detect("q=name=vm1"), Form::Rest);
        assert_eq!(detect("GET zstack/v1/vm-instances"), Form::Rest);
        assert_eq!(detect(""), Form::Rest);
        assert_eq!(ok("QueryHost uuid=x").form, Form::Cli);
        assert_eq!(ok("{}").form, Form::Json);
        assert_eq!(ok("q=a=1").form, Form::Rest);
    }

    #[test]
    fn three_forms_give_one_ast() {
        same(&[
            "q=name=vm1&q=vmNics.ip=10.0.0.5&limit=10&sort=-createDate",
            "GET zstack/v1/vm-instances?q=name=vm1&q=vmNics.ip=10.0.0.5&limit=10&sort=-createDate",
            "QueryVmInstance name=vm1 vmNics.ip=10.0.0.5 limit=10 sortBy=createDate sortDirection=desc",
            "QueryVmInstance name=vm1 vmNics.ip=10.0.0.5 limit=10 sort=-createDate",
            r#"{"conditions":[{"name":"name","op":"=","value":"vm1"},
                {"name":"vmNics.ip","op":"=","value":"10.0.0.5"}],
                "limit":10,"sortBy":"createDate","sortDirection":"desc"}"#,
            r#"{"org.zstack.header.vm.APIQueryVmInstanceMsg":{"conditions":[
                {"name":"name","op":"=","value":"vm1"},{"name":"vmNics.ip","op":"=","value":"10.0.0.5"}],
                "limit":10,"sortBy":"createDate","sortDirection":"desc","session":{"uuid":"s"}}}"#,
        ]);
        same(&[
            "q=hostUuid=null&q=zoneUuid!=null&q=uuid?=a,b&q=name~=web%25&start=5&count=true&fields=uuid,name",
            "q=hostUuid+is+null&q=zoneUuid%20is%20not%20null&q=uuid?=a,b&q=name~=web%25&start=5&count=true\
             &fields=uuid&fields=name",
            "QueryVmInstance hostUuid=null zoneUuid!=null uuid?=a,b name~=web% start=5 count=true fields=uuid,name",
            r#"{"conditions":[{"name":"hostUuid","op":"is null"},{"name":"zoneUuid","op":"is not null"},
                {"name":"uuid","op":"in","value":["a","b"]},{"name":"name","op":"like","value":"web%"}],
                "start":5,"count":true,"fields":["uuid","name"]}"#,
        ]);
        same(&[
            "q=cpuNum>=2&replyWithCount=true&groupBy=hypervisorType&sort=%2Bname",
            "QueryHost cpuNum>=2 replyWithCount=true groupBy=hypervisorType sortBy=name sortDirection=asc",
            r#"{"QueryHost":{"conditions":[{"name":"cpuNum","op":">=","value":2}],"replyWithCount":true,
                "groupBy":["hypervisorType"],"sortBy":"name"}}"#,
        ]);
        same(&[
            "q=a=1&sort=+name,-uuid",
            "QueryHost a=1 sort=+name,-uuid",
            "QueryHost a=1 'sort=+name, -uuid'",
        ]);
    }

    /// Parses, prints the canonical REST form, parses that, and compares.
    fn round_trip(input: &str) {
        let first = ok(input);
        let printed = first.to_string();
        let second = parse_rest(&printed, &Limits::default())
            .unwrap_or_else(|e| panic!("{input}\nprinted as {printed}\n{e}"));
        assert_eq!(
            strip(&second),
            strip(&first),
            "{input}\nprinted as {printed}"
        );
    }

    #[test]
    fn printing_parses_back() {
        for input in [
            "q=name=vm1&q=vmNics.ip=10.0.0.5&limit=10&sort=-createDate",
            "q=description=a>=b&q=name=a%26b&q=x=100%25&q=y=1%2B1&q=z=a+b+c",
            "q=name=%E4%B8%AD%E6%96%87&q=t=%F0%9F%98%80&q=e=",
            "q=a=b=c&q=d==e&q=f!?=1,2&q=g!~=%25x_&q=h<=3&q=i<4&q=j>5",
            "q=hostUuid is null&q=zoneUuid not null&q=k!=null&q=l?=null",
            "q=m=%20lead%20and%20trail%20&q=n=%23hash%3Fq&q=__systemTag__=%7Ba%7D",
            "start=0&count=false&replyWithCount=true&fields=uuid,vmNics.ip&groupBy=a,b&sort=a,%2Bb,-c",
            "QueryVmInstance name=\"my vm\" description='50% & more' x=\"a\\\"b\" limit=3 sortBy=n",
            r#"{"conditions":[{"name":"name","op":"=","value":"tab\there&amp;=%+"},
                {"name":"uuid","op":"not in","value":["a b","c",1]}],"fields":"uuid"}"#,
        ] {
            round_trip(input);
        }
    }

    #[test]
    fn split_condition_spans_the_text() {
        let c = split_condition("vmNics.ip!=10.0.0.1", &Limits::default()).unwrap();
        assert_eq!((c.path.dotted(), c.op.node), ("vmNics.ip".into(), Op::Ne));
        assert_eq!(c.op.span, Span::new(9, 11));
        assert!(matches!(c.value.unwrap().node, Cow::Borrowed("10.0.0.1")));
    }

    #[test]
    fn input_length_is_checked_first() {
        let limits = Limits {
            max_input_length: 8,
            ..Limits::default()
        };
        for input in ["q=a=1&q=b=2", "QueryHost a=1", "{\"limit\": 10}", "ééééé"] {
            let e = parse(input, &limits).unwrap_err();
            assert_eq!(
                e.kind(),
                &ErrorKind::LimitExceeded {
                    limit: Limit::InputLength,
                    max: 8
                },
                "{input}"
            );
            assert!(e.input().len() <= 8);
        }
        assert!(parse("q=a=1", &limits).is_ok());
    }

    /// Every span of a parsed query lies in the input on character boundaries.
    fn check_spans(input: &str, q: &Query<'_>) {
        let mut spans = Vec::new();
        let path = |p: &Path<'_>, spans: &mut Vec<Span>| {
            spans.push(p.span);
            spans.extend(p.segments.iter().map(|s| s.span));
        };
        spans.extend(q.resource.as_ref().map(|r| r.span));
        for c in &q.conditions {
            spans.push(c.span);
            spans.push(c.op.span);
            spans.extend(c.value.as_ref().map(|v| v.span));
            path(&c.path, &mut spans);
        }
        spans.extend(q.limit.as_ref().map(|s| s.span));
        spans.extend(q.start.as_ref().map(|s| s.span));
        spans.extend(q.count.as_ref().map(|s| s.span));
        spans.extend(q.reply_with_count.as_ref().map(|s| s.span));
        for k in &q.sort {
            path(&k.path, &mut spans);
        }
        for p in q.fields.iter().chain(&q.group_by) {
            path(p, &mut spans);
        }
        for s in spans {
            assert!(
                s.start <= s.end && s.end <= input.len(),
                "{s:?} in {input:?}"
            );
            assert!(
                input.is_char_boundary(s.start) && input.is_char_boundary(s.end),
                "{s:?} in {input:?}"
            );
        }
    }

    fn check_error(input: &str, e: &Error) {
        if let Some(s) = e.span() {
            assert!(
                s.start <= s.end && s.end <= input.len(),
                "{s:?} in {input:?}: {e}"
            );
            assert!(
                input.is_char_boundary(s.start) && input.is_char_boundary(s.end),
                "{s:?} in {input:?}"
            );
        }
        let _ = e.to_string();
    }

    fn check_all(input: &str) {
        let limits = Limits::default();
        for result in [
            parse(input, &limits),
            parse_rest(input, &limits),
            parse_cli(input, &limits),
            parse_json(input, &limits),
        ] {
            match result {
                Ok(q) => check_spans(input, &q),
                Err(e) => check_error(input, &e),
            }
        }
        match split_condition(input, &limits) {
            Ok(c) => check_spans(
                input,
                &Query {
                    conditions: vec![c],
                    ..Query::empty(Form::Rest)
                },
            ),
            Err(e) => check_error(input, &e),
        }
    }

    /// Text made of the characters the grammars care about, so the generator reaches deep into them.
    fn grammar_soup() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "q",
            "=",
            "!",
            "?",
            "~",
            "<",
            ">",
            "&",
            "%",
            "%2",
            "%41",
            "%C3",
            "%A9",
            "+",
            " ",
            ".",
            ",",
            "-",
            "\"",
            "'",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ":",
            "name",
            "is",
            "not",
            "null",
            "limit",
            "sort",
            "fields",
            "é",
            "1",
            "Query",
            "conditions",
            "op",
            "value",
            "\\u00e9",
            "\\ud83d",
            "GET ",
            "/",
            "\n",
        ]);
        prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn prop_arbitrary_text_never_panics(s in "\\PC*") {
            check_all(&s);
        }

        #[test]
        fn prop_grammar_soup_never_panics(s in grammar_soup()) {
            check_all(&s);
            check_all(&format!("QueryVmInstance {s}"));
            check_all(&format!("q={s}"));
            check_all(&format!("{{\"conditions\":[{{\"name\":\"{s}\",\"op\":\"{s}\",\"value\":\"{s}\"}}]}}"));
        }

        #[test]
        fn prop_rest_conditions_round_trip(
            conds in prop::collection::vec(
                (
                    "[a-zA-Z_][a-zA-Z0-9_]{0,6}(\\.[a-zA-Z_][a-zA-Z0-9_]{0,6}){0,2}",
                    prop::sample::select(vec!["=", "!=", ">", "<", ">=", "<=", "?=", "!?=", "~=", "!~="]),
                    ".{0,12}",
                ),
                1..5,
            )
        ) {
            let mut text = String::new();
            // `a>` with a value starting with `=` has no REST spelling (decoding comes before the
            // operator split, ast.rs Display), so the generator leaves it out.
            prop_assume!(!conds.iter().any(|(_, op, v)| matches!(*op, ">" | "<") && v.starts_with('=')));
            for (path, op, value) in &conds {
                let mut enc = String::new();
                for b in value.bytes() {
                    enc.push_str(&format!("%{b:02X}"));
                }
                text.push_str(&format!("q={path}{op}{enc}&"));
            }
            let q = parse_rest(&text, &Limits::default()).unwrap();
            prop_assert_eq!(q.conditions.len(), conds.len());
            for (c, (path, op, value)) in q.conditions.iter().zip(&conds) {
                prop_assert_eq!(&c.path.dotted(), path);
                let null = value == "null" && (*op == "=" || *op == "!=");
                if null {
                    prop_assert!(c.op.node.is_null_test());
                } else {
                    prop_assert_eq!(c.op.node.token(), *op);
                    prop_assert_eq!(c.value.as_ref().map(|v| v.node.as_ref()), Some(value.as_str()));
                }
            }
            check_spans(&text, &q);
            let printed = q.to_string();
            let again = parse_rest(&printed, &Limits::default()).unwrap();
            prop_assert_eq!(strip(&again), strip(&q));
        }
    }
}
