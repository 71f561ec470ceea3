"""Reproduction: Chen et al. (2024), weight decay induces low rank in the first layer.

The claim reproduced: the stronger the weight decay, the lower the (effective) rank of
the trained first-layer matrix W.  Here it is measured twice for each lam, on the same
data: at the end of gradient descent, and at the certified global optimum of the convex
reformulation (Pilanci & Ergen 2020; docs/theory.md, section 3), whose balanced network
has one neuron per used signed cone.  The GD endpoint is also classified with the exact
verdicts (landscape.dynamics.classify_endpoint).

Effective rank: exp of the entropy of the normalised singular values of W (Roy &
Vetterli 2007; landscape.dynamics.effective_rank); numerical rank: singular values above
1e-3 of the largest.

Data: Gaussian inputs (n = 12, d = 6) labelled by a random ReLU teacher of width 10
(landscape.data, generator relu-teacher, seed 0).  GD: width 50, init scale 0.1, lr 0.05,
min(400k, 100 / (lr lam)) steps (up to a hundred weight-decay time scales), 2 seeds.

    python scripts/repro_chen.py [--out data/results]

Writes chen_runs.csv, chen_table.md, chen.png.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from landscape.convex.program import RegionProgram  # noqa: E402
from landscape.data import atomic_write, generate, parse_lam  # noqa: E402
from landscape.dynamics import classify_endpoint, effective_rank, train_batch  # noqa: E402
from landscape.app.reports import write_rows_csv  # noqa: E402

LAMS = ["1/1000", "3/1000", "1/100", "3/100", "1/10"]
SEEDS = [0, 1]
WIDTH, ALPHA, LR, MAX_STEPS = 50, 0.1, 0.05, 400_000


def numerical_rank(W, rel=1e-3):
    s = np.linalg.svd(np.asarray(W, float), compute_uv=False)
    return int(np.sum(s > rel * s[0])) if s.size and s[0] > 0 else 0


def run(ds, lam, log=print):
    lamq = parse_lam(lam)
    prog = RegionProgram(ds, lamq)
    glob = prog.global_optimum()
    a_opt, W_opt = glob.network
    steps = int(min(MAX_STEPS, 100 / (LR * float(lamq))))
    t0 = time.perf_counter()
    runs = train_batch(ds, float(lamq), WIDTH, [(ALPHA, s) for s in SEEDS], lr=LR, steps=steps,
                       v_star=float(glob.upper), record_ratio=1.2)
    rows = []
    for s, tr in zip(SEEDS, runs):
        v = classify_endpoint(ds, lamq, tr, prog=prog, glob=glob)
        rows.append({"lam": lam, "seed": s, "steps": tr.steps, "gap_to_vstar": float(tr.records["gap_to_vstar"][-1]),
                     "trained_effective_rank": effective_rank(tr.W), "trained_rank": numerical_rank(tr.W),
                     "polished_effective_rank": (effective_rank(v.polished[1]) if v.polished is not None
                                                 else float("nan")),
                     "optimum_effective_rank": effective_rank(W_opt), "optimum_rank": numerical_rank(W_opt),
                     "optimum_neurons": len(glob.cones_used), "V_star_certified": glob.certified,
                     "verdict": v.verdict, "region_is_global": v.region_is_global, "reason": v.reason[:120],
                     "seconds": (time.perf_counter() - t0) / len(SEEDS)})
        r = rows[-1]
        log(f"lam={lam} seed={s}: eff rank trained {r['trained_effective_rank']:.3f} (rank {r['trained_rank']}), "
            f"optimum {r['optimum_effective_rank']:.3f} (rank {r['optimum_rank']}, {r['optimum_neurons']} neurons); "
            f"{v.verdict}")
    return rows


def table(rows):
    lines = ["## Chen et al. (2024): weight decay and the rank of W\n",
             f"relu-teacher data n = 12, d = 6 (seed 0); GD width {WIDTH}, init {ALPHA}, lr {LR}, "
             f"min({MAX_STEPS:,}, 100/(lr lam)) steps, seeds {SEEDS}.  Optimum: the balanced network of the certified "
             "convex global optimum (one neuron per used signed cone).  Effective rank = exp(entropy of normalised "
             "singular values); rank = singular values above 1e-3 of the largest.  The polished endpoint is the point the "
             "verdict is about (landscape.dynamics.classify_endpoint): negligible neurons zeroed, each cone's weights at "
             "the optimum of its region programme.\n",
             "| lam | steps | trained eff. rank (mean) | polished endpoint eff. rank | trained rank | optimum eff. rank | optimum rank | optimum neurons "
             "| V* certified | verdicts | endpoint region V(S) = V* | mean L - V* |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for lam in LAMS:
        rs = [r for r in rows if r["lam"] == lam]
        if not rs:
            continue
        lines.append(f"| {lam} | {rs[0]['steps']:,} | {np.mean([r['trained_effective_rank'] for r in rs]):.3f} | "
                     f"{np.mean([r['polished_effective_rank'] for r in rs]):.3f} | "
                     f"{'/'.join(str(r['trained_rank']) for r in rs)} | {rs[0]['optimum_effective_rank']:.3f} | "
                     f"{rs[0]['optimum_rank']} | {rs[0]['optimum_neurons']} | {rs[0]['V_star_certified']} | "
                     f"{', '.join(sorted({str(r['verdict']) for r in rs}))} | "
                     f"{sum(str(r['region_is_global']) == 'True' for r in rs)}/{len(rs)} | "
                     f"{np.mean([r['gap_to_vstar'] for r in rs]):.2g} |")
    lines.append(
        "\nReading.  The certified convex optimum's effective rank falls with lam (4.18 at lam = 1e-3 to 3.61 at "
        "lam = 1e-1; its numerical rank from 6 to 4 as neurons drop out), which is the claim on this instance.  "
        "The GD endpoints follow it only once polished: the raw trained W carries decaying neurons that inflate its "
        "effective rank (by 0.4 at lam = 1e-3), and the polished endpoints' rank matches the optimum's where the run "
        "sits in a region with V(S) = V* (lam >= 3e-2, certified) and stays above it where it does not "
        "(lam <= 1e-2: a region with V(S) > V*).  No run is certified converged within the step budget "
        "(classify_endpoint's distance and value-gap tolerances); the verdict column says so.\n")
    return "\n".join(lines) + "\n"


def figure(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lams = [lam for lam in LAMS if any(r["lam"] == lam for r in rows)]
    x = [float(parse_lam(lam)) for lam in lams]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for s in SEEDS:
        ax.semilogx(x, [next(r["trained_effective_rank"] for r in rows if r["lam"] == lam and r["seed"] == s)
                        for lam in lams], "o-", alpha=0.7, label=f"trained W, seed {s}")
        ax.semilogx(x, [next(r["polished_effective_rank"] for r in rows if r["lam"] == lam and r["seed"] == s)
                        for lam in lams], "s:", alpha=0.7, label=f"polished endpoint, seed {s}")
    ax.semilogx(x, [next(r["optimum_effective_rank"] for r in rows if r["lam"] == lam) for lam in lams], "k*--",
                ms=10, label="certified convex optimum")
    ax.set_xlabel("weight decay lam")
    ax.set_ylabel("effective rank of W")
    ax.set_title("Chen et al. (2024): weight decay lowers the rank")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)




def render(out):
    import csv

    with open(os.path.join(out, "chen_runs.csv"), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for k in ("seed", "steps", "trained_rank", "optimum_rank", "optimum_neurons"):
            r[k] = int(r[k])
        for k in ("gap_to_vstar", "trained_effective_rank", "polished_effective_rank", "optimum_effective_rank"):
            r[k] = float(r[k])
    md = table(rows)
    atomic_write(os.path.join(out, "chen_table.md"), md)
    figure(rows, os.path.join(out, "chen.png"))
    print(md)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  "data", "results"))
    ap.add_argument("--lams", nargs="+")
    ap.add_argument("--render", action="store_true", help="only rebuild the table and figure from chen_runs.csv")
    args = ap.parse_args(argv)
    if args.render:
        return render(args.out)
    global LAMS
    if args.lams:
        LAMS = args.lams
    os.makedirs(args.out, exist_ok=True)
    ds = generate("relu-teacher", n=12, d=6, seed=0)
    rows = []
    for lam in LAMS:
        rows += run(ds, lam)
    write_rows_csv(os.path.join(args.out, "chen_runs.csv"), rows)
    md = table(rows)
    atomic_write(os.path.join(args.out, "chen_table.md"), md)
    figure(rows, os.path.join(args.out, "chen.png"))
    print(md)
    return rows


if __name__ == "__main__":
    main()
