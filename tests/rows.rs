//! Normalized answers, so that SQLite, MariaDB, PostgreSQL and the oracle can be compared: every
//! value becomes a [`Val`] (timestamps as `YYYY-MM-DD HH:MM:SS[.f]`, booleans as bool, numbers as
//! i64 / f64), and a reply becomes an [`Answer`] (rows in order, and the total).

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use zstack_query::emit::{OutColumn, Shape, Sql, Statement};
use zstack_query::exec::sqlite_param;
use zstack_query::schema::FieldType;

/// One normalized value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// What a query answered: the rows (inventories or groups, in order) and the total.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Answer {
    pub rows: Option<Vec<Vec<Val>>>,
    pub total: Option<u64>,
}

/// `YYYY-MM-DD HH:MM:SS` with a fraction only when it is not zero (trailing zeros trimmed).
pub fn normalize_timestamp(s: &str) -> String {
    match s.split_once('.') {
        Some((head, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                head.to_owned()
            } else {
                format!("{head}.{frac}")
            }
        }
        None => s.to_owned(),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.f]` of a Unix time (UTC) with microseconds.
pub fn format_unix_micros(secs: i64, micros: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if micros == 0 {
        base
    } else {
        normalize_timestamp(&format!("{base}.{micros:06}"))
    }
}

/// Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The parts of `YYYY-MM-DD HH:MM:SS[.f]`: (year, month, day, hour, minute, second, microsecond).
pub fn timestamp_parts(s: &str) -> (i64, u32, u32, u32, u32, u32, u32) {
    let n = |r: std::ops::Range<usize>| -> u32 {
        s.get(r)
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("timestamp `{s}`"))
    };
    let micros = s.get(20..).map_or(0, |f| {
        let mut digits = f.to_owned();
        digits.truncate(6);
        while digits.len() < 6 {
            digits.push('0');
        }
        digits.parse().unwrap_or(0)
    });
    (
        i64::from(n(0..4)),
        n(5..7),
        n(8..10),
        n(11..13),
        n(14..16),
        n(17..19),
        micros,
    )
}

/// Seconds since the Unix epoch and microseconds of a stored timestamp.
pub fn timestamp_unix(s: &str) -> (i64, u32) {
    let (y, mo, d, h, mi, se, us) = timestamp_parts(s);
    let days = days_from_civil(y, mo, d);
    (
        days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se),
        us,
    )
}

/// A SQLite value read as the field type says.
pub fn val_of_sqlite(v: ValueRef<'_>, ty: &FieldType) -> Val {
    match (v, ty) {
        (ValueRef::Null, _) => Val::Null,
        (ValueRef::Integer(i), FieldType::Boolean) => Val::Bool(i != 0),
        (ValueRef::Integer(i), FieldType::Float) => Val::Float(i as f64),
        (ValueRef::Integer(i), _) => Val::Int(i),
        (ValueRef::Real(f), _) => Val::Float(f),
        (ValueRef::Text(t), FieldType::Timestamp) => {
            Val::Text(normalize_timestamp(&String::from_utf8_lossy(t)))
        }
        (ValueRef::Text(t) | ValueRef::Blob(t), _) => {
            Val::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}

/// Runs one statement on SQLite, rows normalized by `columns`.
pub fn sqlite_rows(
    conn: &Connection,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Vec<Val>>, String> {
    let mut stmt = conn.prepare_cached(&st.text).map_err(|e| e.to_string())?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(
            st.params.iter().map(sqlite_param),
        ))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut r = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            r.push(val_of_sqlite(
                row.get_ref(i).map_err(|e| e.to_string())?,
                &c.ty,
            ));
        }
        out.push(r);
    }
    Ok(out)
}

/// Runs one statement: its rows, normalized by the columns.
pub type RunStatement<'a> =
    dyn FnMut(&Statement, &[OutColumn]) -> Result<Vec<Vec<Val>>, String> + 'a;

/// The answer of compiled statements, given a way to run one statement (`run(statement,
/// columns)`): the same assembly as `exec::run`, for any database.
pub fn answer(
    sql: &Sql,
    mut run: impl FnMut(&Statement, &[OutColumn]) -> Result<Vec<Vec<Val>>, String>,
) -> Result<Answer, String> {
    let count_col = [OutColumn {
        name: "count",
        ty: FieldType::Integer,
    }];
    let total_of = |st: &Statement, run: &mut RunStatement<'_>| -> Result<u64, String> {
        let rows = run(st, &count_col)?;
        match rows.first().and_then(|r| r.first()) {
            Some(Val::Int(n)) => Ok(u64::try_from(*n).unwrap_or(0)),
            other => Err(format!("count returned {other:?}")),
        }
    };
    let total = match &sql.count {
        Some(c) => Some(total_of(c, &mut run)?),
        None => None,
    };
    Ok(match sql.shape {
        Shape::Count => Answer {
            rows: None,
            total: Some(total_of(&sql.main, &mut run)?),
        },
        Shape::Rows | Shape::Groups { .. } => Answer {
            rows: Some(run(&sql.main, &sql.columns)?),
            total,
        },
    })
}

/// The answer of compiled SQLite statements on `conn`.
pub fn sqlite_answer(conn: &Connection, sql: &Sql) -> Result<Answer, String> {
    answer(sql, |st, cols| sqlite_rows(conn, st, cols))
}
