//! `engine`: the entry point. An [`Engine`] holds the schema and options, is built once, and is
//! `Send + Sync`, so a server's threads share it. It runs the stages in order: parse, resolve,
//! emit, and (on SQLite) execute.

use std::sync::Arc;

use rusqlite::Connection;

use crate::ast;
use crate::cache::{CacheStats, ShapeCache};
use crate::emit::{self, Dialect, Sql};
use crate::error::{Error, Result};
use crate::exec::{self, Reply};
use crate::limits::Limits;
use crate::plan;
use crate::resolve;
use crate::schema::Schema;
use crate::syntax;

/// The number of statement shapes an engine keeps compiled unless told otherwise.
pub const DEFAULT_SHAPE_CACHE: usize = 1024;

/// The query engine: a schema, its limits and options, and its statement-shape cache.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The schema (shared, immutable).
    schema: Arc<Schema>,
    /// Resolver options (limits, path form).
    options: resolve::Options,
    /// Compiled statement shapes (shared by clones); `None` when turned off.
    cache: Option<Arc<ShapeCache>>,
}

/// Builds an [`Engine`] with non-default options.
#[derive(Debug, Default)]
pub struct EngineBuilder {
    /// The schema, once chosen.
    schema: Option<Arc<Schema>>,
    /// Options being set.
    options: resolve::Options,
    /// Entries of the statement-shape cache (`None`: the default).
    shape_cache: Option<usize>,
}

impl EngineBuilder {
    /// Sets how many statement shapes the engine keeps compiled ([`DEFAULT_SHAPE_CACHE`]; 0
    /// turns the cache off, so every compile parses, resolves and emits).
    pub fn shape_cache(&mut self, entries: usize) -> &mut EngineBuilder {
        self.shape_cache = Some(entries);
        self
    }

    /// Uses this schema instead of the embedded ZStack one.
    pub fn schema(&mut self, schema: Schema) -> &mut EngineBuilder {
        self.schema = Some(Arc::new(schema));
        self
    }

    /// Sets the limits.
    pub fn limits(&mut self, limits: Limits) -> &mut EngineBuilder {
        self.options.limits = limits;
        self
    }

    /// ZStack's form for paths: every condition gets its own semi-join even when it shares a
    /// to-many prefix with another (`vmNics.ip=A&vmNics.l3NetworkUuid=B` may match two NICs).
    pub fn independent_paths(&mut self, yes: bool) -> &mut EngineBuilder {
        self.options.independent_paths = yes;
        self
    }

    /// Makes text comparison exact (design.md "String comparison": "an engine option makes all
    /// of them case-sensitive"): `=`, `!=`, `?=`, ranges, `~=`, sorting and grouping compare the
    /// bytes instead of ignoring ASCII case. Enum values are still recognised in any case and
    /// bound in their canonical spelling. SQLite gets `COLLATE BINARY` (and GLOB for `~=`), MySQL
    /// binary comparisons, PostgreSQL plain ones on its `COLLATE "C"` columns (docs/dialects.md).
    pub fn case_sensitive(&mut self, yes: bool) -> &mut EngineBuilder {
        self.options.case_sensitive = yes;
        self
    }

    /// Builds the engine.
    ///
    /// # Errors
    /// Only when no schema was set and the embedded one fails to load (the crate's tests rule it out).
    pub fn build(&self) -> Result<Engine> {
        let schema = match &self.schema {
            Some(s) => s.clone(),
            None => Arc::new(Schema::zstack()?),
        };
        let entries = self.shape_cache.unwrap_or(DEFAULT_SHAPE_CACHE);
        let cache = (entries > 0).then(|| Arc::new(ShapeCache::new(entries, &schema)));
        Ok(Engine {
            schema,
            options: self.options,
            cache,
        })
    }
}

impl Engine {
    /// The engine with the embedded ZStack schema and default options.
    ///
    /// # Errors
    /// Only if the embedded schema is invalid, which the crate's tests rule out.
    pub fn zstack() -> Result<Engine> {
        EngineBuilder::default().build()
    }

    /// An engine on a user's schema directory (`*.toml`, one resource per file).
    ///
    /// # Errors
    /// Any schema load or validation error.
    pub fn from_schema_dir(dir: &std::path::Path) -> Result<Engine> {
        EngineBuilder::default()
            .schema(Schema::from_dir(dir)?)
            .build()
    }

