//! Errors: data first, printing second.
//!
//! Every stage returns [`Error`]. Its fields are private behind accessors, as in regex-syntax: a
//! [`ErrorKind`] (with a stable [`Error::code`]), the text the user sent, the byte [`Span`] of the
//! problem in that text, an optional second span, and an optional hint. `Display` renders the block
//! with a caret under the span; [`Error::to_json`] gives the shape a server returns.

use std::fmt;
use std::sync::Arc;

/// A half-open byte range `[start, end)` into the text the user sent (before percent-decoding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
}

/// Which configurable bound was hit (see [`crate::Limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// Bytes of query text.
    InputLength,
    /// Number of conditions.
    Conditions,
    /// Items in one `?=` / `!?=` list.
    InList,
    /// Hops in one dotted path.
    PathDepth,
    /// Bytes in one value.
    ValueLength,
    /// The `limit` parameter.
    Limit,
    /// Number of sort keys.
    SortKeys,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::InputLength => "input length",
            Limit::Conditions => "number of conditions",
            Limit::InList => "IN-list length",
            Limit::PathDepth => "path depth",
            Limit::ValueLength => "value length",
            Limit::Limit => "limit",
            Limit::SortKeys => "number of sort keys",
        })
    }
}

/// What went wrong. Variants are named subject first; `Display` is one lowercase phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A condition has a path but no operator after it.
    SyntaxNoOperator,
    /// A condition's path is not `ident(.ident)*`.
    SyntaxInvalidPath,
    /// A `%` not followed by two hex digits, or a decoded value that is not UTF-8.
    SyntaxPercentEncoding,
    /// The SDK JSON message is not valid JSON or has the wrong shape.
    SyntaxJson {
        /// What the JSON reader said.
        message: String,
    },
    /// A zstack-cli word is not `key=value` or the line has no API name.
    SyntaxCli {
        /// What was expected.
        expected: String,
    },
    /// A query parameter that the language does not have.
    ParameterUnknown {
        /// The parameter as written.
        name: String,
    },
    /// A parameter given twice (`sort=a&sort=b`).
    ParameterDuplicate {
        /// The parameter.
        name: String,
    },
    /// A parameter's value is malformed (`limit=abc`).
    ParameterInvalid {
        /// The parameter.
        name: String,
        /// What its value must look like.
        expected: String,
    },
    /// No resource was named, or the name is not a Query API / REST path of the schema.
    ResourceUnknown {
        /// The name as written (empty when none was given).
        name: String,
    },
    /// The last segment of a path is not a field of the resource reached.
    PathUnknownField {
        /// The inventory searched.
        resource: String,
        /// The name as written.
        field: String,
    },
    /// A middle segment of a path is not a relation of the resource reached.
    PathUnknownRelation {
        /// The inventory searched.
        resource: String,
        /// The name as written.
        relation: String,
    },
    /// A path ends on a relation, which has no value to compare (`vmNics=x`).
    PathEndsOnRelation {
        /// The relation.
        relation: String,
    },
    /// An alias expands back into itself.
    PathAliasLoop {
        /// The alias.
        alias: String,
    },
    /// A value cannot be read as the field's type.
    ValueWrongType {
        /// The field.
        field: String,
        /// Its type, as the schema names it.
        expected: String,
    },
    /// A value is not one of an enum field's values.
    ValueNotInEnum {
        /// The field.
        field: String,
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// The operator cannot apply to the field's type (`~=` on a boolean).
    OperatorNotAllowed {
        /// The operator as written.
        op: String,
        /// The field.
        field: String,
        /// Its type.
        field_type: String,
    },
    /// `fields`, `sort` or `groupBy` names something it cannot use.
    ParameterFieldNotAllowed {
        /// The parameter.
        param: String,
        /// The field as written.
        field: String,
        /// Why.
        reason: String,
    },
    /// A configured bound was exceeded.
    LimitExceeded {
        /// Which bound.
        limit: Limit,
        /// Its configured value.
        max: usize,
    },
    /// A schema file is invalid.
    Schema {
        /// What is wrong, naming the file and the entry.
        message: String,
    },
    /// The database reported an error.
    Database {
        /// The driver's message.
        message: String,
    },
}

