//! The rules shared by all three forms: `condition`, `path`, `ident`, `operator` and `null-test`
//! (grammar/query.ebnf).
//!
//! A condition is split at the first operator token after a valid path, longest match first, and everything
//! after that token is the value, verbatim. This is the strict reading of design.md "Semantics" and
//! zstack-semantics.md Appendix A.1; ZStack itself picks the highest-priority token anywhere in the string and so
//! mis-splits `description=a>=b` (zstack-semantics.md §1.2).

use nom::branch::alt;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::multispace1;
use nom::combinator::value;
use nom::{IResult, Parser};

use super::decode::Text;
use crate::ast::{Condition, Op, Path, Spanned};
use crate::error::{Error, ErrorKind, Limit};
use crate::limits::Limits;

/// nom's result with the unit error: the syntax stage builds its own [`Error`]s from positions, so nom's
/// errors carry nothing and cost nothing.
type Res<'a, O> = IResult<&'a str, O, ()>;

/// The hint for [`ErrorKind::SyntaxNoOperator`].
pub(crate) const NO_OPERATOR_HINT: &str = "write `name=value` (or !=, >, <, >=, <=, ?=, !?=, ~=, !~=), \
                                           or `name is null` / `name not null`";

/// The hint for [`ErrorKind::SyntaxInvalidPath`] on a malformed name.
const PATH_HINT: &str = "a path is names joined by `.`, each name letters, digits and `_`, not starting \
                         with a digit (`vmNics.l3Network.name`)";

/// Whether a value exceeds `max` bytes: the whole value, or for `?=` / `!?=` each item of the list
/// (limits.rs: the IN list has its own bound, checked by the resolver).
pub(crate) fn value_too_long(op: Op, value: &str, max: usize) -> bool {
    match op {
        Op::In | Op::NotIn => value.split(',').any(|item| item.len() > max),
        _ => value.len() > max,
    }
}

/// grammar: `ws` (the blanks a condition may have around its path).
pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The number of `ws` bytes `s` starts with (every `ws` character is one ASCII byte).
pub(crate) fn leading_space(s: &str) -> usize {
    s.bytes()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(s.len())
}

/// `s` without its trailing `ws`, as a length.
pub(crate) fn without_trailing_space(s: &str) -> usize {
    s.bytes()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |i| i + 1)
}

/// grammar: `op-start`, the characters that can begin an operator token.
pub(crate) fn is_op_start(c: char) -> bool {
    matches!(c, '=' | '!' | '?' | '~' | '<' | '>')
}

/// grammar: `ident` = `[A-Za-z_][A-Za-z0-9_]*` (by bytes: every byte of an ident is ASCII).
fn ident(i: &str) -> Res<'_, &str> {
    let b = i.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return Err(nom::Err::Error(()));
    }
    let n = b
        .iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .unwrap_or(b.len());
    // `n` follows ASCII bytes only, so it is a character boundary.
    match (i.get(n..), i.get(..n)) {
        (Some(rest), Some(name)) => Ok((rest, name)),
        _ => Err(nom::Err::Error(())),
    }
}

/// True when all of `s` is one `ident`.
pub(crate) fn is_ident(s: &str) -> bool {
    matches!(ident(s), Ok(("", _)))
}

/// grammar: `operator`. The longest token at the position wins (`!?=` before `!=`, `>=` before `>`,
/// `?=` before `=`).
pub(crate) fn operator(i: &str) -> Res<'_, Op> {
    let (op, len) = match i.as_bytes() {
        [b'!', b'?', b'=', ..] => (Op::NotIn, 3),
        [b'!', b'~', b'=', ..] => (Op::NotLike, 3),
        [b'!', b'=', ..] => (Op::Ne, 2),
        [b'>', b'=', ..] => (Op::Ge, 2),
        [b'<', b'=', ..] => (Op::Le, 2),
        [b'?', b'=', ..] => (Op::In, 2),
        [b'~', b'=', ..] => (Op::Like, 2),
        [b'=', ..] => (Op::Eq, 1),
        [b'>', ..] => (Op::Gt, 1),
        [b'<', ..] => (Op::Lt, 1),
        _ => return Err(nom::Err::Error(())),
    };
    // The token is ASCII, so `len` is a character boundary.
    match i.get(len..) {
        Some(rest) => Ok((rest, op)),
        None => Err(nom::Err::Error(())),
    }
}

