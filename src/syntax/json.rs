//! The SDK JSON form (grammar rules `json-message`, `json-query`, `json-condition`, `json-op`, `json-value`):
//! an `APIQueryMessage` as the SDK sends it, optionally wrapped as `{"QueryVmInstance": {...}}` or
//! `{"org.zstack.header.vm.APIQueryVmInstanceMsg": {...}}`.
//!
//! serde_json checks the text first: it gives the error messages for malformed JSON, and its nesting limit
//! (128) bounds the recursion of the reader below. The reader then walks the same text again, keeping the byte
//! span of every key and value, so errors and AST nodes point into the JSON text; names and values without
//! escapes are borrowed from it.

use std::borrow::Cow;

use super::condition;
use super::decode::Text;
use super::params::{self, Once, Param, Seen};
use crate::ast::{Condition, Form, Op, Path, Query, SortKey, Spanned};
use crate::error::{Error, ErrorKind, Limit, Span};
use crate::limits::Limits;

/// A JSON value and the span of its text.
#[derive(Debug)]
struct Node<'a> {
    /// What it is.
    kind: Kind<'a>,
    /// Its text, quotes and brackets included.
    span: Span,
}

/// The kinds of JSON values.
#[derive(Debug)]
enum Kind<'a> {
    /// `null`
    Null,
    /// `true` / `false` (its text is in the span).
    Bool,
    /// A number (its text is in the span).
    Number,
    /// A string, unescaped, mapped to the raw text between the quotes.
    String(Text<'a>),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object's members, in input order (duplicates kept, so they can be reported).
    Object(Vec<Member<'a>>),
}

/// One `"key": value` of an object.
#[derive(Debug)]
struct Member<'a> {
    /// The key, unescaped.
    key: Text<'a>,
    /// The span of the key's text between its quotes.
    key_span: Span,
    /// The value.
    value: Node<'a>,
}

/// Nesting the reader accepts; serde_json has already refused anything deeper than 128.
const MAX_DEPTH: usize = 256;

/// A [`ErrorKind::SyntaxJson`] at `span`.
#[cold]
fn json_error(input: &str, message: &str, span: Span) -> Error {
    Error::new(
        ErrorKind::SyntaxJson {
            message: message.to_owned(),
        },
        input,
    )
    .with_span(span)
}

/// A reader of JSON text that was already validated by serde_json. It still reports, never panics, if the
/// text is not valid.
#[derive(Debug)]
struct Reader<'a> {
    /// The whole text.
    input: &'a str,
    /// The next byte to read.
    pos: usize,
}

impl<'a> Reader<'a> {
    /// The next byte, if any.
    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// An error at the current position.
    #[cold]
    fn error(&self, message: &str) -> Error {
        let end = (self.pos + 1).min(self.input.len());
        let end = if self.input.is_char_boundary(end) {
            end
        } else {
            self.pos
        };
        json_error(
            self.input,
            message,
            Span::new(self.pos.min(self.input.len()), end),
        )
    }

    /// Consumes `byte` or fails.
    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Error> {
        self.ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// Any JSON value (RFC 8259), with its span.
    fn value(&mut self, depth: usize) -> Result<Node<'a>, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.ws();
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a key"));
                        }
                        let (key, key_span) = self.string()?;
                        self.expect(b':', "expected `:`")?;
                        let value = self.value(depth + 1)?;
                        members.push(Member {
                            key,
                            key_span,
                            value,
                        });
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                Kind::Object(members)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                Kind::Array(items)
            }
            Some(b'"') => Kind::String(self.string()?.0),
            Some(b't' | b'f' | b'n') => {
                let rest = self.input.get(self.pos..).unwrap_or("");
                let (kind, len) = if rest.starts_with("true") {
                    (Kind::Bool, 4)
                } else if rest.starts_with("false") {
                    (Kind::Bool, 5)
                } else if rest.starts_with("null") {
                    (Kind::Null, 4)
                } else {
                    return Err(self.error("expected a value"));
                };
                self.pos += len;
                kind
            }
            Some(b'-' | b'0'..=b'9') => {
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                Kind::Number
            }
            _ => return Err(self.error("expected a value")),
        };
        Ok(Node {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// grammar: `json-string`; returns the unescaped text and the span between the quotes.
    fn string(&mut self) -> Result<(Text<'a>, Span), Error> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(_) => self.pos += 1,
                None => {
                    self.pos = open;
                    return Err(self.error("unclosed string"));
                }
            }
        }
        let end = self.pos;
        self.pos += 1;
        let text = if escaped {
            unescape(self.input, start, end)?
        } else {
            Text::verbatim(self.input, start, end)
        };
        Ok((text, Span::new(start, end)))
    }
}