impl ErrorKind {
    /// The stable code of this kind, used by servers and tests (`"unknown-field"`).
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::SyntaxNoOperator => "missing-operator",
            ErrorKind::SyntaxInvalidPath => "invalid-path",
            ErrorKind::SyntaxPercentEncoding => "invalid-encoding",
            ErrorKind::SyntaxJson { .. } => "invalid-json",
            ErrorKind::SyntaxCli { .. } => "invalid-cli",
            ErrorKind::ParameterUnknown { .. } => "unknown-parameter",
            ErrorKind::ParameterDuplicate { .. } => "duplicate-parameter",
            ErrorKind::ParameterInvalid { .. } => "invalid-parameter",
            ErrorKind::ResourceUnknown { .. } => "unknown-resource",
            ErrorKind::PathUnknownField { .. } => "unknown-field",
            ErrorKind::PathUnknownRelation { .. } => "unknown-relation",
            ErrorKind::PathEndsOnRelation { .. } => "path-ends-on-relation",
            ErrorKind::PathAliasLoop { .. } => "alias-loop",
            ErrorKind::ValueWrongType { .. } => "invalid-value",
            ErrorKind::ValueNotInEnum { .. } => "invalid-enum-value",
            ErrorKind::OperatorNotAllowed { .. } => "operator-not-allowed",
            ErrorKind::ParameterFieldNotAllowed { .. } => "field-not-allowed",
            ErrorKind::LimitExceeded { .. } => "limit-exceeded",
            ErrorKind::Schema { .. } => "invalid-schema",
            ErrorKind::Database { .. } => "database",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::SyntaxNoOperator => {
                f.write_str("condition has no operator (one of = != > < >= <= ?= !?= ~= !~=)")
            }
            ErrorKind::SyntaxInvalidPath => {
                f.write_str("expected a field path like `name` or `vmNics.l3Network.name`")
            }
            ErrorKind::SyntaxPercentEncoding => {
                f.write_str("invalid percent-encoding (expected `%` and two hex digits, UTF-8)")
            }
            ErrorKind::SyntaxJson { message } => write!(f, "invalid SDK JSON message: {message}"),
            ErrorKind::SyntaxCli { expected } => write!(f, "invalid zstack-cli line: expected {expected}"),
            ErrorKind::ParameterUnknown { name } => write!(f, "unknown query parameter `{name}`"),
            ErrorKind::ParameterDuplicate { name } => write!(f, "parameter `{name}` given twice"),
            ErrorKind::ParameterInvalid { name, expected } => {
                write!(f, "parameter `{name}` must be {expected}")
            }
            ErrorKind::ResourceUnknown { name } if name.is_empty() => {
                f.write_str("no resource named (expected a Query API like `QueryVmInstance` or a REST path like `vm-instances`)")
            }
            ErrorKind::ResourceUnknown { name } => write!(f, "unknown resource `{name}`"),
            ErrorKind::PathUnknownField { resource, field } => {
                write!(f, "{resource} has no field `{field}`")
            }
            ErrorKind::PathUnknownRelation { resource, relation } => {
                write!(f, "{resource} has no relation `{relation}`")
            }
            ErrorKind::PathEndsOnRelation { relation } => {
                write!(f, "`{relation}` is a relation, not a field: add a field after it")
            }
            ErrorKind::PathAliasLoop { alias } => write!(f, "alias `{alias}` expands into itself"),
            ErrorKind::ValueWrongType { field, expected } => {
                write!(f, "value of `{field}` is not a valid {expected}")
            }
            ErrorKind::ValueNotInEnum { field, .. } => {
                write!(f, "value is not one of the values of `{field}`")
            }
            ErrorKind::OperatorNotAllowed { op, field, field_type } => {
                write!(f, "operator `{op}` does not apply to `{field}` ({field_type})")
            }
            ErrorKind::ParameterFieldNotAllowed { param, field, reason } => {
                write!(f, "`{param}` cannot use `{field}`: {reason}")
            }
            ErrorKind::LimitExceeded { limit, max } => write!(f, "{limit} exceeds the maximum of {max}"),
            ErrorKind::Schema { message } => write!(f, "invalid schema: {message}"),
            ErrorKind::Database { message } => write!(f, "database error: {message}"),
        }
    }
}

/// An error from any stage, with the input it is about. Boxed, so a `Result` stays one pointer
/// wide on the success path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The details.
    inner: Box<Inner>,
}

