//! `server` (feature `server`): ZStack's read API and a query playground over HTTP, on axum and
//! tokio, answering from a SQLite database, MySQL/MariaDB or PostgreSQL ([`Database`]). Knows
//! HTTP; the query language is the [`Engine`]'s.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /zstack/v1/<rest-path>?q=…&limit=…` (also `/v1/…`, the SDK's default without a context path) | ZStack's reply: `{"inventories": [...], "total": N}` |
//! | `GET /zstack/v1/<rest-path>/<uuid>?…` | the same, with `q=<primary key>=<uuid>` added |
//! | `GET /` | the playground page (embedded, no external resources) |
//! | `GET /api/resources` | every resource: API name, REST path, inventory |
//! | `GET /api/fields?resource=R&path=vmNics.` | fields and relations at a path (as `zstack-query fields --json`) |
//! | `GET /api/complete?resource=R&word=vmN` | completions of a word (as the REPL's Tab) |
//! | `GET /api/compile?resource=R&q=<words>&dialect=D` | SQL, parameters, hops, notes, and the query as a REST URL, zstack-cli line, curl command and SDK JSON |
//! | `GET /api/run?resource=R&q=<words>&start=&limit=&sort=` | the reply, and the REST query string that produced it |
//! | `GET /api/database` | the database served: `{"dialect", "database"}` (a URL without its password) |
//!
//! A bad query is HTTP 400 (an unknown resource 404) with the JSON error
//! `{"code","message","span","hint"}`, built from the [`Error`] accessors; [`status_of`] is the one
//! place mapping an [`ErrorKind`] to a status. Database errors are 503 when SQLite is busy or
//! locked, else 500.
//!
//! The [`Engine`] (`Send + Sync`) is shared by every request. Queries compile on the async
//! workers (microseconds) for the database's [`Dialect`] and run on tokio's blocking threads with
//! a pooled connection of the matching synchronous driver (rusqlite, `mysql`, `postgres`; see
//! `pool.rs` for why this pool).
//!
//! ```no_run
//! use zstack_query::{Engine, server};
//!
//! let config = server::Config::new("zstack.sqlite"); // or "postgres://user@host/db", "mysql://…"
//! let running = server::spawn(Engine::zstack()?, &config, "127.0.0.1:0")?;
//! println!("http://{}/zstack/v1/vm-instances?q=name=vm1", running.addr());
//! running.stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod pool;
mod rest;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::emit::{Dialect, Sql};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::exec::{self, Reply};

/// The database a server answers from. Its tables are the schema's, as [`Engine::create_tables`]
/// (SQLite) or `exec::mysql::load_from_sqlite` / `exec::postgres::load_from_sqlite` make them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, opened read-only.
    Sqlite(PathBuf),
    /// A MySQL/MariaDB server: `mysql://user:password@host:port/database`.
    Mysql(String),
    /// A PostgreSQL server: `postgres://user:password@host:port/database` (options such as
    /// `?options=-csearch_path%3Dname` are the driver's).
    Postgres(String),
}

impl Database {
    /// `mysql://…` / `mariadb://…` is MySQL, `postgres://…` / `postgresql://…` PostgreSQL,
    /// anything else a SQLite path.
    pub fn parse(s: &str) -> Database {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("mysql://") {
            Database::Mysql(s.to_owned())
        } else if lower.starts_with("mariadb://") {
            Database::Mysql(format!("mysql://{}", &s["mariadb://".len()..]))
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Database::Postgres(s.to_owned())
        } else {
            Database::Sqlite(PathBuf::from(s))
        }
    }

    /// The dialect queries are compiled for.
    pub fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Mysql(_) => Dialect::Mysql,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The path, or the URL without its password (for logs and `/api/database`).
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Mysql(u) | Database::Postgres(u) => without_password(u),
        }
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split_once(':').map_or(user, |(n, _)| n);
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

impl From<&str> for Database {
    fn from(s: &str) -> Database {
        Database::parse(s)
    }
}

impl From<String> for Database {
    fn from(s: String) -> Database {
        Database::parse(&s)
    }
}

impl From<&Path> for Database {
    fn from(p: &Path) -> Database {
        Database::Sqlite(p.to_owned())
    }
}

impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Database {
        Database::Sqlite(p)
    }
}

impl From<&PathBuf> for Database {
    fn from(p: &PathBuf) -> Database {
        Database::Sqlite(p.clone())
    }
}

