//! `plan`: the resolved query, ready to emit. Every path is bound to relation hops, every field to
//! a column of a known table, every value typed. Knows the schema's ids; knows nothing of SQL text.

use std::sync::Arc;

use crate::error::Span;
use crate::schema::{Cardinality, FieldType, ResourceId, StoredIn};

/// A typed value, bound as a parameter by `emit`. Text is shared (`Arc<str>`): emit copies each
/// value of the plan into the statement's parameters, and a copy must not allocate.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// Text (strings, enums in canonical spelling, LIKE patterns).
    Text(Arc<str>),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A timestamp, normalized to `YYYY-MM-DD HH:MM:SS[.fff]`.
    Timestamp(Arc<str>),
}

impl Param {
    /// A count (`LIMIT`, `OFFSET`) as the integer parameter clients bind (`i64`, saturating).
    pub(crate) fn count(n: u64) -> Param {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The value as JSON (for `sql --json` and explain).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Param::Text(s) | Param::Timestamp(s) => serde_json::Value::String(s.to_string()),
            Param::Int(i) => (*i).into(),
            Param::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Param::Bool(b) => (*b).into(),
        }
    }
}

/// A column of a table reached by the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The resource whose table holds it (the scope's resource or an ancestor).
    pub owner: ResourceId,
    /// The field name (the key in replies).
    pub field: &'static str,
    /// The column name.
    pub column: &'static str,
    /// The field's type.
    pub ty: FieldType,
    /// Set when the value lives in another table (`@Queryable`).
    pub stored_in: Option<StoredIn>,
}

/// A comparison operator after resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
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
}

/// Which tag table a tag predicate tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagTable {
    /// `SystemTagVO` (`__systemTag__`).
    System,
    /// `UserTagVO` (`__userTag__`).
    User,
}

impl TagTable {
    /// The table name.
    pub fn table(self) -> &'static str {
        match self {
            TagTable::System => "SystemTagVO",
            TagTable::User => "UserTagVO",
        }
    }
}

/// The test applied to a value (a column or a tag's text).
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `value <cmp> param`.
    Compare(Cmp, Param),
    /// `value [NOT] IN (params)`.
    In {
        /// NOT IN.
        negated: bool,
        /// The items, in the order written, padded to [`in_list_bucket`] of their number by
        /// repeating the last one (the same set: `x IN (a, b, c, c)` is `x IN (a, b, c)`).
        values: Vec<Param>,
    },
    /// `value [NOT] LIKE pattern ESCAPE '\'`.
    Like {
        /// NOT LIKE.
        negated: bool,
        /// The pattern as the user wrote it.
        pattern: Arc<str>,
    },
    /// `value IS [NOT] NULL`.
    Null {
        /// IS NOT NULL.
        negated: bool,
    },
}

/// The number of placeholders an IN list of `n` items is written with: `n` up to 4, then the next
/// power of two up to 256, then `n`. Lists whose lengths share a bucket share one statement text,
/// so the statement-shape cache keeps one entry (and SQLite one prepared statement) per bucket
/// instead of one per length; the extra placeholders repeat the last item.
pub fn in_list_bucket(n: usize) -> usize {
    match n {
        0..=4 => n,
        5..=256 => n.next_power_of_two(),
        _ => n,
    }
}

/// One predicate inside a scope.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    /// A test on a field of the scope's resource.
    Field {
        /// The column.
        column: Column,
        /// The test.
        test: Test,
        /// The condition's span in the input.
        span: Span,
    },
    /// A tag test: positive tests mean "has a tag that …"; `negated` means "has no tag that …".
    Tag {
        /// Which table.
        table: TagTable,
        /// "has no tag that passes `test`".
        negated: bool,
        /// The test on the tag text, always positive; `None` means "any tag".
        test: Option<Test>,
        /// The condition's span.
        span: Span,
    },
}

/// A relation hop from one scope to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// The relation name.
    pub name: &'static str,
    /// One or many.
    pub cardinality: Cardinality,
    /// The key column on the parent scope (with the resource whose table holds it).
    pub local: (ResourceId, &'static str),
    /// The key column on the child scope.
    pub remote: (ResourceId, &'static str),
}

/// A set of rows of one resource with predicates on them (ANDed) and sub-scopes reached by hops.
/// The root scope is the queried resource; a child scope compiles to a semi-join, so it never
/// multiplies parent rows. Conditions sharing a path prefix share the scope (design.md: the same
/// child row), unless the engine is set to ZStack's independent form.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// The resource (after any type switch).
    pub resource: ResourceId,
    /// Predicates on this scope's rows.
    pub predicates: Vec<Predicate>,
    /// Sub-scopes: "has a related row that …".
    pub children: Vec<(Hop, Scope)>,
}

