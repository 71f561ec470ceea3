"""Benchmark the batched interior-point candidates (landscape/convex/ipm.py) against
today's Clarabel candidates (``prog.candidate(S)``), in the same run.

    python scripts/bench_ipm.py [--supports 300] [--k 8] [--rounds 3] [--certify]

On ``relu-teacher`` n = 8, d = 3, lam = 0.01 (K = 116 cones), ``--supports`` random
supports of ``--k`` cones: supports per second per core (CPU time, after a warm-up call
that also JIT-compiles or loads the cached kernels) of one ``candidates_for`` call over
the whole batch and of one ``prog.candidate(S)`` per support, and their ratio; the IPM's
status counts and iterations.  ``--certify`` also certifies every IPM candidate exactly
(``prog.certify``) and reports the certified fraction.  The best of ``--rounds`` rounds
is reported for each (the machine may be shared).
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout's package, not an installed one

import numpy as np  # noqa: E402

from landscape.convex.backends import Candidate  # noqa: E402
from landscape.convex.ipm import candidates_for  # noqa: E402
from landscape.convex.program import RegionProgram  # noqa: E402
from landscape.data import generate  # noqa: E402
from landscape.results.status import SolverStatus  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--supports", type=int, default=300)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--certify", action="store_true")
    args = ap.parse_args(argv)

    prog = RegionProgram(generate("relu-teacher", n=8, d=3, seed=1), "0.01")
    rng = np.random.default_rng(0)
    sups = [sorted(rng.choice(prog.K, args.k, replace=False).tolist()) for _ in range(args.supports)]
    B = len(sups)

    candidates_for(prog, sups[:4])          # warm-up: compile / load the cached kernels
    prog.candidate(sups[0])
    ipm_t, cla_t = [], []
    for _ in range(args.rounds):
        t = time.process_time()
        U, MU, status, iters = candidates_for(prog, sups)
        ipm_t.append(time.process_time() - t)
        t = time.process_time()
        for S in sups:
            prog.candidate(S)
        cla_t.append(time.process_time() - t)
    ipm_rate, cla_rate = B / min(ipm_t), B / min(cla_t)
    print(f"relu-teacher n=8 d=3 lam=0.01, K={prog.K}: {B} supports of k={args.k}")
    print(f"IPM (region_candidates_batch): {ipm_rate:10.0f} supports/s per core "
          f"({1e6 / ipm_rate:.1f} us each); status counts {np.bincount(status, minlength=3).tolist()}, "
          f"iterations mean {iters.mean():.1f} max {iters.max()}")
    print(f"Clarabel (prog.candidate):     {cla_rate:10.0f} supports/s per core ({1e6 / cla_rate:.1f} us each)")
    print(f"ratio IPM / Clarabel:          {ipm_rate / cla_rate:10.1f}")
    if args.certify:
        good = 0
        for b, S in enumerate(sups):
            mult = tuple(MU[b, i, prog.facet_rows(c // 2)] for i, c in enumerate(S))
            st = SolverStatus.OPTIMAL if status[b] == 0 else SolverStatus.MAX_ITERATIONS
            good += prog.certify(Candidate(tuple(S), U[b], st, "ipm", {}, mult)).certified
        print(f"certified IPM candidates:      {good}/{B}")


if __name__ == "__main__":
    main()
