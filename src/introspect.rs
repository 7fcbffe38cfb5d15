//! `introspect`: what can be written at a point of a path, for `zstack-query fields`, completion in
//! the REPL and the playground, as zstack-cli's Tab list does. Knows the schema, not SQL.

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result, Span};
use crate::schema::{Cardinality, FieldType, ResourceId, Schema};

/// A queryable field at a point of a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// The name.
    pub name: &'static str,
    /// Its type (`string`, `integer`, …).
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Enum values, if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<&'static str>,
    /// Stored in another table (filterable, not selectable).
    pub native: bool,
}

/// A relation (or alias) that a path can cross at a point.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationInfo {
    /// The hop name.
    pub name: &'static str,
    /// The inventory reached.
    pub target: &'static str,
    /// `one` or `many`.
    pub cardinality: &'static str,
    /// An alias (expands to `path`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_of: Option<String>,
    /// ZStack's hidden flag (ref tables).
    pub hidden: bool,
}

/// Everything that can follow a path prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The resource reached.
    pub resource: &'static str,
    /// Its inventory class.
    pub inventory: &'static str,
    /// Fields (own and inherited), in reply order.
    pub fields: Vec<FieldInfo>,
    /// Relations and aliases.
    pub relations: Vec<RelationInfo>,
    /// Whether `__systemTag__` / `__userTag__` apply.
    pub tags: bool,
    /// Children selected by the type field (`KVMHost` for `hypervisorType=KVM`), if any.
    pub children: Vec<ChildInfo>,
}

/// A child type reachable through the type switch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChildInfo {
    /// The child resource.
    pub resource: &'static str,
    /// The condition selecting it (`hypervisorType=KVM`).
    pub condition: String,
}

/// The point reached from `resource` (API name, REST path or resource name) by the dotted
/// relation `prefix` (empty, or ending with or without a dot: `vmNics.` and `vmNics` are the same).
///
/// # Errors
/// An unknown resource, or a segment that is not a relation or alias.
pub fn point(schema: &Schema, resource: &str, prefix: &str) -> Result<Point> {
    let mut cur = schema.lookup(resource).ok_or_else(|| {
        Error::new(
            ErrorKind::ResourceUnknown {
                name: resource.into(),
            },
            resource,
        )
        .with_span(Span::new(0, resource.len()))
    })?;
    let mut offset = 0;
    for seg in prefix.split('.') {
        let span = Span::new(offset, offset + seg.len());
        offset += seg.len() + 1;
        if seg.is_empty() {
            continue;
        }
        cur = step(schema, cur, seg, 0).ok_or_else(|| {
            let r = schema.resource(cur);
            Error::new(
                ErrorKind::PathUnknownRelation {
                    resource: r.inventory.into(),
                    relation: seg.into(),
                },
                prefix,
            )
            .with_span(span)
        })?;
    }
    Ok(describe(schema, cur))
}

/// One hop (relation or alias) from `cur`.
fn step(schema: &Schema, cur: ResourceId, seg: &str, depth: usize) -> Option<ResourceId> {
    if let Some(rel) = schema.relation(cur, seg) {
        return Some(rel.target);
    }
    let alias = schema.alias(cur, seg)?;
    if depth > 16 {
        return None;
    }
    let mut r = cur;
    for p in &alias.path {
        r = step(schema, r, p, depth + 1)?;
    }
    Some(r)
}

/// Describes a resource.
pub fn describe(schema: &Schema, id: ResourceId) -> Point {
    let r = schema.resource(id);
    let fields = schema
        .all_fields(id)
        .into_iter()
        .map(|f| FieldInfo {
            name: f.field.name,
            ty: f.field.ty.name(),
            values: match &f.field.ty {
                FieldType::Enum(v) => v.to_vec(),
                _ => Vec::new(),
            },
            native: f.field.is_native(),
        })
        .collect();
    let mut relations: Vec<RelationInfo> = schema
        .all_relations(id)
        .into_iter()
        .map(|rel| RelationInfo {
            name: rel.name,
            target: schema.resource(rel.target).inventory,
            cardinality: match rel.cardinality {
                Cardinality::One => "one",
                Cardinality::Many => "many",
            },
            alias_of: None,
            hidden: rel.hidden,
        })
        .collect();
    for a in schema.all_aliases(id) {
        let target = step(schema, id, a.name, 0).map_or("?", |t| schema.resource(t).inventory);
        relations.push(RelationInfo {
            name: a.name,
            target,
            cardinality: "many",
            alias_of: Some(a.path.join(".")),
            hidden: false,
        });
    }
    let mut children = Vec::new();
    if let Some(tf) = r.type_field {
        let mut stack = r.children.clone();
        while let Some(c) = stack.pop() {
            let cr = schema.resource(c);
            if let Some(tv) = cr.type_value
                && schema.child_for_type(id, tv) == Some(c)
            {
                children.push(ChildInfo {
                    resource: cr.name,
                    condition: format!("{tf}={tv}"),
                });
            }
            stack.extend(cr.children.iter().copied());
        }
        children.sort_by(|a, b| a.resource.cmp(b.resource));
    }
    Point {
        resource: r.name,
        inventory: r.inventory,
        fields,
        relations,
        tags: r.tags,
        children,
    }
}

