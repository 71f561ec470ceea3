"""Benchmark the exact cell enumerator against two baselines run in the same process.

* Incremental LP: add hyperplanes one at a time and split every cell that the new
  hyperplane cuts, testing both sides with scipy's HiGHS (float, one LP per side).
* Plain-Python loop over (d-1)-subsets (the authors' style): a null vector per subset by
  SVD, float signs, the 2^(d-1) local patterns added to a Python set.  Not exact.

Prints times, the speed ratios, absolute figures at the issue's sizes, and the peak memory
per cell.  Usage: ``python scripts/bench_cells.py [--quick]``.
"""

import argparse
import itertools
import statistics
import time
import tracemalloc

import numpy as np
from scipy.optimize import linprog

from landscape.geometry.arrangement import cover_count, enumerate_cells
from landscape.data import generate


def incremental_lp(X):
    n, d = X.shape
    cells = [()]
    for k in range(n):
        new = []
        for cell in cells:
            for s in (1.0, -1.0):
                signs = np.array(cell + (s,))
                A = -(signs[:, None] * X[: k + 1])
                res = linprog(np.zeros(d), A_ub=A, b_ub=-np.ones(k + 1), bounds=[(None, None)] * d, method="highs")
                if res.status == 0:
                    new.append(cell + (s,))
        cells = new
    return len(cells)


def python_subset_loop(X):
    n, d = X.shape
    patterns = set()
    for combo in itertools.combinations(range(n), d - 1):
        A = X[list(combo)]
        _, s, vt = np.linalg.svd(A)
        if len(s) and s[-1] < 1e-12:
            continue
        v = vt[-1]
        for eps in (1.0, -1.0):
            base = X @ (eps * v) > 0
            for local in itertools.product([False, True], repeat=d - 1):
                pat = base.copy()
                pat[list(combo)] = local
                patterns.add(pat.tobytes())
    return len(patterns)


def timed(fn, *args, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller baseline sizes")
    args = ap.parse_args()

    print("== vs incremental LP (HiGHS), n=20, d=3")
    ds = generate("gaussian", n=20, d=3, seed=0)
    t_ours, arr = timed(enumerate_cells, ds, repeat=5)
    t_lp, count_lp = timed(incremental_lp, ds.X, repeat=1)
    print(f"  ours {t_ours * 1e3:8.1f} ms  ({arr.count} cells)   LP {t_lp:7.2f} s ({count_lp} cells)"
          f"   ratio {t_lp / t_ours:,.0f}x")

    n, d = (30, 4) if args.quick else (40, 5)
    print(f"== vs plain-Python (d-1)-subset loop (float), n={n}, d={d}")
    ds = generate("gaussian", n=n, d=d, seed=0)
    t_ours, arr = timed(enumerate_cells, ds)
    t_py, count_py = timed(python_subset_loop, ds.X, repeat=1)
    print(f"  ours {t_ours:7.3f} s ({arr.count} cells, exact)   loop {t_py:7.3f} s ({count_py} cells)"
          f"   ratio {t_py / t_ours:.1f}x")

    print("== absolute figures")
    for n, d, target in [(200, 3, 1.0), (40, 5, 5.0)]:
        ds = generate("gaussian", n=n, d=d, seed=0)
        t, arr = timed(enumerate_cells, ds)
        ok = "ok" if arr.count == cover_count(n, d) else "WRONG COUNT"
        print(f"  n={n:3d} d={d}: {arr.count:7,d} cells in {t:6.3f} s (target < {target} s; Cover {ok})")
    rows = [list(v) for v in itertools.product([0, 1], repeat=5) if any(v)]
    t, arr = timed(enumerate_cells, rows)
    print(f"  resonance d=5: {arr.count:,} cells in {t:.3f} s (SageMath regions(): 22.8 s published)")

    print("== memory (tracemalloc peak per cell)")
    for n in (100, 200, 400):
        ds = generate("gaussian", n=n, d=3, seed=1)
        tracemalloc.start()
        arr = enumerate_cells(ds)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  n={n:3d} d=3: {arr.count:7,d} cells, peak {peak / 2**20:7.1f} MiB, {peak / arr.count:6.0f} B/cell")


if __name__ == "__main__":
    main()
