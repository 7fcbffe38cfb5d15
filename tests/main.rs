//! All integration tests, in one binary (`autotests = false`).

// The binary: exit codes, rendering, `sql --json`, `fields`, the REPL in a pty.
mod cli;
// The docs: every error code is documented.
mod docs;
// No injection: properties and ZStack's known failures as named tests.
mod injection;
// Pathological inputs hit typed limits in bounded time.
mod limits;
// The direct SQL writer and the sea-query builder write the same statements.
mod emit_equivalence;
// Golden data: tests/golden/*.toml, the SQL per dialect, params and demo rows of each query.
mod golden;
// The live differential suite on real MariaDB and PostgreSQL servers (`--features live-db`).
#[cfg(feature = "live-db")]
mod live;
// The oracle: random queries on random small datasets, SQLite against an in-memory evaluator.
mod oracle;
// Normalized answers shared by the live suite and the oracle (the timestamp helpers serve the live
// suite only).
#[cfg_attr(not(feature = "live-db"), allow(dead_code))]
mod rows;
// The statement-shape cache agrees with full compiles.
mod cache;
// SQLite plans: indexed conditions are index searches.
mod plans;
// Semantics checked against the demo database by independent SQL.
mod semantics;
// Regressions: fuzz inputs and fixed bugs, replayed.
mod regression;
// Every resource of the schema compiles and runs; schema validation errors.
mod schema_all;
// The query server over loopback HTTP: endpoints, errors, the Java SDK's URLs, concurrency, curl.
#[cfg(feature = "server")]
mod server;
// The query server on PostgreSQL and MariaDB: the same JSON as on SQLite (`--features server,live-db`).
#[cfg(all(feature = "server", feature = "live-db"))]
mod remote;
// The playground in headless Chromium through chromedriver (fails when the browser is missing).
#[cfg(feature = "server")]
mod browser;
// Shared helpers: the demo database.
mod support;
