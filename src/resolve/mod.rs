//! `resolve`: [`ast::Query`] + [`Schema`] → [`plan::Query`].
//!
//! Knows the schema, not SQL. Binds every path through the relation graph (aliases expanded with a
//! loop guard, the depth bound, the redundant last hop, the cycle rule of design.md), types every
//! value, applies the polymorphic type switch, checks `fields`, `sort`, `groupBy`, `limit`, and
//! groups conditions that share a path prefix into one scope. Errors reuse the AST's spans.

mod value;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{self, Op};
use crate::error::{Error, ErrorKind, Limit, Result, Span};
use crate::limits::{DEFAULT_LIMIT, Limits};
use crate::plan::{self, Cmp, Column, Hop, Note, Output, Param, Predicate, Scope, TagTable, Test};
use crate::schema::{Cardinality, FieldType, ResourceId, Schema};
use crate::suggest::closest;

/// How the resolver treats paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The engine's bounds.
    pub limits: Limits,
    /// ZStack's form: every condition gets its own semi-join, even when it shares a to-many prefix
    /// with another (reference/zstack-semantics.md §4.3). Off by default: shared prefixes bind to
    /// the same related row.
    pub independent_paths: bool,
    /// Text compares exactly, by bytes, in every operator, sort and group (design.md "String
    /// comparison": "an engine option makes all of them case-sensitive"). Enum values still match
    /// whatever their case and are bound in their canonical spelling. Off by default: ASCII case
    /// is ignored, as ZStack on MySQL does.
    pub case_sensitive: bool,
}

/// The special last segments naming tag tables.
const SYSTEM_TAG: &str = "__systemTag__";
const USER_TAG: &str = "__userTag__";

/// Resolves `query` against `schema`. `resource` names the resource when the query text does not
/// (`Query.resource` wins when both are given and differ? no: the text's name must match it).
///
/// # Errors
/// An unknown resource, field or relation (with a suggestion), a path too deep, a value of the
/// wrong type, an operator that does not apply, a bad `fields`/`sort`/`groupBy`, a limit exceeded.
pub fn resolve(
    query: &ast::Query<'_>,
    resource: Option<&str>,
    schema: &Schema,
    input: &str,
    options: &Options,
) -> Result<plan::Query> {
    Resolver {
        schema,
        input,
        options,
        notes: Vec::new(),
        switches: HashMap::new(),
        hop_buffer: Vec::new(),
        slots: None,
        index: 0,
    }
    .run(query, resource)
}

/// [`resolve`], also telling how each condition value became a parameter (for the statement-shape
/// cache, which re-types new values into a cached statement).
pub(crate) fn resolve_traced(
    query: &ast::Query<'_>,
    resource: Option<&str>,
    schema: &Schema,
    input: &str,
    options: &Options,
) -> Result<(plan::Query, Vec<Slot>)> {
    let mut r = Resolver {
        schema,
        input,
        options,
        notes: Vec::new(),
        switches: HashMap::new(),
        hop_buffer: Vec::new(),
        slots: Some(Vec::new()),
        index: 0,
    };
    let plan = r.run_mut(query, resource)?;
    Ok((plan, r.slots.unwrap_or_default()))
}

/// How one value (or IN-list item) of a condition became a parameter of the plan.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Slot {
    /// The condition's index in the query.
    pub(crate) condition: usize,
    /// The condition's span, which its predicate keeps.
    pub(crate) span: Span,
    /// The IN-list item, or `None` for the whole value.
    pub(crate) item: Option<usize>,
    /// How the text becomes the parameter.
    pub(crate) kind: SlotKind,
}

/// How a value's text becomes a parameter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SlotKind {
    /// Typed as a field of this type (`field` names it in errors).
    Typed {
        /// The type.
        ty: FieldType,
        /// The field.
        field: &'static str,
    },
    /// Taken as text (tag tests).
    Text,
    /// A LIKE pattern.
    Like,
}

impl SlotKind {
    /// The parameter for `text`, exactly as resolution makes it, or `None` where resolution
    /// reports an error.
    pub(crate) fn param(&self, text: &str) -> Option<Param> {
        match self {
            SlotKind::Typed { ty, field } => {
                value::typed(text, ty, field, Span::default(), "").ok()
            }
            SlotKind::Text => Some(Param::Text(text.into())),
            SlotKind::Like => Some(Param::Text(like_pattern(text))),
        }
    }
}

/// One resolution, holding what every step needs.
struct Resolver<'s> {
    schema: &'s Schema,
    input: &'s str,
    options: &'s Options,
    notes: Vec<Note>,
    /// Type switches below the root: written hop prefix (`host`) → the child it selects.
    switches: HashMap<String, ResourceId>,
    /// Where each parameter came from, when traced.
    slots: Option<Vec<Slot>>,
    /// A hop list to reuse for the next condition's path (`bind`).
    hop_buffer: Vec<(Hop, ResourceId)>,
    /// The condition being resolved.
    index: usize,
}