/// What the server serves.
#[derive(Clone, Debug)]
pub struct Config {
    /// The database.
    pub db: Database,
    /// How many queries may run at once (connections in the pool).
    pub connections: usize,
    /// Where the tables are: the MySQL database (instead of the URL's), or the PostgreSQL schema
    /// put first on the `search_path`. Ignored for SQLite.
    pub schema_name: Option<String>,
}

impl Config {
    /// Serves `db` (a SQLite path, or a `mysql://` / `postgres://` URL as a string) with one
    /// connection per core.
    pub fn new(db: impl Into<Database>) -> Config {
        Config {
            db: db.into(),
            connections: std::thread::available_parallelism().map_or(2, usize::from),
            schema_name: None,
        }
    }
}

/// The connections, by driver.
#[derive(Debug)]
enum Backend {
    Sqlite(Arc<pool::Pool<rusqlite::Connection>>),
    Mysql(Arc<pool::Pool<mysql::Conn>>),
    /// Statements stay prepared per connection (`exec::postgres::PreparedClient`).
    Postgres(Arc<pool::Pool<exec::postgres::PreparedClient>>),
}

impl Backend {
    fn open(config: &Config) -> Result<Backend> {
        let (n, schema) = (config.connections, config.schema_name.as_deref());
        Ok(match &config.db {
            Database::Sqlite(path) => Backend::Sqlite(Arc::new(pool::sqlite(path, n)?)),
            Database::Mysql(url) => Backend::Mysql(Arc::new(pool::mysql(url, schema, n)?)),
            Database::Postgres(url) => Backend::Postgres(Arc::new(pool::postgres(url, schema, n)?)),
        })
    }

    /// Runs statements compiled for [`Shared::dialect`] on a pooled connection.
    async fn run(&self, sql: Sql) -> Result<Reply> {
        match self {
            Backend::Sqlite(p) => p.run(move |c| exec::run(c, &sql)).await,
            Backend::Mysql(p) => p.run(move |c| exec::mysql::run(c, &sql)).await,
            Backend::Postgres(p) => p.run(move |c| c.run(&sql)).await,
        }
    }
}

/// What every handler shares.
#[derive(Debug)]
struct Shared {
    /// The engine (schema, limits, options).
    engine: Engine,
    /// The database's dialect: what queries compile for.
    dialect: Dialect,
    /// The database, for `/api/database`.
    database: String,
    /// Connections to the database.
    backend: Backend,
}

/// The handlers' state: cheap to clone.
type State = Arc<Shared>;

/// The application: every route, with the database opened.
///
/// # Errors
/// [`ErrorKind::Database`] when `config.db` cannot be opened as a SQLite database, or the
/// first connection to a MySQL or PostgreSQL server fails.
pub fn router(engine: Engine, config: &Config) -> Result<Router> {
    let backend = Backend::open(config)?;
    let state: State = Arc::new(Shared {
        engine,
        dialect: config.db.dialect(),
        database: config.db.display(),
        backend,
    });
    Ok(Router::new()
        .route("/", get(api::page))
        .route("/api/resources", get(api::resources))
        .route("/api/fields", get(api::fields))
        .route("/api/complete", get(api::complete))
        .route("/api/compile", get(api::compile))
        .route("/api/run", get(api::run))
        .route("/api/database", get(api::database))
        .route("/zstack/v1/{*rest}", get(rest::query))
        .route("/v1/{*rest}", get(rest::query))
        .fallback(not_found)
        .with_state(state))
}

/// Serves `router` on `listener` until the task is dropped.
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}

