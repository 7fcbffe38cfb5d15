//! Live differential tests (cargo feature `live-db`): the schema's tables are created in MariaDB
//! and PostgreSQL from `exec::ddl::create_statements`, the same demo cloud (plus a few edge rows)
//! is copied from SQLite into both (by the library's `exec::mysql` / `exec::postgres` loaders), and a fixed suite of queries must give identical answers on
//! all three databases. A server that does not answer fails the tests; nothing is skipped.
//!
//! `ZQ_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`) and `ZQ_POSTGRES_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`) name the servers. Each run drops and recreates the
//! MariaDB database `zq_live` and the PostgreSQL schema `zq_live`.

mod suite;

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use mysql::prelude::Queryable;
use rusqlite::Connection;
use zstack_query::Dialect;
use zstack_query::emit::{OutColumn, Sql, Statement};
use zstack_query::exec::demo::DemoSize;
use zstack_query::exec::{mysql as mysql_exec, postgres as postgres_exec};
use zstack_query::schema::FieldType;

use crate::rows::{self, Answer, Val, format_unix_micros};
use crate::support::{DEMO_VMS, case_sensitive_engine, engine};

/// The three databases, loaded with the same rows.
pub struct Live {
    pub sqlite: Connection,
    pub mysql: mysql::Conn,
    pub pg: postgres::Client,
    /// Rows per table, as loaded.
    pub loaded: Vec<(&'static str, usize)>,
    /// How long the set-up took.
    pub setup: Duration,
    /// The same rows for the oracle.
    pub db: crate::oracle::eval::Db,
}

fn mysql_url() -> String {
    std::env::var("ZQ_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

fn postgres_url() -> String {
    std::env::var("ZQ_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into())
}

/// The loaded databases (built once per test binary). Panics, loudly, when a server is missing.
pub fn live() -> MutexGuard<'static, Live> {
    static LIVE: OnceLock<Result<Mutex<Live>, String>> = OnceLock::new();
    let build = || {
        // One retry of the set-up (dropping and creating 267 tables on a loaded machine), with the
        // first failure on stderr; queries are never retried.
        setup().or_else(|first| {
            eprintln!("live-db set-up failed once, retrying: {first}");
            setup()
        })
    };
    match LIVE.get_or_init(|| build().map(Mutex::new)) {
        Ok(m) => m.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        Err(e) => panic!("live-db set-up failed (the servers must run; see .ci/run): {e}"),
    }
}

fn setup() -> Result<Live, String> {
    let started = Instant::now();
    let schema = engine().schema();
    let mut sqlite = Connection::open_in_memory().map_err(|e| e.to_string())?;
    engine()
        .generate_demo(&mut sqlite, DemoSize { vms: DEMO_VMS })
        .map_err(|e| e.to_string())?;
    add_edge_rows(&sqlite)?;

    let mut my = mysql::Conn::new(
        mysql::Opts::from_url(&mysql_url()).map_err(|e| format!("{}: {e}", mysql_url()))?,
    )
    .map_err(|e| format!("MariaDB at {}: {e}", mysql_url()))?;
    // NO_BACKSLASH_ESCAPES and ONLY_FULL_GROUP_BY on purpose: the engine's SQL must not depend on
    // them (docs/dialects.md).
    my.query_drop(
        "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,\
         NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES,ONLY_FULL_GROUP_BY'",
    )
    .map_err(|e| e.to_string())?;
    my.query_drop("SET NAMES utf8mb4")
        .map_err(|e| e.to_string())?;
    // ZQ_LIVE_DB names the scratch database/schema, so two checkouts can test side by side.
    let db = std::env::var("ZQ_LIVE_DB").unwrap_or_else(|_| "zq_live".into());
    assert!(
        db.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "ZQ_LIVE_DB must be an identifier"
    );
    my.query_drop(format!("DROP DATABASE IF EXISTS {db}"))
        .map_err(|e| e.to_string())?;
    my.query_drop(format!(
        "CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
    ))
    .map_err(|e| e.to_string())?;
    my.query_drop(format!("USE {db}"))
        .map_err(|e| e.to_string())?;

    let mut pg = postgres::Client::connect(&postgres_url(), postgres::NoTls)
        .map_err(|e| format!("PostgreSQL at {}: {e}", postgres_url()))?;
    pg.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {db} CASCADE; CREATE SCHEMA {db}; SET search_path TO {db}"
    ))
    .map_err(|e| e.to_string())?;

    // The library's loaders (exec::mysql / exec::postgres), as `zstack-query demo --db <url>`.
    mysql_exec::create_tables(&mut my, schema).map_err(|e| e.to_string())?;
    postgres_exec::create_tables(&mut pg, schema).map_err(|e| e.to_string())?;
    let loaded =
        mysql_exec::copy_from_sqlite(&mut my, schema, &sqlite).map_err(|e| e.to_string())?;
    let loaded_pg =
        postgres_exec::copy_from_sqlite(&mut pg, schema, &sqlite).map_err(|e| e.to_string())?;
    if loaded != loaded_pg {
        return Err(format!(
            "loaded {loaded:?} into MariaDB, {loaded_pg:?} into PostgreSQL"
        ));
    }
    let db = crate::oracle::eval::Db::load(&sqlite, schema);
    Ok(Live {
        db,
        sqlite,
        mysql: my,
        pg,
        loaded,
        setup: started.elapsed(),
    })
}

/// Rows that the demo lacks and the dialects disagree on unless the engine takes care: case
/// variants, trailing and leading spaces, `_` / `%` / `\` and the ASCII punctuation between `Z`
/// and `a`, fractional seconds, floats, and tags differing in case.
fn add_edge_rows(c: &Connection) -> Result<(), String> {
    let names: &[(&str, Option<&str>, &str)] = &[
        ("trail", Some("edge"), "2024-06-01 12:00:00"),
        ("trail ", Some("edge "), "2024-06-01 12:00:00.5"),
        ("TRAIL", Some("EDGE"), "2024-06-01 12:00:00.25"),
        (" trail", None, "2024-06-01 12:00:01"),
        ("Case_Mix", Some("under_score"), "2024-06-02 00:00:00"),
        ("case-mix", Some(""), "2024-06-02 00:00:00"),
        ("CASE%MIX", Some("100%"), "2024-06-02 00:00:00"),
        ("under_score", Some("a\\b"), "2024-06-03 00:00:00"),
        ("underXscore", Some("a\\\\b"), "2024-06-03 00:00:00"),
        ("under\\score", Some("tab\there"), "2024-06-03 00:00:00"),
        ("a[b]c", None, "2024-06-04 00:00:00"),
        ("a^c", None, "2024-06-04 00:00:00"),
        ("a`c", None, "2024-06-04 00:00:00"),
        ("A_C", None, "2024-06-04 00:00:00"),
        ("abc", Some("ABC"), "2024-06-04 00:00:00"),
        ("ABD", Some("abd"), "2024-06-04 00:00:00"),
        ("a\tb", None, "2024-06-04 00:00:00"),
        ("a", Some("a"), "2024-06-04 00:00:00"),
        ("a ", Some("a "), "2024-06-04 00:00:00"),
        ("zz_last", None, "2025-12-31 23:59:59"),
        ("ZZa", None, "2025-12-31 23:59:59"),
        ("zz-last", None, "2025-12-31 23:59:59.999"),
    ];
    let mut stmt = c
        .prepare(
            "INSERT INTO \"VmInstanceVO\" (\"uuid\", \"name\", \"description\", \"zoneUuid\", \
             \"clusterUuid\", \"imageUuid\", \"hostUuid\", \"lastHostUuid\", \"instanceOfferingUuid\", \
             \"platform\", \"architecture\", \"type\", \"hypervisorType\", \"memorySize\", \"cpuNum\", \
             \"createDate\", \"lastOpDate\", \"state\") \
             SELECT ?1, ?2, ?3, \"zoneUuid\", \"clusterUuid\", \"imageUuid\", \"hostUuid\", \"lastHostUuid\", \
             \"instanceOfferingUuid\", \"platform\", \"architecture\", \"type\", \"hypervisorType\", \
             \"memorySize\", ?4, ?5, ?5, ?6 FROM \"VmInstanceVO\" WHERE \"name\" = 'web-5'",
        )
        .map_err(|e| e.to_string())?;
    let states = ["Running", "Stopped", "Paused", "Destroyed"];
    for (i, (name, description, created)) in names.iter().enumerate() {
        let uuid = format!("edge{i:028}");
        let cpu: Option<i64> = if i % 5 == 4 { None } else { Some(i as i64 % 3) };
        stmt.execute(rusqlite::params![
            uuid,
            name,
            description,
            cpu,
            created,
            states[i % states.len()]
        ])
        .map_err(|e| e.to_string())?;
    }
    let tags = [
        (
            "SystemTagVO",
            "edge0000000000000000000000000000",
            "HA::neverstop",
        ),
        (
            "SystemTagVO",
            "edge0000000000000000000000000001",
            "ha::NeverStop ",
        ),
        ("UserTagVO", "edge0000000000000000000000000002", "Prod"),
        ("UserTagVO", "edge0000000000000000000000000003", "prod "),
        ("UserTagVO", "edge0000000000000000000000000004", "pr_d"),
    ];
    for (i, (table, resource, tag)) in tags.iter().enumerate() {
        c.execute(
            &format!(
                "INSERT INTO \"{table}\" (\"uuid\", \"resourceUuid\", \"resourceType\", \"tag\", \"type\", \
                 \"createDate\", \"lastOpDate\") VALUES (?1, ?2, 'VmInstanceVO', ?3, 'User', \
                 '2024-06-01 00:00:00', '2024-06-01 00:00:00')"
            ),
            rusqlite::params![format!("edgetag{i:025}"), resource, tag],
        )
        .map_err(|e| e.to_string())?;
    }
    // Floats: the demo has none.
    let alarms: [(Option<f64>, Option<i64>); 7] = [
        (Some(0.5), Some(60)),
        (Some(1.0), Some(60)),
        (Some(1.5), Some(300)),
        (Some(-2.25), None),
        (Some(1e10), Some(1)),
        (None, Some(5)),
        (Some(3.0), Some(3)),
    ];
    for (i, (threshold, period)) in alarms.iter().enumerate() {
        c.execute(
            "INSERT INTO \"AlarmVO\" (\"uuid\", \"name\", \"threshold\", \"period\", \"status\", \
             \"createDate\", \"lastOpDate\") VALUES (?1, ?2, ?3, ?4, 'OK', '2024-06-01 00:00:00', \
             '2024-06-01 00:00:00')",
            rusqlite::params![
                format!("alarm{i:027}"),
                format!("alarm-{i}"),
                threshold,
                period
            ],
        )
        .map_err(|e| e.to_string())?;
    }
    // Non-ASCII text, for `non_ascii_letters` (not used by the main suite's text queries).
    for (i, name) in NON_ASCII.iter().enumerate() {
        c.execute(
            "INSERT INTO \"AlarmVO\" (\"uuid\", \"name\", \"status\", \"createDate\", \"lastOpDate\") \
             VALUES (?1, ?2, 'OK', '2024-06-02 00:00:00', '2024-06-02 00:00:00')",
            rusqlite::params![format!("nonascii{i:024}"), name],
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Alarm names with letters outside ASCII.
const NON_ASCII: [&str; 9] = [
    "É", "é", "café", "CAFÉ", "cafe", "naïve", "NAÏVE", "Ωmega", "ωmega",
];

fn mysql_val(v: mysql::Value, ty: &FieldType) -> Result<Val, String> {
    use mysql::Value as M;
    Ok(match v {
        M::NULL => Val::Null,
        M::Int(i) => match ty {
            FieldType::Boolean => Val::Bool(i != 0),
            FieldType::Float => Val::Float(i as f64),
            _ => Val::Int(i),
        },
        M::UInt(u) => Val::Int(i64::try_from(u).map_err(|e| e.to_string())?),
        M::Float(f) => Val::Float(f64::from(f)),
        M::Double(f) => Val::Float(f),
        M::Date(y, mo, d, h, mi, s, us) => {
            let days = rows::days_from_civil(i64::from(y), u32::from(mo), u32::from(d));
            let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
            Val::Text(format_unix_micros(secs, us))
        }
        M::Bytes(b) => {
            let s = String::from_utf8(b).map_err(|e| e.to_string())?;
            match ty {
                FieldType::Integer => Val::Int(s.parse().map_err(|_| format!("int `{s}`"))?),
                FieldType::Float => Val::Float(s.parse().map_err(|_| format!("float `{s}`"))?),
                FieldType::Boolean => Val::Bool(s != "0"),
                FieldType::Timestamp => Val::Text(rows::normalize_timestamp(&s)),
                _ => Val::Text(s),
            }
        }
        M::Time(..) => return Err("unexpected TIME value".into()),
    })
}

pub fn mysql_rows(
    my: &mut mysql::Conn,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Vec<Val>>, String> {
    let params = if st.params.is_empty() {
        mysql::Params::Empty
    } else {
        mysql::Params::Positional(st.params.iter().map(mysql_exec::param).collect())
    };
    let rows: Vec<mysql::Row> = my.exec(&st.text, params).map_err(|e| e.to_string())?;
    rows.into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .zip(columns)
                .map(|(v, c)| mysql_val(v, &c.ty))
                .collect()
        })
        .collect()
}

fn pg_val(row: &postgres::Row, i: usize, ty: &FieldType) -> Result<Val, String> {
    use postgres::types::Type;
    let t = row.columns()[i].type_().clone();
    let e = |e: postgres::Error| e.to_string();
    let v = if t == Type::BOOL {
        row.try_get::<_, Option<bool>>(i).map_err(e)?.map(Val::Bool)
    } else if t == Type::INT8 {
        row.try_get::<_, Option<i64>>(i).map_err(e)?.map(Val::Int)
    } else if t == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)
            .map_err(e)?
            .map(|x| Val::Int(i64::from(x)))
    } else if t == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i).map_err(e)?.map(Val::Float)
    } else if t == Type::TIMESTAMP {
        row.try_get::<_, Option<SystemTime>>(i)
            .map_err(e)?
            .map(|st| {
                let (secs, micros) = match st.duration_since(SystemTime::UNIX_EPOCH) {
                    Ok(d) => (d.as_secs() as i64, d.subsec_micros()),
                    Err(neg) => {
                        let d = neg.duration();
                        let mut secs = -(d.as_secs() as i64);
                        let mut micros = d.subsec_micros();
                        if micros > 0 {
                            secs -= 1;
                            micros = 1_000_000 - micros;
                        }
                        (secs, micros)
                    }
                };
                Val::Text(format_unix_micros(secs, micros))
            })
    } else if t == Type::TEXT || t == Type::VARCHAR || t == Type::BPCHAR || t == Type::NAME {
        row.try_get::<_, Option<String>>(i)
            .map_err(e)?
            .map(Val::Text)
    } else {
        return Err(format!("unexpected PostgreSQL type {t}"));
    };
    Ok(match (v, ty) {
        (None, _) => Val::Null,
        (Some(Val::Int(i)), FieldType::Float) => Val::Float(i as f64),
        (Some(v), _) => v,
    })
}

