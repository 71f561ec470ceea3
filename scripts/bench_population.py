"""Speed of the population search and certification (issue 14 targets).

* 1,000 gradient-descent runs at k = n = 10 batched over runs (target: under 60 s on
  2 cores), against the same descent run one student at a time (a per-run NumPy loop) on
  a subset, extrapolated to 1,000 runs; the ratio is printed.
* Certifying one spurious family at k = 20 (target: under 10 s).

Run from the repository root: ``python scripts/bench_population.py [--runs 1000] [--subset 20]``.
"""

import argparse
import os
import sys
import time

import numpy as np


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from landscape.population.certify import certify_point  # noqa: E402
from landscape.population.kernel import gradient, teacher  # noqa: E402
from landscape.population.search import default_lr, descend, initial_students, run_search  # noqa: E402


def per_run_loop(W0, V, lr, steps, grad_tol):
    """The baseline: plain gradient descent, one student after the other."""
    out = []
    for W in W0:
        W = W.copy()
        for _ in range(steps):
            G = gradient(W, V)
            if np.sqrt((G * G).sum()) <= grad_tol:
                break
            W -= lr * G
        out.append(W)
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--subset", type=int, default=20, help="runs of the per-run baseline")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    k = 10
    V = teacher(k)
    lr = default_lr(V, k)
    t, c = time.perf_counter(), time.process_time()
    res = run_search(k, runs=args.runs, seed=args.seed, steps=args.steps)
    batched = time.perf_counter() - t
    print(f"k = n = 10, {args.runs} runs batched, search with certification: {batched:.1f} s wall, "
          f"{time.process_time() - c:.1f} s CPU (share spurious {res.share_spurious:.3f}, {len(res.families)} families)")
    rng = np.random.default_rng(args.seed)
    W0 = initial_students(args.subset, k, k, rng)
    t = time.perf_counter()
    descend(W0, V, lr, args.steps, 1e-10)  # the same stopping rule as the loop
    sub_batched = time.perf_counter() - t
    t = time.perf_counter()
    per_run_loop(W0, V, lr, args.steps, 1e-10)
    sub_loop = time.perf_counter() - t
    est = sub_loop * args.runs / args.subset
    print(f"same {args.subset} starts: batched descent {sub_batched:.2f} s, per-run loop {sub_loop:.2f} s")
    print(f"per-run loop extrapolated to {args.runs} runs: {est:.0f} s; ratio loop / batched search = {est / batched:.1f}")

    k = 20
    res20 = run_search(k, runs=4, seed=args.seed, steps=args.steps, certify=False)
    spurious = [f for f in res20.families if f.spurious] or res20.families
    t, c = time.perf_counter(), time.process_time()
    cert = certify_point(spurious[0].W, teacher(k))
    print(f"k = n = 20: certifying one family (loss {cert.loss:.6f}, {cert.verdict}): "
          f"{time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s CPU")


if __name__ == "__main__":
    main()
