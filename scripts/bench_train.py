"""Benchmark of the gradient-descent trainer (issue 6).

Prints, measured in the same run:
* GD steps per second of :func:`landscape.dynamics.training.train` at n = d = 4, m = 100 (with the
  full recording: cell changes every step, records on the geometric schedule), target >= 50,000;
* the same steps with a straightforward per-neuron Python loop (the baseline), and the
  ratio, target >= 20x.
Each figure is the median of ``--repeats`` runs.  Use ``--theorem2`` to also time the
reduced-budget Theorem-2 reproduction (target < 5 minutes).

    python scripts/bench_train.py [--steps 100000] [--repeats 3] [--theorem2]
"""

import argparse
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/scripts/", 1)[0])

from landscape.data import generate  # noqa: E402
from landscape.dynamics.training import init_network, train  # noqa: E402


def per_neuron_loop(X, y, lam, lr, a, W, steps):
    """The baseline: the same GD written neuron by neuron in plain Python/NumPy."""
    n = len(y)
    a, W = a.copy(), W.copy()
    m = len(a)
    for _ in range(steps):
        f = np.zeros(n)
        acts = []
        for j in range(m):
            z = X @ W[j]
            h = np.maximum(z, 0.0)
            acts.append((z, h))
            f += a[j] * h
        r = (2.0 / n) * (f - y)
        for j in range(m):
            z, h = acts[j]
            ga = h @ r + 2 * lam * a[j]
            gw = a[j] * ((z > 0) * r) @ X + 2 * lam * W[j]
            a[j] -= lr * ga
            W[j] -= lr * gw
    return a, W


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--baseline-steps", type=int, default=1_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--theorem2", action="store_true")
    args = ap.parse_args()

    ds = generate("gaussian", n=4, d=4, seed=0)
    lam, lr = 1e-3, 0.01
    a, W = init_network(100, 4, 0.1, seed=0)
    fast, slow = [], []
    for _ in range(args.repeats):
        run = train(ds, lam, a0=a, W0=W, lr=lr, steps=args.steps, grad_tol=0.0)
        fast.append(run.steps / run.seconds)
        t = time.perf_counter()
        ra, rW = per_neuron_loop(ds.features, ds.y, lam, lr, a, W, args.baseline_steps)
        slow.append(args.baseline_steps / (time.perf_counter() - t))
    check = train(ds, lam, a0=a, W0=W, lr=lr, steps=args.baseline_steps, grad_tol=0.0)
    agree = np.allclose(check.a, ra, rtol=1e-8, atol=1e-12) and np.allclose(check.W, rW, rtol=1e-8, atol=1e-12)
    f, s = statistics.median(fast), statistics.median(slow)
    print(f"n=d=4, m=100: train() {f:,.0f} steps/s (median of {args.repeats}; runs: "
          + ", ".join(f"{v:,.0f}" for v in fast) + ")  target >= 50,000")
    print(f"per-neuron loop baseline {s:,.0f} steps/s; ratio {f / s:.1f}x  target >= 20x;"
          f" same iterates: {agree}")
    if args.theorem2:
        import subprocess

        t = time.perf_counter()
        subprocess.run([sys.executable, __file__.replace("bench_train.py", "repro_theorem2.py"), "--reduced",
                        "--out", "/tmp/bench_theorem2"], check=True, stdout=subprocess.DEVNULL)
        print(f"Theorem-2 reproduction, reduced budget: {time.perf_counter() - t:.1f} s  target < 300 s")


if __name__ == "__main__":
    main()