/// Applies the JSON escapes in the raw string `start..end`, mapping each decoded character to its escape.
fn unescape(input: &str, start: usize, end: usize) -> Result<Text<'_>, Error> {
    let raw = input.get(start..end).unwrap_or("");
    let mut text = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len());
    let bad = |at: usize, len: usize| {
        let mut to = (at + len).min(end);
        while !input.is_char_boundary(to) {
            to -= 1;
        }
        json_error(input, "invalid escape", Span::new(at, to.max(at)))
    };
    let hex4 = |i: usize| {
        raw.get(i..i + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let mut i = 0;
    while let Some(c) = raw.get(i..).and_then(|r| r.chars().next()) {
        let at = start + i;
        let (ch, len) = if c != '\\' {
            (c, c.len_utf8())
        } else {
            match raw.as_bytes().get(i + 1) {
                Some(b'"') => ('"', 2),
                Some(b'\\') => ('\\', 2),
                Some(b'/') => ('/', 2),
                Some(b'b') => ('\u{8}', 2),
                Some(b'f') => ('\u{c}', 2),
                Some(b'n') => ('\n', 2),
                Some(b'r') => ('\r', 2),
                Some(b't') => ('\t', 2),
                Some(b'u') => {
                    let hi = hex4(i + 2).ok_or_else(|| bad(at, 6))?;
                    let (code, len) = if (0xD800..0xDC00).contains(&hi) {
                        let lo = raw
                            .get(i + 6..i + 8)
                            .filter(|u| *u == "\\u")
                            .and_then(|_| hex4(i + 8))
                            .filter(|lo| (0xDC00..0xE000).contains(lo))
                            .ok_or_else(|| bad(at, 12))?;
                        (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12)
                    } else {
                        (hi, 6)
                    };
                    (char::from_u32(code).ok_or_else(|| bad(at, len))?, len)
                }
                _ => return Err(bad(at, 2)),
            }
        };
        text.push(ch);
        map.extend(std::iter::repeat_n((at, at + len), ch.len_utf8()));
        i += len;
    }
    Ok(Text::mapped(input, text, map, start))
}

/// Checks the text with serde_json, turning its error into a [`ErrorKind::SyntaxJson`] with a span.
fn validate(input: &str) -> Result<(), Error> {
    let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(input) else {
        return Ok(());
    };
    let full = e.to_string();
    let message = full
        .rfind(" at line ")
        .and_then(|i| full.get(..i))
        .unwrap_or(&full);
    // serde_json's column counts bytes from the line start, 1-based, and names the byte it stopped at.
    let line_start = if e.line() <= 1 {
        0
    } else {
        input
            .match_indices('\n')
            .nth(e.line() - 2)
            .map_or(input.len(), |(i, _)| i + 1)
    };
    let at = (line_start + e.column()).min(input.len());
    let span = if e.is_eof() || at == 0 {
        Span::new(input.len(), input.len())
    } else {
        let mut s = at - 1;
        while !input.is_char_boundary(s) {
            s -= 1;
        }
        let mut end = at;
        while !input.is_char_boundary(end) {
            end += 1;
        }
        Span::new(s, end)
    };
    Err(json_error(input, message, span))
}

/// The top-level keys of an `APIQueryMessage` (grammar rule `json-query`).
const KNOWN: [&str; 10] = [
    "conditions",
    "limit",
    "start",
    "count",
    "replyWithCount",
    "sortBy",
    "sortDirection",
    "fields",
    "groupBy",
    "api",
];

/// Keys every SDK message carries, which a query ignores.
const IGNORED: [&str; 4] = ["session", "timeout", "systemTags", "userTags"];

/// grammar: `json-message` = `json-query` | `{ api-name : json-query }`.
pub(crate) fn parse<'a>(input: &'a str, limits: &Limits) -> Result<Query<'a>, Error> {
    super::check_length(input, limits)?;
    validate(input)?;
    let mut reader = Reader { input, pos: 0 };
    let root = reader.value(0)?;
    let Kind::Object(mut members) = root.kind else {
        return Err(json_error(
            input,
            "expected an object such as {\"conditions\": [...]}",
            root.span,
        ));
    };
    let mut query = Query::empty(Form::Json);
    let mut seen = Seen::default();
    if let [
        Member {
            key,
            key_span,
            value: Node {
                kind: Kind::Object(_),
                ..
            },
        },
    ] = members.as_slice()
    {
        let k = key.as_str();
        if !KNOWN.contains(&k) && !IGNORED.contains(&k) && is_api_name(k) {
            query.resource = Some(api_name(key));
            seen.once(Once::Api, "api", *key_span, input)?;
            if let Some(Member {
                value:
                    Node {
                        kind: Kind::Object(inner),
                        ..
                    },
                ..
            }) = members.pop()
            {
                members = inner;
            }
        }
    }
    let mut sort_by: Option<Path<'a>> = None;
    let mut direction: Option<(Spanned<bool>, Span)> = None;
    for Member {
        key,
        key_span,
        value,
    } in members
    {
        let text = value_text(input, &value);
        let name = KNOWN.iter().copied().find(|k| *k == key.as_str());
        let Some(name) = name else {
            if IGNORED.contains(&key.as_str()) {
                continue;
            }
            return Err(unknown(input, key.as_str(), key_span));
        };
        let p = Param {
            text: &text,
            start: 0,
            end: text.len(),
            name,
            key: key_span,
        };
        match name {
            "conditions" => {
                seen.once(Once::Conditions, name, key_span, input)?;
                match value.kind {
                    Kind::Null => {}
                    Kind::Array(items) => {
                        for item in items {
                            if query.conditions.len() >= limits.max_conditions {
                                return Err(Error::new(
                                    ErrorKind::LimitExceeded {
                                        limit: Limit::Conditions,
                                        max: limits.max_conditions,
                                    },
                                    input,
                                )
                                .with_span(item.span));
                            }
                            query.conditions.push(json_condition(input, item, limits)?);
                        }
                    }
                    _ => {
                        return Err(json_error(
                            input,
                            "`conditions` must be an array of {\"name\", \"op\", \"value\"} objects",
                            value.span,
                        ));
                    }
                }
            }
            _ if matches!(value.kind, Kind::Null) => {}
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
                sort_by = Some(match value.kind {
                    Kind::String(_) => p.path()?,
                    _ => return Err(invalid(input, name, "a field name", value.span)),
                });
            }
            "sortDirection" => {
                seen.once(Once::SortDirection, name, key_span, input)?;
                direction = Some((p.direction()?, key_span));
            }
            "fields" | "groupBy" => {
                let out = if name == "fields" {
                    &mut query.fields
                } else {
                    &mut query.group_by
                };
                match &value.kind {
                    Kind::String(_) => p.path_list(out)?,
                    Kind::Array(items) => {
                        for item in items {
                            let Kind::String(t) = &item.kind else {
                                return Err(invalid(
                                    input,
                                    name,
                                    "a list of field names",
                                    item.span,
                                ));
                            };
                            out.push(
                                Param {
                                    text: t,
                                    start: 0,
                                    end: t.len(),
                                    name,
                                    key: key_span,
                                }
                                .path()?,
                            );
                        }
                    }
                    _ => return Err(invalid(input, name, "a list of field names", value.span)),
                }
            }
            _ => {
                seen.once(Once::Api, name, key_span, input)?;
                let Kind::String(t) = &value.kind else {
                    return Err(invalid(
                        input,
                        name,
                        "a Query API name such as `QueryVmInstance`",
                        value.span,
                    ));
                };
                query.resource = Some(api_name(t));
            }
        }
    }
    match (sort_by, direction) {
        (Some(path), dir) => query.sort.push(SortKey {
            path,
            descending: dir.is_some_and(|d| d.0.node),
        }),
        // The SDK serializes `sortDirection`'s default, "asc", even without `sortBy`: that means nothing.
        (None, Some((dir, key))) if dir.node => {
            return Err(invalid(
                input,
                "sortDirection",
                "given together with `sortBy`",
                key,
            ));
        }
        _ => {}
    }
    Ok(query)
}