pub fn pg_rows(
    pg: &mut postgres::Client,
    st: &Statement,
    columns: &[OutColumn],
) -> Result<Vec<Vec<Val>>, String> {
    let params: Vec<postgres_exec::PgParam> = st.params.iter().map(postgres_exec::param).collect();
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
        params.iter().map(AsRef::as_ref).collect();
    let rows = pg.query(&*st.text, &refs).map_err(|e| format!("{e:?}"))?;
    rows.iter()
        .map(|row| {
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| pg_val(row, i, &c.ty))
                .collect()
        })
        .collect()
}

/// One query's answers on the three databases.
pub struct Answers {
    pub sqlite: Result<Answer, String>,
    pub mysql: Result<Answer, String>,
    pub postgres: Result<Answer, String>,
    pub sql: [Sql; 3],
}

impl Live {
    /// Compiles `query` for each dialect and runs it on the matching database.
    pub fn answers(&mut self, query: &str) -> Result<Answers, zstack_query::Error> {
        self.answers_of(engine(), query)
    }

    /// [`Live::answers`] by the engine `e` (one with other options).
    pub fn answers_of(
        &mut self,
        e: &zstack_query::Engine,
        query: &str,
    ) -> Result<Answers, zstack_query::Error> {
        let s = e.compile(None, query, Dialect::Sqlite)?;
        let m = e.compile(None, query, Dialect::Mysql)?;
        let p = e.compile(None, query, Dialect::Postgres)?;
        let sqlite = rows::sqlite_answer(&self.sqlite, &s);
        let my = &mut self.mysql;
        let mysql = rows::answer(&m, |st, cols| mysql_rows(my, st, cols));
        let pg = &mut self.pg;
        let postgres = rows::answer(&p, |st, cols| pg_rows(pg, st, cols));
        Ok(Answers {
            sqlite,
            mysql,
            postgres,
            sql: [s, m, p],
        })
    }
}

