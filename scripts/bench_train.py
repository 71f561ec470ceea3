"""Benchmark of the gradient-descent trainer against a bare NumPy loop (issues 6 and 13).

For each size it prints, measured in the same run and interleaved (best of ``--repeats``,
the usual estimate of the uncontended speed on a shared machine; every run is listed):

* GD steps per second of :func:`landscape.dynamics.train` with its default recording
  (cell changes detected at every step, records on the geometric schedule);
* the steps per second of a bare NumPy GD loop (the same update, no recording);
* the ratio ``train / bare`` with its target: >= 0.67 at n = 200, d = 10, m = 1000 and
  >= 1 at n = d = 4, m = 100 (issue 13);
* at n = d = 4, m = 100, also the straightforward per-neuron Python loop of issue 6
  (target: ``train`` >= 20x faster).

``--tree DIR`` imports ``landscape`` from another checkout (to time an older version with
the same script).  BLAS runs on one thread (``OPENBLAS_NUM_THREADS=1`` unless set): on a
loaded machine OpenBLAS's threads spin-wait and make ``m x n`` products 100x slower, for
both loops alike; ``--threads N`` overrides.  Times are process CPU time
(``time.process_time``), steadier than wall-clock time when other jobs share the cores;
``--wall`` uses wall-clock time.

    python scripts/bench_train.py [--repeats 3] [--quick] [--tree DIR] [--theorem2]
"""

import argparse
import os
import sys
import time



def _setup_path():
    threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, threads)
    tree = None
    if "--tree" in sys.argv:
        tree = sys.argv[sys.argv.index("--tree") + 1]
    sys.path.insert(0, tree or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


_setup_path()

import numpy as np  # noqa: E402

from landscape.data import generate  # noqa: E402
from landscape.dynamics import init_network, train  # noqa: E402


clock = time.process_time


def bare_loop(X, y, lam, lr, a, W, steps):
    """The bare NumPy loop: the vectorised GD update written plainly, nothing recorded."""
    a, W = a.copy(), W.copy()
    n = len(y)
    Xt = X.T
    for _ in range(steps):
        Z = W @ Xt
        H = np.maximum(Z, 0.0)
        r = (2.0 / n) * (a @ H - y)
        ga = H @ r + 2 * lam * a
        gW = ((Z > 0) * r) @ X * a[:, None] + 2 * lam * W
        a -= lr * ga
        W -= lr * gW
    return a, W


def per_neuron_loop(X, y, lam, lr, a, W, steps):
    """The issue-6 baseline: the same GD written neuron by neuron in plain Python/NumPy."""
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


def bench(n, d, m, steps, repeats, target, lr, per_neuron_steps=0):
    ds = generate("gaussian", n=n, d=d, seed=0)
    X, y = ds.features, ds.y
    lam = 1e-3
    a, W = init_network(m, ds.dim, 0.1, seed=0)
    fast, bare, slow = [], [], []
    for _ in range(repeats):
        t = clock()
        run = train(ds, lam, a0=a, W0=W, lr=lr, steps=steps, grad_tol=0.0)
        fast.append(run.steps / (clock() - t))
        t = clock()
        ba, bW = bare_loop(X, y, lam, lr, a, W, steps)
        bare.append(steps / (clock() - t))
        if per_neuron_steps:
            t = clock()
            per_neuron_loop(X, y, lam, lr, a, W, per_neuron_steps)
            slow.append(per_neuron_steps / (clock() - t))
    agree = np.allclose(run.a, ba, rtol=1e-6, atol=1e-12) and np.allclose(run.W, bW, rtol=1e-6, atol=1e-12)
    f, b = max(fast), max(bare)
    print(f"n={n}, d={d}, m={m}, {steps} steps: train() {f:,.0f} steps/s, bare NumPy loop {b:,.0f} steps/s;"
          f" ratio {f / b:.2f}x (target >= {target}x); same iterates: {agree};"
          f" {run.n_cell_changes} cell changes, {len(run.records['step'])} records")
    print("   runs train: " + ", ".join(f"{v:,.0f}" for v in fast) + "; bare: " + ", ".join(f"{v:,.0f}" for v in bare))
    if per_neuron_steps:
        s = max(slow)
        print(f"   per-neuron Python loop {s:,.0f} steps/s; train() is {f / s:.1f}x faster (target >= 20x)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--tree", help="import landscape from this checkout")
    ap.add_argument("--threads", help="BLAS threads (default 1)")
    ap.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    ap.add_argument("--theorem2", action="store_true")
    args = ap.parse_args()
    global clock
    clock = time.perf_counter if args.wall else time.process_time
    import landscape

    print(f"landscape from {os.path.dirname(os.path.dirname(landscape.__file__))}")
    big, small = (300, 20_000) if args.quick else (2_000, 50_000)
    bench(200, 10, 1000, big, args.repeats, 0.67, lr=0.01)
    bench(4, 4, 100, small, args.repeats, 1.0, lr=0.01, per_neuron_steps=small // 100)
    if args.theorem2:
        import subprocess

        t = time.perf_counter()
        subprocess.run([sys.executable, __file__.replace("bench_train.py", "repro_theorem2.py"), "--reduced",
                        "--out", "/tmp/bench_theorem2"], check=True, stdout=subprocess.DEVNULL)
        print(f"Theorem-2 reproduction, reduced budget: {time.perf_counter() - t:.1f} s  target < 300 s")


if __name__ == "__main__":
    main()
