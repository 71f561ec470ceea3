"""Benchmark and success rates of ``check`` on float networks (issue 11).

1. Round trip: on random instances (n 5-7, d 2-3, lam 0.01-0.1) the network of the
   certified global optimum (what ``landscape optimum`` writes) is fed to
   :func:`landscape.regions.verdict.check`; counts the ``global_minimum`` verdicts and
   times ``check`` against the exact pointwise test alone
   (:func:`landscape.network.pointwise.check_network`, the baseline, same inputs).
2. GD endpoints: gradient descent (:func:`landscape.dynamics.train`) from small
   random initialisations, width <= 8; the verdict of ``check`` on each endpoint (with a
   dead neuron appended, scaled to 1e-300), and the undecided rate.

3. Counterexamples: orthonormal data ``X = I_n`` (n 2-4) with labels of both signs, width
   1, where the larger same-sign group is a spurious minimum with an irrational value in
   general (closed form ``(1/n)|y_{A^c}|^2 + 2 lam |y_A| - n lam^2``); counts how often
   :func:`landscape.regions.counterexample.find_counterexample` finds it and ``check``
   confirms it.

Usage: ``python scripts/bench_check.py [--instances 20] [--runs 100] [--counterexamples 30]
[--n 5 7] [--d 2 3] [--seed 0]``.  The machine may be shared: timings are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from fractions import Fraction

import numpy as np

from landscape.convex.program import RegionProgram
from landscape.data import Dataset
from landscape.network.pointwise import check_network
from landscape.regions.verdict import check


N_RANGE, D_RANGE = (5, 7), (2, 3)


def instance(rng):
    n = int(rng.integers(N_RANGE[0], N_RANGE[1] + 1))
    d = int(rng.integers(D_RANGE[0], D_RANGE[1] + 1))
    X = [[Fraction(int(v), 10) for v in rng.integers(-10, 11, size=d)] for _ in range(n)]
    y = [Fraction(int(v), 10) for v in rng.integers(-10, 11, size=n)]
    lam = Fraction(int(rng.integers(10, 101)), 1000)
    return Dataset.from_arrays(X, y), lam


def round_trip(k, rng, max_width=8):
    verdicts, t_new, t_old = Counter(), [], []
    done = 0
    while done < k:
        ds, lam = instance(rng)
        prog = RegionProgram(ds, lam)
        glob = prog.global_optimum()
        a, W = glob.network
        if len(a) > max_width:
            continue
        done += 1
        if len(a) == 0:
            a, W = np.zeros(1), np.zeros((1, ds.dim))
        a, W = a.tolist(), W.tolist()
        t0 = time.perf_counter()
        check_network(ds, lam, a, W, prog=prog)
        t1 = time.perf_counter()
        v = check(ds, lam, a, W, prog=prog)
        t2 = time.perf_counter()
        t_old.append(t1 - t0)
        t_new.append(t2 - t1)
        verdicts[(str(v.verdict), v.subject)] += 1
    return verdicts, t_new, t_old


def gd_endpoints(runs, rng):
    from landscape.dynamics import train

    verdicts, times = Counter(), []
    for k in range(runs):
        ds, lam = instance(rng)
        m = int(rng.integers(2, 9))
        run = train(ds, float(lam), width=m, init_scale=0.5, seed=k, lr=0.05, steps=20000, grad_tol=1e-20)
        a = np.append(np.asarray(run.a, float), 1e-300)
        W = np.vstack([np.asarray(run.W, float), np.full((1, ds.dim), 1e-300)])
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(W))):
            verdicts["diverged"] += 1
            continue
        t0 = time.perf_counter()
        v = check(ds, lam, a.tolist(), W.tolist())
        times.append(time.perf_counter() - t0)
        verdicts[(run.stop_reason, str(v.verdict), v.subject)] += 1
    return verdicts, times


def counterexamples(k, rng):
    import math

    from landscape.regions.counterexample import find_counterexample

    counts, times = Counter(), []
    done = 0
    while done < k:
        n = int(rng.integers(2, 5))
        y = [Fraction(int(v), 4) for v in rng.choice([v for v in range(-12, 13) if v], size=n)]
        lam = Fraction(int(rng.integers(1, 21)), 400)
        pos = [v for v in y if v > 0]
        neg = [v for v in y if v < 0]
        if not pos or not neg:
            continue
        norms = [math.sqrt(sum(float(v) ** 2 for v in g)) for g in (pos, neg)]
        vals = [sum(float(v) ** 2 for v in other) / n + 2 * float(lam) * nm - n * float(lam) ** 2
                for nm, other in zip(norms, (neg, pos))]
        if min(norms) <= 1.01 * n * float(lam) or abs(vals[0] - vals[1]) < 1e-6:
            continue
        done += 1
        ds = Dataset.from_arrays([[int(i == j) for j in range(n)] for i in range(n)], y)
        t0 = time.perf_counter()
        net, cert = find_counterexample(ds, lam, 1)
        times.append(time.perf_counter() - t0)
        if net is None:
            counts["not found"] += 1
            continue
        ok = abs(float(cert["value_lower"]) - max(vals)) < 1e-9
        v = check(ds, lam, *net)
        counts[("found", cert["type"], "value ok" if ok else "value WRONG", str(v.verdict))] += 1
    return counts, times


def main():
    global N_RANGE, D_RANGE
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", type=int, default=20)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--counterexamples", type=int, default=30)
    p.add_argument("--n", type=int, nargs=2, default=N_RANGE)
    p.add_argument("--d", type=int, nargs=2, default=D_RANGE)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    N_RANGE, D_RANGE = tuple(args.n), tuple(args.d)
    rng = np.random.default_rng(args.seed)
    if args.instances:
        verdicts, t_new, t_old = round_trip(args.instances, rng)
        print(f"round trip on {args.instances} instances (n {N_RANGE}, d {D_RANGE}, optimum width <= 8): "
              f"{dict(verdicts)}")
        print(f"  check median {statistics.median(t_new):.3f} s (max {max(t_new):.3f}); exact pointwise test "
              f"alone median {statistics.median(t_old):.3f} s; ratio "
              f"{statistics.median(t_new) / statistics.median(t_old):.2f}")
    if args.runs:
        verdicts, times = gd_endpoints(args.runs, rng)
        und = sum(c for key, c in verdicts.items() if key[1:2] == ("undecided",))
        print(f"GD endpoints ({args.runs} runs, a dead 1e-300 neuron appended; key = (stop reason, verdict, "
              f"subject)): {dict(verdicts)}")
        print(f"  undecided {und}/{sum(verdicts.values())}; check median {statistics.median(times):.3f} s")
    if args.counterexamples:
        counts, times = counterexamples(args.counterexamples, rng)
        print(f"counterexamples on {args.counterexamples} orthonormal instances with a known spurious minimum: "
              f"{dict(counts)}; find_counterexample median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
