//! `exec::postgres` (feature `postgres`): [`Sql`] compiled for [`Dialect::Postgres`] run on
//! PostgreSQL through the `postgres` crate, giving the same [`Reply`] as SQLite for the same rows;
//! and the schema's tables created and filled from a SQLite database (the demo cloud).
//!
//! Parameters are bound by their type (the types PostgreSQL infers for the emitted placeholders):
//! text as `text`, timestamps as `timestamp`, booleans as `boolean`, integers as `bigint`, floats
//! as `double precision`. Values are read back by their PostgreSQL type; timestamps as
//! `YYYY-MM-DD HH:MM:SS[.f]`.
//!
//! [`Dialect::Postgres`]: crate::Dialect::Postgres

use std::time::{Duration, SystemTime};

use postgres::types::{ToSql, Type};
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::copy::{self, CHUNK, Cell};
use super::{Reply, database_error, ddl};
use crate::emit::{Dialect, OutColumn, Sql, Statement};
use crate::error::{Error, Result};
use crate::plan::Param;
use crate::schema::{FieldType, Schema};

/// A bound parameter.
pub type PgParam = Box<dyn ToSql + Sync>;

fn db_err(e: postgres::Error) -> Error {
    // `{:?}` would show the server's detail; `Display` gives "db error: ERROR: …" with the message.
    let message = match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {}: {}", db.severity(), db.message()),
        None => format!("PostgreSQL: {e}"),
    };
    database_error(message)
}

/// Connects to `url` (`postgres://user:password@host:port/database`, or a key=value string;
/// `?options=-csearch_path%3Dname` selects a schema); `schema_name`, when given, is put first on
/// the `search_path`.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database): a bad URL or a server that does not
/// answer.
pub fn connect(url: &str, schema_name: Option<&str>) -> Result<postgres::Client> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(db_err)?;
    if let Some(name) = schema_name {
        copy::check_identifier(name)?;
        client
            .batch_execute(&format!("SET search_path TO {name}"))
            .map_err(db_err)?;
    }
    Ok(client)
}

fn system_time(s: &str) -> Option<SystemTime> {
    let (secs, micros) = copy::timestamp_unix(s)?;
    let base = if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    };
    Some(base + Duration::from_micros(u64::from(micros)))
}

/// A query parameter as PostgreSQL binds it.
pub fn param(p: &Param) -> PgParam {
    match p {
        Param::Text(s) => Box::new(s.to_string()),
        Param::Timestamp(s) => match system_time(s) {
            Some(t) => Box::new(t),
            None => Box::new(s.to_string()),
        },
        Param::Int(i) => Box::new(*i),
        Param::Float(f) => Box::new(*f),
        Param::Bool(b) => Box::new(*b),
    }
}

fn unix_of(st: SystemTime) -> (i64, u32) {
    match st.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_micros(),
        ),
        Err(neg) => {
            let d = neg.duration();
            let mut secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let mut micros = d.subsec_micros();
            if micros > 0 {
                secs -= 1;
                micros = 1_000_000 - micros;
            }
            (secs, micros)
        }
    }
}

/// Column `i` of `row` as JSON (`Value::Null` for NULL).
fn json_of(row: &postgres::Row, i: usize, ty: &FieldType) -> Result<Value> {
    let t = row.columns()[i].type_().clone();
    let e = db_err;
    Ok(if t == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::Bool)
    } else if t == Type::INT8 {
        let v = row.try_get::<_, Option<i64>>(i).map_err(e)?;
        match (v, ty) {
            (Some(v), FieldType::Boolean) => Value::Bool(v != 0),
            (v, _) => v.map_or(Value::Null, Value::from),
        }
    } else if t == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::from)
    } else if t == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::from)
    } else if t == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)
            .map_err(e)?
            .map_or(Value::Null, copy::float_json)
    } else if t == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)
            .map_err(e)?
            .map_or(Value::Null, |f| copy::float_json(f64::from(f)))
    } else if t == Type::TIMESTAMP || t == Type::TIMESTAMPTZ {
        row.try_get::<_, Option<SystemTime>>(i)
            .map_err(e)?
            .map_or(Value::Null, |st| {
                let (secs, micros) = unix_of(st);
                Value::String(copy::format_unix_micros(secs, micros))
            })
    } else if t == Type::TEXT || t == Type::VARCHAR || t == Type::BPCHAR || t == Type::NAME {
        row.try_get::<_, Option<String>>(i)
            .map_err(e)?
            .map_or(Value::Null, Value::String)
    } else {
        return Err(database_error(format!(
            "PostgreSQL: column {} has type {t}, which the reply cannot show",
            row.columns()[i].name()
        )));
    })
}

