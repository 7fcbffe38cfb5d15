//! `schema`: `schema/resources/*.toml` → [`Schema`] (resources, typed fields, relations, aliases,
//! inheritance) and its petgraph [`RelationGraph`].
//!
//! Knows the file format and ZStack's resource model; knows nothing of queries or SQL. Everything is
//! validated at load (unique names, every relation target and key, every alias, every parent and
//! `stored_in` reference, enum values), so later stages can index without checking. Names are
//! interned as `&'static str`: a schema is loaded once per process and lives as long as it.

mod graph;
pub mod model;

use std::collections::HashMap;
use std::fmt;

pub use graph::{Cycle, RelationGraph};
use model::ResourceFile;

use crate::error::{Error, ErrorKind, Result};

/// Index of a resource in its [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub u32);

impl ResourceId {
    fn idx(self) -> usize {
        self.0 as usize
    }
}

/// The type of a field; values in queries are read and bound as this type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Text; compared ignoring ASCII case by default.
    String,
    /// A 64-bit integer (Java Integer, Long, Short).
    Integer,
    /// A double.
    Float,
    /// `true` / `false`.
    Boolean,
    /// `YYYY-MM-DD HH:MM:SS[.fff]`, UTC.
    Timestamp,
    /// One of a fixed list of strings, in canonical spelling (shared: plans and compiled
    /// statements copy field types, and a copy must not allocate).
    Enum(std::sync::Arc<[&'static str]>),
}

impl FieldType {
    /// The schema name of the type (`string`, `enum`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Boolean => "boolean",
            FieldType::Timestamp => "timestamp",
            FieldType::Enum(_) => "enum",
        }
    }

    /// True for types stored as text and compared with the engine's string collation.
    pub fn is_textual(&self) -> bool {
        matches!(self, FieldType::String | FieldType::Enum(_))
    }

    /// A valid example value, for hints.
    pub fn example(&self) -> String {
        match self {
            FieldType::String => "vm1".into(),
            FieldType::Integer => "42".into(),
            FieldType::Float => "1.5".into(),
            FieldType::Boolean => "true".into(),
            FieldType::Timestamp => "2024-01-31 23:59:59".into(),
            FieldType::Enum(v) => v.first().copied().unwrap_or("").into(),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a `@Queryable` field's value lives: `column` of `table` rows whose `key` = our primary key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIn {
    /// The resource holding the value.
    pub resource: ResourceId,
    /// Its table.
    pub table: &'static str,
    /// Its column pointing at our primary key.
    pub key: &'static str,
    /// Its column holding the value.
    pub column: &'static str,
    /// Several values per row.
    pub list: bool,
}

/// A typed field of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The inventory name (`cpuNum`).
    pub name: &'static str,
    /// The column in the owner's table (or in `stored_in`'s table, see there).
    pub column: &'static str,
    /// The type.
    pub ty: FieldType,
    /// Whether the column is indexed.
    pub index: bool,
    /// Set for fields stored in another table; such fields can be filtered, not selected or sorted.
    pub stored_in: Option<StoredIn>,
}

impl Field {
    /// True for a column of the owner's own table.
    pub fn is_native(&self) -> bool {
        self.stored_in.is_none()
    }
}

/// To-one or to-many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    /// Our `local_key` points at the target's key: at most one target row.
    One,
    /// The target's `remote_key` points back at us: any number of target rows.
    Many,
}

/// A relation (ZStack expanded query) from `owner` to `target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// The hop name (`vmNics`).
    pub name: &'static str,
    /// The resource declaring it.
    pub owner: ResourceId,
    /// The target resource.
    pub target: ResourceId,
    /// Field on the owner (or an ancestor of it).
    pub local_key: &'static str,
    /// Field on the target (or an ancestor of it).
    pub remote_key: &'static str,
    /// One or many.
    pub cardinality: Cardinality,
    /// ZStack's `hidden` flag (ref tables).
    pub hidden: bool,
}

/// An alias: a name for a dotted relation path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The alias (`l2Network`).
    pub name: &'static str,
    /// The segments it expands to (`["l2NetworkRef", "l2Network"]`).
    pub path: Vec<&'static str>,
}

