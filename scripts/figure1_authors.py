"""Figure 1 of Boursier, Bowditch, Englert & Lazic (2025), run as their scripts run it, with the
authors' bad-minimum test beside our certified region classes.

Superseded by ``scripts/figure1_protocol.py`` (all of d in {3, 5, 8, 10}, a time budget per
dataset, exact P_spurious / P_bad where feasible); kept for data/results/figure1_authors_partial.txt.

Protocol (their ``create_datasets.sh``, ``prop_optimum.sh``, ``get_prop_optimal.sh``;
docs/theory.md, section 6): 5 datasets per (n, d), Gaussian X, labels from a ReLU teacher
of width 10 with N(0, 1) first-layer and output weights, lam = 0.01, m in
{10, 20, 40, ..., 640}, 20 regions per m drawn uniformly (each neuron a uniform signed cone).
A region is "global" (their rule) when its convex optimum V(S) is within eps = 1e-7 of V*,
and "bad" when it is not global and :func:`landscape.network.authors.authors_test` passes
on the network of the solver's V(S) point.  Beside each sample we give the certified class
of :meth:`landscape.regions.Landscape.classify`; a "boundary_descent" class carries the
descent (the neuron, the facet crossed and the certified lower value), so every "bad"
region that lands there is a certified saddle, not a local minimum.

Per dataset we also report the exact P_global(m) (uniform measure) where the direction groups
of the convex optimum are verified (docs/theory.md, section 5); elsewhere that column is empty.  The table gives mean
and standard deviation over the datasets, and the figure plots them like the paper.

Usage::

    python scripts/figure1_authors.py [--datasets 5] [--samples 20] [--nd 4x3,4x5,6x3,6x5]
        [--widths 10,20,40,80,160,320,640] [--out data/results]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

import numpy as np

from landscape.geometry.cones import cone_sign
from landscape.geometry.measures import sample_supports
from landscape.network.authors import AUTHORS_TOLERANCES, authors_teacher_dataset, authors_test
from landscape.regions import Landscape

LAM = "1/100"


def teacher_dataset(n, d, seed, width=10):
    """The authors' data (:func:`landscape.network.authors.authors_teacher_dataset`)."""
    return authors_teacher_dataset(n, d, seed, width)


def run_dataset(n, d, seed, widths, samples, log):
    ds = teacher_dataset(n, d, seed)
    land = Landscape(ds, LAM)
    vstar = land.prog.global_optimum()
    X, y = ds.features, ds.y
    rows, flagged = [], []
    for m in widths:
        t0 = time.time()
        # exact P_global from verified direction groups; without them the up-set enumeration can
        # need 2^16 solves per dataset, so the exact column is left empty ("-") instead
        p_exact = land.p_global_exact(m)[0] if land.direction_groups() is not None else None
        supports = sample_supports(land.measure, m, samples, seed=1000 * seed + m)
        counts = {"global_authors": 0, "bad_authors": 0, "global": 0, "spurious": 0, "boundary_descent": 0,
                  "boundary_local_min": 0, "uncertified": 0, "bad_certified_saddle": 0}
        for S in supports:
            S = tuple(sorted(S))
            opt = land.V(S)
            glob_authors = abs(opt.value - vstar.value) < AUTHORS_TOLERANCES["eps"]
            sc = land.classify(S, m)
            counts[str(sc.klass)] += 1
            if glob_authors:
                counts["global_authors"] += 1
                continue
            U = np.array([opt.u[c] for c in S])
            test = authors_test(X, y, float(land.lam), U, [cone_sign(c) for c in S])
            if test.passes:
                counts["bad_authors"] += 1
                descent = sc.certificate.get("descent") if sc.klass == "boundary_descent" else None
                if descent:
                    counts["bad_certified_saddle"] += 1
                flagged.append({"n": n, "d": d, "dataset": seed, "m": m, "support": list(S),
                                "V_lower": str(sc.lower), "V_upper": str(sc.upper), "class": str(sc.klass),
                                "authors": test.to_json_obj(), "descent": descent})
        rows.append({"n": n, "d": d, "dataset": seed, "K": land.K, "m": m, "samples": samples,
                     "P_global_exact": float(p_exact) if p_exact is not None else None,
                     **{k: v / samples for k, v in counts.items() if k != "bad_certified_saddle"},
                     "bad_authors_count": counts["bad_authors"],
                     "bad_certified_saddle": counts["bad_certified_saddle"], "seconds": round(time.time() - t0, 2)})
        log(f"n={n} d={d} dataset={seed} m={m}: P_global={rows[-1]['P_global_exact']}, authors bad "
            f"{counts['bad_authors']}/{samples}, of which certified saddles {counts['bad_certified_saddle']}, "
            f"{rows[-1]['seconds']} s")
    return rows, flagged


