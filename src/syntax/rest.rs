//! The REST form (grammar rules `rest-request`, `rest-prefix`, `resource`, `query-string`, `pair`,
//! `rest-param`): `GET zstack/v1/vm-instances?q=name=vm1&limit=10`.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_till, take_while};
use nom::character::complete::{char, digit1, multispace1};
use nom::combinator::opt;
use nom::{IResult, Parser};
use std::borrow::Cow;

use super::condition::{self, is_space};
use super::decode::{Text, decode_escaped, percent_decode};
use super::params::{self, Once, Param, Seen};
use crate::ast::{Form, Query, Spanned};
use crate::error::{Error, ErrorKind, Limit, Span};
use crate::limits::Limits;

/// nom's result with the unit error (see `condition::Res`).
type Res<'a, O> = IResult<&'a str, O, ()>;

/// The parameters of the REST form (grammar rule `rest-param`), for "did you mean" hints.
const KNOWN: [&str; 8] = [
    "q",
    "limit",
    "start",
    "count",
    "replyWithCount",
    "sort",
    "fields",
    "groupBy",
];

/// grammar: `rest-request` = `ws* (rest-prefix "?")? query-string ws*`, or a bare `rest-prefix`.
///
/// Surrounding blanks are trimmed: a URL cannot hold a raw blank, so one there is never part of a value.
pub(crate) fn parse<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    super::check_length(input, limits)?;
    let start = condition::leading_space(input);
    let end = condition::without_trailing_space(input).max(start);
    let mut query = Query::empty(Form::Rest);
    let (resource, qs) = split_prefix(input, start, end);
    query.resource = resource.map(|(name, span)| Spanned::new(Cow::Borrowed(name), span));
    if let Some(qs) = qs {
        pairs(input, qs, end, limits, &mut query)?;
    }
    Ok(query)
}

/// Finds the `rest-prefix` of `start..end`: the resource it names (with its span), and where the query
/// string starts (`None` when there is none).
///
/// Text before the first `?` is a prefix when it holds no `=` or `&` (so `q=name?=a` is all query string).
/// Without such a `?`, a text with no `=` or `&` at all is a prefix alone (`vm-instances`).
fn split_prefix(input: &str, start: usize, end: usize) -> (Option<(&str, Span)>, Option<usize>) {
    let s = input.get(start..end).unwrap_or("");
    // One scan to the first `?`, `=` or `&` decides: a `?` first ends a prefix; an `=` or `&` first
    // means there is none (the text before any `?` would hold it); none of them, all is prefix.
    let (head_len, qs) = match s.bytes().position(|b| matches!(b, b'?' | b'=' | b'&')) {
        Some(i) if s.as_bytes().get(i) == Some(&b'?') => (i, Some(start + i + 1)),
        Some(_) => return (None, Some(start)),
        None => (s.len(), None),
    };
    let head = s.get(..head_len).unwrap_or("");
    // Every part of `rest-prefix` holds a `/` or a blank: without them it is empty.
    let plain = !head.bytes().any(|b| b == b'/' || b.is_ascii_whitespace());
    let rest = if plain {
        head
    } else {
        match rest_prefix(head) {
            Ok((rest, ())) => rest,
            Err(_) => head,
        }
    };
    let name = rest.trim_end_matches('/');
    if name.is_empty() {
        return (None, qs);
    }
    let from = start + head_len - rest.len();
    (Some((name, Span::new(from, from + name.len()))), qs)
}

/// grammar: the part of `rest-prefix` before `resource`: `("GET" ws+)? (("http" | "https") "://" host)? "/"*
/// ("zstack/")? ("v" digit+ "/")?`.
fn rest_prefix(i: &str) -> Res<'_, ()> {
    let (i, _) = opt((tag_no_case("GET"), multispace1)).parse(i)?;
    let (i, _) = opt((
        alt((tag_no_case("http://"), tag_no_case("https://"))),
        take_till(|c| c == '/'),
    ))
    .parse(i)?;
    let (i, _) = take_while(|c| c == '/').parse(i)?;
    let (i, _) = opt(tag("zstack/")).parse(i)?;
    let (i, _) = opt((char('v'), digit1, char('/'))).parse(i)?;
    Ok((i, ()))
}