/// A path bound to hops: the hops (with the resource each reaches) and the last segment.
struct Bound<'a> {
    hops: Vec<(Hop, ResourceId)>,
    /// The resource the last segment is looked up on.
    at: ResourceId,
    /// The last segment.
    last: &'a ast::Segment<'a>,
}

impl<'s> Resolver<'s> {
    #[cold]
    fn err(&self, kind: ErrorKind, span: Span) -> Error {
        Error::new(kind, self.input).with_span(span)
    }

    fn run(mut self, q: &ast::Query<'_>, resource: Option<&str>) -> Result<plan::Query> {
        self.run_mut(q, resource)
    }

    fn run_mut(&mut self, q: &ast::Query<'_>, resource: Option<&str>) -> Result<plan::Query> {
        let requested = self.resource(q, resource)?;
        let limits = &self.options.limits;
        if q.conditions.len() > limits.max_conditions {
            return Err(self.err(
                ErrorKind::LimitExceeded {
                    limit: Limit::Conditions,
                    max: limits.max_conditions,
                },
                q.conditions[limits.max_conditions].span,
            ));
        }
        let root_resource = self.type_switch(q, requested);
        self.nested_type_switches(q, root_resource);
        let mut root = Scope::new(root_resource);
        for (i, c) in q.conditions.iter().enumerate() {
            self.index = i;
            self.condition(c, &mut root)?;
        }
        let output = self.output(q, root_resource)?;
        let sort = self.sort(q, root_resource, &output)?;
        let limit = match &q.limit {
            None => DEFAULT_LIMIT.min(limits.max_limit),
            Some(l) if l.node > limits.max_limit => {
                return Err(self
                    .err(
                        ErrorKind::LimitExceeded {
                            limit: Limit::Limit,
                            max: limits.max_limit as usize,
                        },
                        l.span,
                    )
                    .with_hint(format!(
                        "page with `start`: limit={}&start=…",
                        limits.max_limit
                    )));
            }
            Some(l) => l.node,
        };
        Ok(plan::Query {
            requested,
            root,
            output,
            sort,
            limit,
            start: q.start.as_ref().map_or(0, |s| s.node),
            reply_with_count: q.reply_with_count.as_ref().is_some_and(|c| c.node)
                && !q.count.as_ref().is_some_and(|c| c.node),
            case_sensitive: self.options.case_sensitive,
            notes: std::mem::take(&mut self.notes),
        })
    }

    /// Records how the values of `test` (on condition `c`) became parameters, when traced.
    fn trace(&mut self, c: &ast::Condition<'_>, test: &Test, kind: impl Fn() -> SlotKind) {
        let Some(slots) = &mut self.slots else {
            return;
        };
        let mut slot = |item| {
            slots.push(Slot {
                condition: self.index,
                span: c.span,
                item,
                kind: kind(),
            });
        };
        match test {
            Test::Compare(..) => slot(None),
            Test::In { values, .. } => (0..values.len()).for_each(|i| slot(Some(i))),
            Test::Like { .. } => {
                slots.push(Slot {
                    condition: self.index,
                    span: c.span,
                    item: None,
                    kind: SlotKind::Like,
                });
            }
            Test::Null { .. } => {}
        }
    }

    /// The resource named by the text or by the caller.
    fn resource(&self, q: &ast::Query<'_>, given: Option<&str>) -> Result<ResourceId> {
        let (name, span) = match (&q.resource, given) {
            (Some(r), _) => (r.node.as_ref(), r.span),
            (None, Some(g)) => (g, Span::new(0, 0)),
            (None, None) => {
                return Err(self
                    .err(ErrorKind::ResourceUnknown { name: String::new() }, Span::new(0, 0))
                    .with_hint("start with the resource: `vm-instances?q=name=vm1` or `QueryVmInstance name=vm1`"));
            }
        };
        self.schema.lookup(name).ok_or_else(|| {
            let names = self
                .schema
                .resources()
                .iter()
                .flat_map(|r| [r.api, r.rest_path])
                .flatten();
            let e = self.err(ErrorKind::ResourceUnknown { name: name.into() }, span);
            match closest(name, names) {
                Some(c) => e.with_hint(format!("did you mean `{c}`?")),
                None => e.with_hint("`zstack-query resources` lists every resource"),
            }
        })
    }

    /// design.md "Polymorphic resources": the first `typeField=value` condition (with `=`, on the
    /// root) whose value names a child switches the target to it, repeatedly down the family.
    #[inline(never)]
    fn type_switch(&mut self, q: &ast::Query<'_>, mut id: ResourceId) -> ResourceId {
        loop {
            let Some(tf) = self.schema.resource(id).type_field else {
                return id;
            };
            let Some(child) = q.conditions.iter().find_map(|c| {
                (c.op.node == Op::Eq && c.path.segments.len() == 1 && c.path.segments[0].node == tf)
                    .then(|| {
                        c.value
                            .as_ref()
                            .and_then(|v| self.schema.child_for_type(id, &v.node))
                    })
                    .flatten()
            }) else {
                return id;
            };
            self.notes.push(Note::TypeSwitch {
                from: self.schema.resource(id).name,
                to: self.schema.resource(child).name,
            });
            id = child;
        }
    }

