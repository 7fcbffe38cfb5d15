//! The oracle's evaluator: a resolved [`plan::Query`] applied to rows held in Rust structures, with
//! no SQL. Written straight from design.md and docs/dialects.md "The engine's semantics", for
//! reading, not speed:
//!
//! - a resource's rows are its lineage's tables joined on the primary key;
//! - a scope holds when its predicates hold and, for each child scope, *there exists* a related row
//!   (key equal to key) on which the child scope holds;
//! - text compares after folding ASCII letters to lower case, by bytes; NULL fails every test but
//!   the null tests; LIKE has `%`, `_`, `\` escapes and ignores ASCII case;
//! - tags: "has a tag that …" / "has no tag that …";
//! - order: the sort keys (NULL lowest), then the primary key; then `start`, `limit`;
//! - groups: one per folded key tuple, showing the smallest spelling by bytes.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use rusqlite::Connection;
use zstack_query::exec::ddl;
use zstack_query::plan::{
    self, Cmp, Column, Hop, Output, Param, Predicate, Scope, SortKey, TagTable, Test,
};
use zstack_query::schema::{FieldType, ResourceId, Schema};

use crate::rows::{Answer, Val, normalize_timestamp, val_of_sqlite};

/// A table: column names and rows.
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Val>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == name)
    }
}

/// A row of a resource: the row of each table of its lineage, by table name.
#[derive(Clone)]
pub struct Entity<'d> {
    parts: Vec<(&'static str, &'d Table, usize)>,
}

impl Entity<'_> {
    /// The value of `column` in `table` (NULL when the table is not part of the row).
    fn get(&self, table: &str, column: &str) -> Val {
        self.parts
            .iter()
            .find(|(t, _, _)| *t == table)
            .and_then(|(_, tab, i)| tab.col(column).map(|c| tab.rows[*i][c].clone()))
            .unwrap_or(Val::Null)
    }
}

/// Every table of the schema, read from SQLite.
pub struct Db {
    pub tables: HashMap<&'static str, Table>,
}

impl Db {
    pub fn load(conn: &Connection, schema: &Schema) -> Db {
        let mut tables = HashMap::new();
        for (name, def) in ddl::tables(schema) {
            let cols: Vec<String> = def
                .columns
                .iter()
                .map(|(c, _)| format!("\"{c}\""))
                .collect();
            let sql = format!("SELECT {} FROM \"{name}\"", cols.join(", "));
            let mut stmt = conn.prepare(&sql).expect("table reads");
            let mut rows = stmt.query([]).expect("table reads");
            let mut out = Vec::new();
            while let Some(row) = rows.next().expect("row") {
                out.push(
                    def.columns
                        .iter()
                        .enumerate()
                        .map(|(i, (_, ty))| val_of_sqlite(row.get_ref(i).expect("value"), ty))
                        .collect(),
                );
            }
            tables.insert(
                name,
                Table {
                    columns: def.columns.iter().map(|(c, _)| *c).collect(),
                    rows: out,
                },
            );
        }
        Db { tables }
    }

    /// Whether `table` has rows.
    pub fn has_rows(&self, table: &str) -> bool {
        self.tables.get(table).is_some_and(|t| !t.rows.is_empty())
    }

    /// The distinct non-NULL values of `table.column`, in first-seen order.
    pub fn values(&self, table: &str, column: &str) -> Vec<Val> {
        let Some(t) = self.tables.get(table) else {
            return Vec::new();
        };
        let Some(c) = t.col(column) else {
            return Vec::new();
        };
        let mut out: Vec<Val> = Vec::new();
        for r in &t.rows {
            if r[c] != Val::Null && !out.contains(&r[c]) {
                out.push(r[c].clone());
            }
        }
        out
    }
}

/// Folds ASCII letters to lower case (nothing else); under the engine's case-sensitive option
/// (`exact`) text is compared as it is.
fn fold(s: &str, exact: bool) -> String {
    if exact {
        s.to_owned()
    } else {
        s.to_ascii_lowercase()
    }
}

/// Seconds and microseconds of a timestamp text, for comparing instants.
fn instant(s: &str) -> (i64, u32) {
    crate::rows::timestamp_unix(s)
}

/// The engine's order on two non-NULL values of a type.
fn compare(a: &Val, b: &Val, ty: &FieldType, exact: bool) -> Ordering {
    match (a, b) {
        (Val::Text(x), Val::Text(y)) if *ty == FieldType::Timestamp => instant(x).cmp(&instant(y)),
        (Val::Text(x), Val::Text(y)) => fold(x, exact).as_bytes().cmp(fold(y, exact).as_bytes()),
        (Val::Int(x), Val::Int(y)) => x.cmp(y),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Val::Int(x), Val::Float(y)) => (*x as f64).partial_cmp(y).unwrap_or(Ordering::Equal),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(*y as f64)).unwrap_or(Ordering::Equal),
        (Val::Bool(x), Val::Bool(y)) => x.cmp(y),
        (x, y) => panic!("oracle: cannot compare {x:?} with {y:?} as {ty}"),
    }
}