/// grammar: `query-string` = `pair ("&" pair)*`; empty pairs are skipped.
fn pairs<'a>(
    input: &'a str,
    start: usize,
    end: usize,
    limits: &Limits,
    query: &mut Query<'a>,
) -> Result<(), Error> {
    let mut seen = Seen::default();
    let qs = input.get(start..end).unwrap_or("");
    split_pairs(qs.as_bytes(), |p| {
        one_pair(input, p.offset_by(start), limits, &mut seen, query)
    })
}

/// One non-empty `pair` of a query string (grammar: `pair` = `key ("=" value)?`, split on the
/// first raw `=`; `&` is never part of either): byte offsets of its key and value (the value
/// empty at the key's end when there is no `=`), and whether each holds a `%` or a `+` and so
/// needs percent-decoding.
#[derive(Clone, Copy, Debug)]
struct RawPair {
    key: (usize, usize),
    value: (usize, usize),
    key_escaped: bool,
    value_escaped: bool,
}

impl RawPair {
    /// The same pair with its offsets moved by `base`.
    fn offset_by(self, base: usize) -> RawPair {
        RawPair {
            key: (self.key.0 + base, self.key.1 + base),
            value: (self.value.0 + base, self.value.1 + base),
            ..self
        }
    }
}

/// The non-empty pairs of a query string, in order, in one pass over its bytes.
fn split_pairs<E>(bytes: &[u8], mut pair: impl FnMut(RawPair) -> Result<(), E>) -> Result<(), E> {
    // Byte classes: 1 needs decoding (`%`, `+`), 2 ends a value (`&`), 4 ends a key (`&`, `=`).
    // Indexed by a `u8`, so every index is in bounds (and the table is built at compile time).
    #[allow(clippy::indexing_slicing)]
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        t[b'%' as usize] = 1;
        t[b'+' as usize] = 1;
        t[b'&' as usize] = 2 | 4;
        t[b'=' as usize] = 4;
        t
    };
    // Advances `i` to the first byte of class `stop` (or the end); true if a byte of class 1
    // was passed.
    let run = |i: &mut usize, stop: u8| {
        let mut seen = 0;
        while let Some(&b) = bytes.get(*i) {
            #[allow(clippy::indexing_slicing)] // a u8 indexes a 256-entry table
            let c = CLASS[b as usize];
            if c & stop != 0 {
                break;
            }
            seen |= c;
            *i += 1;
        }
        seen & 1 != 0
    };
    let mut i = 0;
    loop {
        let ks = i;
        let key_escaped = run(&mut i, 4);
        let ke = i;
        let (vs, ve, value_escaped, has_value) = if bytes.get(i) == Some(&b'=') {
            i += 1;
            let vs = i;
            let escaped = run(&mut i, 2);
            (vs, i, escaped, true)
        } else {
            (ke, ke, false, false)
        };
        if ke > ks || has_value {
            pair(RawPair {
                key: (ks, ke),
                value: (vs, ve),
                key_escaped,
                value_escaped,
            })?;
        }
        if bytes.get(i) == Some(&b'&') {
            i += 1;
        } else {
            return Ok(());
        }
    }
}

