"""The width laws of Boursier et al. (2025) as curves.

*Necessity*: on orthogonal data with labels of both signs, the smallest width m at which a
random region's closure holds a global minimum with probability at least 1 - eps grows
like 2^n log(1/eps).  *Sufficiency*: on generic data (the authors' Gaussian teacher data,
:func:`landscape.network.authors.authors_teacher_dataset`) the smallest such m is at most
of order min(n^d, 2^n) log(n/eps); first principles give m* <= K log(g/eps) for K signed
cones and g direction groups, since a support misses a given group with probability at most
(1 - 1/K)^m.

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

For sufficiency it computes the certified m* for n = 4..10, d = 2..5 under the uniform
measure (exact rationals) and the Gaussian-initialisation measure (solid angles; Monte
Carlo above rank 3, its error stated), and plots it against min(n^d, 2^n) log(n/eps).  An
instance whose m* cannot be certified (direction groups not verified and the up-set too
large, or over ``--budget`` seconds per instance) is a row with the reason, never dropped.

Usage::

    python scripts/width_laws.py [--law necessity,sufficiency] [--n 3..12] [--eps 1e-2,1e-3]
        [--sn 4..10] [--sd 2..5] [--out data/results]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from fractions import Fraction

from landscape.app.reports import write_rows_csv
from landscape.data import Dataset, atomic_write
from landscape.errors import TooLargeError
from landscape.network.authors import authors_teacher_dataset
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


def _range(text):
    a, b = (int(v) for v in text.split(".."))
    return range(a, b + 1)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def necessity(ns, epss, out, certify_max_n=10):
    rows = []
    for n in ns:
        ds = orthogonal_dataset(n)
        p = sum(1 for v in ds.y if v > 0)
        q = n - p
        t0 = time.time()
        land = Landscape(ds, LAM) if n <= certify_max_n else None
        groups = land.direction_groups() if land else None
        for eps in epss:
            ours = land.smallest_width(eps) if land else None
            ref = smallest_width_closed_form(n, p, q, eps)
            rows.append({"n": n, "K": 2 ** (n + 1), "eps": float(eps), "m_star": ours, "m_star_closed_form": ref,
                         "groups": None if groups is None else sorted(len(G) for G in groups),
                         "scale": 2**n * math.log(1 / float(eps)), "agree": ours is None or ours == ref,
                         "note": "" if land else f"closed form only: n > --certify-max-n {certify_max_n}",
                         "seconds": round(time.time() - t0, 2)})
            print(rows[-1], file=sys.stderr, flush=True)
    base = os.path.join(out, "width_law_necessity")
    lines = ["## Necessity on orthogonal data (Boursier et al. 2025)\n",
             "X = I_n, labels (1, ..., 1, -1), lam = 1/100, uniform measure over signed cones: the positive",
             "neuron can be carried by 2^(n - |S+|) = 2 of the K = 2^(n+1) cones, so m* grows like 2^n log(1/eps).",
             "m* = smallest m with P_global(m) >= 1 - eps, certified by `Landscape.smallest_width` (from",
             "certified solves and the verified direction groups, whose sizes are listed);",
             "the closed form is computed from first principles in the script; '-' = not certified",
             "(the library answers None rather than a width it cannot prove).\n",
             "| n | K | groups | eps | m* (certified) | m* (closed form) | 2^n log(1/eps) | m* (closed form) / (2^n log(1/eps)) | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['m_star_closed_form'] / r['scale']:.3f}"
        groups = "-" if r["groups"] is None else "+".join(map(str, r["groups"]))
        lines.append(f"| {r['n']} | {r['K']} | {groups} | {r['eps']:g} | "
                     f"{r['m_star'] if r['m_star'] is not None else '-'} | "
                     f"{r['m_star_closed_form']} | {r['scale']:.1f} | {ratio} | {r['note']} |")
    agree = sum(1 for r in rows if r["m_star"] is not None and r["m_star"] == r["m_star_closed_form"])
    lines.append(f"\nCertified m* equals the closed form in {agree} of {len(rows)} rows; "
                 f"{sum(r['m_star'] is None for r in rows)} rows not certified.")
    atomic_write(base + ".md", "\n".join(lines) + "\n")
    write_rows_csv(base + ".csv", rows)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for eps in epss:
        sub = [r for r in rows if r["eps"] == float(eps)]
        ax.plot([r["scale"] for r in sub], [r["m_star_closed_form"] for r in sub], "-", color="grey", lw=0.8)
        cert = [r for r in sub if r["m_star"] is not None]
        ax.plot([r["scale"] for r in cert], [r["m_star"] for r in cert], "o", label=f"certified, eps = {float(eps):g}")
    lim = [min(r["scale"] for r in rows), max(r["scale"] for r in rows)]
    ax.plot(lim, lim, ":", color="black", lw=0.8, label="m = 2^n log(1/eps)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("2^n log(1/eps)")
    ax.set_ylabel("smallest m with P_global >= 1 - eps")
    ax.set_title(f"Necessity: X = I_n, n = {ns[0]}..{ns[-1]} (grey: closed form)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(base + ".png", dpi=130)
    plt.close(fig)
    print("\n".join(lines))
    return rows




class _OverBudget(Exception):
    pass


def _alarm(signum, frame):
    raise _OverBudget()


def sufficiency_rows(n, d, measure, epss, seed=0, budget=120):
    """Certified m* of one Gaussian teacher dataset for each eps (None with the reason);
    an instance still running after ``budget`` seconds is stopped and reported as such."""
    import signal

    t0 = time.time()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(budget))
    ds = authors_teacher_dataset(n, d, seed)
    rows = [{"n": n, "d": d, "measure": measure, "eps": float(eps), "K": None, "groups": None, "m_star": None,
             "bound_K_log_g_over_eps": None, "scale": min(n**d, 2**n) * math.log(n / float(eps)), "reason": ""}
            for eps in epss]
    try:
        land = Landscape(ds, LAM, measure=measure)
        for row in rows:
            row["K"] = land.K
        groups = land.direction_groups()
        for row, eps in zip(rows, epss):
            row["groups"] = None if groups is None else len(groups)
            row["m_star"] = land.smallest_width(eps)
            if groups:
                row["bound_K_log_g_over_eps"] = math.ceil(land.K * math.log(len(groups) / float(eps)))
            if row["m_star"] is None:
                row["reason"] = ("direction groups not verified and the up-set of "
                                 f"{len(land.active_cones())} active cones not decided")
    except TooLargeError as exc:
        for row in rows:
            row["reason"] = str(exc)
    except _OverBudget:
        for row in rows:
            if row["m_star"] is None:
                row["reason"] = f"not certified within the time budget ({budget:g} s)"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    for row in rows:
        row["seconds"] = round(time.time() - t0, 2)
    return rows


def sufficiency(ns, ds_, epss, out, measures=("uniform", "gaussian"), budget=120):
    rows = []
    for measure in measures:
        for n in ns:
            for d in ds_:
                rows += sufficiency_rows(n, d, measure, epss, budget=budget)
                print(rows[-len(epss):], file=sys.stderr, flush=True)
    base = os.path.join(out, "width_law_sufficiency")
    write_rows_csv(base + ".csv", rows)
    lines = ["## Sufficiency on generic data (Boursier et al. 2025)\n",
             "The authors' Gaussian teacher data (dataset 0 of each (n, d)), lam = 1/100. m* = smallest m with",
             "P_global(m) >= 1 - eps, certified (`Landscape.smallest_width`); uniform measure over signed cones",
             "(exact) and the Gaussian-initialisation measure (solid angles, Monte Carlo above rank 3).",
             "First principles bound it by K log(g/eps) (K signed cones, g verified direction groups);",
             "the paper's scale is min(n^d, 2^n) log(n/eps).\n",
             "| measure | n | d | K | groups | eps | m* | K log(g/eps) | min(n^d,2^n) log(n/eps) | m* / scale | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r["m_star"] is None else f"{r['m_star'] / r['scale']:.3f}"
        lines.append(f"| {r['measure']} | {r['n']} | {r['d']} | {r['K'] or '-'} | {r['groups'] or '-'} | "
                     f"{r['eps']:g} | {r['m_star'] if r['m_star'] is not None else '-'} | "
                     f"{r['bound_K_log_g_over_eps'] or '-'} | {r['scale']:.1f} | {ratio} | {r['reason']} |")
    bound_ok = [r for r in rows if r["m_star"] is not None and r["bound_K_log_g_over_eps"] is not None]
    lines.append(f"\n{len([r for r in rows if r['m_star'] is not None])} of {len(rows)} rows certified; "
                 f"m* <= K log(g/eps) in {sum(r['m_star'] <= r['bound_K_log_g_over_eps'] for r in bound_ok)} "
                 f"of {len(bound_ok)} (uniform measure: the bound is exact there; Gaussian: cone masses differ).")
    atomic_write(base + ".md", "\n".join(lines) + "\n")
    plt = _plt()
    fig, axes = plt.subplots(1, len(measures), figsize=(5.2 * len(measures), 4), squeeze=False, sharey=True)
    for ax, measure in zip(axes[0], measures):
        for d in ds_:
            for eps, mk in zip(epss, "os^D"):
                sub = [r for r in rows if r["measure"] == measure and r["d"] == d and r["eps"] == float(eps)
                       and r["m_star"] is not None]
                ax.plot([r["scale"] for r in sub], [r["m_star"] for r in sub], marker=mk, ms=4, lw=0.8,
                        label=f"d={d}, eps={float(eps):g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("min(n^d, 2^n) log(n/eps)")
        ax.set_title(f"Sufficiency, {measure} measure, n = {ns[0]}..{ns[-1]}", fontsize=9)
        ax.legend(fontsize=6)
    axes[0][0].set_ylabel("smallest m with P_global >= 1 - eps")
    fig.tight_layout()
    fig.savefig(base + ".png", dpi=130)
    plt.close(fig)
    print("\n".join(lines))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--law", default="necessity,sufficiency")
    ap.add_argument("--n", default="3..12", help="range a..b of n (necessity)")
    ap.add_argument("--certify-max-n", type=int, default=10,
                    help="largest n whose m* is also certified (the landscape has 2^(n+1) cones)")
    ap.add_argument("--sn", default="4..10", help="range a..b of n (sufficiency)")
    ap.add_argument("--sd", default="2..5", help="range a..b of d (sufficiency)")
    ap.add_argument("--measures", default="uniform,gaussian")
    ap.add_argument("--budget", type=float, default=120, help="seconds per sufficiency instance")
    ap.add_argument("--eps", default="1e-2,1e-3")
    ap.add_argument("--out", default="data/results")
    args = ap.parse_args(argv)
    epss = [Fraction(e) if "/" in e else Fraction(float(e)).limit_denominator(10**12) for e in args.eps.split(",")]
    os.makedirs(args.out, exist_ok=True)
    laws = args.law.split(",")
    bad = []
    if "necessity" in laws:
        rows = necessity(list(_range(args.n)), epss, args.out, args.certify_max_n)
        bad = [r for r in rows if not r["agree"]]  # a certified width that differs from the closed form
    if "sufficiency" in laws:
        sufficiency(list(_range(args.sn)), list(_range(args.sd)), epss, args.out, tuple(args.measures.split(",")),
                    args.budget)
    if bad:
        raise SystemExit(f"{len(bad)} rows disagree with the closed form")


if __name__ == "__main__":
    main()