/// How many prepared statements a [`PreparedClient`] keeps (least recently used first out): the
/// same bound as a SQLite connection's ([`super::PREPARED_STATEMENTS`]).
pub use super::PREPARED_STATEMENTS;

/// A client that prepares each statement text once: PostgreSQL parses and describes it on the
/// first use, and later uses bind and execute it in one round trip (a plain `query` with a text
/// prepares an unnamed statement first, one more round trip every time). The engine's
/// statement-shape cache gives one text per shape, so a server's handful of shapes stays
/// prepared. Bounded (LRU, [`PREPARED_STATEMENTS`]); a statement whose execution fails is
/// dropped, so a changed table is prepared again on the next use.
pub struct PreparedClient {
    client: postgres::Client,
    statements: hashlink::LruCache<String, postgres::Statement>,
    /// Statements prepared (cache misses) since the client was made.
    prepared: u64,
}

impl std::fmt::Debug for PreparedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedClient")
            .field("statements", &self.statements.len())
            .field("prepared", &self.prepared)
            .finish_non_exhaustive()
    }
}

impl PreparedClient {
    /// Wraps `client`.
    pub fn new(client: postgres::Client) -> PreparedClient {
        PreparedClient {
            client,
            statements: hashlink::LruCache::new(PREPARED_STATEMENTS),
            prepared: 0,
        }
    }

    /// The client, for anything else.
    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }

    /// How many statements were prepared (the cache's misses).
    pub fn prepared(&self) -> u64 {
        self.prepared
    }

    /// Runs statements compiled for PostgreSQL, as [`run`] does, through prepared statements.
    ///
    /// # Errors
    /// As [`run`].
    pub fn run(&mut self, sql: &Sql) -> Result<Reply> {
        check_dialect(sql)?;
        super::reply(self, sql, count, rows)
    }
}

