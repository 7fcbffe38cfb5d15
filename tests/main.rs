//! All integration tests, in one binary (`autotests = false`).

// The binary: exit codes, rendering, `sql --json`, `fields`, the REPL in a pty.
mod cli;
// Golden data: tests/golden/*.toml, the SQL per dialect, params and demo rows of each query.
mod golden;
// Semantics checked against the demo database by independent SQL.
mod semantics;
// Every resource of the schema compiles and runs; schema validation errors.
mod schema_all;
// The query server over loopback HTTP: endpoints, errors, the Java SDK's URLs, concurrency, curl.
#[cfg(feature = "server")]
mod server;
// The playground in headless Chromium through chromedriver (fails when the browser is missing).
#[cfg(feature = "server")]
mod browser;
// Shared helpers: the demo database.
mod support;
