//! `pool`: database connections shared by the server's blocking threads (read-only SQLite
//! connections, or MySQL / PostgreSQL clients: the drivers are synchronous).
//!
//! A rusqlite [`Connection`] (like `mysql::Conn` and `postgres::Client`) is `Send` but not
//! `Sync`: one thread uses it at a time. The pool is an async semaphore in front of a
//! `Mutex<Vec<C>>` of idle connections:
//!
//! - a request first waits for a permit on the async side, so a burst of requests queues without
//!   holding blocking threads, and at most `size` queries touch SQLite at once;
//! - the blocking thread then takes an idle connection (or opens one: opening a SQLite file is
//!   cheap; a server connection is opened once and then reused), and gives it back when done.
//!   With at most `size` permits there are never more than `size` connections, and each keeps its
//!   prepared-statement cache (`prepare_cached`, the `mysql` crate's statement cache) across
//!   requests. A MySQL or PostgreSQL connection whose query failed is dropped rather than given
//!   back (it may be broken: a restarted server); the next request opens a new one.
//!
//! Why not r2d2 + r2d2_sqlite (or the `mysql` crate's pool): more crates whose versions are pinned
//! to the drivers', and a blocking checkout that would park a blocking thread while it waits. The
//! semaphore waits without a thread, and the rest is the forty lines below.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::exec::postgres::PreparedClient;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::error::{Error, ErrorKind, Result};

/// How long a query waits for a writer's lock before SQLite reports `SQLITE_BUSY` (→ HTTP 503).
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens a new connection.
type Opener<C> = Box<dyn Fn() -> Result<C> + Send + Sync>;

/// A bounded pool of connections to one database.
pub(crate) struct Pool<C> {
    /// Opens a connection.
    open: Opener<C>,
    /// Keep a connection whose query failed (SQLite: a failed query leaves it sound).
    keep_after_error: bool,
    /// Idle connections, ready for the next query.
    idle: Mutex<Vec<C>>,
    /// One permit per connection that may be in use at once.
    permits: Arc<Semaphore>,
}

impl<C> std::fmt::Debug for Pool<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl<C: Send + 'static> Pool<C> {
    /// A pool of at most `size` connections opened by `open`, with `first` (already opened, which
    /// checked that the database answers) idle.
    pub(crate) fn new(
        first: C,
        size: usize,
        keep_after_error: bool,
        open: impl Fn() -> Result<C> + Send + Sync + 'static,
    ) -> Pool<C> {
        Pool {
            open: Box::new(open),
            keep_after_error,
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    /// Runs `f` with a connection on a blocking thread, after waiting for a permit.
    ///
    /// # Errors
    /// `f`'s error, a connection that cannot be opened, or a task that panicked (as
    /// [`ErrorKind::Database`]).
    pub(crate) async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut C) -> Result<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| database("the connection pool is closed".into()))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.take()?;
            let out = f(&mut conn);
            if out.is_ok() || pool.keep_after_error {
                pool.give_back(conn);
            }
            out
        })
        .await
        .map_err(|e| database(format!("the query task failed: {e}")))?
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<C> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(c) => Ok(c),
            None => (self.open)(),
        }
    }

    /// Returns a connection to the idle list.
    fn give_back(&self, conn: C) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }
}

/// A pool of read-only connections to the SQLite file at `path`, checked with a first
/// connection.
///
/// # Errors
/// [`ErrorKind::Database`] when the file cannot be opened or read as a database.
pub(crate) fn sqlite(path: &Path, size: usize) -> Result<Pool<Connection>> {
    let first = open(path)?;
    first
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| db_error(path, &e))?;
    let path = path.to_owned();
    Ok(Pool::new(first, size, true, move || open(&path)))
}

/// A pool of connections to a MySQL/MariaDB server (`database` overrides the URL's).
///
/// # Errors
/// [`ErrorKind::Database`] when the first connection fails.
pub(crate) fn mysql(url: &str, database: Option<&str>, size: usize) -> Result<Pool<mysql::Conn>> {
    let first = crate::exec::mysql::connect(url, database)?;
    let (url, database) = (url.to_owned(), database.map(str::to_owned));
    Ok(Pool::new(first, size, false, move || {
        crate::exec::mysql::connect(&url, database.as_deref())
    }))
}

/// A pool of connections to a PostgreSQL server (`schema_name` first on the `search_path`).
///
/// # Errors
/// [`ErrorKind::Database`] when the first connection fails.
pub(crate) fn postgres(
    url: &str,
    schema_name: Option<&str>,
    size: usize,
) -> Result<Pool<PreparedClient>> {
    let first = PreparedClient::new(crate::exec::postgres::connect(url, schema_name)?);
    let (url, schema_name) = (url.to_owned(), schema_name.map(str::to_owned));
    Ok(Pool::new(first, size, false, move || {
        crate::exec::postgres::connect(&url, schema_name.as_deref()).map(PreparedClient::new)
    }))
}

/// Opens `path` read-only: the server only reads, and a read-only handle cannot change the file
/// even through a bug. No SQLite-level mutex: a connection is used by one thread at a time.
fn open(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| db_error(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| db_error(path, &e))?;
    crate::exec::keep_prepared_statements(&conn);
    Ok(conn)
}

fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    database(format!("{}: {e}", path.display()))
}

fn database(message: String) -> Error {
    Error::bare(ErrorKind::Database { message })
}
