"""Reproduction: Town et al. (2025), "Mildly overparameterized ReLU networks on orthogonal
data: incremental learning and implicit bias".  Gradient descent without weight decay
(lam = 0) from small initialisation on orthonormal inputs.

What the paper proves (gradient flow, initialisation scale alpha -> 0, width m >~ log n):
the flow is a saddle-to-saddle jump process, one new neuron activating at each saddle;
it interpolates with high probability; and the learned interpolator has |theta|^2 of
order sqrt(n), *within a constant factor* of the minimum-norm interpolator -- not equal
to it.

Protocol: X = I_n (any orthonormal rows give the same dynamics: the Gaussian
initialisation is rotation invariant), labels uniform in [-1, 1] rounded to 6 decimals,
w_j ~ N(0, alpha^2 I), a_j = +-|w_j|, GD with lr 0.1 and alpha 1e-6, widths
m in {2 ceil(log2 n), n, 2n}.  For each run: the final data loss, |theta|^2 against the
min-norm interpolator 2 (|y+| + |y-|) (docs/theory.md, section 6; certified with
landscape.convex.interpolation for n <= 6) and against sqrt(n); the plateaus of the recorded
loss curve (landscape.dynamics.plateaus), their number against the number of neurons that
activated, and for n <= 16 whether every plateau level is (1/n) sum of y_i^2 over a
subset of the points (the residual at a saddle is y on the points not yet fitted).

    python scripts/repro_town.py [--reduced] [--out data/results]

Writes town_runs.csv, town_plateaus.csv, town_table.md, town.png.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from landscape.data import Dataset, atomic_write  # noqa: E402
from landscape.dynamics import train_batch  # noqa: E402
from landscape.dynamics.plateaus import detect_plateaus  # noqa: E402
from landscape.app.reports import write_rows_csv  # noqa: E402

REDUCED = dict(ns=[2, 4, 8, 16], seeds=[0, 1], steps=20_000)
FULL = dict(ns=[2, 4, 8, 16, 32, 64, 128], seeds=[0, 1], steps=30_000)
ALPHA, LR = 1e-6, 0.1
SADDLE_TOL = 1e-3  # a plateau is at a saddle when its level is a subset sum within this relative error
MIN_PLATEAU = 30  # GD steps (3 time units at lr 0.1): the shortest plateau counted


def orthogonal_dataset(n, seed):
    """X = I_n, labels uniform in [-1, 1] rounded to 6 decimals (exact rationals)."""
    y = np.round(np.random.default_rng(seed).uniform(-1, 1, n), 6)
    return Dataset.from_arrays(np.eye(n, dtype=int).tolist(), [f"{v:.6f}" for v in y], False,
                               f"orthogonal_identity_n{n}_s{seed}")


def closed_form_min_norm(y):
    """min |theta|^2 of an interpolator on orthonormal rows: 2 (|y+| + |y-|)."""
    y = np.asarray(y, dtype=float)
    return 2 * (np.linalg.norm(y[y > 0]) + np.linalg.norm(y[y < 0]))


def record_ratio(n):
    """Records on a geometric schedule: dense (ratio 1.002, ~5000 records) for n <= 32, where the plateaus are
    resolved; 1.01 above, where a record (an SVD of a 2n x n matrix and the direction clustering) costs more than
    the GD steps between records."""
    return 1.002 if n <= 32 else 1.01


def widths(n):
    return sorted({max(2, 2 * math.ceil(math.log2(n))), n, 2 * n})


def subset_level_error(level, y):
    """Smallest |level - (1/n) sum_{i in S} y_i^2| over subsets S (n <= 16), relative to level."""
    q = np.sort(np.asarray(y, float) ** 2)
    sums = np.zeros(1)
    for v in q:
        sums = np.concatenate([sums, sums + v])
    return float(np.min(np.abs(sums / len(q) - level)) / level)


def active_cells(a, W, rel=1e-6):
    """Distinct (sign, activation pattern) pairs of the live neurons at the end."""
    size = np.abs(a) * np.linalg.norm(W, axis=1)
    live = size > rel * size.max()
    return {(bool(a[j] > 0), tuple(W[j] > 0)) for j in np.flatnonzero(live)}


def restricted_min_norm(a, W, y, rel=1e-6):
    """2 min sum_j |v_j| over interpolators that use only the learned neurons' signs and activation sets
    (X = I_n: neuron j contributes s_j v_j on its active set A_j, v_j >= 0), by a convex solve (float,
    cvxpy + Clarabel).  The learned network is feasible when it interpolates, so learned |theta|^2 is at
    least this; equality means GD found the min-norm interpolator *within the cells it activated*."""
    import cvxpy as cp

    size = np.abs(a) * np.linalg.norm(W, axis=1)
    live = np.flatnonzero(size > rel * size.max())
    groups = {}
    for j in live:
        groups.setdefault((bool(a[j] > 0), tuple(np.flatnonzero(W[j] > 0))), []).append(j)
    keys = [k for k in groups if k[1]]
    V = [cp.Variable(len(k[1]), nonneg=True) for k in keys]
    fit = [0] * len(y)
    for (pos, A), v in zip(keys, V):
        for t, i in enumerate(A):
            fit[i] = fit[i] + (v[t] if pos else -v[t])
    cons = [f == yi for f, yi in zip(fit, y) if not isinstance(f, int)]
    if any(isinstance(f, int) and abs(yi) > 0 for f, yi in zip(fit, y)):
        return float("nan")  # some point is in no learned cell: no interpolator
    prob = cp.Problem(cp.Minimize(sum(cp.norm(v, 2) for v in V)), cons)
    prob.solve(solver=cp.CLARABEL)
    return 2 * float(prob.value) if prob.status == "optimal" else float("nan")


def run(n, m, seeds, steps, certify_up_to=6, log=print):
    rows, plats = [], []
    for seed in seeds:
        ds = orthogonal_dataset(n, seed)
        mn = closed_form_min_norm(ds.y)
        cert = ""
        if n <= certify_up_to:
            from landscape.convex.interpolation import min_norm_interpolator

            it = min_norm_interpolator(ds)
            cert = f"[{float(it.lower):.10g}, {float(it.upper):.10g}]" if it.certified else "uncertified"
        t0 = time.perf_counter()
        out = train_batch(ds, 0.0, m, [(ALPHA, 1000 * seed + k) for k in range(2)], lr=LR, steps=steps,
                          record_ratio=record_ratio(n))
        for k, tr in enumerate(out):
            R = tr.records
            dl, th = float(R["data_loss"][-1]), float(R["theta_sq"][-1])
            ps = detect_plateaus(R["step"].astype(float) + 1.0, R["data_loss"], rtol=0.01,
                                 min_duration=MIN_PLATEAU, floor=1e-6 * R["data_loss"][0])
            errs = [subset_level_error(p.level, ds.y) for p in ps] if n <= 16 else []
            cells = active_cells(tr.a, tr.W)
            rmn = restricted_min_norm(tr.a, tr.W, ds.y) if dl < 1e-12 * float(R["data_loss"][0]) else float("nan")
            half = int(np.searchsorted(R["step"], tr.steps // 2))
            drift = abs(th - float(R["theta_sq"][half])) / th  # |theta|^2 change over the second half
            rows.append({"n": n, "m": m, "seed": seed, "init_seed": 1000 * seed + k, "steps": tr.steps,
                         "data_loss": dl, "interpolates": dl < 1e-12 * float(R["data_loss"][0]),
                         "theta_sq": th, "theta_sq_drift": drift, "min_norm": mn, "ratio_min_norm": th / mn,
                         "restricted_min_norm": rmn, "ratio_restricted": th / rmn,
                         "theta_sq_over_sqrt_n": th / math.sqrt(n), "min_norm_over_sqrt_n": mn / math.sqrt(n),
                         "certified_min_norm": cert, "plateaus": len(ps),
                         "activations": " ".join(str(int(p.end)) for p in ps),
                         "active_cells": len(cells), "positive_cells": sum(c[0] for c in cells),
                         "max_subset_level_error": max(errs) if errs else float("nan"),
                         "saddle_plateaus": sum(e < SADDLE_TOL for e in errs) if errs else -1,
                         "seconds": (time.perf_counter() - t0) / len(out)})
            for i, p in enumerate(ps):
                plats.append({"n": n, "m": m, "seed": seed, "init_seed": 1000 * seed + k, "index": i,
                              "level": p.level, "start": p.start, "end": p.end,
                              "subset_level_error": errs[i] if errs else float("nan")})
            r = rows[-1]
            log(f"n={n} m={m} seed={seed}/{k}: data loss {dl:.2g}, |theta|^2/min-norm {r['ratio_min_norm']:.4f}, "
                f"/sqrt(n) {r['theta_sq_over_sqrt_n']:.3f}, plateaus {len(ps)}, cells {len(cells)}")
    return rows, plats


def table(rows, cfg):
    lines = [
        "## Town et al. (2025): orthogonal data from small initialisation (lam = 0)\n",
        f"X = I_n, labels uniform in [-1, 1], GD lr {LR}, alpha {ALPHA:g}, {cfg['steps']:,} steps, "
        f"dataset seeds {cfg['seeds']} x 2 initialisations.  min-norm = 2(|y+| + |y-|) (closed form; "
        "certified by landscape.convex.interpolation for n <= 6).  Plateaus: landscape.dynamics.plateaus "
        f"on the recorded data loss (1% band, at least {MIN_PLATEAU} steps).\n",
        f"Saddle plateaus (n <= 16): plateaus whose level is (1/n) sum of y_i^2 over some subset of the points "
        f"within a relative {SADDLE_TOL:g}; the other plateaus are slow stretches of the final descent.\n",
        "| n | m | runs | interpolating | mean |theta|^2 | max |theta|^2 drift | mean min-norm | ratio mean | ratio max | "
        "learned / restricted min-norm (max) | |theta|^2 / sqrt n | min-norm / sqrt n | mean plateaus | "
        "mean saddle plateaus | mean active cells |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in sorted({r["n"] for r in rows}):
        for m in sorted({r["m"] for r in rows if r["n"] == n}):
            rs = [r for r in rows if r["n"] == n and r["m"] == m]
            ok = [r for r in rs if r["interpolates"]]
            rat = [r["ratio_min_norm"] for r in ok] or [float("nan")]
            errs = [r["max_subset_level_error"] for r in rs if not math.isnan(r["max_subset_level_error"])]
            lines.append(
                f"| {n} | {m} | {len(rs)} | {len(ok)} | {np.mean([r['theta_sq'] for r in ok] or [np.nan]):.4g} | "
                f"{max([r['theta_sq_drift'] for r in ok] or [np.nan]):.1g} | "
                f"{np.mean([r['min_norm'] for r in rs]):.4g} | {np.mean(rat):.4f} | {np.max(rat):.4f} | "
                f"{max([r['ratio_restricted'] for r in ok] or [np.nan]):.6f} | "
                f"{np.mean([r['theta_sq_over_sqrt_n'] for r in ok] or [np.nan]):.3f} | "
                f"{np.mean([r['min_norm_over_sqrt_n'] for r in rs]):.3f} | "
                f"{np.mean([r['plateaus'] for r in rs]):.1f} | "
                f"{(np.mean([r['saddle_plateaus'] for r in rs]) if errs else float('nan')):.1f} | "
                f"{np.mean([r['active_cells'] for r in rs]):.1f} |")
    return "\n".join(lines) + "\n"


def figure(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for m_kind, label in ((0, "m = 2 ceil(log2 n)"), (1, "m = n"), (2, "m = 2n")):
        pts = {}
        for r in rows:
            if r["interpolates"] and widths(r["n"]).index(r["m"]) == min(m_kind, len(widths(r["n"])) - 1):
                pts.setdefault(r["n"], []).append(r)
        ns = sorted(pts)
        axes[0].semilogx(ns, [np.mean([r["ratio_min_norm"] for r in pts[n]]) for n in ns], "o-", label=label,
                         base=2)
        axes[1].semilogx(ns, [np.mean([r["theta_sq_over_sqrt_n"] for r in pts[n]]) for n in ns], "o-",
                         label=label, base=2)
    ns = sorted({r["n"] for r in rows})
    axes[1].semilogx(ns, [np.mean([r["min_norm_over_sqrt_n"] for r in rows if r["n"] == n]) for n in ns], "k--",
                     label="min-norm", base=2)
    axes[0].set_ylabel("learned |theta|^2 / min-norm |theta|^2")
    axes[1].set_ylabel("|theta|^2 / sqrt(n)")
    for ax in axes:
        ax.set_xlabel("n")
        ax.legend(fontsize=7)
    fig.suptitle("Town et al. (2025): orthogonal data, lam = 0, alpha = 1e-6 (interpolating runs)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)




def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reduced", action="store_true")
    ap.add_argument("--ns", type=int, nargs="+")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  "data", "results"))
    ap.add_argument("--tag", default="town")
    ap.add_argument("--render", metavar="READING_FILE", help="only rebuild table and figure from the CSV files, "
                    "appending the paragraph in READING_FILE")
    args = ap.parse_args(argv)
    cfg = dict(REDUCED if args.reduced else FULL)
    if args.render:
        with open(args.render, encoding="utf-8") as fh:
            print(render(args.out, args.tag, cfg, fh.read().strip()))
        return None
    if args.ns:
        cfg["ns"] = args.ns
    if args.steps:
        cfg["steps"] = args.steps
    os.makedirs(args.out, exist_ok=True)
    rows, plats = [], []
    for n in cfg["ns"]:
        for m in widths(n):
            r, p = run(n, m, cfg["seeds"], cfg["steps"])
            rows += r
            plats += p
            write_outputs(args.out, args.tag, rows, plats, cfg)  # after every block: a stopped run keeps its rows
    print(table(rows, cfg))
    return rows


def _parse(v):
    if v in ("True", "False"):
        return v == "True"
    for typ in (int, float):
        try:
            return typ(v)
        except ValueError:
            pass
    return v


def render(out, tag, cfg, reading=""):
    """Rebuild the table (with an optional reading paragraph) and the figure from the CSV files."""
    import csv

    with open(os.path.join(out, f"{tag}_runs.csv"), encoding="utf-8") as fh:
        rows = [{k: _parse(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    for r in rows:
        r["activations"] = str(r["activations"])
    md = table(rows, cfg) + ("\n" + reading + "\n" if reading else "")
    atomic_write(os.path.join(out, f"{tag}_table.md"), md)
    figure(rows, os.path.join(out, f"{tag}.png"))
    return md


def write_outputs(out, tag, rows, plats, cfg):
    write_rows_csv(os.path.join(out, f"{tag}_runs.csv"), rows)
    if plats:
        write_rows_csv(os.path.join(out, f"{tag}_plateaus.csv"), plats)
    atomic_write(os.path.join(out, f"{tag}_table.md"), table(rows, cfg))
    figure(rows, os.path.join(out, f"{tag}.png"))


if __name__ == "__main__":
    main()
