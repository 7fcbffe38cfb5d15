//! parse → resolve → emit on arbitrary text, for each dialect: never a panic, every `Ok` is SQL
//! that SQLite can prepare (on the schema's tables) with as many placeholders as parameters, and
//! the direct writer writes what the sea-query builder writes for the same plan.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rusqlite::Connection;
use zstack_query::{Dialect, Engine};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::zstack().expect("the embedded schema loads"))
}

thread_local! {
    static CONN: Connection = {
        let c = Connection::open_in_memory().expect("opens");
        engine().create_tables(&c).expect("tables");
        c
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line may name the resource, as `Engine::compile`'s `resource` argument.
    let (resource, query) = match text.split_once('\n') {
        Some((r, q)) if !r.is_empty() && r.len() < 64 => (Some(r), q),
        _ => (None, text),
    };
    for d in Dialect::ALL {
        let Ok(sql) = engine().compile(resource, query, d) else { continue };
        let marks = match d {
            Dialect::Postgres => sql.main.text.matches('$').count(),
            _ => sql.main.text.matches('?').count(),
        };
        assert_eq!(marks, sql.main.params.len(), "{}", sql.main.text);
        if let Ok(plan) = engine().plan(resource, query) {
            let built = zstack_query::emit::emit_with_sea_query(&plan, engine().schema(), d);
            assert_eq!(sql, built, "the direct writer and sea-query differ");
        }
        if d == Dialect::Sqlite {
            CONN.with(|c| {
                let stmt = c.prepare(&sql.main.text).unwrap_or_else(|e| panic!("{e}: {}", sql.main.text));
                assert_eq!(stmt.parameter_count(), sql.main.params.len());
            });
        }
    }
});