/// grammar: `null-test` = `is null` | `is not null` | `not null`, case-insensitive, blanks between the words.
fn null_test(i: &str) -> Res<'_, Op> {
    alt((
        value(
            Op::NotNull,
            (
                tag_no_case("is"),
                multispace1,
                tag_no_case("not"),
                multispace1,
                tag_no_case("null"),
            ),
        ),
        value(
            Op::IsNull,
            (tag_no_case("is"), multispace1, tag_no_case("null")),
        ),
        value(
            Op::NotNull,
            (tag_no_case("not"), multispace1, tag_no_case("null")),
        ),
    ))
    .parse(i)
}

/// Where a path may end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Inside a condition: a blank or an operator character ends the path.
    Condition,
    /// A whole text is a path (a `fields` item, a JSON `name`): only the end ends it.
    Exact,
}

impl Mode {
    /// True when `c` ends a path in this mode.
    fn ends_path(self, c: char) -> bool {
        self == Mode::Condition && (is_space(c) || is_op_start(c))
    }
}

/// grammar: `path` = `ident ("." ident)*`, read from `start` within `s` (a prefix of `t`'s text). Returns the
/// path and where it ends.
fn path_prefix<'a>(
    t: &Text<'a>,
    s: &str,
    start: usize,
    mode: Mode,
) -> Result<(Path<'a>, usize), Error> {
    let mut segments = crate::ast::Segments::new();
    let end = walk_path(t, s, start, mode, |a, b| {
        segments.push(Spanned::new(t.slice(a, b), t.span(a, b)));
    })?;
    Ok((
        Path {
            segments,
            span: t.span(start, end),
        },
        end,
    ))
}

/// grammar: `path`, as [`path_prefix`] reads it, handing each segment's `(start, end)` to `segment`
/// instead of building the [`Path`]. Returns where the path ends.
fn walk_path(
    t: &Text<'_>,
    s: &str,
    start: usize,
    mode: Mode,
    mut segment: impl FnMut(usize, usize),
) -> Result<usize, Error> {
    let mut pos = start;
    let mut segments = 0usize;
    loop {
        let rest = s.get(pos..).unwrap_or("");
        match ident(rest) {
            Ok((after, name)) => {
                let seg_start = pos;
                pos += name.len();
                segment(seg_start, pos);
                segments += 1;
                match after.chars().next() {
                    Some('.') => pos += 1,
                    Some(c) if !mode.ends_path(c) => return Err(bad_word(t, s, seg_start, mode)),
                    _ => break,
                }
            }
            Err(_) => {
                let next = rest.chars().next();
                let missing = next.is_none_or(|c| c == '.' || mode.ends_path(c));
                return Err(if next == Some('.') && segments == 0 {
                    t.error(ErrorKind::SyntaxInvalidPath, pos, pos + 1)
                        .with_hint("a path starts with a name, not `.`")
                } else if missing && segments > 0 {
                    // `a.` or `a..b`: the dot before the missing name.
                    t.error(ErrorKind::SyntaxInvalidPath, pos - 1, pos)
                        .with_hint("a `.` must be followed by a name")
                } else if missing {
                    // Nothing before the operator (`=x`), or nothing at all.
                    t.error(ErrorKind::SyntaxInvalidPath, pos, pos)
                        .with_hint("a condition starts with a field name: `name=vm1`")
                } else {
                    bad_word(t, s, pos, mode)
                });
            }
        }
    }
    Ok(pos)
}

/// The error for a malformed name starting at `from`: the span runs to the next `.`, or where the path would
/// end, and covers at least one character.
#[cold]
fn bad_word(t: &Text<'_>, s: &str, from: usize, mode: Mode) -> Error {
    let rest = s.get(from..).unwrap_or("");
    let mut chars = rest.char_indices();
    let first = chars.next().map_or(0, |(_, c)| c.len_utf8());
    let len = chars
        .find(|&(_, c)| c == '.' || mode.ends_path(c))
        .map_or(rest.len(), |(i, _)| i)
        .max(first);
    t.error(ErrorKind::SyntaxInvalidPath, from, from + len)
        .with_hint(PATH_HINT)
}

/// grammar: `path`, the whole of `start..end` of `t`.
///
/// # Errors
///
/// [`ErrorKind::SyntaxInvalidPath`] with the span of the bad name (a zero-width span when the text is empty).
pub(crate) fn path<'a>(t: &Text<'a>, start: usize, end: usize) -> Result<Path<'a>, Error> {
    let s = t.as_str().get(..end).unwrap_or("");
    path_prefix(t, s, start, Mode::Exact).map(|(p, _)| p)
}