/// The text of a scalar value, for the parameter parsers: a string's contents, else the raw JSON text (so
/// `"limit": true` is reported as an invalid `limit` on `true`).
fn value_text<'a>(input: &'a str, node: &Node<'a>) -> Text<'a> {
    match &node.kind {
        Kind::String(t) => t.clone(),
        _ => Text::verbatim(input, node.span.start, node.span.end),
    }
}

/// A [`ErrorKind::ParameterInvalid`] at `span`.
#[cold]
fn invalid(input: &str, name: &str, expected: &str, span: Span) -> Error {
    Error::new(
        ErrorKind::ParameterInvalid {
            name: name.to_owned(),
            expected: expected.to_owned(),
        },
        input,
    )
    .with_span(span)
}

/// An unknown top-level key, with a hint.
#[cold]
fn unknown(input: &str, name: &str, span: Span) -> Error {
    let e = Error::new(
        ErrorKind::ParameterUnknown {
            name: name.to_owned(),
        },
        input,
    )
    .with_span(span);
    match name {
        "q" => e.with_hint("the SDK form lists conditions as \"conditions\": [{\"name\": .., \"op\": .., \"value\": ..}]"),
        "sort" => e.with_hint("the SDK form sorts with \"sortBy\" and \"sortDirection\""),
        _ => params::unknown(input, name, span, &KNOWN),
    }
}

