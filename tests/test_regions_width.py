"""L*_m by branch and bound against the exhaustive search; brackets; partial analyse rows;
the zero-network optimum; the proportion types of a row."""

import itertools
import json
from fractions import Fraction

import pytest

from landscape.convex.program import RegionProgram
from landscape.data import Dataset, generate
from landscape.errors import TooLargeError
from landscape.regions import Landscape, analyse
from landscape.regions.cache import SolveCache
from landscape.regions.width import greedy_incumbent, width_optimum
from landscape.results.proportion import (ApproxProportion, ExactProportion, SampledProportion,
                                          proportion_from_json, render_proportion)
from landscape.results.serialize import dumps

CASES = [("relu-teacher", 4, 2, 1, "1/100"), ("relu-teacher", 4, 2, 3, "1/50"), ("gaussian", 4, 2, 0, "1/100"),
         ("gaussian", 5, 2, 2, "1/100"), ("relu-teacher", 5, 2, 5, "1/20")]


@pytest.mark.parametrize("case", CASES)
def test_branch_and_bound_proves_the_exhaustive_value(case):
    kind, n, d, seed, lam = case
    prog = RegionProgram(generate(kind, n=n, d=d, seed=seed), lam)
    glob = prog.global_optimum()
    cache = SolveCache(prog)
    tried = 0
    for m in range(1, len(glob.cones_used)):
        bb = width_optimum(cache, m, glob, exhaustive_limit=0)
        ex = prog.width_optimum(m, max_programs=10**6, glob=glob)
        assert bb.method == "branch_and_bound" and ex.method == "exact_search"
        assert bb.certified and ex.certified
        # both brackets are proven: they must overlap, and L*_m is the same within the tolerance
        assert bb.lower <= ex.upper and ex.lower <= bb.upper
        assert abs(float(bb.upper - ex.upper)) <= 1e-8 * (1 + float(ex.upper))
        assert bb.programs <= ex.programs + 4 * len(glob.cones_used) * m + 12 * m * m + 64
        tried += 1
    if not tried:
        pytest.skip("the convex optimum uses one cone")


def test_a_small_budget_brackets_L_star():
    prog = RegionProgram(generate("gaussian", n=5, d=2, seed=2), "1/100")
    glob = prog.global_optimum()
    m = len(glob.cones_used) - 1
    assert m >= 1
    exact = prog.width_optimum(m, max_programs=10**6, glob=glob)
    cut = width_optimum(SolveCache(prog), m, glob, max_supports=3, exhaustive_limit=0)
    assert not cut.certified and "bracketed" in cut.reason
    assert cut.lower <= exact.upper and exact.lower <= cut.upper  # the bracket holds L*_m
    assert cut.lower < cut.upper


def test_greedy_incumbent_is_feasible_and_no_better_than_L_star():
    prog = RegionProgram(generate("gaussian", n=5, d=2, seed=2), "1/100")
    glob = prog.global_optimum()
    m = len(glob.cones_used) - 1
    inc = greedy_incumbent(SolveCache(prog), m, glob)
    exact = prog.width_optimum(m, max_programs=10**6, glob=glob)
    assert len(inc.cones) == m and inc.upper >= exact.lower


def test_classification_against_a_bracket_counts_undecidable_mass_as_uncertified():
    """With L*_1 only bracketed, sampled regions inside the bracket are uncertified, and the
    decided ones agree with the certified landscape."""
    ds = generate("gaussian", n=5, d=2, seed=2)
    good = Landscape(ds, "1/100")
    narrow = Landscape(ds, "1/100", max_supports=3)
    narrow._width[1] = width_optimum(narrow.cache, 1, narrow.glob, max_supports=1, exhaustive_limit=0)
    assert not narrow.L_star(1).certified
    undecided = 0
    for c in range(good.K):
        a, b = good.classify((c,), 1), narrow.classify((c,), 1)
        if b.klass == "uncertified":
            undecided += 1
        else:
            assert b.global_ == a.global_
    assert undecided >= 1


