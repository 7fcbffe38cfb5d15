//! `ast`: what the user wrote, validated only for shape.
//!
//! All three input forms (REST query string, zstack-cli line, SDK JSON) parse into one [`Query`].
//! The AST knows nothing of the schema: a path is a list of names, a value is text. Every node keeps
//! the byte [`Span`] of the text it came from, so later stages can point at it. `Display` prints the
//! canonical REST form, which parses back to an equal AST (modulo spans).

use std::borrow::Cow;
use std::fmt;

use crate::error::Span;

/// Which input form a query was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `q=name=vm1&limit=10` (optionally after `vm-instances?` or `GET zstack/v1/vm-instances?`).
    Rest,
    /// `QueryVmInstance name=vm1 limit=10`.
    Cli,
    /// `{"conditions":[{"name":"name","op":"=","value":"vm1"}],"limit":10}`.
    Json,
}

/// A comparison operator (grammar rule `operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `?=`: the value is a comma-separated list.
    In,
    /// `!?=`
    NotIn,
    /// `~=`: SQL LIKE with the user's `%` and `_`, `\` escapes.
    Like,
    /// `!~=`
    NotLike,
    /// `=null` or `is null`.
    IsNull,
    /// `!=null` or `not null`.
    NotNull,
}

impl Op {
    /// The REST token of this operator (`IsNull` prints as `=null`'s operator part, see [`Op::rest_text`]).
    pub fn token(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::In => "?=",
            Op::NotIn => "!?=",
            Op::Like => "~=",
            Op::NotLike => "!~=",
            Op::IsNull => " is null",
            Op::NotNull => " not null",
        }
    }

    /// How the operator and (for null tests) its value print in the canonical REST form.
    pub fn rest_text(self) -> &'static str {
        match self {
            Op::IsNull => "=null",
            Op::NotNull => "!=null",
            other => other.token(),
        }
    }

    /// True for `!=`, `!?=`, `!~=` (and `not null`): the operators that negate a positive test.
    pub fn is_negative(self) -> bool {
        matches!(self, Op::Ne | Op::NotIn | Op::NotLike | Op::NotNull)
    }

    /// True for the two null tests, which take no value.
    pub fn is_null_test(self) -> bool {
        matches!(self, Op::IsNull | Op::NotNull)
    }

    /// The SDK / QueryOp spelling (`in`, `not like`, `is null`).
    pub fn sdk_text(self) -> &'static str {
        match self {
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Like => "like",
            Op::NotLike => "not like",
            Op::IsNull => "is null",
            Op::NotNull => "is not null",
            other => other.token(),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token().trim_start())
    }
}

/// A name with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Spanned<T> {
        Spanned { node, span }
    }
}

/// One segment of a dotted path (`vmNics`, `ip`, `__systemTag__`).
pub type Segment<'a> = Spanned<Cow<'a, str>>;

/// The segments of a path, a slice by `Deref`. One or two are held inline (most paths are `field`
/// or `relation.field`), so such a path costs no allocation of its own; longer ones use a vector.
#[derive(Clone)]
pub struct Segments<'a> {
    /// The first two segments; slots past `len` hold an empty placeholder.
    inline: [Segment<'a>; 2],
    /// How many of `inline` are in use (at most 2); 0 once `more` holds them all.
    len: u8,
    /// Every segment, once there are more than two.
    more: Vec<Segment<'a>>,
}

/// What an unused inline slot holds.
const EMPTY_SEGMENT: Segment<'static> = Spanned {
    node: Cow::Borrowed(""),
    span: Span::new(0, 0),
};

impl<'a> Segments<'a> {
    /// No segments (no allocation).
    pub const fn new() -> Segments<'a> {
        Segments {
            inline: [EMPTY_SEGMENT, EMPTY_SEGMENT],
            len: 0,
            more: Vec::new(),
        }
    }

    /// Appends a segment.
    pub fn push(&mut self, segment: Segment<'a>) {
        if !self.more.is_empty() {
            self.more.push(segment);
            return;
        }
        match self.inline.get_mut(usize::from(self.len)) {
            // Written in place: the placeholder it replaces owns nothing.
            Some(slot) => {
                *slot = segment;
                self.len += 1;
            }
            None => {
                let [a, b] = std::mem::replace(&mut self.inline, [EMPTY_SEGMENT, EMPTY_SEGMENT]);
                self.more = vec![a, b, segment];
                self.len = 0;
            }
        }
    }
}

impl Default for Segments<'_> {
    fn default() -> Self {
        Segments::new()
    }
}

impl<'a> std::ops::Deref for Segments<'a> {
    type Target = [Segment<'a>];

    fn deref(&self) -> &[Segment<'a>] {
        if self.more.is_empty() {
            self.inline.get(..usize::from(self.len)).unwrap_or_default()
        } else {
            &self.more
        }
    }
}

impl<'a> From<Segment<'a>> for Segments<'a> {
    fn from(segment: Segment<'a>) -> Self {
        let mut segments = Segments::new();
        segments.push(segment);
        segments
    }
}

impl<'a> FromIterator<Segment<'a>> for Segments<'a> {
    fn from_iter<I: IntoIterator<Item = Segment<'a>>>(iter: I) -> Self {
        let mut segments = Segments::new();
        iter.into_iter().for_each(|s| segments.push(s));
        segments
    }
}

impl<'s, 'a> IntoIterator for &'s Segments<'a> {
    type Item = &'s Segment<'a>;
    type IntoIter = std::slice::Iter<'s, Segment<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Equal when the segments are (however they are held).
impl PartialEq for Segments<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Segments<'_> {}

impl fmt::Debug for Segments<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A dotted path `ident(.ident)*` (grammar rule `path`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path<'a> {
    /// The segments, at least one.
    pub segments: Segments<'a>,
    /// The whole path.
    pub span: Span,
}

impl Path<'_> {
    /// The path as dotted text.
    pub fn dotted(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(&seg.node);
        }
        s
    }
}

