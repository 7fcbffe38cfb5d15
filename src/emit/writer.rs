//! The direct writer: a plan rendered straight to SQL text in one pass, each value bound as its
//! placeholder is written.
//!
//! It writes what sea-query writes for the statements of [`super::sea`], byte for byte (the
//! golden files pin that text, and `tests/emit_equivalence.rs`, the oracle and the `compile` fuzz
//! target compare the two emitters on every plan they see), without building expression trees:
//! sea-query boxes every operand and renders through generic formatting, which made emit the
//! largest stage of a compile (docs/performance.md).
//!
//! sea-query decides parentheses from the kinds of an operator's operands; every writing function
//! here returns the [`Kind`] of what it wrote, and an operand that sea-query would parenthesize
//! gets its parentheses afterwards ([`Writer::wrap_from`]).

use std::cell::Cell;
use std::sync::Arc;

use super::{
    CaseFold, Dialect, OutColumn, Shape, Sql, Statement, TEXT_CAPACITY, ValueForm, glob_pattern,
    push_decimal, resource_root, table_level,
};
use crate::plan::{self, Cmp, Output, Param, Predicate, Scope, SortKey, Test};
use crate::schema::{FieldType, ResourceId, Schema};

/// The class of an operator, as sea-query's precedence rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `=`, `<>`, `>`, `<`, `>=`, `<=`.
    Comparison,
    /// `IN`, `NOT IN`.
    In,
    /// `LIKE`, `NOT LIKE`.
    Like,
    /// `IS`, `IS NOT`.
    Is,
    /// `AND`.
    And,
    /// `ESCAPE` (the right operand of `LIKE`).
    Escape,
    /// A custom operator (`GLOB`, `NOT GLOB`).
    Custom,
}

/// What an expression is, as sea-query's parenthesization sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A column, value, function call, tuple, keyword, constant or subquery: never wrapped.
    Atom,
    /// Custom SQL (a dialect template): wrapped wherever it is an operand.
    Custom,
    /// `left op right`.
    Binary {
        /// The operator's class.
        op: Op,
        /// The right operand is itself binary (such an item of a WHERE chain is wrapped).
        right: Option<Op>,
    },
}

impl Kind {
    /// True when `self`, an operand of `outer`, binds tighter than it, so sea-query writes it
    /// without parentheses.
    fn binds_tighter_than(self, outer: Op) -> bool {
        match self {
            Kind::Atom => true,
            Kind::Custom => false,
            Kind::Binary { op, .. } => {
                matches!(op, Op::Comparison | Op::In | Op::Like | Op::Is) && outer == Op::And
            }
        }
    }
}

/// The tables of one scope: the resource's lineage, root-most ancestor first, aliased
/// `t{scope}` (level 0) and `t{scope}_{level}`.
#[derive(Clone, Copy)]
struct Tables {
    resource: ResourceId,
    scope: usize,
    /// The number of tables (the lineage's length).
    depth: usize,
}

/// A table alias: `(scope, level)`.
type Alias = (usize, usize);

