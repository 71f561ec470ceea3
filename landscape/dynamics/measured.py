r"""One gradient-descent run with the float measurements of the training reproductions
(:func:`measured_run`, the ``train_measured`` sweep kind).

Unlike the ``train`` kind it allows ``lam = 0`` (training without weight decay, as in
Boursier, Pillaud-Vivien & Flammarion 2022 and Town et al. 2025), and it reports, besides
the final loss, ``|theta|^2`` and ranks of the recorder:

* the plateaus of the recorded data loss (:mod:`landscape.dynamics.plateaus`), with the
  steps at which the loss leaves them (the neuron activations of saddle-to-saddle
  dynamics);
* the input gradient off the span of the data (:mod:`landscape.dynamics.metrics`), mean
  and max over the training points, with the on-span gradient for scale (Melamed et al.
  2023);
* the effective rank of the final ``W`` (Chen et al. 2024 for weight decay and rank).

Everything is floating point; no verdict is certified here (use the ``train`` kind for
the exact endpoint classification).

Examples
--------
>>> from landscape.data import Dataset
>>> ds = Dataset.from_arrays([[1, 0, 0], [0, 1, 0]], ["0.9", "0.4"])   # a plane of R^3
>>> out = measured_run(ds, 0, 6, init_scale=1e-6, seed=3, lr=0.1, steps=3000, min_duration=30)
>>> abs(out["plateaus"][0]["level"] - (0.81 + 0.16) / 2) < 1e-6, out["subspace_dim"]
(True, 2)
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import InputError
from .descent import train
from .metrics import input_gradients, off_subspace_gradient_norms, subspace_basis
from .plateaus import detect_plateaus
from .record import effective_rank

__all__ = ["measured_run"]


def measured_run(ds, lam, m, *, init_scale=1e-3, init="gaussian", seed=0, lr=0.01, steps=100_000,
                 record_ratio=1.002, rtol=0.01, min_duration=30, floor_rel=1e-6) -> dict:
    """Train by GD (:func:`landscape.dynamics.train`, ``lam >= 0``) and measure the run.

    ``rtol``, ``min_duration`` (in GD steps) and ``floor_rel`` (times the initial data
    loss) are the plateau parameters of :func:`~landscape.dynamics.plateaus.detect_plateaus`.
    Returns a JSON-ready dict.
    """
    lam_f = float(Fraction(lam)) if not isinstance(lam, float) else lam
    if not lam_f >= 0:
        raise InputError(f"lam must be >= 0, got {lam!r}")
    run = train(ds, lam_f, width=m, init_scale=init_scale, init=init, seed=seed, lr=lr, steps=steps,
                record_ratio=record_ratio)
    R = run.records
    ps = detect_plateaus(R["step"] + 1.0, R["data_loss"], rtol=rtol, min_duration=min_duration,
                         floor=floor_rel * float(R["data_loss"][0]))
    X = ds.features
    B = subspace_basis(X)
    off = off_subspace_gradient_norms(run.a, run.W, X, B)
    on = np.linalg.norm(input_gradients(run.a, run.W, X) @ B, axis=1)
    return {
        "stop_reason": run.stop_reason, "message": run.message, "steps": run.steps,
        "loss": float(R["loss"][-1]), "data_loss": float(R["data_loss"][-1]), "theta_sq": float(R["theta_sq"][-1]),
        "directions": int(R["directions"][-1]), "effective_rank": effective_rank(run.W),
        "plateaus": [{"level": p.level, "start": int(p.start) - 1, "end": int(p.end) - 1} for p in ps],
        "n_plateaus": len(ps), "activation_steps": [int(p.end) - 1 for p in ps],
        "subspace_dim": int(B.shape[1]), "off_subspace_gradient_mean": float(off.mean()),
        "off_subspace_gradient_max": float(off.max()), "on_subspace_gradient_mean": float(on.mean()),
    }