def test_zero_network_optimum_is_global_everywhere():
    """X = I_2, y = (1/10, -1/10), lam = 1: theta = 0 is the global optimum, in every region's
    closure (issue 11, item 5)."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], ["1/10", "-1/10"])
    result = analyse(ds, 1, [1, 2, 5])
    for row in result["rows"]:
        assert row.P_global == 1 and row.uncertified["global"] == 0
        assert row.P_spurious == 0 and row.P_bad == 0
        assert row.L_star.certified and row.L_star.lower <= Fraction(1, 100) <= row.L_star.upper
    assert result["rows"][0].closed_form == "1"
    assert result["smallest_width"]["m"] == 1
    assert result["landscape"].m0 == 1


def test_a_refused_width_is_reported_while_the_others_run():
    ds = generate("relu-teacher", n=4, d=3, seed=0)
    seen = []
    result = analyse(ds, "1/100", [1, 10], max_supports=1000, on_row=lambda row, partial: seen.append(row))
    r1, r10 = result["rows"]
    assert [r.m for r in seen] == [1, 10]
    assert r1.reason is None and isinstance(r1.P_global, ExactProportion)
    assert r10.P_global is None and "max_supports" in r10.reason
    obj = json.loads(dumps(r10.to_json_obj()))
    assert obj["reason"] and obj["P_global"] is None
    with pytest.raises(TooLargeError):
        analyse(ds, "1/100", [10], max_supports=1000)


def test_row_json_keeps_its_shapes():
    ds = Dataset.from_arrays([[3, 2], [1, -2]], [2, -4])
    exact = json.loads(dumps(Landscape(ds, "1/10").row(1).to_json_obj()))
    Fraction(exact["P_global"]), Fraction(exact["P_bad"]), Fraction(exact["uncertified"]["spurious"])
    assert exact["L_star"]["method"] == "exact_search"
    sampled = Landscape(ds, "1/10", samples=50, force_sampling=True).row(2)
    assert isinstance(sampled.P_spurious, SampledProportion)
    obj = json.loads(dumps(sampled.to_json_obj()))
    assert set(obj["P_spurious"]) == {"estimate", "low", "high", "samples"} and obj["P_spurious"]["samples"] == 50
    assert proportion_from_json(obj["P_spurious"]) == sampled.P_spurious
    gauss = Landscape(ds, "1/10", measure="gaussian").row(2)
    assert isinstance(gauss.P_global, ApproxProportion) and 0 < gauss.P_global.error < 1e-9
    assert isinstance(json.loads(dumps(gauss.to_json_obj()))["P_global"], float)


def test_the_gaussian_error_bound_covers_the_exact_uniform_answer():
    """On orthonormal data in the plane the Gaussian cone measure is uniform, so the
    approximate P_global must lie within its stated error of the exact one."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    exact = Landscape(ds, "1/10").row(3).P_global
    approx = Landscape(ds, "1/10", measure="gaussian").row(3).P_global
    assert abs(approx.value - float(exact)) <= approx.error + 1e-15


def test_one_renderer_for_every_type():
    for p, text in [(ExactProportion(1, 8), "1/8 (0.125)"), (None, "-"),
                    (SampledProportion(0.5, 0.25, 0.75, 10), "0.5000 [0.2500, 0.7500]"),
                    (ApproxProportion(0.5, 0.01), "0.500000 +- 0.01")]:
        assert render_proportion(p) == text
    with pytest.raises(ValueError):
        render_proportion(ExactProportion(1), "xml")


@pytest.mark.slow
def test_L_star_below_the_pruned_size_on_the_issue_workflow_data():
    """n = 6, d = 3 (K = 64): L*_m for m below the convex optimum's support size, where the
    exhaustive search would solve C(64, m) supports."""
    ds = generate("gaussian", n=6, d=3, seed=1)
    land = Landscape(ds, "1/100")
    m = len(land.glob.cones_used) - 2
    Ls = land.L_star(m)
    assert Ls.certified and Ls.method == "branch_and_bound"
    assert Ls.programs < sum(1 for _ in itertools.combinations(range(land.K), m)) / 10


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(3, 5), lam=st.sampled_from(["1/100", "1/30", "1/10"]))
def test_branch_and_bound_matches_exhaustive_search_on_random_data(seed, n, lam):
    prog = RegionProgram(generate("gaussian", n=n, d=2, seed=seed), lam)
    glob = prog.global_optimum()
    cache = SolveCache(prog)
    for m in range(1, min(len(glob.cones_used), 4)):
        bb = width_optimum(cache, m, glob, exhaustive_limit=0)
        ex = prog.width_optimum(m, max_programs=10**6, glob=glob)
        assert bb.lower <= ex.upper and ex.lower <= bb.upper  # proven brackets overlap
        if bb.certified and ex.certified:
            assert abs(float(bb.upper - ex.upper)) <= 1e-8 * (1 + float(ex.upper))
        assert bb.certified or not ex.certified  # what the exhaustive search proves, so does the search


def test_smallest_width_under_the_gaussian_measure():
    """On orthonormal data in the plane the Gaussian cone measure is uniform: both measures
    give the same smallest width."""
    ds = Dataset.from_arrays([[1, 0], [0, 1]], [1, -1])
    assert Landscape(ds, "1/10", measure="gaussian").smallest_width("1/100") == \
        Landscape(ds, "1/10").smallest_width("1/100") is not None