/// `path OP value` (grammar rule `condition`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition<'a> {
    /// The left side.
    pub path: Path<'a>,
    /// The operator; `=null` is already [`Op::IsNull`].
    pub op: Spanned<Op>,
    /// The right side, verbatim (not trimmed, not split); `None` for null tests.
    pub value: Option<Spanned<Cow<'a, str>>>,
    /// The whole condition.
    pub span: Span,
}

/// One `sort` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortKey<'a> {
    /// The field (a to-one dotted path is allowed).
    pub path: Path<'a>,
    /// `-f` / `sortDirection=desc`.
    pub descending: bool,
}

/// A whole query: conditions (ANDed) and parameters, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<'a> {
    /// The form it was written in.
    pub form: Form,
    /// The resource, when the text names it (`vm-instances`, `QueryVmInstance`).
    pub resource: Option<Spanned<Cow<'a, str>>>,
    /// The conditions, in input order.
    pub conditions: Vec<Condition<'a>>,
    /// `limit`.
    pub limit: Option<Spanned<u64>>,
    /// `start`.
    pub start: Option<Spanned<u64>>,
    /// `count`.
    pub count: Option<Spanned<bool>>,
    /// `replyWithCount`.
    pub reply_with_count: Option<Spanned<bool>>,
    /// `sort` (or `sortBy` + `sortDirection`), in priority order.
    pub sort: Vec<SortKey<'a>>,
    /// `fields`.
    pub fields: Vec<Path<'a>>,
    /// `groupBy`.
    pub group_by: Vec<Path<'a>>,
}

impl<'a> Query<'a> {
    /// An empty query of the given form.
    pub fn empty(form: Form) -> Query<'a> {
        Query {
            form,
            resource: None,
            conditions: Vec::new(),
            limit: None,
            start: None,
            count: None,
            reply_with_count: None,
            sort: Vec::new(),
            fields: Vec::new(),
            group_by: Vec::new(),
        }
    }
}

/// Percent-encodes what the REST form cannot carry literally: `%`, `&`, `#`, `+`, space, control
/// characters and non-ASCII.
fn encode(out: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?=<>[]{}|^`\"\\".contains(&b) {
            write!(out, "{}", b as char)?;
        } else {
            write!(out, "%{b:02X}")?;
        }
    }
    Ok(())
}

/// The canonical REST form: `q=` per condition in input order, then `limit start count
/// replyWithCount sort fields groupBy`. Null tests print as `=null` / `!=null`.
impl fmt::Display for Query<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for c in &self.conditions {
            write!(f, "{sep}q=")?;
            encode(f, &c.path.dotted())?;
            f.write_str(c.op.node.rest_text())?;
            if let Some(v) = &c.value {
                // `a>` with a value starting with `=` has no REST spelling: the query string is
                // decoded before the operator is found (as a servlet does), so it reads as `a>=`.
                // The CLI and SDK JSON forms can carry it.
                encode(f, &v.node)?;
            }
            sep = "&";
        }
        if let Some(l) = &self.limit {
            write!(f, "{sep}limit={}", l.node)?;
            sep = "&";
        }
        if let Some(s) = &self.start {
            write!(f, "{sep}start={}", s.node)?;
            sep = "&";
        }
        if let Some(c) = &self.count {
            write!(f, "{sep}count={}", c.node)?;
            sep = "&";
        }
        if let Some(c) = &self.reply_with_count {
            write!(f, "{sep}replyWithCount={}", c.node)?;
            sep = "&";
        }
        if !self.sort.is_empty() {
            write!(f, "{sep}sort=")?;
            for (i, k) in self.sort.iter().enumerate() {
                let sign = if k.descending { "-" } else { "%2B" };
                write!(
                    f,
                    "{}{sign}{}",
                    if i > 0 { "," } else { "" },
                    k.path.dotted()
                )?;
            }
            sep = "&";
        }
        for (name, list) in [("fields", &self.fields), ("groupBy", &self.group_by)] {
            if !list.is_empty() {
                write!(f, "{sep}{name}=")?;
                for (i, p) in list.iter().enumerate() {
                    write!(f, "{}{}", if i > 0 { "," } else { "" }, p.dotted())?;
                }
                sep = "&";
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(name: &str, at: usize) -> Segment<'_> {
        Spanned::new(Cow::Borrowed(name), Span::new(at, at + name.len()))
    }

    #[test]
    fn segments_hold_any_length_in_order() {
        let names = ["vmNics", "l3Network", "zone", "name", "uuid"];
        for n in 0..=names.len() {
            let mut pushed = Segments::new();
            for (i, name) in names[..n].iter().enumerate() {
                pushed.push(seg(name, i * 10));
            }
            let expected: Vec<Segment<'_>> = names[..n]
                .iter()
                .enumerate()
                .map(|(i, name)| seg(name, i * 10))
                .collect();
            assert_eq!(&*pushed, &expected[..], "{n} segments");
            // Held inline up to two, in a vector beyond.
            if n <= 2 {
                assert_eq!(usize::from(pushed.len), n, "{n} segments inline");
                assert_eq!(pushed.more.capacity(), 0, "{n} segments allocate nothing");
            } else {
                assert_eq!(
                    (pushed.len, pushed.more.len()),
                    (0, n),
                    "{n} segments in the vector"
                );
            }
            let collected: Segments<'_> = expected.iter().cloned().collect();
            assert_eq!(collected, pushed);
        }
        assert_ne!(
            Segments::from(seg("name", 0)),
            Segments::from(seg("uuid", 0))
        );
    }
}
