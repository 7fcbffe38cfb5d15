//! One `Engine`, shared by a pool of threads, each with its own SQLite connection: the shape a
//! server needs. `Engine` is `Send + Sync`; `rusqlite::Connection` is per thread.
//!
//! `cargo run --release --example threads`

use std::sync::Arc;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags};
use zstack_query::Engine;
use zstack_query::exec::demo::DemoSize;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Arc::new(Engine::zstack()?);
    let path = std::env::temp_dir().join(format!("zq-threads-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    engine.generate_demo(&mut Connection::open(&path)?, DemoSize { vms: 2_000 })?;
    let started = Instant::now();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let path = path.clone();
            std::thread::spawn(move || -> Result<usize, zstack_query::Error> {
                let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map_err(|e| {
                        zstack_query::Error::bare(zstack_query::ErrorKind::Database {
                            message: e.to_string(),
                        })
                    })?;
                let mut rows = 0;
                for i in 0..250 {
                    let q = format!(
                        "vm-instances?q=name=web-{}&q=vmNics.l3Network.name!=x&fields=uuid,name",
                        (t * 250 + i) * 5
                    );
                    let reply = engine.run(&conn, None, &q)?;
                    rows += reply.inventories.map_or(0, |v| v.len());
                }
                Ok(rows)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.join().expect("a worker panicked")?;
    }
    println!(
        "4 threads × 250 queries: {total} rows in {:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_file(&path);
    Ok(())
}