fn describe(a: &Result<Answer, String>) -> String {
    match a {
        Err(e) => format!("error: {e}"),
        Ok(a) => {
            let rows = a.rows.as_ref().map(|r| {
                let shown: Vec<String> = r.iter().take(6).map(|row| format!("{row:?}")).collect();
                format!("{} rows, first: {}", r.len(), shown.join(" | "))
            });
            format!("total {:?}; {}", a.total, rows.unwrap_or_default())
        }
    }
}

/// The first row where two answers differ, for the report.
fn first_difference(a: &Answer, b: &Answer) -> String {
    if a.total != b.total {
        return format!("totals {:?} vs {:?}", a.total, b.total);
    }
    match (&a.rows, &b.rows) {
        (Some(x), Some(y)) => {
            for (i, (r, s)) in x.iter().zip(y).enumerate() {
                if r != s {
                    return format!("row {i}: {r:?}\n      vs {s:?}");
                }
            }
            format!("{} rows vs {} rows", x.len(), y.len())
        }
        _ => "rows present in one only".into(),
    }
}

#[test]
fn ddl_is_accepted_and_the_same_rows_are_loaded_everywhere() {
    let mut live = live();
    assert!(live.loaded.len() >= 20, "tables loaded: {:?}", live.loaded);
    let loaded = live.loaded.clone();
    for (table, n) in loaded {
        let my: Option<i64> = live
            .mysql
            .query_first(format!("SELECT COUNT(*) FROM `{table}`"))
            .expect("MariaDB counts");
        let pg: i64 = live
            .pg
            .query_one(format!("SELECT COUNT(*) FROM \"{table}\"").as_str(), &[])
            .expect("PostgreSQL counts")
            .get(0);
        assert_eq!(my, Some(n as i64), "{table} on MariaDB");
        assert_eq!(pg, n as i64, "{table} on PostgreSQL");
    }
}

