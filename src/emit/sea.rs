//! The sea-query emitter: the plan built as sea-query statements and rendered by sea-query's query
//! builders. The engine compiles through the direct writer ([`super::writer`]), which writes the
//! same text without building expression trees; this builder is the reference it is tested
//! against, statement by statement (`tests/emit_equivalence.rs`, the golden files, the oracle and
//! the `compile` fuzz target), and is public as [`super::emit_with_sea_query`].

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use sea_query::{
    Asterisk, BinOper, DynIden, Expr, ExprTrait, Func, Iden, IntoIden, LogicalChainOper,
    NullOrdering, Order, Query, QueryBuilder, SelectStatement, SqlWriter, Value,
};

use super::{
    CaseFold, Dialect, OutColumn, Shape, Sql, Statement, TEXT_CAPACITY, ValueForm, glob_pattern,
    push_decimal, resource_root, table_level,
};
use crate::plan::{self, Cmp, Output, Param, Predicate, Scope, Test};
use crate::schema::{FieldType, ResourceId, Schema};

/// sea-query's output for one statement: the text, and each bound value converted to a [`Param`]
/// as sea-query writes its placeholder (no intermediate `Values` vector).
struct StatementWriter {
    text: String,
    params: Vec<Param>,
    /// `$1, $2, …` (PostgreSQL) rather than `?`.
    numbered: bool,
}

impl std::fmt::Write for StatementWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }

    fn write_char(&mut self, c: char) -> std::fmt::Result {
        self.text.push(c);
        Ok(())
    }
}

impl std::fmt::Display for StatementWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl SqlWriter for StatementWriter {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, _: &T) {
        if self.numbered {
            self.text.push('$');
            push_decimal(&mut self.text, self.params.len() + 1);
        } else {
            self.text.push('?');
        }
        self.params.push(param_of(value));
    }

    fn as_writer(&mut self) -> &mut dyn std::fmt::Write {
        self
    }
}

/// Table aliases: `t{scope}` for a scope's first table, `t{scope}_{level}` for the tables of its
/// ancestors/descendants joined on the primary key. Static for the common sizes so emitting does
/// not allocate identifier strings.
fn alias(scope: usize, level: usize) -> DynIden {
    static NAMES: OnceLock<Vec<Vec<DynIden>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (0..64)
            .map(|s| {
                (0..6)
                    .map(|l| {
                        let name: &'static str = if l == 0 {
                            format!("t{s}").leak()
                        } else {
                            format!("t{s}_{l}").leak()
                        };
                        Ident(name).into_iden()
                    })
                    .collect()
            })
            .collect()
    });
    match names.get(scope).and_then(|v| v.get(level)) {
        Some(n) => n.clone(),
        None if level == 0 => DynIden::from(format!("t{scope}")),
        None => DynIden::from(format!("t{scope}_{level}")),
    }
}

/// A schema identifier (table, column, field or alias name) for sea-query. The schema admits only
/// plain identifiers (`[A-Za-z_][A-Za-z0-9_]*`, checked when it loads), so sea-query may write one
/// between quotes as it is: a plain `&str` would be scanned for quote characters on every use.
#[derive(Clone, Copy, Debug)]
struct Ident(&'static str);

impl Iden for Ident {
    fn quoted(&self) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(self.0)
    }

    fn unquoted(&self) -> &str {
        self.0
    }
}

/// `alias.column`.
fn col(alias: DynIden, column: &'static str) -> Expr {
    Expr::col((alias, Ident(column)))
}

/// The tables of one scope: the resource's lineage, root-most ancestor first, each with its alias
/// (`alias(scope, level)`, level 0 the root-most). Read from the schema when asked, so a scope
/// costs no allocation.
struct Tables<'s> {
    schema: &'s Schema,
    resource: ResourceId,
    scope: usize,
    /// The number of tables (the lineage's length).
    depth: usize,
}

impl Tables<'_> {
    /// The alias of the table holding `owner`'s columns (the root-most table's when `owner` is not
    /// in the lineage).
    fn alias_of(&self, owner: ResourceId) -> DynIden {
        alias(
            self.scope,
            table_level(self.schema, self.resource, self.depth, owner),
        )
    }

    /// The tables, root-most first: `(resource, alias, table)`.
    fn each(&self) -> impl Iterator<Item = (ResourceId, DynIden, &'static str)> + '_ {
        (0..self.depth).filter_map(move |level| {
            let r = self
                .schema
                .lineage(self.resource)
                .nth(self.depth - 1 - level)?;
            Some((r, alias(self.scope, level), self.schema.resource(r).table))
        })
    }
}