/// What an [`Error`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    /// What went wrong.
    kind: ErrorKind,
    /// The text the user sent (empty for schema and database errors).
    input: Arc<str>,
    /// Where in `input`, when the error is about a place.
    span: Option<Span>,
    /// A second place, such as the first of two duplicate parameters.
    aux: Option<Span>,
    /// How to fix it, when we know.
    hint: Option<String>,
}

impl std::error::Error for Error {}

impl Error {
    /// A new error about `input`, with no span yet.
    // `#[cold]` here and on the stages' error helpers: the blocks that build an error are laid
    // out away from the hot path, so a compile touches fewer instruction cache lines.
    #[cold]
    pub fn new(kind: ErrorKind, input: impl Into<Arc<str>>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                input: input.into(),
                span: None,
                aux: None,
                hint: None,
            }),
        }
    }

    /// An error with no input (schema, database).
    #[cold]
    pub fn bare(kind: ErrorKind) -> Error {
        Error::new(kind, "")
    }

    /// Sets the span.
    pub fn with_span(mut self, span: Span) -> Error {
        self.inner.span = Some(span);
        self
    }

    /// Sets the second span.
    pub fn with_aux(mut self, span: Span) -> Error {
        self.inner.aux = Some(span);
        self
    }

    /// Sets the hint.
    #[cold]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.inner.hint = Some(hint.into());
        self
    }

    /// Replaces the input text (used when a later stage attaches the original query).
    pub fn with_input(mut self, input: impl Into<Arc<str>>) -> Error {
        self.inner.input = input.into();
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The stable code (see [`ErrorKind::code`]).
    pub fn code(&self) -> &'static str {
        self.inner.kind.code()
    }

    /// The byte span in the input, if the error is about a place.
    pub fn span(&self) -> Option<Span> {
        self.inner.span
    }

    /// A second span, if any.
    pub fn aux_span(&self) -> Option<Span> {
        self.inner.aux
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.inner.hint.as_deref()
    }

    /// The input the error is about.
    pub fn input(&self) -> &str {
        &self.inner.input
    }

    /// The one-line message (the kind's phrase).
    pub fn message(&self) -> String {
        self.inner.kind.to_string()
    }

    /// The JSON object a server returns: `{"code","message","span","hint"}`.
    ///
    /// ```
    /// let engine = zstack_query::Engine::zstack()?;
    /// let err = engine.plan(None, "vm-instances?q=nmae=x").unwrap_err();
    /// assert_eq!(err.to_json(), serde_json::json!({
    ///     "code": "unknown-field",
    ///     "message": "VmInstanceInventory has no field `nmae`",
    ///     "span": {"start": 15, "end": 19},
    ///     "hint": "did you mean `name`?"
    /// }));
    /// # Ok::<(), zstack_query::Error>(())
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code(),
            "message": self.message(),
            "span": self.inner.span.map(|s| serde_json::json!({"start": s.start, "end": s.end})),
            "hint": self.inner.hint,
        })
    }
}

/// Renders `error[code]: message`, the input with a row of carets under the span, and the hint.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code(), self.inner.kind)?;
        if let Some(span) = self.inner.span {
            render_span(f, &self.inner.input, span)?;
        }
        if let Some(hint) = &self.inner.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Draws the line(s) of `input` holding `span` and carets under it. Multi-line input (SDK JSON) gets
