//! `emit`: [`plan::Query`] + [`Dialect`] → [`Sql`] (text + bound parameters).
//!
//! Knows SQL, not the query language. Every hop is a semi-join (`key IN (SELECT …)`), so a root row
//! is never duplicated and LIMIT, OFFSET and COUNT count roots; every value is a bound parameter;
//! identifiers come only from the schema.
//!
//! Two emitters write the same statements, byte for byte:
//! - [`emit`], the direct writer (`writer.rs`): the plan rendered straight to text in one pass,
//!   each value bound as its placeholder is written. The engine compiles through it.
//! - [`emit_with_sea_query`] (`sea.rs`): the plan built as sea-query statements and rendered by
//!   sea-query's query builders. It is the reference: the writer copies its spelling (parentheses
//!   included), and the tests, the oracle and the `compile` fuzz target compare the two on every
//!   plan they make. It costs about three times the instructions (docs/performance.md).
//!
//! `dialect.rs` holds every dialect difference as a question a dialect answers.

mod dialect;
mod sea;
mod writer;

use std::sync::Arc;

pub use dialect::{CaseFold, Dialect};

use crate::plan::{self, Param};
use crate::schema::{FieldType, ResourceId, Schema};

/// One SQL statement and its parameters, in placeholder order.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// The SQL text (`?` placeholders, `$n` on PostgreSQL). Shared: a statement-shape cache hit
    /// hands out the cached text without copying it.
    pub text: Arc<str>,
    /// The bound values.
    pub params: Vec<Param>,
}

/// A column of the result, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutColumn {
    /// The key in the reply (the inventory field name, or `count`).
    pub name: &'static str,
    /// How to read it back.
    pub ty: FieldType,
}

/// What the main statement returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Inventories.
    Rows,
    /// One row, one column: the number of matching rows.
    Count,
    /// One row per group with a `count` column.
    Groups {
        /// Reply as `inventoryCounts` + `total` (`count=true`) rather than `inventories`.
        as_counts: bool,
    },
}

/// The compiled query: the main statement, and the count statement for `replyWithCount`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sql {
    /// The dialect it was written for.
    pub dialect: Dialect,
    /// The main statement.
    pub main: Statement,
    /// The `COUNT(*)` of all matching rows, without ORDER BY / LIMIT (design.md `replyWithCount`).
    pub count: Option<Statement>,
    /// The main statement's columns (shared: a statement-shape cache hit hands out the cached
    /// list without copying it).
    pub columns: Arc<[OutColumn]>,
    /// What the main statement returns.
    pub shape: Shape,
    /// For each WHERE placeholder, in order, the ordinal of the plan value it binds (the values
    /// of the plan's tests in scope order: predicates, then sub-scopes; IN items one by one). A
    /// dialect may bind one value twice (MySQL's exact text comparison); the statement-shape cache
    /// re-binds new values through this map.
    pub(crate) where_origins: Arc<[(u32, ValueForm)]>,
}

/// How a plan value becomes the parameter of a placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueForm {
    /// As the plan holds it.
    AsIs,
    /// A LIKE pattern rewritten as a GLOB pattern ([`glob_pattern`]).
    Glob,
}

impl ValueForm {
    /// The parameter for this placeholder, from the plan value `p`.
    pub(crate) fn apply(self, p: Param) -> Param {
        match (self, p) {
            (ValueForm::Glob, Param::Text(pattern)) => Param::Text(glob_pattern(&pattern).into()),
            (_, p) => p,
        }
    }
}

/// The GLOB pattern matching what the LIKE `pattern` (with `\` escapes) matches, case-sensitively:
/// `%` → `*`, `_` → `?`, an escaped character literal, and GLOB's own `*`, `?` and `[` written
/// as one-character classes (`[*]`).
pub(crate) fn glob_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    let literal = |out: &mut String, c: char| match c {
        '*' => out.push_str("[*]"),
        '?' => out.push_str("[?]"),
        '[' => out.push_str("[[]"),
        c => out.push(c),
    };
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            // The resolver makes a trailing lone `\` an escaped one, so one always follows.
            '\\' => literal(&mut out, chars.next().unwrap_or('\\')),
            c => literal(&mut out, c),
        }
    }
    out
}

/// Compiles a resolved query for a dialect: the direct writer ([`writer`]), which writes the SQL
/// text and binds the parameters in one pass over the plan.
pub fn emit(plan: &plan::Query, schema: &Schema, dialect: Dialect) -> Sql {
    writer::emit(plan, schema, dialect)
}

/// Compiles a resolved query for a dialect by building sea-query statements and rendering them
/// with sea-query's query builders: the reference the direct writer is tested against. It returns
/// what [`emit`] returns, byte for byte, in about three times the instructions.
pub fn emit_with_sea_query(plan: &plan::Query, schema: &Schema, dialect: Dialect) -> Sql {
    sea::emit(plan, schema, dialect)
}

/// The text capacity a statement starts with: the reference query's SQLite text is ~330 bytes, so
/// a typical statement is written without growing its buffer.
const TEXT_CAPACITY: usize = 512;

/// Appends `n` in decimal (placeholder numbers, alias scopes and levels: `write!` would go through
/// the formatting machinery for each one). Inlined, so the common single digit costs one push.
#[inline]
fn push_decimal(text: &mut String, n: usize) {
    if n >= 10 {
        push_decimal_prefix(text, n / 10);
    }
    text.push(char::from(b'0' + (n % 10) as u8));
}

/// The digits of `n` (≥ 1) before the last, out of line.
fn push_decimal_prefix(text: &mut String, n: usize) {
    if n >= 10 {
        push_decimal_prefix(text, n / 10);
    }
    text.push(char::from(b'0' + (n % 10) as u8));
}

/// The level (0: the root-most table) of the table holding `owner`'s columns among the `depth`
/// tables of `resource`'s lineage; the root-most table's when `owner` is not in the lineage.
fn table_level(schema: &Schema, resource: ResourceId, depth: usize, owner: ResourceId) -> usize {
    let from_leaf = schema
        .lineage(resource)
        .position(|r| r == owner)
        .unwrap_or(depth.saturating_sub(1));
    depth.saturating_sub(1 + from_leaf)
}

/// The root-most ancestor (whose table holds the primary key of the lineage).
fn resource_root(schema: &Schema, r: ResourceId) -> ResourceId {
    schema.lineage(r).last().unwrap_or(r)
}

#[cfg(test)]
mod tests {
    use super::{glob_pattern, push_decimal};

    #[test]
    fn placeholder_numbers_are_decimal() {
        for n in [0, 1, 9, 10, 11, 99, 100, 1234, 4_000_000_000usize] {
            let mut s = String::from("$");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("${n}"));
        }
    }

    #[test]
    fn like_patterns_become_glob_patterns() {
        for (like, glob) in [
            ("web%", "web*"),
            ("web-_", "web-?"),
            ("%a%", "*a*"),
            (r"my\_vm", "my_vm"),
            (r"100\%", "100%"),
            (r"a\\b", r"a\b"),
            ("a*b?c[d]", "a[*]b[?]c[[]d]"),
            (r"\*\?\[", "[*][?][[]"),
            ("é_", "é?"),
            ("", ""),
        ] {
            assert_eq!(glob_pattern(like), glob, "{like}");
        }
    }
}
