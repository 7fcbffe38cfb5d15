//! The schema file format: one TOML file per resource under `schema/`, read with serde.
//!
//! These structs are the on-disk shape only; [`super::Schema`] is the validated, indexed form.
//! See `docs/schema-format.md` for a commented example.

use serde::{Deserialize, Serialize};

/// One resource file (`schema/resources/VmInstance.toml`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceFile {
    /// Resource name: the inventory class without `Inventory` (`VmInstance`). Unique.
    pub name: String,
    /// The ZStack inventory class (`VmInstanceInventory`); names the resource in errors.
    pub inventory: String,
    /// The Query API (`QueryVmInstance`), when the resource has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// The REST path under `zstack/v1/` without a leading slash (`vm-instances`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_path: Option<String>,
    /// The database table (`VmInstanceVO`).
    pub table: String,
    /// The primary-key field (`uuid`).
    pub primary_key: String,
    /// Whether `__systemTag__` / `__userTag__` apply (resources with a uuid primary key).
    #[serde(default)]
    pub tags: bool,
    /// For a parent of a polymorphic family: the field whose `=` value switches to a child
    /// (`hypervisorType` on Host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_field: Option<String>,
    /// For a child: the parent resource. The child's table holds only its own fields and is joined
    /// to the parent's on the primary key (JPA JOINED inheritance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// For a child: the parent's `type_field` value that selects it (`KVM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_value: Option<String>,
    /// One line for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// Where the facts came from (`zstack-resources.json`, `seed 001`, `hand`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The resource's own fields (a child lists only the fields its table adds).
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// Relations to other resources (ZStack's expanded queries).
    #[serde(default)]
    pub relations: Vec<RelationDef>,
    /// Names that expand to a dotted path of relations (ZStack's expanded-query aliases).
    #[serde(default)]
    pub aliases: Vec<AliasDef>,
}

/// A typed field.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The inventory field name (`cpuNum`).
    pub name: String,
    /// `string`, `integer`, `float`, `boolean`, `timestamp` or `enum`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The column, when it differs from the name (KVMHost `sshPort` is column `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// For `enum`: the allowed values, in their canonical spelling.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Whether the table has an index on this column (keys of relations are indexed anyway).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub index: bool,
    /// For a field stored in another resource's table (ZStack's `@Queryable`): where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_in: Option<StoredIn>,
}

/// `stored_in = { resource = "HostCapacity", key = "uuid", field = "totalCpu" }`: the value is
/// `field` of the `resource` rows whose `key` equals this resource's primary key. With `list = true`
/// there may be several (L3Network `dns`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredIn {
    /// The resource whose table holds the value.
    pub resource: String,
    /// Its field that points back at this resource's primary key.
    pub key: String,
    /// Its field holding the value.
    pub field: String,
    /// Several values per row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
}

/// A relation (ZStack `@ExpandedQuery`): `local_key` on this resource equals `remote_key` on the target.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RelationDef {
    /// The hop name (`vmNics`).
    pub name: String,
    /// The target resource (`VmNic`).
    pub target: String,
    /// The field on this resource.
    pub local_key: String,
    /// The field on the target.
    pub remote_key: String,
    /// `one` (local key points at the target's key) or `many` (the target points back).
    pub kind: String,
    /// ZStack's `hidden = true` (ref tables); still queryable, listed last in introspection.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// An alias: `name` means the dotted `path` of relations.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AliasDef {
    /// The alias (`l2Network`).
    pub name: String,
    /// What it expands to (`l2NetworkRef.l2Network`).
    pub path: String,
}