/// A queryable resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// This resource's index.
    pub id: ResourceId,
    /// Name (`VmInstance`).
    pub name: &'static str,
    /// Inventory class (`VmInstanceInventory`).
    pub inventory: &'static str,
    /// Query API (`QueryVmInstance`).
    pub api: Option<&'static str>,
    /// REST path (`vm-instances`).
    pub rest_path: Option<&'static str>,
    /// Table (`VmInstanceVO`).
    pub table: &'static str,
    /// The primary-key field name.
    pub primary_key: &'static str,
    /// Whether tag conditions apply.
    pub tags: bool,
    /// The type-switch field, for a polymorphic parent.
    pub type_field: Option<&'static str>,
    /// The parent, for a child.
    pub parent: Option<ResourceId>,
    /// The parent's type value selecting this child.
    pub type_value: Option<&'static str>,
    /// The children (resources whose `parent` is this one).
    pub children: Vec<ResourceId>,
    /// One line of documentation.
    pub doc: Option<&'static str>,
    /// Own fields (ancestors' fields are found through [`Schema::field`]).
    pub fields: Vec<Field>,
    /// Own relations.
    pub relations: Vec<Relation>,
    /// Own aliases.
    pub aliases: Vec<Alias>,
}

/// A field found on a resource or one of its ancestors.
#[derive(Clone, Copy, Debug)]
pub struct FieldRef<'s> {
    /// The resource whose table holds the column.
    pub owner: ResourceId,
    /// The field.
    pub field: &'s Field,
}

/// The validated, indexed schema.
#[derive(Debug)]
pub struct Schema {
    /// All resources, indexed by [`ResourceId`].
    resources: Vec<Resource>,
    /// Name → id.
    by_name: HashMap<&'static str, ResourceId>,
    /// Query API, REST path, name and inventory (all lowercased) → id, for [`Schema::lookup`].
    by_alias: HashMap<String, ResourceId, Hasher>,
    /// Per resource, the lookups by name over its lineage (built last; empty while loading).
    index: Vec<Index>,
    /// Every resource's `type_field`, once each.
    type_fields: Vec<&'static str>,
    /// The relation graph.
    graph: RelationGraph,
}

/// The hasher of the schema's maps: fast on short names, and fixed, so a schema behaves the same
/// in every process.
type Hasher = foldhash::fast::FixedState;