    /// design.md "Polymorphic resources", below the root: a condition `prefix.typeField=value`
    /// (with `=`) switches the resource reached by `prefix` to the child the value names, for every
    /// condition through that prefix (`host.hypervisorType=KVM&host.username=root`). Shorter
    /// prefixes first, so switches can nest; the first condition per prefix wins.
    #[inline(never)]
    fn nested_type_switches(&mut self, q: &ast::Query<'_>, root: ResourceId) {
        let mut candidates: Vec<&ast::Condition<'_>> = q
            .conditions
            .iter()
            .filter(|c| {
                c.op.node == Op::Eq
                    && c.path.segments.len() >= 2
                    && c.value.is_some()
                    // Only a type field's name can switch (checked again below, after binding).
                    && c.path
                        .segments
                        .last()
                        .is_some_and(|s| self.schema.is_type_field(&s.node))
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        candidates.sort_by_key(|c| c.path.segments.len());
        let notes = self.notes.len();
        for c in candidates {
            let key = prefix_key(&c.path.segments, c.path.segments.len() - 2);
            if self.switches.contains_key(&key) {
                continue;
            }
            let Ok(bound) = self.bind(&c.path, root) else {
                continue;
            };
            let at = bound.at;
            let Some(tf) = self.schema.resource(at).type_field else {
                continue;
            };
            if bound.last.node != tf {
                continue;
            }
            let value = c.value.as_ref().map_or("", |v| v.node.as_ref());
            if let Some(child) = self.schema.child_for_type(at, value) {
                self.switches.insert(key, child);
            }
        }
        // Binding here is a dry run: its notes come again from the real pass.
        self.notes.truncate(notes);
        let mut found: Vec<(&String, &ResourceId)> = self.switches.iter().collect();
        found.sort();
        for (_, child) in found {
            let child = self.schema.resource(*child);
            if let Some(parent) = child.parent {
                self.notes.push(Note::TypeSwitch {
                    from: self.schema.resource(parent).name,
                    to: child.name,
                });
            }
        }
    }

    /// Binds the hops of `path` (all segments but the last), expanding aliases.
    fn bind<'a>(&mut self, path: &'a ast::Path<'a>, from: ResourceId) -> Result<Bound<'a>> {
        let max = self.options.limits.max_path_depth;
        let (last, hop_segs) = path
            .segments
            .split_last()
            .ok_or_else(|| self.err(ErrorKind::SyntaxInvalidPath, path.span))?;
        // The written segments in order, each preceded by what the aliases met so far expand to:
        // (name, span, index of the written segment whose expansion ends here). An alias pushes
        // its expansion on `expanded` (a stack, empty and unallocated unless an alias is met), the
        // last piece inheriting the index.
        let mut expanded: Vec<(&str, Span, Option<usize>)> = Vec::new();
        let mut written_next = 0;
        // The hop list of the previous condition, emptied: one allocation per resolve, not one per
        // condition with a hop.
        let mut hops = std::mem::take(&mut self.hop_buffer);
        hops.clear();
        hops.reserve(hop_segs.len());
        let mut cur = from;
        let mut expansions = 0;
        loop {
            let (name, span, written) = match expanded.pop() {
                Some(piece) => piece,
                None => match hop_segs.get(written_next) {
                    Some(s) => {
                        written_next += 1;
                        (s.node.as_ref(), s.span, Some(written_next - 1))
                    }
                    None => break,
                },
            };
            if hops.len() >= max {
                return Err(self
                    .err(
                        ErrorKind::LimitExceeded {
                            limit: Limit::PathDepth,
                            max,
                        },
                        path.span,
                    )
                    .with_hint(format!("a path may cross at most {max} relations")));
            }
            if let Some((rel, keys)) = self.schema.hop(cur, name) {
                hops.push((
                    Hop {
                        name: rel.name,
                        cardinality: rel.cardinality,
                        local: keys.local,
                        remote: keys.remote,
                    },
                    rel.target,
                ));
                cur = rel.target;
                // A type switch on this prefix (`host.hypervisorType=KVM`) makes the hop reach the child.
                if let Some(i) = written
                    && !self.switches.is_empty()
                    && let Some(child) = self.switches.get(&prefix_key(&path.segments, i))
                    && self.schema.lineage(*child).any(|a| a == cur)
                {
                    cur = *child;
                    if let Some(last) = hops.last_mut() {
                        last.1 = cur;
                    }
                }
            } else if let Some(alias) = self.schema.alias(cur, name) {
                expansions += 1;
                if expansions > 4 * max {
                    return Err(self.err(ErrorKind::PathAliasLoop { alias: name.into() }, span));
                }
                self.notes.push(Note::AliasExpanded {
                    alias: alias.name,
                    path: alias.path.join("."),
                });
                let n = alias.path.len();
                expanded.extend(
                    alias
                        .path
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(k, p)| (*p, span, if k + 1 == n { written } else { None })),
                );
            } else {
                return Err(self.unknown_relation(cur, name, span, path));
            }
        }
        Ok(Bound {
            hops,
            at: cur,
            last,
        })
    }

    #[inline(never)]
    fn unknown_relation(
        &self,
        at: ResourceId,
        name: &str,
        span: Span,
        path: &ast::Path<'_>,
    ) -> Error {
        let r = self.schema.resource(at);
        let e = self.err(
            ErrorKind::PathUnknownRelation {
                resource: r.inventory.into(),
                relation: name.into(),
            },
            span,
        );
        if self.schema.field(at, name).is_some() {
            return e.with_hint(format!(
                "`{name}` is a field of {}, not a relation: it must be the last segment",
                r.inventory
            ));
        }
        if let Some(hint) = self.relation_hint(at, name) {
            return e.with_hint(hint);
        }
        // A resource reachable by a longer path: suggest the shortest one.
        if let Some(path_hint) = self.reachable_hint(at, name, path, span) {
            return e.with_hint(path_hint);
        }
        e.with_hint(format!(
            "`zstack-query fields {} <path>.` lists what can follow",
            r.api.unwrap_or(r.name)
        ))
    }

    #[inline(never)]
    fn relation_hint(&self, at: ResourceId, name: &str) -> Option<String> {
        let rels = self.schema.all_relations(at);
        let aliases = self.schema.all_aliases(at);
        let names = rels
            .iter()
            .map(|r| r.name)
            .chain(aliases.iter().map(|a| a.name));
        closest(name, names).map(|c| format!("did you mean `{c}`?"))
    }

    /// `vmInstance.l3Network` → "did you mean `vmNics.l3Network`?": `name` is a relation of some
    /// resource targeting T (or names T); the graph's shortest path from `at` to T replaces it.
    #[inline(never)]
    fn reachable_hint(
        &self,
        at: ResourceId,
        name: &str,
        path: &ast::Path<'_>,
        span: Span,
    ) -> Option<String> {
        let target = self.schema.resources().iter().find_map(|r| {
            if r.name.eq_ignore_ascii_case(name) {
                return Some(r.id);
            }
            r.relations
                .iter()
                .find(|rel| rel.name.eq_ignore_ascii_case(name))
                .map(|rel| rel.target)
        })?;
        let hops = self.schema.graph().shortest_path(at, target, 4)?;
        // Rebuild the whole path with the segment replaced.
        let mut out = Vec::new();
        for seg in &path.segments {
            if seg.span == span {
                out.push(hops.join("."));
            } else {
                out.push(seg.node.to_string());
            }
        }
        Some(format!("did you mean `{}`?", out.join(".")))
    }

    /// Resolves one condition into the scope tree.
    fn condition(&mut self, c: &ast::Condition<'_>, root: &mut Scope) -> Result<()> {
        let bound = self.bind(&c.path, root.resource)?;
        let Bound { mut hops, at, last } = bound;
        let (predicate, hops_after) = if last.node == SYSTEM_TAG || last.node == USER_TAG {
            let table = if last.node == SYSTEM_TAG {
                TagTable::System
            } else {
                TagTable::User
            };
            if !self.schema.resource(at).tags {
                return Err(self
                    .err(
                        ErrorKind::PathUnknownField {
                            resource: self.schema.resource(at).inventory.into(),
                            field: last.node.to_string(),
                        },
                        last.span,
                    )
                    .with_hint("this resource has no tags"));
            }
            let predicate = self.tag_predicate(c, table)?;
            if let Predicate::Tag { test: Some(t), .. } = &predicate {
                self.trace(c, t, || SlotKind::Text);
            }
            (predicate, hops)
        } else {
            let Some(f) = self.schema.field(at, &last.node) else {
                return Err(self.unknown_field(at, last, &c.path));
            };
            let mut column = Column {
                owner: f.owner,
                field: f.field.name,
                column: f.field.column,
                ty: f.field.ty.clone(),
                stored_in: f.field.stored_in.clone(),
            };
            let test = self.test(c, &column)?;
            self.trace(c, &test, || SlotKind::Typed {
                ty: column.ty.clone(),
                field: column.field,
            });
            // Redundant last hop (design.md): `zone.uuid=X` → `zoneUuid = X`, to-one only, and not
            // for null tests, whose meaning it would change (no zone vs a zone without uuid).
            if let Some((hop, _)) = hops.last()
                && hop.cardinality == Cardinality::One
                && hop.remote.1 == column.column
                && column.stored_in.is_none()
                && !matches!(test, Test::Null { .. })
            {
                let (hop, _) = hops.pop().expect("checked by hops.last()");
                let from = hops.last().map_or(root.resource, |(_, r)| *r);
                let local = self
                    .schema
                    .field(
                        from,
                        field_name_of_column(self.schema, hop.local.0, hop.local.1),
                    )
                    .map(|f| f.field.ty.clone());
                column = Column {
                    owner: hop.local.0,
                    field: field_name_of_column(self.schema, hop.local.0, hop.local.1),
                    column: hop.local.1,
                    ty: local.unwrap_or(column.ty),
                    stored_in: None,
                };
                self.notes.push(Note::LastHopCollapsed {
                    path: c.path.dotted(),
                    column: hop.local.1,
                });
            }
            (
                Predicate::Field {
                    column,
                    test,
                    span: c.span,
                },
                hops,
            )
        };
        let hops = self.remove_round_trips(hops_after, root.resource, &c.path);
        self.insert(root, &hops.kept, predicate);
        for exists in hops.exists {
            self.insert_exists(root, &exists);
        }
        self.hop_buffer = hops.kept;
        Ok(())
    }

    #[inline(never)]
    fn unknown_field(
        &self,
        at: ResourceId,
        last: &ast::Segment<'_>,
        path: &ast::Path<'_>,
    ) -> Error {
        let r = self.schema.resource(at);
        let name = last.node.as_ref();
        let e = self.err(
            ErrorKind::PathUnknownField {
                resource: r.inventory.into(),
                field: name.into(),
            },
            last.span,
        );
        if self.schema.relation(at, name).is_some() || self.schema.alias(at, name).is_some() {
            return self
                .err(
                    ErrorKind::PathEndsOnRelation {
                        relation: name.into(),
                    },
                    last.span,
                )
                .with_hint(format!(
                    "compare a field of it, e.g. `{}.uuid`",
                    path.dotted()
                ));
        }
        let fields = self.schema.all_fields(at);
        let names = fields
            .iter()
            .map(|f| f.field.name)
            .chain(r.tags.then_some(SYSTEM_TAG))
            .chain(r.tags.then_some(USER_TAG));
        if let Some(c) = closest(name, names) {
            return e.with_hint(format!("did you mean `{c}`?"));
        }
        // A field of a child type: say how to switch (on the same prefix).
        let prefix: String = path
            .segments
            .iter()
            .take(path.segments.len().saturating_sub(1))
            .map(|s| format!("{}.", s.node))
            .collect();
        for child in self.children_deep(at) {
            let cr = self.schema.resource(child);
            if cr.fields.iter().any(|f| f.name == name)
                && let (Some(tf), Some(tv)) = (
                    self.schema.resource(cr.parent.unwrap_or(at)).type_field,
                    cr.type_value,
                )
            {
                return e.with_hint(format!(
                    "`{name}` is a field of {}: add the condition `{prefix}{tf}={tv}`",
                    cr.inventory
                ));
            }
        }
        if let Some(h) = self.relation_hint(at, name) {
            return e.with_hint(format!("{h} (a relation; add a field after it)"));
        }
        e.with_hint(format!(
            "`zstack-query fields {}` lists the fields",
            r.api.unwrap_or(r.name)
        ))
    }

    #[inline(never)]
    fn children_deep(&self, id: ResourceId) -> Vec<ResourceId> {
        let mut out = Vec::new();
        let mut stack = self.schema.resource(id).children.clone();
        while let Some(c) = stack.pop() {
            out.push(c);
            stack.extend(self.schema.resource(c).children.iter().copied());
        }
        out
    }

    /// The value test for a field condition, typed.
    fn test(&self, c: &ast::Condition<'_>, column: &Column) -> Result<Test> {
        let op = c.op.node;
        let ty = &column.ty;
        let not_allowed = || {
            self.err(
                ErrorKind::OperatorNotAllowed {
                    op: op.to_string(),
                    field: column.field.into(),
                    field_type: ty.name().into(),
                },
                c.op.span,
            )
        };
        match op {
            Op::IsNull | Op::NotNull => {
                return Ok(Test::Null {
                    negated: op == Op::NotNull,
                });
            }
            Op::Like | Op::NotLike if !(ty.is_textual() || *ty == FieldType::Timestamp) => {
                return Err(not_allowed().with_hint(
                    "`~=` / `!~=` apply to string, enum and timestamp fields; use `=` or `?=`",
                ));
            }
            Op::Gt | Op::Lt | Op::Ge | Op::Le if *ty == FieldType::Boolean => {
                return Err(not_allowed().with_hint("a boolean is compared with `=` or `!=`"));
            }
            _ => {}
        }
        let (text, span) = match &c.value {
            Some(v) => (v.node.as_ref(), v.span),
            None => ("", c.op.span),
        };
        let one = |t: &str, s: Span| value::typed(t, ty, column.field, s, self.input);
        Ok(match op {
            Op::Eq => Test::Compare(Cmp::Eq, one(text, span)?),
            Op::Ne => Test::Compare(Cmp::Ne, one(text, span)?),
            Op::Gt => Test::Compare(Cmp::Gt, one(text, span)?),
            Op::Lt => Test::Compare(Cmp::Lt, one(text, span)?),
            Op::Ge => Test::Compare(Cmp::Ge, one(text, span)?),
            Op::Le => Test::Compare(Cmp::Le, one(text, span)?),
            Op::In | Op::NotIn => Test::In {
                negated: op == Op::NotIn,
                values: self.list(text, span, |t, s| one(t, s))?,
            },
            Op::Like | Op::NotLike => Test::Like {
                negated: op == Op::NotLike,
                pattern: like_pattern(text),
            },
            Op::IsNull | Op::NotNull => Test::Null {
                negated: op == Op::NotNull,
            },
        })
    }

    /// Splits an IN value on `,` (design.md: `?=` splits on comma; items are not trimmed), typing
    /// each item, within the IN-list bound.
    fn list(
        &self,
        text: &str,
        span: Span,
        mut item: impl FnMut(&str, Span) -> Result<Param>,
    ) -> Result<Vec<Param>> {
        let max = self.options.limits.max_in_list;
        // Sized once: at most `max + 1` items are ever pushed, then the padding.
        let items = in_list_len(text);
        let mut out = Vec::with_capacity(plan::in_list_bucket(items.min(max + 1)));
        let mut offset = 0;
        for part in text.split(',') {
            if out.len() >= max {
                return Err(self.err(
                    ErrorKind::LimitExceeded {
                        limit: Limit::InList,
                        max,
                    },
                    span,
                ));
            }
            // Item spans are exact when the value was not percent-decoded.
            let s = if span.end - span.start == text.len() {
                Span::new(span.start + offset, span.start + offset + part.len())
            } else {
                span
            };
            out.push(item(part, s)?);
            offset += part.len() + 1;
        }
        // One statement per length bucket (plan::in_list_bucket): pad with the last item.
        let padded = plan::in_list_bucket(out.len());
        if let Some(last) = out.last().cloned() {
            out.resize(padded, last);
        }
        Ok(out)
    }

    /// design.md "Tags": positive operators mean "has a tag that …"; `!=`, `!?=`, `!~=` mean "has
    /// no tag that …"; `=null` means "has no tag", `!=null` "has a tag".
    #[inline(never)]
    fn tag_predicate(&self, c: &ast::Condition<'_>, table: TagTable) -> Result<Predicate> {
        let op = c.op.node;
        let (text, span) = match &c.value {
            Some(v) => (v.node.as_ref(), v.span),
            None => ("", c.op.span),
        };
        let text_param = |t: &str, _s: Span| Ok(Param::Text(t.into()));
        let (negated, test) = match op {
            Op::IsNull => (true, None),
            Op::NotNull => (false, None),
            Op::Eq | Op::Ne => (
                op == Op::Ne,
                Some(Test::Compare(Cmp::Eq, Param::Text(text.into()))),
            ),
            Op::Gt => (
                false,
                Some(Test::Compare(Cmp::Gt, Param::Text(text.into()))),
            ),
            Op::Lt => (
                false,
                Some(Test::Compare(Cmp::Lt, Param::Text(text.into()))),
            ),
            Op::Ge => (
                false,
                Some(Test::Compare(Cmp::Ge, Param::Text(text.into()))),
            ),
            Op::Le => (
                false,
                Some(Test::Compare(Cmp::Le, Param::Text(text.into()))),
            ),
            Op::In | Op::NotIn => (
                op == Op::NotIn,
                Some(Test::In {
                    negated: false,
                    values: self.list(text, span, text_param)?,
                }),
            ),
            Op::Like | Op::NotLike => (
                op == Op::NotLike,
                Some(Test::Like {
                    negated: false,
                    pattern: like_pattern(text),
                }),
            ),
        };
        Ok(Predicate::Tag {
            table,
            negated,
            test,
            span: c.span,
        })
    }

    /// design.md "Cycles": a to-many hop followed by its own inverse to-one hop returns to the same
    /// row. The pair is removed; what remains is "that row has such a related row" (an existence
    /// scope at the removed to-many hop). Other revisits are kept and noted.
    fn remove_round_trips(
        &mut self,
        mut hops: Vec<(Hop, ResourceId)>,
        root: ResourceId,
        path: &ast::Path<'_>,
    ) -> Trimmed {
        let mut exists = Vec::new();
        let mut i = 0;
        while i + 1 < hops.len() {
            let (a, b) = (&hops[i].0, &hops[i + 1].0);
            // The pair must come back to the resource it left: matching key columns alone are
            // not enough (LocalStorageResourceRef's `resourceUuid` points at volumes and images).
            let is_inverse = a.cardinality == Cardinality::Many
                && b.cardinality == Cardinality::One
                && a.remote.1 == b.local.1
                && a.local.1 == b.remote.1
                && a.local.0 == b.remote.0;
            if is_inverse {
                self.notes.push(Note::CycleRemoved {
                    path: path.dotted(),
                    hops: format!("{}.{}", a.name, b.name),
                });
                let mut ex: Vec<(Hop, ResourceId)> = hops[..=i].to_vec();
                // Existence scopes found earlier in this path sit below the removed pair's prefix
                // only if they share it; they were built from the hops as they were then.
                exists.push(std::mem::take(&mut ex));
                hops.drain(i..i + 2);
                i = i.saturating_sub(1);
                continue;
            }
            i += 1;
        }
        // Meaningful revisits (kept), for explain.
        for (i, (_, r)) in hops.iter().enumerate() {
            if *r == root || hops[..i].iter().any(|(_, earlier)| earlier == r) {
                self.notes.push(Note::CycleKept {
                    path: path.dotted(),
                    resource: self.schema.resource(*r).name,
                });
            }
        }
        Trimmed { kept: hops, exists }
    }

    /// Adds `predicate` at the scope reached by `hops` (creating scopes as needed).
    fn insert(&self, root: &mut Scope, hops: &[(Hop, ResourceId)], predicate: Predicate) {
        let scope = self.descend(root, hops);
        scope.predicates.push(predicate);
    }

    /// Ensures the scope reached by `hops` exists (an existence test).
    fn insert_exists(&self, root: &mut Scope, hops: &[(Hop, ResourceId)]) {
        // Existence scopes always merge with an existing scope on the same path: "has a NIC" is
        // implied by "has a NIC with …".
        let mut scope = root;
        for (hop, target) in hops {
            let pos = scope.children.iter().position(|(h, _)| h.name == hop.name);
            let idx = match pos {
                Some(i) => i,
                None => {
                    scope.children.push((hop.clone(), Scope::new(*target)));
                    scope.children.len() - 1
                }
            };
            scope = &mut scope.children[idx].1;
        }
    }

    fn descend<'x>(&self, root: &'x mut Scope, hops: &[(Hop, ResourceId)]) -> &'x mut Scope {
        let mut scope = root;
        for (hop, target) in hops {
            // Shared prefixes bind to the same row, unless the engine asks for ZStack's form.
            let pos = if self.options.independent_paths {
                None
            } else {
                scope.children.iter().position(|(h, _)| h.name == hop.name)
            };
            let idx = match pos {
                Some(i) => i,
                None => {
                    scope.children.push((hop.clone(), Scope::new(*target)));
                    scope.children.len() - 1
                }
            };
            scope = &mut scope.children[idx].1;
        }
        scope
    }

    /// `fields`, `count`, `groupBy` → what the statement returns.
    fn output(&self, q: &ast::Query<'_>, root: ResourceId) -> Result<Output> {
        let count = q.count.as_ref().is_some_and(|c| c.node);
        if !q.group_by.is_empty() {
            let columns = q
                .group_by
                .iter()
                .map(|p| self.native_column(p, root, "groupBy"))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Output::Groups {
                columns,
                as_counts: count,
            });
        }
        if count {
            return Ok(Output::Count);
        }
        if q.fields.is_empty() {
            let cols = self
                .schema
                .all_fields(root)
                .into_iter()
                .filter(|f| f.field.is_native())
                .map(|f| Column {
                    owner: f.owner,
                    field: f.field.name,
                    column: f.field.column,
                    ty: f.field.ty.clone(),
                    stored_in: None,
                })
                .collect();
            return Ok(Output::Rows(cols));
        }
        let mut cols: Vec<Column> = Vec::with_capacity(q.fields.len());
        for p in &q.fields {
            let c = self.native_column(p, root, "fields")?;
            if !cols.iter().any(|x| x.field == c.field) {
                cols.push(c);
            }
        }
        Ok(Output::Rows(cols))
    }

    /// A native field of the root, for `fields` and `groupBy` (design.md: native fields only).
    fn native_column(&self, p: &ast::Path<'_>, root: ResourceId, param: &str) -> Result<Column> {
        let r = self.schema.resource(root);
        if p.segments.len() != 1 {
            return Err(self
                .err(
                    ErrorKind::ParameterFieldNotAllowed {
                        param: param.into(),
                        field: p.dotted(),
                        reason: "only fields of the resource itself can be used".into(),
                    },
                    p.span,
                )
                .with_hint(format!(
                    "use a field of {}; filter on `{}` with `q=` instead",
                    r.inventory,
                    p.dotted()
                )));
        }
        let seg = &p.segments[0];
        match self.schema.field(root, &seg.node) {
            Some(f) if f.field.is_native() => Ok(Column {
                owner: f.owner,
                field: f.field.name,
                column: f.field.column,
                ty: f.field.ty.clone(),
                stored_in: None,
            }),
            Some(_) => Err(self.err(
                ErrorKind::ParameterFieldNotAllowed {
                    param: param.into(),
                    field: p.dotted(),
                    reason: "it is stored in another table".into(),
                },
                p.span,
            )),
            None => {
                let fields = self.schema.all_fields(root);
                let e = self.err(
                    ErrorKind::PathUnknownField {
                        resource: r.inventory.into(),
                        field: seg.node.to_string(),
                    },
                    seg.span,
                );
                Err(
                    match closest(&seg.node, fields.iter().map(|f| f.field.name)) {
                        Some(c) => e.with_hint(format!("did you mean `{c}`?")),
                        None => e,
                    },
                )
            }
        }
    }

    /// `sort`: root fields or to-one dotted paths; the primary key is appended by emit.
    fn sort(
        &mut self,
        q: &ast::Query<'_>,
        root: ResourceId,
        output: &Output,
    ) -> Result<Vec<plan::SortKey>> {
        let max = self.options.limits.max_sort_keys;
        if q.sort.len() > max {
            return Err(self.err(
                ErrorKind::LimitExceeded {
                    limit: Limit::SortKeys,
                    max,
                },
                q.sort[max].path.span,
            ));
        }
        let mut out = Vec::with_capacity(q.sort.len());
        for key in &q.sort {
            if let Output::Groups { columns, .. } = output {
                let ok = key.path.segments.len() == 1
                    && columns.iter().any(|c| c.field == key.path.segments[0].node);
                if !ok {
                    return Err(self.err(
                        ErrorKind::ParameterFieldNotAllowed {
                            param: "sort".into(),
                            field: key.path.dotted(),
                            reason: "with groupBy, sort by a group field".into(),
                        },
                        key.path.span,
                    ));
                }
            }
            let Bound { hops, at, last } = self.bind(&key.path, root)?;
            if hops.iter().any(|(h, _)| h.cardinality == Cardinality::Many) {
                return Err(self
                    .err(
                        ErrorKind::ParameterFieldNotAllowed { param: "sort".into(), field: key.path.dotted(), reason: "the path crosses a to-many relation, which has no single value per row".into() },
                        key.path.span,
                    )
                    .with_hint("sort by a field of the resource or of a to-one relation (`zone.name`)"));
            }
            let Some(f) = self.schema.field(at, &last.node) else {
                let fake = ast::Path {
                    segments: last.clone().into(),
                    span: last.span,
                };
                return Err(self.unknown_field(at, last, &fake));
            };
            if !f.field.is_native() {
                return Err(self.err(
                    ErrorKind::ParameterFieldNotAllowed {
                        param: "sort".into(),
                        field: key.path.dotted(),
                        reason: "it is stored in another table".into(),
                    },
                    key.path.span,
                ));
            }
            out.push(plan::SortKey {
                hops,
                column: Column {
                    owner: f.owner,
                    field: f.field.name,
                    column: f.field.column,
                    ty: f.field.ty.clone(),
                    stored_in: None,
                },
                descending: key.descending,
            });
        }
        Ok(out)
    }
}