/// Compiles a resolved query for a dialect through sea-query statements.
pub fn emit(plan: &plan::Query, schema: &Schema, dialect: Dialect) -> Sql {
    let mut e = Emitter {
        schema,
        dialect,
        fold: dialect.text_comparison(plan.case_sensitive),
        next_scope: 0,
        ordinal: Cell::new(0),
        origins: RefCell::new(Vec::new()),
    };
    let (mut stmt, tables) = e.select_from(plan.root.resource);
    // The count statement repeats the WHERE clause: only then is it kept aside to be cloned.
    let needs_count = plan.reply_with_count
        || matches!(
            plan.output,
            Output::Groups {
                as_counts: true,
                ..
            }
        );
    let mut cond: Vec<Expr> = Vec::new();
    if needs_count {
        e.scope_condition(&plan.root, &tables, &mut |x| cond.push(x));
    } else {
        e.scope_condition(&plan.root, &tables, &mut |x| and_where(&mut stmt, x));
    }
    let (columns, shape) = match &plan.output {
        Output::Rows(cols) => {
            for c in cols {
                select_column(&mut stmt, tables.alias_of(c.owner), c.column, c.field);
            }
            (
                cols.iter()
                    .map(|c| OutColumn {
                        name: c.field,
                        ty: c.ty.clone(),
                    })
                    .collect(),
                Shape::Rows,
            )
        }
        Output::Count => {
            stmt.expr_as(Func::count(Expr::col(Asterisk)), Ident("count"));
            (
                vec![OutColumn {
                    name: "count",
                    ty: FieldType::Integer,
                }],
                Shape::Count,
            )
        }
        Output::Groups { columns, as_counts } => {
            // design.md: text groups ignore ASCII case (one group for `web` and `WEB`), and show
            // the smallest spelling by bytes, the same in every dialect.
            for c in columns {
                let col = col(tables.alias_of(c.owner), c.column);
                if c.ty.is_textual() {
                    stmt.expr_as(
                        Expr::cust_with_expr(dialect.group_value(), col),
                        Ident(c.field),
                    );
                } else {
                    select_column(&mut stmt, tables.alias_of(c.owner), c.column, c.field);
                }
            }
            stmt.expr_as(Func::count(Expr::col(Asterisk)), Ident("count"));
            for c in columns {
                let col = col(tables.alias_of(c.owner), c.column);
                let key = if c.ty.is_textual() { e.key(col) } else { col };
                stmt.add_group_by([key]);
            }
            let mut out: Vec<OutColumn> = columns
                .iter()
                .map(|c| OutColumn {
                    name: c.field,
                    ty: c.ty.clone(),
                })
                .collect();
            out.push(OutColumn {
                name: "count",
                ty: FieldType::Integer,
            });
            (
                out,
                Shape::Groups {
                    as_counts: *as_counts,
                },
            )
        }
    };
    let count = needs_count.then(|| {
        let mut c = Query::select();
        e.add_tables(&mut c, &tables);
        c.expr_as(Func::count(Expr::col(Asterisk)), Ident("count"));
        where_all(&mut c, cond.clone());
        e.statement(&c)
    });
    where_all(&mut stmt, cond);
    if shape != Shape::Count {
        e.order(&mut stmt, plan, &tables);
        stmt.limit(plan.limit);
        if plan.start > 0 {
            stmt.offset(plan.start);
        }
    }
    Sql {
        dialect,
        main: e.statement(&stmt),
        count,
        columns: columns.into(),
        shape,
        where_origins: e.origins.into_inner().into(),
    }
}

struct Emitter<'s> {
    schema: &'s Schema,
    dialect: Dialect,
    /// How text compares (the dialect's case folding, or exact under the case-sensitive option).
    fold: CaseFold,
    /// The next scope number (for aliases).
    next_scope: usize,
    /// The next plan value's ordinal (see [`Sql::where_origins`]).
    ordinal: Cell<u32>,
    /// The plan value behind each WHERE placeholder so far, and its form.
    origins: RefCell<Vec<(u32, ValueForm)>>,
}

impl<'s> Emitter<'s> {
    fn statement(&self, stmt: &SelectStatement) -> Statement {
        let mut out = StatementWriter {
            text: String::with_capacity(TEXT_CAPACITY),
            params: Vec::with_capacity(self.ordinal.get() as usize + 2),
            numbered: self.dialect.numbered_placeholders(),
        };
        self.dialect.build_into(stmt, &mut out);
        Statement {
            text: out.text.into(),
            params: out.params,
        }
    }