/// One piece of a REST query, as [`scan`] reports it: together, the pieces determine the parsed
/// [`Query`] except for the condition values, `limit` and `start`, which they carry apart.
#[derive(Debug)]
pub(crate) enum Piece<'t, 'a> {
    /// The resource named by the prefix.
    Resource(&'t str),
    /// A `q=` condition: its decoded text, and where its pieces lie in it.
    Condition {
        /// The decoded text: up to `parts.op_end` it determines the path and operator; the value,
        /// when `parts.has_value`, is the rest.
        text: Cow<'a, str>,
        /// Where the path, operator and value lie.
        parts: condition::Parts,
    },
    /// `limit`.
    Limit(u64),
    /// `start`.
    Start(u64),
    /// Any other pair: its decoded key and value.
    Other {
        /// The key.
        key: &'t str,
        /// The value (empty when there is no `=`).
        value: &'t str,
    },
}

/// Reads a REST query as [`parse`] does, without building the [`Query`]: hands each piece to `piece`, in
/// order. `None` when the text is not in the REST form or [`parse`] would reject what was read (it then
/// reports the error); a text `scan` accepts may still be rejected by [`parse`] for its other pairs.
/// This is the statement-shape cache's reading of a query (no allocation unless a piece is
/// percent-encoded).
pub(crate) fn scan<'a>(
    input: &'a str,
    limits: &Limits,
    mut piece: impl FnMut(Piece<'_, 'a>),
) -> Option<()> {
    if input.len() > limits.max_input_length || super::detect(input) != Form::Rest {
        return None;
    }
    let start = condition::leading_space(input);
    let end = condition::without_trailing_space(input).max(start);
    let (resource, qs) = split_prefix(input, start, end);
    if let Some((name, _)) = resource {
        piece(Piece::Resource(name));
    }
    let Some(qs) = qs else {
        return Some(());
    };
    let text = input.get(qs..end).unwrap_or("");
    let decode = |(from, to): (usize, usize), escaped: bool| -> Option<Cow<'a, str>> {
        let raw = text.get(from..to)?;
        if escaped {
            decode_escaped(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    };
    split_pairs(text.as_bytes(), |p| {
        let key = decode(p.key, p.key_escaped).ok_or(())?;
        let value = Text::unmapped(
            input,
            decode(p.value, p.value_escaped).ok_or(())?,
            qs + p.value.0,
        );
        let uint = || {
            let v = value.as_str().trim_matches(is_space);
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            v.parse::<u64>().ok()
        };
        match key.as_ref() {
            "q" => {
                let parts = condition::parts(&value, limits, |_, _| {}).map_err(drop)?;
                piece(Piece::Condition {
                    text: value.into_cow(),
                    parts,
                });
            }
            "limit" => piece(Piece::Limit(uint().ok_or(())?)),
            "start" => piece(Piece::Start(uint().ok_or(())?)),
            other => piece(Piece::Other {
                key: other,
                value: value.as_str(),
            }),
        }
        Ok::<(), ()>(())
    })
    .ok()
}

/// grammar: `rest-param`, one `key=value` pair at raw offsets `key` and `value`.
fn one_pair<'a>(
    input: &'a str,
    pair: RawPair,
    limits: &Limits,
    seen: &mut Seen,
    query: &mut Query<'a>,
) -> Result<(), Error> {
    let ((ks, ke), (_, ve)) = (pair.key, pair.value);
    // Only a piece holding a `%` or a `+` is decoded; the others borrow as they are.
    let decode = |(s, e): (usize, usize), escaped: bool| {
        if escaped {
            percent_decode(input, s, e)
        } else {
            Ok(Text::verbatim(input, s, e))
        }
    };
    let key_text = decode(pair.key, pair.key_escaped)?;
    let key_span = Span::new(ks, ke);
    let (name, which) = match key_text.as_str() {
        "q" => {
            if query.conditions.len() >= limits.max_conditions {
                return Err(Error::new(
                    ErrorKind::LimitExceeded {
                        limit: Limit::Conditions,
                        max: limits.max_conditions,
                    },
                    input,
                )
                .with_span(Span::new(ks, ve)));
            }
            let t = decode(pair.value, pair.value_escaped)?;
            query.conditions.push(condition::condition(t, limits)?);
            return Ok(());
        }
        "fields" | "groupBy" => {
            let t = decode(pair.value, pair.value_escaped)?;
            let (name, out) = match key_text.as_str() {
                "fields" => ("fields", &mut query.fields),
                _ => ("groupBy", &mut query.group_by),
            };
            return value(&t, name, key_span).path_list(out);
        }
        "limit" => ("limit", Once::Limit),
        "start" => ("start", Once::Start),
        "count" => ("count", Once::Count),
        "replyWithCount" => ("replyWithCount", Once::ReplyWithCount),
        "sort" => ("sort", Once::Sort),
        other => return Err(unknown(input, other, key_span, (ks, ve))),
    };
    seen.once(which, name, key_span, input)?;
    let t = decode(pair.value, pair.value_escaped)?;
    let p = value(&t, name, key_span);
    match which {
        Once::Limit => query.limit = Some(p.uint()?),
        Once::Start => query.start = Some(p.uint()?),
        Once::Count => query.count = Some(p.boolean()?),
        Once::ReplyWithCount => query.reply_with_count = Some(p.boolean()?),
        _ => p.sort_list(&mut query.sort)?,
    }
    Ok(())
}