def summarise(rows):
    keys = ["P_global_exact", "global_authors", "bad_authors", "spurious", "boundary_local_min", "uncertified"]
    out = {}
    for r in rows:
        out.setdefault((r["n"], r["d"], r["m"]), []).append(r)
    table = []
    for (n, d, m), group in sorted(out.items()):
        entry = {"n": n, "d": d, "m": m, "datasets": len(group),
                 "bad_flagged": sum(g["bad_authors_count"] for g in group),
                 "bad_certified_saddle": sum(g["bad_certified_saddle"] for g in group)}
        for k in keys:
            vals = np.array([g[k] for g in group if g[k] is not None], dtype=float)
            entry[k] = (float(vals.mean()), float(vals.std())) if len(vals) else (float("nan"), float("nan"))
        table.append(entry)
    return table


def markdown(table, samples):
    head = ("| n | d | m | P_global exact | authors: global | authors: bad | certified spurious | "
            "certified boundary local min | uncertified | bad flagged | of which certified saddles |")
    lines = [head, "|" + "---|" * 11]
    for e in table:
        def ms(k):
            return f"{e[k][0]:.3f} ± {e[k][1]:.3f}"
        lines.append(f"| {e['n']} | {e['d']} | {e['m']} | {ms('P_global_exact')} | {ms('global_authors')} | "
                     f"{ms('bad_authors')} | {ms('spurious')} | {ms('boundary_local_min')} | {ms('uncertified')} | "
                     f"{e['bad_flagged']} | {e['bad_certified_saddle']} |")
    return "\n".join(lines) + f"\n\nMean ± standard deviation over the datasets; {samples} sampled regions per width.\n"


def plot(table, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nds = sorted({(e["n"], e["d"]) for e in table})
    fig, axes = plt.subplots(1, len(nds), figsize=(4 * len(nds), 3.4), sharey=True, squeeze=False)
    for ax, (n, d) in zip(axes[0], nds):
        sub = [e for e in table if (e["n"], e["d"]) == (n, d)]
        m = np.array([e["m"] for e in sub])
        for key, label in (("P_global_exact", "global (exact)"), ("global_authors", "global (20 samples)"),
                           ("bad_authors", "bad (authors' test)")):
            mean = np.array([e[key][0] for e in sub])
            std = np.array([e[key][1] for e in sub])
            ax.plot(m, mean, marker="o", ms=3, label=label)
            ax.fill_between(m, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), alpha=0.2)
        ax.set_xscale("log", base=2)
        ax.set_xticks(m, [str(v) for v in m])
        ax.set_title(f"n = {n}, d = {d}")
        ax.set_xlabel("width m")
    axes[0][0].set_ylabel("proportion of regions")
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=int, default=5)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--nd", default="4x3,4x5,6x3,6x5")
    ap.add_argument("--widths", default="10,20,40,80,160,320,640")
    ap.add_argument("--out", default="data/results")
    args = ap.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",")]
    nds = [tuple(int(v) for v in p.split("x")) for p in args.nd.split(",")]
    os.makedirs(args.out, exist_ok=True)
    rows, flagged = [], []
    t0 = time.time()
    for n, d in nds:
        for seed in range(args.datasets):
            r, f = run_dataset(n, d, seed, widths, args.samples, lambda s: print(s, file=sys.stderr, flush=True))
            rows += r
            flagged += f
    table = summarise(rows)
    base = os.path.join(args.out, "figure1_authors")
    with open(base + "_runs.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(base + "_flagged.json", "w") as fh:
        json.dump(flagged, fh, indent=1, default=str)
    md = markdown(table, args.samples)
    total = sum(e["bad_flagged"] for e in table)
    saddles = sum(e["bad_certified_saddle"] for e in table)
    md += (f"\nThe authors' test flagged {total} sampled regions as bad local minima; {saddles} of them are "
           f"certified saddles (class boundary_descent, each with its descent in "
           f"figure1_authors_flagged.json). {time.time() - t0:.0f} s in all.\n")
    with open(base + ".md", "w") as fh:
        fh.write("## Figure 1 (Boursier et al. 2025) as the authors ran it\n\n" + md)
    plot(table, base + ".png")
    print(md)


if __name__ == "__main__":
    main()
