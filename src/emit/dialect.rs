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
    /// The engine's case-sensitive option on SQLite: the column side of a text comparison, sort or
    /// group gets `COLLATE BINARY` (the engine's DDL then declares text columns BINARY, so indexes
    /// still apply; on a database with NOCASE columns the result stays exact). `LIKE` becomes
    /// `GLOB` with the pattern translated (SQLite's `LIKE` ignores ASCII case whatever the
    /// collation).
    BinaryCollation,
    /// The case-sensitive option on MySQL / MariaDB: as [`CaseFold::CollationAndBinaryLower`]
    /// without the `LOWER()`: `col = ? AND CAST(col AS BINARY) = CAST(? AS BINARY)`; `LIKE`
    /// compares under `utf8mb4_bin`.
    CollationAndBinary,
    /// The case-sensitive option on PostgreSQL: the engine's `COLLATE "C"` columns already compare
    /// and order by bytes, and `LIKE` is case-sensitive: plain SQL.
    Plain,
}

impl CaseFold {
    /// The comparison and sort key of a text column under this folding, as a template whose
    /// placeholder is the column (`None`: the column itself).
    pub fn key_template(self) -> Option<&'static str> {
        match self {
            CaseFold::Collation | CaseFold::Plain => None,
            CaseFold::LowerBothSides => Some("LOWER($1)"),
            CaseFold::CollationAndBinaryLower => Some("CAST(LOWER(?) AS BINARY)"),
            CaseFold::BinaryCollation => Some("? COLLATE BINARY"),
            CaseFold::CollationAndBinary => Some("CAST(? AS BINARY)"),
        }
    }

    /// True when a plain comparison of the column with a value already has the intended meaning
    /// (the column's collation folds, or nothing is folded), so no key is built.
    pub fn compares_plainly(self) -> bool {
        matches!(self, CaseFold::Collation | CaseFold::Plain)
    }

    /// True when `col = ?` (through the column's `_ci` index) finds the candidates and a binary
    /// key comparison decides (MySQL / MariaDB).
    pub fn candidates_then_exact(self) -> bool {
        matches!(
            self,
            CaseFold::CollationAndBinaryLower | CaseFold::CollationAndBinary
        )
    }
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

    /// How string comparison ignores case here (the engine's default).
    pub fn case_fold(self) -> CaseFold {
        self.text_comparison(false)
    }

    /// How text compares here: ignoring ASCII case (the default, design.md "String comparison"),
    /// or exactly, by bytes (the engine's case-sensitive option).
    pub fn text_comparison(self, case_sensitive: bool) -> CaseFold {
        match (self, case_sensitive) {
            (Dialect::Sqlite, false) => CaseFold::Collation,
            (Dialect::Mysql, false) => CaseFold::CollationAndBinaryLower,
            (Dialect::Postgres, false) => CaseFold::LowerBothSides,
            (Dialect::Sqlite, true) => CaseFold::BinaryCollation,
            (Dialect::Mysql, true) => CaseFold::CollationAndBinary,
            (Dialect::Postgres, true) => CaseFold::Plain,
        }
    }

    /// The case-folded comparison and sort key of a text expression, as a template whose
    /// placeholder is the expression (`None`: the expression itself, its collation folds).
    pub fn fold_key(self) -> Option<&'static str> {
        self.case_fold().key_template()
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

    /// The identifier quote (sea-query's: `"`, or `` ` `` on MySQL).
    pub(crate) fn quote(self) -> char {
        match self {
            Dialect::Mysql => '`',
            Dialect::Sqlite | Dialect::Postgres => '"',
        }
    }

    /// The literal `\` as sea-query writes the `ESCAPE` constant where [`Dialect::like_escape`]
    /// gives none.
    pub(crate) fn escape_literal(self) -> &'static str {
        match self {
            Dialect::Postgres => r"E'\\'",
            Dialect::Sqlite | Dialect::Mysql => r"'\'",
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
