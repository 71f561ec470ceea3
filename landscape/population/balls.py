r"""Ball matrices as float64 midpoint and radius arrays, with rigorous products computed by
BLAS (docs/theory.md, section 9).

A ball matrix ``(M, R)`` stands for every real matrix ``A`` with ``|A - M| <= R``
entrywise.  The product of two ball matrices is enclosed as in Rump's midpoint-radius
arithmetic: with ``C = fl(M_1 M_2)`` computed in round-to-nearest by any BLAS (any order of
summation, with or without fused multiply-add),

    |fl(M_1 M_2) - M_1 M_2| <= gamma_N |M_1| |M_2|,   gamma_N = N u / (1 - N u),  u = 2^-53

(Higham, *Accuracy and stability of numerical algorithms*, 2nd ed., section 3.5), so

    R = gamma_N |M_1| |M_2| + |M_1| R_2 + R_1 (|M_2| + R_2)

encloses the product.  ``R`` is itself a sum of products of non-negative matrices computed
in floating point; its true value exceeds the computed one by a relative ``(N + 3) u`` at
most, which :data:`SAFE` (``1 + 1e-10``) covers for ``N`` up to ``10^5``, and
:data:`TINY` covers underflow.  This replaces ``arb_mat`` products (a second per product
of size 400) by BLAS calls (milliseconds).

>>> import numpy as np
>>> M, R = matmul(np.eye(2), np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.full((2, 2), 0.5))
>>> M.tolist(), bool((R >= 0.5).all() and (R < 0.5 + 1e-9).all())
([[1.0, 2.0], [3.0, 4.0]], True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["U", "SAFE", "TINY", "from_arb", "matmul", "lower", "upper"]

#: unit roundoff of float64
U = 2.0 ** -53
#: factor covering the rounding of computed bounds (non-negative sums of products)
SAFE = 1.0 + 1e-10
#: absolute term covering underflow in computed bounds
TINY = 1e-300


def from_arb(M):
    """``(mid, rad)`` float arrays enclosing the :class:`flint.arb_mat` ``M``."""
    N, K = M.nrows(), M.ncols()
    entries = M.entries()
    mid = np.array([float(x.mid()) for x in entries]).reshape(N, K)
    rad = np.array([float(x.rad()) for x in entries]).reshape(N, K)
    # float() rounds to nearest: widen by the conversion errors of both parts
    return mid, (rad * (1 + 4 * U) + 2 * U * np.abs(mid)) * SAFE + TINY


def matmul(M1, R1, M2, R2):
    """An enclosure ``(M, R)`` of the product of the ball matrices ``(M1, R1)`` and ``(M2, R2)``."""
    n = M1.shape[-1]
    gamma = n * U / (1 - n * U)
    C = M1 @ M2
    A1, A2 = np.abs(M1), np.abs(M2)
    R = gamma * (A1 @ A2) + A1 @ R2 + R1 @ (A2 + R2)
    return C, R * SAFE + TINY


def lower(x):
    """A float at or below the exact value of a float expression just computed as ``x`` with
    one rounding (a sum, difference, product or quotient: the exact value is within one ulp)."""
    return np.nextafter(np.nextafter(x, -np.inf), -np.inf)


def upper(x):
    """A float at or above the exact value (see :func:`lower`)."""
    return np.nextafter(np.nextafter(x, np.inf), np.inf)