/// A relation found by [`Schema::hop`], with its keys resolved to the tables holding them.
#[derive(Clone, Copy, Debug)]
pub struct Hop {
    /// The resource declaring the relation.
    owner: ResourceId,
    /// Its index in that resource's relations.
    at: u32,
    /// The local key: the resource (self or ancestor) whose table holds it, and its column.
    pub local: (ResourceId, &'static str),
    /// The remote key, likewise on the target's side.
    pub remote: (ResourceId, &'static str),
}

/// One resource's names, resolved over its lineage as [`Schema::field`], [`Schema::relation`] and
/// [`Schema::alias`] define (the nearest definition wins): name → (resource defining it, index in
/// that resource's list).
#[derive(Debug, Default)]
struct Index {
    fields: HashMap<&'static str, (ResourceId, u32), Hasher>,
    relations: HashMap<&'static str, Hop, Hasher>,
    aliases: HashMap<&'static str, (ResourceId, u32), Hasher>,
    /// Every field, ancestors' first (the order of [`Schema::all_fields`]).
    all_fields: Vec<(ResourceId, u32)>,
    /// The primary key's column.
    pk_column: &'static str,
}

/// Interns a name for the life of the process. Each distinct name is allocated once, however many
/// resources use it and however many times a schema is loaded, so memory stays bounded by the
/// set of names (and no interned string is ever unreachable).
fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(existing) = names.get(s) {
        return existing;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Requires `name`, a `what` of resource `resource`, to be a plain SQL identifier: the grammar's
/// `ident` (`[A-Za-z_][A-Za-z0-9_]*`), the only identifiers a schema may hold.
fn require_plain(resource: &str, what: &str, name: &str) -> Result<()> {
    if crate::syntax::is_ident(name) {
        Ok(())
    } else {
        Err(schema_err(format!(
            "resource `{resource}`: {what} `{name}` is not a plain SQL identifier \
             (letters, digits and `_`, not starting with a digit)"
        )))
    }
}

fn schema_err(message: String) -> Error {
    Error::bare(ErrorKind::Schema { message })
}

/// The schema files built into the library (see `build.rs`).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_schema.rs"));

impl Schema {
    /// The ZStack schema embedded at build time.
    ///
    /// # Errors
    /// Only if the embedded files are invalid, which the crate's tests rule out.
    pub fn zstack() -> Result<Schema> {
        Schema::from_toml_files(EMBEDDED.iter().map(|(n, t)| (*n, *t)))
    }

    /// Loads every `*.toml` under `dir` (recursively).
    ///
    /// # Errors
    /// An unreadable directory or file, or any validation error of [`Schema::from_toml_files`].
    pub fn from_dir(dir: &std::path::Path) -> Result<Schema> {
        let mut files = Vec::new();
        collect_toml(dir, &mut files)?;
        files.sort();
        let texts: Vec<(String, String)> = files
            .into_iter()
            .map(|p| {
                std::fs::read_to_string(&p)
                    .map(|t| (p.display().to_string(), t))
                    .map_err(|e| schema_err(format!("{}: {e}", p.display())))
            })
            .collect::<Result<_>>()?;
        Schema::from_toml_files(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Builds a schema from `(file name, TOML text)` pairs, one resource per file.
    ///
    /// # Errors
    /// A file that is not valid TOML of the format, a duplicate name, API or REST path, an unknown
    /// type, a relation whose target or key does not exist, an alias that does not resolve or loops,
    /// a parent that does not exist or a cycle of parents.
    pub fn from_toml_files<'f>(
        files: impl IntoIterator<Item = (&'f str, &'f str)>,
    ) -> Result<Schema> {
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file: ResourceFile =
                toml::from_str(text).map_err(|e| schema_err(format!("{name}: {e}")))?;
            parsed.push((name.to_owned(), file));
        }
        Schema::from_files(parsed)
    }

    /// Builds a schema from parsed files.
    ///
    /// # Errors
    /// See [`Schema::from_toml_files`].
    pub fn from_files(files: Vec<(String, ResourceFile)>) -> Result<Schema> {
        let mut by_name = HashMap::new();
        for (i, (file, r)) in files.iter().enumerate() {
            let id = ResourceId(i as u32);
            if by_name.insert(intern(&r.name), id).is_some() {
                return Err(schema_err(format!(
                    "{file}: resource `{}` is defined twice",
                    r.name
                )));
            }
        }
        let names = by_name.clone();
        let find = |file: &str, what: &str, name: &str| -> Result<ResourceId> {
            names.get(name).copied().ok_or_else(|| {
                schema_err(format!(
                    "{file}: {what} `{name}` is not a resource of the schema"
                ))
            })
        };
        // Pass 1: resources with fields; references resolved where they need no other resource.
        let mut resources = Vec::with_capacity(files.len());
        for (i, (file, r)) in files.iter().enumerate() {
            let mut fields: Vec<Field> = Vec::with_capacity(r.fields.len());
            for f in &r.fields {
                if fields.iter().any(|g| g.name == f.name) {
                    return Err(schema_err(format!(
                        "{file}: field `{}` is defined twice",
                        f.name
                    )));
                }
                let ty = match f.ty.as_str() {
                    "string" => FieldType::String,
                    "integer" => FieldType::Integer,
                    "float" => FieldType::Float,
                    "boolean" => FieldType::Boolean,
                    "timestamp" => FieldType::Timestamp,
                    "enum" if !f.values.is_empty() => {
                        FieldType::Enum(f.values.iter().map(|v| intern(v)).collect())
                    }
                    "enum" => {
                        return Err(schema_err(format!(
                            "{file}: enum field `{}` has no values",
                            f.name
                        )));
                    }
                    other => {
                        return Err(schema_err(format!(
                            "{file}: field `{}` has unknown type `{other}` (expected string, integer, float, boolean, timestamp or enum)",
                            f.name
                        )));
                    }
                };
                if !f.values.is_empty() && f.ty != "enum" {
                    return Err(schema_err(format!(
                        "{file}: field `{}` has values but is not an enum",
                        f.name
                    )));
                }
                let stored_in = match &f.stored_in {
                    None => None,
                    Some(s) => Some(StoredIn {
                        resource: find(file, "stored_in resource", &s.resource)?,
                        table: "",
                        key: intern(&s.key),
                        column: intern(&s.field),
                        list: s.list,
                    }),
                };
                fields.push(Field {
                    name: intern(&f.name),
                    column: intern(f.column.as_deref().unwrap_or(&f.name)),
                    ty,
                    index: f.index,
                    stored_in,
                });
            }
            resources.push(Resource {
                id: ResourceId(i as u32),
                name: intern(&r.name),
                inventory: intern(&r.inventory),
                api: r.api.as_deref().map(intern),
                rest_path: r
                    .rest_path
                    .as_deref()
                    .map(|p| intern(p.trim_start_matches('/'))),
                table: intern(&r.table),
                primary_key: intern(&r.primary_key),
                tags: r.tags,
                type_field: r.type_field.as_deref().map(intern),
                parent: r
                    .parent
                    .as_deref()
                    .map(|p| find(file, "parent", p))
                    .transpose()?,
                type_value: r.type_value.as_deref().map(intern),
                children: Vec::new(),
                doc: r.doc.as_deref().map(intern),
                fields,
                relations: Vec::new(),
                aliases: Vec::new(),
            });
        }
        // Children lists, and no cycle of parents.
        for i in 0..resources.len() {
            let mut seen = 0;
            let mut cur = resources[i].parent;
            while let Some(p) = cur {
                seen += 1;
                if seen > resources.len() {
                    return Err(schema_err(format!(
                        "{}: its parents form a cycle",
                        files[i].0
                    )));
                }
                cur = resources[p.idx()].parent;
            }
            if let Some(p) = resources[i].parent {
                // A child without `type_value` is a JOINED table that no type switch selects
                // (AddressPool under IpRange).
                resources[p.idx()].children.push(ResourceId(i as u32));
            }
        }
        let mut schema = Schema {
            resources,
            by_name,
            by_alias: HashMap::default(),
            index: Vec::new(),
            type_fields: Vec::new(),
            graph: RelationGraph::default(),
        };
        // Pass 2: everything that needs other resources' fields.
        for (i, (file, r)) in files.iter().enumerate() {
            let id = ResourceId(i as u32);
            let pk = schema.field(id, &r.primary_key);
            if !pk.is_some_and(|f| f.field.is_native()) {
                return Err(schema_err(format!(
                    "{file}: primary key `{}` is not a native field",
                    r.primary_key
                )));
            }
            if let Some(tf) = &r.type_field
                && schema.field(id, tf).is_none()
            {
                return Err(schema_err(format!(
                    "{file}: type_field `{tf}` is not a field"
                )));
            }
            for fi in 0..schema.resources[i].fields.len() {
                let Some(s) = schema.resources[i].fields[fi].stored_in.clone() else {
                    continue;
                };
                let fname = schema.resources[i].fields[fi].name;
                let table = schema.resources[s.resource.idx()].table;
                for col in [s.key, s.column] {
                    if !schema
                        .field(s.resource, col)
                        .is_some_and(|f| f.field.is_native())
                    {
                        return Err(schema_err(format!(
                            "{file}: field `{fname}` is stored_in {} but it has no native field `{col}`",
                            schema.resources[s.resource.idx()].name
                        )));
                    }
                }
                // Store columns, not field names, so emit never looks them up again.
                let key = schema.column_of(s.resource, s.key);
                let column = schema.column_of(s.resource, s.column);
                schema.resources[i].fields[fi].stored_in = Some(StoredIn {
                    table,
                    key,
                    column,
                    ..s
                });
            }
            let mut relations = Vec::with_capacity(r.relations.len());
            for rel in &r.relations {
                let target = find(file, "relation target", &rel.target)?;
                let cardinality = match rel.kind.as_str() {
                    "one" => Cardinality::One,
                    "many" => Cardinality::Many,
                    other => {
                        return Err(schema_err(format!(
                            "{file}: relation `{}` has kind `{other}` (expected one or many)",
                            rel.name
                        )));
                    }
                };
                if !schema
                    .field(id, &rel.local_key)
                    .is_some_and(|f| f.field.is_native())
                {
                    return Err(schema_err(format!(
                        "{file}: relation `{}`: local_key `{}` is not a native field of {}",
                        rel.name, rel.local_key, r.name
                    )));
                }
                if !schema
                    .field(target, &rel.remote_key)
                    .is_some_and(|f| f.field.is_native())
                {
                    return Err(schema_err(format!(
                        "{file}: relation `{}`: remote_key `{}` is not a native field of {}",
                        rel.name, rel.remote_key, rel.target
                    )));
                }
                if relations.iter().any(|x: &Relation| x.name == rel.name) {
                    return Err(schema_err(format!(
                        "{file}: relation `{}` is defined twice",
                        rel.name
                    )));
                }
                relations.push(Relation {
                    name: intern(&rel.name),
                    owner: id,
                    target,
                    local_key: intern(&rel.local_key),
                    remote_key: intern(&rel.remote_key),
                    cardinality,
                    hidden: rel.hidden,
                });
            }
            schema.resources[i].relations = relations;
            schema.resources[i].aliases = r
                .aliases
                .iter()
                .map(|a| Alias {
                    name: intern(&a.name),
                    path: a.path.split('.').map(intern).collect(),
                })
                .collect();
        }
        // Aliases must resolve to relations, without loops (checked by expanding each).
        for (i, (file, _)) in files.iter().enumerate() {
            for a in schema.resources[i].aliases.clone() {
                let id = ResourceId(i as u32);
                if schema.relation(id, a.name).is_some() {
                    return Err(schema_err(format!(
                        "{file}: alias `{}` has the name of a relation",
                        a.name
                    )));
                }
                schema
                    .expand_alias_path(id, &a.path, 0)
                    .map_err(|m| schema_err(format!("{file}: alias `{}`: {m}", a.name)))?;
            }
        }
        for (i, r) in schema.resources.iter().enumerate() {
            let id = ResourceId(i as u32);
            for key in [Some(r.name), Some(r.inventory), r.api, r.rest_path]
                .into_iter()
                .flatten()
            {
                if let Some(prev) = schema.by_alias.insert(key.to_ascii_lowercase(), id)
                    && prev != id
                {
                    return Err(schema_err(format!(
                        "{}: `{key}` also names {}",
                        files[i].0,
                        schema.resources[prev.idx()].name
                    )));
                }
            }
        }
        schema.graph = RelationGraph::build(&schema.resources);
        schema.type_fields = schema
            .resources
            .iter()
            .filter_map(|r| r.type_field)
            .collect();
        schema.type_fields.sort_unstable();
        schema.type_fields.dedup();
        schema.index = (0..schema.resources.len())
            .map(|i| schema.build_index(ResourceId(i as u32)))
            .collect();
        schema.check_identifiers()?;
        Ok(schema)
    }

    /// Every name the SQL uses as an identifier (tables, columns, field names as output
    /// aliases) is plain: `[A-Za-z_][A-Za-z0-9_]*`. emit writes schema identifiers between quotes
    /// as they are, without scanning them for quote characters on every use.
    fn check_identifiers(&self) -> Result<()> {
        for (r, index) in self.resources.iter().zip(&self.index) {
            let check = |what: &str, name: &str| require_plain(r.name, what, name);
            check("table", r.table)?;
            for f in &r.fields {
                check("field", f.name)?;
                check("column", f.column)?;
                if let Some(s) = &f.stored_in {
                    check("stored_in table", s.table)?;
                    check("stored_in key", s.key)?;
                    check("stored_in column", s.column)?;
                }
            }
            // Key columns that are not a field of the resource itself were not checked above.
            check("primary key column", index.pk_column)?;
            for hop in index.relations.values() {
                check("key column", hop.local.1)?;
                check("key column", hop.remote.1)?;
            }
        }
        Ok(())
    }

    /// The lookups of `id`, computed by the linear searches they replace.
    fn build_index(&self, id: ResourceId) -> Index {
        let mut index = Index::default();
        // Nearest first: an entry already present is a nearer definition.
        for r in self.lineage(id) {
            let res = &self.resources[r.idx()];
            for (i, f) in res.fields.iter().enumerate() {
                index.fields.entry(f.name).or_insert((r, i as u32));
            }
            for (i, x) in res.relations.iter().enumerate() {
                let key = |at: ResourceId, name: &'static str| {
                    self.field(at, name)
                        .map_or((at, ""), |f| (f.owner, f.field.column))
                };
                index.relations.entry(x.name).or_insert(Hop {
                    owner: r,
                    at: i as u32,
                    // The local key is looked up from the resource asking, as the resolver does.
                    local: key(id, x.local_key),
                    remote: key(x.target, x.remote_key),
                });
            }
            for (i, a) in res.aliases.iter().enumerate() {
                index.aliases.entry(a.name).or_insert((r, i as u32));
            }
        }
        index.all_fields = self
            .all_fields_linear(id)
            .iter()
            .map(|f| {
                let owner = &self.resources[f.owner.idx()];
                let at = owner
                    .fields
                    .iter()
                    .position(|g| std::ptr::eq(g, f.field))
                    .unwrap_or(0);
                (f.owner, at as u32)
            })
            .collect();
        let r = &self.resources[id.idx()];
        index.pk_column = self
            .field(id, r.primary_key)
            .map_or(r.primary_key, |f| f.field.column);
        index
    }

    /// Follows an alias path from `from`, expanding nested aliases; returns the resource reached.
    fn expand_alias_path(
        &self,
        from: ResourceId,
        path: &[&str],
        depth: usize,
    ) -> std::result::Result<ResourceId, String> {
        if depth > 16 {
            return Err("aliases expand into each other without end".into());
        }
        let mut cur = from;
        for seg in path {
            if let Some(rel) = self.relation(cur, seg) {
                cur = rel.target;
            } else if let Some(a) = self.alias(cur, seg) {
                cur = self.expand_alias_path(cur, &a.path, depth + 1)?;
            } else {
                return Err(format!(
                    "`{seg}` is not a relation of {}",
                    self.resources[cur.idx()].name
                ));
            }
        }
        Ok(cur)
    }

    /// All resources, in load order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resource with this id.
    ///
    /// # Panics
    /// If `id` is not from this schema (ids are only made by the schema itself).
    pub fn resource(&self, id: ResourceId) -> &Resource {
        &self.resources[id.idx()]
    }

    /// The resource named `name` (exact).
    pub fn by_name(&self, name: &str) -> Option<ResourceId> {
        self.by_name.get(name).copied()
    }

    /// The resource a user named: Query API (`QueryVmInstance`), REST path (`vm-instances`, with or
    /// without a leading `/` or `zstack/v1/`), resource or inventory name; ASCII case ignored.
    pub fn lookup(&self, name: &str) -> Option<ResourceId> {
        let n = name.trim_start_matches('/');
        let n = n.strip_prefix("zstack/").unwrap_or(n);
        let n = n.strip_prefix("v1/").unwrap_or(n);
        let n = n.trim_end_matches('/');
        if let Some(id) = self.by_alias.get(n) {
            return Some(*id);
        }
        self.by_alias.get(&n.to_ascii_lowercase()).copied()
    }

    /// The ancestors of `id`, nearest first, `id` itself first of all.
    pub fn lineage(&self, id: ResourceId) -> impl Iterator<Item = ResourceId> + '_ {
        std::iter::successors(Some(id), move |r| self.resources[r.idx()].parent)
    }

    /// The field `name` of `id` or of its nearest ancestor that has it.
    pub fn field(&self, id: ResourceId, name: &str) -> Option<FieldRef<'_>> {
        if let Some(index) = self.index.get(id.idx()) {
            let &(owner, i) = index.fields.get(name)?;
            return self.resources[owner.idx()]
                .fields
                .get(i as usize)
                .map(|field| FieldRef { owner, field });
        }
        self.lineage(id).find_map(|r| {
            self.resources[r.idx()]
                .fields
                .iter()
                .find(|f| f.name == name)
                .map(|field| FieldRef { owner: r, field })
        })
    }