/// True for a wrapper key naming a Query API: `QueryVmInstance`, `APIQueryVmInstanceMsg`, or a class name
/// `org.zstack.header.vm.APIQueryVmInstanceMsg`.
fn is_api_name(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    condition::is_ident(last)
        && (last.starts_with("Query") || (last.starts_with("API") && last.ends_with("Msg")))
}

/// The resource named by an API or class name: the last dotted part, without `API` and `Msg` around it
/// (`org.zstack.header.vm.APIQueryVmInstanceMsg` → `QueryVmInstance`), borrowed and spanned in the input.
fn api_name<'a>(t: &Text<'a>) -> Spanned<Cow<'a, str>> {
    let s = t.as_str();
    let mut a = s.rfind('.').map_or(0, |i| i + 1);
    let mut b = s.len();
    let last = s.get(a..b).unwrap_or("");
    if last.len() > 6 && last.starts_with("API") && last.ends_with("Msg") {
        a += 3;
        b -= 3;
    }
    Spanned::new(t.slice(a, b), t.span(a, b))
}

/// grammar: `json-op`: a REST token or a QueryOp word (`in`, `not in`, `like`, `not like`, `is null`,
/// `is not null`, `not null`), words case-insensitive and separated by any blanks.
fn op_word(s: &str) -> Option<Op> {
    if let Ok(("", op)) = condition::operator(s.trim()) {
        return Some(op);
    }
    let mut w = s.split_ascii_whitespace();
    let is = |x: Option<&str>, k: &str| x.is_some_and(|x| x.eq_ignore_ascii_case(k));
    match (w.next(), w.next(), w.next(), w.next()) {
        (a, None, ..) if is(a, "in") => Some(Op::In),
        (a, None, ..) if is(a, "like") => Some(Op::Like),
        (a, b, None, _) if is(a, "not") && is(b, "in") => Some(Op::NotIn),
        (a, b, None, _) if is(a, "not") && is(b, "like") => Some(Op::NotLike),
        (a, b, None, _) if is(a, "is") && is(b, "null") => Some(Op::IsNull),
        (a, b, None, _) if is(a, "not") && is(b, "null") => Some(Op::NotNull),
        (a, b, c, None) if is(a, "is") && is(b, "not") && is(c, "null") => Some(Op::NotNull),
        _ => None,
    }
}

