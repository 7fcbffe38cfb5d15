//! The `zstack-query` command line: a thin client of the library's [`Engine`].
//!
//! ```text
//! zstack-query run '<query>' [--resource R] [--db PATH | mysql://… | postgres://…] [--schema-name NAME] [--demo-size N]
//! zstack-query sql '<query>' [--resource R] [--dialect sqlite|mysql|postgres] [--json]
//! zstack-query explain '<query>' [--resource R] [--dialect D] [--db PATH | mysql://… | postgres://…]
//! zstack-query resources [--all]
//! zstack-query schema --cycles | --graph [--resource R] [--output FILE.dot|FILE.png]
//! zstack-query fields <API> [path.] [--json]
//! zstack-query repl [--db PATH | mysql://… | postgres://…]
//! zstack-query demo [--db PATH | mysql://… | postgres://…] [--schema-name NAME] [--demo-size N]
//! zstack-query serve [--db PATH | mysql://… | postgres://…] [--schema-name NAME] [--listen ADDR]
//!                    [--connections N]   (feature `server`)
//! ```
//! Exit status: 0 on success, 2 on any error (the error, with a caret under the input, on stderr).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

mod repl;

use anyhow::{Context, anyhow, bail};
use rusqlite::Connection;
use zstack_query::exec::demo::DemoSize;
use zstack_query::{Dialect, Engine, Error};

