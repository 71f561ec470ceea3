"""The incomplete counterexample search: sampled regions, then gradient descents with
certified endpoints (landscape/regions/counterexample.py, landscape/dynamics/search.py,
landscape.app.commands.counterexample, ``landscape counterexample --samples``).

A found network is re-certified by ``check`` (the pointwise verdict, independent of the
search); a negative answer of the incomplete search must never read as certified."""

import json
import math
import subprocess
import sys

import pytest

from landscape.app.commands import counterexample
from landscape.data import Dataset
from landscape.dynamics.search import descent_counterexample
from landscape.regions.counterexample import complete_search_size, search_supports
from landscape.regions.landscape import Landscape
from landscape.regions.verdict import check
from landscape.results.status import Verdict

ROWS = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
MIXED = Dataset.from_arrays(ROWS, [1, "1/2", "-4/5"])
SAME = Dataset.from_arrays([[1, 0], [0, 1]], [1, 1])


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_complete_search_size_is_the_binomial_sum(m):
    """Supports of size <= min(m, n + 1) among K signed cones: sum_k C(K, k)."""
    land = Landscape(MIXED, "1/20")
    K, n = land.K, 3
    expected = sum(math.comb(K, k) for k in range(1, min(m, n + 1, K) + 1))
    assert complete_search_size(land, m) == expected
    assert len(search_supports(land, m, max_supports=expected)) == expected


def test_sampled_supports_are_distinct_and_of_width_at_most_m():
    land = Landscape(MIXED, "1/20")
    supports = search_supports(land, 3, max_supports=1, samples=200, seed=1)
    assert len(set(supports)) == len(supports) <= 200
    assert all(1 <= len(S) <= 3 and all(0 <= c < land.K for c in S) for S in supports)


def test_too_large_without_samples_names_both_ways_out():
    land = Landscape(MIXED, "1/20")
    with pytest.raises(Exception, match=r"raise it with max_supports=\.\.\., or use samples="):
        search_supports(land, 3, max_supports=1)


def test_sampled_search_finds_a_counterexample_that_check_confirms():
    """Width 1 on MIXED: the lone negative neuron on x3 is a spurious minimum; a sample of
    regions contains its support, and check certifies the returned network independently."""
    out = counterexample(MIXED, "1/20", 1, max_supports=1, samples=40, descents=0)
    assert out["found"] and out["certified"] and out["found_by"] == "sampled regions"
    v = check(MIXED, "1/20", out["a"], out["W"])
    assert v.verdict == Verdict.SPURIOUS_LOCAL_MINIMUM


def test_descents_find_a_counterexample_that_check_confirms():
    found = descent_counterexample(MIXED, "1/20", 1, runs=8, steps=3000, lr=0.05, seed=3)
    assert found.network is not None and found.runs == 8
    assert found.certificate["found_by"]["descent"]["seed"] >= 3
    a, W = found.network
    assert check(MIXED, "1/20", a, W).verdict == Verdict.SPURIOUS_LOCAL_MINIMUM


def test_no_counterexample_when_labels_agree():
    """X = I_2, y = (1, 1): every local minimum is global (no support holds a spurious one),
    so the complete search says so, and the incomplete search reports its counts honestly."""
    out = counterexample(SAME, "1/10", 3)
    assert out == {**out, "found": False, "certified": True, "complete": True,
                   "supports_tried": complete_search_size(Landscape(SAME, "1/10"), 3)}
    out = counterexample(SAME, "1/10", 3, max_supports=5, samples=30, descents=4, steps=500)
    assert not out["found"] and out["certified"] is False and out["complete"] is False
    assert out["descents"]["runs"] == 4 and sum(out["descents"]["endpoint_verdicts"].values()) == 4
    assert "no proof" in out["reason"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "landscape.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_incomplete_negative_exits_3_and_refusals_exit_2(tmp_path):
    data = tmp_path / "same.json"
    data.write_text(json.dumps({"X": [[1, 0], [0, 1]], "y": [1, 1]}))
    r = _cli("counterexample", str(data), "--lam", "1/10", "--width", "3", "--max-supports", "5")
    assert r.returncode == 2 and "--max-supports" in r.stderr and "--samples" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = _cli("counterexample", str(data), "--lam", "1/10", "--width", "3", "--descents", "3")
    assert r.returncode == 2 and "--samples" in r.stderr
    r = _cli("counterexample", str(data), "--lam", "1/10", "--width", "3", "--max-supports", "5",
             "--samples", "20", "--descents", "2", "--steps", "300", "--progress", "never")
    assert r.returncode == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["found"] is False and out["certified"] is False and out["descents"]["runs"] == 2
    assert "not certified" in r.stderr