#[test]
fn differential_suite_agrees_on_sqlite_mariadb_postgres() {
    let mut live = live();
    let queries = suite::queries(engine().schema(), &live.sqlite);
    let started = Instant::now();
    let mut failures = Vec::new();
    let (mut ran, mut non_empty, mut errors) = (0, 0, 0);
    for q in &queries {
        let answers = match live.answers(q) {
            Ok(a) => a,
            Err(e) => {
                // Every dialect compiles from the same plan: an error is an error everywhere.
                errors += 1;
                failures.push(format!("{q}\n  does not compile: {e}"));
                continue;
            }
        };
        ran += 1;
        let Answers {
            sqlite,
            mysql,
            postgres,
            sql,
        } = answers;
        let ok = |a: &Result<Answer, String>| a.as_ref().ok().cloned();
        match (ok(&sqlite), ok(&mysql), ok(&postgres)) {
            (Some(s), Some(m), Some(p)) if s == m && s == p => {
                if s.rows.as_ref().is_some_and(|r| !r.is_empty()) || s.total.is_some_and(|t| t > 0)
                {
                    non_empty += 1;
                }
            }
            (Some(s), m, p) => {
                let mut msg = format!("{q}\n  sqlite:   {}", describe(&sqlite));
                for (name, other, res, st) in [
                    ("mysql", &m, &mysql, &sql[1]),
                    ("postgres", &p, &postgres, &sql[2]),
                ] {
                    if other.as_ref() != Some(&s) {
                        msg.push_str(&format!(
                            "\n  {name}: {}\n    first difference: {}\n    sql: {}\n    params: {:?}",
                            describe(res),
                            other
                                .as_ref()
                                .map_or_else(|| "error".into(), |o| first_difference(&s, o)),
                            st.main.text,
                            st.main.params
                        ));
                    }
                }
                failures.push(msg);
            }
            (None, ..) => failures.push(format!(
                "{q}\n  SQLite fails: {}\n  sql: {}",
                describe(&sqlite),
                sql[0].main.text
            )),
        }
    }
    eprintln!(
        "live differential suite: {} queries, {ran} run on 3 databases, {non_empty} with rows, \
         {errors} compile errors, {} failures; {:.1}s (set-up {:.1}s)",
        queries.len(),
        failures.len(),
        started.elapsed().as_secs_f64(),
        live.setup.as_secs_f64()
    );
    assert!(
        queries.len() >= 300,
        "the suite has {} queries",
        queries.len()
    );
    assert!(
        non_empty * 10 >= ran * 7,
        "too few queries return rows: {non_empty} of {ran}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} queries differ:\n\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n\n")
    );
}