/// Compiles a resolved query for a dialect (see the module documentation).
pub(super) fn emit(plan: &plan::Query, schema: &Schema, dialect: Dialect) -> Sql {
    let mut w = Writer {
        schema,
        dialect,
        fold: dialect.text_comparison(plan.case_sensitive),
        quote: dialect.quote(),
        numbered: dialect.numbered_placeholders(),
        next_scope: 0,
        ordinal: 0,
        text: TEXT.take(),
        params: Vec::with_capacity(8),
        origins: ORIGINS.take(),
    };
    w.text.clear();
    w.text.reserve(TEXT_CAPACITY);
    w.origins.clear();
    let tables = w.tables(plan.root.resource);
    let needs_count = plan.reply_with_count
        || matches!(
            plan.output,
            Output::Groups {
                as_counts: true,
                ..
            }
        );

    w.text.push_str("SELECT ");
    let (columns, shape) = w.select_list(plan, tables);
    let from_start = w.text.len();
    w.text.push_str(" FROM ");
    w.from(tables);
    w.where_clause(&plan.root, tables);
    let where_end = w.text.len();
    let where_params = w.params.len();

    if let Output::Groups { columns, .. } = &plan.output {
        w.text.push_str(" GROUP BY ");
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                w.text.push_str(", ");
            }
            let a = w.alias_of(tables, c.owner);
            if c.ty.is_textual() {
                w.key(|w| w.column(a, c.column));
            } else {
                w.column(a, c.column);
            }
        }
    }
    // The count statement: the same FROM and WHERE (and so the same leading parameters).
    let count = needs_count.then(|| {
        let mut text = String::with_capacity(where_end - from_start + 32);
        text.push_str("SELECT COUNT(*) AS ");
        push_quoted(&mut text, w.quote, "count");
        text.push_str(&w.text[from_start..where_end]);
        Statement {
            text: text.into(),
            params: w.params[..where_params].to_vec(),
        }
    });
    if shape != Shape::Count {
        w.order(plan, tables);
        w.text.push_str(" LIMIT ");
        w.placeholder(Param::count(plan.limit));
        if plan.start > 0 {
            w.text.push_str(" OFFSET ");
            w.placeholder(Param::count(plan.start));
        }
    }
    let where_origins = Arc::from(w.origins.as_slice());
    if w.origins.capacity() <= KEEP_ORIGINS {
        ORIGINS.set(w.origins);
    }
    let text = Arc::from(w.text.as_str());
    if w.text.capacity() <= KEEP_TEXT {
        TEXT.set(w.text);
    }
    Sql {
        dialect,
        main: Statement {
            text,
            params: w.params,
        },
        count,
        columns,
        shape,
        where_origins,
    }
}

thread_local! {
    /// The statement text being written, kept between compiles on this thread: the `Sql` gets one
    /// exact-size shared copy instead of a growing string and its copy.
    static TEXT: Cell<String> = const { Cell::new(String::new()) };
    /// The placeholder origins being recorded, kept likewise.
    static ORIGINS: Cell<Vec<(u32, ValueForm)>> = const { Cell::new(Vec::new()) };
}

/// Text buffers larger than this are not kept between compiles.
const KEEP_TEXT: usize = 64 * 1024;

/// Origin buffers larger than this are not kept between compiles.
const KEEP_ORIGINS: usize = 4096;

fn push_quoted(text: &mut String, quote: char, name: &str) {
    text.push(quote);
    text.push_str(name);
    text.push(quote);
}

struct Writer<'s> {
    schema: &'s Schema,
    dialect: Dialect,
    /// How text compares (the dialect's case folding, or exact under the case-sensitive option).
    fold: CaseFold,
    /// The identifier quote.
    quote: char,
    /// `$1, $2, …` (PostgreSQL) rather than `?`.
    numbered: bool,
    /// The next scope number (for aliases).
    next_scope: usize,
    /// The next plan value's ordinal (see [`Sql::where_origins`]).
    ordinal: u32,
    text: String,
    params: Vec<Param>,
    origins: Vec<(u32, ValueForm)>,
}

