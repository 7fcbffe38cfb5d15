//! The query server on PostgreSQL and MariaDB (features `server` + `live-db`, real servers as in
//! `tests/live`): the demo cloud is loaded by the library's loaders (what `zstack-query demo --db
//! <url>` runs) into the PostgreSQL schema and the MariaDB database `<ZQ_LIVE_DB>_srv` (default
//! `zq_live_srv`, apart from the live suite's), a server is started in-process on each, and every
//! reply must be exactly the JSON the server gives on SQLite for the same demo.

use std::sync::OnceLock;

use rusqlite::Connection;
use serde_json::Value;
use zstack_query::exec::{mysql as mysql_exec, postgres as postgres_exec};
use zstack_query::server::{self, Config, Database, Running};

use crate::server::{demo_db, get_on, shared};
use crate::support::engine;

/// The scratch database (MariaDB) and schema (PostgreSQL) of these tests.
pub fn scratch() -> String {
    let base = std::env::var("ZQ_LIVE_DB").unwrap_or_else(|_| "zq_live".into());
    format!("{base}_srv")
}

pub fn postgres_url() -> String {
    std::env::var("ZQ_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into())
}

pub fn mysql_url() -> String {
    std::env::var("ZQ_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

/// The server's demo file, the source of every copy.
fn demo() -> Connection {
    Connection::open(demo_db()).expect("the demo opens")
}

fn spawn(config: &Config) -> Running {
    server::spawn(engine().clone(), config, "127.0.0.1:0").expect("the server starts")
}

/// A server on PostgreSQL, the demo loaded into schema [`scratch`] (selected by `schema_name`).
pub fn pg_server() -> &'static Running {
    static SERVER: OnceLock<Running> = OnceLock::new();
    SERVER.get_or_init(|| {
        let name = scratch();
        let mut pg = postgres_exec::connect(&postgres_url(), None).unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} (the servers must run): {e}",
                postgres_url()
            )
        });
        pg.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
            .expect("drops the scratch schema");
        postgres_exec::create_schema(&mut pg, &name).expect("creates the schema");
        let loaded = postgres_exec::load_from_sqlite(&mut pg, engine().schema(), &demo())
            .expect("the demo loads into PostgreSQL");
        assert!(loaded.len() >= 20, "{loaded:?}");
        let mut config = Config::new(postgres_url());
        config.schema_name = Some(name);
        config.connections = 2;
        spawn(&config)
    })
}

/// A server on MariaDB, the demo loaded into database [`scratch`] (named in the URL).
pub fn mysql_server() -> &'static Running {
    static SERVER: OnceLock<Running> = OnceLock::new();
    SERVER.get_or_init(|| {
        let name = scratch();
        let mut my = mysql_exec::connect(&mysql_url(), None)
            .unwrap_or_else(|e| panic!("MariaDB at {} (the servers must run): {e}", mysql_url()));
        mysql::prelude::Queryable::query_drop(&mut my, format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drops the scratch database");
        mysql_exec::create_database(&mut my, &name).expect("creates the database");
        mysql_exec::load_from_sqlite(&mut my, engine().schema(), &demo())
            .expect("the demo loads into MariaDB");
        let url = mysql_url();
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        let mut config = Config::new(format!("{base}/{name}"));
        assert!(matches!(config.db, Database::Mysql(_)));
        config.connections = 2;
        spawn(&config)
    })
}

