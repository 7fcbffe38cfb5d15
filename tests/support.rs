//! Shared helpers: the engine and a small demo database per test thread.

use std::cell::RefCell;
use std::sync::OnceLock;

use rusqlite::Connection;
use zstack_query::Engine;
use zstack_query::exec::demo::DemoSize;

/// The demo size the golden files were blessed with.
pub const DEMO_VMS: usize = 600;

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::zstack().expect("the embedded schema loads"))
}

/// The engine with the case-sensitive option (design.md "String comparison").
pub fn case_sensitive_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::builder()
            .case_sensitive(true)
            .build()
            .expect("the embedded schema loads")
    })
}

thread_local! {
    static DEMO: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's demo database (built on first use).
pub fn with_demo<T>(f: impl FnOnce(&Connection) -> T) -> T {
    DEMO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut conn = Connection::open_in_memory().expect("in-memory SQLite opens");
            engine()
                .generate_demo(&mut conn, DemoSize { vms: DEMO_VMS })
                .expect("demo generates");
            *slot = Some(conn);
        }
        f(slot.as_ref().expect("set above"))
    })
}

/// The single integer of `sql` on the demo database.
pub fn scalar(sql: &str) -> i64 {
    with_demo(|c| {
        c.query_row(sql, [], |r| r.get(0))
            .expect("independent SQL runs")
    })
}
