//! All integration tests, in one binary (`autotests = false`).

// The statement-shape cache agrees with full compiles.
mod cache;
// Golden data: tests/golden/*.toml, the SQL per dialect, params and demo rows of each query.
mod golden;
// SQLite plans: indexed conditions are index searches.
mod plans;
// Semantics checked against the demo database by independent SQL.
mod semantics;
// Shared helpers: the demo database.
mod support;
