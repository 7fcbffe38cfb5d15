//! `exec::mysql` (feature `mysql`): [`Sql`] compiled for [`Dialect::Mysql`] run on MySQL/MariaDB
//! through the `mysql` crate, giving the same [`Reply`] as SQLite for the same rows; and the
//! schema's tables created and filled from a SQLite database (the demo cloud).
//!
//! Parameters are bound by their type: text as bytes, timestamps as `DATETIME` values, booleans
//! as 0/1 (MySQL's `BOOLEAN` is `TINYINT(1)`). Values are read back by the column's field type:
//! 0/1 as JSON booleans, `DATETIME` as `YYYY-MM-DD HH:MM:SS[.f]`.
//!
//! [`Dialect::Mysql`]: crate::Dialect::Mysql

use mysql::prelude::Queryable;
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::copy::{self, CHUNK, Cell};
use super::{Reply, database_error, ddl};
use crate::emit::{Dialect, OutColumn, Sql, Statement};
use crate::error::{Error, Result};
use crate::plan::Param;
use crate::schema::{FieldType, Schema};

fn db_err(e: mysql::Error) -> Error {
    database_error(format!("MySQL: {e}"))
}

/// Connects to `url` (`mysql://user:password@host:port/database`; `mariadb://` is the same), with `utf8mb4` as the
/// connection's character set; `database`, when given, is selected instead of the URL's.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database): a bad URL, a server that does not
/// answer, or a database that does not exist.
pub fn connect(url: &str, database: Option<&str>) -> Result<mysql::Conn> {
    let url = match url.get(..10) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mariadb://") => {
            format!("mysql://{}", &url[10..])
        }
        _ => url.to_owned(),
    };
    let opts = mysql::Opts::from_url(&url).map_err(|e| database_error(format!("{e}")))?;
    let mut conn = mysql::Conn::new(opts).map_err(db_err)?;
    conn.query_drop("SET NAMES utf8mb4").map_err(db_err)?;
    if let Some(db) = database {
        copy::check_identifier(db)?;
        conn.query_drop(format!("USE `{db}`")).map_err(db_err)?;
    }
    Ok(conn)
}

/// A query parameter as MySQL binds it.
pub fn param(p: &Param) -> mysql::Value {
    match p {
        Param::Text(s) => mysql::Value::Bytes(s.as_bytes().to_vec()),
        Param::Timestamp(s) => timestamp(s),
        Param::Int(i) => mysql::Value::Int(*i),
        Param::Float(f) => mysql::Value::Double(*f),
        Param::Bool(b) => mysql::Value::Int(i64::from(*b)),
    }
}

/// A `YYYY-MM-DD HH:MM:SS[.f]` text as a `DATETIME` value (as text when it is not one).
fn timestamp(s: &str) -> mysql::Value {
    match copy::timestamp_parts(s) {
        Some((y, mo, d, h, mi, se, us)) => mysql::Value::Date(
            u16::try_from(y).unwrap_or(0),
            mo as u8,
            d as u8,
            h as u8,
            mi as u8,
            se as u8,
            us,
        ),
        None => mysql::Value::Bytes(s.as_bytes().to_vec()),
    }
}

/// A value read back, as JSON, by the field type (`Value::Null` for NULL).
fn json_of(v: mysql::Value, ty: &FieldType) -> Value {
    use mysql::Value as M;
    match v {
        M::NULL => Value::Null,
        M::Int(i) if matches!(ty, FieldType::Boolean) => Value::Bool(i != 0),
        M::Int(i) => Value::from(i),
        M::UInt(u) if matches!(ty, FieldType::Boolean) => Value::Bool(u != 0),
        M::UInt(u) => Value::from(u),
        M::Float(f) => copy::float_json(f64::from(f)),
        M::Double(f) => copy::float_json(f),
        M::Date(y, mo, d, h, mi, s, us) => {
            let days = copy::days_from_civil(i64::from(y), u32::from(mo), u32::from(d));
            let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
            Value::String(copy::format_unix_micros(secs, us))
        }
        M::Time(neg, d, h, mi, s, us) => Value::String(format!(
            "{}{}:{mi:02}:{s:02}{}",
            if neg { "-" } else { "" },
            d * 24 + u32::from(h),
            if us == 0 {
                String::new()
            } else {
                format!(".{us:06}")
            }
        )),
        M::Bytes(b) => {
            let s = String::from_utf8_lossy(&b).into_owned();
            // The text protocol (a statement without parameters may come back as text).
            match ty {
                FieldType::Integer => s.parse::<i64>().map_or(Value::String(s), Value::from),
                FieldType::Float => s.parse::<f64>().map_or(Value::String(s), copy::float_json),
                FieldType::Boolean => Value::Bool(s != "0"),
                FieldType::Timestamp => match copy::timestamp_unix(&s) {
                    Some((secs, us)) => Value::String(copy::format_unix_micros(secs, us)),
                    None => Value::String(s),
                },
                _ => Value::String(s),
            }
        }
    }
}

fn params(st: &Statement) -> mysql::Params {
    if st.params.is_empty() {
        mysql::Params::Empty
    } else {
        mysql::Params::Positional(st.params.iter().map(param).collect())
    }
}

fn rows(
    conn: &mut mysql::Conn,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Map<String, Value>>> {
    let rows: Vec<mysql::Row> = conn.exec(&st.text, params(st)).map_err(db_err)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut obj = Map::with_capacity(columns.len());
            for (v, c) in row.unwrap().into_iter().zip(columns) {
                let v = json_of(v, &c.ty);
                if !v.is_null() {
                    obj.insert(c.name.to_owned(), v);
                }
            }
            obj
        })
        .collect())
}

