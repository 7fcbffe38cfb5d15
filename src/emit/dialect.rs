//! The SQL dialects as values that answer questions (sqlparser-rs style): emit asks "how does this
//! dialect fold case?", never "is this MySQL?". The only `match` on the variants is here.

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, SelectStatement, SqlWriter, SqliteQueryBuilder,
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

/// How a dialect makes string comparison ignore ASCII case (design.md "String comparison";
/// docs/dialects.md has the facts behind each choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseFold {
    /// The columns' collation does it (SQLite `COLLATE NOCASE` in the engine's DDL), so plain `=`,
    /// `IN`, `LIKE` and `ORDER BY` keep using indexes and already order by the lowercase bytes.
    Collation,
    /// `lower()` on both sides and in `ORDER BY` (PostgreSQL has no case-insensitive deterministic
    /// collation; the engine's DDL declares text columns `COLLATE "C"`, so `lower()` folds ASCII
    /// only and order is by bytes, and adds matching `lower(col)` expression indexes).
    LowerBothSides,
    /// MySQL / MariaDB: the column's `_ci` collation finds the candidates (`col = ?` and `col IN
    /// (…)` keep using indexes), and the binary string of `LOWER(x)` decides: it has no PAD SPACE
    /// (`'a' = 'a '` is true in a `_ci` collation), no accent folding, and orders by the lowercase
    /// bytes like SQLite's NOCASE (a `_ci` collation sorts by uppercase weights, so `_` would come
    /// after the letters).
    CollationAndBinaryLower,
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
            Dialect::Sqlite => CaseFold::Collation,
            Dialect::Mysql => CaseFold::CollationAndBinaryLower,
            Dialect::Postgres => CaseFold::LowerBothSides,
        }
    }

    /// The case-folded comparison and sort key of a text expression, as a template whose
    /// placeholder is the expression (`None`: the expression itself, its collation folds).
    pub fn fold_key(self) -> Option<&'static str> {
        match self.case_fold() {
            CaseFold::Collation => None,
            CaseFold::LowerBothSides => Some("LOWER($1)"),
            CaseFold::CollationAndBinaryLower => Some("CAST(LOWER(?) AS BINARY)"),
        }
    }

    /// The value shown for a text group of `groupBy` (a group holds spellings that differ in case):
    /// the smallest spelling by bytes, so every dialect shows the same one.
    pub fn group_value(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MIN(? COLLATE BINARY)",
            Dialect::Mysql => "CONVERT(MIN(CAST(? AS BINARY)) USING utf8mb4)",
            Dialect::Postgres => "MIN($1)",
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

    /// A timestamp column as the text `LIKE` sees: the storage form `YYYY-MM-DD HH:MM:SS`, with a
    /// fraction only when it is not zero (MySQL's DATETIME(3) prints `.000`, PostgreSQL's text
    /// form depends on `DateStyle`). `None`: the column is stored as that text (SQLite).
    pub fn timestamp_text(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Mysql => Some(
                "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM DATE_FORMAT(?, '%Y-%m-%d %H:%i:%s.%f')))",
            ),
            Dialect::Postgres => {
                Some("RTRIM(RTRIM(TO_CHAR($1, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')")
            }
        }
    }

    /// The `ESCAPE` operand naming `\`: MySQL's `'\\'` would break under `NO_BACKSLASH_ESCAPES`,
    /// so it gets `CHAR(92)`; `None` means the plain literal.
    pub fn like_escape(self) -> Option<&'static str> {
        match self {
            Dialect::Mysql => Some("CHAR(92)"),
            Dialect::Sqlite | Dialect::Postgres => None,
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

    /// True when placeholders are numbered (`$1`, `$2`: PostgreSQL) rather than all `?`.
    pub(crate) fn numbered_placeholders(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// Renders a sea-query statement for this dialect into `out`: SQL text, and each bound value
    /// handed to the writer as sea-query meets it.
    pub(crate) fn build_into(self, stmt: &SelectStatement, out: &mut impl SqlWriter) {
        match self {
            Dialect::Sqlite => stmt.build_collect_into(SqliteQueryBuilder, out),
            Dialect::Mysql => stmt.build_collect_into(MysqlQueryBuilder, out),
            Dialect::Postgres => stmt.build_collect_into(PostgresQueryBuilder, out),
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
