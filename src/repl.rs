//! The interactive shell (`zstack-query repl`), part of the binary only: read a query in any form,
//! show rows as a table or JSON; Tab completes API names, paths, fields, operators' values and
//! parameters from [`zstack_query::introspect`], as zstack-cli does.
//!
//! Commands: `\sql` (show SQL for the next queries), `\explain`, `\dialect sqlite|mysql|postgres`,
//! `\json` / `\table` (output style), `\fields <API> [path.]`, `\help`, `\q`.

use std::borrow::Cow;

use rusqlite::Connection;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use serde_json::Value;
use zstack_query::{Dialect, Engine, Reply, introspect};

/// Completion from the engine's schema.
struct QueryHelper<'e> {
    engine: &'e Engine,
}

impl Completer for QueryHelper<'_> {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &before[start..];
        let schema = self.engine.schema();
        let candidates: Vec<String> = if start == 0 {
            // The first word: an API name.
            let mut apis: Vec<String> = schema
                .resources()
                .iter()
                .filter_map(|r| r.api)
                .filter(|a| {
                    a.to_ascii_lowercase()
                        .starts_with(&word.to_ascii_lowercase())
                })
                .map(|a| format!("{a} "))
                .collect();
            apis.sort();
            apis
        } else {
            let api = line.split_whitespace().next().unwrap_or("");
            introspect::complete(schema, api, word)
        };
        let pairs = candidates
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for QueryHelper<'_> {
    type Hint = String;
}
impl Highlighter for QueryHelper<'_> {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Borrowed(line)
    }
}
impl Validator for QueryHelper<'_> {}
impl Helper for QueryHelper<'_> {}

/// How rows are shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Table,
    Json,
}

/// Runs the shell on a SQLite database until `\q` or end of input.
pub fn run(engine: &Engine, conn: &Connection) -> anyhow::Result<()> {
    run_on(engine, Dialect::Sqlite, &mut |q| engine.run(conn, None, q))
}

/// Runs the shell until `\q` or end of input; `query` answers a query on the database, whose
/// dialect (`db_dialect`) is the one `\sql` shows first.
pub fn run_on(
    engine: &Engine,
    db_dialect: Dialect,
    query: &mut dyn FnMut(&str) -> Result<Reply, zstack_query::Error>,
) -> anyhow::Result<()> {
    let mut rl: Editor<QueryHelper<'_>, rustyline::history::FileHistory> = Editor::new()?;
    rl.set_helper(Some(QueryHelper { engine }));
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".zstack_query_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut style = Style::Table;
    let mut dialect = db_dialect;
    let mut show_sql = false;
    println!(
        "zstack-query shell: type a query (e.g. `QueryVmInstance state=Running limit=5`), Tab completes, \\help for commands"
    );
    loop {
        let line = match rl.readline("zstack> ") {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = rl.add_history_entry(line);
        if let Some(cmd) = line.strip_prefix('\\') {
            let mut words = cmd.split_whitespace();
            match words.next().unwrap_or("") {
                "q" | "quit" => break,
                "json" => style = Style::Json,
                "table" => style = Style::Table,
                "sql" => {
                    show_sql = !show_sql;
                    println!("showing SQL: {}", if show_sql { "on" } else { "off" });
                }
                "dialect" => match words.next().and_then(Dialect::from_name) {
                    Some(d) => {
                        dialect = d;
                        println!("dialect: {d}");
                    }
                    None => println!("usage: \\dialect sqlite|mysql|postgres"),
                },
                "explain" => {
                    let q = words.collect::<Vec<_>>().join(" ");
                    match engine.plan(None, &q) {
                        Ok(plan) => {
                            for n in &plan.notes {
                                println!("note: {n}");
                            }
                            let sql = zstack_query::emit::emit(&plan, engine.schema(), dialect);
                            println!("{}", sql.main.text);
                        }
                        Err(e) => eprintln!("{e}"),
                    }
                }
                "fields" => {
                    let api = words.next().unwrap_or("");
                    let prefix = words.next().unwrap_or("");
                    match introspect::point(engine.schema(), api, prefix) {
                        Ok(p) => print_point(&p),
                        Err(e) => eprintln!("{e}"),
                    }
                }
                _ => println!(
                    "commands: \\sql \\explain <query> \\dialect <d> \\json \\table \\fields <API> [path.] \\q"
                ),
            }
            continue;
        }
        if show_sql {
            match engine.compile(None, line, dialect) {
                Ok(sql) => {
                    println!("{}", sql.main.text);
                    let params: Vec<Value> = sql.main.params.iter().map(|p| p.to_json()).collect();
                    println!("-- params: {}", Value::from(params));
                }
                Err(e) => {
                    eprintln!("{e}");
                    continue;
                }
            }
        }
        match query(line) {
            Ok(reply) => match style {
                Style::Json => println!("{}", serde_json::to_string_pretty(&reply)?),
                Style::Table => print_table(&reply),
            },
            Err(e) => eprintln!("{e}"),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(())
}

/// Prints fields and relations at a point.
pub fn print_point(p: &introspect::Point) {
    println!("{} ({})", p.inventory, p.resource);
    for f in &p.fields {
        let values = if f.values.is_empty() {
            String::new()
        } else {
            format!(" [{}]", f.values.join(", "))
        };
        let stored = if f.native {
            ""
        } else {
            " (stored in another table)"
        };
        println!("  {:<28} {}{values}{stored}", f.name, f.ty);
    }
    if p.tags {
        println!("  {:<28} tag", "__systemTag__");
        println!("  {:<28} tag", "__userTag__");
    }
    for r in &p.relations {
        let alias = r
            .alias_of
            .as_ref()
            .map_or(String::new(), |a| format!(" (alias of {a})"));
        println!(
            "  {:<28} → {} ({}){alias}",
            format!("{}.", r.name),
            r.target,
            r.cardinality
        );
    }
    for c in &p.children {
        println!("  with `{}`: {} fields too", c.condition, c.resource);
    }
}

/// Rows as an aligned table, cells cut at 36 characters.
fn print_table(reply: &Reply) {
    let rows = reply
        .inventories
        .as_ref()
        .or(reply.inventory_counts.as_ref());
    if let Some(rows) = rows {
        let mut columns: Vec<String> = Vec::new();
        for row in rows {
            for k in row.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        let cell = |v: Option<&Value>| -> String {
            let s = match v {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            if s.chars().count() > 36 {
                format!("{}…", s.chars().take(35).collect::<String>())
            } else {
                s
            }
        };
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| {
                rows.iter()
                    .map(|r| cell(r.get(c)).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(c.chars().count())
            })
            .collect();
        let line = |cells: Vec<String>| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            println!("{}", parts.join(" | ").trim_end());
        };
        line(columns.clone());
        println!(
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("-+-")
        );
        for r in rows {
            line(columns.iter().map(|c| cell(r.get(c))).collect());
        }
        println!("({} rows)", rows.len());
    }
    if let Some(t) = reply.total {
        println!("total: {t}");
    }
}