/// A server running on its own thread and tokio runtime (for tests, examples and embedding in
/// a program that has no runtime). Dropping it stops it too.
#[derive(Debug)]
pub struct Running {
    /// The bound address (the real port when asked for port 0).
    addr: SocketAddr,
    /// Tells the server to stop.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's thread.
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// Starts a server on `addr` (`127.0.0.1:0` picks a free port) on a new thread.
///
/// # Errors
/// The database cannot be opened, the address cannot be bound, or the thread or runtime cannot
/// start.
pub fn spawn(
    engine: Engine,
    config: &Config,
    addr: impl ToSocketAddrs,
) -> std::io::Result<Running> {
    let app = router(engine, config).map_err(std::io::Error::other)?;
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .thread_name("zstack-query-server")
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("zstack-query-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
            })
        })?;
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl Running {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open requests finish, and joins the thread.
    ///
    /// # Errors
    /// The server's I/O error, if it stopped on one.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// The HTTP status of an error: the one place that decides it.
///
/// - 404 for a resource the schema does not have (the URL names nothing);
/// - 503 for a database that is busy or locked (try again), 500 for other database and schema
///   errors (the server's fault, not the query's);
/// - 400 for everything the query got wrong.
pub fn status_of(kind: &ErrorKind) -> u16 {
    match kind {
        ErrorKind::ResourceUnknown { .. } => 404,
        ErrorKind::Database { message } if is_busy(message) => 503,
        ErrorKind::Database { .. } | ErrorKind::Schema { .. } => 500,
        ErrorKind::SyntaxNoOperator
        | ErrorKind::SyntaxInvalidPath
        | ErrorKind::SyntaxPercentEncoding
        | ErrorKind::SyntaxJson { .. }
        | ErrorKind::SyntaxCli { .. }
        | ErrorKind::ParameterUnknown { .. }
        | ErrorKind::ParameterDuplicate { .. }
        | ErrorKind::ParameterInvalid { .. }
        | ErrorKind::PathUnknownField { .. }
        | ErrorKind::PathUnknownRelation { .. }
        | ErrorKind::PathEndsOnRelation { .. }
        | ErrorKind::PathAliasLoop { .. }
        | ErrorKind::ValueWrongType { .. }
        | ErrorKind::ValueNotInEnum { .. }
        | ErrorKind::OperatorNotAllowed { .. }
        | ErrorKind::ParameterFieldNotAllowed { .. }
        | ErrorKind::LimitExceeded { .. } => 400,
    }
}

/// SQLite's `SQLITE_BUSY` / `SQLITE_LOCKED` as rusqlite renders them (the driver's error code is
/// not kept in [`ErrorKind::Database`]).
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("database is busy")
}

/// The JSON error `{code, message, span, hint}` from the accessors. `shift` is subtracted from
/// the span when the engine saw a prefix the client did not send (the playground's API name).
fn error_json(e: &Error, shift: usize) -> serde_json::Value {
    serde_json::json!({
        "code": e.code(),
        "message": e.message(),
        "span": e.span().map(|s| serde_json::json!({
            "start": s.start.saturating_sub(shift),
            "end": s.end.saturating_sub(shift),
        })),
        "hint": e.hint(),
    })
}

/// The error as an HTTP response.
fn error_response(e: &Error, shift: usize) -> Response {
    let status =
        StatusCode::from_u16(status_of(e.kind())).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &error_json(e, shift))
}

/// A JSON response.
fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Any other path: 404 with a JSON error naming what is served.
async fn not_found(uri: axum::http::Uri) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &serde_json::json!({
            "code": "not-found",
            "message": format!("no such endpoint `{}`", uri.path()),
            "span": null,
            "hint": "queries are GET /zstack/v1/<rest-path>?q=...; the playground is at /",
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(status_of(&ErrorKind::SyntaxNoOperator), 400);
        assert_eq!(
            status_of(&ErrorKind::ResourceUnknown { name: "x".into() }),
            404
        );
        assert_eq!(
            status_of(&ErrorKind::Database {
                message: "database is locked".into()
            }),
            503
        );
        assert_eq!(
            status_of(&ErrorKind::Database {
                message: "no such table: VmInstanceVO".into()
            }),
            500
        );
    }

    #[test]
    fn databases_by_scheme() {
        assert_eq!(
            Database::parse("demo.sqlite"),
            Database::Sqlite("demo.sqlite".into())
        );
        assert_eq!(Database::parse("MySQL://r@h/db").dialect(), Dialect::Mysql);
        assert_eq!(
            Database::parse("mariadb://r@h/db"),
            Database::Mysql("mysql://r@h/db".into())
        );
        assert_eq!(
            Database::parse("postgresql://p@h/db").dialect(),
            Dialect::Postgres
        );
        assert_eq!(
            Database::parse("postgres://u:secret@h:5432/db?sslmode=disable").display(),
            "postgres://u:***@h:5432/db?sslmode=disable"
        );
        assert_eq!(
            Database::parse("mysql://root@h/db").display(),
            "mysql://root@h/db"
        );
    }

    #[test]
    fn error_json_shifts_the_span() {
        let e = Error::new(ErrorKind::SyntaxNoOperator, "QueryVmInstance abc")
            .with_span(crate::Span::new(16, 19))
            .with_hint("h");
        assert_eq!(
            error_json(&e, 16),
            serde_json::json!({"code": "missing-operator", "message": e.message(),
                "span": {"start": 0, "end": 3}, "hint": "h"})
        );
        assert_eq!(error_json(&e, 0), e.to_json());
    }
}