/// The reference query, then queries that cover every value type (booleans, timestamps,
/// integers, nulls), counts, groups, a uuid, the playground's run, and an error.
const QUERIES: &[&str] = &[
    "/zstack/v1/vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.5&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name",
    // The same with an address the demo has (the reference query's 10.0.0.5 is not a web VM's).
    "/zstack/v1/vm-instances?q=name~=web%25&q=vmNics.ip=10.0.0.2&q=zone.name=z1&sort=-createDate&limit=20&fields=uuid,name,createDate",
    "/zstack/v1/vm-instances?q=name~=web-1%25&q=state=Running&sort=-createDate&limit=7&replyWithCount=true",
    "/zstack/v1/vm-instances?q=state=Running&count=true",
    "/zstack/v1/vm-instances?q=hostUuid%20is%20null&sort=name&limit=5&start=3",
    "/zstack/v1/vm-instances?q=createDate%3E=2024-03-01&q=cpuNum%3E2&sort=createDate&limit=10&fields=uuid,name,cpuNum,createDate",
    "/zstack/v1/vm-instances?groupBy=state&count=true",
    "/zstack/v1/vm-instances?groupBy=state&replyWithCount=true",
    "/zstack/v1/l3-networks?limit=10&sort=name",
    "/zstack/v1/l3-networks?q=system=false&fields=uuid,name,system,enableIPAM&limit=10",
    "/zstack/v1/volumes?q=vmInstance.name~=db%25&limit=10&sort=-size",
    "/zstack/v1/hosts?q=zone.name=z1&q=cluster.hosts.vmInstances.state=Running&limit=5",
    "/zstack/v1/images?limit=5&sort=name",
    "/zstack/v1/zones?q=name?=z1,z2&fields=uuid,name,state",
    "/zstack/v1/vm-instances?q=nmae=x",
    "/api/run?resource=QueryVmInstance&q=name~%3Dweb%25+state%3DRunning+fields%3Duuid,name,cpuNum&start=0&limit=5&sort=-name",
];

