//! All integration tests, in one binary (`autotests = false`).

// Golden data: tests/golden/*.toml, the SQL per dialect, params and demo rows of each query.
mod golden;
// Semantics checked against the demo database by independent SQL.
mod semantics;
// Every resource of the schema compiles and runs; schema validation errors.
mod schema_all;
// Shared helpers: the demo database.
mod support;