/// grammar: `condition` = `ws* path ws* (operator value | ws null-test ws*)`, over the whole of `t`.
///
/// `=null` and `!=null` become [`Op::IsNull`] and [`Op::NotNull`] (design.md "Semantics"); only the exact
/// lowercase value `null` does.
///
/// # Errors
///
/// [`ErrorKind::SyntaxInvalidPath`] on a malformed path, [`ErrorKind::SyntaxNoOperator`] when no operator
/// follows it (span: the condition) or text follows a null test (span: that text), and
/// [`ErrorKind::LimitExceeded`] ([`Limit::ValueLength`]) on a value longer than the limit.
pub(crate) fn condition<'a>(t: Text<'a>, limits: &Limits) -> Result<Condition<'a>, Error> {
    let mut segments = crate::ast::Segments::new();
    let p = parts(&t, limits, |a, b| {
        segments.push(Spanned::new(t.slice(a, b), t.span(a, b)));
    })?;
    let path = Path {
        segments,
        span: t.span(p.start, p.path_end),
    };
    let op = Spanned::new(p.op, t.span(p.op_start, p.op_end));
    let span = t.span(p.start, p.end);
    // The value runs to the end of the text (`parts`), so it can take over the decoded buffer.
    let value = p.has_value.then(|| t.span(p.op_end, p.end));
    Ok(Condition {
        path,
        op,
        value: value.map(|s| Spanned::new(t.into_tail(p.op_end), s)),
        span,
    })
}

/// Where the pieces of a condition lie in its decoded text (byte offsets), as [`parts`] finds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parts {
    /// The path's first byte (after leading blanks).
    pub(crate) start: usize,
    /// One past the path's last byte.
    pub(crate) path_end: usize,
    /// The path's segments.
    pub(crate) segments: usize,
    /// The operator (`=null` already [`Op::IsNull`]).
    pub(crate) op: Op,
    /// The operator token (or null-test keywords).
    pub(crate) op_start: usize,
    /// One past it; the value, when there is one, runs from here to `end`.
    pub(crate) op_end: usize,
    /// Whether there is a value (not for null tests).
    pub(crate) has_value: bool,
    /// The end of the condition.
    pub(crate) end: usize,
}

