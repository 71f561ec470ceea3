"""The batched interior-point candidates (landscape/convex/ipm.py): every candidate is
judged by the exact certification (landscape/convex/certify.py), and its certified bounds
are compared with those of the Clarabel path."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape.convex.backends import Candidate
from landscape.convex.ipm import candidates_for, region_candidates_batch
from landscape.convex.program import RegionProgram
from landscape.data import Dataset, generate
from landscape.results.status import SolverStatus


def _certify(prog, supports):
    """IPM candidates for ``supports`` (one size), certified exactly: a list of
    ``(status, RegionOptimum)``."""
    U, MU, status, iters = candidates_for(prog, supports)
    assert U.shape == (len(supports), len(supports[0]), prog.dim) and MU.shape[2] == prog.n
    out = []
    for b, S in enumerate(supports):
        mult = tuple(MU[b, i, prog.facet_rows(c // 2)] for i, c in enumerate(S))
        stat = SolverStatus.OPTIMAL if status[b] == 0 else SolverStatus.MAX_ITERATIONS
        out.append((int(status[b]), prog.certify(Candidate(tuple(S), U[b], stat, "ipm", {}, mult))))
    return out


def _supports(prog, size, count, seed):
    rng = np.random.default_rng(seed)
    return [sorted(rng.choice(prog.K, size, replace=False).tolist()) for _ in range(count)]


def _agree(opt, ref):
    """Two certified brackets of the same V(S) overlap."""
    return opt.lower <= ref.upper and ref.lower <= opt.upper


@pytest.fixture(scope="module")
def teacher():
    return RegionProgram(generate("relu-teacher", n=8, d=3, seed=1), "0.01")


def test_teacher_size_8_certified(teacher):
    prog = teacher
    assert prog.K == 116
    sups = _supports(prog, 8, 300, seed=0)
    res = _certify(prog, sups)
    good = [s == 0 and opt.certified for s, opt in res]
    assert sum(good) >= 0.99 * len(sups)
    for S, (s, opt) in list(zip(sups, res))[:40]:     # the Clarabel path on a sample
        ref = prog.solve(S)
        if ref.certified and opt.certified:
            assert _agree(opt, ref)


def _certified_and_agree(prog, sups, share, compared):
    """At least ``share`` of the IPM candidates converge and certify exactly, and the first
    ``compared`` certified ones agree with the Clarabel path's bounds."""
    res = _certify(prog, sups)
    assert sum(s == 0 and opt.certified for s, opt in res) >= share * len(sups)
    for S, (s, opt) in list(zip(sups, res))[:compared]:
        ref = prog.solve(S)
        if ref.certified and opt.certified:
            assert _agree(opt, ref)


@pytest.mark.parametrize("size", range(1, 9))
def test_teacher_sizes_1_to_8(teacher, size):
    prog = teacher
    sups = _supports(prog, size, 25, seed=10 + size)
    _certified_and_agree(prog, sups, 0.96, 5)


@pytest.mark.parametrize("ds, lam", [
    (generate("gaussian", n=6, d=3, seed=0), "1/100"),
    (generate("relu-teacher", n=6, d=2, seed=3, bias=True), "1/50"),
    (generate("gaussian", n=10, d=4, seed=2), "1/20"),
])
def test_other_datasets(ds, lam):
    prog = RegionProgram(ds, lam)
    for size in (2, 5):
        sups = _supports(prog, min(size, prog.K), 30, seed=size)
        _certified_and_agree(prog, sups, 0.95, 6)


def test_two_neurons_hand_made():
    prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "5/18")
    S = sorted([2 * prog.cell_of_pattern("10"), 2 * prog.cell_of_pattern("01") + 1])
    ((s, opt),) = _certify(prog, [S])
    assert s == 0 and opt.certified
    assert abs(opt.value - 0.802469136) < 1e-8                  # V* = 25/81 + 40/81 = 65/81
    assert opt.lower <= opt.upper and abs(float(opt.upper) - 65 / 81) < 1e-9
    # all K cones (a degenerate programme: a face of minimisers, all-zero cells, opposite
    # signs of one cell): the IPM may stall near a 1e-9 relative error, but its bounds hold
    ((s, opt),) = _certify(prog, [list(range(prog.K))])
    assert opt.lower <= Fraction(65, 81) <= opt.upper
    assert float(opt.upper - opt.lower) < 1e-7
    assert s != 0 or opt.certified