const USAGE: &str = "usage:
  zstack-query run '<query>' [--resource R] [--db PATH | mysql://URL | postgres://URL] [--schema-name NAME]
                   [--demo-size N]
  zstack-query sql '<query>' [--resource R] [--dialect sqlite|mysql|postgres] [--json]
  zstack-query explain '<query>' [--resource R] [--dialect D] [--db PATH | mysql://URL | postgres://URL]
  zstack-query resources [--all]
  zstack-query schema --cycles | --graph [--resource R] [--output FILE.dot|FILE.png]
  zstack-query fields <API> [path.] [--json]
  zstack-query repl [--db PATH | mysql://URL | postgres://URL]
  zstack-query demo [--db PATH | mysql://URL | postgres://URL] [--schema-name NAME] [--demo-size N]
  zstack-query serve [--db PATH | mysql://URL | postgres://URL] [--schema-name NAME]
                     [--listen 127.0.0.1:8080] [--connections N]

A query is a REST query string (`vm-instances?q=name=vm1&limit=10`), a zstack-cli line
(`QueryVmInstance name=vm1 limit=10`) or an SDK JSON message (`{\"api\":\"QueryVmInstance\",\"conditions\":[...]}`).
`run` creates the demo database on first use (ZSTACK_QUERY_DB or ~/.cache/zstack-query/demo.sqlite).
`serve` answers ZStack's GET /zstack/v1/<rest-path>?q=... and serves the playground at /
(built with `--features server`), from SQLite or from MySQL/MariaDB or PostgreSQL given a URL
(`--schema-name`: the MySQL database or PostgreSQL schema holding the tables).
`--case-sensitive` (any command) compares text exactly instead of ignoring ASCII case.
`demo --db mysql://…|postgres://…` loads the demo cloud there (features `mysql`, `postgres`;
the schema's tables are dropped and recreated, other tables are left alone).";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            match e.downcast_ref::<Error>() {
                Some(err) => eprintln!("{err}"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}

/// Parsed command-line options.
#[derive(Default)]
struct Args {
    positional: Vec<String>,
    resource: Option<String>,
    dialect: Option<Dialect>,
    json: bool,
    db: Option<PathBuf>,
    demo_size: Option<usize>,
    cycles: bool,
    /// `--case-sensitive`: text compares exactly.
    case_sensitive: bool,
    graph: bool,
    all: bool,
    cache: Option<usize>,
    output: Option<PathBuf>,
    listen: Option<String>,
    connections: Option<usize>,
    schema_name: Option<String>,
}

fn parse_args(raw: impl Iterator<Item = String>) -> anyhow::Result<Args> {
    let mut a = Args::default();
    let mut it = raw.peekable();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| anyhow!("{name} needs a value"));
        match arg.as_str() {
            "--resource" | "-r" => a.resource = Some(value("--resource")?),
            "--dialect" | "-d" => {
                let v = value("--dialect")?;
                a.dialect =
                    Some(Dialect::from_name(&v).ok_or_else(|| {
                        anyhow!("unknown dialect `{v}` (sqlite, mysql, postgres)")
                    })?);
            }
            "--json" => a.json = true,
            "--db" => a.db = Some(PathBuf::from(value("--db")?)),
            "--demo-size" => {
                a.demo_size = Some(
                    value("--demo-size")?
                        .parse()
                        .context("--demo-size takes a number of VMs")?,
                )
            }
            "--listen" => a.listen = Some(value("--listen")?),
            "--schema-name" => a.schema_name = Some(value("--schema-name")?),
            "--connections" => {
                a.connections = Some(
                    value("--connections")?
                        .parse()
                        .context("--connections takes a number")?,
                )
            }
            "--cycles" => a.cycles = true,
            "--case-sensitive" => a.case_sensitive = true,
            "--all" => a.all = true,
            "--cache" => {
                a.cache = Some(
                    value("--cache")?
                        .parse()
                        .context("--cache takes a number of shapes")?,
                )
            }
            "--graph" => a.graph = true,
            "--output" | "-o" => a.output = Some(PathBuf::from(value("--output")?)),
            "-h" | "--help" => a.positional.insert(0, "help".into()),
            s if s.starts_with("--") => bail!("unknown option `{s}`\n{USAGE}"),
            _ => a.positional.push(arg),
        }
    }
    Ok(a)
}

fn default_db() -> PathBuf {
    if let Some(p) = std::env::var_os("ZSTACK_QUERY_DB") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("zstack-query").join("demo.sqlite")
}

/// `--db` when it is a MySQL or PostgreSQL URL: (is PostgreSQL, the URL).
fn db_url(args: &Args) -> Option<(bool, &str)> {
    let db = args.db.as_deref()?.to_str()?;
    let lower = db.get(..13).unwrap_or(db).to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Some((true, db))
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        Some((false, db))
    } else {
        None
    }
}

/// Opens the demo database, creating and filling it on first use.
fn open_demo(engine: &Engine, args: &Args, fresh: bool) -> anyhow::Result<Connection> {
    if let Some((_, url)) = db_url(args) {
        bail!(
            "`--db {url}`: this command runs on a SQLite file; `run`, `explain`, `repl`, \
             `serve` and `demo` take a MySQL or PostgreSQL URL"
        );
    }
    let path = args.db.clone().unwrap_or_else(default_db);
    let exists = path.exists();
    if fresh && exists {
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    if !exists || fresh {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut conn =
            Connection::open(&tmp).with_context(|| format!("opening {}", tmp.display()))?;
        let size = DemoSize {
            vms: args.demo_size.unwrap_or(DemoSize::default().vms),
        };
        eprintln!(
            "creating the demo cloud ({} VMs) in {} …",
            size.vms,
            path.display()
        );
        let counts = engine.generate_demo(&mut conn, size)?;
        drop(conn);
        std::fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))?;
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        eprintln!("done: {total} rows");
    }
    let conn = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
    // The REPL runs many shapes on one connection.
    zstack_query::exec::keep_prepared_statements(&conn);
    Ok(conn)
}

fn query_arg(args: &Args) -> anyhow::Result<&str> {
    args.positional
        .get(1)
        .map(String::as_str)
        .ok_or_else(|| anyhow!("missing the query\n{USAGE}"))
}

fn run() -> anyhow::Result<ExitCode> {
    let args = parse_args(std::env::args().skip(1))?;
    // `--cache N` sizes the statement-shape cache (0 turns it off, for comparison);
    // `--case-sensitive` compares text exactly (design.md "String comparison").
    let mut builder = Engine::builder();
    if let Some(n) = args.cache {
        builder.shape_cache(n);
    }
    let engine = builder.case_sensitive(args.case_sensitive).build()?;
    let out = std::io::stdout();
    let mut out = out.lock();
    let cmd = args
        .positional
        .first()
        .map(String::as_str)
        .unwrap_or("help");
    match cmd {
        "run" => {
            let q = query_arg(&args)?;
            let reply = match db_url(&args) {
                Some((postgres, url)) => {
                    // Compile first: a bad query should not wait for a connection.
                    let sql = engine
                        .compile(args.resource.as_deref(), q, Remote::dialect(postgres))
                        .map_err(|e| e.with_input(q))?;
                    Remote::connect(postgres, url, args.schema_name.as_deref())?.run(&sql)?
                }
                None => {
                    // Compile first: a bad query should not wait for the demo database.
                    engine.compile(args.resource.as_deref(), q, Dialect::Sqlite)?;
                    let conn = open_demo(&engine, &args, false)?;
                    engine.run(&conn, args.resource.as_deref(), q)?
                }
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&reply)?)?;
        }
        "sql" => {
            let q = query_arg(&args)?;
            let dialect = args.dialect.unwrap_or(Dialect::Sqlite);
            let sql = engine.compile(args.resource.as_deref(), q, dialect)?;
            if args.json {
                let params: Vec<_> = sql.main.params.iter().map(|p| p.to_json()).collect();
                let obj = serde_json::json!({
                    "sql": &*sql.main.text,
                    "params": params,
                    "count_sql": sql.count.as_ref().map(|c| &*c.text),
                    "count_params": sql.count.as_ref().map(|c| c.params.iter().map(|p| p.to_json()).collect::<Vec<_>>()),
                });
                writeln!(out, "{obj}")?;
            } else {
                writeln!(out, "{}", sql.main.text)?;
                writeln!(
                    out,
                    "-- params: {}",
                    serde_json::Value::from(
                        sql.main
                            .params
                            .iter()
                            .map(|p| p.to_json())
                            .collect::<Vec<_>>()
                    )
                )?;
                if let Some(c) = &sql.count {
                    writeln!(out, "{}", c.text)?;
                    writeln!(
                        out,
                        "-- params: {}",
                        serde_json::Value::from(
                            c.params.iter().map(|p| p.to_json()).collect::<Vec<_>>()
                        )
                    )?;
                }
            }
        }
        "explain" => {
            let q = query_arg(&args)?;
            let dialect = args.dialect.unwrap_or(Dialect::Sqlite);
            let plan = engine.plan(args.resource.as_deref(), q)?;
            let schema = engine.schema();
            writeln!(
                out,
                "resource: {}",
                schema.resource(plan.root.resource).inventory
            )?;
            explain_scope(&mut out, schema, &plan.root, 0)?;
            if plan.notes.is_empty() {
                writeln!(out, "notes: none")?;
            }
            for n in &plan.notes {
                writeln!(out, "note: {n}")?;
            }
            let sql = zstack_query::emit::emit(&plan, schema, dialect);
            writeln!(out, "sql ({dialect}): {}", sql.main.text)?;
            writeln!(
                out,
                "params: {}",
                serde_json::Value::from(
                    sql.main
                        .params
                        .iter()
                        .map(|p| p.to_json())
                        .collect::<Vec<_>>()
                )
            )?;
            if let Some(c) = &sql.count {
                writeln!(out, "count sql: {}", c.text)?;
            }
            if let Some((postgres, url)) = db_url(&args) {
                // The plan of the server named by `--db`, for the statement in its dialect.
                let dialect = Remote::dialect(postgres);
                let sql = zstack_query::emit::emit(&plan, schema, dialect);
                writeln!(out, "{dialect} plan:")?;
                let mut remote = Remote::connect(postgres, url, args.schema_name.as_deref())?;
                for line in remote.explain(&sql.main)? {
                    writeln!(out, "  {line}")?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let sqlite = zstack_query::emit::emit(&plan, schema, Dialect::Sqlite);
            let conn = open_demo(&engine, &args, false)?;
            writeln!(out, "sqlite plan:")?;
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", sqlite.main.text))?;
            let params: Vec<rusqlite::types::Value> = sqlite
                .main
                .params
                .iter()
                .map(zstack_query::exec::sqlite_param)
                .collect();
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(row) = rows.next()? {
                let detail: String = row.get(3)?;
                writeln!(out, "  {detail}")?;
            }
        }
        "resources" => {
            // Every resource with a Query API (`--all`: every resource, ref tables and child
            // types too); `-` where ZStack documents no REST path.
            for r in engine.schema().resources() {
                if r.api.is_none() && !args.all {
                    continue;
                }
                let api = r.api.unwrap_or("-");
                let path = r.rest_path.unwrap_or("-");
                writeln!(out, "{api}\t{path}\t{}\t{}", r.table, r.name)?;
            }
        }
        "schema" => {
            let schema = engine.schema();
            if args.graph {
                // With --resource, only the edges touching it (its neighbourhood).
                let focus = match &args.resource {
                    Some(r) => Some(
                        schema
                            .lookup(r)
                            .ok_or_else(|| anyhow!("unknown resource `{r}`"))?,
                    ),
                    None => None,
                };
                let mut dot = String::from(
                    "digraph zstack {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
                );
                for (from, name, to) in schema.graph().edges() {
                    if focus.is_some_and(|f| f != from && f != to) {
                        continue;
                    }
                    dot.push_str(&format!(
                        "  \"{}\" -> \"{}\" [label=\"{name}\"];\n",
                        schema.resource(from).name,
                        schema.resource(to).name
                    ));
                }
                dot.push_str("}\n");
                match &args.output {
                    // A PNG through Graphviz when it is installed.
                    Some(path) if path.extension().is_some_and(|e| e == "png") => {
                        let mut child = std::process::Command::new("dot")
                            .args(["-Tpng", "-o"])
                            .arg(path)
                            .stdin(std::process::Stdio::piped())
                            .spawn()
                            .context(
                                "running Graphviz `dot` (install graphviz, or write a .dot file)",
                            )?;
                        child
                            .stdin
                            .take()
                            .context("dot's stdin")?
                            .write_all(dot.as_bytes())?;
                        if !child.wait()?.success() {
                            bail!("Graphviz `dot` failed");
                        }
                        eprintln!("wrote {}", path.display());
                    }
                    Some(path) => std::fs::write(path, dot)
                        .with_context(|| format!("writing {}", path.display()))?,
                    None => out.write_all(dot.as_bytes())?,
                }
            } else if args.cycles {
                let cycles = schema.graph().cycles();
                for (i, c) in cycles.iter().enumerate() {
                    let names: Vec<&str> = c
                        .resources
                        .iter()
                        .map(|r| schema.resource(*r).name)
                        .collect();
                    writeln!(
                        out,
                        "component {} ({} resources): {}",
                        i + 1,
                        names.len(),
                        names.join(", ")
                    )?;
                }
                writeln!(
                    out,
                    "{} strongly connected components with cycles",
                    cycles.len()
                )?;
            } else {
                let fields: usize = schema.resources().iter().map(|r| r.fields.len()).sum();
                let relations: usize = schema.resources().iter().map(|r| r.relations.len()).sum();
                let aliases: usize = schema.resources().iter().map(|r| r.aliases.len()).sum();
                writeln!(
                    out,
                    "{} resources, {fields} fields, {relations} relations, {aliases} aliases",
                    schema.len()
                )?;
            }
        }
        "demo" => match db_url(&args) {
            Some((postgres, url)) => load_demo(&engine, &args, postgres, url)?,
            None => drop(open_demo(&engine, &args, true)?),
        },
        "fields" => {
            let api = args
                .positional
                .get(1)
                .ok_or_else(|| anyhow!("missing the API name\n{USAGE}"))?;
            let prefix = args.positional.get(2).map_or("", String::as_str);
            let point = zstack_query::introspect::point(engine.schema(), api, prefix)?;
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&point)?)?;
            } else {
                drop(out);
                repl::print_point(&point);
                return Ok(ExitCode::SUCCESS);
            }
        }
        "repl" => {
            drop(out);
            match db_url(&args) {
                Some((postgres, url)) => {
                    let dialect = Remote::dialect(postgres);
                    let mut remote = Remote::connect(postgres, url, args.schema_name.as_deref())?;
                    repl::run_on(&engine, dialect, &mut |q| {
                        let sql = engine
                            .compile(None, q, dialect)
                            .map_err(|e| e.with_input(q))?;
                        remote.run(&sql)
                    })?;
                }
                None => {
                    let conn = open_demo(&engine, &args, false)?;
                    repl::run(&engine, &conn)?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        "serve" => {
            drop(out);
            return serve(engine, &args);
        }
        "help" => {
            writeln!(out, "{USAGE}")?;
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo cloud (`--demo-size`), generated in memory.
#[cfg(any(feature = "mysql", feature = "postgres"))]
fn demo_in_memory(engine: &Engine, args: &Args) -> anyhow::Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    let size = DemoSize {
        vms: args.demo_size.unwrap_or(DemoSize::default().vms),
    };
    engine.generate_demo(&mut conn, size)?;
    Ok(conn)
}

/// `demo --db <mysql:// | postgres:// URL>`: the demo cloud, generated in SQLite, loaded into
/// the server's database (MySQL) or schema (PostgreSQL; `--schema-name` creates it if needed).
fn load_demo(engine: &Engine, args: &Args, postgres: bool, url: &str) -> anyhow::Result<()> {
    let loaded = if postgres {
        load_postgres(engine, args, url)?
    } else {
        load_mysql(engine, args, url)?
    };
    let total: usize = loaded.iter().map(|(_, n)| n).sum();
    eprintln!(
        "loaded the demo cloud into {url}{}: {total} rows in {} tables",
        args.schema_name
            .as_deref()
            .map_or(String::new(), |n| format!(" ({n})")),
        loaded.len()
    );
    Ok(())
}

/// A MySQL/MariaDB or PostgreSQL server named by `--db` (`--schema-name`: the database or
/// schema holding the tables), for `run`, `explain` and `repl`. PostgreSQL statements stay
/// prepared for the connection's life.
enum Remote {
    #[cfg(feature = "mysql")]
    Mysql(mysql::Conn),
    #[cfg(feature = "postgres")]
    Postgres(Box<zstack_query::exec::postgres::PreparedClient>),
}

impl Remote {
    /// The dialect of a `--db` URL (see [`db_url`]).
    fn dialect(postgres: bool) -> Dialect {
        if postgres {
            Dialect::Postgres
        } else {
            Dialect::Mysql
        }
    }

    fn connect(postgres: bool, url: &str, schema_name: Option<&str>) -> anyhow::Result<Remote> {
        #[cfg(feature = "postgres")]
        if postgres {
            let client = zstack_query::exec::postgres::connect(url, schema_name)?;
            return Ok(Remote::Postgres(Box::new(
                zstack_query::exec::postgres::PreparedClient::new(client),
            )));
        }
        #[cfg(feature = "mysql")]
        if !postgres {
            return Ok(Remote::Mysql(zstack_query::exec::mysql::connect(
                url,
                schema_name,
            )?));
        }
        let _ = (url, schema_name);
        bail!(
            "`--db` on {} needs the `{}` feature (or `server`)",
            if postgres { "PostgreSQL" } else { "MySQL" },
            if postgres { "postgres" } else { "mysql" }
        )
    }

    /// Runs statements compiled for this server's dialect.
    #[cfg_attr(
        not(any(feature = "mysql", feature = "postgres")),
        allow(unused_variables)
    )]
    fn run(&mut self, sql: &zstack_query::Sql) -> Result<zstack_query::Reply, Error> {
        match *self {
            #[cfg(feature = "mysql")]
            Remote::Mysql(ref mut conn) => zstack_query::exec::mysql::run(conn, sql),
            #[cfg(feature = "postgres")]
            Remote::Postgres(ref mut client) => client.run(sql),
        }
    }

    /// The server's `EXPLAIN` lines for a statement in its dialect.
    #[cfg_attr(
        not(any(feature = "mysql", feature = "postgres")),
        allow(unused_variables)
    )]
    fn explain(&mut self, st: &zstack_query::emit::Statement) -> Result<Vec<String>, Error> {
        match *self {
            #[cfg(feature = "mysql")]
            Remote::Mysql(ref mut conn) => zstack_query::exec::mysql::explain(conn, st),
            #[cfg(feature = "postgres")]
            Remote::Postgres(ref mut client) => {
                zstack_query::exec::postgres::explain(client.client(), st)
            }
        }
    }
}

/// Rows loaded per table.
type Loaded = Vec<(&'static str, usize)>;

#[cfg(feature = "postgres")]
fn load_postgres(engine: &Engine, args: &Args, url: &str) -> anyhow::Result<Loaded> {
    use zstack_query::exec::postgres;
    let sqlite = demo_in_memory(engine, args)?;
    let mut client = postgres::connect(url, None)?;
    if let Some(name) = &args.schema_name {
        postgres::create_schema(&mut client, name)?;
    }
    Ok(postgres::load_from_sqlite(
        &mut client,
        engine.schema(),
        &sqlite,
    )?)
}

#[cfg(not(feature = "postgres"))]
fn load_postgres(_: &Engine, _: &Args, _: &str) -> anyhow::Result<Loaded> {
    bail!("loading into PostgreSQL needs the `postgres` feature (or `server`)")
}

#[cfg(feature = "mysql")]
fn load_mysql(engine: &Engine, args: &Args, url: &str) -> anyhow::Result<Loaded> {
    use zstack_query::exec::mysql;
    let sqlite = demo_in_memory(engine, args)?;
    let mut conn = mysql::connect(url, None)?;
    if let Some(name) = &args.schema_name {
        mysql::create_database(&mut conn, name)?;
    }
    Ok(mysql::load_from_sqlite(
        &mut conn,
        engine.schema(),
        &sqlite,
    )?)
}

#[cfg(not(feature = "mysql"))]
fn load_mysql(_: &Engine, _: &Args, _: &str) -> anyhow::Result<Loaded> {
    bail!("loading into MySQL needs the `mysql` feature (or `server`)")
}

/// `serve`: the query server and playground on the demo database (or `--db`), until killed.
#[cfg(feature = "server")]
fn serve(engine: Engine, args: &Args) -> anyhow::Result<ExitCode> {
    use zstack_query::server;
    let mut config = match db_url(args) {
        Some((_, url)) => server::Config::new(url),
        None => {
            // Creates the demo database when the file does not exist yet, as `run` does.
            drop(open_demo(&engine, args, false)?);
            server::Config::new(args.db.clone().unwrap_or_else(default_db))
        }
    };
    if let Some(n) = args.connections {
        config.connections = n;
    }
    config.schema_name.clone_from(&args.schema_name);
    let listen = args.listen.as_deref().unwrap_or("127.0.0.1:8080");
    let app = server::router(engine, &config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        eprintln!(
            "zstack-query: serving {} on http://{}/ (playground at /, queries at /zstack/v1/<rest-path>?q=...)",
            config.db.display(),
            listener.local_addr()?
        );
        server::serve(listener, app).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Without the `server` feature there is no server to start: say how to get one.
#[cfg(not(feature = "server"))]
fn serve(_engine: Engine, args: &Args) -> anyhow::Result<ExitCode> {
    let _ = (&args.listen, args.connections, &args.schema_name);
    bail!(
        "`serve` is not in this build: rebuild with the `server` feature \
         (`cargo run --release --features server -- serve`, or `cargo install --features server`)"
    )
}

fn explain_scope(
    out: &mut impl Write,
    schema: &zstack_query::schema::Schema,
    scope: &zstack_query::plan::Scope,
    depth: usize,
) -> anyhow::Result<()> {
    let pad = "  ".repeat(depth + 1);
    for p in &scope.predicates {
        match p {
            zstack_query::plan::Predicate::Field { column, test, .. } => {
                writeln!(out, "{pad}{} {test:?}", column.field)?
            }
            zstack_query::plan::Predicate::Tag {
                table,
                negated,
                test,
                ..
            } => writeln!(
                out,
                "{pad}{} {}{test:?}",
                table.table(),
                if *negated {
                    "has no tag "
                } else {
                    "has a tag "
                }
            )?,
        }
    }
    for (hop, child) in &scope.children {
        writeln!(
            out,
            "{pad}hop `{}` ({:?}) → {} ({} = {})",
            hop.name,
            hop.cardinality,
            schema.resource(child.resource).inventory,
            hop.local.1,
            hop.remote.1
        )?;
        explain_scope(out, schema, child, depth + 1)?;
    }
    Ok(())
}
