r"""Output of a training run: ``result.json``, ``trajectory.csv``, ``cell_changes.csv``,
plots, and the ``landscape train`` command built on them.

Text (signed-cone labels, CSV rows) is built here, when writing, from the integer arrays
the run recorded (:class:`~landscape.dynamics.record.CellChanges`).

Examples
--------
>>> from landscape.data import generate
>>> from landscape.dynamics import train
>>> run = train(generate("theorem2", d=3), 0.01, 4, 0.5, lr=0.05, steps=100)
>>> sorted(run_summary(run))[:4]
['cell_changes', 'final_loss', 'message', 'reason']
"""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np

from ..data import atomic_write, parse_lam
from ..errors import InputError
from ..results.serialize import dumps
from ..results.status import Verdict
from .descent import train
from .endpoint import EndpointVerdict, classify_endpoint

__all__ = ["regions_crossed", "run_summary", "result_json_obj", "write_run", "plot_run", "command_train"]


def regions_crossed(run, arr=None):
    """The supports a run went through: ``[{step, support, size}]``.

    Supports are float signed-cone labels (``pattern+sign``); with an arrangement ``arr``
    each label is also mapped to its signed-cone index ``2*cell + (sign < 0)`` (``None``
    for a float pattern that is not a cell, which can only happen within rounding of a
    hyperplane).
    """
    lookup = None
    if arr is not None:
        lookup = {row.tobytes(): k for k, row in enumerate(np.packbits(arr.patterns, axis=1))}
    out = []
    for step, supp in run.supports:
        labels = supp.labels()
        order = sorted(range(len(labels)), key=labels.__getitem__)
        item = {"step": step, "support": [labels[i] for i in order], "size": len(labels)}
        if lookup is not None:
            cells = [lookup.get(row.tobytes()) for row in supp.packed[order, :-1]]
            item["cones"] = [None if k is None else 2 * k + (not pos)
                             for k, pos in zip(cells, supp.positive[order].tolist())]
        out.append(item)
    return out


