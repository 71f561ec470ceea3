"""Benchmark the certified convex engine against baselines computed in the same run.

    python scripts/bench_convex.py [--quick] [--small-only] [--rounds R] [--baseline-tree DIR]

1. many small programmes (n = 8, d = 3, |S| = 8, |S| uniform in 1..8, and through the solve
   cache: 100 supports of 1..7 cones, each followed by itself plus one cone): certified solves
   per second on this checkout (the new path) and on another checkout (``--baseline-tree``,
   default ``/work/main`` if it exists: today's path), each in fresh processes, interleaved
   in the same run, as solves/s per core (CPU time; wall time beside it) and their ratio.
   The old path is ``RegionProgram.solve`` one support at a time; the new path is
   ``convex.batch.solve_many`` over the 300 supports ("batch") and one support per call
   ("single"), where the tree has it; then a fresh cvxpy problem per support (the authors'
   approach) for scale;
2. global optimum n = 30, d = 3 (~1,744 cones): cone generation vs one monolithic solve
   over all cones (both certified over all K cones), and the pruned support size;
3. global optimum n = 100, d = 3 (~19,800 cones): wall time of the certified cone generation.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout's package, not an installed one

SETUP = """
import sys, time, numpy as np
from landscape.convex.program import RegionProgram
from landscape.data import generate
ds = generate("relu-teacher", n=8, d=3, seed=1)
prog = RegionProgram(ds, "0.01")
rng = np.random.default_rng(0)
if SIZES == "grow":  # the solve cache's pattern: a support, then that support plus one cone
    from landscape.regions.cache import SolveCache
    cache = SolveCache(prog)
    supports = []
    for k in rng.integers(1, 8, 100).tolist():
        base = rng.choice(prog.K, k, replace=False).tolist()
        supports += [base] + [sorted(set(base) | {int(c)}) for c in rng.choice(prog.K, 2, replace=False)]
    solve = cache.V
else:
    sizes = [8] * 300 if SIZES == "8" else rng.integers(1, 9, 300).tolist()
    supports = [rng.choice(prog.K, k, replace=False) for k in sizes]
    solve = prog.solve
try:  # the batched path, where this tree has it
    from landscape.convex.batch import solve_many
except ImportError:
    solve_many = None
if solve_many is not None and MODE == "single" and SIZES != "grow":
    solve = lambda S: solve_many(prog, [S])[0]
prog.solve(supports[0])
if solve_many is not None:
    solve_many(prog, supports[:2])  # compiled kernels loaded (compiled once, cached on disk)
t, c = time.perf_counter(), time.process_time()
if solve_many is not None and MODE == "batch" and SIZES != "grow":
    fast = solve_many(prog, supports)
else:
    fast = [solve(S) for S in supports]