/// grammar: `json-condition` = `{"name": path, "op": json-op, "value": json-value?}`.
fn json_condition<'a>(
    input: &'a str,
    node: Node<'a>,
    limits: &Limits,
) -> Result<Condition<'a>, Error> {
    let Kind::Object(members) = node.kind else {
        return Err(json_error(
            input,
            "a condition is an object {\"name\", \"op\", \"value\"}",
            node.span,
        ));
    };
    let mut parts: [Option<(Span, Node<'a>)>; 3] = [None, None, None];
    for Member {
        key,
        key_span,
        value,
    } in members
    {
        let i = match key.as_str() {
            "name" => 0,
            "op" => 1,
            "value" => 2,
            other => {
                return Err(params::unknown(
                    input,
                    other,
                    key_span,
                    &["name", "op", "value"],
                ));
            }
        };
        if let Some(Some((first, _))) = parts.get(i) {
            return Err(Error::new(
                ErrorKind::ParameterDuplicate {
                    name: key.as_str().to_owned(),
                },
                input,
            )
            .with_span(key_span)
            .with_aux(*first));
        }
        if let Some(slot) = parts.get_mut(i) {
            *slot = Some((key_span, value));
        }
    }
    let [name, op, value] = parts;
    let path = match name {
        Some((
            _,
            Node {
                kind: Kind::String(t),
                ..
            },
        )) => {
            let s = t.as_str();
            let a = s.len() - s.trim_start_matches(condition::is_space).len();
            let b = s.trim_end_matches(condition::is_space).len().max(a);
            condition::path(&t, a, b)?
        }
        Some((_, n)) => {
            return Err(json_error(
                input,
                "a condition's `name` is a string",
                n.span,
            ));
        }
        None => return Err(json_error(input, "a condition needs a `name`", node.span)),
    };
    let op = match op {
        Some((
            _,
            Node {
                kind: Kind::String(t),
                ..
            },
        )) => {
            let s = t.as_str();
            let a = s.len() - s.trim_start_matches(condition::is_space).len();
            let b = s.trim_end_matches(condition::is_space).len().max(a);
            let Some(op) = op_word(s) else {
                return Err(t.error(ErrorKind::SyntaxNoOperator, a, b).with_hint(
                    "`op` is one of = != > < >= <= ?= !?= ~= !~=, in, not in, like, not like, is null, is not null",
                ));
            };
            Spanned::new(op, t.span(a, b))
        }
        Some((_, n)) => {
            return Err(json_error(
                input,
                "a condition's `op` is a string such as \"=\"",
                n.span,
            ));
        }
        None => {
            return Err(Error::new(ErrorKind::SyntaxNoOperator, input)
                .with_span(node.span)
                .with_hint("add an `op`, such as \"op\": \"=\""));
        }
    };
    let value = value.map(|(_, v)| v);
    let (op, value) = json_value(input, op, value, node.span)?;
    if let Some(v) = &value
        && super::condition::value_too_long(op.node, &v.node, limits.max_value_length)
    {
        return Err(Error::new(
            ErrorKind::LimitExceeded {
                limit: Limit::ValueLength,
                max: limits.max_value_length,
            },
            input,
        )
        .with_span(v.span));
    }
    Ok(Condition {
        path,
        op,
        value,
        span: node.span,
    })
}

/// A condition's operator and value, as the AST holds them.
type OpValue<'a> = (Spanned<Op>, Option<Spanned<Cow<'a, str>>>);

/// grammar: `json-value` of a condition, checked against its operator. `=`/`!=` with the string `"null"`
/// become the null tests, as `name=null` does in the REST form.
fn json_value<'a>(
    input: &'a str,
    op: Spanned<Op>,
    value: Option<Node<'a>>,
    cond: Span,
) -> Result<OpValue<'a>, Error> {
    let Some(value) = value else {
        return if op.node.is_null_test() {
            Ok((op, None))
        } else {
            Err(json_error(input, "this operator needs a `value`", cond)
                .with_hint("for a null test write \"op\": \"is null\""))
        };
    };
    if op.node.is_null_test() {
        return match &value.kind {
            Kind::Null => Ok((op, None)),
            Kind::String(t) if t.as_str().is_empty() => Ok((op, None)),
            _ => Err(json_error(
                input,
                "a null test takes no `value`",
                value.span,
            )),
        };
    }
    let text = match value.kind {
        Kind::Null => {
            return Err(json_error(input, "`value` is null", value.span)
                .with_hint("for a null test write \"op\": \"is null\""));
        }
        Kind::String(t) => {
            let null = t.as_str() == "null";
            match op.node {
                Op::Eq if null => return Ok((Spanned::new(Op::IsNull, op.span), None)),
                Op::Ne if null => return Ok((Spanned::new(Op::NotNull, op.span), None)),
                _ => Spanned::new(t.slice(0, t.len()), t.span(0, t.len())),
            }
        }
        Kind::Bool | Kind::Number => Spanned::new(
            Cow::Borrowed(input.get(value.span.start..value.span.end).unwrap_or("")),
            value.span,
        ),
        Kind::Array(items) => {
            if !matches!(op.node, Op::In | Op::NotIn) {
                return Err(json_error(
                    input,
                    "a list needs `in` or `not in`",
                    value.span,
                ));
            }
            Spanned::new(join(input, items, value.span)?, value.span)
        }
        Kind::Object(_) => {
            return Err(json_error(
                input,
                "a `value` is a string, a number, a boolean, or a list for `in`",
                value.span,
            ));
        }
    };
    Ok((op, Some(text)))
}