    /// The column of the native field `name` (the name itself if there is no such field).
    fn column_of(&self, id: ResourceId, name: &str) -> &'static str {
        self.field(id, name)
            .map_or_else(|| intern(name), |f| f.field.column)
    }

    /// True when `name` is the `type_field` of some resource (a condition `…name=value` may then
    /// switch a resource to a child type).
    pub fn is_type_field(&self, name: &str) -> bool {
        self.type_fields.contains(&name)
    }

    /// The column of `id`'s primary key.
    pub fn pk_column(&self, id: ResourceId) -> &'static str {
        match self.index.get(id.idx()) {
            Some(index) => index.pk_column,
            None => {
                let pk = self.resources[id.idx()].primary_key;
                self.field(id, pk).map_or(pk, |f| f.field.column)
            }
        }
    }

    /// Every field of `id`, ancestors' first (the order of a reply).
    pub fn all_fields(&self, id: ResourceId) -> Vec<FieldRef<'_>> {
        match self.index.get(id.idx()) {
            Some(index) => index
                .all_fields
                .iter()
                .filter_map(|&(owner, i)| {
                    let field = self.resources[owner.idx()].fields.get(i as usize)?;
                    Some(FieldRef { owner, field })
                })
                .collect(),
            None => self.all_fields_linear(id),
        }
    }

    /// [`Schema::all_fields`] by search.
    fn all_fields_linear(&self, id: ResourceId) -> Vec<FieldRef<'_>> {
        let mut chain: Vec<ResourceId> = self.lineage(id).collect();
        chain.reverse();
        let mut out: Vec<FieldRef<'_>> = Vec::new();
        for r in chain {
            for field in &self.resources[r.idx()].fields {
                if let Some(pos) = out.iter().position(|f| f.field.name == field.name) {
                    out[pos] = FieldRef { owner: r, field };
                } else {
                    out.push(FieldRef { owner: r, field });
                }
            }
        }
        out
    }

    /// The relation `name` of `id` or of its nearest ancestor (a child's own relation wins over the
    /// parent's, unlike ZStack's metadata merge, reference/zstack-semantics.md Q22).
    pub fn relation(&self, id: ResourceId, name: &str) -> Option<&Relation> {
        if let Some(index) = self.index.get(id.idx()) {
            let h = index.relations.get(name)?;
            return self.resources[h.owner.idx()].relations.get(h.at as usize);
        }
        self.lineage(id).find_map(|r| {
            self.resources[r.idx()]
                .relations
                .iter()
                .find(|x| x.name == name)
        })
    }

    /// The relation `name` of `id` (as [`Schema::relation`]) with its keys' owners and columns:
    /// the local key as a field of `id`, the remote key as a field of the target.
    pub fn hop(&self, id: ResourceId, name: &str) -> Option<(&Relation, Hop)> {
        match self.index.get(id.idx()) {
            Some(index) => {
                let h = *index.relations.get(name)?;
                Some((
                    self.resources[h.owner.idx()].relations.get(h.at as usize)?,
                    h,
                ))
            }
            None => {
                let rel = self.relation(id, name)?;
                let key = |at: ResourceId, name: &str| {
                    self.field(at, name)
                        .map_or((at, ""), |f| (f.owner, f.field.column))
                };
                let hop = Hop {
                    owner: rel.owner,
                    at: 0,
                    local: key(id, rel.local_key),
                    remote: key(rel.target, rel.remote_key),
                };
                Some((rel, hop))
            }
        }
    }

    /// Every relation of `id`, own first, then inherited ones not shadowed.
    pub fn all_relations(&self, id: ResourceId) -> Vec<&Relation> {
        let mut out: Vec<&Relation> = Vec::new();
        for r in self.lineage(id) {
            for rel in &self.resources[r.idx()].relations {
                if !out.iter().any(|x| x.name == rel.name) {
                    out.push(rel);
                }
            }
        }
        out
    }

    /// The alias `name` of `id` or of its nearest ancestor.
    pub fn alias(&self, id: ResourceId, name: &str) -> Option<&Alias> {
        if let Some(index) = self.index.get(id.idx()) {
            let &(owner, i) = index.aliases.get(name)?;
            return self.resources[owner.idx()].aliases.get(i as usize);
        }
        self.lineage(id).find_map(|r| {
            self.resources[r.idx()]
                .aliases
                .iter()
                .find(|x| x.name == name)
        })
    }

    /// Every alias of `id`, own first.
    pub fn all_aliases(&self, id: ResourceId) -> Vec<&Alias> {
        let mut out: Vec<&Alias> = Vec::new();
        for r in self.lineage(id) {
            for a in &self.resources[r.idx()].aliases {
                if !out.iter().any(|x| x.name == a.name) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// The descendant of `id` whose `type_value` is `value` (ASCII case ignored) for `id`'s type
    /// field: a descendant's type value belongs to its nearest ancestor with a `type_field`
    /// (HardwareL2VxlanNetworkPool sits under L2VxlanNetworkPool but is an L2Network `type`).
    pub fn child_for_type(&self, id: ResourceId, value: &str) -> Option<ResourceId> {
        let mut stack: Vec<ResourceId> = self.resources[id.idx()].children.clone();
        while let Some(c) = stack.pop() {
            let r = &self.resources[c.idx()];
            let owner = self
                .lineage(c)
                .skip(1)
                .find(|a| self.resources[a.idx()].type_field.is_some());
            if owner == Some(id) && r.type_value.is_some_and(|v| v.eq_ignore_ascii_case(value)) {
                return Some(c);
            }
            stack.extend(r.children.iter().copied());
        }
        None
    }

    /// The relation graph.
    pub fn graph(&self) -> &RelationGraph {
        &self.graph
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// True if the schema has no resource.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

fn collect_toml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| schema_err(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| schema_err(format!("{}: {e}", dir.display())))?
            .path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indexed lookups give what the linear searches over the lineage give, for every resource
    /// and every name of the schema (and names of none).
    #[test]
    fn indexes_agree_with_the_lineage_search() {
        let indexed = Schema::zstack().expect("the embedded schema loads");
        let mut linear = Schema::zstack().expect("the embedded schema loads");
        linear.index = Vec::new();
        let mut names: Vec<&str> = vec!["", "nosuch", "UUID"];
        for r in indexed.resources() {
            names.extend(r.fields.iter().map(|f| f.name));
            names.extend(r.relations.iter().map(|x| x.name));
            names.extend(r.aliases.iter().map(|a| a.name));
        }
        names.sort_unstable();
        names.dedup();
        let field = |s: &Schema, id, n| s.field(id, n).map(|f| (f.owner, f.field.clone()));
        for r in indexed.resources() {
            let id = r.id;
            for n in &names {
                assert_eq!(
                    field(&indexed, id, n),
                    field(&linear, id, n),
                    "{} {n}",
                    r.name
                );
                assert_eq!(
                    indexed.relation(id, n),
                    linear.relation(id, n),
                    "{} {n}",
                    r.name
                );
                let hop = |s: &Schema| {
                    s.hop(id, n)
                        .map(|(rel, h)| (rel.clone(), h.local, h.remote))
                };
                assert_eq!(hop(&indexed), hop(&linear), "{} {n}", r.name);
                assert_eq!(indexed.alias(id, n), linear.alias(id, n), "{} {n}", r.name);
            }
            let all = |s: &Schema| {
                s.all_fields(id)
                    .iter()
                    .map(|f| (f.owner, f.field.name))
                    .collect::<Vec<_>>()
            };
            assert_eq!(all(&indexed), all(&linear), "{}", r.name);
            assert_eq!(indexed.pk_column(id), linear.pk_column(id), "{}", r.name);
        }
    }
}
