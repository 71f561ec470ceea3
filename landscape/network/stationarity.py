"""The authors' weaker test: one-sided (Clarke) stationarity of a network.

Boursier, Bowditch, Englert & Lazic (2025) accept a network whose one-sided gradient
vanishes in some accessible signed cone.  This is implied by, but weaker than, the
local-minimum test of :func:`landscape.network.pointwise.check_network`
(docs/theory.md, section 4; Wang, Lacotte & Pilanci, ICLR 2022).

>>> from landscape.data import Dataset
>>> is_stationary(Dataset.from_arrays([[1, 0], [0, 1]], [1, 1]), "5/18", ["2/3"], [["2/3", 0]])
True
"""

from __future__ import annotations

import numpy as np

from ..geometry.cones import cone_cell, cone_sign
from .io import parse_problem

__all__ = ["is_stationary", "accessible_cones"]


def accessible_cones(prog, a_j, w_j) -> list:
    """Signed cones whose closed cell contains ``w_j`` with the sign of ``a_j`` (exact);
    all ``K`` cones for a zero neuron (docs/theory.md, section 4)."""
    if a_j == 0 and not any(w_j):
        return list(range(prog.K))
    s = 0 if a_j > 0 else 1
    return [2 * cell + s for cell in prog.arr.closed_cells(w_j)]


def is_stationary(ds, lam, a, W, tol=1e-9, prog=None) -> bool:
    """One-sided stationarity, the kind of test the authors' code applies.

    True if every nonzero neuron has an accessible cone in which the one-sided gradient of
    ``L`` vanishes (``s_c X^T D_c r = n lam u_j/|u_j|``, float tolerance ``tol``) and the
    network is balanced; zero neurons always have zero gradient.  This implies Clarke
    stationarity (``0`` is in the Clarke subdifferential) but not a local minimum: see the
    module examples, where a neuron on a hyperplane is stationary from one side yet can
    rotate across it (Wang, Lacotte & Pilanci, ICLR 2022).
    """
    lam, a, W, prog = parse_problem(ds, lam, a, W, prog)
    X, y = prog.X, prog.y
    af = np.array([float(v) for v in a])
    Wf = np.array([[float(v) for v in w] for w in W])
    r = y - np.maximum(X @ Wf.T, 0) @ af
    nl = ds.n * float(lam)
    for j in range(len(a)):
        if af[j] == 0 and not np.any(Wf[j]):
            continue
        if abs(af[j] ** 2 - Wf[j] @ Wf[j]) > tol * (af[j] ** 2 + Wf[j] @ Wf[j]):
            return False
        u = abs(af[j]) * Wf[j]
        e = u / np.linalg.norm(u)
        ok = False
        for c in accessible_cones(prog, a[j], W[j]):
            b = cone_sign(c) * (prog.patterns[cone_cell(c)] * r) @ X
            if np.linalg.norm(nl * e - b) <= tol * (nl + np.linalg.norm(b)):
                ok = True
                break
        if not ok:
            return False
    return True


