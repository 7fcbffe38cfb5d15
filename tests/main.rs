//! All integration tests, in one binary (`autotests = false`).

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
// Semantics checked against the demo database by independent SQL.
mod semantics;
// Shared helpers: the demo database.
mod support;
