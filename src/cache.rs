//! The statement-shape cache (design.md "Performance shape"): a query whose values are replaced by
//! slots maps to its compiled SQL and to how each bound parameter is made from the query's values.
//! A later query of the same shape skips resolve and emit: its values are re-typed (so a value of
//! the wrong type is still an error) and bound into the cached text.
//!
//! The key is everything the compiled SQL depends on except the values: the resource, the dialect,
//! each condition's path and operator, the length bucket of each IN list ([`plan::in_list_bucket`]:
//! lists of 5 to 8 items share one statement, padded with their last item), the value of a condition that
//! may switch a resource to a child type (`hypervisorType=KVM`, `host.hypervisorType=KVM`), whether
//! `start` is 0, and every
//! other parameter verbatim. REST queries are keyed straight from the text ([`syntax::scan_rest`],
//! no AST is built); the other forms from their AST. Only successful compiles are cached, and only
//! when re-binding the query's own values reproduces its parameters exactly; anything a hit cannot
//! bind (a value of the wrong type, a `limit` over the maximum) falls back to a full compile, which
//! reports the error.
//!
//! The cache is a set of LRU shards behind mutexes, shared by every clone of an [`Engine`] and safe
//! to use from many threads.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hashlink::LruCache;

use crate::ast::{self, Op};
use crate::emit::ValueForm;
use crate::emit::{self, Dialect, Sql, Statement};
use crate::engine::Engine;
use crate::error::{Result, Span};
use crate::limits::{DEFAULT_LIMIT, Limits};
use crate::plan::{self, Output, Param, Predicate, Scope, Test};
use crate::resolve::{self, SlotKind};
use crate::syntax::{self, Piece};

/// The most parameters a cached shape may bind (a 512-item IN list): with [`MAX_SQL`], an entry
/// stays under about 80 KB, so a full cache of the default 1,024 shapes under about 80 MB even
/// when every shape is as large as allowed (typical shapes take a few hundred bytes).
pub const MAX_PARAMS: usize = 512;

/// The most bytes of SQL (main and count statements together) a cached shape may hold.
pub const MAX_SQL: usize = 32 * 1024;

/// Keys longer than this are not kept in the per-thread buffer between compiles.
const KEEP_KEY: usize = 64 * 1024;

/// Shards of the cache (a power of two): threads compiling different shapes rarely wait on each
/// other.
const SHARDS: usize = 8;

/// The number of hits, misses and entries of an engine's statement-shape cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Compiles answered from the cache (values re-typed and bound, no resolve or emit).
    pub hits: u64,
    /// Compiles that resolved and emitted (the shape was new, evicted, not cacheable, or a value
    /// could not be bound on a hit).
    pub misses: u64,
    /// Misses whose shape could not be cached (re-binding its own values did not reproduce its
    /// parameters; none is known, this counts them should one appear).
    pub uncacheable: u64,
    /// Misses whose shape was too large to keep (more than [`MAX_PARAMS`] parameters or
    /// [`MAX_SQL`] bytes of SQL): the memory of the cache stays bounded.
    pub oversized: u64,
    /// Shapes held now.
    pub entries: usize,
    /// Shapes held at most.
    pub capacity: usize,
}

/// Where a bound parameter comes from.
#[derive(Clone, Debug, PartialEq)]
enum Recipe {
    /// The value (or IN-list item) of a condition, made into a parameter by `kind`.
    Value {
        condition: usize,
        item: Option<usize>,
        kind: SlotKind,
        /// How emit placed it (a LIKE pattern may be bound as a GLOB pattern).
        form: ValueForm,
    },
    /// `LIMIT`.
    Limit,
    /// `OFFSET`.
    Offset,
}

/// A cached shape: the compiled statements without their parameters, and how to make them.
#[derive(Debug)]
struct Entry {
    /// The compiled query, parameters empty.
    template: Sql,
    /// The main statement's parameters, in placeholder order.
    recipes: Vec<Recipe>,
    /// The count statement's parameters are the first this many of the main statement's.
    where_len: usize,
}

/// The values of a query, set apart from its shape.
#[derive(Debug, Default)]
struct Values<'a> {
    /// Per condition, in order: a text and where its value starts in it (`None` for a null test).
    conditions: Vec<Option<(Cow<'a, str>, usize)>>,
    /// `limit`, when given.
    limit: Option<u64>,
    /// `start`, when given.
    start: Option<u64>,
}