t_fast = (time.perf_counter() - t) / len(supports)
c_fast = (time.process_time() - c) / len(supports)
"""
SMALL = SETUP + "print(t_fast, c_fast, sum(o.certified for o in fast))"


def small_rate(tree=None, sizes="8", mode="solve"):
    """``(wall s, CPU s, certified)`` per small solve in a fresh process on the package at
    ``tree`` (default: this checkout); ``sizes`` "8" (|S| = 8), "1-8" (|S| uniform) or
    "grow" (through the solve cache); ``mode`` "solve", "batch" or "single" (see above)."""
    env = dict(os.environ)
    root = tree or ROOT
    env["PYTHONPATH"] = root
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = f"SIZES = {sizes!r}\nMODE = {mode!r}\n" + SMALL
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def compare_small(baseline, rounds):
    """Old path (``baseline`` tree, one ``RegionProgram.solve`` per support) and new path
    (this tree, batched and one support per call) in the same run: fresh processes,
    interleaved (rotating which goes first), median solves/s of CPU time per core."""
    med = lambda xs, k: sorted(x[k] for x in xs)[len(xs) // 2]  # noqa: E731
    for sizes in ("8", "1-8", "grow"):
        runs = [("old", baseline, "solve")] + ([("new", None, "solve")] if sizes == "grow" else
                                                [("new batch", None, "batch"), ("new single", None, "single")])
        acc = {name: [] for name, _, _ in runs}
        for i in range(rounds):
            for name, tree, mode in runs[i % len(runs):] + runs[:i % len(runs)]:
                acc[name].append(small_rate(tree, sizes, mode))
        what = {"8": "|S| = 8", "1-8": "|S| in 1..8", "grow": "cache: S, then S + one cone"}[sizes]
        old = acc["old"]
        parts = [f"old {1 / med(old, 1):.0f}/s ({old[0][2]}/300 certified)"]
        for name, _, _ in runs[1:]:
            new = acc[name]
            parts.append(f"{name} {1 / med(new, 1):.0f}/s ({new[0][2]}/300 certified, "
                         f"ratio {med(old, 1) / med(new, 1):.2f}x; wall ratio {med(old, 0) / med(new, 0):.2f}x)")
        print(f"  {what} (n = 8, d = 3, 300 supports, {rounds} interleaved rounds, per core, CPU time): "
              + "; ".join(parts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the n = 100 case")
    ap.add_argument("--small-only", action="store_true", help="only the small V(S) comparison")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the small comparison")
    ap.add_argument("--baseline-tree", default="/work/main" if os.path.isdir("/work/main/landscape") else None,
                    help="another checkout (today's path) to measure the small solves against")
    args = ap.parse_args()

    from landscape.convex.program import RegionProgram
    from landscape.data import generate

    ns = {"SIZES": "8", "MODE": "batch"}
    exec(SETUP, ns)
    prog, supports, fast, t_fast = ns["prog"], ns["supports"], ns["fast"], ns["t_fast"]
    print(f"small V(S) (n=8, d=3, K={prog.K}): certified solves per second, old path vs new path")
    if args.baseline_tree:
        compare_small(args.baseline_tree, args.rounds)
    if args.small_only:
        return
    t = time.perf_counter()
    slow = [prog.solve(S, solver="cvxpy") for S in supports[:30]]
    t_slow = (time.perf_counter() - t) / 30
    print(f"  this tree in-process: {1 / t_fast:.0f}/s ({sum(o.certified for o in fast)}/{len(fast)} certified); "
          f"fresh cvxpy {1 / t_slow:.1f}/s ({sum(o.certified for o in slow)}/{len(slow)} certified); "
          f"ratio {t_slow / t_fast:.1f}x")
    worst = max(float(o.upper - o.lower) / max(o.value, float(prog.gap_scale)) for o in fast)
    print(f"  worst relative gap {worst:.2e} (of max(V, min(1, |y|^2/n)))")
    # where the time goes: candidate (assembly + Clarabel) vs exact certification
    t = time.perf_counter()
    cands = [prog.candidate(prog.validate_cones(S)) for S in supports]
    t_cand = (time.perf_counter() - t) / len(supports)
    t = time.perf_counter()
    for cand in cands:
        prog.certify(cand)
    t_cert = (time.perf_counter() - t) / len(supports)
    print(f"  per solve (exact path): candidate {1e3 * t_cand:.2f} ms, certification {1e3 * t_cert:.2f} ms")
    from landscape.convex.float_bounds import float_bounds
    from landscape.convex.ipm import candidates_for

    keys = [prog.validate_cones(S) for S in supports]
    t = time.process_time()
    U, MU, status, _ = candidates_for(prog, keys)
    t_ipm = (time.process_time() - t) / len(keys)
    t = time.process_time()
    float_bounds(prog, np.array(keys), U, MU)
    t_fb = (time.process_time() - t) / len(keys)
    print(f"  per solve (batched path, CPU): candidate {1e6 * t_ipm:.0f} us ({int((status == 0).sum())}/{len(keys)} "
          f"converged), validated bounds {1e6 * t_fb:.1f} us")

    ds = generate("relu-teacher", n=30, d=3, seed=1)
    prog = RegionProgram(ds, "0.01")
    prog.facet_rows(0)
    t = time.perf_counter()
    g = prog.global_optimum()
    t_cg = time.perf_counter() - t
    every = tuple(range(prog.K))
    t = time.perf_counter()
    mono = prog.certify(prog.candidate(every), dual="all")
    t_mono = time.perf_counter() - t
    t = time.perf_counter()
    mono_cp = prog.certify(prog.candidate(every, solver="cvxpy"), dual="all")
    t_mono_cp = time.perf_counter() - t
    print(f"global n=30 d=3 (K={prog.K}): cone generation {t_cg:.2f}s certified={g.certified} "
          f"V={g.value:.10f} support {g.support_size} (n = {prog.n})")
    print(f"  vs one monolithic cvxpy problem (the issue's baseline): {t_mono_cp:.2f}s "
          f"certified={mono_cp.certified}: ratio {t_mono_cp / t_cg:.1f}x")
    print(f"  vs one monolithic solve on our direct Clarabel form: {t_mono:.2f}s certified={mono.certified}: "
          f"ratio {t_mono / t_cg:.1f}x")

    if not args.quick:
        ds = generate("relu-teacher", n=100, d=3, seed=1)
        t = time.perf_counter()
        prog = RegionProgram(ds, "0.01")
        g = prog.global_optimum()
        print(f"global n=100 d=3 (K={prog.K}): {time.perf_counter() - t:.1f}s (incl. arrangement) "
              f"certified={g.certified} gap={float(g.upper - g.lower):.2e} iterations={g.iterations} "
              f"support {g.support_size}")


if __name__ == "__main__":
    main()
