//! DDL from the schema: one table per distinct `table` (a child's table holds its primary key and
//! its own columns), with the indexes the queries need (relation keys, `index = true` fields, the
//! tag tables). SQLite string columns are `COLLATE NOCASE` (design.md "String comparison").

use std::collections::BTreeMap;

use crate::emit::Dialect;
use crate::schema::{Cardinality, FieldType, Schema};

/// A table to create: its columns (name, type) in order, the primary-key column, and the columns
/// to index.
#[derive(Clone, Debug, Default)]
pub struct TableDef {
    /// Columns with their types, first definition wins.
    pub columns: Vec<(&'static str, FieldType)>,
    /// The primary-key column.
    pub primary_key: &'static str,
    /// Indexed columns.
    pub indexes: Vec<&'static str>,
}

/// Every table of the schema, by name (sorted, so DDL is deterministic).
pub fn tables(schema: &Schema) -> BTreeMap<&'static str, TableDef> {
    let mut out: BTreeMap<&'static str, TableDef> = BTreeMap::new();
    for r in schema.resources() {
        let pk_col = schema
            .field(r.id, r.primary_key)
            .map_or(r.primary_key, |f| f.field.column);
        let pk_ty = schema
            .field(r.id, r.primary_key)
            .map_or(FieldType::String, |f| f.field.ty.clone());
        let t = out.entry(r.table).or_default();
        t.primary_key = pk_col;
        if !t.columns.iter().any(|(c, _)| *c == pk_col) {
            t.columns.push((pk_col, pk_ty));
        }
        for f in r.fields.iter().filter(|f| f.is_native()) {
            if !t.columns.iter().any(|(c, _)| *c == f.column) {
                t.columns.push((f.column, f.ty.clone()));
            }
            if f.index && !t.indexes.contains(&f.column) {
                t.indexes.push(f.column);
            }
        }
    }
    // Keys of relations and of `stored_in` fields are indexed where they are looked up.
    let mut wanted: Vec<(&'static str, &'static str)> = Vec::new();
    for r in schema.resources() {
        for rel in &r.relations {
            let (res, key) = match rel.cardinality {
                Cardinality::One => (r.id, rel.local_key),
                Cardinality::Many => (rel.target, rel.remote_key),
            };
            if let Some(f) = schema.field(res, key) {
                wanted.push((schema.resource(f.owner).table, f.field.column));
            }
            if let Some(f) = schema.field(rel.target, rel.remote_key) {
                wanted.push((schema.resource(f.owner).table, f.field.column));
            }
        }
        for f in &r.fields {
            if let Some(s) = &f.stored_in {
                wanted.push((s.table, s.key));
            }
        }
    }
    for tag in ["SystemTagVO", "UserTagVO"] {
        let t = out.entry(tag).or_insert_with(|| TableDef {
            columns: vec![
                ("uuid", FieldType::String),
                ("resourceUuid", FieldType::String),
                ("resourceType", FieldType::String),
                ("tag", FieldType::String),
                ("type", FieldType::String),
                ("createDate", FieldType::Timestamp),
                ("lastOpDate", FieldType::Timestamp),
            ],
            primary_key: "uuid",
            indexes: Vec::new(),
        });
        for c in ["resourceUuid", "tag"] {
            if !t.indexes.contains(&c) {
                t.indexes.push(c);
            }
        }
    }
    for (table, col) in wanted {
        if let Some(t) = out.get_mut(table)
            && t.primary_key != col
            && t.columns.iter().any(|(c, _)| *c == col)
            && !t.indexes.contains(&col)
        {
            t.indexes.push(col);
        }
    }
    out
}