/// NULL lowest, then [`compare`].
fn compare_nullable(a: &Val, b: &Val, ty: &FieldType, exact: bool) -> Ordering {
    match (a, b) {
        (Val::Null, Val::Null) => Ordering::Equal,
        (Val::Null, _) => Ordering::Less,
        (_, Val::Null) => Ordering::Greater,
        _ => compare(a, b, ty, exact),
    }
}

fn param_val(p: &Param) -> Val {
    match p {
        Param::Text(s) => Val::Text(s.to_string()),
        Param::Timestamp(s) => Val::Text(normalize_timestamp(s)),
        Param::Int(i) => Val::Int(*i),
        Param::Float(f) => Val::Float(*f),
        Param::Bool(b) => Val::Bool(*b),
    }
}

/// SQL LIKE with `\` as the escape character, ASCII case ignored: `%` any run of characters,
/// `_` exactly one character.
pub fn like(text: &str, pattern: &str) -> bool {
    like_with(text, pattern, false)
}

/// [`like`], or with `exact` the same match comparing characters exactly.
pub fn like_with(text: &str, pattern: &str, exact: bool) -> bool {
    #[derive(Debug)]
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        toks.push(match c {
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            '%' => Tok::Any,
            '_' => Tok::One,
            c => Tok::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // matches[i][j]: toks[i..] matches text[j..].
    let (n, m) = (toks.len(), text.len());
    let mut matches = vec![vec![false; m + 1]; n + 1];
    matches[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            matches[i][j] = match toks[i] {
                Tok::Any => matches[i + 1][j] || (j < m && matches[i][j + 1]),
                Tok::One => j < m && matches[i + 1][j + 1],
                Tok::Lit(c) => {
                    j < m
                        && (if exact {
                            text[j] == c
                        } else {
                            text[j].eq_ignore_ascii_case(&c)
                        })
                        && matches[i + 1][j + 1]
                }
            };
        }
    }
    matches[0][0]
}

/// A value's text as LIKE sees it.
fn like_text(v: &Val) -> String {
    match v {
        Val::Text(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(b) => i64::from(*b).to_string(),
        Val::Null => String::new(),
    }
}

/// `v <test>` under the engine's semantics; NULL passes only the null tests.
pub fn passes(v: &Val, ty: &FieldType, test: &Test, exact: bool) -> bool {
    if let Test::Null { negated } = test {
        return (*v == Val::Null) != *negated;
    }
    if *v == Val::Null {
        return false;
    }
    match test {
        Test::Compare(c, p) => {
            let o = compare(v, &param_val(p), ty, exact);
            match c {
                Cmp::Eq => o == Ordering::Equal,
                Cmp::Ne => o != Ordering::Equal,
                Cmp::Gt => o == Ordering::Greater,
                Cmp::Lt => o == Ordering::Less,
                Cmp::Ge => o != Ordering::Less,
                Cmp::Le => o != Ordering::Greater,
            }
        }
        Test::In { negated, values } => {
            let found = values
                .iter()
                .any(|p| compare(v, &param_val(p), ty, exact) == Ordering::Equal);
            found != *negated
        }
        Test::Like { negated, pattern } => like_with(&like_text(v), pattern, exact) != *negated,
        Test::Null { .. } => unreachable!("handled above"),
    }
}

/// The evaluator over one database.
pub struct Oracle<'d> {
    db: &'d Db,
    schema: &'d Schema,
    /// Each resource's rows, built on first use.
    cache: RefCell<HashMap<ResourceId, Rc<Vec<Entity<'d>>>>>,
    /// Text compares exactly (the query's `case_sensitive`, set by [`Oracle::answer`]).
    exact: Cell<bool>,
}

impl<'d> Oracle<'d> {
    pub fn new(db: &'d Db, schema: &'d Schema) -> Oracle<'d> {
        Oracle {
            db,
            schema,
            cache: RefCell::new(HashMap::new()),
            exact: Cell::new(false),
        }
    }

    fn table_of(&self, r: ResourceId) -> &'static str {
        self.schema.resource(r).table
    }

    fn pk_column(&self, r: ResourceId) -> &'static str {
        let pk = self.schema.resource(r).primary_key;
        self.schema.field(r, pk).map_or(pk, |f| f.field.column)
    }

    /// The rows of `r` (cached).
    pub fn entities(&self, r: ResourceId) -> Rc<Vec<Entity<'d>>> {
        if let Some(v) = self.cache.borrow().get(&r) {
            return v.clone();
        }
        let v = Rc::new(self.build_entities(r));
        self.cache.borrow_mut().insert(r, v.clone());
        v
    }

    /// The rows of `r`: its own table's rows joined with every ancestor's on the primary key.
    fn build_entities(&self, r: ResourceId) -> Vec<Entity<'d>> {
        let lineage: Vec<ResourceId> = self.schema.lineage(r).collect();
        let own = lineage[0];
        let Some(table) = self.db.tables.get(self.table_of(own)) else {
            return Vec::new();
        };
        let pk = self.pk_column(own);
        let Some(pkc) = table.col(pk) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        'row: for (i, row) in table.rows.iter().enumerate() {
            let mut parts = vec![(self.table_of(own), table, i)];
            for anc in &lineage[1..] {
                let t = self.table_of(*anc);
                let Some(at) = self.db.tables.get(t) else {
                    continue 'row;
                };
                let apk = at.col(self.pk_column(*anc)).expect("ancestor key");
                match at.rows.iter().position(|r| keys_equal(&r[apk], &row[pkc])) {
                    Some(j) => parts.push((t, at, j)),
                    None => continue 'row,
                }
            }
            out.push(Entity { parts });
        }
        out
    }

    fn column_value(&self, e: &Entity<'_>, c: &Column) -> Val {
        e.get(self.table_of(c.owner), c.column)
    }

    /// Whether `e` (a row of `scope.resource`) satisfies the scope.
    pub fn holds(&self, scope: &Scope, e: &Entity<'_>) -> bool {
        scope
            .predicates
            .iter()
            .all(|p| self.predicate(p, scope.resource, e))
            && scope.children.iter().all(|(hop, child)| {
                self.related(e, hop, child.resource)
                    .iter()
                    .any(|c| self.holds(child, c))
            })
    }

    /// The rows of `target` related to `e` by `hop` (local key = remote key, NULL never equal).
    fn related(&self, e: &Entity<'_>, hop: &Hop, target: ResourceId) -> Vec<Entity<'d>> {
        let local = e.get(self.table_of(hop.local.0), hop.local.1);
        if local == Val::Null {
            return Vec::new();
        }
        let remote_table = self.table_of(hop.remote.0);
        self.entities(target)
            .iter()
            .filter(|c| keys_equal(&c.get(remote_table, hop.remote.1), &local))
            .cloned()
            .collect()
    }

    fn predicate(&self, p: &Predicate, resource: ResourceId, e: &Entity<'_>) -> bool {
        match p {
            Predicate::Field { column, test, .. } => match &column.stored_in {
                None => passes(
                    &self.column_value(e, column),
                    &column.ty,
                    test,
                    self.exact.get(),
                ),
                Some(s) => {
                    // The value lives in rows of another resource that point at our key.
                    let pk = e.get(self.table_of(column.owner), self.pk_column(column.owner));
                    let owner = self
                        .schema
                        .field(s.resource, s.column)
                        .map_or(s.resource, |f| f.owner);
                    self.entities(s.resource).iter().any(|r| {
                        keys_equal(&r.get(self.table_of(s.resource), s.key), &pk)
                            && passes(
                                &r.get(self.table_of(owner), s.column),
                                &column.ty,
                                test,
                                self.exact.get(),
                            )
                    })
                }
            },
            Predicate::Tag {
                table,
                negated,
                test,
                ..
            } => {
                let root = self.schema.lineage(resource).last().unwrap_or(resource);
                let pk = e.get(self.table_of(root), self.pk_column(resource));
                let name = match table {
                    TagTable::System => "SystemTagVO",
                    TagTable::User => "UserTagVO",
                };
                let tags = &self.db.tables[name];
                let (rc, tc) = (
                    tags.col("resourceUuid").expect("resourceUuid"),
                    tags.col("tag").expect("tag"),
                );
                let has = tags.rows.iter().any(|r| {
                    r[rc] != Val::Null
                        && keys_equal(&r[rc], &pk)
                        && test
                            .as_ref()
                            .is_none_or(|t| passes(&r[tc], &FieldType::String, t, self.exact.get()))
                });
                has != *negated
            }
        }
    }

    /// A sort key's value for a root row: its column, or through to-one hops (NULL when a hop
    /// finds no row).
    fn sort_value(&self, k: &SortKey, e: &Entity<'d>) -> Val {
        let mut cur = e.clone();
        for (hop, target) in &k.hops {
            match self.related(&cur, hop, *target).into_iter().next() {
                Some(next) => cur = next,
                None => return Val::Null,
            }
        }
        self.column_value(&cur, &k.column)
    }

    /// The answer to `q`.
    pub fn answer(&self, q: &plan::Query) -> Answer {
        self.exact.set(q.case_sensitive);
        let exact = q.case_sensitive;
        let root = q.root.resource;
        let matching: Vec<Entity<'d>> = self
            .entities(root)
            .iter()
            .filter(|e| self.holds(&q.root, e))
            .cloned()
            .collect();
        let total = matching.len() as u64;
        let page = |n: usize| -> std::ops::Range<usize> {
            let start = (q.start as usize).min(n);
            start..(start + q.limit as usize).min(n)
        };
        match &q.output {
            Output::Count => Answer {
                rows: None,
                total: Some(total),
            },
            Output::Rows(cols) => {
                let pk = self.pk_column(root);
                let pk_owner = self.schema.lineage(root).last().unwrap_or(root);
                let pk_ty = self
                    .schema
                    .field(root, self.schema.resource(root).primary_key)
                    .map_or(FieldType::String, |f| f.field.ty.clone());
                let mut keyed: Vec<(Vec<Val>, Val, &Entity<'d>)> = matching
                    .iter()
                    .map(|e| {
                        (
                            q.sort.iter().map(|k| self.sort_value(k, e)).collect(),
                            e.get(self.table_of(pk_owner), pk),
                            e,
                        )
                    })
                    .collect();
                keyed.sort_by(|a, b| {
                    for (i, k) in q.sort.iter().enumerate() {
                        let o = compare_nullable(&a.0[i], &b.0[i], &k.column.ty, exact);
                        let o = if k.descending { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    compare_nullable(&a.1, &b.1, &pk_ty, exact)
                });
                let rows = keyed[page(keyed.len())]
                    .iter()
                    .map(|(_, _, e)| cols.iter().map(|c| self.column_value(e, c)).collect())
                    .collect();
                Answer {
                    rows: Some(rows),
                    total: q.reply_with_count.then_some(total),
                }
            }
            Output::Groups { columns, as_counts } => {
                // Key: text folded, other values as they are. Shown: the smallest spelling.
                let mut groups: Vec<(Vec<Val>, Vec<Val>, u64)> = Vec::new();
                for e in &matching {
                    let vals: Vec<Val> = columns.iter().map(|c| self.column_value(e, c)).collect();
                    let key: Vec<Val> = vals
                        .iter()
                        .zip(columns)
                        .map(|(v, c)| match v {
                            Val::Text(s) if c.ty.is_textual() => Val::Text(fold(s, exact)),
                            v => v.clone(),
                        })
                        .collect();
                    match groups.iter_mut().find(|g| g.0 == key) {
                        Some(g) => {
                            for (shown, v) in g.1.iter_mut().zip(&vals) {
                                if let (Val::Text(a), Val::Text(b)) = (&*shown, v)
                                    && b.as_bytes() < a.as_bytes()
                                {
                                    *shown = v.clone();
                                }
                            }
                            g.2 += 1;
                        }
                        None => groups.push((key, vals, 1)),
                    }
                }
                // Order: the sort keys, then the other group columns ascending.
                let mut order: Vec<(usize, bool)> = Vec::new();
                for k in &q.sort {
                    let i = columns
                        .iter()
                        .position(|c| c.field == k.column.field)
                        .expect("sort by a group column");
                    order.push((i, k.descending));
                }
                for (i, c) in columns.iter().enumerate() {
                    if !q
                        .sort
                        .iter()
                        .any(|k| k.hops.is_empty() && k.column.field == c.field)
                    {
                        order.push((i, false));
                    }
                }
                groups.sort_by(|a, b| {
                    for (i, desc) in &order {
                        let o = compare_nullable(&a.1[*i], &b.1[*i], &columns[*i].ty, exact);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                let n = groups.len();
                let rows = groups[page(n)]
                    .iter()
                    .map(|(_, shown, count)| {
                        let mut r = shown.clone();
                        r.push(Val::Int(*count as i64));
                        r
                    })
                    .collect();
                Answer {
                    rows: Some(rows),
                    total: (*as_counts || q.reply_with_count).then_some(total),
                }
            }
        }
    }
}

/// Key equality for relations and tags: as the key columns compare in SQLite (text keys ignore
/// ASCII case; the demo's keys are lowercase hex, so every dialect agrees).
fn keys_equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, _) | (_, Val::Null) => false,
        (Val::Text(x), Val::Text(y)) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    }
}
