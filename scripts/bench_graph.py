"""Benchmark the region graph (issue 5) against a baseline run in the same process.

Baseline: classify every support of size <= m with a fresh :class:`Landscape` (the
certified solves that any exhaustive answer needs).  Measured: :func:`region_graph` from a
fresh Landscape (the same solves, plus measures, adjacency, descent edges) and the
benignity queries.  The ratio graph/baseline is the overhead of the graph itself.

Prints, for n=4, d=3 (``data/examples/teacher_n4_d3.json``, lam = 1/100) and every width,
the node/edge counts, median seconds over ``--repeats`` runs and the ratio.
Usage: ``python scripts/bench_graph.py [--widths 1,2] [--repeats 3]``.
"""

import argparse
import itertools
import statistics
import time

from landscape.data import load_dataset
from landscape.graph.adjacency import region_graph
from landscape.regions.landscape import Landscape


def baseline(ds, lam, m):
    t = time.perf_counter()
    land = Landscape(ds, lam)
    for size in range(1, m + 1):
        for S in itertools.combinations(range(land.K), size):
            land.classify(S, m)
    return time.perf_counter() - t


def graph(ds, lam, m, max_nodes):
    t = time.perf_counter()
    rg = region_graph(ds, lam, m, max_nodes=max_nodes)
    rg.is_benign()
    rg.basins()
    rg.benign_share("uniform")
    rg.benign_share("gaussian")
    return time.perf_counter() - t, rg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/examples/teacher_n4_d3.json")
    ap.add_argument("--lam", default="1/100")
    ap.add_argument("--widths", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-nodes", type=int, default=20_000)
    args = ap.parse_args()
    ds = load_dataset(args.data)
    print(f"data {args.data} (n={ds.n}, d={ds.d}), lam {args.lam}, median of {args.repeats} runs")
    print(f"{'m':>2} {'nodes':>6} {'edges':>7} {'descent':>7} {'benign':>6} {'share(unif)':>11} "
          f"{'baseline s':>10} {'graph s':>8} {'ratio':>6}")
    for m in (int(x) for x in args.widths.split(",")):
        tb, tg = [], []
        for _ in range(args.repeats):
            tb.append(baseline(ds, args.lam, m))
            t, rg = graph(ds, args.lam, m, args.max_nodes)
            tg.append(t)
        b, g = statistics.median(tb), statistics.median(tg)
        print(f"{m:>2} {rg.number_of_nodes():>6} {rg.number_of_edges():>7} {rg.number_of_descent_edges():>7} "
              f"{str(rg.is_benign()):>6} {float(rg.benign_share()):>11.4f} {b:>10.2f} {g:>8.2f} {g / b:>6.2f}")


if __name__ == "__main__":
    main()
