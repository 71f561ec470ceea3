"""The necessity law of Boursier et al. (2025) as a curve: on orthogonal data with labels of
both signs, the smallest width m at which a random region's closure holds a global minimum
with probability at least 1 - eps grows like 2^n log(1/eps).

For X = I_n (orthonormal rows) every sign pattern is a cell, so there are K = 2^(n+1) signed
cones.  The convex optimum is one positive neuron on S+ = {i : y_i > 0} and one negative
neuron on S- (docs/theory.md, section 6).  The positive neuron's direction lies in the
closed cell of a pattern P exactly when P contains S+, so 2^(n - |S+|) positive cones can
carry it, and likewise 2^(n - |S-|) negative cones.  Under the uniform measure a region is
global iff it reaches both groups:

    P_global(m) = 1 - (1 - g+/K)^m - (1 - g-/K)^m + (1 - (g+ + g-)/K)^m.

This script computes that first-principles formula and, independently, the library's
certified answer (:meth:`landscape.regions.Landscape.smallest_width`, from certified solves
and its own grouping), checks that they agree, and plots m*(n) against 2^n log(1/eps).

Usage::

    python scripts/width_laws.py [--n 3..9] [--eps 1e-2,1e-3] [--out data/results]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from fractions import Fraction

from landscape.data import Dataset
from landscape.regions import Landscape

LAM = "1/100"


def orthogonal_dataset(n):
    """X = I_n, labels +1 but the last, -1: the worst case of the law, since the positive
    neuron's group is then a 2^-n share of the cones (|S+| = n - 1)."""
    X = [[int(i == j) for j in range(n)] for i in range(n)]
    y = [1] * (n - 1) + [-1]
    return Dataset.from_arrays(X, y, name=f"orthogonal_n{n}")


def p_global_closed_form(n, p, q, m):
    """First-principles P_global(m) (exact rational) for |S+| = p, |S-| = q."""
    K = 2 ** (n + 1)
    gp, gq = Fraction(2 ** (n - p), K), Fraction(2 ** (n - q), K)
    return 1 - (1 - gp) ** m - (1 - gq) ** m + (1 - gp - gq) ** m


def smallest_width_closed_form(n, p, q, eps):
    target = 1 - Fraction(eps)
    lo, hi = 1, 1
    while p_global_closed_form(n, p, q, hi) < target:
        lo, hi = hi, 2 * hi
    while lo < hi:
        mid = (lo + hi) // 2
        if p_global_closed_form(n, p, q, mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    return hi


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", default="3..9", help="range a..b of n")
    ap.add_argument("--eps", default="1e-2,1e-3")
    ap.add_argument("--out", default="data/results")
    args = ap.parse_args(argv)
    a, b = (int(v) for v in args.n.split(".."))
    epss = [Fraction(e) if "/" in e else Fraction(float(e)).limit_denominator(10**12) for e in args.eps.split(",")]
    rows = []
    for n in range(a, b + 1):
        ds = orthogonal_dataset(n)
        p = sum(1 for v in ds.y if v > 0)
        q = n - p
        t0 = time.time()
        land = Landscape(ds, LAM)
        for eps in epss:
            ours = land.smallest_width(eps)
            ref = smallest_width_closed_form(n, p, q, eps)
            rows.append({"n": n, "K": land.K, "eps": float(eps), "m_star": ours, "m_star_closed_form": ref,
                         "scale": 2**n * math.log(1 / float(eps)), "agree": ours is None or ours == ref,
                         "seconds": round(time.time() - t0, 2)})
            print(rows[-1], flush=True)
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, "width_law_necessity")
    lines = ["## Necessity on orthogonal data (Boursier et al. 2025)\n",
             "X = I_n, labels (1, ..., 1, -1), lam = 1/100, uniform measure over signed cones: the positive",
             "neuron can be carried by 2^(n - |S+|) = 2 of the K = 2^(n+1) cones, so m* grows like 2^n log(1/eps).",
             "m* = smallest m with P_global(m) >= 1 - eps, certified by `Landscape.smallest_width`;",
             "the closed form is computed from first principles in the script; '-' = not certified",
             "(the library answers None rather than a width it cannot prove).\n",
             "| n | K | eps | m* (certified) | m* (closed form) | 2^n log(1/eps) | m* / (2^n log(1/eps)) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r["m_star"] is None else f"{r['m_star'] / r['scale']:.3f}"
        lines.append(f"| {r['n']} | {r['K']} | {r['eps']:g} | {r['m_star'] if r['m_star'] is not None else '-'} | "
                     f"{r['m_star_closed_form']} | {r['scale']:.1f} | {ratio} |")
    with open(base + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for eps in epss:
        sub = [r for r in rows if r["eps"] == float(eps) and r["m_star"] is not None]
        ax.plot([r["scale"] for r in sub], [r["m_star"] for r in sub], marker="o", label=f"eps = {float(eps):g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("2^n log(1/eps)")
    ax.set_ylabel("smallest m with P_global >= 1 - eps")
    ax.legend()
    fig.tight_layout()
    fig.savefig(base + ".png", dpi=130)
    bad = [r for r in rows if not r["agree"]]  # a certified width that differs from the closed form
    print("\n".join(lines))
    if bad:
        raise SystemExit(f"{len(bad)} rows disagree with the closed form")


if __name__ == "__main__":
    main()