fn column_type(
    ty: &FieldType,
    dialect: Dialect,
    is_key: bool,
    case_sensitive: bool,
) -> &'static str {
    match (dialect, ty) {
        // The engine's case-sensitive option compares text `COLLATE BINARY`: indexes must be
        // BINARY too to serve it.
        (Dialect::Sqlite, FieldType::String | FieldType::Enum(_)) if case_sensitive => "TEXT",
        (Dialect::Sqlite, FieldType::String | FieldType::Enum(_)) => "TEXT COLLATE NOCASE",
        (Dialect::Sqlite, FieldType::Integer | FieldType::Boolean) => "INTEGER",
        (Dialect::Sqlite, FieldType::Float) => "REAL",
        (Dialect::Sqlite, FieldType::Timestamp) => "TEXT",
        // Keys and indexed columns fit an index (255 × 4 bytes < InnoDB's 3,072); other text is
        // TEXT, which does not count towards MySQL's 65,535-byte row limit.
        (Dialect::Mysql, FieldType::String | FieldType::Enum(_)) if is_key => "VARCHAR(255)",
        (Dialect::Mysql, FieldType::String | FieldType::Enum(_)) => "TEXT",
        (Dialect::Mysql, FieldType::Integer) => "BIGINT",
        (Dialect::Mysql, FieldType::Boolean) => "BOOLEAN",
        (Dialect::Mysql, FieldType::Float) => "DOUBLE",
        (Dialect::Mysql, FieldType::Timestamp) => "DATETIME(3)",
        // "C": `lower()` folds ASCII only and text orders by bytes, as SQLite's NOCASE does.
        (Dialect::Postgres, FieldType::String | FieldType::Enum(_)) => "TEXT COLLATE \"C\"",
        (Dialect::Postgres, FieldType::Integer) => "BIGINT",
        (Dialect::Postgres, FieldType::Boolean) => "BOOLEAN",
        (Dialect::Postgres, FieldType::Float) => "DOUBLE PRECISION",
        (Dialect::Postgres, FieldType::Timestamp) => "TIMESTAMP(3)",
    }
}

/// Text columns that hold long values although they are indexed (a tag can be an SSH key): TEXT
/// with a 255-character prefix index on MySQL.
fn long_text(table: &str, column: &str) -> bool {
    matches!(table, "SystemTagVO" | "UserTagVO") && column == "tag"
}

fn quote(dialect: Dialect, ident: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{ident}`"),
        _ => format!("\"{ident}\""),
    }
}

/// `idx_{table}_{column}`, shortened with a hash to 63 characters: MySQL rejects identifiers over
/// 64, PostgreSQL truncates them past 63 (and index names are unique per schema there).
fn index_name(table: &str, column: &str) -> String {
    let name = format!("idx_{table}_{column}");
    if name.len() <= 63 {
        return name;
    }
    // FNV-1a, 32 bits: stable across runs and platforms.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut cut = 54;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:08x}", &name[..cut])
}

/// `CREATE TABLE` and `CREATE INDEX` statements for every table of the schema.
pub fn create_statements(schema: &Schema, dialect: Dialect) -> Vec<String> {
    create_statements_for(schema, dialect, false)
}

/// [`create_statements`] for an engine whose text comparison is `case_sensitive` or not: on
/// SQLite its text columns are then BINARY rather than NOCASE, so the indexes serve its
/// comparisons (the SQL is exact either way).
pub fn create_statements_for(
    schema: &Schema,
    dialect: Dialect,
    case_sensitive: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (table, def) in tables(schema) {
        let mut cols: Vec<String> = def
            .columns
            .iter()
            .map(|(c, ty)| {
                let is_key =
                    *c == def.primary_key || (def.indexes.contains(c) && !long_text(table, c));
                let mut s = format!(
                    "{} {}",
                    quote(dialect, c),
                    column_type(ty, dialect, is_key, case_sensitive)
                );
                if *c == def.primary_key {
                    s.push_str(" NOT NULL PRIMARY KEY");
                }
                s
            })
            .collect();
        let index_target = |col: &str| -> String {
            let textual = def.columns.iter().any(|(c, t)| *c == col && t.is_textual());
            if dialect == Dialect::Postgres && textual {
                format!("(lower({}))", quote(dialect, col))
            } else if dialect == Dialect::Mysql && textual && long_text(table, col) {
                format!("({}(255))", quote(dialect, col))
            } else {
                format!("({})", quote(dialect, col))
            }
        };
        // MySQL: indexes inside CREATE TABLE (one DDL statement and one table build per table,
        // where each CREATE INDEX would rebuild it), and utf8mb4 with a `_ci` collation, whose `=`
        // the emitted SQL uses to find candidates (docs/dialects.md).
        let options = if dialect == Dialect::Mysql {
            for col in &def.indexes {
                cols.push(format!(
                    "INDEX {} {}",
                    quote(dialect, &index_name(table, col)),
                    index_target(col)
                ));
            }
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
        } else {
            ""
        };
        out.push(format!(
            "CREATE TABLE IF NOT EXISTS {} ({}){options}",
            quote(dialect, table),
            cols.join(", ")
        ));
        if dialect != Dialect::Mysql {
            for col in &def.indexes {
                out.push(format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {} {}",
                    quote(dialect, &index_name(table, col)),
                    quote(dialect, table),
                    index_target(col)
                ));
            }
        }
    }
    out
}
