"""The cell graph and the region graph checked against theory and the landscape classes."""

import itertools
import json
import os
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.geometry.arrangement import enumerate_cells
from landscape.cli import main
from landscape.data import generate, load_dataset
from landscape.errors import TooLargeError
from landscape.graph.adjacency import (
    cell_distance,
    cell_graph,
    cone_neighbours,
    plot_arrangement_circle,
    plot_region_graph,
    region_graph,
    support_moves,
    write_graph,
)
from landscape.regions import Landscape, find_counterexample

# relu-teacher n=3, d=2, seed=1, lam=1/20: cone 7 holds an interior spurious minimum
# (certified by Landscape.classify) at every width tried.
SPURIOUS = (generate("relu-teacher", n=3, d=2, seed=1), "1/20", (7,))


# ---------------------------------------------------------------------------
# Cell graph: connected, distance = number of separating hyperplanes
# ---------------------------------------------------------------------------


def _check_cell_graph(arr):
    g = cell_graph(arr)
    assert g.number_of_nodes() == arr.count
    assert nx.is_connected(g)
    dist = dict(nx.all_pairs_shortest_path_length(g))
    for i in range(arr.count):
        for j in range(arr.count):
            assert dist[i][j] == cell_distance(arr, i, j), (i, j)
    # every edge flips exactly the rows of one hyperplane class
    for i, j, data in g.edges(data=True):
        flipped = np.nonzero(arr.patterns[i] != arr.patterns[j])[0].tolist()
        assert ",".join(map(str, flipped)) == data["rows"]
    return g


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 3), min_size=3, max_size=3), min_size=1, max_size=6))
def test_cell_graph_distance_is_separating_hyperplane_count(rows):
    if not any(any(r) for r in rows):
        rows = rows + [[1, 0, 0]]
    _check_cell_graph(enumerate_cells(rows))


def test_cell_graph_degenerate_and_bias_examples():
    for path in ("data/examples/degenerate_d4.json", "data/examples/xor_bias.json",
                 "data/examples/teacher_n4_d3.json"):
        g = _check_cell_graph(enumerate_cells(load_dataset(path)))
        p = sum(nx.get_node_attributes(g, "p_gaussian").values())
        assert abs(p - 1) < 1e-2  # Monte Carlo above rank 3, formulas below