/// line numbers; only the line where the span starts is shown. Never panics: the span is clamped to
/// the input and to char boundaries.
fn render_span(f: &mut fmt::Formatter<'_>, input: &str, span: Span) -> fmt::Result {
    let start = floor_char_boundary(input, span.start.min(input.len()));
    let end = floor_char_boundary(input, span.end.min(input.len())).max(start);
    let line_start = input[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = input[start..].find('\n').map_or(input.len(), |i| start + i);
    let multi_line = input.contains('\n');
    let gutter = if multi_line {
        format!("{} ", input[..line_start].matches('\n').count() + 1)
    } else {
        String::new()
    };
    // A long line is cut to a window around the span (a 1 MB query must not print 1 MB), marked
    // with `…` where text was left out.
    let (shown_start, shown_end) = window(input, line_start, line_end, start, end.min(line_end));
    let lead = if shown_start > line_start { "…" } else { "" };
    let tail = if shown_end < line_end { "…" } else { "" };
    write!(
        f,
        "\n{gutter}  | {lead}{}{tail}",
        &input[shown_start..shown_end]
    )?;
    let pad = lead.chars().count() + input[shown_start..start].chars().count();
    let width = input[start..end.min(shown_end).max(start)]
        .chars()
        .count()
        .max(1);
    write!(
        f,
        "\n{}  | {}{}",
        " ".repeat(gutter.len()),
        " ".repeat(pad),
        "^".repeat(width)
    )
}

/// How many characters of context a rendered line keeps on each side of the span, at most.
const CONTEXT: usize = 40;
/// The longest span drawn in full.
const MAX_SPAN: usize = 80;

/// The byte range of the line `[line_start, line_end)` to print: the whole line when it is short,
/// else `CONTEXT` characters either side of the (at most `MAX_SPAN`-character) span.
fn window(
    input: &str,
    line_start: usize,
    line_end: usize,
    start: usize,
    end: usize,
) -> (usize, usize) {
    let line = &input[line_start..line_end];
    if line.chars().count() <= 2 * CONTEXT + MAX_SPAN {
        return (line_start, line_end);
    }
    let back = input[line_start..start]
        .char_indices()
        .rev()
        .nth(CONTEXT - 1)
        .map_or(line_start, |(i, _)| line_start + i);
    let span_end = input[start..end]
        .char_indices()
        .nth(MAX_SPAN)
        .map_or(end, |(i, _)| start + i);
    let ahead = input[span_end..line_end]
        .char_indices()
        .nth(CONTEXT)
        .map_or(line_end, |(i, _)| span_end + i);
    (back, ahead)
}

/// The largest char boundary at or below `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_and_hint() {
        let e = Error::new(
            ErrorKind::PathUnknownField {
                resource: "VmNicInventory".into(),
                field: "l3Netwrok".into(),
            },
            "q=vmNics.l3Netwrok.name=pub",
        )
        .with_span(Span::new(9, 18))
        .with_hint("did you mean `l3Network`?");
        assert_eq!(
            e.to_string(),
            "error[unknown-field]: VmNicInventory has no field `l3Netwrok`\n  | q=vmNics.l3Netwrok.name=pub\n  |          ^^^^^^^^^\n  = hint: did you mean `l3Network`?"
        );
    }

    #[test]
    fn printer_never_panics_on_odd_spans() {
        for input in ["", "a", "é€", "line1\nline2é"] {
            for s in 0..input.len() + 3 {
                for e in 0..input.len() + 3 {
                    let err =
                        Error::new(ErrorKind::SyntaxNoOperator, input).with_span(Span::new(s, e));
                    let text = err.to_string();
                    assert!(text.contains('^'), "{text}");
                }
            }
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let input = format!(
            "q={}&limt=1&q={}",
            "a=1&q=".repeat(100),
            "b=2&q=".repeat(100)
        );
        let at = input.find("limt").expect("there");
        let e = Error::new(
            ErrorKind::ParameterUnknown {
                name: "limt".into(),
            },
            input.as_str(),
        )
        .with_span(Span::new(at, at + 4));
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], format!("  | …{}…", &input[at - 40..at + 4 + 40]));
        assert_eq!(lines[2], format!("  | {}^^^^", " ".repeat(41)));
        // A long span is drawn up to its first 80 characters.
        let e = Error::new(ErrorKind::SyntaxNoOperator, input.as_str())
            .with_span(Span::new(2, input.len()));
        assert!(
            e.to_string()
                .lines()
                .nth(2)
                .is_some_and(|l| l.ends_with(&"^".repeat(80)))
        );
    }

    #[test]
    fn multi_line_input_gets_line_numbers() {
        let e =
            Error::new(ErrorKind::SyntaxNoOperator, "{\n \"x\": 1\n}").with_span(Span::new(3, 6));
        assert_eq!(
            e.to_string(),
            "error[missing-operator]: condition has no operator (one of = != > < >= <= ?= !?= ~= !~=)\n2   |  \"x\": 1\n    |  ^^^"
        );
    }

    #[test]
    fn json_shape() {
        let e = Error::new(ErrorKind::SyntaxNoOperator, "q=name").with_span(Span::new(2, 6));
        assert_eq!(
            e.to_json(),
            serde_json::json!({"code":"missing-operator","message": e.message(),"span":{"start":2,"end":6},"hint":null})
        );
    }
}
