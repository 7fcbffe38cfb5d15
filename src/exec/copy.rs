//! Shared by the MySQL and PostgreSQL executors (features `mysql`, `postgres`): timestamps
//! between `YYYY-MM-DD HH:MM:SS[.f]` and their parts, and the rows of a SQLite table read by the
//! schema's column types, to copy a SQLite database (the demo) into another database.

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::error::Result;
use crate::schema::FieldType;

use super::db_err;

/// One value read from SQLite, by its column's type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// `YYYY-MM-DD HH:MM:SS[.f]`.
    Timestamp(String),
}

/// Every row of `table` (its `columns` in order) on SQLite.
pub(crate) fn read_table(
    c: &Connection,
    table: &str,
    columns: &[(&'static str, FieldType)],
) -> Result<Vec<Vec<Cell>>> {
    let cols: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let sql = format!("SELECT {} FROM \"{table}\"", cols.join(", "));
    let mut stmt = c.prepare(&sql).map_err(db_err)?;
    let mut rows = stmt.query([]).map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_err)? {
        let mut r = Vec::with_capacity(columns.len());
        for (i, (_, ty)) in columns.iter().enumerate() {
            r.push(cell(row.get_ref(i).map_err(db_err)?, ty));
        }
        out.push(r);
    }
    Ok(out)
}

fn cell(v: ValueRef<'_>, ty: &FieldType) -> Cell {
    match (v, ty) {
        (ValueRef::Null, _) => Cell::Null,
        (ValueRef::Integer(i), FieldType::Boolean) => Cell::Bool(i != 0),
        (ValueRef::Integer(i), FieldType::Float) => Cell::Float(i as f64),
        (ValueRef::Integer(i), _) => Cell::Int(i),
        (ValueRef::Real(f), _) => Cell::Float(f),
        (ValueRef::Text(t), FieldType::Timestamp) => {
            Cell::Timestamp(String::from_utf8_lossy(t).into_owned())
        }
        (ValueRef::Text(t) | ValueRef::Blob(t), _) => {
            Cell::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// The parts of `YYYY-MM-DD HH:MM:SS[.f]`: (year, month, day, hour, minute, second,
/// microsecond); `None` when the text is not such a timestamp.
pub(crate) fn timestamp_parts(s: &str) -> Option<(i64, u32, u32, u32, u32, u32, u32)> {
    let n = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    let micros = match s.get(20..) {
        None | Some("") => 0,
        Some(f) => {
            let mut digits = f.to_owned();
            digits.truncate(6);
            while digits.len() < 6 {
                digits.push('0');
            }
            digits.parse().ok()?
        }
    };
    Some((
        i64::from(n(0..4)?),
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
        micros,
    ))
}

/// Seconds since the Unix epoch and microseconds of a timestamp (UTC).
pub(crate) fn timestamp_unix(s: &str) -> Option<(i64, u32)> {
    let (y, mo, d, h, mi, se, us) = timestamp_parts(s)?;
    let days = days_from_civil(y, mo, d);
    Some((
        days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se),
        us,
    ))
}

pub(crate) use super::demo::format_unix_micros;

/// Howard Hinnant's `days_from_civil`.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A float as JSON (NaN and infinities, which JSON lacks, as null: omitted from the reply).
pub(crate) fn float_json(f: f64) -> serde_json::Value {
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The tables of `schema` that hold rows in `sqlite`, with their rows, in table order.
pub(crate) type TableRows = (&'static str, Vec<(&'static str, FieldType)>, Vec<Vec<Cell>>);

/// Rows per multi-row INSERT when copying.
pub(crate) const CHUNK: usize = 200;

/// Every non-empty table of the schema on `sqlite`.
pub(crate) fn read_all(
    sqlite: &Connection,
    schema: &crate::schema::Schema,
) -> Result<Vec<TableRows>> {
    let mut out = Vec::new();
    for (table, def) in super::ddl::tables(schema) {
        let rows = read_table(sqlite, table, &def.columns)?;
        if !rows.is_empty() {
            out.push((table, def.columns, rows));
        }
    }
    Ok(out)
}

/// A name usable as a bare identifier (a database or schema name from the command line).
pub(crate) fn check_identifier(name: &str) -> Result<()> {
    if !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
    {
        Ok(())
    } else {
        Err(super::database_error(format!(
            "`{name}` is not a plain identifier (letters, digits and `_`, not starting with a digit)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        for s in [
            "2024-06-01 12:00:00",
            "2024-06-01 12:00:00.5",
            "1969-12-31 23:59:59.25",
        ] {
            let (secs, us) = timestamp_unix(s).expect("a timestamp");
            assert_eq!(format_unix_micros(secs, us), s);
        }
        assert_eq!(timestamp_parts("junk"), None);
    }
}