/// The whole of a decoded value as a parameter.
fn value<'t, 'a>(t: &'t Text<'a>, name: &'static str, key: Span) -> Param<'t, 'a> {
    Param {
        text: t,
        start: 0,
        end: t.len(),
        name,
        key,
    }
}

/// The error for an unknown key, with the most useful hint.
#[cold]
fn unknown(input: &str, name: &str, key: Span, (ps, pe): (usize, usize)) -> Error {
    let e = Error::new(
        ErrorKind::ParameterUnknown {
            name: name.to_owned(),
        },
        input,
    )
    .with_span(key);
    match name {
        "sortBy" | "sortDirection" => {
            return e.with_hint(
                "the REST form sorts with `sort=-field` (descending) or `sort=field` (ascending)",
            );
        }
        "condition" | "conditions" => {
            return e.with_hint("write each condition as its own `q=`, e.g. `q=name=vm1`");
        }
        "" => return e.with_hint("a parameter needs a name before `=`"),
        _ => {}
    }
    let e = params::unknown(input, name, key, &KNOWN);
    if e.hint().is_some() {
        return e;
    }
    let pair = input.get(ps..pe).unwrap_or("");
    let t = Text::verbatim(input, ps, pe);
    if pair.len() <= 100 && condition::condition(t, &Limits::default()).is_ok() {
        e.with_hint(format!("to filter, write the condition as `q={pair}`"))
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Op;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    /// The prefix rule as the grammar states it: a `?` ends a prefix when the text before it holds
    /// no `=` or `&`; without such a `?`, a text with neither is all prefix.
    fn head_by_the_rule(s: &str) -> (Option<usize>, Option<usize>) {
        let is_head = |h: &str| !h.bytes().any(|b| b == b'=' || b == b'&');
        match s.find('?') {
            Some(i) if is_head(&s[..i]) => (Some(i), Some(i + 1)),
            _ if is_head(s) => (Some(s.len()), None),
            _ => (None, Some(0)),
        }
    }

    #[test]
    fn the_one_scan_prefix_split_follows_the_rule() {
        for s in [
            "",
            "vm-instances",
            "vm-instances?",
            "vm-instances?q=a",
            "q=a",
            "q=name?=a,b",
            "a&b",
            "a?b?c",
            "?",
            "?q=a",
            "=?",
            "&?x",
            "vm?q=a?=b",
            "GET /zstack/v1/hosts?limit=1",
            "hosts/",
            "x=y?z",
            "abc&",
            "v?&",
        ] {
            let (head, qs) = split_prefix(s, 0, s.len());
            let (want_head, want_qs) = head_by_the_rule(s);
            assert_eq!(qs, want_qs, "{s:?}");
            if want_head.is_none() {
                assert!(head.is_none(), "{s:?}");
            }
            if let (Some((name, span)), Some(h)) = (head, want_head) {
                assert!(
                    span.end <= h && s[..h].ends_with(name)
                        || s[..h].trim_end_matches('/').ends_with(name),
                    "{s:?}"
                );
            }
        }
    }

    fn rest(s: &str) -> Query<'_> {
        parse(s, &Limits::default()).unwrap_or_else(|e| panic!("{s}\n{e}"))
    }

    fn err(s: &str) -> Error {
        parse(s, &Limits::default()).expect_err(s)
    }

    fn conds(q: &Query<'_>) -> Vec<(String, Op, Option<String>)> {
        q.conditions
            .iter()
            .map(|c| {
                (
                    c.path.dotted(),
                    c.op.node,
                    c.value.as_ref().map(|v| v.node.to_string()),
                )
            })
            .collect()
    }

    fn resource(q: &Query<'_>) -> Option<(String, Span)> {
        q.resource.as_ref().map(|r| (r.node.to_string(), r.span))
    }

    #[test]
    fn resource_prefixes() {
        for (input, name, sp) in [
            (
                "GET zstack/v1/vm-instances?q=name=vm1",
                "vm-instances",
                14..26,
            ),
            (
                "get /zstack/v1/vm-instances?q=name=vm1",
                "vm-instances",
                15..27,
            ),
            ("/zstack/v1/vm-instances?q=name=vm1", "vm-instances", 11..23),
            ("zstack/v1/vm-instances?q=name=vm1", "vm-instances", 10..22),
            ("v1/vm-instances?q=name=vm1", "vm-instances", 3..15),
            ("vm-instances?q=name=vm1", "vm-instances", 0..12),
            ("QueryVmInstance?q=name=vm1", "QueryVmInstance", 0..15),
            ("vm-instances/nics?q=name=vm1", "vm-instances/nics", 0..17),
            (
                "http://host:8080/zstack/v1/vm-instances?q=name=vm1",
                "vm-instances",
                27..39,
            ),
            ("  vm-instances/?q=name=vm1  ", "vm-instances", 2..14),
        ] {
            let q = rest(input);
            assert_eq!(resource(&q), Some((name.to_owned(), span(sp))), "{input}");
            assert_eq!(
                conds(&q),
                [("name".to_owned(), Op::Eq, Some("vm1".to_owned()))],
                "{input}"
            );
        }
    }

    #[test]
    fn bare_resource_and_bare_query_string() {
        let q = rest("vm-instances");
        assert_eq!(resource(&q), Some(("vm-instances".into(), span(0..12))));
        assert!(q.conditions.is_empty());
        let q = rest("GET zstack/v1/vm-instances");
        assert_eq!(resource(&q), Some(("vm-instances".into(), span(14..26))));
        let q = rest("q=name?=a,b");
        assert_eq!(resource(&q), None);
        assert_eq!(
            conds(&q),
            [("name".to_owned(), Op::In, Some("a,b".to_owned()))]
        );
        let q = rest("?q=name=x");
        assert_eq!(resource(&q), None);
        assert_eq!(q.conditions.len(), 1);
        let q = rest("");
        assert_eq!(q, Query::empty(Form::Rest));
        let q = rest("vm-instances?");
        assert!(q.resource.is_some() && q.conditions.is_empty());
    }

    #[test]
    fn conditions_and_spans() {
        let input = "q=name=vm1&q=vmNics.ip=10.0.0.5";
        let q = rest(input);
        assert_eq!(q.conditions.len(), 2);
        let c = &q.conditions[1];
        assert_eq!(c.span, span(13..31));
        assert_eq!(c.path.segments[1].span, span(20..22));
        assert_eq!(c.value.as_ref().unwrap().span, span(23..31));
        assert!(matches!(
            c.value.as_ref().unwrap().node,
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn percent_decoding_keeps_original_spans() {
        let input = "q=name%3D%E4%B8%AD+x&q=d~=web%25";
        let q = rest(input);
        assert_eq!(
            conds(&q),
            [
                ("name".into(), Op::Eq, Some("中 x".into())),
                ("d".into(), Op::Like, Some("web%".into()))
            ]
        );
        let c = &q.conditions[0];
        assert_eq!(c.path.span, span(2..6));
        assert_eq!(c.op.span, span(6..9));
        assert_eq!(c.value.as_ref().unwrap().span, span(9..20));
        assert_eq!(c.span, span(2..20));
        assert!(matches!(
            c.path.segments[0].node,
            std::borrow::Cow::Borrowed("name")
        ));
        assert_eq!(q.conditions[1].value.as_ref().unwrap().span, span(26..32));
        // Encoded key.
        let q = rest("%71=name%20is%20null");
        assert_eq!(conds(&q), [("name".into(), Op::IsNull, None)]);
        assert_eq!(q.conditions[0].op.span, span(11..20));
        let q = rest("q=hostUuid+not+null");
        assert_eq!(conds(&q), [("hostUuid".into(), Op::NotNull, None)]);
    }

    #[test]
    fn bad_percent_encoding() {
        let e = err("q=name~=web%");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxPercentEncoding, Some(span(11..12)))
        );
    }

    #[test]
    fn all_parameters() {
        let q = rest(
            "q=a=1&limit=10&start=5&count=TRUE&replyWithCount=false&sort=-createDate,%2Bname, uuid\
             &fields=uuid,name&fields=vmNics.ip&groupBy=hypervisorType",
        );
        assert_eq!(q.limit, Some(Spanned::new(10, span(12..14))));
        assert_eq!(q.start, Some(Spanned::new(5, span(21..22))));
        assert_eq!(q.count.map(|c| c.node), Some(true));
        assert_eq!(q.reply_with_count.map(|c| c.node), Some(false));
        let sort: Vec<_> = q
            .sort
            .iter()
            .map(|k| (k.path.dotted(), k.descending))
            .collect();
        assert_eq!(
            sort,
            [
                ("createDate".into(), true),
                ("name".into(), false),
                ("uuid".into(), false)
            ]
        );
        let fields: Vec<_> = q.fields.iter().map(|p| p.dotted()).collect();
        assert_eq!(fields, ["uuid", "name", "vmNics.ip"]);
        let group: Vec<_> = q.group_by.iter().map(|p| p.dotted()).collect();
        assert_eq!(group, ["hypervisorType"]);
    }

    #[test]
    fn unencoded_plus_in_sort_is_ascending() {
        let q = rest("sort=+name");
        assert_eq!(q.sort.len(), 1);
        assert!(!q.sort[0].descending);
        assert_eq!(q.sort[0].path.span, span(6..10));
        let q = rest("sort=%2Bname");
        assert!(!q.sort[0].descending);
        assert_eq!(q.sort[0].path.span, span(8..12));
    }

    #[test]
    fn empty_pairs_are_ignored() {
        let q = rest("&&q=a=1&&limit=2&");
        assert_eq!(q.conditions.len(), 1);
        assert_eq!(q.limit.map(|l| l.node), Some(2));
    }

    #[test]
    fn invalid_parameter_values() {
        for (input, name, sp) in [
            ("limit=abc", "limit", 6..9),
            ("limit=-1", "limit", 6..8),
            ("start=1.5", "start", 6..9),
            ("limit=", "limit", 0..6),
            ("limit&q=a=1", "limit", 0..5),
            ("count=yes", "count", 6..9),
            ("replyWithCount=1", "replyWithCount", 15..16),
            ("fields=,", "fields", 7..8),
            ("fields=", "fields", 0..7),
            ("groupBy=a,,b", "groupBy", 8..12),
            ("sort=", "sort", 0..5),
        ] {
            let e = err(input);
            assert!(
                matches!(e.kind(), ErrorKind::ParameterInvalid { name: n, .. } if n == name),
                "{input}: {e}"
            );
            assert_eq!(e.span(), Some(span(sp)), "{input}");
        }
        let e = err("limit=x");
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterInvalid {
                name: "limit".into(),
                expected: "a non-negative integer".into()
            }
        );
    }

    #[test]
    fn invalid_paths_in_parameters() {
        let e = err("fields=uuid,vm-nics");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxInvalidPath, Some(span(12..19)))
        );
        let e = err("sort=--name");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxInvalidPath, Some(span(6..11)))
        );
    }

    #[test]
    fn unknown_parameters_with_hints() {
        let e = err("q=a=1&limt=10");
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterUnknown {
                name: "limt".into()
            }
        );
        assert_eq!(e.span(), Some(span(6..10)));
        assert_eq!(e.hint(), Some("did you mean `limit`?"));
        let e = err("sortBy=name");
        assert!(e.hint().unwrap().contains("sort=-field"), "{e}");
        let e = err("sortDirection=desc");
        assert!(e.hint().unwrap().contains("sort=-field"), "{e}");
        let e = err("name=vm1");
        assert_eq!(
            e.hint(),
            Some("to filter, write the condition as `q=name=vm1`")
        );
        let e = err("conditions=x");
        assert!(e.hint().unwrap().contains("q=name=vm1"));
        let e = err("=x");
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterUnknown {
                name: String::new()
            }
        );
        assert_eq!(e.span(), Some(span(0..0)));
    }

    #[test]
    fn duplicate_parameters() {
        for (input, name, second, first) in [
            ("limit=1&limit=2", "limit", 8..13, 0..5),
            ("sort=a&q=b=1&sort=c", "sort", 13..17, 0..4),
            ("count=true&count=true", "count", 11..16, 0..5),
        ] {
            let e = err(input);
            assert_eq!(
                e.kind(),
                &ErrorKind::ParameterDuplicate { name: name.into() }
            );
            assert_eq!(
                (e.span(), e.aux_span()),
                (Some(span(second)), Some(span(first))),
                "{input}"
            );
        }
    }

    #[test]
    fn condition_errors_point_into_the_input() {
        let e = err("limit=1&q=name");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxNoOperator, Some(span(10..14)))
        );
        let e = err("q=vm-nics.ip=1");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxInvalidPath, Some(span(2..9)))
        );
        let e = err("q=%20%20=x");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxInvalidPath, Some(span(8..8)))
        );
        assert_eq!(e.input(), "q=%20%20=x");
    }

    #[test]
    fn limits() {
        let l = Limits {
            max_conditions: 2,
            max_value_length: 4,
            max_input_length: 40,
            ..Limits::default()
        };
        assert!(parse("q=a=1&q=b=2", &l).is_ok());
        let e = parse("q=a=1&q=b=2&q=c=3", &l).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::Conditions,
                max: 2
            }
        );
        assert_eq!(e.span(), Some(span(12..17)));
        let e = parse("q=a=12345", &l).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::ValueLength,
                max: 4
            }
        );
        assert_eq!(e.span(), Some(span(4..9)));
        let e = parse(&"q=a=1&".repeat(7), &l).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::InputLength,
                max: 40
            }
        );
    }

    /// What [`scan`] reports, gathered: resource, (path, op, value) per condition, limit, start,
    /// and the other pairs.
    type Scanned = (
        Option<String>,
        Vec<(String, Op, Option<String>)>,
        Option<u64>,
        Option<u64>,
        Vec<(String, String)>,
    );

    fn scanned(input: &str) -> Option<Scanned> {
        let mut out: Scanned = (None, Vec::new(), None, None, Vec::new());
        scan(input, &Limits::default(), |p| match p {
            Piece::Resource(r) => out.0 = Some(r.to_owned()),
            Piece::Condition { text, parts } => out.1.push((
                text[parts.start..parts.path_end].to_owned(),
                parts.op,
                parts
                    .has_value
                    .then(|| text[parts.op_end..parts.end].to_owned()),
            )),
            Piece::Limit(n) => out.2 = Some(n),
            Piece::Start(n) => out.3 = Some(n),
            Piece::Other { key, value } => out.4.push((key.to_owned(), value.to_owned())),
        })?;
        Some(out)
    }

    /// `scan` reads what `parse` reads: where the parse succeeds, the scan does and agrees on the
    /// resource, every condition's path, operator and value, `limit` and `start`; where the scan
    /// refuses, the parse fails.
    fn scan_agrees(input: &str) {
        if super::super::detect(input) != Form::Rest {
            return;
        }
        let parsed = parse(input, &Limits::default());
        match (scanned(input), parsed) {
            (Some(s), Ok(q)) => {
                assert_eq!(
                    s.0.as_deref(),
                    q.resource.as_ref().map(|r| r.node.as_ref()),
                    "{input}"
                );
                let conds: Vec<_> = q
                    .conditions
                    .iter()
                    .map(|c| {
                        (
                            c.path.dotted(),
                            c.op.node,
                            c.value.as_ref().map(|v| v.node.to_string()),
                        )
                    })
                    .collect();
                assert_eq!(s.1, conds, "{input}");
                assert_eq!(s.2, q.limit.map(|l| l.node), "{input}");
                assert_eq!(s.3, q.start.map(|l| l.node), "{input}");
            }
            (None, Ok(q)) => panic!("{input}: parsed as {q:?} but not scanned"),
            (_, Err(_)) => {}
        }
    }

    #[test]
    fn scan_reads_what_parse_reads() {
        for input in [
            "vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name",
            "GET zstack/v1/vm-instances?q=name=vm1&&q=a+is+null&start=3&count=true",
            "q=a%3Db=c&q=%20x%20=%20y&limit=%32",
            "q=hostUuid=null&q=h!=null&q=x!=nul&q=u?=a,b,,c",
            "vm-instances",
            "vm-instances?",
            "?q=a=1&&&",
            "q&q=&=&limit= 7 ",
        ] {
            scan_agrees(input);
        }
    }

    proptest::proptest! {
        #[test]
        fn prop_scan_reads_what_parse_reads(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "q=", "q", "=", "&", "name", "vmNics.ip", ".", "!", "?", "~", "<", ">", "%25",
                    "%3D", "%26", "%2", "%C3%A9", "%C3", "+", " ", ",", "null", "is", "not",
                    "limit=", "start=", "7", "-1", "fields=", "sort=", "count=true", "x", "é",
                    "vm-instances?", "GET /zstack/v1/hosts?", "%71=",
                ]),
                0..24,
            )
        ) {
            scan_agrees(&parts.concat());
        }
    }
}