/// The written hop prefix `segments[..=i]` as dotted text, the key of a nested type switch.
fn prefix_key(segments: &[ast::Segment<'_>], i: usize) -> String {
    let mut key = String::new();
    for (k, s) in segments.iter().take(i + 1).enumerate() {
        if k > 0 {
            key.push('.');
        }
        key.push_str(&s.node);
    }
    key
}

/// Hops after round-trip removal, and the existence scopes the removal leaves.
struct Trimmed {
    kept: Vec<(Hop, ResourceId)>,
    exists: Vec<Vec<(Hop, ResourceId)>>,
}

/// The field name whose column is `column` on `owner` (keys are validated native fields).
fn field_name_of_column(schema: &Schema, owner: ResourceId, column: &'static str) -> &'static str {
    schema
        .resource(owner)
        .fields
        .iter()
        .find(|f| f.column == column)
        .map_or(column, |f| f.name)
}

/// The number of items of an IN value (design.md: `?=` splits on every comma; items are not
/// trimmed, so `a,,b` has three). The statement-shape cache keys the same count.
pub(crate) fn in_list_len(text: &str) -> usize {
    text.bytes().filter(|b| *b == b',').count() + 1
}

/// design.md: `\` is the LIKE escape character. A lone trailing `\` escapes nothing; it is taken
/// as a literal backslash so that no dialect sees a pattern ending in its escape character.
fn like_pattern(text: &str) -> Arc<str> {
    let trailing = text.bytes().rev().take_while(|b| *b == b'\\').count();
    if trailing % 2 == 1 {
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        s.push('\\');
        s.into()
    } else {
        text.into()
    }
}
