r"""Saddle-to-saddle plateaus of a recorded loss curve (:func:`detect_plateaus`).

From small initialisation, gradient flow on a two-layer ReLU network visits a sequence
of saddles: the loss stays nearly constant for a long time at each, then drops quickly
when a new neuron grows ("activates") and fits more of the data (Boursier,
Pillaud-Vivien & Flammarion 2022; Town et al. 2025 prove the limit is a jump process on
orthogonal data, one new neuron per saddle).  This module reads the plateaus off a
recorded curve ``(t_k, L_k)``; it is float post-processing of a trajectory, with no
claim of exactness.

Definition used
---------------
A *plateau* is a maximal run of consecutive records ``k = p, ..., q`` whose losses all
lie within a factor ``1 +- rtol`` of ``L_p``, then extended while they stay within
``1 +- rtol`` of the run's median (``L_p`` may still be on the way down from the previous
plateau, at the edge of its own band), lasting at least ``min_duration`` (in the units of
``t``), at a level above ``floor`` (the final convergence to an interpolator, ``L -> 0``,
is not a plateau).  The scan is greedy from the left: once a run ends, the next one starts
at the first record that left it.  The *activation time* of a plateau is
the time of its last record, when the loss leaves it.

References
----------
E. Boursier, L. Pillaud-Vivien, N. Flammarion, "Gradient flow dynamics of shallow ReLU
networks for square loss and orthogonal inputs", NeurIPS 2022.  Town et al., "Mildly
overparameterized ReLU networks on orthogonal data: incremental learning and implicit
bias", 2025.

Examples
--------
A staircase with three levels, each held for 100 time units:

>>> t = np.arange(300.0)
>>> L = np.where(t < 100, 1.0, np.where(t < 200, 0.5, 0.25))
>>> [(p.level, p.start, p.end) for p in detect_plateaus(t, L, min_duration=10)]
[(1.0, 0.0, 99.0), (0.5, 100.0, 199.0), (0.25, 200.0, 299.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["Plateau", "detect_plateaus"]


@dataclass(frozen=True)
class Plateau:
    """One plateau: its loss ``level`` (the median of its records), the times of its first
    and last records, and its record indices ``first``, ``last``."""

    level: float
    start: float
    end: float
    first: int
    last: int

    @property
    def duration(self) -> float:
        return self.end - self.start


def detect_plateaus(t, L, *, rtol=0.02, min_duration=None, floor=None) -> list:
    """The plateaus of the curve ``(t, L)`` (see the module docstring for the definition).

    Parameters
    ----------
    t : increasing times (steps or flow time) of the records
    L : the losses at those times (non-negative)
    rtol : a plateau's records stay within ``L_p (1 +- rtol)``
    min_duration : shortest plateau kept, in units of ``t`` (default: 2% of ``t[-1] - t[0]``)
    floor : plateaus below this level are dropped (default ``1e-6 * max(L)``)

    Returns
    -------
    list of :class:`Plateau`, in time order
    """
    t = np.asarray(t, dtype=float)
    L = np.asarray(L, dtype=float)
    if t.ndim != 1 or t.shape != L.shape:
        raise InputError(f"t and L must be 1-d arrays of one length, got shapes {t.shape} and {L.shape}")
    if len(t) == 0:
        return []
    if not (np.isfinite(t).all() and np.isfinite(L).all()):
        raise InputError("t and L must be finite")
    if np.any(np.diff(t) <= 0):
        raise InputError("the record times t must be strictly increasing")
    if np.any(L < 0):
        raise InputError("the losses L must be non-negative")
    if not 0 < rtol < 1:
        raise InputError(f"rtol must lie in (0, 1), got {rtol}")
    if min_duration is None:
        min_duration = 0.02 * (t[-1] - t[0])
    if floor is None:
        floor = 1e-6 * float(L.max())
    out = []
    p, n = 0, len(t)
    while p < n:
        ref = L[p]
        q = p
        while q + 1 < n and abs(L[q + 1] - ref) <= rtol * ref:
            q += 1
        # the first record may still be on the way down from the previous plateau, at the
        # edge of its own band: re-anchor at the stretch's median and extend from there
        med = float(np.median(L[p:q + 1]))
        while q + 1 < n and abs(L[q + 1] - med) <= rtol * med:
            q += 1
        if t[q] - t[p] >= min_duration and ref > floor:
            out.append(Plateau(float(np.median(L[p:q + 1])), float(t[p]), float(t[q]), p, q))
        p = q + 1
    return out
