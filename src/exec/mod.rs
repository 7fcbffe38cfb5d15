//! `exec`: [`Sql`] on a rusqlite connection → [`Reply`] (`{"inventories": [...], "total": N}`, as
//! ZStack replies). The only code touching rusqlite, with [`ddl`] (tables from the schema) and
//! [`demo`] (a deterministic demo cloud to query). With the features `mysql` and `postgres`,
//! [`mysql::run`] and [`postgres::run`] give the same [`Reply`] on those databases (and load a
//! SQLite database, such as the demo, into them).

#[cfg(any(feature = "mysql", feature = "postgres"))]
mod copy;
pub mod ddl;
pub mod demo;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::emit::{OutColumn, Shape, Sql, Statement};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::Param;
use crate::schema::{FieldType, Schema};

/// A query's reply, shaped like ZStack's (`APIQueryReply`): absent members are omitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Reply {
    /// The rows (absent with `count=true`). Null fields are omitted, as ZStack's JSON does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventories: Option<Vec<Map<String, Value>>>,
    /// The number of matching rows (`count=true` or `replyWithCount=true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Per-group counts (`groupBy` with `count=true`).
    #[serde(rename = "inventoryCounts", skip_serializing_if = "Option::is_none")]
    pub inventory_counts: Option<Vec<Map<String, Value>>>,
}

pub(crate) fn db_err(e: rusqlite::Error) -> Error {
    database_error(e.to_string())
}

/// An [`ErrorKind::Database`] error.
pub(crate) fn database_error(message: String) -> Error {
    Error::bare(ErrorKind::Database { message })
}

/// Creates the schema's tables and indexes on `conn` (idempotent).
///
/// # Errors
/// A database error.
pub fn create_tables(conn: &Connection, schema: &Schema) -> Result<()> {
    create_tables_for(conn, schema, false)
}

/// [`create_tables`] for an engine whose text comparison is `case_sensitive` or not
/// ([`ddl::create_statements_for`]).
///
/// # Errors
/// A database error.
pub fn create_tables_for(conn: &Connection, schema: &Schema, case_sensitive: bool) -> Result<()> {
    let sql = ddl::create_statements_for(schema, crate::emit::Dialect::Sqlite, case_sensitive)
        .join(";\n");
    conn.execute_batch(&sql).map_err(db_err)
}

/// A parameter as SQLite binds it: text and timestamps as TEXT (the storage form design.md fixes),
/// booleans as 0/1, numbers as themselves. For callers that run a compiled [`Sql`]'s statements
/// themselves (`EXPLAIN QUERY PLAN`, their own connection handling).
pub fn sqlite_param(p: &Param) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match p {
        Param::Text(s) | Param::Timestamp(s) => V::Text(s.to_string()),
        Param::Int(i) => V::Integer(*i),
        Param::Float(f) => V::Real(*f),
        Param::Bool(b) => V::Integer(i64::from(*b)),
    }
}

fn json_of(v: ValueRef<'_>, ty: &FieldType) -> Value {
    match (v, ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), FieldType::Boolean) => Value::Bool(i != 0),
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(f), _) => {
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        (ValueRef::Text(t), _) => Value::String(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Blob(b), _) => Value::String(String::from_utf8_lossy(b).into_owned()),
    }
}

/// How many prepared statements a long-lived connection keeps (least recently used first out).
/// rusqlite keeps 16 by default, fewer than the shapes a server sees (the statement-shape cache
/// holds 1,024 by default): with 16, a rotation of 17 shapes would re-prepare every statement.
pub const PREPARED_STATEMENTS: usize = 256;

/// Makes `conn` keep [`PREPARED_STATEMENTS`] prepared statements (`prepare_cached`).
pub fn keep_prepared_statements(conn: &Connection) {
    conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
}

fn rows(
    conn: &Connection,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Map<String, Value>>> {
    let mut stmt = conn.prepare_cached(&st.text).map_err(db_err)?;
    let mut rows = stmt
        .query(params_from_iter(st.params.iter().map(sqlite_param)))
        .map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err)? {
        let mut obj = Map::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let v = json_of(row.get_ref(i).map_err(db_err)?, &c.ty);
            if !v.is_null() {
                obj.insert(c.name.to_owned(), v);
            }
        }
        out.push(obj);
    }
    Ok(out)
}

fn count(conn: &Connection, st: &Statement) -> Result<u64> {
    let mut stmt = conn.prepare_cached(&st.text).map_err(db_err)?;
    let n: i64 = stmt
        .query_row(params_from_iter(st.params.iter().map(sqlite_param)), |r| {
            r.get(0)
        })
        .map_err(db_err)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One row of a reply: field name → JSON value.
pub(crate) type Inventory = Map<String, Value>;

/// Assembles a reply from a compiled query in the same way on every database: the count
/// statement's total (`replyWithCount`) first, then the main statement's rows, counts or groups.
pub(crate) fn reply<C: ?Sized>(
    conn: &mut C,
    sql: &Sql,
    count: fn(&mut C, &Statement) -> Result<u64>,
    rows: fn(&mut C, &Statement, &[OutColumn]) -> Result<Vec<Inventory>>,
) -> Result<Reply> {
    let total = sql.count.as_ref().map(|c| count(conn, c)).transpose()?;
    Ok(match sql.shape {
        Shape::Count => Reply {
            total: Some(count(conn, &sql.main)?),
            ..Reply::default()
        },
        Shape::Rows | Shape::Groups { as_counts: false } => Reply {
            inventories: Some(rows(conn, &sql.main, &sql.columns)?),
            total,
            ..Reply::default()
        },
        Shape::Groups { as_counts: true } => Reply {
            inventory_counts: Some(rows(conn, &sql.main, &sql.columns)?),
            total,
            ..Reply::default()
        },
    })
}

/// Runs compiled SQLite statements on `conn`.
///
/// # Errors
/// A database error (a missing table, a locked database, …).
pub fn run(conn: &Connection, sql: &Sql) -> Result<Reply> {
    reply(
        &mut &*conn,
        sql,
        |c, st| count(c, st),
        |c, st, cols| rows(c, st, cols),
    )
}