/// The key being written: tagged, length-prefixed pieces, so no two shapes write the same bytes.
struct Key(Vec<u8>);

impl Key {
    /// A key written into `buffer` (emptied first).
    fn new(mut buffer: Vec<u8>, route: u8, dialect: Dialect, resource: Option<&str>) -> Key {
        buffer.clear();
        let mut k = Key(buffer);
        k.0.push(route);
        k.0.push(match dialect {
            Dialect::Sqlite => b's',
            Dialect::Mysql => b'm',
            Dialect::Postgres => b'p',
        });
        match resource {
            None => k.0.push(b'-'),
            Some(r) => k.text(b'r', r),
        }
        k
    }

    fn tag(&mut self, t: u8) {
        self.0.push(t);
    }

    fn text(&mut self, t: u8, s: &str) {
        self.0.push(t);
        self.0.extend_from_slice(&(s.len() as u64).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }

    fn num(&mut self, t: u8, n: usize) {
        self.0.push(t);
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn op(&mut self, op: Op) {
        self.0.push(b'o');
        self.0.push(op as u8);
    }

    /// What a condition's value adds to the shape: the length of an IN list, and the whole value
    /// of a condition that may switch the resource to a child type (`switch`, asked only for `=`).
    fn value(&mut self, op: Op, switch: impl FnOnce() -> bool, value: Option<&str>) {
        match (op, value) {
            (Op::In | Op::NotIn, Some(v)) => {
                self.num(b'n', plan::in_list_bucket(resolve::in_list_len(v)));
            }
            (Op::Eq, Some(v)) if switch() => self.text(b'v', v),
            _ => {}
        }
    }
}

/// One shard: keys, by their hash, to entries; least recently used evicted first. A bucket holds
/// the keys of one hash (in practice one key: hashes are 64 bits).
type Shard = LruCache<u64, Vec<(Box<[u8]>, Arc<Entry>)>, BuildHasherDefault<Spent>>;

/// The hasher of keys that are hashes already.
#[derive(Default)]
struct Spent(u64);

impl Hasher for Spent {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

thread_local! {
    /// The key being built, kept between compiles on this thread so that a hit allocates none.
    static KEY: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The statement-shape cache of an engine.
pub(crate) struct ShapeCache {
    shards: Box<[Mutex<Shard>]>,
    /// Hashes keys (seeded per process).
    hasher: foldhash::fast::RandomState,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    uncacheable: AtomicU64,
    oversized: AtomicU64,
    /// The type fields of the schema: `path.name=value` on one of them may switch the resource
    /// reached by `path` (the root when there is none).
    switch_fields: Vec<&'static str>,
}

impl std::fmt::Debug for ShapeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShapeCache")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ShapeCache {
    /// A cache of about `capacity` shapes (at least one per shard) for `schema`.
    pub(crate) fn new(capacity: usize, schema: &crate::schema::Schema) -> ShapeCache {
        let per_shard = capacity.div_ceil(SHARDS).max(1);
        let mut switch_fields: Vec<&'static str> = schema
            .resources()
            .iter()
            .filter_map(|r| r.type_field)
            .collect();
        switch_fields.sort_unstable();
        switch_fields.dedup();
        ShapeCache {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(LruCache::with_hasher(per_shard, Default::default())))
                .collect(),
            hasher: foldhash::fast::RandomState::default(),
            capacity: per_shard * SHARDS,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            uncacheable: AtomicU64::new(0),
            oversized: AtomicU64::new(0),
            switch_fields,
        }
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            uncacheable: self.uncacheable.load(Ordering::Relaxed),
            oversized: self.oversized.load(Ordering::Relaxed),
            entries: self
                .shards
                .iter()
                .map(|s| s.lock().map_or(0, |s| s.iter().map(|(_, b)| b.len()).sum()))
                .sum(),
            capacity: self.capacity,
        }
    }

    /// The key's hash, and its shard (picked by bits the shard's table does not index by).
    fn locate(&self, key: &[u8]) -> (u64, &Mutex<Shard>) {
        let h = self.hasher.hash_one(key);
        (h, &self.shards[(h >> 32) as usize % SHARDS])
    }

    fn get(&self, key: &[u8]) -> Option<Arc<Entry>> {
        let (h, shard) = self.locate(key);
        // A poisoned shard (a panic while holding it, which the code below cannot cause) is
        // skipped: the compile goes the long way.
        let mut shard = shard.lock().ok()?;
        let bucket = shard.get(&h)?;
        bucket
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, e)| e.clone())
    }

    fn put(&self, key: &[u8], entry: Entry) {
        let (h, shard) = self.locate(key);
        if let Ok(mut shard) = shard.lock() {
            let entry = Arc::new(entry);
            match shard.get_mut(&h) {
                Some(bucket) => match bucket.iter_mut().find(|(k, _)| **k == *key) {
                    Some(slot) => slot.1 = entry,
                    None => bucket.push((key.into(), entry)),
                },
                None => {
                    shard.insert(h, vec![(key.into(), entry)]);
                }
            }
        }
    }

    fn switches(&self, name: &str) -> bool {
        self.switch_fields.contains(&name)
    }

    /// Compiles through the cache: a hit binds the new values into the cached statement; a miss
    /// compiles and caches the shape.
    pub(crate) fn compile(
        &self,
        engine: &Engine,
        resource: Option<&str>,
        text: &str,
        dialect: Dialect,
    ) -> Result<Sql> {
        let limits = engine.limits();
        let mut buffer = KEY.take();
        buffer.clear();
        let result = match self.rest_shape(buffer, text, resource, dialect, limits) {
            Ok((key, values)) => {
                buffer = key;
                match self.hit(&buffer, &values, limits) {
                    Some(sql) => Ok(sql),
                    None => engine.parse(text).and_then(|ast| {
                        self.miss(engine, &ast, &buffer, &values, resource, text, dialect)
                    }),
                }
            }
            Err(mut b) => {
                b.clear();
                buffer = b;
                engine.parse(text).and_then(|ast| {
                    let values = self.ast_shape(&mut buffer, &ast, resource, dialect);
                    match self.hit(&buffer, &values, limits) {
                        Some(sql) => Ok(sql),
                        None => self.miss(engine, &ast, &buffer, &values, resource, text, dialect),
                    }
                })
            }
        };
        if buffer.capacity() <= KEEP_KEY {
            KEY.set(buffer);
        }
        result
    }

    fn hit(&self, key: &[u8], values: &Values<'_>, limits: &Limits) -> Option<Sql> {
        let entry = self.get(key)?;
        let sql = bind(&entry, values, limits)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(sql)
    }

    #[allow(clippy::too_many_arguments)]
    fn miss(
        &self,
        engine: &Engine,
        ast: &ast::Query<'_>,
        key: &[u8],
        values: &Values<'_>,
        resource: Option<&str>,
        text: &str,
        dialect: Dialect,
    ) -> Result<Sql> {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let (plan, slots) =
            resolve::resolve_traced(ast, resource, engine.schema(), text, engine.options())?;
        let sql = emit::emit(&plan, engine.schema(), dialect);
        let size = sql.main.text.len() + sql.count.as_ref().map_or(0, |c| c.text.len());
        if sql.main.params.len() > MAX_PARAMS || size > MAX_SQL {
            self.oversized.fetch_add(1, Ordering::Relaxed);
            return Ok(sql);
        }
        match entry(ast, &plan, slots, &sql, values, engine.limits()) {
            Some(entry) => self.put(key, entry),
            None => {
                self.uncacheable.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(sql)
    }

    /// The key and values of a REST query read straight from its text (`None`: not the REST
    /// form, or something the parse would reject; the AST route then decides).
    fn rest_shape<'a>(
        &self,
        buffer: Vec<u8>,
        text: &'a str,
        resource: Option<&str>,
        dialect: Dialect,
        limits: &Limits,
    ) -> std::result::Result<(Vec<u8>, Values<'a>), Vec<u8>> {
        let mut key = Key::new(buffer, b'R', dialect, resource);
        let mut values = Values {
            conditions: Vec::with_capacity(8),
            ..Values::default()
        };
        let done = syntax::scan_rest(text, limits, |piece| match piece {
            Piece::Resource(name) => key.text(b'R', name),
            Piece::Condition { text, parts: p } => {
                let at = |a: usize, b: usize| text.get(a..b).unwrap_or("");
                key.text(b'q', at(0, p.op_end));
                key.op(p.op);
                let value = p.has_value.then(|| at(p.op_end, p.end));
                // The last segment: a type field at any depth may switch (`host.hypervisorType`).
                let switch = || {
                    let path = at(p.start, p.path_end);
                    // A byte scan: `rsplit('.')` costs ~100 instructions per condition here.
                    let last = match path.bytes().rposition(|b| b == b'.') {
                        Some(dot) => path.get(dot + 1..).unwrap_or(""),
                        None => path,
                    };
                    self.switches(last)
                };
                key.value(p.op, switch, value);
                values
                    .conditions
                    .push(p.has_value.then_some((text, p.op_end)));
            }
            Piece::Limit(n) => {
                key.tag(b'l');
                values.limit = Some(n);
            }
            Piece::Start(n) => {
                key.tag(if n > 0 { b'S' } else { b's' });
                values.start = Some(n);
            }
            Piece::Other { key: k, value } => {
                key.text(b'k', k);
                key.text(b'=', value);
            }
        });
        match done {
            Some(()) => Ok((key.0, values)),
            None => Err(key.0),
        }
    }

    /// The key and values of a parsed query (any form).
    fn ast_shape<'a>(
        &self,
        buffer: &mut Vec<u8>,
        q: &'a ast::Query<'a>,
        resource: Option<&str>,
        dialect: Dialect,
    ) -> Values<'a> {
        let mut key = Key::new(std::mem::take(buffer), b'A', dialect, resource);
        let path = |key: &mut Key, t: u8, p: &ast::Path<'_>| {
            key.num(t, p.segments.len());
            for s in &p.segments {
                key.text(b'.', &s.node);
            }
        };
        if let Some(r) = &q.resource {
            key.text(b'R', &r.node);
        }
        let mut values = Values::default();
        for c in &q.conditions {
            path(&mut key, b'q', &c.path);
            key.op(c.op.node);
            let value = c.value.as_ref().map(|v| v.node.as_ref());
            let switch = || {
                c.path
                    .segments
                    .last()
                    .is_some_and(|s| self.switches(&s.node))
            };
            key.value(c.op.node, switch, value);
            values.conditions.push(value.map(|v| (Cow::Borrowed(v), 0)));
        }
        if let Some(l) = &q.limit {
            key.tag(b'l');
            values.limit = Some(l.node);
        }
        if let Some(s) = &q.start {
            key.tag(if s.node > 0 { b'S' } else { b's' });
            values.start = Some(s.node);
        }
        for (t, b) in [(b'c', &q.count), (b'w', &q.reply_with_count)] {
            if let Some(b) = b {
                key.num(t, usize::from(b.node));
            }
        }
        for k in &q.sort {
            path(&mut key, if k.descending { b'D' } else { b'A' }, &k.path);
        }
        for p in &q.fields {
            path(&mut key, b'f', p);
        }
        for p in &q.group_by {
            path(&mut key, b'g', p);
        }
        *buffer = key.0;
        values
    }
}