/// grammar: `condition`, the split alone: where the path, operator and value of `t` lie, with each path
/// segment's range handed to `segment`. [`condition`] builds the AST node from it; the statement-shape
/// cache reads a condition with it without allocating. Same errors as [`condition`].
pub(crate) fn parts(
    t: &Text<'_>,
    limits: &Limits,
    mut segment: impl FnMut(usize, usize),
) -> Result<Parts, Error> {
    let s = t.as_str();
    let start = leading_space(s);
    let mut segments = 0;
    let path_end = walk_path(t, s, start, Mode::Condition, |a, b| {
        segments += 1;
        segment(a, b);
    })?;
    let after = s.get(path_end..).unwrap_or("");
    let gap = leading_space(after);
    let op_start = path_end + gap;
    let rest = s.get(op_start..).unwrap_or("");
    let parts = |op, op_end, has_value, end| Parts {
        start,
        path_end,
        segments,
        op,
        op_start,
        op_end,
        has_value,
        end,
    };
    if let Ok((tail, op)) = operator(rest) {
        let op_end = s.len() - tail.len();
        return match op {
            Op::Eq if tail == "null" => Ok(parts(Op::IsNull, op_end, false, s.len())),
            Op::Ne if tail == "null" => Ok(parts(Op::NotNull, op_end, false, s.len())),
            op => {
                if value_too_long(op, tail, limits.max_value_length) {
                    return Err(t
                        .error(
                            ErrorKind::LimitExceeded {
                                limit: Limit::ValueLength,
                                max: limits.max_value_length,
                            },
                            op_end,
                            s.len(),
                        )
                        .with_hint("shorten the value"));
                }
                Ok(parts(op, op_end, true, s.len()))
            }
        };
    }
    if gap > 0
        && let Ok((tail, op)) = null_test(rest)
    {
        let kw_end = s.len() - tail.len();
        let junk = tail.trim_start_matches(is_space);
        if junk.is_empty() {
            return Ok(parts(op, kw_end, false, kw_end));
        }
        let junk_start = s.len() - junk.len();
        return Err(t
            .error(ErrorKind::SyntaxNoOperator, junk_start, s.len())
            .with_hint(
                "nothing may follow `is null` / `not null`; to compare, write `name=value`",
            ));
    }
    let end = (start
        + s.get(start..)
            .unwrap_or("")
            .trim_end_matches(is_space)
            .len())
    .max(path_end);
    Err(t
        .error(ErrorKind::SyntaxNoOperator, start, end)
        .with_hint(NO_OPERATOR_HINT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Span;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    fn parse(s: &str) -> Result<Condition<'_>, Error> {
        condition(Text::verbatim(s, 0, s.len()), &Limits::default())
    }

    /// (dotted path, op, value)
    fn split(s: &str) -> (String, Op, Option<String>) {
        let c = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (
            c.path.dotted(),
            c.op.node,
            c.value.map(|v| v.node.into_owned()),
        )
    }

    fn err(s: &str) -> (ErrorKind, Option<Span>) {
        let e = parse(s).expect_err(s);
        (e.kind().clone(), e.span())
    }

    fn v(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn every_operator() {
        for (text, op) in [
            ("a=1", Op::Eq),
            ("a!=1", Op::Ne),
            ("a>1", Op::Gt),
            ("a<1", Op::Lt),
            ("a>=1", Op::Ge),
            ("a<=1", Op::Le),
            ("a?=1", Op::In),
            ("a!?=1", Op::NotIn),
            ("a~=1", Op::Like),
            ("a!~=1", Op::NotLike),
        ] {
            assert_eq!(split(text), ("a".into(), op, v("1")), "{text}");
            let c = parse(text).unwrap();
            assert_eq!(c.op.span, span(1..text.len() - 1), "{text}");
            assert_eq!(
                c.value.unwrap().span,
                span(text.len() - 1..text.len()),
                "{text}"
            );
            assert_eq!(c.span, span(0..text.len()));
        }
    }

    #[test]
    fn first_operator_after_the_path_longest_match() {
        assert_eq!(split("a!?=b"), ("a".into(), Op::NotIn, v("b")));
        assert_eq!(split("a!=b"), ("a".into(), Op::Ne, v("b")));
        assert_eq!(split("a>=b"), ("a".into(), Op::Ge, v("b")));
        assert_eq!(split("a=b>=c"), ("a".into(), Op::Eq, v("b>=c")));
        assert_eq!(
            split("description=a>=b"),
            ("description".into(), Op::Eq, v("a>=b"))
        );
        assert_eq!(
            split("createDate>a=b"),
            ("createDate".into(), Op::Gt, v("a=b"))
        );
        assert_eq!(split("name==foo"), ("name".into(), Op::Eq, v("=foo")));
        assert_eq!(split("a~=%x_"), ("a".into(), Op::Like, v("%x_")));
    }

    #[test]
    fn value_is_verbatim_and_may_be_empty() {
        assert_eq!(split("name="), ("name".into(), Op::Eq, v("")));
        assert_eq!(
            split("  name = vm 1 "),
            ("name".into(), Op::Eq, v(" vm 1 "))
        );
        let c = parse("  name = vm 1 ").unwrap();
        assert_eq!(c.path.span, span(2..6));
        assert_eq!(c.op.span, span(7..8));
        assert_eq!(c.value.unwrap().span, span(8..14));
        assert_eq!(c.span, span(2..14));
        let c = parse("name=").unwrap();
        assert_eq!(c.value.unwrap().span, span(5..5));
    }

    #[test]
    fn segments_have_their_own_spans() {
        let c = parse("vmNics.l3Network.name=pub").unwrap();
        let segs: Vec<_> = c
            .path
            .segments
            .iter()
            .map(|s| (s.node.as_ref(), s.span))
            .collect();
        assert_eq!(
            segs,
            [
                ("vmNics", span(0..6)),
                ("l3Network", span(7..16)),
                ("name", span(17..21))
            ]
        );
        assert_eq!(c.path.span, span(0..21));
        assert_eq!(
            split("__systemTag__?=a,b"),
            ("__systemTag__".into(), Op::In, v("a,b"))
        );
        assert_eq!(
            split("vmNics.__userTag__=x"),
            ("vmNics.__userTag__".into(), Op::Eq, v("x"))
        );
    }

    #[test]
    fn null_values_and_null_tests() {
        assert_eq!(
            split("hostUuid=null"),
            ("hostUuid".into(), Op::IsNull, None)
        );
        assert_eq!(
            split("hostUuid!=null"),
            ("hostUuid".into(), Op::NotNull, None)
        );
        assert_eq!(
            split("hostUuid?=null"),
            ("hostUuid".into(), Op::In, v("null"))
        );
        assert_eq!(
            split("hostUuid=NULL"),
            ("hostUuid".into(), Op::Eq, v("NULL"))
        );
        assert_eq!(
            split("hostUuid= null"),
            ("hostUuid".into(), Op::Eq, v(" null"))
        );
        assert_eq!(
            split("hostUuid is null"),
            ("hostUuid".into(), Op::IsNull, None)
        );
        assert_eq!(
            split("hostUuid IS  NULL  "),
            ("hostUuid".into(), Op::IsNull, None)
        );
        assert_eq!(
            split("hostUuid not null"),
            ("hostUuid".into(), Op::NotNull, None)
        );
        assert_eq!(
            split("hostUuid is not null"),
            ("hostUuid".into(), Op::NotNull, None)
        );
        let c = parse(" hostUuid is not null ").unwrap();
        assert_eq!(c.op.span, span(10..21));
        assert_eq!(c.span, span(1..21));
        let c = parse("hostUuid=null").unwrap();
        assert_eq!(c.op.span, span(8..9));
        assert_eq!(c.span, span(0..13));
    }

    #[test]
    fn text_after_a_null_test_is_an_error() {
        assert_eq!(
            err("hostUuid is null garbage"),
            (ErrorKind::SyntaxNoOperator, Some(span(17..24)))
        );
        assert_eq!(
            err("hostUuid is nullx"),
            (ErrorKind::SyntaxNoOperator, Some(span(16..17)))
        );
    }

    #[test]
    fn missing_operator() {
        assert_eq!(err("name"), (ErrorKind::SyntaxNoOperator, Some(span(0..4))));
        assert_eq!(
            err(" name  "),
            (ErrorKind::SyntaxNoOperator, Some(span(1..5)))
        );
        assert_eq!(
            err("name vm1"),
            (ErrorKind::SyntaxNoOperator, Some(span(0..8)))
        );
        assert_eq!(
            err("name~vm1"),
            (ErrorKind::SyntaxNoOperator, Some(span(0..8)))
        );
        assert_eq!(
            err("nameis null"),
            (ErrorKind::SyntaxNoOperator, Some(span(0..11)))
        );
        let e = parse("name").unwrap_err();
        assert_eq!(e.hint(), Some(NO_OPERATOR_HINT));
    }

    #[test]
    fn invalid_paths() {
        assert_eq!(
            err("1abc=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(0..4)))
        );
        assert_eq!(
            err("vm-nics.ip=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(0..7)))
        );
        assert_eq!(
            err("a..b=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(1..2)))
        );
        assert_eq!(
            err("a.=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(1..2)))
        );
        assert_eq!(
            err("a.1b=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(2..4)))
        );
        assert_eq!(err("=x"), (ErrorKind::SyntaxInvalidPath, Some(span(0..0))));
        assert_eq!(
            err("  ?=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(2..2)))
        );
        assert_eq!(err(""), (ErrorKind::SyntaxInvalidPath, Some(span(0..0))));
        assert_eq!(
            err(".a=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(0..1)))
        );
        assert_eq!(
            err("nämé=x"),
            (ErrorKind::SyntaxInvalidPath, Some(span(0..6)))
        );
        assert_eq!(err("é=x"), (ErrorKind::SyntaxInvalidPath, Some(span(0..2))));
    }

    #[test]
    fn exact_paths() {
        let s = "a.b x";
        let t = Text::verbatim(s, 0, s.len());
        assert_eq!(path(&t, 0, 3).unwrap().dotted(), "a.b");
        assert_eq!(path(&t, 0, 5).unwrap_err().span(), Some(span(2..5)));
        assert_eq!(path(&t, 0, 2).unwrap_err().span(), Some(span(1..2)));
        assert_eq!(path(&t, 4, 4).unwrap_err().span(), Some(span(4..4)));
    }

    #[test]
    fn value_length_limit() {
        let limits = Limits {
            max_value_length: 3,
            ..Limits::default()
        };
        let ok = "a=abc";
        assert!(condition(Text::verbatim(ok, 0, ok.len()), &limits).is_ok());
        let long = "a=abcd";
        let e = condition(Text::verbatim(long, 0, long.len()), &limits).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::ValueLength,
                max: 3
            }
        );
        assert_eq!(e.span(), Some(span(2..6)));
    }
}