/// Completions for a partial condition or parameter word typed after a resource, as zstack-cli's
/// Tab list: `vmN` → `vmNics.`, `vmNics.l3` → `vmNics.l3Network.`, `state=R` → `state=Running`.
/// Returns whole replacement words, sorted.
///
/// ```
/// let engine = zstack_query::Engine::zstack()?;
/// let words = zstack_query::introspect::complete(engine.schema(), "QueryVmInstance", "vmN");
/// assert_eq!(words, vec!["vmNics."]);
/// # Ok::<(), zstack_query::Error>(())
/// ```
pub fn complete(schema: &Schema, resource: &str, word: &str) -> Vec<String> {
    let Some(root) = schema.lookup(resource) else {
        return Vec::new();
    };
    // A value after an operator: complete enum values.
    if let Some(pos) = word.find(['=', '<', '>', '!', '?', '~']) {
        let (path, rest) = word.split_at(pos);
        let op_len = rest.bytes().take_while(|b| b"=<>!?~".contains(b)).count();
        let (op, value) = rest.split_at(op_len);
        let (prefix, field) = path.rsplit_once('.').map_or(("", path), |(p, f)| (p, f));
        let Ok(pt) = point_from(schema, root, prefix) else {
            return Vec::new();
        };
        let Some(f) = pt.fields.iter().find(|f| f.name == field) else {
            return Vec::new();
        };
        let mut values: Vec<&str> = f.values.clone();
        if f.ty == "boolean" {
            values = vec!["true", "false"];
        }
        values.push("null");
        let mut out: Vec<String> = values
            .into_iter()
            .filter(|v| {
                v.to_ascii_lowercase()
                    .starts_with(&value.to_ascii_lowercase())
            })
            .map(|v| format!("{path}{op}{v}"))
            .collect();
        out.sort();
        return out;
    }
    let (prefix, partial) = word.rsplit_once('.').map_or(("", word), |(p, f)| (p, f));
    let Ok(pt) = point_from(schema, root, prefix) else {
        return Vec::new();
    };
    let lead = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}.")
    };
    let mut out: Vec<String> = Vec::new();
    for f in &pt.fields {
        if f.name.starts_with(partial) {
            out.push(format!("{lead}{}=", f.name));
        }
    }
    for r in &pt.relations {
        if r.name.starts_with(partial) {
            out.push(format!("{lead}{}.", r.name));
        }
    }
    if pt.tags {
        for t in ["__systemTag__", "__userTag__"] {
            if t.starts_with(partial) {
                out.push(format!("{lead}{t}="));
            }
        }
    }
    if prefix.is_empty() {
        for p in [
            "limit=",
            "start=",
            "count=",
            "replyWithCount=",
            "sortBy=",
            "sortDirection=",
            "fields=",
            "groupBy=",
        ] {
            if p.starts_with(partial) {
                out.push(p.to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn point_from(schema: &Schema, root: ResourceId, prefix: &str) -> Result<Point> {
    let mut cur = root;
    for seg in prefix.split('.').filter(|s| !s.is_empty()) {
        cur = step(schema, cur, seg, 0).ok_or_else(|| {
            Error::bare(ErrorKind::PathUnknownRelation {
                resource: String::new(),
                relation: seg.into(),
            })
        })?;
    }
    Ok(describe(schema, cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::zstack().expect("embedded schema loads")
    }

    #[test]
    fn completes_relations_fields_and_values() {
        let s = schema();
        assert_eq!(complete(&s, "QueryVmInstance", "vmN"), vec!["vmNics."]);
        assert!(
            complete(&s, "QueryVmInstance", "vmNics.l3").contains(&"vmNics.l3Network.".to_string())
        );
        assert!(
            complete(&s, "QueryVmInstance", "vmNics.l3")
                .contains(&"vmNics.l3NetworkUuid=".to_string())
        );
        assert_eq!(
            complete(&s, "QueryVmInstance", "state=Run"),
            vec!["state=Running"]
        );
        assert_eq!(complete(&s, "QueryVmInstance", "lim"), vec!["limit="]);
        assert!(complete(&s, "QueryVmInstance", "__s").contains(&"__systemTag__=".to_string()));
        assert!(complete(&s, "nosuch", "a").is_empty());
    }

    #[test]
    fn point_lists_fields_relations_and_children() {
        let s = schema();
        let p = point(&s, "QueryVmInstance", "vmNics.").expect("vmNics is a relation");
        assert_eq!(p.inventory, "VmNicInventory");
        assert!(p.fields.iter().any(|f| f.name == "ip" && f.ty == "string"));
        assert!(
            p.relations
                .iter()
                .any(|r| r.name == "l3Network" && r.cardinality == "one")
        );
        assert!(
            p.relations
                .iter()
                .any(|r| r.name == "securityGroup" && r.alias_of.is_some())
        );
        let hosts = point(&s, "hosts", "").expect("hosts");
        assert!(
            hosts
                .children
                .iter()
                .any(|c| c.resource == "KVMHost" && c.condition == "hypervisorType=KVM")
        );
        let err = point(&s, "QueryVmInstance", "vmNics.nope.").expect_err("nope is not a relation");
        assert_eq!(err.code(), "unknown-relation");
        assert_eq!(err.span(), Some(Span::new(7, 11)));
    }
}
