"""Benchmark and success rates of ``check`` on float networks (issue 11).

1. Round trip: on random instances (n 5-7, d 2-3, lam 0.01-0.1) the network of the
   certified global optimum (what ``landscape optimum`` writes) is fed to
   :func:`landscape.regions.verdict.check`; counts the ``global_minimum`` verdicts and
   times ``check`` against the exact pointwise test alone
   (:func:`landscape.network.pointwise.check_network`, the baseline, same inputs).
2. GD endpoints: gradient descent (:func:`landscape.dynamics.training.train`) from small
   random initialisations, width <= 8; the verdict of ``check`` on each endpoint (with a
   dead neuron appended, scaled to 1e-300), and the undecided rate.

Usage: ``python scripts/bench_check.py [--instances 20] [--runs 100] [--seed 0]``.
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


def instance(rng):
    n = int(rng.integers(5, 8))
    d = int(rng.integers(2, 4))
    X = [[Fraction(int(v), 10) for v in rng.integers(-10, 11, size=d)] for _ in range(n)]
    y = [Fraction(int(v), 10) for v in rng.integers(-10, 11, size=n)]
    lam = Fraction(int(rng.integers(10, 101)), 1000)
    return Dataset.from_arrays(X, y), lam


def round_trip(k, rng):
    verdicts, t_new, t_old = Counter(), [], []
    for _ in range(k):
        ds, lam = instance(rng)
        prog = RegionProgram(ds, lam)
        glob = prog.global_optimum()
        a, W = glob.network
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
    from landscape.dynamics.training import train

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
        verdicts[(str(v.verdict), v.subject)] += 1
    return verdicts, times


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--instances", type=int, default=20)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    verdicts, t_new, t_old = round_trip(args.instances, rng)
    print(f"round trip on {args.instances} instances: {dict(verdicts)}")
    print(f"  check median {statistics.median(t_new):.3f} s (max {max(t_new):.3f}); exact pointwise test alone "
          f"median {statistics.median(t_old):.3f} s; ratio {statistics.median(t_new) / statistics.median(t_old):.2f}")
    if args.runs:
        verdicts, times = gd_endpoints(args.runs, rng)
        und = sum(c for key, c in verdicts.items() if key[0] == "undecided")
        print(f"GD endpoints ({args.runs} runs, a dead 1e-300 neuron appended): {dict(verdicts)}")
        print(f"  undecided {und}/{sum(verdicts.values())}; check median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
