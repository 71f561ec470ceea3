"""The fast paths of the convex engine against slow, obvious ones (landscape/convex/):
batched dual screening, batched exact all-cones dual, solver multipliers, pruning."""

import dataclasses
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from landscape.exact.arithmetic import to_grid
from landscape.convex.program import RegionProgram
from landscape.geometry.cones import cone_cell, cone_sign
from landscape.data import Dataset, generate


@st.composite
def instance(draw):
    n = draw(st.integers(3, 7))
    d = draw(st.integers(2, 3))
    X = [[draw(st.integers(-4, 4)) for _ in range(d)] for _ in range(n)]
    y = [draw(st.integers(-3, 3)) for _ in range(n)]
    if all(v == 0 for r in X for v in r):
        X[0][0] = 1
    return Dataset.from_arrays(X, y, bias=draw(st.booleans())), draw(st.integers(0, 10**6))


def _slow_values(prog, r):
    """Per-cone NNLS value of max {b . u : u in closed cone, |u| <= 1}, every cone."""
    B = prog.patterns.astype(float) @ (prog.X * r[:, None])
    return {2 * cell + s: prog.cone_dual_value(2 * cell + s, B[cell] if s == 0 else -B[cell])[0]
            for cell in range(prog.P) for s in (0, 1)}


@given(instance())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batch_dual_bounds_and_scan_match_slow_path(inst):
    ds, seed = inst
    prog = RegionProgram(ds, "1/20")
    r = np.random.default_rng(seed).normal(size=ds.n)
    slow = _slow_values(prog, r)
    B = prog.patterns.astype(float) @ (prog.X * r[:, None])
    cc = np.repeat(np.arange(prog.P), 2)
    ss = np.tile([0, 1], prog.P)
    vals, mu, exact = prog.batch_dual(cc, ss, B, target=0.0)  # never stop early
    for t in range(len(cc)):
        c = 2 * int(cc[t]) + int(ss[t])
        assert vals[t] >= slow[c] - 1e-9 * (1 + slow[c])        # an upper bound (weak duality)
        if exact[t]:
            assert abs(vals[t] - slow[c]) <= 1e-9 * (1 + slow[c])
        assert np.all(mu[t] >= 0)
    # scan finds exactly the cones the slow path calls violators (away from the threshold)
    nl = prog.n * prog.lamf
    got = {c for _, c in prog.scan(r)}
    for c, v in slow.items():
        if v > nl * (1 + 1e-6):
            assert c in got
        elif v < nl * (1 - 1e-6):
            assert c not in got


@given(instance())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batched_exact_all_cones_dual_matches_per_cone(inst):
    ds, seed = inst
    prog = RegionProgram(ds, "1/20")
    r = np.random.default_rng(seed).normal(size=ds.n) * 0.3
    ri, k = to_grid(r)
    rden = 1 << k if k >= 0 else 1
    rn = ri if k >= 0 else [v << -k for v in ri]
    rf = np.array([v / rden for v in rn])
    N = prog._all_cones_dual(rn, rden, rf, {})
    # per-cone exact path (the slow reference): exact squared norms with NNLS multipliers
    B = prog.patterns.astype(float) @ (prog.X * rf[:, None])
    ref = max(prog._exact_cone_norm(c, cone_sign(c) * B[cone_cell(c)], rn, rden)[0] for c in range(prog.K))
    slow = max(_slow_values(prog, rf).values())
    # both are proven upper bounds on the true max; the batched one may be a little looser
    # above n lam (rounded multipliers) but never below the true value
    assert float(N) >= slow ** 2 * (1 - 1e-9) - 1e-12
    nl2 = (prog.n * prog.lam) ** 2
    if ref <= nl2:
        assert N <= nl2
    else:
        assert float(N) <= float(ref) * (1 + 1e-6) + 1e-12


def test_solver_multipliers_match_nnls_certificate():
    ds = generate("relu-teacher", n=7, d=3, seed=5)
    prog = RegionProgram(ds, "1/50")
    rng = np.random.default_rng(1)
    for _ in range(15):
        S = prog.validate_cones(rng.choice(prog.K, 6, replace=False))
        cand = prog.candidate(S)
        status = cand.status
        assert cand.multipliers is not None
        fast = prog.certify(cand)                                   # Clarabel's own multipliers
        slow = prog.certify(dataclasses.replace(cand, multipliers=None))  # NNLS multipliers
        assert fast.upper == slow.upper
        assert fast.lower <= fast.upper and slow.lower <= slow.upper
        if status == "optimal":
            assert fast.certified == slow.certified or abs(float(fast.lower - slow.lower)) < 1e-9
        # every multiplier used by the certificate is >= 0
        for c, mu in fast.mu.items():
            assert np.all(np.asarray(mu) >= 0)


def test_pruned_global_optimum_bounds():
    ds = generate("relu-teacher", n=12, d=2, seed=3)
    prog = RegionProgram(ds, "0.01")
    glob = prog.global_optimum()
    assert glob.certified
    # the upper bound is the pruned point's exact objective; the lower bound is a dual
    # bound over all K cones; a monolithic solve lands between them
    mono = prog.solve(range(prog.K))
    assert glob.lower <= mono.upper and mono.lower <= glob.upper
    # the pruned point is feasible: u_c in its closed cone, exactly
    for c, u in glob.u_exact.items():
        D = prog.patterns[cone_cell(c)]
        for i, x in enumerate(prog.arr.rows_exact):
            g = sum((a * b for a, b in zip(x, u)), Fraction(0))
            assert (g >= 0) if D[i] else (g <= 0)