def run_summary(run, verdict=None) -> dict:
    """A short JSON-ready summary: stop reason, final loss, and a few trajectory rows."""
    r = run.records
    idx = sorted({0, len(r["step"]) // 4, len(r["step"]) // 2, 3 * len(r["step"]) // 4, len(r["step"]) - 1})
    rows = [{k: (r[k][i].item() if hasattr(r[k][i], "item") else r[k][i])
             for k in ("step", "loss", "theta_sq", "grad_sq", "support_size", "directions", "rank")}
            for i in idx]
    out = {"verdict": None if verdict is None else verdict.verdict,
           "reason": None if verdict is None else verdict.reason,
           "stop_reason": run.stop_reason, "message": run.message, "steps": run.steps,
           "seconds": round(run.seconds, 3), "final_loss": run.final_loss,
           "cell_changes": run.n_cell_changes, "supports_visited": len(run.supports),
           "trajectory": rows}
    return out


def result_json_obj(run, verdict=None, arr=None) -> dict:
    """The content of ``result.json``: verdict, value, steps, seconds, network, regions_crossed."""
    obj = {
        "verdict": "pending" if verdict is None else verdict.verdict,
        "reason": "" if verdict is None else verdict.reason,
        "value": run.final_loss,
        "steps": run.steps,
        "seconds": run.seconds,
        "stop_reason": run.stop_reason,
        "message": run.message,
        "lam": run.lam, "lr": run.lr, "init": run.init,
        "network": {"a": run.a.tolist(), "W": run.W.tolist()},
        "regions_crossed": regions_crossed(run, arr),
        "cell_changes": run.n_cell_changes,
    }
    if verdict is not None:
        obj["endpoint"] = verdict.to_json_obj()
    return obj


def write_run(run, out_dir, verdict=None, arr=None) -> None:
    """Write ``trajectory.csv``, ``cell_changes.csv`` and ``result.json`` into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    atomic_write(os.path.join(out_dir, "trajectory.csv"), run.to_csv())

    def changes(fh):
        fh.write("step,neuron,old,new\n")
        ch = run.changes
        labels = np.array(ch.cones.labels(), dtype=object)
        if len(ch):
            cols = [ch.step.astype(str).astype(object), ch.neuron.astype(str).astype(object),
                    labels[ch.old], labels[ch.new]]
            fh.write("\n".join(",".join(r) for r in zip(*cols)) + "\n")

    atomic_write(os.path.join(out_dir, "cell_changes.csv"), changes)
    atomic_write(os.path.join(out_dir, "result.json"), dumps(result_json_obj(run, verdict, arr)) + "\n")


def plot_run(run, out_dir, ds, verdict=None, optimum_W=None) -> list:
    """Write ``loss.png`` (loss with support changes marked) and, for d = 2 or 3,
    ``directions.png`` (neuron directions projected on the plane of the optimum).

    The plane is spanned by the top two right singular vectors of ``optimum_W`` (the
    global optimum's neurons, when given and of rank >= 2), else of the polished network's
    ``W``, else of the final ``W``.  Returns the files written.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    r = run.records
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = np.maximum(r["step"], 1)
    ax.loglog(steps, r["loss"], label="loss")
    if np.isfinite(r["gap_to_vstar"]).any():
        ax.loglog(steps, np.abs(r["gap_to_vstar"]), label="|L - V*|")
    for s, _ in run.supports[1:]:
        ax.axvline(max(s, 1), color="grey", lw=0.5, alpha=0.5)
    ax.set_xlabel("step (grey lines: support changes)")
    ax.set_ylabel("loss")
    title = f"verdict: {verdict.verdict}" if verdict is not None else run.stop_reason
    ax.set_title(title)
    ax.legend()
    path = os.path.join(out_dir, "loss.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    written.append(path)
    if ds.dim in (2, 3):
        if optimum_W is not None and np.linalg.matrix_rank(np.asarray(optimum_W, float)) >= 2:
            ref = optimum_W
        elif verdict is not None and verdict.polished is not None:
            ref = verdict.polished[1]
        else:
            ref = run.W
        ref = np.asarray(ref, dtype=float)
        if not np.any(ref):
            ref = run.W
        _, _, Vt = np.linalg.svd(ref, full_matrices=False)
        plane = Vt[:2].T if Vt.shape[0] >= 2 else np.eye(ds.dim)[:, :2]
        P = (np.abs(run.a)[:, None] * run.W) @ plane
        fig, ax = plt.subplots(figsize=(5, 5))
        pos = run.a > 0
        ax.scatter(P[pos, 0], P[pos, 1], marker="*", label="a > 0")
        ax.scatter(P[~pos, 0], P[~pos, 1], marker="o", label="a < 0")
        D = ds.features @ plane
        D = D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-300) * max(np.abs(P).max(), 1e-12)
        ax.scatter(D[:, 0], D[:, 1], marker="x", color="k", label="data (scaled)")
        ax.set_title("|a_j| w_j projected on the plane of the optimum")
        ax.legend()
        path = os.path.join(out_dir, "directions.png")
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def command_train(ds, *, lam, width, init_scale, init="gaussian", seed=0, lr=0.01, steps=100_000,
                  grad_tol=1e-16, classify=True, plot=False, out_dir=None, progress=None) -> dict:
    """The ``landscape train`` command: train, write the files, classify, summarise.

    ``progress(step, loss)`` is passed to :func:`~landscape.dynamics.descent.train` (called
    at each record; a progress display).

    The files are written before the (possibly slow) exact classification and rewritten
    after it, so an interrupted command still leaves the trajectory on disk.  A run that
    diverged or turned NaN raises :class:`InputError` after its files are written.
    ``lam`` is exact (a Fraction or text); training uses its float value.
    """
    if out_dir is not None and os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise InputError(f"out_dir {out_dir}: exists and is not a directory")
    if width > 100_000:
        raise InputError(f"width {width}: at most 100000 neurons")
    if plot and out_dir is None:
        raise InputError("plot needs out_dir")
    lam = parse_lam(lam)
    v_star, prog, glob = None, None, None
    if classify:
        from ..convex.program import RegionProgram

        prog = RegionProgram(ds, lam)
        glob = prog.global_optimum()
        if glob.certified:
            v_star = float((Fraction(glob.lower) + Fraction(glob.upper)) / 2)
    run = train(ds, float(lam), width, init_scale, seed=seed, lr=lr, steps=steps, grad_tol=grad_tol, init=init,
                v_star=v_star, progress=progress)
    arr = None
    if out_dir is not None:
        write_run(run, out_dir)
    verdict = None
    if run.stop_reason in ("nan", "diverged"):
        verdict = EndpointVerdict(Verdict.NOT_CONVERGED, f"the run stopped: {run.message}")
    elif classify:
        arr = prog.arr
        verdict = classify_endpoint(ds, lam, run, prog=prog, glob=glob)
    if out_dir is not None:
        write_run(run, out_dir, verdict, arr)
        if plot:
            plot_run(run, out_dir, ds, verdict, optimum_W=None if glob is None else glob.network[1])
    if run.stop_reason in ("nan", "diverged"):
        where = f"; the trajectory is in {out_dir}" if out_dir else ""
        raise InputError(run.message + where)
    summary = run_summary(run, verdict)
    if out_dir is not None:
        summary["out"] = out_dir
    return summary