/// `path` on the SQLite server and on `remote`: the same status and JSON.
fn same_as_sqlite(remote: &Running, name: &str) {
    let mut with_rows = 0;
    let mut failures = Vec::new();
    for q in QUERIES {
        let want = get_on(shared(), q);
        let got = get_on(remote, q);
        if want.0 == 200 && has_rows(&want.1) {
            with_rows += 1;
        }
        if want != got {
            failures.push(format!("{q}\n  SQLite: {want:?}\n  {name}: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        with_rows * 10 >= QUERIES.len() * 7,
        "too few queries with rows: {with_rows} of {}",
        QUERIES.len()
    );
}

fn has_rows(v: &Value) -> bool {
    let v = v.get("reply").unwrap_or(v);
    ["inventories", "inventoryCounts"]
        .iter()
        .any(|k| v[k].as_array().is_some_and(|a| !a.is_empty()))
        || v["total"].as_u64().is_some_and(|n| n > 0)
}

#[test]
fn server_on_postgres_answers_like_sqlite() {
    same_as_sqlite(pg_server(), "PostgreSQL");
}

#[test]
fn server_on_mariadb_answers_like_sqlite() {
    same_as_sqlite(mysql_server(), "MariaDB");
}

#[test]
fn get_by_uuid_and_the_database_endpoint_on_postgres_and_mariadb() {
    let (_, some) = get_on(shared(), "/zstack/v1/vm-instances?sort=name&limit=1");
    let uuid = some["inventories"][0]["uuid"]
        .as_str()
        .expect("a uuid")
        .to_owned();
    let path = format!("/zstack/v1/vm-instances/{uuid}");
    let want = get_on(shared(), &path);
    assert_eq!(want.1["inventories"].as_array().map(Vec::len), Some(1));
    for (name, running, dialect) in [
        ("PostgreSQL", pg_server(), "postgres"),
        ("MariaDB", mysql_server(), "mysql"),
    ] {
        assert_eq!(get_on(running, &path), want, "{name}");
        let (status, db) = get_on(running, "/api/database");
        assert_eq!(status, 200);
        assert_eq!(db["dialect"], dialect, "{name}: {db}");
        // The playground's SQL is the server's dialect unless asked otherwise.
        let (_, c) = get_on(
            running,
            "/api/compile?resource=QueryVmInstance&q=name%3Dvm1",
        );
        assert_eq!(c["dialect"], dialect, "{name}: {c}");
    }
    assert_eq!(get_on(shared(), "/api/database").1["dialect"], "sqlite");
}

#[test]
fn a_missing_table_is_a_500_database_error_on_postgres() {
    // A schema without the tables: the server starts (the connection works), queries fail.
    let name = format!("{}_empty", scratch());
    let mut pg = postgres_exec::connect(&postgres_url(), None).expect("connects");
    pg.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
    ))
    .expect("an empty schema");
    let url = format!("{}?options=-csearch_path%3D{name}", postgres_url());
    let running = spawn(&Config::new(url));
    let (status, err) = get_on(&running, "/zstack/v1/zones");
    assert_eq!(status, 500, "{err}");
    assert_eq!(err["code"], "database", "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("ZoneVO")),
        "{err}"
    );
    // The next query gets a fresh connection and the same answer.
    assert_eq!(get_on(&running, "/zstack/v1/zones").0, 500);
    running.stop().expect("stops");
}

#[test]
fn the_binary_loads_the_demo_into_postgres() {
    let name = format!("{}_cli", scratch());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zstack-query"))
        .args(["demo", "--db", &postgres_url(), "--schema-name", &name])
        .args(["--demo-size", "40"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("loaded the demo cloud"), "{stderr}");
    let mut pg = postgres_exec::connect(&postgres_url(), Some(&name)).expect("connects");
    let n: i64 = pg
        .query_one("SELECT COUNT(*) FROM \"VmInstanceVO\"", &[])
        .expect("counts")
        .get(0);
    assert!((40..100).contains(&n), "{n} VMs");
    // `run --db <URL>` queries it there, with the PostgreSQL dialect, as `run` does on SQLite.
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zstack-query"))
            .args(args)
            .output()
            .expect("the binary runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(&[
        "run",
        "vm-instances?q=name~=web%25&fields=name&sort=name&limit=2&replyWithCount=true",
        "--db",
        &postgres_url(),
        "--schema-name",
        &name,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let reply: Value = serde_json::from_str(&stdout).expect("JSON");
    let names: Vec<&str> = reply["inventories"]
        .as_array()
        .expect("inventories")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    let web: i64 = pg
        .query_one(
            "SELECT COUNT(*) FROM \"VmInstanceVO\" WHERE lower(name) LIKE 'web%'",
            &[],
        )
        .expect("counts")
        .get(0);
    assert_eq!(reply["total"].as_i64(), Some(web), "{stdout}");
    assert_eq!(names.len(), 2, "{stdout}");
    assert!(
        names
            .iter()
            .all(|n| n.to_ascii_lowercase().starts_with("web")),
        "{stdout}"
    );
    // `explain --db <URL>` prints the server's plan.
    let (code, stdout, stderr) = run(&[
        "explain",
        "vm-instances?q=vmNics.ip=10.0.0.5",
        "--db",
        &postgres_url(),
        "--schema-name",
        &name,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("postgres plan:"), "{stdout}");
    assert!(stdout.contains("\"VmNicVO\""), "{stdout}");
    // `repl --db <URL>` answers there (lines piped in; `\\sql` shows the PostgreSQL SQL).
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zstack-query"))
        .args(["repl", "--db", &postgres_url(), "--schema-name", &name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(
                b"\\sql\nvm-instances?q=name~=web%25&count=true\nQueryVmInstance nmae=x\n\\q\n",
            )
            .expect("writes");
    }
    let out = child.wait_with_output().expect("the shell ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("LIKE (LOWER($1 COLLATE"), "{stdout}");
    assert!(stdout.contains(&web.to_string()), "{stdout}");
    assert!(stderr.contains("did you mean `name`?"), "{stderr}");
    // A bad query is the usual error, before any connection.
    let (code, _, stderr) = run(&["run", "vm-instances?q=nmae=x", "--db", &postgres_url()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("did you mean `name`?"), "{stderr}");
    pg.batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
        .expect("cleans up");
}