impl Writer<'_> {
    // ---- scopes and names -------------------------------------------------------------------

    /// The tables of `resource` in the next scope.
    fn tables(&mut self, resource: ResourceId) -> Tables {
        let scope = self.next_scope;
        self.next_scope += 1;
        self.tables_in(resource, scope)
    }

    /// The tables of `resource` in scope `scope`.
    fn tables_in(&self, resource: ResourceId, scope: usize) -> Tables {
        Tables {
            resource,
            scope,
            depth: self.schema.lineage(resource).count(),
        }
    }

    /// The alias of the table holding `owner`'s columns (the root-most table's when `owner` is not
    /// in the lineage).
    fn alias_of(&self, t: Tables, owner: ResourceId) -> Alias {
        (
            t.scope,
            table_level(self.schema, t.resource, t.depth, owner),
        )
    }

    fn ident(&mut self, name: &str) {
        push_quoted(&mut self.text, self.quote, name);
    }

    fn alias(&mut self, (scope, level): Alias) {
        let q = self.quote;
        let text = &mut self.text;
        text.reserve(16);
        text.push(q);
        text.push('t');
        push_decimal(text, scope);
        if level > 0 {
            text.push('_');
            push_decimal(text, level);
        }
        text.push(q);
    }

    /// `alias.column`.
    fn column(&mut self, a: Alias, column: &str) -> Kind {
        self.text.reserve(column.len() + 20);
        self.alias(a);
        self.text.push('.');
        self.ident(column);
        Kind::Atom
    }

    /// `"Table" AS "t0" INNER JOIN "Child" AS "t0_1" ON "t0_1"."pk" = "t0"."pk"`, root-most first.
    fn from(&mut self, t: Tables) {
        let mut first: Option<(Alias, &'static str)> = None;
        for level in 0..t.depth {
            let Some(r) = self.schema.lineage(t.resource).nth(t.depth - 1 - level) else {
                continue;
            };
            let table = self.schema.resource(r).table;
            let a = (t.scope, level);
            let pk = self.schema.pk_column(r);
            match first {
                None => {
                    first = Some((a, pk));
                    self.ident(table);
                    self.text.push_str(" AS ");
                    self.alias(a);
                }
                Some((fa, fpk)) => {
                    self.text.push_str(" INNER JOIN ");
                    self.ident(table);
                    self.text.push_str(" AS ");
                    self.alias(a);
                    self.text.push_str(" ON ");
                    self.column(a, pk);
                    self.text.push_str(" = ");
                    self.column(fa, fpk);
                }
            }
        }
    }

    // ---- values -----------------------------------------------------------------------------

    /// A placeholder binding `p`.
    fn placeholder(&mut self, p: Param) {
        if self.numbered {
            self.text.push('$');
            push_decimal(&mut self.text, self.params.len() + 1);
        } else {
            self.text.push('?');
        }
        self.params.push(p);
    }

    /// The plan value `p` (ordinal `ordinal`) as a placeholder: a timestamp cast where the
    /// dialect needs it.
    fn value(&mut self, p: &Param, ordinal: u32) -> Kind {
        self.origins.push((ordinal, ValueForm::AsIs));
        match (p, self.dialect.timestamp_cast()) {
            (Param::Timestamp(_), Some(ty)) => {
                self.text.push_str("CAST(");
                self.placeholder(p.clone());
                self.text.push_str(" AS ");
                self.text.push_str(ty);
                self.text.push(')');
            }
            _ => self.placeholder(p.clone()),
        }
        Kind::Atom
    }

    /// A text value (a LIKE or GLOB pattern) as a placeholder.
    fn text_value(&mut self, text: Arc<str>, ordinal: u32, form: ValueForm) -> Kind {
        self.origins.push((ordinal, form));
        self.placeholder(Param::Text(text));
        Kind::Atom
    }

    // ---- expression structure ---------------------------------------------------------------

    /// Wraps what was written since `start` in parentheses.
    fn wrap_from(&mut self, start: usize) {
        self.text.insert(start, '(');
        self.text.push(')');
    }

    /// `left op right`, with sea-query's parentheses around the operands.
    fn binary(
        &mut self,
        op: Op,
        op_text: &str,
        left: impl FnOnce(&mut Self) -> Kind,
        right: impl FnOnce(&mut Self) -> Kind,
    ) -> Kind {
        let start = self.text.len();
        let l = left(self);
        // `AND` is left-associative: a left `AND` operand keeps no parentheses.
        let left_assoc = op == Op::And && matches!(l, Kind::Binary { op: Op::And, .. });
        if !l.binds_tighter_than(op) && !left_assoc {
            self.wrap_from(start);
        }
        self.text.push(' ');
        self.text.push_str(op_text);
        self.text.push(' ');
        let start = self.text.len();
        let r = right(self);
        // `x LIKE p ESCAPE e` is one ternary operator to sea-query.
        let escape = op == Op::Like && matches!(r, Kind::Binary { op: Op::Escape, .. });
        if !r.binds_tighter_than(op) && !escape {
            self.wrap_from(start);
        }
        Kind::Binary {
            op,
            right: match r {
                Kind::Binary { op, .. } => Some(op),
                _ => None,
            },
        }
    }

    /// A dialect template (`CAST(LOWER(?) AS BINARY)`) around `inner`: the template's placeholder
    /// (`?`, or `$1` where placeholders are numbered) is where `inner` goes.
    fn template(&mut self, template: &str, inner: impl FnOnce(&mut Self) -> Kind) -> Kind {
        let mark = if self.numbered { "$1" } else { "?" };
        match template.split_once(mark) {
            Some((before, after)) => {
                self.text.push_str(before);
                inner(self);
                self.text.push_str(after);
            }
            None => self.text.push_str(template),
        }
        Kind::Custom
    }

    /// `(a, b, …)`; sea-query writes an empty `IN` list as `1 = 2` (an empty `NOT IN` as `1 = 1`),
    /// bound as parameters (the resolver never makes one: an IN value has at least one item).
    fn tuple(&mut self, values: &[Param], first: u32, each: impl Fn(&mut Self, &Param, u32)) {
        self.text.push('(');
        for (i, p) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            each(self, p, first + i as u32);
        }
        self.text.push(')');
    }

    /// `left [NOT] IN (values…)`.
    fn in_list(
        &mut self,
        negated: bool,
        left: impl FnOnce(&mut Self) -> Kind,
        values: &[Param],
        first: u32,
        each: impl Fn(&mut Self, &Param, u32),
    ) -> Kind {
        let op_text = if negated { "NOT IN" } else { "IN" };
        if values.is_empty() {
            // sea-query's spelling of an empty list (see `tuple`); the left side is not written.
            self.placeholder(Param::Int(1));
            self.text.push_str(" = ");
            self.placeholder(Param::Int(if negated { 1 } else { 2 }));
            return Kind::Binary {
                op: Op::In,
                right: None,
            };
        }
        self.binary(Op::In, op_text, left, |w| {
            w.tuple(values, first, each);
            Kind::Atom
        })
    }

    // ---- case folding (design.md "String comparison"; dialect.rs) ----------------------------

    /// The comparison and sort key of a text expression: folded by the dialect, or its exact
    /// bytes under the case-sensitive option.
    fn key(&mut self, inner: impl FnOnce(&mut Self) -> Kind) -> Kind {
        match self.fold {
            CaseFold::Collation | CaseFold::Plain => inner(self),
            CaseFold::LowerBothSides => {
                self.text.push_str("LOWER(");
                inner(self);
                self.text.push(')');
                Kind::Atom
            }
            other => self.template(other.key_template().unwrap_or("?"), inner),
        }
    }

    /// The key of a bound value (see `sea::Emitter::value_key` for why PostgreSQL's gets `C`).
    fn value_key(&mut self, inner: impl FnOnce(&mut Self) -> Kind) -> Kind {
        match self.fold {
            CaseFold::LowerBothSides => self.template("LOWER($1 COLLATE \"C\")", inner),
            CaseFold::BinaryCollation => inner(self),
            _ => self.key(inner),
        }
    }

    // ---- WHERE ------------------------------------------------------------------------------

    /// ` WHERE p1 AND p2 …` for a scope's predicates and its sub-scopes' semi-joins (nothing when
    /// there are none). An item whose right operand is binary is wrapped when the chain has more
    /// than one item, as sea-query does.
    fn where_clause(&mut self, scope: &Scope, t: Tables) {
        let items = scope.predicates.len() + scope.children.len();
        if items == 0 {
            return;
        }
        self.text.push_str(" WHERE ");
        let mut first = true;
        for p in &scope.predicates {
            let start = self.chain_separator(&mut first);
            let kind = self.predicate(p, scope.resource, t);
            self.wrap_chain_item(kind, items, start);
        }
        for (hop, child) in &scope.children {
            self.chain_separator(&mut first);
            let local = self.alias_of(t, hop.local.0);
            self.binary(
                Op::In,
                "IN",
                |w| w.column(local, hop.local.1),
                |w| {
                    let sub = w.tables(child.resource);
                    w.text.push_str("(SELECT ");
                    let remote = w.alias_of(sub, hop.remote.0);
                    w.column(remote, hop.remote.1);
                    w.text.push_str(" FROM ");
                    w.from(sub);
                    w.where_clause(child, sub);
                    w.text.push(')');
                    Kind::Atom
                },
            );
        }
    }

    fn chain_separator(&mut self, first: &mut bool) -> usize {
        if !*first {
            self.text.push_str(" AND ");
        }
        *first = false;
        self.text.len()
    }

    fn wrap_chain_item(&mut self, kind: Kind, items: usize, start: usize) {
        if items > 1 && matches!(kind, Kind::Binary { right: Some(_), .. }) {
            self.wrap_from(start);
        }
    }

    /// `(SELECT <column> FROM <tables> WHERE <one test>)`, the subquery of an `@Queryable` field
    /// and of a tag test.
    fn predicate(&mut self, p: &Predicate, resource: ResourceId, t: Tables) -> Kind {
        match p {
            Predicate::Field { column, test, .. } => match &column.stored_in {
                None => {
                    let a = self.alias_of(t, column.owner);
                    self.test(a, column.column, &column.ty, test)
                }
                Some(s) => {
                    // `@Queryable` (reference/zstack-semantics.md §4.5): pk IN (SELECT key FROM T WHERE col <test>).
                    let pk_alias = self.alias_of(t, column.owner);
                    let pk = self.schema.pk_column(column.owner);
                    self.binary(
                        Op::In,
                        "IN",
                        |w| w.column(pk_alias, pk),
                        |w| {
                            let st = w.tables(s.resource);
                            w.text.push_str("(SELECT ");
                            let key = w.alias_of(st, s.resource);
                            w.column(key, s.key);
                            w.text.push_str(" FROM ");
                            w.from(st);
                            w.text.push_str(" WHERE ");
                            let value_owner = w
                                .schema
                                .field(s.resource, s.column)
                                .map_or(s.resource, |f| f.owner);
                            let a = w.alias_of(st, value_owner);
                            w.test(a, s.column, &column.ty, test);
                            w.text.push(')');
                            Kind::Atom
                        },
                    )
                }
            },
            Predicate::Tag {
                table,
                negated,
                test,
                ..
            } => {
                // design.md "Tags": IN for "has a tag that …", NOT IN for "has no tag that …".
                let pk_alias = self.alias_of(t, resource_root(self.schema, resource));
                let pk = self.schema.pk_column(resource);
                let op_text = if *negated { "NOT IN" } else { "IN" };
                self.binary(
                    Op::In,
                    op_text,
                    |w| w.column(pk_alias, pk),
                    |w| {
                        let a = (w.next_scope, 0);
                        w.next_scope += 1;
                        w.text.push_str("(SELECT ");
                        w.column(a, "resourceUuid");
                        w.text.push_str(" FROM ");
                        w.ident(table.table());
                        w.text.push_str(" AS ");
                        w.alias(a);
                        w.text.push_str(" WHERE ");
                        // NOT IN with a NULL in the list is never true: keep NULLs out.
                        let not_null = |w: &mut Self| {
                            w.binary(
                                Op::Is,
                                "IS NOT",
                                |w| w.column(a, "resourceUuid"),
                                |w| w.keyword("NULL"),
                            )
                        };
                        match test {
                            None => {
                                not_null(w);
                            }
                            Some(t) => {
                                w.binary(Op::And, "AND", not_null, |w| {
                                    w.test(a, "tag", &FieldType::String, t)
                                });
                            }
                        }
                        w.text.push(')');
                        Kind::Atom
                    },
                )
            }
        }
    }

    fn keyword(&mut self, k: &str) -> Kind {
        self.text.push_str(k);
        Kind::Atom
    }

    /// `column <test>`, with the dialect's case folding for text and casts for timestamps (the
    /// meaning is documented on `sea::Emitter::test`).
    fn test(&mut self, a: Alias, column: &str, ty: &FieldType, test: &Test) -> Kind {
        let first = self.ordinal;
        let values = match test {
            Test::Compare(..) | Test::Like { .. } => 1,
            Test::In { values, .. } => values.len() as u32,
            Test::Null { .. } => 0,
        };
        self.ordinal = first + values;
        let fold = self.fold;
        let string = *ty == FieldType::String;
        let col = |w: &mut Self| w.column(a, column);
        match test {
            Test::Compare(c, p) => {
                let (op_text, folds) = match c {
                    Cmp::Eq => ("=", string),
                    Cmp::Ne => ("<>", string),
                    Cmp::Gt => (">", ty.is_textual()),
                    Cmp::Lt => ("<", ty.is_textual()),
                    Cmp::Ge => (">=", ty.is_textual()),
                    Cmp::Le => ("<=", ty.is_textual()),
                };
                let val = |w: &mut Self| w.value(p, first);
                if !folds || fold.compares_plainly() {
                    return self.binary(Op::Comparison, op_text, col, val);
                }
                let exact = |w: &mut Self| {
                    w.binary(
                        Op::Comparison,
                        op_text,
                        |w| w.key(col),
                        |w| w.value_key(val),
                    )
                };
                if *c == Cmp::Eq && fold.candidates_then_exact() {
                    // The `_ci` collation's `=` finds the candidates through the index.
                    self.binary(
                        Op::And,
                        "AND",
                        |w| w.binary(Op::Comparison, "=", col, val),
                        exact,
                    )
                } else {
                    exact(self)
                }
            }
            Test::In { negated, values } => {
                let plain = |w: &mut Self, p: &Param, o: u32| {
                    w.value(p, o);
                };
                if !string || fold.compares_plainly() {
                    return self.in_list(*negated, col, values, first, plain);
                }
                let keyed = |w: &mut Self, p: &Param, o: u32| {
                    w.value_key(|w| w.value(p, o));
                };
                let exact =
                    |w: &mut Self| w.in_list(*negated, |w| w.key(col), values, first, keyed);
                if !*negated && fold.candidates_then_exact() {
                    self.binary(
                        Op::And,
                        "AND",
                        |w| w.in_list(false, col, values, first, plain),
                        exact,
                    )
                } else {
                    exact(self)
                }
            }
            Test::Like { negated, pattern } => {
                let timestamp_text =
                    match (*ty == FieldType::Timestamp, self.dialect.timestamp_text()) {
                        (true, Some(t)) => Some(t),
                        _ => None,
                    };
                let target = |w: &mut Self| match timestamp_text {
                    Some(t) => w.template(t, col),
                    None => col(w),
                };
                if ty.is_textual() && fold == CaseFold::BinaryCollation {
                    // SQLite's LIKE ignores ASCII case under any collation: GLOB, with the pattern
                    // translated, compares exactly and still uses a BINARY index for a prefix.
                    let op_text = if *negated { "NOT GLOB" } else { "GLOB" };
                    return self.binary(Op::Custom, op_text, target, |w| {
                        w.text_value(glob_pattern(pattern).into(), first, ValueForm::Glob)
                    });
                }
                let op_text = if *negated { "NOT LIKE" } else { "LIKE" };
                let pattern_value =
                    |w: &mut Self| w.text_value(pattern.clone(), first, ValueForm::AsIs);
                let escape = |w: &mut Self| match w.dialect.like_escape() {
                    Some(e) => {
                        w.text.push_str(e);
                        Kind::Custom
                    }
                    None => {
                        let e = w.dialect.escape_literal();
                        w.text.push_str(e);
                        Kind::Atom
                    }
                };
                match fold {
                    CaseFold::LowerBothSides if ty.is_textual() => self.binary(
                        Op::Like,
                        op_text,
                        |w| {
                            w.text.push_str("LOWER(");
                            target(w);
                            w.text.push(')');
                            Kind::Atom
                        },
                        |w| w.binary(Op::Escape, "ESCAPE", |w| w.value_key(pattern_value), escape),
                    ),
                    CaseFold::CollationAndBinary if ty.is_textual() => {
                        self.binary(Op::Like, op_text, target, |w| {
                            w.binary(
                                Op::Escape,
                                "ESCAPE",
                                |w| w.template("? COLLATE utf8mb4_bin", pattern_value),
                                escape,
                            )
                        })
                    }
                    _ => self.binary(Op::Like, op_text, target, |w| {
                        w.binary(Op::Escape, "ESCAPE", pattern_value, escape)
                    }),
                }
            }
            Test::Null { negated } => {
                let op_text = if *negated { "IS NOT" } else { "IS" };
                self.binary(Op::Is, op_text, col, |w| w.keyword("NULL"))
            }
        }
    }

    // ---- SELECT list, ORDER BY ----------------------------------------------------------------

    fn select_list(&mut self, plan: &plan::Query, t: Tables) -> (Arc<[OutColumn]>, Shape) {
        match &plan.output {
            Output::Rows(cols) => {
                for (i, c) in cols.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    let a = self.alias_of(t, c.owner);
                    self.select_column(a, c.column, c.field);
                }
                let out = cols
                    .iter()
                    .map(|c| OutColumn {
                        name: c.field,
                        ty: c.ty.clone(),
                    })
                    .collect();
                (out, Shape::Rows)
            }
            Output::Count => {
                self.count_column();
                (
                    Arc::new([OutColumn {
                        name: "count",
                        ty: FieldType::Integer,
                    }]),
                    Shape::Count,
                )
            }
            Output::Groups { columns, as_counts } => {
                // design.md: text groups ignore ASCII case (one group for `web` and `WEB`), and
                // show the smallest spelling by bytes, the same in every dialect.
                for c in columns {
                    let a = self.alias_of(t, c.owner);
                    if c.ty.is_textual() {
                        self.template(self.dialect.group_value(), |w| w.column(a, c.column));
                        self.text.push_str(" AS ");
                        self.ident(c.field);
                    } else {
                        self.select_column(a, c.column, c.field);
                    }
                    self.text.push_str(", ");
                }
                self.count_column();
                let out = columns
                    .iter()
                    .map(|c| OutColumn {
                        name: c.field,
                        ty: c.ty.clone(),
                    })
                    .chain(std::iter::once(OutColumn {
                        name: "count",
                        ty: FieldType::Integer,
                    }))
                    .collect();
                (
                    out,
                    Shape::Groups {
                        as_counts: *as_counts,
                    },
                )
            }
        }
    }

    fn count_column(&mut self) {
        self.text.push_str("COUNT(*) AS ");
        self.ident("count");
    }

    /// `alias.column`, renamed to the field name only when they differ.
    fn select_column(&mut self, a: Alias, column: &str, field: &str) {
        self.column(a, column);
        if column != field {
            self.text.push_str(" AS ");
            self.ident(field);
        }
    }

    /// ORDER BY the sort keys, then the primary key ascending (design.md "Sorting": NULL lowest,
    /// primary key as the final tie-breaker); for groups, the group columns not sorted already.
    fn order(&mut self, plan: &plan::Query, t: Tables) {
        let mut any = false;
        for k in &plan.sort {
            self.order_separator(&mut any);
            if k.column.ty.is_textual() {
                self.key(|w| w.sort_expr(k, t));
            } else {
                self.sort_expr(k, t);
            }
            self.order_direction(k.descending, true);
        }
        match &plan.output {
            Output::Groups { columns, .. } => {
                for c in columns {
                    let sorted = plan
                        .sort
                        .iter()
                        .any(|k| k.hops.is_empty() && k.column.field == c.field);
                    if sorted {
                        continue;
                    }
                    self.order_separator(&mut any);
                    let a = self.alias_of(t, c.owner);
                    if c.ty.is_textual() {
                        self.key(|w| w.column(a, c.column));
                    } else {
                        self.column(a, c.column);
                    }
                    self.order_direction(false, true);
                }
            }
            _ => {
                let root = plan.root.resource;
                let pk = self.schema.pk_column(root);
                let sorted = plan
                    .sort
                    .iter()
                    .any(|k| k.hops.is_empty() && k.column.column == pk);
                if !sorted {
                    self.order_separator(&mut any);
                    let a = self.alias_of(t, resource_root(self.schema, root));
                    self.column(a, pk);
                    self.order_direction(false, false);
                }
            }
        }
    }

    fn order_separator(&mut self, any: &mut bool) {
        self.text.push_str(if *any { ", " } else { " ORDER BY " });
        *any = true;
    }

    fn order_direction(&mut self, descending: bool, nullable: bool) {
        self.text
            .push_str(if descending { " DESC" } else { " ASC" });
        if nullable && self.dialect.explicit_nulls_order() {
            self.text.push_str(if descending {
                " NULLS LAST"
            } else {
                " NULLS FIRST"
            });
        }
    }

    /// A root column, or a correlated scalar subquery through to-one hops
    /// (`(SELECT z.name FROM ZoneVO z WHERE z.uuid = t0.zoneUuid)`).
    fn sort_expr(&mut self, k: &SortKey, t: Tables) -> Kind {
        if k.hops.is_empty() {
            let a = self.alias_of(t, k.column.owner);
            return self.column(a, k.column.column);
        }
        // One scope per hop, numbered in hop order.
        let base = self.next_scope;
        self.next_scope += k.hops.len();
        let sub = |w: &mut Self| {
            w.hop_subquery(k, t, base, 0);
            Kind::Atom
        };
        // A scalar subquery has no column collation in SQLite (it compares with BINARY): give it
        // the column's NOCASE back, so text sorts the same as a root column.
        match self.fold {
            CaseFold::Collation if k.column.ty.is_textual() => {
                self.template("? COLLATE NOCASE", sub)
            }
            _ => sub(self),
        }
    }

    /// `(SELECT <next hop's subquery, or the column> FROM <hop i's tables> WHERE remote = local)`,
    /// hop `i` in scope `base + i`, `parent` the tables it hops from.
    fn hop_subquery(&mut self, k: &SortKey, parent: Tables, base: usize, i: usize) {
        let Some((hop, target)) = k.hops.get(i) else {
            return;
        };
        let ti = self.tables_in(*target, base + i);
        self.text.push_str("(SELECT ");
        if i + 1 == k.hops.len() {
            let a = self.alias_of(ti, k.column.owner);
            self.column(a, k.column.column);
        } else {
            self.hop_subquery(k, ti, base, i + 1);
        }
        self.text.push_str(" FROM ");
        self.from(ti);
        self.text.push_str(" WHERE ");
        let remote = self.alias_of(ti, hop.remote.0);
        let local = self.alias_of(parent, hop.local.0);
        self.column(remote, hop.remote.1);
        self.text.push_str(" = ");
        self.column(local, hop.local.1);
        self.text.push(')');
    }
}

#[cfg(test)]
mod tests {
    use sea_query::{QueryBuilder, QuotedBuilder, Value};

    use super::Dialect;

    /// The dialect facts the writer spells itself are sea-query's.
    #[test]
    fn quotes_and_escape_literals_are_sea_querys() {
        let backslash = Value::Char(Some('\\'));
        assert_eq!(
            sea_query::SqliteQueryBuilder.value_to_string(&backslash),
            Dialect::Sqlite.escape_literal()
        );
        assert_eq!(
            sea_query::PostgresQueryBuilder.value_to_string(&backslash),
            Dialect::Postgres.escape_literal()
        );
        for (d, q) in [
            (Dialect::Sqlite, sea_query::SqliteQueryBuilder.quote()),
            (Dialect::Postgres, sea_query::PostgresQueryBuilder.quote()),
            (Dialect::Mysql, sea_query::MysqlQueryBuilder.quote()),
        ] {
            assert_eq!(d.quote(), q.left());
            assert_eq!(d.quote(), q.right());
        }
    }
}
