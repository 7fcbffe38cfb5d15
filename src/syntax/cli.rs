//! The zstack-cli form (grammar rules `cli-line`, `cli-word`, `cli-param`):
//! `QueryVmInstance name=vm1 vmNics.ip=10.0.0.5 limit=10 sortBy=createDate sortDirection=desc`.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_till1};
use nom::character::complete::{anychar, char, none_of};
use nom::combinator::{map, recognize};
use nom::multi::many0_count;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::condition::{self, is_op_start};
use super::decode::Text;
use super::params::{Once, Param, Seen};
use crate::ast::{Form, Op, Path, Query, SortKey, Spanned};
use crate::error::{Error, ErrorKind, Limit, Span};
use crate::limits::Limits;

/// nom's result with the unit error (see `condition::Res`).
type Res<'a, O> = IResult<&'a str, O, ()>;

/// One run of a word (grammar rule `cli-word`).
#[derive(Clone, Copy, Debug)]
enum Piece<'a> {
    /// Unquoted characters.
    Plain(&'a str),
    /// The inside of `"..."`, escapes not yet applied.
    Double(&'a str),
    /// The inside of `'...'`.
    Single(&'a str),
}

/// grammar: `cli-piece` = `dq-string` | `sq-string` | `bare-char+`.
fn piece(i: &str) -> Res<'_, Piece<'_>> {
    alt((
        map(
            delimited(
                char('"'),
                recognize(many0_count(alt((
                    preceded(char('\\'), anychar),
                    none_of("\\\""),
                )))),
                char('"'),
            ),
            Piece::Double,
        ),
        map(
            delimited(char('\''), take_till(|c| c == '\''), char('\'')),
            Piece::Single,
        ),
        map(
            take_till1(|c: char| c.is_whitespace() || c == '"' || c == '\''),
            Piece::Plain,
        ),
    ))
    .parse(i)
}

/// Reads the word starting at raw offset `start` (not a blank). Returns its decoded text and where it ends.
///
/// # Errors
///
/// [`ErrorKind::SyntaxCli`] on an unclosed quote (span: from the quote to the end of the line).
fn word(input: &str, start: usize) -> Result<(Text<'_>, usize), Error> {
    let mut pos = start;
    let mut pieces: Vec<(usize, Piece<'_>)> = Vec::new();
    loop {
        let rest = input.get(pos..).unwrap_or("");
        if rest.chars().next().is_none_or(char::is_whitespace) {
            break;
        }
        match piece(rest) {
            Ok((after, p)) => {
                pieces.push((pos, p));
                pos = input.len() - after.len();
            }
            Err(_) => {
                let quote = if rest.starts_with('\'') { "'" } else { "\"" };
                return Err(Error::new(
                    ErrorKind::SyntaxCli {
                        expected: format!("a closing `{quote}`"),
                    },
                    input,
                )
                .with_span(Span::new(pos, input.len()))
                .with_hint("quote a value with spaces as `name=\"my vm\"`"));
            }
        }
    }
    if let [(_, Piece::Plain(_))] = pieces.as_slice() {
        return Ok((Text::verbatim(input, start, pos), pos));
    }
    let mut text = String::with_capacity(pos - start);
    let mut spans = Vec::with_capacity(pos - start);
    let mut push = |c: char, from: usize, to: usize| {
        text.push(c);
        spans.extend(std::iter::repeat_n((from, to), c.len_utf8()));
    };
    for (at, p) in pieces {
        let (body, offset) = match p {
            Piece::Plain(s) => (s, at),
            Piece::Double(s) | Piece::Single(s) => (s, at + 1),
        };
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let from = offset + i;
            if matches!(p, Piece::Double(_))
                && c == '\\'
                && let Some(&(_, e @ ('"' | '\\'))) = chars.peek()
            {
                chars.next();
                push(e, from, from + 2);
                continue;
            }
            push(c, from, from + c.len_utf8());
        }
    }
    Ok((Text::mapped(input, text, spans, start), pos))
}

/// The words of the line after the API name, as decoded texts.
#[derive(Debug)]
struct Words<'a> {
    /// The line.
    input: &'a str,
    /// Where the next search for a word starts.
    pos: usize,
}

impl<'a> Words<'a> {
    /// The next word and its raw span, or `None` at the end of the line.
    fn next_word(&mut self) -> Result<Option<(Text<'a>, Span)>, Error> {
        let rest = self.input.get(self.pos..).unwrap_or("");
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let start = self.input.len() - trimmed.len();
        let (text, end) = word(self.input, start)?;
        self.pos = end;
        Ok(Some((text, Span::new(start, end))))
    }
}

/// The CLI's parameter words (grammar rule `cli-param`); any other word is a condition.
const PARAMS: [&str; 9] = [
    "limit",
    "start",
    "count",
    "replyWithCount",
    "sortBy",
    "sortDirection",
    "sort",
    "fields",
    "groupBy",
];

/// grammar: `cli-line` = `ws* api-name (ws+ cli-word)* ws*`.
pub(crate) fn parse<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    super::check_length(input, limits)?;
    let mut words = Words { input, pos: 0 };
    let mut query = Query::empty(Form::Cli);
    let expected = || ErrorKind::SyntaxCli {
        expected: "an API name such as `QueryVmInstance`".to_owned(),
    };
    let Some((api, api_span)) = words.next_word()? else {
        return Err(Error::new(expected(), input).with_span(Span::new(0, input.len())));
    };
    let name = input.get(api_span.start..api_span.end).unwrap_or("");
    if name != api.as_str() || !condition::is_ident(name) {
        return Err(Error::new(expected(), input).with_span(api_span));
    }
    query.resource = Some(Spanned::new(Cow::Borrowed(name), api_span));

    let mut seen = Seen::default();
    let mut sort_by: Option<Path<'a>> = None;
    let mut direction: Option<(bool, Span)> = None;
    while let Some((text, span)) = words.next_word()? {
        let s = text.as_str();
        let key_end = s.find(is_op_start).unwrap_or(s.len());
        let key = s.get(..key_end).unwrap_or("");
        let is_param = PARAMS.contains(&key)
            && matches!(
                condition::operator(s.get(key_end..).unwrap_or("")),
                Ok((_, Op::Eq))
            );
        if !is_param {
            if query.conditions.len() >= limits.max_conditions {
                return Err(Error::new(
                    ErrorKind::LimitExceeded {
                        limit: Limit::Conditions,
                        max: limits.max_conditions,
                    },
                    input,
                )
                .with_span(span));
            }
            query.conditions.push(condition::condition(text, limits)?);
            continue;
        }
        let key_span = text.span(0, key_end);
        let name = PARAMS.iter().copied().find(|p| *p == key).unwrap_or("sort");
        let p = Param {
            text: &text,
            start: key_end + 1,
            end: s.len(),
            name,
            key: key_span,
        };
        match name {
            "limit" => {
                seen.once(Once::Limit, name, key_span, input)?;
                query.limit = Some(p.uint()?);
            }
            "start" => {
                seen.once(Once::Start, name, key_span, input)?;
                query.start = Some(p.uint()?);
            }
            "count" => {
                seen.once(Once::Count, name, key_span, input)?;
                query.count = Some(p.boolean()?);
            }
            "replyWithCount" => {
                seen.once(Once::ReplyWithCount, name, key_span, input)?;
                query.reply_with_count = Some(p.boolean()?);
            }
            "sortBy" => {
                seen.once(Once::Sort, name, key_span, input)?;
                sort_by = Some(p.path()?);
            }
            "sortDirection" => {
                seen.once(Once::SortDirection, name, key_span, input)?;
                direction = Some((p.direction()?.node, key_span));
            }
            "fields" => p.path_list(&mut query.fields)?,
            "groupBy" => p.path_list(&mut query.group_by)?,
            _ => {
                seen.once(Once::Sort, name, key_span, input)?;
                p.sort_list(&mut query.sort)?;
            }
        }
    }
    match (sort_by, direction) {
        (Some(path), dir) => query.sort.push(SortKey {
            path,
            descending: dir.is_some_and(|d| d.0),
        }),
        (None, Some((_, key))) => {
            return Err(Error::new(
                ErrorKind::ParameterInvalid {
                    name: "sortDirection".to_owned(),
                    expected: "given together with `sortBy`".to_owned(),
                },
                input,
            )
            .with_span(key)
            .with_hint("write `sortBy=createDate sortDirection=desc`"));
        }
        (None, None) => {}
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    fn cli(s: &str) -> Query<'_> {
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

    #[test]
    fn api_name_and_conditions() {
        let q = cli("QueryVmInstance name=vm1 vmNics.ip=10.0.0.5  cpuNum>=2 hostUuid=null");
        let r = q.resource.as_ref().unwrap();
        assert_eq!((r.node.as_ref(), r.span), ("QueryVmInstance", span(0..15)));
        assert_eq!(
            conds(&q),
            [
                ("name".into(), Op::Eq, Some("vm1".into())),
                ("vmNics.ip".into(), Op::Eq, Some("10.0.0.5".into())),
                ("cpuNum".into(), Op::Ge, Some("2".into())),
                ("hostUuid".into(), Op::IsNull, None),
            ]
        );
        assert_eq!(q.conditions[1].span, span(25..43));
        assert_eq!(q.conditions[1].value.as_ref().unwrap().span, span(35..43));
        let q = cli("  QueryHost  ");
        assert!(q.conditions.is_empty());
        assert_eq!(q.resource.unwrap().span, span(2..11));
    }

    #[test]
    fn all_parameters() {
        let q = cli(
            "QueryVmInstance limit=10 start=0 count=true replyWithCount=TRUE sortBy=createDate \
             sortDirection=desc fields=uuid,name fields=state groupBy=zoneUuid",
        );
        assert_eq!(q.limit, Some(Spanned::new(10, span(22..24))));
        assert_eq!(q.start.map(|s| s.node), Some(0));
        assert_eq!(q.count.map(|s| s.node), Some(true));
        assert_eq!(q.reply_with_count.map(|s| s.node), Some(true));
        assert_eq!(q.sort.len(), 1);
        assert_eq!(
            (q.sort[0].path.dotted(), q.sort[0].descending),
            ("createDate".into(), true)
        );
        assert_eq!(q.sort[0].path.span, span(71..81));
        let fields: Vec<_> = q.fields.iter().map(|p| p.dotted()).collect();
        assert_eq!(fields, ["uuid", "name", "state"]);
        assert_eq!(q.group_by[0].dotted(), "zoneUuid");
        let q = cli("QueryVmInstance sortBy=name");
        assert!(!q.sort[0].descending);
        let q = cli("QueryVmInstance sort=-createDate,name");
        let sort: Vec<_> = q
            .sort
            .iter()
            .map(|k| (k.path.dotted(), k.descending))
            .collect();
        assert_eq!(sort, [("createDate".into(), true), ("name".into(), false)]);
    }

    #[test]
    fn parameter_names_with_other_operators_are_conditions() {
        let q = cli("QueryVmInstance limit>=3 conditions=x q=name=vm1");
        assert_eq!(
            conds(&q),
            [
                ("limit".into(), Op::Ge, Some("3".into())),
                ("conditions".into(), Op::Eq, Some("x".into())),
                ("q".into(), Op::Eq, Some("name=vm1".into())),
            ]
        );
        assert_eq!(q.limit, None);
    }

    #[test]
    fn quoting() {
        let input = r#"QueryVmInstance name="my vm" 'description=it''s' "state=Running" x="a\"b\\c\d" y="""#;
        let q = cli(input);
        assert_eq!(
            conds(&q),
            [
                ("name".into(), Op::Eq, Some("my vm".into())),
                ("description".into(), Op::Eq, Some("its".into())),
                ("state".into(), Op::Eq, Some("Running".into())),
                ("x".into(), Op::Eq, Some(r#"a"b\c\d"#.into())),
                ("y".into(), Op::Eq, Some(String::new())),
            ]
        );
        let c = &q.conditions[0];
        assert_eq!(c.value.as_ref().unwrap().span, span(22..27));
        assert_eq!(c.span, span(16..27));
        assert!(matches!(c.path.segments[0].node, Cow::Borrowed("name")));
        assert_eq!(q.conditions[2].path.span, span(50..55));
        let x = q.conditions[3].value.as_ref().unwrap();
        assert_eq!(x.span, span(68..77));
        assert_eq!(q.conditions[4].value.as_ref().unwrap().span, span(81..81));
        let q = cli(r#"QueryVmInstance "name=a b" limit="5""#);
        assert_eq!(conds(&q), [("name".into(), Op::Eq, Some("a b".into()))]);
        assert_eq!(q.limit, Some(Spanned::new(5, span(34..35))));
    }

    #[test]
    fn unclosed_quote() {
        let e = err(r#"QueryVmInstance name="my vm"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::SyntaxCli {
                expected: "a closing `\"`".into()
            }
        );
        assert_eq!(e.span(), Some(span(21..27)));
        let e = err("QueryVmInstance name='x");
        assert_eq!(
            e.kind(),
            &ErrorKind::SyntaxCli {
                expected: "a closing `'`".into()
            }
        );
    }

    #[test]
    fn api_name_errors() {
        for (input, sp) in [
            ("", 0..0),
            ("   ", 0..3),
            ("name=vm1 x=1", 0..8),
            ("\"Query\" a=1", 0..7),
        ] {
            let e = err(input);
            assert!(matches!(e.kind(), ErrorKind::SyntaxCli { .. }), "{input}");
            assert_eq!(e.span(), Some(span(sp)), "{input}");
        }
    }

    #[test]
    fn parameter_errors() {
        let e = err("QueryVmInstance sortDirection=desc");
        assert!(
            matches!(e.kind(), ErrorKind::ParameterInvalid { name, .. } if name == "sortDirection")
        );
        assert_eq!(e.span(), Some(span(16..29)));
        let e = err("QueryVmInstance sortBy=name sortDirection=down");
        assert_eq!(e.span(), Some(span(42..46)));
        let e = err("QueryVmInstance limit=1 limit=2");
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate {
                name: "limit".into()
            }
        );
        assert_eq!(
            (e.span(), e.aux_span()),
            (Some(span(24..29)), Some(span(16..21)))
        );
        let e = err("QueryVmInstance sort=-a sortBy=b");
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate {
                name: "sortBy".into()
            }
        );
        assert_eq!(
            (e.span(), e.aux_span()),
            (Some(span(24..30)), Some(span(16..20)))
        );
        let e = err("QueryVmInstance count=maybe");
        assert!(matches!(e.kind(), ErrorKind::ParameterInvalid { .. }));
        assert_eq!(e.span(), Some(span(22..27)));
        let e = err("QueryVmInstance name");
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxNoOperator, Some(span(16..20)))
        );
    }

    #[test]
    fn limits() {
        let l = Limits {
            max_conditions: 1,
            ..Limits::default()
        };
        let e = parse("QueryVmInstance a=1 b=2", &l).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::Conditions,
                max: 1
            }
        );
        assert_eq!(e.span(), Some(span(20..23)));
    }
}