fn count(conn: &mut mysql::Conn, st: &Statement) -> Result<u64> {
    let n: Option<mysql::Value> = conn.exec_first(&st.text, params(st)).map_err(db_err)?;
    Ok(match n.map(|v| json_of(v, &FieldType::Integer)) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    })
}

/// Runs statements compiled for MySQL on `conn`: the same reply as [`super::run`] on SQLite.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database), with the server's message.
pub fn run(conn: &mut mysql::Conn, sql: &Sql) -> Result<Reply> {
    if sql.dialect != Dialect::Mysql {
        return Err(database_error(format!(
            "statements for {} cannot run on MySQL",
            sql.dialect.name()
        )));
    }
    super::reply(conn, sql, count, rows)
}

/// The server's plan for a statement compiled for MySQL (`EXPLAIN`, parameters bound), one line
/// per row: `table`, access `type`, `key` used, estimated `rows`, `Extra`.
///
/// # Errors
/// [`ErrorKind::Database`](crate::ErrorKind::Database), with the server's message.
pub fn explain(conn: &mut mysql::Conn, st: &Statement) -> Result<Vec<String>> {
    let rows: Vec<mysql::Row> = conn
        .exec(format!("EXPLAIN {}", st.text), params(st))
        .map_err(db_err)?;
    let text = |row: &mysql::Row, name: &str| -> String {
        match row.get_opt::<Option<String>, _>(name) {
            Some(Ok(Some(v))) => v,
            _ => "-".into(),
        }
    };
    Ok(rows
        .iter()
        .map(|r| {
            format!(
                "{} type={} key={} rows={} {}",
                text(r, "table"),
                text(r, "type"),
                text(r, "key"),
                text(r, "rows"),
                text(r, "Extra")
            )
            .trim_end()
            .to_owned()
        })
        .collect())
}

/// Creates the schema's tables and indexes (`CREATE TABLE IF NOT EXISTS`) in the current
/// database.
///
/// # Errors
/// A statement the server rejects.
pub fn create_tables(conn: &mut mysql::Conn, schema: &Schema) -> Result<()> {
    for st in ddl::create_statements(schema, Dialect::Mysql) {
        conn.query_drop(&st)
            .map_err(|e| database_error(format!("MySQL rejects `{st}`: {e}")))?;
    }
    Ok(())
}

fn cell_value(v: &Cell) -> mysql::Value {
    match v {
        Cell::Null => mysql::Value::NULL,
        Cell::Bool(b) => mysql::Value::Int(i64::from(*b)),
        Cell::Int(i) => mysql::Value::Int(*i),
        Cell::Float(f) => mysql::Value::Double(*f),
        Cell::Timestamp(s) => timestamp(s),
        Cell::Text(s) => mysql::Value::Bytes(s.clone().into_bytes()),
    }
}

/// Copies every row of the schema's tables from `sqlite` into the tables of the current
/// database (which must exist and may be empty), in one transaction. Returns the rows per table.
///
/// # Errors
/// A database error on either side.
pub fn copy_from_sqlite(
    conn: &mut mysql::Conn,
    schema: &Schema,
    sqlite: &Connection,
) -> Result<Vec<(&'static str, usize)>> {
    let tables = copy::read_all(sqlite, schema)?;
    let mut tx = conn
        .start_transaction(mysql::TxOpts::default())
        .map_err(db_err)?;
    let mut loaded = Vec::new();
    for (table, columns, rows) in &tables {
        let cols: Vec<String> = columns.iter().map(|(c, _)| format!("`{c}`")).collect();
        let one = format!("({})", vec!["?"; columns.len()].join(", "));
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO `{table}` ({}) VALUES {}",
                cols.join(", "),
                vec![one.as_str(); chunk.len()].join(", ")
            );
            let params: Vec<mysql::Value> = chunk.iter().flatten().map(cell_value).collect();
            tx.exec_drop(&sql, mysql::Params::Positional(params))
                .map_err(|e| database_error(format!("MySQL insert into {table}: {e}")))?;
        }
        loaded.push((*table, rows.len()));
    }
    tx.commit().map_err(db_err)?;
    Ok(loaded)
}

/// Loads a SQLite database (the demo cloud) into the current database: the schema's tables are
/// dropped when they exist, created, and filled. Other tables are left alone.
///
/// # Errors
/// A database error on either side.
pub fn load_from_sqlite(
    conn: &mut mysql::Conn,
    schema: &Schema,
    sqlite: &Connection,
) -> Result<Vec<(&'static str, usize)>> {
    let names: Vec<String> = ddl::tables(schema)
        .keys()
        .map(|t| format!("`{t}`"))
        .collect();
    for chunk in names.chunks(50) {
        conn.query_drop(format!("DROP TABLE IF EXISTS {}", chunk.join(", ")))
            .map_err(db_err)?;
    }
    create_tables(conn, schema)?;
    copy_from_sqlite(conn, schema, sqlite)
}

/// Creates database `name` when it does not exist (`utf8mb4`, `utf8mb4_general_ci`: the
/// collation the engine's MySQL SQL is written for) and selects it.
///
/// # Errors
/// Not an identifier, or the server refuses.
pub fn create_database(conn: &mut mysql::Conn, name: &str) -> Result<()> {
    copy::check_identifier(name)?;
    conn.query_drop(format!(
        "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
    ))
    .map_err(db_err)?;
    conn.query_drop(format!("USE `{name}`")).map_err(db_err)
}