    /// A builder for non-default options.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.options.limits
    }

    /// The resolver options.
    pub(crate) fn options(&self) -> &resolve::Options {
        &self.options
    }

    /// Hits, misses and size of the statement-shape cache (all zero when it is turned off).
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.as_ref().map(|c| c.stats()).unwrap_or_default()
    }

    /// Parses a query in any of the three forms.
    ///
    /// # Errors
    /// A syntax error or a limit exceeded, with its span.
    pub fn parse<'a>(&self, text: &'a str) -> Result<ast::Query<'a>> {
        syntax::parse(text, &self.options.limits)
    }

    /// Parses and resolves. `resource` names the resource when the text does not (a REST query
    /// string alone, `q=name=vm1`); when both name one, the text wins.
    ///
    /// ```
    /// use zstack_query::{Engine, plan::Note};
    /// let engine = Engine::zstack()?;
    /// let plan = engine.plan(Some("hosts"), "q=hypervisorType=KVM&q=username=root")?;
    /// assert_eq!(plan.notes, vec![Note::TypeSwitch { from: "Host", to: "KVMHost" }]);
    /// # Ok::<(), zstack_query::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any syntax or resolution error, with its span in `text`.
    pub fn plan(&self, resource: Option<&str>, text: &str) -> Result<plan::Query> {
        let ast = self.parse(text)?;
        resolve::resolve(&ast, resource, &self.schema, text, &self.options)
    }

    /// Compiles a query to SQL for `dialect`. A query of a shape compiled before (the same query
    /// but for its values) is answered from the statement-shape cache: its values are typed and
    /// bound into the cached SQL, with the same result and the same errors as a full compile.
    ///
    /// ```
    /// use zstack_query::{Dialect, Engine, plan::Param};
    /// let engine = Engine::zstack()?;
    /// let sql = engine.compile(None, "QueryVmInstance zone.name=z1 fields=uuid", Dialect::Postgres)?;
    /// assert_eq!(
    ///     &*sql.main.text,
    ///     r#"SELECT "t0"."uuid" FROM "VmInstanceVO" AS "t0" WHERE "t0"."zoneUuid" IN (SELECT "t1"."uuid" FROM "ZoneVO" AS "t1" WHERE LOWER("t1"."name") = (LOWER($1 COLLATE "C"))) ORDER BY "t0"."uuid" ASC LIMIT $2"#
    /// );
    /// assert_eq!(sql.main.params, vec![Param::Text("z1".into()), Param::Int(1000)]);
    /// # Ok::<(), zstack_query::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any syntax or resolution error, with its span in `text`.
    pub fn compile(&self, resource: Option<&str>, text: &str, dialect: Dialect) -> Result<Sql> {
        match &self.cache {
            Some(cache) => cache.compile(self, resource, text, dialect),
            None => self.compile_uncached(resource, text, dialect),
        }
    }

    /// Compiles without the statement-shape cache: parse, resolve, emit.
    ///
    /// # Errors
    /// As [`Engine::compile`].
    pub fn compile_uncached(
        &self,
        resource: Option<&str>,
        text: &str,
        dialect: Dialect,
    ) -> Result<Sql> {
        let plan = self.plan(resource, text)?;
        Ok(emit::emit(&plan, &self.schema, dialect))
    }

    /// Compiles for SQLite and runs on `conn`, which holds the schema's tables.
    ///
    /// ```
    /// use zstack_query::{Engine, exec::demo::DemoSize};
    /// let engine = Engine::zstack()?;
    /// let mut conn = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
    /// engine.generate_demo(&mut conn, DemoSize { vms: 30 })?;
    /// let reply = engine.run(&conn, Some("vm-instances"), "q=name=web-5&fields=name&replyWithCount=true")?;
    /// assert_eq!(serde_json::to_string(&reply).unwrap(), r#"{"inventories":[{"name":"web-5"}],"total":1}"#);
    /// # Ok::<(), zstack_query::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any compile error, or a database error.
    pub fn run(&self, conn: &Connection, resource: Option<&str>, text: &str) -> Result<Reply> {
        let sql = self.compile(resource, text, Dialect::Sqlite)?;
        exec::run(conn, &sql).map_err(|e: Error| e.with_input(text))
    }

    /// Creates the schema's tables on a SQLite connection.
    ///
    /// # Errors
    /// A database error.
    pub fn create_tables(&self, conn: &Connection) -> Result<()> {
        exec::create_tables_for(conn, &self.schema, self.options.case_sensitive)
    }

    /// Fills a SQLite connection with the deterministic demo cloud.
    ///
    /// # Errors
    /// A database error.
    pub fn generate_demo(
        &self,
        conn: &mut Connection,
        size: exec::demo::DemoSize,
    ) -> Result<Vec<(&'static str, usize)>> {
        // The tables as this engine compares text (the demo's own creation is then a no-op).
        self.create_tables(conn)?;
        exec::demo::generate(conn, &self.schema, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }
}
