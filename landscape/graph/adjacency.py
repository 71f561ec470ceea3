r"""Adjacency graphs of the landscape: where it is benign.

Two graphs, built with networkx:

* The **cell graph** is one neuron's view: its nodes are the cells of the arrangement,
  and an edge joins two cells that share a facet (they differ in exactly one hyperplane
  class, docs/theory.md, section 7).  Theory (Edelman 1984; Zaslavsky 1975): the graph of a
  hyperplane arrangement is connected, and the graph distance between two cells is the
  number of hyperplanes that separate them.
* The **region graph** of width ``m``: its nodes are the *supports* ``S`` (sets of signed
  cones, ``1 <= |S| <= m``).  A support stands for every region (m-tuple of cones) whose
  set of distinct cones is ``S``, i.e. regions up to neuron permutation *and*
  multiplicity: the classification of :meth:`landscape.regions.landscape.Landscape.classify` only
  depends on ``(S, m)``.

Adjacency of supports (one neuron moves)
----------------------------------------
A neuron in cone ``c`` may move to a *neighbouring cone* ``c'``: the cone of the same sign
in a cell that shares a facet with ``c``'s cell (the neuron crosses one facet), or the
cone ``c xor 1`` of the same cell with the opposite output sign (``a_j`` passes through
zero).  Multiplicities decide what happens to the support:

* if ``c`` holds only that neuron, ``c`` leaves: ``T = (S - {c}) | {c'}`` (when ``c'`` is
  already in ``S`` the two groups merge and ``|T| = |S| - 1``).  Some region of support
  ``S`` has a lone neuron in ``c`` iff ``|S| >= 2`` or ``m = 1``;
* if ``c`` holds other neurons too, ``c`` stays: ``T = S | {c'}``.  Some region of support
  ``S`` has a cone with two neurons iff ``|S| < m``.

Both moves are reversible, so adjacency is an undirected graph.

Descent edges
-------------
A **descent edge** ``S -> T`` is taken from the certificate of a region classified
``boundary_descent`` (``certificate["descent"]``): the minimiser of ``V(S)`` over the closed
region lies on its boundary, and a neuron that crosses a facet (``move = "cross"``) or a zero
neuron that grows in a new cone (``move = "grow"``, through the origin, which is in the
closure of every cone) enters a region of support ``T`` with ``V(T) < V(S)``.  Only moves
whose decrease is *certified* (``lower V(S) - upper V(T) > 0`` in exact arithmetic) become
edges; others are recorded on the node and count as traps.  Global regions are terminal.
A region with an interior spurious minimum (class ``spurious``), a boundary local minimum
and an uncertified region have no descent edge.

Benignity
---------
A region is *benign* when it reaches a global region along descent edges.  Every node
has at most one descent edge (one certificate), and certified decreases rule out cycles,
so every non-benign node drains into exactly one *sink*; a **basin** is a sink with the
nodes that drain into it.  The landscape at width ``m`` is benign (:meth:`RegionGraph.is_benign`)
iff *every* region is -- not almost every one.  Uncertified nodes are never benign.

References
----------
E. Boursier, M. Bowditch, M. Englert, R. Lazic (2025), the paper behind this project (see
the README's references): regions, signed cones, the width needed for a benign landscape.  M. Pilanci, T. Ergen, "Neural networks
are convex regularizers", ICML 2020 (the convex programme ``V(S)``).  P. H. Edelman, "A
partial order on the regions of R^n dissected by hyperplanes", Trans. AMS 283 (1984)
(graph distance = number of separating hyperplanes).

Examples
--------
Two orthonormal points with labels ``1`` and ``-1``.  At width 1 every region descends
to a global one; at width 2 two neurons that both serve the positive label are trapped
(Boursier et al. 2025: orthogonal data need width):

>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
>>> rg = region_graph(ds, "1/10", 1)
>>> path = rg.descent_path((0,))          # the lone neuron grows in another cone
>>> rg.number_of_nodes(), rg.is_benign(), len(path), str(rg.classes[path[-1]].klass)
(8, True, 2, 'global')
>>> rg = region_graph(ds, "1/10", 2)
>>> rg.number_of_nodes(), rg.is_benign(), rg.benign_share("uniform") < 1
(36, False, True)
>>> cg = cell_graph(rg.arrangement)
>>> cg.number_of_nodes(), cg.number_of_edges()
(4, 4)
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import networkx as nx
import numpy as np

from ..data import atomic_write
from ..errors import DEFAULT_MAX_NODES, InputError, TooLargeError

__all__ = [
    "DEFAULT_MAX_NODES",
    "CLASS_COLOURS",
    "cell_graph",
    "cell_distance",
    "cone_neighbours",
    "support_moves",
    "estimate_region_graph",
    "region_graph",
    "RegionGraph",
    "Basin",
    "support_key",
    "support_label",
    "write_graph",
    "plot_arrangement_circle",
    "plot_region_graph",
    "graph_command",
]

CLASS_COLOURS = {
    "global": "#2e7d32",
    "spurious": "#c62828",
    "boundary_descent": "#64b5f6",
    "boundary_local_min": "#ef6c00",
    "uncertified": "#9e9e9e",
}


# ---------------------------------------------------------------------------
# Cell graph
# ---------------------------------------------------------------------------


def _rows_of_classes(arr):
    rows_of = [[] for _ in arr.classes.normals]
    for i, c in enumerate(arr.classes.row_class):
        if c >= 0:
            rows_of[int(c)].append(i)
    return rows_of


def cell_graph(arr, gaussian=None) -> nx.Graph:
    """One neuron's view: cells joined when they share a facet.

    Parameters
    ----------
    arr : Arrangement
        From :func:`landscape.geometry.arrangement.enumerate_cells`.
    gaussian : GaussianMeasure, optional
        Cone probabilities; computed with :func:`landscape.geometry.measures.gaussian_measure` when
        omitted.  A cell's probability is the sum over its two signed cones.

    Returns
    -------
    networkx.Graph
        Nodes ``0..P-1`` with attributes ``pattern`` (0/1 string), ``witness`` (exact
        integer interior point, comma separated), ``p_gaussian`` (solid-angle fraction of
        the cell); edges with ``hyperplane`` (class index) and ``rows`` (the data rows
        whose bits flip, comma separated).  GraphML-legal scalars only.

    Examples
    --------
    Three coordinate planes of R^3: the octants form the 3-cube graph.

    >>> from landscape.geometry.arrangement import enumerate_cells
    >>> g = cell_graph(enumerate_cells([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    >>> g.number_of_nodes(), g.number_of_edges(), nx.diameter(g)
    (8, 12, 3)
    >>> round(sum(nx.get_node_attributes(g, "p_gaussian").values()), 12)
    1.0
    """
    from ..geometry.measures import gaussian_measure

    if gaussian is None:
        gaussian = gaussian_measure(arr)
    g = nx.Graph(kind="cell_graph", n=arr.n, dim=arr.dim, cells=arr.count,
                 gaussian_method=gaussian.method, gaussian_error=float(gaussian.error))
    for k in range(arr.count):
        g.add_node(k, pattern=arr.pattern_string(k),
                   witness=",".join(str(v.numerator) for v in arr.witness(k)),
                   p_gaussian=float(gaussian.probs[2 * k] + gaussian.probs[2 * k + 1]))
    rows_of = _rows_of_classes(arr)
    for i, j, c in arr.adjacent_pairs().tolist():
        g.add_edge(int(i), int(j), hyperplane=int(c), rows=",".join(map(str, rows_of[c])))
    return g


def cell_distance(arr, i, j) -> int:
    """Number of hyperplane classes separating cells ``i`` and ``j`` (exact sign vectors).

    >>> from landscape.geometry.arrangement import enumerate_cells
    >>> arr = enumerate_cells([[1, 0], [0, 1]])
    >>> cell_distance(arr, 0, 3)
    2
    """
    return int(np.count_nonzero(arr.class_signs[i] != arr.class_signs[j]))


# ---------------------------------------------------------------------------
# Region graph: moves between supports
# ---------------------------------------------------------------------------


def cone_neighbours(arr) -> list:
    """For every signed cone, the cones one neuron can move to in one step.

    Cone ``c = 2 * cell + (0 if a > 0 else 1)`` neighbours the same-sign cones of the cells
    adjacent to ``cell`` (crossing one facet) and ``c ^ 1`` (the output weight passes
    through zero).

    >>> from landscape.geometry.arrangement import enumerate_cells
    >>> cone_neighbours(enumerate_cells([[1, 0]]))
    [[2, 1], [3, 0], [0, 3], [1, 2]]
    """
    adj = [[] for _ in range(arr.count)]
    for i, j, _ in arr.adjacent_pairs().tolist():
        adj[i].append(j)
        adj[j].append(i)
    out = []
    for c in range(2 * arr.count):
        out.append([2 * k + (c % 2) for k in sorted(adj[c // 2])] + [c ^ 1])
    return out


def support_key(cones) -> tuple:
    """Canonical node key of a support: the sorted tuple of its distinct cones."""
    return tuple(sorted(set(int(c) for c in cones)))


def support_label(S) -> str:
    """Text id of a support, as used in exports: ``"0,5,9"``."""
    return ",".join(map(str, S))


def support_moves(S, m, neighbours):
    """Supports reachable from ``S`` when one neuron moves to a neighbouring cone.

    Yields ``(T, c, c2)``: a neuron leaves cone ``c`` for ``c2``.  If it was alone in
    ``c`` the support becomes ``(S - {c}) | {c2}``; some region of support ``S`` has a lone
    neuron in ``c`` iff the other ``m - 1`` neurons can cover the other ``|S| - 1`` cones
    exactly, i.e. iff ``|S| >= 2`` or ``m = 1``.  If ``c`` holds other neurons too
    (possible iff ``|S| < m``) it becomes ``S | {c2}``.  Moves that leave the support
    unchanged are skipped.

    >>> nb = [[1], [0, 2], [1]]            # a path of three cones
    >>> sorted(T for T, _, _ in support_moves((0,), 1, nb))
    [(1,)]
    >>> sorted(T for T, _, _ in support_moves((0,), 2, nb))  # both neurons sit in cone 0
    [(0, 1)]
    >>> sorted(T for T, _, _ in support_moves((0, 1), 2, nb))
    [(0,), (0, 2), (1,)]
    """
    S = support_key(S)
    if len(S) > m:
        raise InputError(f"support {list(S)} has more cones than the width m = {m}")
    Sset = set(S)
    lone = len(S) >= 2 or m == 1
    for c in S:
        for c2 in neighbours[c]:
            T = support_key((Sset - {c}) | {c2})
            if lone and T != S:
                yield T, c, c2
            if len(S) < m and c2 not in Sset:
                yield support_key(Sset | {c2}), c, c2


def estimate_region_graph(K, m, samples=None, max_degree=None):
    """``(nodes, edges)`` estimate of the region graph before it is built.

    Exhaustive: ``nodes = sum_{k=1}^{min(m,K)} C(K, k)`` exactly; edges at most
    ``nodes * min(m, K) * 2 * (max_degree + 1) / 2`` (each neuron move counted from both
    ends).  Neighbourhood of ``samples`` sampled regions: at most
    ``samples * (1 + 2 * m * (max_degree + 1))`` nodes.

    >>> estimate_region_graph(28, 2)[0]
    406
    """
    deg = max_degree if max_degree is not None else K
    top = min(m, K)
    if samples is None:
        nodes = sum(math.comb(K, k) for k in range(1, top + 1))
        edges = nodes * top * (deg + 1)
    else:
        per = 1 + 2 * top * (deg + 1)
        nodes = samples * per
        edges = nodes * top * (deg + 1)
    return nodes, edges


@dataclass
class Basin:
    """A sink that is not global, with every region that drains into it along descent edges.

    Attributes
    ----------
    sink : tuple of int
        The support where descent stops.
    klass : str
        Class of the sink: ``spurious``, ``boundary_local_min``, ``uncertified``, or
        ``boundary_descent`` when the named descent could not be certified.
    members : list of tuple
        The supports of the basin (the sink included).
    lower, upper : Fraction
        Certified bounds on ``V(sink)``: the loss every region of the basin is trapped at.
    p_uniform : Fraction
        Probability of the basin's regions under the uniform measure (exact).
    p_gaussian : float
        The same under Gaussian initialisation.
    """

    sink: tuple
    klass: str
    members: list
    lower: Fraction
    upper: Fraction
    p_uniform: Fraction
    p_gaussian: float

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def value(self) -> float:
        return float((self.lower + self.upper) / 2)

    def to_json_obj(self, members=True):
        obj = {"size": self.size, "value": self.value, "class": self.klass, "sink": list(self.sink),
               "lower": self.lower, "upper": self.upper, "p_uniform": self.p_uniform,
               "p_gaussian": self.p_gaussian}
        if members:
            obj["members"] = [list(S) for S in self.members]
        return obj


@dataclass
class RegionGraph:
    """The region graph of width ``m`` with certified classes and descent edges.

    Attributes
    ----------
    m : int
    mode : str
        ``"exhaustive"`` (every support of size ``<= m``) or ``"sampled-neighbourhood"``
        (sampled regions, their neighbours and their descent chains only: shares and
        benignity are then about the sample, not the landscape).
    adjacency : networkx.Graph
        Nodes are support keys (sorted tuples); node attributes are GraphML-legal.
    descent : networkx.DiGraph
        Certified descent edges only, with ``decrease_at_least`` (a Fraction) and ``move``.
    classes : dict
        support -> :class:`~landscape.regions.landscape.SupportClass`.
    landscape : Landscape
    sampled : list of tuple
        The sampled supports (with repetition) in sampled mode, else empty.
    """

    m: int
    mode: str
    adjacency: nx.Graph
    descent: nx.DiGraph
    classes: dict
    landscape: object
    arrangement: object
    p_uniform: dict
    p_gaussian: dict
    sampled: list = field(default_factory=list)
    seconds: float = 0.0

    # -- sizes ----------------------------------------------------------------
    def number_of_nodes(self) -> int:
        return self.adjacency.number_of_nodes()

    def number_of_edges(self) -> int:
        return self.adjacency.number_of_edges()

    def number_of_descent_edges(self) -> int:
        return self.descent.number_of_edges()

    # -- benignity --------------------------------------------------------------
    def global_nodes(self) -> set:
        return {S for S, sc in self.classes.items() if sc.klass == "global"}

    def benign_nodes(self) -> set:
        """Supports that reach a global support along certified descent edges."""
        out = set()
        for g in self.global_nodes():
            out.add(g)
            out |= nx.ancestors(self.descent, g)
        return out

    def is_benign(self):
        """True iff every region reaches a global region along descent edges.

        Exhaustive mode answers for the landscape.  In sampled mode the answer is False
        when a sampled region is trapped and None (unknown) otherwise.
        """
        trapped = set(self.classes) - self.benign_nodes()
        if self.mode == "exhaustive":
            return not trapped
        return False if trapped else None

    def sink_of(self, S):
        """Where descent from ``S`` stops (a node without an outgoing descent edge)."""
        S = support_key(S)
        seen = {S}
        while True:
            nxt = list(self.descent.successors(S))
            if not nxt:
                return S
            S = nxt[0]
            if S in seen:  # pragma: no cover - certified decreases exclude cycles
                raise RuntimeError("descent cycle: the certificates contradict each other")
            seen.add(S)

    def basins(self) -> list:
        """The non-benign regions grouped by the sink they drain into (largest first)."""
        benign = self.benign_nodes()
        groups = {}
        for S in self.classes:
            if S not in benign:
                groups.setdefault(self.sink_of(S), []).append(S)
        out = []
        for sink, members in groups.items():
            sc = self.classes[sink]
            out.append(Basin(sink, sc.klass, sorted(members, key=lambda s: (len(s), s)), sc.lower, sc.upper,
                             sum((self.p_uniform[S] for S in members), Fraction(0)),
                             float(sum(self.p_gaussian[S] for S in members))))
        out.sort(key=lambda b: (-b.p_uniform, -b.size, b.sink))
        return out

    def benign_share(self, measure="uniform"):
        """Probability that a random width-``m`` region is benign.

        ``measure`` is ``"uniform"`` (exact Fraction), ``"gaussian"`` (float) or
        ``"count"`` (share of supports, a Fraction).  In sampled mode: the share of sampled
        regions (a Fraction), whatever the measure.
        """
        benign = self.benign_nodes()
        if self.mode != "exhaustive":
            if not self.sampled:
                return None
            return Fraction(sum(1 for S in self.sampled if S in benign), len(self.sampled))
        if measure == "uniform":
            return sum((self.p_uniform[S] for S in benign), Fraction(0))
        if measure == "gaussian":
            return float(sum(self.p_gaussian[S] for S in benign))
        if measure == "count":
            return Fraction(len(benign), max(1, len(self.classes)))
        raise InputError(f"unknown measure {measure!r}; use uniform, gaussian or count")

    def class_share(self, klass, measure="uniform"):
        """Probability (exhaustive mode) of the regions of one class."""
        nodes = [S for S, sc in self.classes.items() if sc.klass == klass]
        if measure == "uniform":
            return sum((self.p_uniform[S] for S in nodes), Fraction(0))
        return float(sum(self.p_gaussian[S] for S in nodes))

    def descent_path(self, S):
        """Shortest descent path (list of supports) from ``S`` to a global support, or None."""
        S = support_key(S)
        if S not in self.classes:
            raise InputError(f"support {list(S)} is not a node of this region graph")
        best = None
        lengths = nx.single_source_shortest_path(self.descent, S)
        for T, path in lengths.items():
            if self.classes[T].klass == "global" and (best is None or len(path) < len(best)):
                best = path
        return best

    # -- export ------------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """One graph for export: adjacency edges (``kind="adjacent"``, stored once) and
        descent edges (``kind="descent"``); node ids are :func:`support_label` strings and
        every attribute is a GraphML-legal scalar (str, int or float)."""
        benign = self.benign_nodes()
        sink = {}
        for b in self.basins():
            for S in b.members:
                sink[S] = support_label(b.sink)
        G = nx.MultiDiGraph(kind="region_graph", m=self.m, mode=self.mode, K=self.landscape.K,
                            lam=str(self.landscape.lam))
        for S, data in self.adjacency.nodes(data=True):
            attrs = dict(data)
            attrs["benign"] = int(S in benign)
            attrs["basin"] = sink.get(S, "")
            G.add_node(support_label(S), **attrs)
        for S, T, data in self.adjacency.edges(data=True):
            G.add_edge(support_label(S), support_label(T), kind="adjacent", **data)
        for S, T, data in self.descent.edges(data=True):
            G.add_edge(support_label(S), support_label(T), kind="descent", move=data["move"],
                       decrease_at_least=str(data["decrease_at_least"]),
                       decrease_float=float(data["decrease_at_least"]), adjacent=int(data["adjacent"]))
        return G

    def summary(self, basin_members=False) -> dict:
        """JSON-ready summary: nodes, edges, descent_edges, benign, basins, shares, classes."""
        counts = Counter(sc.klass for sc in self.classes.values())
        lam = self.landscape.lam
        Ls = self.landscape.L_star(self.m)
        obj = {
            "mode": self.mode,
            "m": self.m,
            "lam": lam,
            "K": self.landscape.K,
            "nodes": self.number_of_nodes(),
            "edges": self.number_of_edges(),
            "descent_edges": self.number_of_descent_edges(),
            "benign": self.is_benign(),
            "basins": [b.to_json_obj(members=basin_members) for b in self.basins()],
            "classes": {k: counts.get(k, 0) for k in CLASS_COLOURS},
            "L_star": {"lower": Ls.lower, "upper": Ls.upper, "certified": Ls.certified},
            "seconds": round(self.seconds, 3),
        }
        if self.mode == "exhaustive":
            obj["benign_share"] = {"uniform": self.benign_share("uniform"),
                                   "uniform_float": float(self.benign_share("uniform")),
                                   "gaussian": self.benign_share("gaussian"),
                                   "supports": self.benign_share("count")}
            obj["global_share"] = {"uniform": self.class_share("global"),
                                   "gaussian": self.class_share("global", "gaussian")}
        else:
            obj["benign_share"] = {"sampled": self.benign_share(), "samples": len(self.sampled)}
            obj["note"] = ("sampled-neighbourhood: the graph holds the sampled regions, their neighbours and "
                           "their descent chains, not every support; 'benign' is false if a sampled or "
                           "neighbouring region is trapped, null otherwise")
        return obj


def _node_attrs(sc, pu, pg):
    return {
        "cones": support_label(sc.cones),
        "size": len(sc.cones),
        "klass": str(sc.klass),
        "V": float((sc.lower + sc.upper) / 2),
        "V_lower": str(sc.lower),
        "V_upper": str(sc.upper),
        "p_uniform": str(pu),
        "p_uniform_float": float(pu),
        "p_gaussian": float(pg),
    }


def region_graph(ds, lam, m, max_nodes=DEFAULT_MAX_NODES, samples=None, seed=0, land=None) -> RegionGraph:
    """Build and classify the region graph of width ``m``.

    Parameters
    ----------
    ds : Dataset
    lam : Fraction or text, ``> 0``
    m : int, ``>= 1``
    max_nodes : int
        Refuse (:class:`~landscape.errors.TooLargeError`) when the estimated number of nodes
        is larger.  Every node costs at least one certified convex solve.
    samples : int, optional
        Build the neighbourhood of this many sampled regions (uniform measure) instead of
        every support.  Used automatically only when given.
    land : Landscape, optional
        Reuse its cached certified solves.

    Returns
    -------
    RegionGraph
    """
    import time

    from ..geometry.measures import gaussian_measure, support_probability, uniform_measure
    from ..regions.landscape import Landscape

    t0 = time.perf_counter()
    m = int(m)
    if m < 1:
        raise InputError(f"width must be at least 1, got {m}")
    if samples is not None and int(samples) < 1:
        raise InputError(f"--samples must be at least 1, got {samples}")
    land = land if land is not None else Landscape(ds, lam)
    arr = land.prog.arr
    K = land.K
    nbrs = cone_neighbours(arr)
    max_deg = max(len(x) for x in nbrs)
    est_nodes, _ = estimate_region_graph(K, m, samples, max_deg - 1)
    if est_nodes > max_nodes:
        if samples is None:
            raise TooLargeError(f"region graph at width {m} with K = {K} signed cones (supports)", est_nodes,
                                max_nodes, "--max-nodes, or --samples N for the neighbourhood of sampled regions")
        raise TooLargeError(f"neighbourhood of {samples} sampled regions at width {m} (supports)", est_nodes,
                            max_nodes, "--max-nodes or fewer --samples")
    uni = uniform_measure(arr)
    gau = gaussian_measure(arr)
    classes, pu, pg = {}, {}, {}
    adjacency = nx.Graph()
    descent = nx.DiGraph()

    def add(S):
        if S in classes:
            return False
        sc = land.classify(S, m)
        classes[S] = sc
        pu[S] = support_probability([uni.probs[c] for c in S], m)
        pg[S] = support_probability([gau.probs[c] for c in S], m)
        adjacency.add_node(S, **_node_attrs(sc, pu[S], pg[S]))
        descent.add_node(S)
        return True

    sampled = []
    if samples is None:
        mode = "exhaustive"
        for size in range(1, min(m, K) + 1):
            for S in itertools.combinations(range(K), size):
                add(S)
        for S in list(classes):
            for T, c, c2 in support_moves(S, m, nbrs):
                if S < T:
                    adjacency.add_edge(S, T)
    else:
        from ..geometry.measures import sample_supports

        mode = "sampled-neighbourhood"
        sampled = [support_key(S) for S in sample_supports(uni, m, int(samples), seed=seed)]
        for S in sampled:
            add(S)
            for T, c, c2 in support_moves(S, m, nbrs):
                add(T)
                adjacency.add_edge(S, T)
    # descent edges; in sampled mode follow every chain to its sink
    todo = list(classes)
    while todo:
        S = todo.pop()
        sc = classes[S]
        if sc.klass != "boundary_descent":
            continue
        move = sc.certificate.get("descent") or {}
        T = support_key(move.get("region", ()))
        dec = move.get("decrease_at_least")
        if not T or dec is None or not Fraction(dec) > 0:
            adjacency.nodes[S]["descent_uncertified"] = str(move.get("move", "missing"))
            continue
        if len(T) > m:  # pragma: no cover - the certificate's region always has <= m cones
            continue
        if add(T):
            todo.append(T)
        adjacent = any(T == U for U, _, _ in support_moves(S, m, nbrs))
        if adjacent:
            adjacency.add_edge(*sorted((S, T)))
        descent.add_edge(S, T, move=str(move.get("move")), decrease_at_least=Fraction(dec), adjacent=adjacent)
    for S in classes:
        adjacency.nodes[S].setdefault("descent_uncertified", "")
    return RegionGraph(m, mode, adjacency, descent, classes, land, arr, pu, pg, sampled,
                       time.perf_counter() - t0)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _cell_graph_export(g):
    H = nx.Graph(**{k: v for k, v in g.graph.items()})
    for k, data in g.nodes(data=True):
        H.add_node(str(k), cell=int(k), **data)
    for i, j, data in g.edges(data=True):
        H.add_edge(str(i), str(j), **data)
    return H


def write_graph(g, path, fmt="graphml"):
    """Write a graph as GraphML or node-link JSON; ``g`` is a networkx graph or a RegionGraph.

    Returns the path written.  Fractions never reach the file: exports use strings.
    """
    import json

    if isinstance(g, RegionGraph):
        G = g.to_networkx()
    elif g.graph.get("kind") == "cell_graph":
        G = _cell_graph_export(g)
    else:
        G = g
    if fmt == "graphml":
        atomic_write(path, lambda fh: nx.write_graphml(G, fh), binary=True)
    elif fmt == "json":
        data = nx.node_link_data(G, edges="links")
        atomic_write(path, lambda fh: json.dump(data, fh, indent=1))
    else:
        raise InputError(f"unknown graph format {fmt!r}; use graphml or json")
    return path


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _cell_arcs(arr):
    """For a 2-column arrangement: ``(start, end)`` angles (radians, end > start) per cell."""
    if arr.dim != 2:
        raise InputError(f"the circle figure needs 2 columns (d = 2 without bias), got {arr.dim}")
    rays = set()
    for h in arr.classes.normals:
        for s in (1, -1):
            rays.add(math.atan2(s * h[0], -s * h[1]) % (2 * math.pi))
    rays = sorted(rays)
    if not rays:
        return {0: (0.0, 2 * math.pi)}
    arcs = {}
    bounds = list(zip(rays, rays[1:] + [rays[0] + 2 * math.pi]))
    for k in range(arr.count):
        w = arr.witnesses_float[k]
        t = math.atan2(w[1], w[0]) % (2 * math.pi)
        for a, b in bounds:
            if a < t < b or a < t + 2 * math.pi < b:
                arcs[k] = (a, b)
                break
    return arcs


def plot_arrangement_circle(rg, path, title=None):
    """Figure of the cells on the unit circle (d = 2), each signed cone coloured by the class
    of the support ``{c}`` (every neuron in that cone) at the graph's width.

    Outer ring: ``a > 0`` cones; inner ring: ``a < 0``.  Data rows are drawn as rays.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Wedge

    arr = rg.arrangement
    arcs = _cell_arcs(arr)
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for k, (a, b) in arcs.items():
        for ring, s in ((0, 0), (1, 1)):
            S = (2 * k + s,)
            sc = rg.classes.get(S) or rg.landscape.network.pointwise(S, rg.m)
            r_out = 1.0 if ring == 0 else 0.72
            ax.add_patch(Wedge((0, 0), r_out, math.degrees(a), math.degrees(b), width=0.26,
                               facecolor=CLASS_COLOURS[sc.klass], edgecolor="white", linewidth=1.5))
        mid = (a + b) / 2
        ax.text(1.13 * math.cos(mid), 1.13 * math.sin(mid), arr.pattern_string(k), ha="center", va="center",
                fontsize=8)
    X = np.asarray([[float(v) for v in r] for r in arr.rows_exact])
    for i, x in enumerate(X):
        nx_ = np.linalg.norm(x)
        if nx_ > 0:
            ax.annotate("", xy=0.4 * x / nx_, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color="black"))
            ax.text(0.47 * x[0] / nx_, 0.47 * x[1] / nx_, f"x{i}", fontsize=8, ha="center", va="center")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=[Patch(color=c, label=k) for k, c in CLASS_COLOURS.items()], loc="lower center",
              bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=7, frameon=False)
    ax.set_title(title or f"cells on the circle, width m = {rg.m}: outer a > 0, inner a < 0", fontsize=9)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_region_graph(rg, path, max_nodes=400, title=None):
    """Drawing of a small region graph: supports in columns by size, coloured by class;
    adjacency in light grey, certified descent edges as arrows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    n = rg.number_of_nodes()
    if n > max_nodes:
        raise InputError(f"region graph has {n} nodes; the drawing is limited to {max_nodes}")
    G = rg.adjacency
    layers = {}
    for S in G.nodes:
        layers.setdefault(len(S), []).append(S)
    pos = {}
    for size, nodes in layers.items():
        nodes.sort(key=lambda S: (rg.classes[S].klass != "global", float(rg.classes[S].upper), S))
        for i, S in enumerate(nodes):
            pos[S] = (size, (i - (len(nodes) - 1) / 2) / max(1, len(nodes)))
    fig, ax = plt.subplots(figsize=(4 + 2 * len(layers), 6))
    nx.draw_networkx_edges(G, pos, ax=ax, edge_color="#dddddd", width=0.5)
    nx.draw_networkx_edges(rg.descent, pos, ax=ax, edge_color="#1a237e", width=0.7, alpha=0.6, arrows=True,
                           arrowstyle="-|>", arrowsize=8, connectionstyle="arc3,rad=0.15")
    colours = [CLASS_COLOURS[rg.classes[S].klass] for S in G.nodes]
    nx.draw_networkx_nodes(G, pos, ax=ax, node_color=colours, node_size=max(12, 2000 // max(n, 1)),
                           edgecolors="black", linewidths=0.3)
    if n <= 40:
        nx.draw_networkx_labels(G, pos, ax=ax, labels={S: support_label(S) for S in G.nodes}, font_size=6)
    ax.set_xticks(sorted(layers))
    ax.tick_params(bottom=True, labelbottom=True)
    ax.set_xlabel("support size |S|")
    ax.get_yaxis().set_visible(False)
    for s in ("top", "right", "left"):
        ax.spines[s].set_visible(False)
    ax.legend(handles=[Patch(color=c, label=k) for k, c in CLASS_COLOURS.items()], fontsize=7, loc="upper left")
    ax.set_title(title or f"region graph, m = {rg.m}: {n} supports, {rg.number_of_descent_edges()} descent "
                 f"edges, benign = {rg.is_benign()}", fontsize=9)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path



# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def graph_command(ds, lam, m, out_dir=None, fmt="graphml", plot=False, max_nodes=DEFAULT_MAX_NODES,
                  samples=None, seed=0, on_solve=None) -> dict:
    """What ``landscape graph`` does: build both graphs, write them, return the summary.

    Files written into ``out_dir``: ``cell_graph.<ext>``, ``region_graph.<ext>`` (ext
    ``graphml`` or ``json``) and with ``plot`` ``region_graph.png`` (small graphs) and
    ``cells_circle.png`` (two columns only).  ``on_solve`` is called after every certified
    solve (progress display).
    """
    from ..regions.landscape import Landscape

    if fmt not in ("graphml", "json"):
        raise InputError(f"unknown graph format {fmt!r}; use graphml or json")
    land = Landscape(ds, lam, on_solve=on_solve)
    rg = region_graph(ds, lam, m, max_nodes=max_nodes, samples=samples, seed=seed, land=land)
    cg = cell_graph(rg.arrangement)
    summary = rg.summary()
    summary["cell_graph"] = {"nodes": cg.number_of_nodes(), "edges": cg.number_of_edges(),
                             "connected": nx.is_connected(cg) if cg.number_of_nodes() else True}
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        files = [write_graph(cg, os.path.join(out_dir, f"cell_graph.{fmt}"), fmt),
                 write_graph(rg, os.path.join(out_dir, f"region_graph.{fmt}"), fmt)]
        skipped = []
        if plot:
            if rg.number_of_nodes() <= 400:
                files.append(plot_region_graph(rg, os.path.join(out_dir, "region_graph.png")))
            else:
                skipped.append(f"region_graph.png: {rg.number_of_nodes()} nodes, drawing limited to 400")
            if rg.arrangement.dim == 2:
                files.append(plot_arrangement_circle(rg, os.path.join(out_dir, "cells_circle.png")))
            else:
                skipped.append(f"cells_circle.png: needs 2 columns, the data have {rg.arrangement.dim}")
        summary["files"] = files
        if skipped:
            summary["figures_skipped"] = skipped
    return summary
