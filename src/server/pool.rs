//! `pool`: read-only SQLite connections shared by the server's blocking threads.
//!
//! A rusqlite [`Connection`] is `Send` but not `Sync`: one thread uses it at a time. The pool is
//! an async semaphore in front of a `Mutex<Vec<Connection>>` of idle connections:
//!
//! - a request first waits for a permit on the async side, so a burst of requests queues without
//!   holding blocking threads, and at most `size` queries touch SQLite at once;
//! - the blocking thread then takes an idle connection (or opens one: opening a SQLite file is
//!   cheap), and gives it back when done. With at most `size` permits there are never more than
//!   `size` connections, and each keeps its prepared-statement cache (`prepare_cached`) across
//!   requests.
//!
//! Why not r2d2 + r2d2_sqlite: two more crates whose versions are pinned to rusqlite's, and a
//! blocking checkout that would park a blocking thread while it waits. The semaphore waits
//! without a thread, and the rest is the forty lines below.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::error::{Error, ErrorKind, Result};

/// How long a query waits for a writer's lock before SQLite reports `SQLITE_BUSY` (→ HTTP 503).
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// A bounded pool of read-only connections to one SQLite file.
#[derive(Debug)]
pub(crate) struct Pool {
    /// The database file.
    path: PathBuf,
    /// Idle connections, ready for the next query.
    idle: Mutex<Vec<Connection>>,
    /// One permit per connection that may be in use at once.
    permits: Arc<Semaphore>,
}

impl Pool {
    /// Opens the pool and checks, with a first connection, that `path` is a SQLite database.
    ///
    /// # Errors
    /// [`ErrorKind::Database`] when the file cannot be opened or read as a database.
    pub(crate) fn open(path: &Path, size: usize) -> Result<Pool> {
        let first = open(path)?;
        first
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| db_error(path, &e))?;
        Ok(Pool {
            path: path.to_owned(),
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size.max(1))),
        })
    }

    /// Runs `f` with a connection on a blocking thread, after waiting for a permit.
    ///
    /// # Errors
    /// `f`'s error, a connection that cannot be opened, or a task that panicked (as
    /// [`ErrorKind::Database`]).
    pub(crate) async fn run<T, F>(self: &Arc<Pool>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
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
            let conn = pool.take()?;
            let out = f(&conn);
            pool.give_back(conn);
            out
        })
        .await
        .map_err(|e| database(format!("the query task failed: {e}")))?
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(c) => Ok(c),
            None => open(&self.path),
        }
    }

    /// Returns a connection to the idle list.
    fn give_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }
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
    Ok(conn)
}

fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    database(format!("{}: {e}", path.display()))
}

fn database(message: String) -> Error {
    Error::bare(ErrorKind::Database { message })
}