def test_label_unit_rescaling():
    ds = generate("gaussian", n=6, d=2, seed=4)
    big = Dataset.from_arrays(ds.X_exact, [v * 2 ** 14 for v in ds.y_exact])
    prog = RegionProgram(big, f"{2 ** 14}/100")
    assert prog.label_unit != 1.0
    sups = _supports(prog, 3, 20, seed=1)
    res = _certify(prog, sups)
    assert sum(s == 0 and opt.certified for s, opt in res) >= 19
    ref = prog.solve(sups[0])
    assert _agree(res[0][1], ref)


def test_multipliers_live_on_facet_rows_and_are_nonnegative(teacher):
    prog = teacher
    sups = _supports(prog, 4, 50, seed=5)
    U, MU, status, iters = candidates_for(prog, sups)
    assert status.dtype == np.int64 and iters.dtype == np.int64
    for b, S in enumerate(sups):
        for i, c in enumerate(S):
            off = np.setdiff1d(np.arange(prog.n), prog.facet_rows(c // 2))
            assert np.all(MU[b, i, off] == 0.0)
            assert np.all(MU[b, i] >= 0.0)
    # the dual condition |s_c X' D_c r + G_c' mu_c| <= n lam holds up to the tolerance
    for b, S in enumerate(sups):
        if status[b]:
            continue
        r = prog.y - sum(prog.A(c) @ U[b, i] for i, c in enumerate(S))
        for i, c in enumerate(S):
            rows = prog.facet_rows(c // 2)
            v = (1 - 2 * (c & 1)) * prog.X.T @ (prog.patterns[c // 2] * r) + prog.G(c).T @ MU[b, i, rows]
            assert np.linalg.norm(v) <= prog.n * prog.lamf * (1 + 1e-7)


def test_raw_interface_shapes_and_empty_batch():
    X, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0])
    D = np.zeros((0, 2, 2)); sign = np.zeros((0, 2))
    rows = np.zeros((0, 2, 2), dtype=np.int64); nrows = np.zeros((0, 2), dtype=np.int64)
    U, MU, status, iters = region_candidates_batch(X, y, 0.1, D, sign, rows, nrows)
    assert U.shape == (0, 2, 2) and MU.shape == (0, 2, 2) and status.shape == (0,)


@st.composite
def _instances(draw):
    n = draw(st.integers(2, 6))
    d = draw(st.integers(1, 3))
    X = draw(st.lists(st.lists(st.integers(-4, 4), min_size=d, max_size=d), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))
    lam = draw(st.sampled_from(["1/100", "1/20", "1/4"]))
    seed = draw(st.integers(0, 1000))
    return X, y, lam, seed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances())
def test_random_instances_match_clarabel(inst):
    X, y, lam, seed = inst
    prog = RegionProgram(Dataset.from_arrays(X, y), lam)
    if prog.K == 0:
        return
    size = 1 + seed % min(4, prog.K)
    sups = _supports(prog, size, 3, seed)
    for S, (s, opt) in zip(sups, _certify(prog, sups)):
        ref = prog.solve(S)
        assert opt.lower <= opt.upper
        if ref.certified:
            assert _agree(opt, ref)
            assert s != 0 or opt.certified


def test_polish_tightens_the_certified_gaps(teacher):
    prog = teacher
    sups = _supports(prog, 6, 40, seed=7)
    rel = {}
    for polish in (False, True):
        U, MU, status, iters = candidates_for(prog, sups, polish=polish)
        gaps = []
        for b, S in enumerate(sups):
            mult = tuple(MU[b, i, prog.facet_rows(c // 2)] for i, c in enumerate(S))
            opt = prog.certify(Candidate(tuple(S), U[b], SolverStatus.OPTIMAL, "ipm", {}, mult))
            gaps.append(float(opt.upper - opt.lower) / max(float(opt.upper), float(prog.gap_scale)))
        rel[polish] = np.median(gaps)
    assert rel[True] <= rel[False] and rel[True] < 1e-13
