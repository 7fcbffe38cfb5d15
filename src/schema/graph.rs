//! The relation graph: one node per resource, one edge per relation (inherited relations included,
//! so a child can be walked like its parent). Used for suggestions (the shortest path to a resource
//! that is reachable but not directly related) and for `schema --cycles` (strongly connected
//! components), not on the compile hot path: resolving a hop is a lookup by name.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Cardinality, Resource, ResourceId};

/// A directed graph of resources and their relations.
#[derive(Debug, Default)]
pub struct RelationGraph {
    /// Node weight: the resource; edge weight: the relation name and cardinality.
    graph: DiGraph<ResourceId, (&'static str, Cardinality)>,
}

/// A strongly connected component with more than one resource (or a self-relation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The resources, sorted by id.
    pub resources: Vec<ResourceId>,
}

impl RelationGraph {
    /// Builds the graph; node `i` is `ResourceId(i)`.
    pub(crate) fn build(resources: &[Resource]) -> RelationGraph {
        let mut graph = DiGraph::with_capacity(resources.len(), resources.len() * 4);
        for r in resources {
            graph.add_node(r.id);
        }
        for r in resources {
            // Own and inherited relations, as the resolver sees them.
            let mut cur = Some(r.id);
            let mut names: Vec<&str> = Vec::new();
            while let Some(c) = cur {
                let owner = &resources[c.0 as usize];
                for rel in &owner.relations {
                    if !names.contains(&rel.name) {
                        names.push(rel.name);
                        graph.add_edge(
                            NodeIndex::new(r.id.0 as usize),
                            NodeIndex::new(rel.target.0 as usize),
                            (rel.name, rel.cardinality),
                        );
                    }
                }
                cur = owner.parent;
            }
        }
        RelationGraph { graph }
    }

    /// The strongly connected components that contain a cycle, largest first.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut out: Vec<Cycle> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.find_edge(scc[0], scc[0]).is_some())
            .map(|scc| {
                let mut resources: Vec<ResourceId> = scc.iter().map(|n| self.graph[*n]).collect();
                resources.sort();
                Cycle { resources }
            })
            .collect();
        out.sort_by(|a, b| {
            b.resources
                .len()
                .cmp(&a.resources.len())
                .then(a.resources.cmp(&b.resources))
        });
        out
    }

    /// The shortest relation path (hop names) from `from` to `to`, at most `max_hops` long; `None`
    /// if unreachable. Among equally short paths, the one that least often climbs to a container
    /// and back down (a to-one hop followed by a to-many hop: `zone.l3Network` is "any network of
    /// the VM's zone") is preferred, so a VM reaches its networks through `vmNics.l3Network`; then
    /// declaration order decides.
    pub fn shortest_path(
        &self,
        from: ResourceId,
        to: ResourceId,
        max_hops: usize,
    ) -> Option<Vec<&'static str>> {
        use petgraph::visit::EdgeRef;
        let n = self.graph.node_count();
        let (from_i, to_i) = (from.0 as usize, to.0 as usize);
        if from_i >= n || to_i >= n || from_i == to_i {
            return None;
        }
        // Breadth first, keeping every shortest-path predecessor edge.
        let mut depth = vec![usize::MAX; n];
        let mut preds: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n]; // (node, edge order)
        depth[from_i] = 0;
        let mut frontier = vec![from_i];
        let mut order = 0usize;
        let mut edge_info: Vec<(&'static str, Cardinality)> = Vec::new();
        while !frontier.is_empty() && depth[to_i] == usize::MAX {
            let mut next = Vec::new();
            for &cur in &frontier {
                if depth[cur] >= max_hops {
                    continue;
                }
                // petgraph lists edges newest first; reverse for declaration order.
                let mut edges: Vec<_> = self.graph.edges(NodeIndex::new(cur)).collect();
                edges.reverse();
                for e in edges {
                    let t = e.target().index();
                    if depth[t] == usize::MAX || depth[t] == depth[cur] + 1 {
                        if depth[t] == usize::MAX {
                            depth[t] = depth[cur] + 1;
                            next.push(t);
                        }
                        edge_info.push(*e.weight());
                        preds[t].push((cur, order));
                        order += 1;
                    }
                }
            }
            frontier = next;
        }
        if depth[to_i] == usize::MAX {
            return None;
        }
        // Enumerate the shortest paths backwards (bounded), then rank them.
        let mut paths: Vec<Vec<usize>> = Vec::new();
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(to_i, Vec::new())];
        while let Some((node, suffix)) = stack.pop() {
            if node == from_i {
                let mut p = suffix;
                p.reverse();
                paths.push(p);
                if paths.len() >= 256 {
                    break;
                }
                continue;
            }
            for &(p, e) in &preds[node] {
                let mut s = suffix.clone();
                s.push(e);
                stack.push((p, s));
            }
        }
        let climbs = |p: &[usize]| {
            p.windows(2)
                .filter(|w| {
                    edge_info[w[0]].1 == Cardinality::One && edge_info[w[1]].1 == Cardinality::Many
                })
                .count()
        };
        paths.sort_by(|a, b| climbs(a).cmp(&climbs(b)).then_with(|| a.cmp(b)));
        paths
            .first()
            .map(|p| p.iter().map(|e| edge_info[*e].0).collect())
    }

    /// Number of relations (edges, inherited ones counted per child).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// `(from, relation, to)` for every edge, for DOT output.
    pub fn edges(&self) -> impl Iterator<Item = (ResourceId, &'static str, ResourceId)> + '_ {
        self.graph
            .raw_edges()
            .iter()
            .map(|e| (self.graph[e.source()], e.weight.0, self.graph[e.target()]))
    }
}
