//! zstack-query compiles ZStack's query language to parameterized SQL for SQLite, MySQL/MariaDB
//! and PostgreSQL, and runs it on an embedded SQLite database, returning ZStack-shaped replies.
//!
//! # The pipeline
//!
//! ```text
//! text ─syntax::parse→ ast::Query ─resolve(&Schema)→ plan::Query ─emit(Dialect)→ Sql{text,params} ─exec→ Reply
//! ```
//!
//! | stage | module | knows |
//! |---|---|---|
//! | parse the REST query string, the zstack-cli line or the SDK JSON | [`syntax`] → [`ast`] | the grammar (`grammar/query.ebnf`), not the schema |
//! | load `schema/*.toml` into resources and a relation graph | [`schema`] | ZStack's resources, not queries |
//! | bind paths, type values, check parameters | [`resolve`] → [`plan`] | the schema, not SQL |
//! | write the SQL text and its parameters (a direct writer, checked against sea-query's builder) | [`emit`] | SQL dialects, not the query language |
//! | run on SQLite, shape the reply | [`exec`] | rusqlite |
//! | list fields and relations at a path, complete words | [`introspect`] | the schema |
//!
//! # Primary types
//!
//! - [`Engine`]: start here. Built once ([`Engine::zstack`] embeds the ZStack schema), `Send + Sync`.
//!   It keeps a statement-shape cache: a query compiled before but for its values skips resolve
//!   and emit ([`Engine::cache_stats`], [`EngineBuilder::shape_cache`]; docs/performance.md).
//! - [`Error`]: every failure, with a stable [`Error::code`], the byte [`Span`] and a hint.
//! - [`Dialect`], [`Sql`]: the compiled statements. [`Reply`]: `{"inventories": [...], "total": N}`.
//!
//! ```
//! use zstack_query::{Dialect, Engine};
//!
//! let engine = Engine::zstack()?;
//! let sql = engine.compile(Some("vm-instances"), "q=name=vm1&limit=10", Dialect::Sqlite)?;
//! assert!(sql.main.text.starts_with(r#"SELECT "t0"."uuid", "t0"."name", "t0"."description", "#));
//! assert!(sql.main.text.ends_with(r#"FROM "VmInstanceVO" AS "t0" WHERE "t0"."name" = ? ORDER BY "t0"."uuid" ASC LIMIT ?"#));
//! assert_eq!(sql.main.params, vec![zstack_query::plan::Param::Text("vm1".into()), zstack_query::plan::Param::Int(10)]);
//! # Ok::<(), zstack_query::Error>(())
//! ```
//!
//! # Input safety
//!
//! No input panics, and every bound is a typed error ([`ErrorKind::LimitExceeded`]) with its
//! configured value ([`Limits`]): input length 1 MiB, 1,000 conditions, 10,000 IN items, path depth
//! 8 hops, 4 KiB per value, `limit` at most 10,000 (default 1,000), 8 sort keys. Values are always
//! bound parameters; identifiers come only from the schema.
//!
//! # Error reporting
//!
//! `Display` on [`Error`] draws the input with a caret under the span and the hint;
//! [`Error::to_json`] gives `{"code","message","span","hint"}` for servers.
//!
//! # Dialects
//!
//! String comparison ignores ASCII case, and nothing else, in every dialect (design.md): SQLite
//! through `COLLATE NOCASE` columns, MySQL through its `_ci` collations plus an exact check on
//! `CAST(LOWER(x) AS BINARY)` (no PAD SPACE, `_` sorts before letters), PostgreSQL through `lower()`
//! on `COLLATE "C"` columns. NULL sorts lowest everywhere; the primary key is always the last sort
//! key. `docs/dialects.md` lists every difference the live tests found and the choice made.
//!
//! # Features
//!
//! - `server` (off by default): the module `server`, ZStack's `GET /zstack/v1/<rest-path>?q=…` and a query
//!   playground over HTTP (axum + tokio), and the binary's `zstack-query serve`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
// No input may panic the library: no unwrap, no panic! outside tests (invariants use `expect` with
// the reason). The input-facing modules (syntax, value typing) also deny indexing.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod ast;
mod cache;
pub mod emit;
mod engine;
pub mod error;
pub mod exec;
pub mod introspect;
mod limits;
pub mod plan;
pub mod resolve;
pub mod schema;
#[cfg(feature = "server")]
pub mod server;
mod suggest;
pub mod syntax;

pub use cache::{CacheStats, MAX_PARAMS, MAX_SQL};
pub use emit::{Dialect, Sql};
pub use engine::{DEFAULT_SHAPE_CACHE, Engine, EngineBuilder};
pub use error::{Error, ErrorKind, Limit, Span};
pub use exec::Reply;
pub use limits::{DEFAULT_LIMIT, Limits};
