"""Figure 1 of Boursier, Bowditch, Englert & Lazic (2025), their whole protocol, with our
exact or certified values per dataset beside their 20-sample estimate and their test.

Protocol (their ``create_datasets.sh``, ``prop_optimum.sh``, ``get_prop_optimal.sh``;
docs/theory.md, section 6): 5 datasets per ``(n, d)``
(:func:`landscape.network.authors.authors_teacher_dataset`: Gaussian ``X``, a ReLU teacher
of width 10 with ``N(0, 1)`` weights), ``n`` in {4, 6}, ``d`` in {3, 5}
(``create_datasets.sh``) and {8, 10} (``prop_optimum.sh``), ``lam = 0.01``,
``m`` in {10, 20, 40, ..., 640}, 20 regions per ``m``, each neuron a uniform signed cone.
Their rules: a sampled region is *global* when ``|V(S) - V*| < 1e-7`` and *bad* when it is
not global and :func:`~landscape.network.authors.authors_test` passes on the network of the
solver's ``V(S)`` point.

Ours, per dataset and width (uniform measure over signed cones):

* ``P_global`` exact (a rational, printed as a float) from the verified direction groups
  of the convex optimum, or from the up-set of global subsets of its active cones
  (docs/theory.md, section 5); sampled (the certified-global share of the 20 regions, Wilson
  95% interval) where neither is available;
* ``P_spurious`` and ``P_bad`` exact where their enumeration fits ``--exact-limit`` supports
  (``P_bad = 0`` exactly once ``m > K``: only supports of exactly ``m`` cones can be bad), else
  the certified shares of the same 20 regions with Wilson intervals; the uncertified mass is
  a column of its own;
* every region their test flags as bad with its certified class; a ``boundary_descent``
  class carries its descent (a zero neuron that grows, or a neuron that crosses a facet into
  a named neighbouring region of certifiably lower ``V``): a certified saddle.

A per-dataset time budget (``--budget`` seconds) stops the exact enumerations and the
classification of regions their test does not flag once it is spent; the rows still
appear, with what was and was not computed in ``note``.  Nothing is dropped.

Outputs (``--out``, default ``data/results``): ``figure1_protocol.csv`` (one row per dataset
and width), ``figure1_protocol.md`` (mean +- std over the datasets, and the saddle count),
``figure1_protocol_flagged.json`` (every flagged region with its certificate),
``figure1_protocol.png`` (the figure in the paper's style) and, with ``--datasets-dir``,
the datasets as JSON for ``data/sweeps/figure1_protocol.toml``.

Usage::

    nice -n 10 python scripts/figure1_protocol.py [--datasets 5] [--samples 20]
        [--nd 4x3,4x5,6x3,6x5,4x8,4x10,6x8,6x10] [--budget 60] [--exact-limit 3000]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np

from landscape.app.reports import write_rows_csv
from landscape.data import atomic_write, save_dataset
from landscape.geometry.cones import cone_sign
from landscape.geometry.measures import sample_supports
from landscape.network.authors import AUTHORS_TOLERANCES, authors_teacher_dataset, authors_test
from landscape.regions import Landscape
from landscape.results.proportion import SampledProportion
from landscape.results.status import RegionClass

LAM = "1/100"
WIDTHS = (10, 20, 40, 80, 160, 320, 640)
ND = "4x3,4x5,6x3,6x5,4x8,4x10,6x8,6x10"
CLASSES = [str(k) for k in RegionClass]


def run_dataset(n, d, seed, widths, samples, budget, exact_limit, log):
    """Rows (one per width) and flagged regions of one dataset of the protocol."""
    start = time.time()
    ds = authors_teacher_dataset(n, d, seed)
    land = Landscape(ds, LAM, max_supports=exact_limit)
    glob = land.glob
    groups = land.direction_groups()
    rows, flagged = [], []
    X, y, lamf = ds.features, ds.y, float(land.lam)
    for m in widths:
        t0 = time.time()
        notes = []
        row = {"n": n, "d": d, "dataset": seed, "K": land.K, "m": m, "samples": samples,
               "V_star": glob.value, "V_star_gap": float(glob.upper - glob.lower),
               "groups_verified": groups is not None,
               "n_groups": len(groups) if groups is not None else None,
               "active_cones": len(land.active_cones())}
        spent = lambda: time.time() - start > budget  # noqa: E731
        # -- P_global: exact from the direction groups (no enumeration), else from the
        #    up-set of global subsets of the active cones when it is small ----------------
        pg, pg_method = None, None
        if groups is not None or (not spent() and 2 ** len(land.active_cones()) <= exact_limit):
            pg = land.proportions.p_global(m)
            pg_method = "exact (direction groups)" if groups is not None else "exact (up-set)"
        # -- P_spurious, P_bad: exact where the enumeration fits -------------------------
        P = land.proportions
        spur = bad = None
        if m > land.K:
            bad = (0, 0)
        elif not spent() and math.comb(land.K, m) <= exact_limit:
            bad = P.p_bad(m)
        if not spent() and sum(math.comb(land.K, k) for k in range(1, min(m, n, land.K) + 1)) <= exact_limit:
            spur = P.p_spurious(m)
        # -- the authors' 20 regions ----------------------------------------------------
        counts = dict.fromkeys(CLASSES + ["authors_global", "authors_bad", "bad_saddle", "bad_certified",
                                          "not_classified"], 0)
        for S in sample_supports(land.measure, m, samples, seed=1000 * seed + m):
            S = tuple(sorted(S))
            opt = land.V(S)
            authors_global = abs(opt.value - glob.value) < AUTHORS_TOLERANCES["eps"]
            counts["authors_global"] += authors_global
            test = None
            if not authors_global:
                U = np.array([opt.u[c] for c in S])
                test = authors_test(X, y, lamf, U, [cone_sign(c) for c in S])
            if spent() and not (test is not None and test.passes):
                counts["not_classified"] += 1
                continue
            sc = land.classify(S, m)
            counts[str(sc.klass)] += 1
            counts["bad_certified"] += bool(sc.bad)
            if test is not None and test.passes:
                counts["authors_bad"] += 1
                descent = sc.certificate.get("descent") if sc.klass == RegionClass.BOUNDARY_DESCENT else None
                counts["bad_saddle"] += bool(descent)
                flagged.append({"n": n, "d": d, "dataset": seed, "m": m, "support": list(S),
                                "V_lower": str(sc.lower), "V_upper": str(sc.upper),
                                "V_star_lower": str(glob.lower), "V_star_upper": str(glob.upper),
                                "class": str(sc.klass), "authors": test.to_json_obj(), "descent": descent})
        classified = samples - counts["not_classified"]
        if counts["not_classified"]:
            notes.append(f"{counts['not_classified']} of {samples} regions not classified (time budget; "
                         "every region the authors' test flags is classified)")

        def sampled(k):
            return SampledProportion.from_counts(counts[k], classified) if classified else None

        def put(key, exact, sample_key, method):
            if exact is not None:
                row[key], row[key + "_low"], row[key + "_high"] = float(exact[0]), float(exact[0]), float(exact[0])
                row[key + "_method"] = method
                row[key + "_uncertified"] = float(exact[1]) if len(exact) > 1 else 0.0
            else:
                sp = sampled(sample_key)
                row[key] = sp.estimate if sp else None
                row[key + "_low"], row[key + "_high"] = (sp.low, sp.high) if sp else (None, None)
                row[key + "_method"] = f"sampled ({classified} regions)" if sp else "not computed"
                row[key + "_uncertified"] = counts[str(RegionClass.UNCERTIFIED)] / classified if classified else None

        put("P_global", pg, str(RegionClass.GLOBAL), pg_method)
        put("P_spurious", spur, str(RegionClass.SPURIOUS), "exact (supports <= n cones)")
        put("P_bad", bad, "bad_certified", "exact" if m <= land.K else "exact (m > K)")
        row.update({"authors_global": counts["authors_global"] / samples, "authors_bad": counts["authors_bad"] / samples,
                    "authors_bad_count": counts["authors_bad"], "authors_bad_certified_saddles": counts["bad_saddle"],
                    **{f"sample_{k}": counts[k] for k in CLASSES}, "sample_not_classified": counts["not_classified"],
                    "seconds": round(time.time() - t0, 2), "note": "; ".join(notes)})
        rows.append(row)
        log(f"n={n} d={d} dataset={seed} m={m}: P_global={row['P_global']:.4f} ({row['P_global_method']}), "
            f"P_spurious={row['P_spurious']} ({row['P_spurious_method']}), P_bad={row['P_bad']} ({row['P_bad_method']}), "
            f"authors bad {counts['authors_bad']}/{samples} (certified saddles {counts['bad_saddle']}), "
            f"{row['seconds']} s")
    return ds, rows, flagged


SUMMARY_KEYS = ("P_global", "authors_global", "P_spurious", "P_bad", "authors_bad")


def summarise(rows):
    """Mean and standard deviation over the datasets of each (n, d, m)."""
    by = {}
    for r in rows:
        by.setdefault((r["n"], r["d"], r["m"]), []).append(r)
    table = []
    for (n, d, m), group in sorted(by.items()):
        e = {"n": n, "d": d, "m": m, "K": sorted({g["K"] for g in group}), "datasets": len(group),
             "exact_P_global": sum(g["P_global_method"].startswith("exact") for g in group),
             "exact_P_spurious": sum(g["P_spurious_method"].startswith("exact") for g in group),
             "exact_P_bad": sum(g["P_bad_method"].startswith("exact") for g in group),
             "flagged": sum(g["authors_bad_count"] for g in group),
             "saddles": sum(g["authors_bad_certified_saddles"] for g in group),
             "uncertified_max": max((g["P_global_uncertified"] or 0) + (g["P_spurious_uncertified"] or 0)
                                    + (g["P_bad_uncertified"] or 0) for g in group)}
        for k in SUMMARY_KEYS:
            vals = np.array([g[k] for g in group if g[k] is not None], dtype=float)
            e[k] = (float(vals.mean()), float(vals.std())) if len(vals) else (float("nan"), float("nan"))
        table.append(e)
    return table


def markdown(table, rows, flagged, samples, seconds):
    lines = ["## Figure 1 of Boursier et al. (2025): the whole protocol, exact beside sampled\n",
             "5 datasets per (n, d) (Gaussian X, ReLU teacher of width 10 with N(0, 1) weights), lam = 0.01, "
             f"uniform measure over signed cones, {samples} regions per width as the authors sample them. "
             "Each cell is the mean ± standard deviation over the datasets. `P_global`: exact where the "
             "direction groups verify (column `exact`: datasets out of 5 per quantity), else the certified "
             "share of the sampled regions. `P_spurious`, `P_bad`: exact where the enumeration fits "
             "(`P_bad = 0` exactly for m > K), else certified shares of the sampled regions. "
             "`authors`: their eps = 1e-7 rule and their subgradient test on the same regions. "
             "A sampled share of 0 out of 20 has the Wilson 95% interval [0, 0.161] (per dataset, in "
             "`figure1_protocol.csv`); `uncertified (max)`: the largest uncertified mass of any dataset.\n",
             "| n | d | K | m | P_global | authors: global | P_spurious | P_bad | authors: bad | "
             "exact (glob/spur/bad) | uncertified (max) | flagged | certified saddles |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for e in table:
        def ms(k):
            return f"{e[k][0]:.3f} ± {e[k][1]:.3f}"
        K = "/".join(str(k) for k in e["K"])
        lines.append(f"| {e['n']} | {e['d']} | {K} | {e['m']} | {ms('P_global')} | {ms('authors_global')} | "
                     f"{ms('P_spurious')} | {ms('P_bad')} | {ms('authors_bad')} | "
                     f"{e['exact_P_global']}/{e['exact_P_spurious']}/{e['exact_P_bad']} | "
                     f"{e['uncertified_max']:.2g} | {e['flagged']} | "
                     f"{e['saddles']} |")
    total = len(flagged)
    saddles = sum(1 for f in flagged if f["descent"])
    by_class = {}
    for f in flagged:
        by_class[f["class"]] = by_class.get(f["class"], 0) + 1
    moves = {}
    for f in flagged:
        if f["descent"]:
            moves[f["descent"]["move"]] = moves.get(f["descent"]["move"], 0) + 1
    lines += ["", f"**The authors' test flagged {total} of the sampled regions as bad local minima; "
              f"{saddles} of them are certified saddles** (class `boundary_descent`, each with its descent in "
              f"`figure1_protocol_flagged.json`: {', '.join(f'{v} by a {k}' for k, v in sorted(moves.items())) or 'none'}). "
              f"Classes of the flagged regions: {', '.join(f'{k} {v}' for k, v in sorted(by_class.items())) or 'none'}.",
              ""]
    notes = [r for r in rows if r["note"]]
    no_groups = sorted({(r["n"], r["d"], r["dataset"], r["P_global_method"]) for r in rows if not r["groups_verified"]})
    lines.append(f"Datasets whose direction groups did not verify: "
                 f"{', '.join(f'n={a} d={b} #{c} (P_global {meth})' for a, b, c, meth in no_groups) or 'none'}.")
    lines.append(f"Rows with a time-budget note: {len(notes)} of {len(rows)}"
                 + (" (" + "; ".join(f"n={r['n']} d={r['d']} #{r['dataset']} m={r['m']}: {r['note']}"
                                    for r in notes[:6]) + (" ..." if len(notes) > 6 else "") + ")" if notes else "")
                 + f". {seconds:.0f} s of computation in all.")
    return "\n".join(lines) + "\n"


def plot(table, path, flagged=None):
    """The paper's layout: proportion against width on a log axis, mean with a +- std band
    over the datasets, one row per n; left: regions whose closure holds a global minimum
    (ours certified, theirs from 20 samples), right: regions holding a bad minimum (their
    test, and our certified P_bad and P_spurious, the largest mean over d in one line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted({e["n"] for e in table})
    fig, axes = plt.subplots(len(ns), 2, figsize=(11, 3.6 * len(ns)), squeeze=False, sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def band(ax, sub, key, style, col, label, fill=True):
        m = np.array([e["m"] for e in sub])
        mean = np.array([e[key][0] for e in sub])
        std = np.array([e[key][1] for e in sub])
        ax.plot(m, mean, style, marker="o", ms=3, color=col, label=label)
        if fill:
            ax.fill_between(m, np.clip(mean - std, 0, 1), np.clip(mean + std, 0, 1), color=col, alpha=0.12)

    for row, n in zip(axes, ns):
        ds_ = sorted({e["d"] for e in table if e["n"] == n})
        for i, d in enumerate(ds_):
            sub = [e for e in table if (e["n"], e["d"]) == (n, d)]
            col = colours[i % len(colours)]
            band(row[0], sub, "P_global", "-", col, f"d={d}: exact P_global")
            band(row[0], sub, "authors_global", "--", col, f"d={d}: authors, 20 samples", fill=False)
            band(row[1], sub, "authors_bad", "--", col, f"d={d}: authors' test")
        ms = sorted({e["m"] for e in table if e["n"] == n})
        for key, style, label in (("P_bad", "-", "certified P_bad (largest mean over d)"),
                                  ("P_spurious", ":", "certified P_spurious (largest mean over d)")):
            worst = [max(e[key][0] for e in table if e["n"] == n and e["m"] == mm) for mm in ms]
            row[1].plot(ms, worst, style, color="black", lw=1.6, marker="s", ms=3, label=label)
        if flagged is not None:
            k = [f for f in flagged if f["n"] == n]
            row[1].text(0.98, 0.95, f"flagged by their test: {len(k)}\ncertified saddles: "
                        f"{sum(1 for f in k if f['descent'])}", transform=row[1].transAxes, ha="right",
                        va="top", fontsize=8, bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "#999"})
        row[0].set_title(f"n = {n}: regions whose closure holds a global minimum", fontsize=10)
        row[1].set_title(f"n = {n}: regions holding a bad minimum", fontsize=10)
        for ax in row:
            ax.set_xscale("log", base=2)
            ax.set_xticks(ms, [str(v) for v in ms])
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel("proportion of regions")
        row[0].legend(fontsize=6.5, loc="lower right")
        row[1].legend(fontsize=6.5, loc="center right")
    for ax in axes[-1]:
        ax.set_xlabel("width m")
    fig.suptitle("Figure 1 of Boursier et al. (2025), their protocol: mean ± std over 5 datasets per (n, d), "
                 "lam = 0.01", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _read_rows(path):
    """The per-dataset rows back from ``figure1_protocol.csv`` (numbers as numbers)."""
    def conv(v):
        if v in ("", "None"):
            return None
        if v in ("True", "False"):
            return v == "True"
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v

    with open(path, newline="") as fh:
        return [{k: (v if k.endswith("_method") or k == "note" else conv(v)) for k, v in r.items()}
                for r in csv.DictReader(fh)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=int, default=5)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--nd", default=ND)
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per dataset for the exact work")
    ap.add_argument("--exact-limit", type=int, default=3000, help="most supports an exact enumeration may solve")
    ap.add_argument("--out", default="data/results")
    ap.add_argument("--datasets-dir", default=None, help="also write the datasets as JSON here")
    ap.add_argument("--render-only", action="store_true",
                    help="re-render the table and figure from the CSV and JSON already in --out")
    args = ap.parse_args(argv)
    base = os.path.join(args.out, "figure1_protocol")
    if args.render_only:
        rows = _read_rows(base + ".csv")
        with open(base + "_flagged.json") as fh:
            flagged = json.load(fh)
        table = summarise(rows)
        seconds = sum(r["seconds"] for r in rows)
        atomic_write(base + ".md", markdown(table, rows, flagged, rows[0]["samples"], seconds))
        plot(table, base + ".png", flagged)
        return
    widths = [int(w) for w in args.widths.split(",")]
    nds = [tuple(int(v) for v in p.split("x")) for p in args.nd.split(",")]
    os.makedirs(args.out, exist_ok=True)
    rows, flagged = [], []
    t0 = time.time()
    for n, d in nds:
        for seed in range(args.datasets):
            ds, r, f = run_dataset(n, d, seed, widths, args.samples, args.budget, args.exact_limit,
                                   lambda s: print(s, file=sys.stderr, flush=True))
            rows += r
            flagged += f
            if args.datasets_dir:
                os.makedirs(args.datasets_dir, exist_ok=True)
                save_dataset(ds, os.path.join(args.datasets_dir, f"n{n}_d{d}_s{seed}.json"))
    write_rows_csv(base + ".csv", rows)
    atomic_write(base + "_flagged.json", json.dumps(flagged, indent=1, default=str))
    table = summarise(rows)
    md = markdown(table, rows, flagged, args.samples, time.time() - t0)
    atomic_write(base + ".md", md)
    plot(table, base + ".png", flagged)
    print(md)


if __name__ == "__main__":
    main()