/// What MariaDB answers for a query on non-ASCII text (docs/dialects.md #2).
enum OnMysql {
    /// The same rows as SQLite and PostgreSQL.
    Same,
    /// The documented difference: MariaDB's `LOWER()` and `_ci` collation fold non-ASCII case
    /// (and LIKE folds accents); these names instead.
    Folds(&'static [&'static str]),
}

/// Non-ASCII letters: SQLite and PostgreSQL agree exactly (ASCII case only is ignored); MariaDB
/// agrees where no non-ASCII letter differs only in case or accent, and otherwise gives exactly
/// the documented answer. Not papered over: each difference is asserted as what it is.
#[test]
fn non_ascii_letters() {
    let mut live = live();
    let cases: &[(&str, OnMysql)] = &[
        ("name=cafe", OnMysql::Same),
        ("name=caf%C3%A9", OnMysql::Folds(&["café", "CAFÉ"])),
        ("name=%C3%89", OnMysql::Folds(&["É", "é"])),
        ("name=%CE%A9MEGA", OnMysql::Folds(&["Ωmega", "ωmega"])),
        ("name=NA%C3%AFVE", OnMysql::Folds(&["naïve", "NAÏVE"])),
        ("name?=cafe,%C3%A9", OnMysql::Folds(&["cafe", "É", "é"])),
        ("name!=cafe&q=name~=caf%25", OnMysql::Same),
        ("name~=caf%25", OnMysql::Same),
        ("name~=caf_", OnMysql::Same),
        ("name~=%25%C3%AF%25", OnMysql::Folds(&["naïve", "NAÏVE"])),
        ("name~=cafe", OnMysql::Folds(&["café", "CAFÉ", "cafe"])),
        ("name~=_mega", OnMysql::Same),
    ];
    let mut failures = Vec::new();
    for (cond, on_mysql) in cases {
        let q = format!("zwatch/alarms?q={cond}&q=uuid~=nonascii%25&fields=uuid,name");
        let a = live.answers(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let names = |r: &Result<Answer, String>| -> Vec<String> {
            let mut v: Vec<String> = r
                .as_ref()
                .unwrap_or_else(|e| panic!("{q}: {e}"))
                .rows
                .as_ref()
                .expect("rows")
                .iter()
                .map(|row| match &row[1] {
                    Val::Text(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            v.sort();
            v
        };
        let (s, m, p) = (names(&a.sqlite), names(&a.mysql), names(&a.postgres));
        if s != p {
            failures.push(format!("{q}: SQLite {s:?}, PostgreSQL {p:?}"));
        }
        let want: Vec<String> = match on_mysql {
            OnMysql::Same => s.clone(),
            OnMysql::Folds(names) => {
                let mut v: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
                v.sort();
                v
            }
        };
        if m != want {
            failures.push(format!(
                "{q}: MariaDB {m:?}, expected {want:?} (SQLite {s:?})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Random queries (the oracle's generator, on the live data) give the same answer on SQLite,
/// MariaDB and PostgreSQL, and the oracle's. Alarms, which hold the non-ASCII names of
/// `non_ascii_letters`, are left out as roots. `ZQ_LIVE_CASES` sets the number (default 300).
#[test]
fn random_queries_agree_on_three_databases_and_the_oracle() {
    use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

    let cases: u32 = std::env::var("ZQ_LIVE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let live = std::cell::RefCell::new(live());
    let schema = engine().schema();
    let started = Instant::now();
    let compared = std::cell::Cell::new(0u32);
    let exact = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    });
    let result = runner.run(&crate::oracle::query_spec(), |spec| {
        if crate::oracle::ROOTS[spec.root] == "Alarm" {
            return Ok(());
        }
        let mut live = live.borrow_mut();
        let (query, _) = crate::oracle::render(&spec, &live.db, schema);
        // A quarter of the specs ask for the case-sensitive option: the three databases were
        // loaded with the default (case-insensitive) DDL, and must still answer exactly.
        let e = crate::oracle::engine_for(&spec);
        let Ok(plan) = e.plan(None, &query) else {
            // Errors come from the plan, before any dialect: the oracle's test checks them.
            return Ok(());
        };
        if plan.case_sensitive {
            exact.set(exact.get() + 1);
        }
        let a = live
            .answers_of(e, &query)
            .map_err(|e| TestCaseError::fail(format!("{query}: {e}")))?;
        let oracle = crate::oracle::eval::Oracle::new(&live.db, schema).answer(&plan);
        let s = a
            .sqlite
            .map_err(|e| TestCaseError::fail(format!("{query}: SQLite: {e}")))?;
        for (name, other, sql) in [
            ("MariaDB", a.mysql, &a.sql[1]),
            ("PostgreSQL", a.postgres, &a.sql[2]),
        ] {
            let o = other.map_err(|e| TestCaseError::fail(format!("{query}: {name}: {e}")))?;
            if o != s {
                return Err(TestCaseError::fail(format!(
                    "{query}\n  {name} differs from SQLite: {}\n  sql: {}\n  params: {:?}",
                    first_difference(&s, &o),
                    sql.main.text,
                    sql.main.params
                )));
            }
        }
        if s != oracle {
            return Err(TestCaseError::fail(format!(
                "{query}\n  SQLite differs from the oracle: {}",
                first_difference(&oracle, &s)
            )));
        }
        compared.set(compared.get() + 1);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "live random queries: {cases} generated, {} compared on SQLite, MariaDB, \
         PostgreSQL and the oracle ({} with the case-sensitive option; {:.1}s)",
        compared.get(),
        exact.get(),
        started.elapsed().as_secs_f64()
    );
}

/// The library's executors (`exec::run`, `exec::mysql::run`, `exec::postgres::run`) give the same
/// reply JSON on the live rows, edge rows included: fractional timestamps, floats, nulls,
/// booleans, counts and groups.
#[test]
fn library_executors_reply_the_same_json() {
    let mut live = live();
    let queries = [
        "zwatch/alarms?q=uuid~=alarm%25&sort=threshold&fields=uuid,name,threshold,period,createDate",
        "vm-instances?q=uuid~=edge%25&sort=createDate&fields=uuid,name,description,cpuNum,createDate,lastOpDate",
        "vm-instances?q=uuid~=edge%25&count=true",
        "vm-instances?groupBy=state&replyWithCount=true",
        "l3-networks?limit=8&sort=name",
        "vm-instances?q=state=Running&sort=-createDate&limit=5&replyWithCount=true",
    ];
    let e = engine();
    for q in queries {
        let s = e.compile(None, q, Dialect::Sqlite).expect("compiles");
        let m = e.compile(None, q, Dialect::Mysql).expect("compiles");
        let p = e.compile(None, q, Dialect::Postgres).expect("compiles");
        let want = serde_json::to_value(zstack_query::exec::run(&live.sqlite, &s).expect("SQLite"))
            .expect("JSON");
        assert!(
            want.as_object().is_some_and(|o| !o.is_empty()),
            "{q}: {want}"
        );
        let my = mysql_exec::run(&mut live.mysql, &m).expect("MariaDB runs");
        assert_eq!(
            serde_json::to_value(my).expect("JSON"),
            want,
            "{q} on MariaDB"
        );
        let pg = postgres_exec::run(&mut live.pg, &p).expect("PostgreSQL runs");
        assert_eq!(
            serde_json::to_value(pg).expect("JSON"),
            want,
            "{q} on PostgreSQL"
        );
    }
    // A database error is ErrorKind::Database.
    let bad = e
        .compile(None, "zones", Dialect::Postgres)
        .expect("compiles");
    let mut wrong = bad.clone();
    wrong.main.text = wrong.main.text.replace("ZoneVO", "NoSuchVO").into();
    let err = postgres_exec::run(&mut live.pg, &wrong).expect_err("no such table");
    assert_eq!(err.code(), "database", "{err}");
    let err = mysql_exec::run(&mut live.mysql, &bad).expect_err("wrong dialect");
    assert_eq!(err.code(), "database", "{err}");
}

/// The case-sensitive engine option (design.md "String comparison") on the edge rows (`abc` /
/// `ABC`, `ABD`, `a` / `a `, `A_C`, `zz_last` / `ZZa`, tags `Prod` / `prod `): the three
/// databases, loaded with the default DDL, agree with each other and with the oracle, and the
/// option changes the answer where case differs.
#[test]
fn case_sensitive_option_agrees_on_three_databases() {
    let mut live = live();
    let exact = case_sensitive_engine();
    let queries = [
        "vm-instances?q=name=abc",
        "vm-instances?q=name=ABC",
        "vm-instances?q=name!=abc&q=name~=a%25",
        "vm-instances?q=name?=ABC,abd,a",
        "vm-instances?q=name!?=abc,ABD&q=name~=%25b%25",
        "vm-instances?q=name~=AB%25",
        "vm-instances?q=name~=A\\_C",
        "vm-instances?q=name~=a_c",
        "vm-instances?q=name!~=a%25&q=name~=%25C%25",
        "vm-instances?q=name>=ZZ&q=name<zz&sort=name",
        "vm-instances?q=name~=zz%25&sort=-name",
        "vm-instances?q=description=ABC",
        "vm-instances?q=__userTag__~=Prod%25",
        "vm-instances?q=__userTag__~=prod%25",
        "vm-instances?q=name?=abc,ABC,ABD,a,a%20&groupBy=name&count=true",
        "vm-instances?q=name?=abc,ABC,ABD,A_C&sort=name&fields=name",
    ];
    let mut changed = 0;
    let mut failures = Vec::new();
    for q in queries {
        let a = live.answers_of(exact, q).expect("compiles");
        let plan = exact.plan(None, q).expect("plans");
        let oracle = crate::oracle::eval::Oracle::new(&live.db, exact.schema()).answer(&plan);
        let s = a.sqlite.expect("SQLite answers");
        for (name, other, sql) in [
            ("MariaDB", a.mysql, &a.sql[1]),
            ("PostgreSQL", a.postgres, &a.sql[2]),
        ] {
            match other {
                Ok(o) if o == s => {}
                Ok(o) => failures.push(format!(
                    "{q}\n  {name}: {}\n  sql: {}",
                    first_difference(&s, &o),
                    sql.main.text
                )),
                Err(e) => failures.push(format!("{q}\n  {name}: {e}\n  sql: {}", sql.main.text)),
            }
        }
        if s != oracle {
            failures.push(format!(
                "{q}\n  SQLite differs from the oracle: {}",
                first_difference(&oracle, &s)
            ));
        }
        let folded = live.answers(q).expect("compiles").sqlite.expect("answers");
        changed += usize::from(folded != s);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        changed >= 8,
        "the option changed only {changed} of {} answers",
        queries.len()
    );
}

/// `exec::postgres::PreparedClient` (the server's PostgreSQL connections) answers exactly as a
/// plain client, and prepares each statement text once: the same shape with new values reuses it.
#[test]
fn postgres_prepared_statements_answer_the_same_and_are_prepared_once() {
    let mut live = live();
    let db = std::env::var("ZQ_LIVE_DB").unwrap_or_else(|_| "zq_live".into());
    let client = postgres_exec::connect(&postgres_url(), Some(&db)).expect("connects");
    let mut prepared = postgres_exec::PreparedClient::new(client);
    let queries = [
        "vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name",
        "vm-instances?q=name~=db%25&q=vmNics.ip=10.0.0.6&q=zone.name=z2&sort=-createDate&limit=5&fields=uuid,name",
        "vm-instances?q=state=Running&count=true",
        "vm-instances?q=state=Stopped&count=true",
        "vm-instances?q=createDate>2024-06-01&replyWithCount=true&limit=3",
        "vm-instances?groupBy=state&count=true",
    ];
    let mut texts = std::collections::BTreeSet::new();
    for q in queries {
        let sql = engine()
            .compile(None, q, Dialect::Postgres)
            .expect("compiles");
        texts.insert(sql.main.text.clone());
        if let Some(c) = &sql.count {
            texts.insert(c.text.clone());
        }
        let a = prepared.run(&sql).expect("prepared run");
        let b = postgres_exec::run(&mut live.pg, &sql).expect("plain run");
        assert_eq!(
            serde_json::to_value(&a).expect("json"),
            serde_json::to_value(&b).expect("json"),
            "{q}"
        );
    }
    assert_eq!(prepared.prepared(), texts.len() as u64);
    assert!(texts.len() < queries.len() + 2, "shapes repeat: {texts:?}");
}

/// `exec::mysql::explain` and `exec::postgres::explain` (what `zstack-query explain --db <URL>`
/// prints): the servers' plans for the reference query, parameters bound, naming its tables.
#[test]
fn the_servers_explain_the_reference_query() {
    let mut live = live();
    let q = "vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name";
    let my = engine().compile(None, q, Dialect::Mysql).expect("compiles");
    let lines = mysql_exec::explain(&mut live.mysql, &my.main).expect("MariaDB explains");
    let text = lines.join("\n");
    for t in ["t0", "t1", "t2"] {
        assert!(lines.iter().any(|l| l.starts_with(t)), "{text}");
    }
    assert!(text.contains("key=idx_VmNicVO_ip"), "{text}");
    let pg = engine()
        .compile(None, q, Dialect::Postgres)
        .expect("compiles");
    let lines = postgres_exec::explain(&mut live.pg, &pg.main).expect("PostgreSQL explains");
    let text = lines.join("\n");
    for t in ["\"VmInstanceVO\"", "\"VmNicVO\"", "\"ZoneVO\""] {
        assert!(text.contains(t), "{text}");
    }
}
