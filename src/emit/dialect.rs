//! The SQL dialects as values that answer questions (sqlparser-rs style): emit asks "how does this
//! dialect fold case?", never "is this MySQL?". The only `match` on the variants is here.

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Values,
};

/// A target SQL dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3 (the embedded default).
    Sqlite,
    /// MySQL / MariaDB (ZStack's own database).
    Mysql,
    /// PostgreSQL.
    Postgres,
}

/// How a dialect makes string comparison ignore ASCII case (design.md "String comparison").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseFold {
    /// The columns' collation does it (SQLite `COLLATE NOCASE` in the engine's DDL; MySQL's `_ci`
    /// default collation in ZStack's schema), so plain `=`, `IN`, `LIKE` keep using indexes.
    Collation,
    /// `lower()` on both sides and `ILIKE` (PostgreSQL has no case-insensitive default collation;
    /// the engine's DDL adds matching `lower(col)` expression indexes).
    LowerBothSides,
}

impl Dialect {
    /// All dialects, for tests and tools.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Mysql, Dialect::Postgres];

    /// The name used on the command line (`sqlite`, `mysql`, `postgres`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Mysql => "mysql",
            Dialect::Postgres => "postgres",
        }
    }

    /// Parses a command-line name (`postgresql`, `pg`, `mariadb` accepted too).
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// How string comparison ignores case here.
    pub fn case_fold(self) -> CaseFold {
        match self {
            Dialect::Sqlite | Dialect::Mysql => CaseFold::Collation,
            Dialect::Postgres => CaseFold::LowerBothSides,
        }
    }

    /// Whether NULL must be placed explicitly to sort lowest. SQLite and MySQL already sort NULL
    /// first ascending and last descending; PostgreSQL does the opposite by default.
    pub fn explicit_nulls_order(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// The type a text parameter must be cast to when compared with a timestamp column, if the
    /// dialect does not convert implicitly (PostgreSQL types `$n` from the column otherwise).
    pub fn timestamp_cast(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some("timestamp"),
            Dialect::Sqlite | Dialect::Mysql => None,
        }
    }

    /// The type a non-text column is cast to for LIKE (PostgreSQL has no LIKE on timestamps).
    pub fn like_text_cast(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some("text"),
            Dialect::Sqlite | Dialect::Mysql => None,
        }
    }

    /// Case-sensitive comparison of a text column, for the engine's case-sensitive option: the
    /// collation to apply (`None` when the dialect is case-sensitive already).
    pub fn binary_collation(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => Some("BINARY"),
            Dialect::Mysql => Some("utf8mb4_bin"),
            Dialect::Postgres => None,
        }
    }

    /// Renders a sea-query statement for this dialect: SQL text and the bound values in order.
    pub(crate) fn build(self, stmt: &SelectStatement) -> (String, Values) {
        match self {
            Dialect::Sqlite => stmt.build(SqliteQueryBuilder),
            Dialect::Mysql => stmt.build(MysqlQueryBuilder),
            Dialect::Postgres => stmt.build(PostgresQueryBuilder),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
