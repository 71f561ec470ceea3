"""Benchmark the exact cell enumerator against two baselines run in the same process.

* Incremental LP: add hyperplanes one at a time and split every cell that the new
  hyperplane cuts, testing both sides with scipy's HiGHS (float, one LP per side).
* Plain-Python loop over (d-1)-subsets (the authors' style): a null vector per subset by
  SVD, float signs, the 2^(d-1) local patterns added to a Python set.  Not exact.

Prints times, the speed ratios, absolute figures at the issue's sizes, the peak memory
per cell, and (issue 13), each measured in child processes of this run:

* the whole ``landscape cells`` command (``--format npz``, ``json``, ``csv``) against the
  in-process enumeration at Gaussian n = 40, d = 5 (target: npz <= 1.5x);
* the peak resident memory of the n = 200, d = 4 enumeration (target <= 1.5 GiB).

Times of child processes are their CPU time (user + system, from ``os.wait4``), steadier
than wall-clock time on a shared machine; wall-clock times are printed beside them.
``--compare DIR`` runs the same child measurements on another checkout (e.g. the code
before a change) in the same run.

Usage: ``python scripts/bench_cells.py [--quick] [--compare DIR] [--skip-baselines]``.
"""

import argparse
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from scipy.optimize import linprog

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from landscape.data import generate, save_dataset  # noqa: E402
from landscape.geometry.arrangement import cover_count, enumerate_cells  # noqa: E402

_ENUMERATE = """
import sys, time
from landscape.data import load_dataset
from landscape.geometry.arrangement import enumerate_cells
ds = load_dataset(sys.argv[1])
t = time.process_time()
arr = enumerate_cells(ds, max_cells=10**9)
print(arr.count, time.process_time() - t)
"""


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


def run_child(argv, tree):
    """Run ``argv`` with ``landscape`` imported from ``tree``: (wall s, CPU s, peak RSS bytes, stdout)."""
    env = dict(os.environ, PYTHONPATH=tree, OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL, cwd=tree)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        out.seek(0)
        text = out.read().decode()
    ok = os.waitstatus_to_exitcode(status) == 0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, text if ok else None


def output_section(trees, n, d, repeats):
    """``landscape cells`` (whole process) against the in-process enumeration."""
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "data.json")
    save_dataset(generate("gaussian", n=n, d=d, seed=0), data)
    print(f"== landscape cells, whole process vs in-process enumeration, Gaussian n={n}, d={d}"
          " (CPU s, median of %d; wall s in brackets)" % repeats)
    for name, tree in trees:
        runs = [run_child([sys.executable, "-c", _ENUMERATE, data], tree) for _ in range(repeats)]
        inner = statistics.median(float(r[3].split()[1]) for r in runs)
        count = runs[0][3].split()[0]
        line = [f"  {name}: enumeration {inner:.2f} s ({count} cells)"]
        for fmt in ("npz", "json", "csv"):
            out = os.path.join(tmp, f"cells.{fmt}")
            res = [run_child([sys.executable, "-m", "landscape.cli", "cells", data, "--format", fmt, "--out", out],
                             tree) for _ in range(repeats)]
            if any(r[3] is None for r in res):
                line.append(f"{fmt}: unsupported")
                continue
            cpu, wall = statistics.median(r[1] for r in res), statistics.median(r[0] for r in res)
            target = " (target <= 1.5x)" if fmt == "npz" else ""
            line.append(f"{fmt} {cpu:.2f} s [{wall:.2f}] = {cpu / inner:.2f}x{target}, {os.path.getsize(out) / 2**20:.1f} MiB")
        print("; ".join(line))
        base = statistics.median(run_child([sys.executable, "-m", "landscape.cli", "--version"], tree)[1]
                                 for _ in range(repeats))
        print(f"    of which starting the CLI (`landscape --version`, the parser's imports) {base:.2f} s")


def memory_section(trees, n, d):
    """Peak resident memory of one enumeration, in a child process."""
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "data.json")
    save_dataset(generate("gaussian", n=n, d=d, seed=0), data)
    print(f"== peak memory (child process RSS), Gaussian n={n}, d={d}")
    for name, tree in trees:
        wall, cpu, rss, text = run_child([sys.executable, "-c", _ENUMERATE, data], tree)
        count = text.split()[0] if text else "failed"
        print(f"  {name}: {count} cells, peak RSS {rss / 2**30:.2f} GiB (target <= 1.5 GiB), "
              f"CPU {cpu:.1f} s, wall {wall:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller baseline sizes")
    ap.add_argument("--compare", metavar="DIR", help="also measure the checkout in DIR (child processes)")
    ap.add_argument("--skip-baselines", action="store_true", help="only the issue-13 sections")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    trees = [("this tree", ROOT)] + ([("compare", os.path.abspath(args.compare))] if args.compare else [])
    output_section(trees, 40, 5, args.repeats)
    memory_section(trees, 100 if args.quick else 200, 4)
    if args.skip_baselines:
        return

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
    print("== time per cell (CPU, best of 2), d=3 (issue 13: the exact witness check grows with n)")
    for n in (50, 100, 200, 400):
        ds = generate("gaussian", n=n, d=3, seed=1)
        best = math.inf
        for _ in range(2):
            t = time.process_time()
            arr = enumerate_cells(ds)
            best = min(best, time.process_time() - t)
        ok = "ok" if arr.count == cover_count(n, 3) else "WRONG COUNT"
        print(f"  n={n:3d}: {arr.count:7,d} cells, {best * 1e6 / arr.count:5.1f} us/cell (Cover {ok})")


if __name__ == "__main__":
    main()