impl Values<'_> {
    /// The value of condition `i`.
    fn condition(&self, i: usize) -> Option<&str> {
        let (text, at) = self.conditions.get(i)?.as_ref()?;
        text.get(*at..)
    }
}

/// The parameters of `entry` made from `values`, in a copy of its statements; `None` where a
/// full compile would report an error (or differ).
fn bind(entry: &Entry, values: &Values<'_>, limits: &Limits) -> Option<Sql> {
    // A `limit` over the maximum is an error even where no LIMIT is bound (`count=true`).
    if values.limit.is_some_and(|l| l > limits.max_limit) {
        return None;
    }
    let mut params = Vec::with_capacity(entry.recipes.len());
    // IN-list items come in order: one pass over each list. Past its end (the padding up to the
    // list's length bucket, `plan::in_list_bucket`) the last item repeats.
    let mut items: Option<(usize, usize, std::str::Split<'_, char>, &str)> = None;
    for r in &entry.recipes {
        let p = match r {
            Recipe::Value {
                condition,
                item: None,
                kind,
                form,
            } => form.apply(kind.param(values.condition(*condition)?)?),
            Recipe::Value {
                condition,
                item: Some(i),
                kind,
                form,
            } => {
                let text = match &mut items {
                    Some((c, next, it, last)) if c == condition && next == i => {
                        *next += 1;
                        if let Some(t) = it.next() {
                            *last = t;
                        }
                        *last
                    }
                    _ => {
                        let v = values.condition(*condition)?;
                        let mut it = v.split(',');
                        let t = match it.nth(*i) {
                            Some(t) => t,
                            // A padding position first met (the list bound twice, MySQL).
                            None => v.rsplit(',').next()?,
                        };
                        items = Some((*condition, i + 1, it, t));
                        t
                    }
                };
                form.apply(kind.param(text)?)
            }
            Recipe::Limit => {
                let limit = values.limit.unwrap_or(DEFAULT_LIMIT.min(limits.max_limit));
                Param::count(limit)
            }
            Recipe::Offset => Param::count(values.start?),
        };
        params.push(p);
    }
    let t = &entry.template;
    let count = t.count.as_ref().map(|c| Statement {
        text: c.text.clone(),
        params: params.get(..entry.where_len).unwrap_or_default().to_vec(),
    });
    Some(Sql {
        dialect: t.dialect,
        main: Statement {
            text: t.main.text.clone(),
            params,
        },
        count,
        columns: t.columns.clone(),
        shape: t.shape,
        where_origins: t.where_origins.clone(),
    })
}

/// The `(condition span, item)` of each value bound in the WHERE clause, in placeholder order:
/// emit's order (a scope's predicates, then its sub-scopes).
fn where_order(scope: &Scope, out: &mut Vec<(Span, Option<usize>)>) {
    for p in &scope.predicates {
        let (test, span) = match p {
            Predicate::Field { test, span, .. } => (Some(test), span),
            Predicate::Tag { test, span, .. } => (test.as_ref(), span),
        };
        match test {
            Some(Test::Compare(..) | Test::Like { .. }) => out.push((*span, None)),
            Some(Test::In { values, .. }) => {
                out.extend((0..values.len()).map(|i| (*span, Some(i))));
            }
            Some(Test::Null { .. }) | None => {}
        }
    }
    for (_, child) in &scope.children {
        where_order(child, out);
    }
}

/// The cache entry for a compiled query, or `None` when it cannot be cached faithfully: the
/// recipes must rebuild the query's own parameters exactly.
fn entry(
    ast: &ast::Query<'_>,
    plan: &plan::Query,
    slots: Vec<resolve::Slot>,
    sql: &Sql,
    values: &Values<'_>,
    limits: &Limits,
) -> Option<Entry> {
    if values.conditions.len() != ast.conditions.len() {
        return None;
    }
    let mut by_origin: HashMap<(Span, Option<usize>), resolve::Slot> =
        HashMap::with_capacity(slots.len());
    for s in slots {
        if by_origin.insert((s.span, s.item), s).is_some() {
            // Two conditions at one span: their parameters cannot be told apart.
            return None;
        }
    }
    let mut order = Vec::new();
    where_order(&plan.root, &mut order);
    // Emit says which plan value each placeholder binds (a value may be bound twice).
    let mut recipes = Vec::with_capacity(sql.where_origins.len() + 2);
    for &(k, form) in sql.where_origins.iter() {
        let origin = order.get(k as usize)?;
        let s = by_origin.get(origin)?;
        recipes.push(Recipe::Value {
            condition: s.condition,
            item: s.item,
            kind: s.kind.clone(),
            form,
        });
    }
    let where_len = recipes.len();
    if !matches!(plan.output, Output::Count) {
        recipes.push(Recipe::Limit);
        if plan.start > 0 {
            recipes.push(Recipe::Offset);
        }
    }
    let mut template = sql.clone();
    let main = std::mem::take(&mut template.main.params);
    let count = template
        .count
        .as_mut()
        .map(|c| std::mem::take(&mut c.params));
    let entry = Entry {
        template,
        recipes,
        where_len,
    };
    // The proof: re-binding this query's own values gives its parameters.
    let again = bind(&entry, values, limits)?;
    let same = again.main.params == main
        && again.count.map(|c| c.params) == count
        && count.as_ref().is_none_or(|c| c.len() == where_len);
    same.then_some(entry)
}