impl Scope {
    /// An empty scope on `resource`.
    pub fn new(resource: ResourceId) -> Scope {
        Scope {
            resource,
            predicates: Vec::new(),
            children: Vec::new(),
        }
    }
}

/// One sort key: a column of the root or of a resource reached by to-one hops.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    /// To-one hops from the root (empty for a root field).
    pub hops: Vec<(Hop, ResourceId)>,
    /// The column.
    pub column: Column,
    /// Descending.
    pub descending: bool,
}

/// What the statement returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Inventories with these columns.
    Rows(Vec<Column>),
    /// Only the number of matching rows (`count=true`).
    Count,
    /// One row per group with its count (`groupBy`).
    Groups {
        /// The group columns.
        columns: Vec<Column>,
        /// `count=true` was given: reply with `inventoryCounts` and `total`.
        as_counts: bool,
    },
}

/// Something the resolver decided, reported by `explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// An alias was expanded.
    AliasExpanded {
        /// The alias.
        alias: &'static str,
        /// What it became.
        path: String,
    },
    /// A to-many hop followed by its inverse was removed (design.md "Cycles").
    CycleRemoved {
        /// The condition's path.
        path: String,
        /// The two hops removed.
        hops: String,
    },
    /// A path revisits a resource meaningfully (kept).
    CycleKept {
        /// The condition's path.
        path: String,
        /// The resource revisited.
        resource: &'static str,
    },
    /// A last hop onto the target's key became the local key.
    LastHopCollapsed {
        /// The path as written.
        path: String,
        /// The column used instead.
        column: &'static str,
    },
    /// The type field switched the target to a child resource.
    TypeSwitch {
        /// From.
        from: &'static str,
        /// To.
        to: &'static str,
    },
}

/// The note in words, as `explain`, the REPL and the playground show it.
impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::AliasExpanded { alias, path } => {
                write!(f, "alias `{alias}` expanded to `{path}`")
            }
            Note::CycleRemoved { path, hops } => {
                write!(
                    f,
                    "cycle removed in `{path}`: `{hops}` returns to the same row"
                )
            }
            Note::CycleKept { path, resource } => {
                write!(
                    f,
                    "cycle kept in `{path}`: revisits {resource} (a different row)"
                )
            }
            Note::LastHopCollapsed { path, column } => {
                write!(f, "last hop of `{path}` collapsed onto `{column}`")
            }
            Note::TypeSwitch { from, to } => write!(f, "type switch: {from} → {to}"),
        }
    }
}

/// A resolved query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The resource named by the user.
    pub requested: ResourceId,
    /// The filter, rooted at the (possibly switched) resource.
    pub root: Scope,
    /// What to return.
    pub output: Output,
    /// Sort keys; the primary key ascending is appended by `emit`.
    pub sort: Vec<SortKey>,
    /// LIMIT.
    pub limit: u64,
    /// OFFSET.
    pub start: u64,
    /// Also return the total of matching rows (`replyWithCount`).
    pub reply_with_count: bool,
    /// Text compares exactly, by bytes (the engine's case-sensitive option), rather than ignoring
    /// ASCII case (design.md "String comparison").
    pub case_sensitive: bool,
    /// What the resolver decided.
    pub notes: Vec<Note>,
}

#[cfg(test)]
mod tests {
    use super::in_list_bucket;

    #[test]
    fn in_list_buckets_are_exact_then_powers_of_two_then_exact() {
        let got: Vec<usize> = [
            1, 2, 3, 4, 5, 8, 9, 16, 17, 100, 128, 129, 256, 257, 511, 10_000,
        ]
        .into_iter()
        .map(in_list_bucket)
        .collect();
        assert_eq!(
            got,
            [
                1, 2, 3, 4, 8, 8, 16, 16, 32, 128, 128, 256, 256, 257, 511, 10_000
            ]
        );
        // Never fewer placeholders than items.
        assert!((0..2_000).all(|n| in_list_bucket(n) >= n));
    }
}