    /// `SELECT … FROM` the tables of `resource` (its lineage joined on the primary key).
    fn select_from(&mut self, resource: ResourceId) -> (SelectStatement, Tables<'s>) {
        let tables = self.tables(resource);
        let mut stmt = Query::select();
        self.add_tables(&mut stmt, &tables);
        (stmt, tables)
    }

    fn tables(&mut self, resource: ResourceId) -> Tables<'s> {
        let scope = self.next_scope;
        self.next_scope += 1;
        Tables {
            schema: self.schema,
            resource,
            scope,
            depth: self.schema.lineage(resource).count(),
        }
    }

    fn add_tables(&self, stmt: &mut SelectStatement, tables: &Tables) {
        let mut first: Option<(DynIden, &'static str)> = None;
        for (r, a, table) in tables.each() {
            match &first {
                None => {
                    first = Some((a.clone(), self.pk_column(r)));
                    stmt.from_as(Ident(table), a);
                }
                Some((fa, fpk)) => {
                    let pk = self.pk_column(r);
                    stmt.join_as(
                        sea_query::JoinType::InnerJoin,
                        Ident(table),
                        a.clone(),
                        col(a.clone(), pk).equals((fa.clone(), Ident(fpk))),
                    );
                }
            }
        }
    }

    fn pk_column(&self, r: ResourceId) -> &'static str {
        self.schema.pk_column(r)
    }

    /// A scope's predicates and its sub-scopes' semi-joins, to be ANDed. A flat list, added with
    /// `and_where` one by one: sea-query renders such a chain iteratively, while one `Condition`
    /// becomes a left-deep tree whose rendering recursion overflows a thread's stack at ~1,000
    /// conditions.
    fn scope_condition(&mut self, scope: &Scope, tables: &Tables, out: &mut dyn FnMut(Expr)) {
        for p in &scope.predicates {
            out(self.predicate(p, scope.resource, tables));
        }
        for (hop, child) in &scope.children {
            let (mut sub, sub_tables) = self.select_from(child.resource);
            sub.column((sub_tables.alias_of(hop.remote.0), Ident(hop.remote.1)));
            self.scope_condition(child, &sub_tables, &mut |x| and_where(&mut sub, x));
            out(col(tables.alias_of(hop.local.0), hop.local.1).in_subquery(sub));
        }
    }

    fn predicate(&mut self, p: &Predicate, resource: ResourceId, tables: &Tables) -> Expr {
        match p {
            Predicate::Field { column, test, .. } => match &column.stored_in {
                None => self.test(
                    col(tables.alias_of(column.owner), column.column),
                    &column.ty,
                    test,
                ),
                Some(s) => {
                    // `@Queryable` (reference/zstack-semantics.md §4.5): pk IN (SELECT key FROM T WHERE col <test>).
                    let (mut sub, st) = self.select_from(s.resource);
                    sub.column((st.alias_of(s.resource), Ident(s.key)));
                    let value_owner = self
                        .schema
                        .field(s.resource, s.column)
                        .map_or(s.resource, |f| f.owner);
                    let t = self.test(col(st.alias_of(value_owner), s.column), &column.ty, test);
                    and_where(&mut sub, t);
                    col(tables.alias_of(column.owner), self.pk_column(column.owner))
                        .in_subquery(sub)
                }
            },
            Predicate::Tag {
                table,
                negated,
                test,
                ..
            } => {
                // design.md "Tags": IN for "has a tag that …", NOT IN for "has no tag that …".
                let scope = self.next_scope;
                self.next_scope += 1;
                let a = alias(scope, 0);
                let mut sub = Query::select();
                sub.from_as(Ident(table.table()), a.clone())
                    .column((a.clone(), Ident("resourceUuid")));
                // NOT IN with a NULL in the list is never true: keep NULLs out.
                let mut cond = col(a.clone(), "resourceUuid").is_not_null();
                if let Some(t) = test {
                    cond = cond.and(self.test(col(a, "tag"), &FieldType::String, t));
                }
                and_where(&mut sub, cond);
                let pk = col(
                    tables.alias_of(resource_root(self.schema, resource)),
                    self.pk_column(resource),
                );
                if *negated {
                    pk.not_in_subquery(sub)
                } else {
                    pk.in_subquery(sub)
                }
            }
        }
    }

    /// The comparison and sort key of a text expression (design.md "String comparison"): folded
    /// by the dialect, or its exact bytes under the case-sensitive option.
    fn key(&self, e: Expr) -> Expr {
        match self.fold {
            CaseFold::Collation | CaseFold::Plain => e,
            // The same `LOWER(col)` the DDL's expression indexes are built on.
            CaseFold::LowerBothSides => Expr::from(Func::lower(e)),
            other => Expr::cust_with_expr(other.key_template().unwrap_or("?"), e),
        }
    }

    /// The key of a bound value. On PostgreSQL a parameter has the database's default
    /// collation, under which `lower()` may fold non-ASCII letters too (`C.UTF-8`: `É` → `é`)
    /// while the engine's `COLLATE "C"` columns fold ASCII only: the parameter gets `C` as well.
    /// Under SQLite's `COLLATE BINARY` the column's collation decides: the value stays plain.
    fn value_key(&self, v: Expr) -> Expr {
        match self.fold {
            CaseFold::LowerBothSides => Expr::cust_with_expr("LOWER($1 COLLATE \"C\")", v),
            CaseFold::BinaryCollation => v,
            _ => self.key(v),
        }
    }

    /// `value <test>`, with the dialect's case folding for text and casts for timestamps.
    ///
    /// Strings compare ignoring ASCII case and nothing else (no PAD SPACE, no accent folding);
    /// enums are bound in their canonical spelling, so `=` and `IN` on them compare plainly, while
    /// ranges and LIKE fold them like strings. docs/dialects.md explains each dialect's form.
    fn test(&self, col: Expr, ty: &FieldType, test: &Test) -> Expr {
        // The plan values of this test take the next ordinals; every placeholder made for one
        // of them is recorded, in the order sea-query renders them (a value bound twice, such as
        // MySQL's `col = ? AND CAST(LOWER(col) AS BINARY) = CAST(LOWER(?) AS BINARY)`, repeats
        // its ordinal; an IN list bound twice repeats the list).
        let first = self.ordinal.get();
        let values = match test {
            Test::Compare(..) | Test::Like { .. } => 1,
            Test::In { values, .. } => values.len() as u32,
            Test::Null { .. } => 0,
        };
        self.ordinal.set(first + values);
        let made = Cell::new(0u32);
        let glob = Cell::new(false);
        let expr = self.test_expr(col, ty, test, &made, &glob);
        let form = if glob.get() {
            ValueForm::Glob
        } else {
            ValueForm::AsIs
        };
        if values > 0 {
            let mut origins = self.origins.borrow_mut();
            for i in 0..made.get() {
                origins.push((first + i % values, form));
            }
        }
        expr
    }

    /// [`Emitter::test`]'s expression; `made` counts the value placeholders it creates.
    fn test_expr(
        &self,
        col: Expr,
        ty: &FieldType,
        test: &Test,
        made: &Cell<u32>,
        glob: &Cell<bool>,
    ) -> Expr {
        let fold = self.fold;
        let val = |p: &Param| -> Expr {
            made.set(made.get() + 1);
            let v = Expr::val(value_of(p));
            match (p, self.dialect.timestamp_cast()) {
                (Param::Timestamp(_), Some(t)) => v.cast_as(t),
                _ => v,
            }
        };
        let cmp = |l: Expr, c: Cmp, r: Expr| -> Expr {
            match c {
                Cmp::Eq => l.eq(r),
                Cmp::Ne => l.ne(r),
                Cmp::Gt => l.gt(r),
                Cmp::Lt => l.lt(r),
                Cmp::Ge => l.gte(r),
                Cmp::Le => l.lte(r),
            }
        };
        // Equality on free text folds; ranges fold every textual type.
        let string = *ty == FieldType::String;
        match test {
            Test::Compare(c, p) => {
                let folds = match c {
                    Cmp::Eq | Cmp::Ne => string,
                    _ => ty.is_textual(),
                };
                if !folds || fold.compares_plainly() {
                    return cmp(col, *c, val(p));
                }
                let exact = cmp(self.key(col.clone()), *c, self.value_key(val(p)));
                if *c == Cmp::Eq && fold.candidates_then_exact() {
                    // The `_ci` collation's `=` finds the candidates through the index.
                    col.eq(val(p)).and(exact)
                } else {
                    exact
                }
            }
            Test::In { negated, values } => {
                if !string || fold.compares_plainly() {
                    let items: Vec<Expr> = values.iter().map(val).collect();
                    return if *negated {
                        col.is_not_in(items)
                    } else {
                        col.is_in(items)
                    };
                }
                let keys: Vec<Expr> = values.iter().map(|p| self.value_key(val(p))).collect();
                let exact = if *negated {
                    self.key(col.clone()).is_not_in(keys)
                } else {
                    self.key(col.clone()).is_in(keys)
                };
                if !*negated && fold.candidates_then_exact() {
                    col.is_in(values.iter().map(val).collect::<Vec<_>>())
                        .and(exact)
                } else {
                    exact
                }
            }
            Test::Like { negated, pattern } => {
                let target = match (*ty == FieldType::Timestamp, self.dialect.timestamp_text()) {
                    (true, Some(t)) => Expr::cust_with_expr(t, col),
                    _ => col,
                };
                if ty.is_textual() && fold == CaseFold::BinaryCollation {
                    // SQLite's LIKE ignores ASCII case under any collation: GLOB, with the
                    // pattern translated (`glob_pattern`), compares exactly and still uses a
                    // BINARY index for a fixed prefix.
                    made.set(made.get() + 1);
                    glob.set(true);
                    let pattern = Expr::val(glob_pattern(pattern));
                    let op = BinOper::Custom(if *negated { "NOT GLOB" } else { "GLOB" });
                    return target.binary(op, pattern);
                }
                let op = if *negated {
                    BinOper::NotLike
                } else {
                    BinOper::Like
                };
                let escape = match self.dialect.like_escape() {
                    Some(e) => Expr::cust(e),
                    None => Expr::Constant('\\'.into()),
                };
                // Built by hand: sea-query 1.0.2 puts ILIKE's `pattern ESCAPE c` in parentheses,
                // which PostgreSQL rejects, and cannot spell MySQL's escape as CHAR(92).
                let (target, pattern) = match fold {
                    CaseFold::LowerBothSides if ty.is_textual() => (
                        Expr::from(Func::lower(target)),
                        self.value_key(Expr::val(&**pattern)),
                    ),
                    // `LIKE` under the binary collation: no PAD SPACE in LIKE, and no `LOWER()`.
                    CaseFold::CollationAndBinary if ty.is_textual() => (
                        target,
                        Expr::cust_with_expr("? COLLATE utf8mb4_bin", Expr::val(&**pattern)),
                    ),
                    _ => (target, Expr::val(&**pattern)),
                };
                made.set(made.get() + 1);
                target.binary(op, pattern.binary(BinOper::Escape, escape))
            }
            Test::Null { negated: false } => col.is_null(),
            Test::Null { negated: true } => col.is_not_null(),
        }
    }

    /// ORDER BY the sort keys, then the primary key ascending (design.md "Sorting": NULL lowest,
    /// primary key as the final tie-breaker).
    fn order(&mut self, stmt: &mut SelectStatement, plan: &plan::Query, tables: &Tables) {
        let groups = match &plan.output {
            Output::Groups { columns, .. } => Some(columns),
            _ => None,
        };
        // (expression, descending, textual, may be NULL)
        let mut keys: Vec<(Expr, bool, bool, bool)> = Vec::new();
        for k in &plan.sort {
            let expr = self.sort_expr(k, tables);
            keys.push((expr, k.descending, k.column.ty.is_textual(), true));
        }
        match groups {
            Some(cols) => {
                for c in cols {
                    if !plan
                        .sort
                        .iter()
                        .any(|k| k.hops.is_empty() && k.column.field == c.field)
                    {
                        keys.push((
                            col(tables.alias_of(c.owner), c.column),
                            false,
                            c.ty.is_textual(),
                            true,
                        ));
                    }
                }
            }
            None => {
                let root = plan.root.resource;
                let pk = self.pk_column(root);
                if !plan
                    .sort
                    .iter()
                    .any(|k| k.hops.is_empty() && k.column.column == pk)
                {
                    let owner = resource_root(self.schema, root);
                    keys.push((col(tables.alias_of(owner), pk), false, false, false));
                }
            }
        }
        for (expr, desc, textual, nullable) in keys {
            let expr = if textual { self.key(expr) } else { expr };
            let order = if desc { Order::Desc } else { Order::Asc };
            if nullable && self.dialect.explicit_nulls_order() {
                let nulls = if desc {
                    NullOrdering::Last
                } else {
                    NullOrdering::First
                };
                stmt.order_by_expr_with_nulls(expr, order, nulls);
            } else {
                stmt.order_by_expr(expr, order);
            }
        }
    }

    /// A root column, or a correlated scalar subquery through to-one hops
    /// (`(SELECT z.name FROM ZoneVO z WHERE z.uuid = t0.zoneUuid)`).
    fn sort_expr(&mut self, k: &plan::SortKey, tables: &Tables) -> Expr {
        if k.hops.is_empty() {
            return col(tables.alias_of(k.column.owner), k.column.column);
        }
        // Build from the innermost hop outwards.
        let mut outer_tables: Vec<Tables<'s>> = Vec::new();
        for (_, target) in &k.hops {
            outer_tables.push(self.tables(*target));
        }
        let mut inner: Option<SelectStatement> = None;
        for i in (0..k.hops.len()).rev() {
            let (hop, _) = &k.hops[i];
            let t = &outer_tables[i];
            let mut sub = Query::select();
            self.add_tables(&mut sub, t);
            match inner.take() {
                None => {
                    sub.column((t.alias_of(k.column.owner), Ident(k.column.column)));
                }
                Some(s) => {
                    sub.expr(Expr::SubQuery(None, Box::new(s.into())));
                }
            }
            let parent_alias = if i == 0 {
                tables.alias_of(hop.local.0)
            } else {
                outer_tables[i - 1].alias_of(hop.local.0)
            };
            and_where(
                &mut sub,
                col(t.alias_of(hop.remote.0), hop.remote.1)
                    .equals((parent_alias, Ident(hop.local.1))),
            );
            inner = Some(sub);
        }
        let sub = Expr::SubQuery(None, Box::new(inner.expect("at least one hop").into()));
        // A scalar subquery has no column collation in SQLite (it compares with BINARY): give it
        // the column's NOCASE back, so text sorts the same as a root column (found by the oracle).
        match self.fold {
            CaseFold::Collation if k.column.ty.is_textual() => {
                Expr::cust_with_expr("? COLLATE NOCASE", sub)
            }
            _ => sub,
        }
    }
}