/// Where statements run: a plain client, or one keeping its statements prepared.
trait Querier {
    fn query_rows(
        &mut self,
        text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>>;
}

impl Querier for postgres::Client {
    fn query_rows(
        &mut self,
        text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>> {
        self.query(text, params).map_err(db_err)
    }
}

impl Querier for PreparedClient {
    fn query_rows(
        &mut self,
        text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>> {
        let statement = match self.statements.get(text) {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(text).map_err(db_err)?;
                self.prepared += 1;
                self.statements.insert(text.to_owned(), s.clone());
                s
            }
        };
        self.client.query(&statement, params).map_err(|e| {
            self.statements.remove(text);
            db_err(e)
        })
    }
}

fn query<C: Querier>(client: &mut C, st: &Statement) -> Result<Vec<postgres::Row>> {
    let params: Vec<PgParam> = st.params.iter().map(param).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(AsRef::as_ref).collect();
    client.query_rows(&st.text, &refs)
}

fn rows<C: Querier>(
    client: &mut C,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Map<String, Value>>> {
    let mut out = Vec::new();
    for row in query(client, st)? {
        let mut obj = Map::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let v = json_of(&row, i, &c.ty)?;
            if !v.is_null() {
                obj.insert(c.name.to_owned(), v);
            }
        }
        out.push(obj);
    }
    Ok(out)
}

fn count<C: Querier>(client: &mut C, st: &Statement) -> Result<u64> {
    let rows = query(client, st)?;
    Ok(
        match rows.first().map(|r| json_of(r, 0, &FieldType::Integer)) {
            Some(Ok(Value::Number(n))) => n.as_u64().unwrap_or(0),
            Some(Err(e)) => return Err(e),
            _ => 0,
        },
    )
}

/// Runs statements compiled for PostgreSQL on `client`: the same reply as [`super::run`] on
/// SQLite.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database), with the server's message.
pub fn run(client: &mut postgres::Client, sql: &Sql) -> Result<Reply> {
    check_dialect(sql)?;
    super::reply(client, sql, count, rows)
}

/// The server's plan for a statement compiled for PostgreSQL (`EXPLAIN`, parameters bound): its
/// lines.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database), with the server's message.
pub fn explain(client: &mut postgres::Client, st: &Statement) -> Result<Vec<String>> {
    let params: Vec<PgParam> = st.params.iter().map(param).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(AsRef::as_ref).collect();
    let rows = client
        .query(format!("EXPLAIN {}", st.text).as_str(), &refs)
        .map_err(db_err)?;
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map_err(db_err))
        .collect()
}

fn check_dialect(sql: &Sql) -> Result<()> {
    if sql.dialect == Dialect::Postgres {
        Ok(())
    } else {
        Err(database_error(format!(
            "statements for {} cannot run on PostgreSQL",
            sql.dialect.name()
        )))
    }
}

/// Creates the schema's tables and indexes (`IF NOT EXISTS`) in the first schema of the
/// `search_path`, in one transaction.
///
/// # Errors
/// A statement the server rejects.
pub fn create_tables(client: &mut postgres::Client, schema: &Schema) -> Result<()> {
    let ddl = ddl::create_statements(schema, Dialect::Postgres);
    client
        .batch_execute(&format!("BEGIN; {}; COMMIT", ddl.join(";\n")))
        .map_err(|e| {
            let _ = client.batch_execute("ROLLBACK");
            db_err(e)
        })
}

fn cell_value(v: &Cell, ty: &FieldType) -> PgParam {
    match (v, ty) {
        (Cell::Null, FieldType::Boolean) => Box::new(None::<bool>),
        (Cell::Null, FieldType::Integer) => Box::new(None::<i64>),
        (Cell::Null, FieldType::Float) => Box::new(None::<f64>),
        (Cell::Null, FieldType::Timestamp) => Box::new(None::<SystemTime>),
        (Cell::Null, _) => Box::new(None::<String>),
        (Cell::Bool(b), _) => Box::new(*b),
        (Cell::Int(i), FieldType::Float) => Box::new(*i as f64),
        (Cell::Int(i), _) => Box::new(*i),
        (Cell::Float(f), _) => Box::new(*f),
        (Cell::Timestamp(s), _) => match system_time(s) {
            Some(t) => Box::new(t),
            None => Box::new(None::<SystemTime>),
        },
        (Cell::Text(s), _) => Box::new(s.clone()),
    }
}

/// Copies every row of the schema's tables from `sqlite` into the tables on the `search_path`
/// (which must exist and may be empty), in one transaction. Returns the rows per table.
///
/// # Errors
/// A database error on either side.
pub fn copy_from_sqlite(
    client: &mut postgres::Client,
    schema: &Schema,
    sqlite: &Connection,
) -> Result<Vec<(&'static str, usize)>> {
    let tables = copy::read_all(sqlite, schema)?;
    let mut tx = client.transaction().map_err(db_err)?;
    let mut loaded = Vec::new();
    for (table, columns, rows) in &tables {
        let cols: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        for chunk in rows.chunks(CHUNK) {
            let mut n = 0;
            let tuples: Vec<String> = chunk
                .iter()
                .map(|_| {
                    let ph: Vec<String> = columns
                        .iter()
                        .map(|_| {
                            n += 1;
                            format!("${n}")
                        })
                        .collect();
                    format!("({})", ph.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO \"{table}\" ({}) VALUES {}",
                cols.join(", "),
                tuples.join(", ")
            );
            let params: Vec<PgParam> = chunk
                .iter()
                .flat_map(|r| r.iter().zip(columns).map(|(v, (_, ty))| cell_value(v, ty)))
                .collect();
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(AsRef::as_ref).collect();
            tx.execute(sql.as_str(), &refs).map_err(|e| {
                database_error(format!("PostgreSQL insert into {table}: {}", db_err(e)))
            })?;
        }
        loaded.push((*table, rows.len()));
    }
    tx.commit().map_err(db_err)?;
    Ok(loaded)
}

/// Loads a SQLite database (the demo cloud) into the first schema of the `search_path`: the
/// schema's tables are dropped when they exist, created, and filled. Other tables are left alone.
///
/// # Errors
/// A database error on either side.
pub fn load_from_sqlite(
    client: &mut postgres::Client,
    schema: &Schema,
    sqlite: &Connection,
) -> Result<Vec<(&'static str, usize)>> {
    let names: Vec<String> = ddl::tables(schema)
        .keys()
        .map(|t| format!("\"{t}\""))
        .collect();
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {} CASCADE",
            names.join(", ")
        ))
        .map_err(db_err)?;
    create_tables(client, schema)?;
    copy_from_sqlite(client, schema, sqlite)
}

/// Creates schema `name` when it does not exist and puts it first on the `search_path`.
///
/// # Errors
/// Not an identifier, or the server refuses.
pub fn create_schema(client: &mut postgres::Client, name: &str) -> Result<()> {
    copy::check_identifier(name)?;
    client
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {name}; SET search_path TO {name}"
        ))
        .map_err(db_err)
}
