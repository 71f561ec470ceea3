"""Validated float certificates of V(S) (landscape.convex.float_bounds) and the batched
solve (landscape.convex.batch): every bound is re-proved here in exact Fraction
arithmetic, independently of the float error analysis, on good candidates and on garbage."""

import dataclasses
import functools
import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_

from landscape.convex.batch import solve_many
from landscape.convex.float_bounds import float_bounds
from landscape.convex.optimum import ValidatedOptimum
from landscape.convex.program import RegionProgram
from landscape.data import Dataset, generate
from landscape.exact.arithmetic import sqrt_upper


def _mu_by_row(prog, cand):
    MU = np.zeros((len(cand.cones), prog.n))
    for i, c in enumerate(cand.cones):
        MU[i, prog.facet_rows(c // 2)] = cand.multipliers[i]
    return MU


def reprove(prog, cones, U, r, mu, t, lower, upper):
    """Exact proof (Fractions) that ``lower <= V(S) <= upper`` from the certificate data."""
    E = prog.exact
    X = [[Fraction(v, E.dx) for v in row] for row in E.Xl]
    y = [Fraction(v, E.dy) for v in E.yn]
    lam, n = prog.lam, prog.n
    Uq = [[Fraction(float(v)) for v in u] for u in U]
    f = [Fraction(0)] * n
    for c, u in zip(cones, Uq):
        D = prog.patterns[c // 2]
        s = 1 - 2 * (c & 1)
        for i in range(n):
            g = sum(a * b for a, b in zip(X[i], u))
            assert (g if D[i] else -g) >= 0, "the point is not in its closed cone"
            if D[i]:
                f[i] += s * g
    loss = sum((a - b) ** 2 for a, b in zip(y, f)) / n
    norms_sq = [sum(v * v for v in u) for u in Uq]
    # V(point) <= upper: loss + 2 lam sum sqrt(N) <= upper  <=>  sum sqrt(N) <= (upper - loss) / (2 lam)
    budget = (Fraction(upper) - loss) / (2 * lam)
    assert budget >= 0
    # each sqrt(N) <= q with q rational rounded up (200 bits); then sum q <= budget
    assert sum(sqrt_upper(N, 200) for N in norms_sq) <= budget, "upper bound fails"
    rq = [Fraction(float(v)) for v in r]
    tq = Fraction(float(t))
    for c, m in zip(cones, mu):
        D = prog.patterns[c // 2]
        s = 1 - 2 * (c & 1)
        w = [(s * rq[i] if D[i] else 0) + (1 if D[i] else -1) * Fraction(float(max(m[i], 0.0))) for i in range(n)]
        v = [sum(w[i] * X[i][j] for i in range(n)) for j in range(prog.dim)]
        assert tq * tq * sum(a * a for a in v) <= (n * lam) ** 2, "dual point infeasible"
    dual = 2 * tq * sum(a * b for a, b in zip(rq, y)) / n - tq * tq * sum(a * a for a in rq) / n
    assert max(dual, Fraction(0)) >= Fraction(lower), "lower bound fails"


def _check_batch(prog, supports, U, MU):
    fb = float_bounds(prog, np.array(supports), U, MU)
    for b, S in enumerate(supports):
        if fb.ok[b]:
            reprove(prog, S, fb.U[b], fb.residual[b], fb.mu[b], fb.t[b], fb.lower[b], fb.upper[b])
    return fb


@pytest.fixture(scope="module")
def teacher():
    return RegionProgram(generate("relu-teacher", n=8, d=3, seed=1), "0.01")


def test_good_candidates_are_certified_and_reproved(teacher):
    prog = teacher
    rng = np.random.default_rng(3)
    supports = [tuple(sorted(rng.choice(prog.K, 5, replace=False).tolist())) for _ in range(25)]
    cands = [prog.candidate(S) for S in supports]
    fb = _check_batch(prog, supports, np.array([c.U for c in cands]), np.array([_mu_by_row(prog, c) for c in cands]))
    exact = [prog.certify(c) for c in cands]
    assert fb.ok.all()
    for b, opt in enumerate(exact):  # the same programme: the proven intervals overlap
        assert Fraction(fb.lower[b]) <= opt.upper and opt.lower <= Fraction(fb.upper[b])
        assert fb.upper[b] - fb.lower[b] < 1e-9


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st_.integers(0, 10**6), k=st_.integers(1, 4), noise=st_.sampled_from([0.0, 1e-6, 1.0]))
def test_garbage_candidates_still_give_proven_bounds(seed, k, noise):
    """Whatever the candidate (perturbed, outside its cone, negative multipliers), the bounds
    that are reported hold exactly."""
    rng = np.random.default_rng(seed)
    prog = _teacher_small()
    supports = [tuple(sorted(rng.choice(prog.K, k, replace=False).tolist())) for _ in range(4)]
    cands = [prog.candidate(S) for S in supports]
    U = np.array([c.U for c in cands]) + noise * rng.standard_normal((4, k, prog.dim))
    MU = np.array([_mu_by_row(prog, c) for c in cands]) + noise * rng.standard_normal((4, k, prog.n))
    fb = _check_batch(prog, supports, U, MU)
    assert (fb.lower <= fb.upper).all()
    if noise < 1:  # a point slightly outside its cone is pushed in, never refused
        assert fb.ok.all()


@functools.lru_cache(maxsize=None)
def _teacher_small():
    """Rational data with non-dyadic entries (thirds, tenths) and a bias."""
    X = [[Fraction(1, 3), 1, Fraction(-2, 7)], [1, Fraction(1, 10), 0], [Fraction(-1, 3), Fraction(2, 3), 1],
         [0, -1, Fraction(1, 5)], [1, 1, 1], [Fraction(-5, 6), 0, Fraction(1, 9)]]
    y = [Fraction(1, 3), -1, Fraction(7, 10), Fraction(1, 7), 0, Fraction(-2, 3)]
    return RegionProgram(Dataset.from_arrays(X, y, bias=True), "1/30")


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e6])
def test_label_scales(scale):
    """Labels far from unit size: the bounds stay proven and tight relative to |y|^2 / n."""
    ds = generate("gaussian", n=6, d=2, seed=4)
    ds = Dataset.from_arrays(ds.X, [float(v) * scale for v in ds.y])
    prog = RegionProgram(ds, Fraction(1, 50) * Fraction(scale))
    rng = np.random.default_rng(0)
    supports = [tuple(sorted(rng.choice(prog.K, 3, replace=False).tolist())) for _ in range(6)]
    cands = [prog.candidate(S) for S in supports]
    fb = _check_batch(prog, supports, np.array([c.U for c in cands]), np.array([_mu_by_row(prog, c) for c in cands]))
    assert fb.ok.all()


def test_solve_many_matches_the_exact_path(teacher):
    prog = teacher
    rng = np.random.default_rng(7)
    supports = [tuple(sorted(rng.choice(prog.K, int(k), replace=False).tolist())) for k in rng.integers(1, 9, 40)]
    supports += [(), supports[0]]
    opts = solve_many(prog, supports)
    assert all(o.certified for o in opts)
    assert sum(isinstance(o, ValidatedOptimum) for o in opts) >= 0.95 * (len(supports) - 1)
    for S, o in zip(supports, opts):
        e = prog.solve(S)
        assert o.cones == tuple(S)
        assert o.lower <= e.upper and e.lower <= o.upper


def test_validated_optimum_exact_views(teacher):
    prog = teacher
    S = (4, 17, 30, 51, 88)
    o = solve_many(prog, [S])[0]
    assert isinstance(o, ValidatedOptimum) and o.certified
    y = prog.exact.y
    assert o.residual_exact == tuple(a - b for a, b in zip(y, o.fitted_exact))
    assert np.abs(o.residual - np.array([float(v) for v in o.residual_exact])).max() < 1e-12
    assert all(np.array([float(v) for v in o.u_exact[c]]).tolist() == o.u[c].tolist() for c in S)
    assert o.dual_residual_exact == tuple(Fraction(float(v)) for v in o.dual_residual)
    reprove(prog, S, [o.u[c] for c in S], o.dual_residual, [o.mu[c] for c in S], float(o.dual_scale), o.lower, o.upper)
    # an eager copy and a pickled copy keep the certificate
    for copy in (dataclasses.replace(o), pickle.loads(pickle.dumps(o))):
        assert (copy.lower, copy.upper, copy.cones_used) == (o.lower, o.upper, o.cones_used)
        assert np.allclose(copy.residual, o.residual, atol=1e-12)
    json = o.to_json_obj()
    assert json["certified"] and json["solver"] == "ipm"


def test_extension_of_a_validated_optimum(teacher):
    """A validated optimum's dual point extends to more cones exactly (extend_certificate)."""
    prog = teacher
    base = solve_many(prog, [(4, 17)])[0]
    hits = 0
    for c in range(prog.K):
        if c in (4, 17):
            continue
        ext = prog.extend(base, (4, 17, c))
        if ext is None:
            continue
        hits += 1
        full = prog.solve((4, 17, c))
        assert ext.certified and ext.lower <= full.upper and full.lower <= ext.upper
    assert hits >= 1


@settings(max_examples=200, deadline=None)
@given(lower=st_.floats(-1e3, 1e3) | st_.floats(-1e-12, 1e-12), rel=st_.floats(0, 1e-8) | st_.just(0.0),
       scale=st_.sampled_from([1e-30, 1e-6, 0.5, 1.0]))
def test_float_gap_test_agrees_with_the_exact_one(lower, rel, scale):
    """The float screen of the gap test never contradicts the exact test (gap_within)."""
    from landscape.convex.certify import gap_within
    from landscape.convex.float_bounds import _gap_test
    from landscape.exact.arithmetic import GAP_TOL, round_down, round_up

    upper = lower + rel * max(abs(lower), scale)
    verdict = int(_gap_test(np.array([lower]), np.array([upper]), np.array([True]), scale, GAP_TOL)[0])
    exact = gap_within(round_down(Fraction(lower), 96), round_up(Fraction(upper), 96), Fraction(scale))
    if verdict == 2:
        assert exact
    if verdict == 0:
        assert not exact


def test_no_spurious_small_neurons_on_degenerate_cones():
    """On the bundled degenerate data at lam 1/10, single cones whose V equals the zero
    network's loss have the zero network as minimiser on both paths (solvers leave small
    weights there, which once made these regions look like boundary local minima)."""
    from landscape.data import load_dataset
    from landscape.regions.landscape import Landscape

    ds = load_dataset("data/examples/degenerate_d4.json")
    land = Landscape(ds, "1/10")
    prog = land.prog
    empty = land.cache.empty_value()
    for c in (1, 3, 17, 19):
        for opt in (prog.solve((c,)), solve_many(prog, [(c,)])[0]):
            assert opt.certified and opt.lower <= empty <= opt.upper
            assert opt.cones_used == []
        assert land.classifier.classify((c,), 1).bad is False