/// `a AND b`, as sea-query's `Condition::all()` renders it (a left-deep tree of `AND`s).
/// `WHERE c1 AND c2 …` as a flat chain: sea-query renders a chain iteratively, while one
/// `Condition` (or a left-deep `a.and(b)` tree) recurses once per condition and overflows a
/// thread's stack at ~1,000 conditions; a `Condition` is also cloned whole, subqueries included,
/// each time it is rendered.
fn where_all(stmt: &mut SelectStatement, cond: Vec<Expr>) {
    for c in cond {
        and_where(stmt, c);
    }
}

/// Adds `cond` to the WHERE chain of `stmt` (see [`where_all`]).
fn and_where(stmt: &mut SelectStatement, cond: Expr) {
    stmt.and_or_where(LogicalChainOper::And(cond));
}

/// `alias.column`, renamed to the field name only when they differ.
fn select_column(
    stmt: &mut SelectStatement,
    alias: DynIden,
    column: &'static str,
    field: &'static str,
) {
    if column == field {
        stmt.column((alias, Ident(column)));
    } else {
        stmt.expr_as(col(alias, column), Ident(field));
    }
}

/// A parameter as a sea-query value. Timestamps travel as `Bytes` (no other parameter uses it) so
/// that [`param_of`] gives them back as [`Param::Timestamp`]: a client binds them by type (a
/// PostgreSQL `timestamp`, a MySQL DATETIME).
fn value_of(p: &Param) -> Value {
    match p {
        Param::Text(s) => Value::String(Some(s.to_string())),
        Param::Timestamp(s) => Value::Bytes(Some(s.as_bytes().to_vec())),
        Param::Int(i) => Value::BigInt(Some(*i)),
        Param::Float(f) => Value::Double(Some(*f)),
        Param::Bool(b) => Value::Bool(Some(*b)),
    }
}

fn param_of(v: Value) -> Param {
    match v {
        Value::String(Some(s)) => Param::Text(s.into()),
        Value::Bytes(Some(b)) => Param::Timestamp(String::from_utf8_lossy(&b).into()),
        Value::BigInt(Some(i)) => Param::Int(i),
        Value::BigUnsigned(Some(u)) => Param::count(u),
        Value::Unsigned(Some(u)) => Param::Int(i64::from(u)),
        Value::Int(Some(i)) => Param::Int(i64::from(i)),
        Value::Double(Some(f)) => Param::Float(f),
        Value::Bool(Some(b)) => Param::Bool(b),
        other => Param::Text(format!("{other:?}").into()),
    }
}