/// The items of an `in` list joined with `,`, as the SDK's `QueryCondition.setValues` does
/// (zstack-semantics.md §1.5).
fn join<'a>(input: &'a str, items: Vec<Node<'a>>, span: Span) -> Result<Cow<'a, str>, Error> {
    if items.is_empty() {
        return Err(json_error(
            input,
            "an `in` list needs at least one item",
            span,
        ));
    }
    let mut out: Option<Cow<'a, str>> = None;
    for item in items {
        let text = match item.kind {
            Kind::String(t) => t.slice(0, t.len()),
            Kind::Bool | Kind::Number => {
                Cow::Borrowed(input.get(item.span.start..item.span.end).unwrap_or(""))
            }
            _ => {
                return Err(json_error(
                    input,
                    "an `in` item is a string, a number or a boolean",
                    item.span,
                ));
            }
        };
        if text.contains(',') {
            return Err(json_error(
                input,
                "an `in` item cannot contain `,`",
                item.span,
            ));
        }
        out = Some(match out {
            None => text,
            Some(mut joined) => {
                let s = joined.to_mut();
                s.push(',');
                s.push_str(&text);
                joined
            }
        });
    }
    Ok(out.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(r: std::ops::Range<usize>) -> Span {
        Span::from(r)
    }

    fn json(s: &str) -> Query<'_> {
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

    fn v(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn message_with_spans() {
        let input =
            r#"{"conditions":[{"name":"vmNics.ip","op":"=","value":"10.0.0.5"}],"limit":10}"#;
        let q = json(input);
        assert_eq!(conds(&q), [("vmNics.ip".into(), Op::Eq, v("10.0.0.5"))]);
        let c = &q.conditions[0];
        assert_eq!(c.path.segments[1].span, span(31..33));
        assert_eq!(c.op.span, span(41..42));
        assert_eq!(c.value.as_ref().unwrap().span, span(53..61));
        assert_eq!(c.span, span(15..63));
        assert!(matches!(c.value.as_ref().unwrap().node, Cow::Borrowed(_)));
        assert_eq!(q.limit, Some(Spanned::new(10, span(73..75))));
        assert_eq!(q.resource, None);
    }

    #[test]
    fn all_parameters() {
        let q = json(
            r#"{"limit":"5","start":0,"count":false,"replyWithCount":true,"sortBy":"createDate",
                "sortDirection":"DESC","fields":["uuid","name"],"groupBy":"hypervisorType,zoneUuid",
                "session":{"uuid":"x"},"timeout":1,"systemTags":[],"userTags":null}"#,
        );
        assert_eq!(q.limit.map(|l| l.node), Some(5));
        assert_eq!(q.start.map(|l| l.node), Some(0));
        assert_eq!(q.count.map(|l| l.node), Some(false));
        assert_eq!(q.reply_with_count.map(|l| l.node), Some(true));
        assert_eq!(
            (q.sort[0].path.dotted(), q.sort[0].descending),
            ("createDate".into(), true)
        );
        let f: Vec<_> = q.fields.iter().map(|p| p.dotted()).collect();
        assert_eq!(f, ["uuid", "name"]);
        let g: Vec<_> = q.group_by.iter().map(|p| p.dotted()).collect();
        assert_eq!(g, ["hypervisorType", "zoneUuid"]);
        let q = json(r#"{"groupBy":["a","b"],"sortDirection":"asc"}"#);
        assert_eq!(q.group_by.len(), 2);
        assert!(q.sort.is_empty());
        let q = json(r#"{"limit":null,"conditions":null,"fields":[]}"#);
        assert_eq!(q, Query::empty(Form::Json));
    }

    #[test]
    fn wrappers_and_api() {
        let input = r#"{"QueryVmInstance":{"conditions":[]}}"#;
        let r = json(input).resource.unwrap();
        assert_eq!((r.node.as_ref(), r.span), ("QueryVmInstance", span(2..17)));
        let input = r#"{"org.zstack.header.vm.APIQueryVmInstanceMsg":{"limit":1}}"#;
        let q = json(input);
        let r = q.resource.unwrap();
        assert_eq!((r.node.as_ref(), r.span), ("QueryVmInstance", span(26..41)));
        assert_eq!(q.limit.map(|l| l.node), Some(1));
        let r = json(r#"{"APIQueryHostMsg":{}}"#).resource.unwrap();
        assert_eq!(r.node, "QueryHost");
        let r = json(r#"{"api":"QueryHost","limit":1}"#).resource.unwrap();
        assert_eq!((r.node.as_ref(), r.span), ("QueryHost", span(8..17)));
        let e = err(r#"{"QueryHost":{"api":"QueryVmInstance"}}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate { name: "api".into() }
        );
        assert_eq!(
            (e.span(), e.aux_span()),
            (Some(span(15..18)), Some(span(2..11)))
        );
        let e = err(r#"{"Something":{}}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterUnknown {
                name: "Something".into()
            }
        );
    }

    #[test]
    fn op_spellings() {
        for (op, want) in [
            ("=", Op::Eq),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("?=", Op::In),
            ("!?=", Op::NotIn),
            ("~=", Op::Like),
            ("!~=", Op::NotLike),
            ("in", Op::In),
            ("IN", Op::In),
            ("not in", Op::NotIn),
            ("not  IN", Op::NotIn),
            ("like", Op::Like),
            ("not like", Op::NotLike),
        ] {
            let input = format!(r#"{{"conditions":[{{"name":"a","op":"{op}","value":"x"}}]}}"#);
            assert_eq!(conds(&json(&input)), [("a".into(), want, v("x"))], "{op}");
        }
        for op in ["is null", "IS NULL", "is not null", "not null"] {
            let input = format!(r#"{{"conditions":[{{"name":"a","op":"{op}"}}]}}"#);
            let want = if op.eq_ignore_ascii_case("is null") {
                Op::IsNull
            } else {
                Op::NotNull
            };
            assert_eq!(conds(&json(&input)), [("a".into(), want, None)], "{op}");
        }
        let e = err(r#"{"conditions":[{"name":"a","op":"equals","value":"x"}]}"#);
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxNoOperator, Some(span(33..39)))
        );
    }

    #[test]
    fn value_kinds() {
        let q = json(
            r#"{"conditions":[{"name":"cpuNum","op":">","value":2},{"name":"a","op":"=","value":true},
               {"name":"uuid","op":"in","value":["x","y",3]},{"name":"b","op":"=","value":"null"},
               {"name":"c","op":"!=","value":"null"},{"name":"d","op":"is null","value":null},
               {"name":"e","op":"?=","value":["only"]}]}"#,
        );
        assert_eq!(
            conds(&q),
            [
                ("cpuNum".into(), Op::Gt, v("2")),
                ("a".into(), Op::Eq, v("true")),
                ("uuid".into(), Op::In, v("x,y,3")),
                ("b".into(), Op::IsNull, None),
                ("c".into(), Op::NotNull, None),
                ("d".into(), Op::IsNull, None),
                ("e".into(), Op::In, v("only")),
            ]
        );
        assert!(matches!(
            q.conditions[6].value.as_ref().unwrap().node,
            Cow::Borrowed("only")
        ));
    }

    #[test]
    fn escaped_strings_map_back() {
        let input = r#"{"conditions":[{"name":"n\u0061me","op":"=","value":"a\"b\u00e9"}]}"#;
        let q = json(input);
        assert_eq!(conds(&q), [("name".into(), Op::Eq, v("a\"bé"))]);
        let c = &q.conditions[0];
        assert_eq!(c.path.span, span(24..33));
        assert_eq!(c.value.as_ref().unwrap().span, span(53..63));
        let q = json(r#"{"conditions":[{"name":"a","op":"=","value":"\ud83d\ude00"}]}"#);
        assert_eq!(conds(&q), [("a".into(), Op::Eq, v("😀"))]);
        // serde_json's validation lets a lone surrogate through; the reader refuses it, within the string.
        let e = err(r#"{"conditions":[{"name":"a","op":"=","value":"\ud83dxé"}]}"#);
        assert_eq!(
            (e.kind(), e.span()),
            (
                &ErrorKind::SyntaxJson {
                    message: "invalid escape".into()
                },
                Some(span(45..54))
            )
        );
    }

    #[test]
    fn shape_errors() {
        for (input, sp) in [
            (r#"[1]"#, 0..3),
            (r#"{"conditions":{}}"#, 14..16),
            (r#"{"conditions":[1]}"#, 15..16),
            (r#"{"conditions":[{"op":"="}]}"#, 15..25),
            (r#"{"conditions":[{"name":1,"op":"="}]}"#, 23..24),
            (
                r#"{"conditions":[{"name":"a","op":"=","value":{}}]}"#,
                44..46,
            ),
            (r#"{"conditions":[{"name":"a","op":"="}]}"#, 15..36),
            (
                r#"{"conditions":[{"name":"a","op":"=","value":null}]}"#,
                44..48,
            ),
            (
                r#"{"conditions":[{"name":"a","op":"=","value":["x"]}]}"#,
                44..49,
            ),
            (
                r#"{"conditions":[{"name":"a","op":"in","value":[]}]}"#,
                45..47,
            ),
            (
                r#"{"conditions":[{"name":"a","op":"in","value":["x,y"]}]}"#,
                46..51,
            ),
            (
                r#"{"conditions":[{"name":"a","op":"is null","value":"x"}]}"#,
                50..53,
            ),
        ] {
            let e = err(input);
            assert!(
                matches!(e.kind(), ErrorKind::SyntaxJson { .. }),
                "{input}: {e}"
            );
            assert_eq!(e.span(), Some(span(sp)), "{input}");
        }
        let e = err(r#"{"conditions":[{"name":"a"}]}"#);
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxNoOperator, Some(span(15..27)))
        );
        let e = err(r#"{"conditions":[{"name":"vm-nics","op":"=","value":"x"}]}"#);
        assert_eq!(
            (e.kind(), e.span()),
            (&ErrorKind::SyntaxInvalidPath, Some(span(24..31)))
        );
    }

    #[test]
    fn malformed_json_gets_a_span() {
        let e = err(r#"{"a":}"#);
        assert!(
            matches!(e.kind(), ErrorKind::SyntaxJson { message } if message == "expected value"),
            "{e:?}"
        );
        assert_eq!(e.span(), Some(span(5..6)));
        let e = err(r#"{"a":"#);
        assert_eq!(e.span(), Some(span(5..5)));
        let e = err("{\n \"limit\": 1,\n x}");
        assert_eq!(e.span(), Some(span(16..17)));
        for n in [200, 100_000] {
            let deep = format!("{}{}", "[".repeat(n), "]".repeat(n));
            assert!(matches!(err(&deep).kind(), ErrorKind::SyntaxJson { .. }));
            let deep = format!(
                "{{\"conditions\":{}{}}}",
                "[{\"a\":".repeat(n),
                "}]".repeat(n)
            );
            assert!(matches!(err(&deep).kind(), ErrorKind::SyntaxJson { .. }));
        }
    }

    #[test]
    fn unknown_and_duplicate_keys() {
        let e = err(r#"{"limt":1}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterUnknown {
                name: "limt".into()
            }
        );
        assert_eq!(e.span(), Some(span(2..6)));
        assert_eq!(e.hint(), Some("did you mean `limit`?"));
        let e = err(r#"{"q":"name=x"}"#);
        assert!(e.hint().unwrap().contains("conditions"));
        let e = err(r#"{"conditions":[{"name":"a","op":"=","vaule":"x"}]}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterUnknown {
                name: "vaule".into()
            }
        );
        assert_eq!(e.hint(), Some("did you mean `value`?"));
        let e = err(r#"{"limit":1,"limit":2}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate {
                name: "limit".into()
            }
        );
        assert_eq!(
            (e.span(), e.aux_span()),
            (Some(span(12..17)), Some(span(2..7)))
        );
        let e = err(r#"{"conditions":[{"name":"a","name":"b","op":"="}]}"#);
        assert_eq!(
            e.kind(),
            &ErrorKind::ParameterDuplicate {
                name: "name".into()
            }
        );
        let e = err(r#"{"limit":-1}"#);
        assert!(matches!(e.kind(), ErrorKind::ParameterInvalid { .. }));
        assert_eq!(e.span(), Some(span(9..11)));
        let e = err(r#"{"count":"maybe"}"#);
        assert_eq!(e.span(), Some(span(10..15)));
        let e = err(r#"{"sortDirection":"desc"}"#);
        assert!(
            matches!(e.kind(), ErrorKind::ParameterInvalid { name, .. } if name == "sortDirection")
        );
    }

    #[test]
    fn limits() {
        let l = Limits {
            max_conditions: 1,
            max_value_length: 3,
            ..Limits::default()
        };
        let e = parse(r#"{"conditions":[{"name":"a","op":"=","value":"x"},{"name":"b","op":"=","value":"y"}]}"#, &l)
            .unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::Conditions,
                max: 1
            }
        );
        assert_eq!(e.span(), Some(span(49..82)));
        let e = parse(
            r#"{"conditions":[{"name":"a","op":"in","value":["abcd","cd"]}]}"#,
            &l,
        )
        .unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::LimitExceeded {
                limit: Limit::ValueLength,
                max: 3
            }
        );
        assert_eq!(e.span(), Some(span(45..58)));
        // Each item of an IN list is bounded, not the list (the resolver bounds its length).
        assert!(
            parse(
                r#"{"conditions":[{"name":"a","op":"in","value":["ab","cd"]}]}"#,
                &l
            )
            .is_ok()
        );
    }
}
