"""Benchmark L*_m by branch and bound against the exhaustive search, in the same run.

    python scripts/bench_width.py [--seeds 1,6] [--widths 2]

For Gaussian data with n = 6, d = 3, lam = 1/100 (K = 64 signed cones) and every width
below the convex optimum's support size, prints the certified solves and seconds of
:func:`landscape.regions.width.width_optimum` by branch and bound, and -- for the widths
given with ``--widths`` (C(64, m) supports each) -- of the exhaustive search over all
supports of size m, with the ratio of their times.  Each method gets a fresh solve cache.
"""

import argparse
import time

from landscape.convex.program import RegionProgram
from landscape.data import generate
from landscape.regions.cache import SolveCache
from landscape.regions.width import width_optimum


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1,6")
    ap.add_argument("--widths", default="2", help="widths at which the exhaustive baseline also runs")
    args = ap.parse_args()
    baseline_widths = {int(w) for w in args.widths.split(",") if w}
    for seed in (int(s) for s in args.seeds.split(",")):
        prog = RegionProgram(generate("gaussian", n=6, d=3, seed=seed), "1/100")
        glob = prog.global_optimum()
        print(f"gaussian n=6 d=3 seed {seed}: K = {prog.K}, convex optimum uses {len(glob.cones_used)} cones")
        for m in range(1, len(glob.cones_used)):
            t = time.perf_counter()
            bb = width_optimum(SolveCache(prog), m, glob, exhaustive_limit=0)
            t_bb = time.perf_counter() - t
            line = (f"  m={m}: branch and bound {bb.programs} solves {t_bb:.2f} s "
                    f"(certified {bb.certified}, L*_m = {bb.value:.10g})")
            if m in baseline_widths:
                t = time.perf_counter()
                ex = prog.width_optimum(m, max_programs=10**7, glob=glob)
                t_ex = time.perf_counter() - t
                same = abs(ex.value - bb.value) <= 1e-8 * (1 + ex.value)
                line += (f"; exhaustive {ex.programs} solves {t_ex:.2f} s (same value {same}); "
                         f"ratio {t_ex / t_bb:.1f}x")
            print(line, flush=True)


if __name__ == "__main__":
    main()
