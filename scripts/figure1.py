"""Figure 1 of Boursier, Bowditch, Englert & Lazic (2025), computed exactly where feasible.

Protocol (docs/theory.md, section 6): Gaussian X with n in {4, 6} and d in {3, 5}, labels from a
random ReLU teacher of width 10, lam = 0.01, widths m in {10, 20, 40, ..., 640}.  For each
instance and width the table has

* the exact proportions (uniform measure over signed cones) from :mod:`landscape.regions.landscape`
  where feasible, else a sampled estimate with a Wilson 95% interval;
* a 20-sample estimate done the authors' way: 20 regions drawn uniformly, "global" if the
  float value of V(S) is within 2e-9 of V*, "bad" if not global and stationary.

Usage: ``python scripts/figure1.py [--quick] [--out data/results/figure1.md]``.
``--quick`` runs only n=4, d=3.
"""

import argparse
import os
import time

import numpy as np

from landscape.data import generate
from landscape.geometry.measures import sample_supports
from landscape.regions.landscape import Landscape
from landscape.app.summary import worst_uncertified
from landscape.results.proportion import SampledProportion

WIDTHS = [10, 20, 40, 80, 160, 320, 640]


def authors_estimate(land, m, samples=20, seed=0):
    """The authors' sampled protocol, with their float tolerance and stationarity test."""
    vstar = land.glob.value
    glob = bad = 0
    for S in sample_supports(land.measure, m, samples, seed=seed):
        opt = land.V(S)
        if abs(opt.value - vstar) <= 2e-9:
            glob += 1
        elif land.classifier.stationary(opt, m):
            bad += 1
    return glob / samples, bad / samples


def fmt(p):
    if p is None:
        return "-"
    if isinstance(p, SampledProportion):
        return f"{p.estimate:.3f} [{p.low:.3f},{p.high:.3f}]"
    return f"{float(p):.4f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--samples", type=int, default=200, help="samples where exact mode is infeasible")
    ap.add_argument("--max-supports", type=int, default=60_000)
    ap.add_argument("--out", default="data/results/figure1.md")
    args = ap.parse_args()
    settings = [(4, 3)] if args.quick else [(4, 3), (4, 5), (6, 3), (6, 5)]
    lines = ["| n | d | K | m | P_global | P_spurious | P_bad | uncertified | method | authors: global | authors: bad | s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, d in settings:
        ds = generate("relu-teacher", n=n, d=d, seed=0, width=10)
        t0 = time.perf_counter()
        land = Landscape(ds, "1/100", samples=args.samples, seed=1, max_supports=args.max_supports)
        for m in WIDTHS:
            t = time.perf_counter()
            row = land.row(m)
            ag, ab = authors_estimate(land, m)
            lines.append(f"| {n} | {d} | {land.K} | {m} | {fmt(row.P_global)} | {fmt(row.P_spurious)} | "
                         f"{fmt(row.P_bad)} | {fmt(worst_uncertified(row.uncertified))} | {row.method} | {ag:.2f} | {ab:.2f} | "
                         f"{time.perf_counter() - t:.1f} |")
            print(lines[-1], flush=True)
        print(f"# n={n} d={d}: {time.perf_counter() - t0:.1f} s in all; P_global closed form "
              f"{land.row(WIDTHS[0]).closed_form}", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