def test_cell_graph_of_coordinate_planes_is_the_cube():
    g = cell_graph(enumerate_cells([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    assert nx.is_isomorphic(g, nx.hypercube_graph(3))
    assert all(abs(p - 1 / 8) < 1e-12 for p in nx.get_node_attributes(g, "p_gaussian").values())


# ---------------------------------------------------------------------------
# Region graph: moves
# ---------------------------------------------------------------------------


def _brute_moves(S, m, nbrs):
    """All supports reached from regions (m-tuples) with support S by one neuron move."""
    out = set()
    for region in itertools.product(sorted(S), repeat=m):
        if set(region) != set(S):
            continue
        for j, c in enumerate(region):
            for c2 in nbrs[c]:
                T = tuple(sorted(set(region[:j] + (c2,) + region[j + 1:])))
                if T != tuple(sorted(S)):
                    out.add(T)
    return out


@pytest.mark.parametrize("m", [1, 2, 3])
def test_support_moves_match_moves_of_all_regions(m):
    arr = enumerate_cells([[1, 0], [1, 1], [0, 1]])
    nbrs = cone_neighbours(arr)
    K = 2 * arr.count
    for size in range(1, m + 1):
        for S in itertools.combinations(range(K), size):
            assert {T for T, _, _ in support_moves(S, m, nbrs)} == _brute_moves(S, m, nbrs), S


def test_cone_neighbours_are_facet_crossings_or_sign_flips():
    arr = enumerate_cells(generate("gaussian", n=4, d=3, seed=2))
    for c, nb in enumerate(cone_neighbours(arr)):
        for c2 in nb:
            if c2 == c ^ 1:
                continue
            assert c2 % 2 == c % 2
            assert cell_distance(arr, c // 2, c2 // 2) == 1


# ---------------------------------------------------------------------------
# Region graph: benignity, shares, basins
# ---------------------------------------------------------------------------


def test_benign_share_rises_and_agrees_with_landscape_rows():
    ds, lam = load_dataset("data/examples/orthonormal_spurious.json"), "17/100"
    land = Landscape(ds, lam)
    shares = []
    for m in (1, 2, 3):
        rg = region_graph(ds, lam, m, land=land)
        row = land.row(m)
        # the nodes cover every region: probabilities sum to one exactly
        assert sum(rg.p_uniform.values(), Fraction(0)) == 1
        assert rg.class_share("global") == row.P_global
        assert rg.class_share("spurious") == row.P_spurious
        benign = rg.benign_share("uniform")
        trapped = sum((b.p_uniform for b in rg.basins()), Fraction(0))
        assert benign + trapped == 1
        assert row.P_global <= benign <= 1
        # every descent edge is a certified strict decrease of V
        for S, T, data in rg.descent.edges(data=True):
            assert data["decrease_at_least"] > 0
            assert rg.classes[S].lower - rg.classes[T].upper >= data["decrease_at_least"] or \
                rg.classes[S].lower > rg.classes[T].upper
        shares.append(benign)
    assert shares[0] < shares[1] < shares[2]
    assert shares[2] > Fraction(99, 100)


@pytest.mark.parametrize("m", [1, 2, 3])
def test_interior_spurious_cone_is_never_benign(m):
    ds, lam, S = SPURIOUS
    rg = region_graph(ds, lam, m)
    assert rg.classes[S].klass == "spurious"
    assert rg.descent.out_degree(S) == 0
    assert rg.is_benign() is False
    assert rg.summary()["benign"] is False
    assert rg.descent_path(S) is None
    basin = next(b for b in rg.basins() if S in b.members)
    assert basin.sink == S and basin.klass == "spurious"
    assert rg.benign_share("uniform") < 1


def test_uncertified_nodes_never_count_as_benign():
    ds, lam = load_dataset("data/examples/orthonormal_spurious.json"), "17/100"
    rg = region_graph(ds, lam, 2)
    benign = rg.benign_nodes()
    for S, sc in rg.classes.items():
        if sc.klass in ("uncertified", "spurious", "boundary_local_min"):
            assert S not in benign
        if S in benign:
            path = rg.descent_path(S)
            assert path[0] == S and rg.classes[path[-1]].klass == "global"


def test_counterexample_support_is_a_spurious_basin():
    """The support of the certified counterexample (width 1) is the sink of a trapped basin."""
    ds, lam, m = load_dataset("data/examples/orthonormal_spurious.json"), "17/100", 1
    land = Landscape(ds, lam)
    network, cert = find_counterexample(ds, lam, m, land=land)
    assert network is not None
    rg = region_graph(ds, lam, m, land=land)
    sinks = {b.sink: b for b in rg.basins()}
    S = tuple(sorted(cert.get("support") or cert.get("cones")))
    assert S in sinks
    assert sinks[S].klass in ("spurious", "boundary_local_min")
    assert rg.is_benign() is False


def test_too_large_is_refused_with_estimate_and_override():
    ds = load_dataset("data/examples/teacher_n4_d3.json")
    with pytest.raises(TooLargeError) as err:
        region_graph(ds, "1/100", 4)
    assert "24,157" in str(err.value) and "--max-nodes" in str(err.value)


def test_sampled_neighbourhood_says_so():
    ds, lam, S = SPURIOUS
    rg = region_graph(ds, lam, 6, samples=5, seed=1)
    s = rg.summary()
    assert s["mode"] == "sampled-neighbourhood" and "note" in s
    assert s["benign"] in (False, None)
    for T in rg.classes:  # descent chains are followed to their sinks
        sink = rg.sink_of(T)
        assert rg.descent.out_degree(sink) == 0


# ---------------------------------------------------------------------------
# Export, figures, CLI
# ---------------------------------------------------------------------------


def test_exports_round_trip(tmp_path):
    ds, lam, S = SPURIOUS
    rg = region_graph(ds, lam, 2)
    cg = cell_graph(rg.arrangement)
    for fmt in ("graphml", "json"):
        p = write_graph(rg, str(tmp_path / f"r.{fmt}"), fmt)
        q = write_graph(cg, str(tmp_path / f"c.{fmt}"), fmt)
        if fmt == "graphml":
            G, C = nx.read_graphml(p), nx.read_graphml(q)
        else:
            G = nx.node_link_graph(json.load(open(p)), edges="links")
            C = nx.node_link_graph(json.load(open(q)), edges="links")
        assert G.number_of_nodes() == rg.number_of_nodes()
        kinds = [d["kind"] for _, _, d in G.edges(data=True)]
        assert kinds.count("descent") == rg.number_of_descent_edges()
        assert kinds.count("adjacent") == rg.number_of_edges()
        assert G.nodes["7"]["klass"] == "spurious" and G.nodes["7"]["benign"] == 0
        assert C.number_of_nodes() == rg.arrangement.count
        assert all("pattern" in d for _, d in C.nodes(data=True))


def test_figures_render(tmp_path):
    ds, lam, S = SPURIOUS
    rg = region_graph(ds, lam, 2)
    for f in (plot_arrangement_circle(rg, str(tmp_path / "circle.png")),
              plot_region_graph(rg, str(tmp_path / "graph.png"))):
        assert os.path.getsize(f) > 1000


def test_cli_graph(tmp_path, capsys):
    path = tmp_path / "d.json"
    ds, lam, S = SPURIOUS
    from landscape.data import save_dataset

    save_dataset(ds, str(path))
    out = tmp_path / "out"
    assert main(["graph", str(path), "--lam", lam, "--width", "2", "--out", str(out), "--plot"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("nodes", "edges", "descent_edges", "benign", "basins"):
        assert key in summary
    assert summary["benign"] is False
    assert all({"size", "value"} <= set(b) for b in summary["basins"])
    assert {"cell_graph.graphml", "region_graph.graphml", "region_graph.png", "cells_circle.png"} <= \
        set(os.listdir(out))
    assert main(["graph", str(path), "--lam", lam, "--width", "2", "--plot"]) == 2
    assert main(["graph", "data/examples/teacher_n4_d3.json", "--lam", "1/100", "--width", "4"]) == 2
    err = capsys.readouterr().err
    assert "--max-nodes" in err and len(err.strip().splitlines()) == 2


@pytest.mark.parametrize("m", [1, 2])
def test_all_positive_orthonormal_landscape_is_benign(m):
    """Orthonormal data with positive labels: one all-active neuron is the optimum and every
    region descends to it (partial patterns cross into more active cells, negative neurons
    shrink to zero and regrow)."""
    ds = load_dataset("data/examples/orthonormal_n3.json")
    assert all(v > 0 for v in ds.y_exact)
    rg = region_graph(ds, "1/10", m)
    assert rg.is_benign() and rg.basins() == []
    assert rg.benign_share("uniform") == 1
