r"""Rigorous clusters of Hessian eigenvalues, with multiplicities, and the multiplicities
the symmetry predicts (docs/theory.md, sections 8 and 9).

Enclosing the spectrum of a symmetric ball matrix
-------------------------------------------------
Let ``J`` be a ball matrix containing a symmetric matrix ``A`` (the Hessian at a proven
critical point) and ``Q`` the float eigenvectors of its midpoint.  ``C = Q^T J Q`` (ball
products, :mod:`landscape.population.balls`) contains ``Q^T A Q``, which is nearly diagonal, and by Ostrowski's theorem
``lambda_i(Q^T A Q) = theta_i lambda_i(A)`` with ``theta_i`` between the extreme eigenvalues of
``Q^T Q``, i.e. in ``[1 - eta, 1 + eta]`` with ``eta >= ||Q^T Q - I||_inf``.  Gershgorin's
theorem on ``C`` (a connected union of ``m`` discs disjoint from the others holds exactly
``m`` eigenvalues) then gives disjoint intervals, each with its multiplicity, that hold all
eigenvalues of ``A``.

Isotypic multiplicities (Arjevani & Field)
------------------------------------------
At a point fixed by the diagonal action of ``S_k`` on ``R^{k x k}`` (``n = d = k``, teacher
``I``, e.g. the global minimum ``W = I``) the Hessian commutes with the action, and
``R^{k x k} = M (x) M`` (``M`` the permutation representation) splits as
``2 [k] + 3 [k-1, 1] + [k-2, 2] + [k-2, 1, 1]``: the Hessian has at most 7 distinct
eigenvalues, of multiplicities ``1, 1, k-1, k-1, k-1, k(k-3)/2, (k-1)(k-2)/2`` (some may
coincide, as at ``W = I`` where ``(pi - 2)/(4 pi)`` has multiplicity ``k(k-3)/2 + k - 1``).

>>> sorted(symmetric_isotypic_dimensions(10))
[1, 1, 9, 9, 9, 35, 36]
>>> isotypic_assignment([44, 9, 36, 1, 9, 1], symmetric_isotypic_dimensions(10)) is not None
True
>>> isotypic_assignment([50, 50], symmetric_isotypic_dimensions(10)) is None
True

References
----------
Y. Arjevani, M. Field, "Analytic characterization of the Hessian in shallow ReLU models:
a tale of symmetry", NeurIPS 2020.  A. Ostrowski, "A quantitative formulation of
Sylvester's law of inertia", PNAS 45 (1959).  S. Gershgorin (1931).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .balls import SAFE, TINY, lower, matmul, upper

__all__ = ["Cluster", "enclose_spectrum", "float_clusters", "isotypic_dimensions", "symmetric_isotypic_dimensions",
           "isotypic_assignment"]


@dataclass(frozen=True)
class Cluster:
    """An interval ``[lower, upper]`` holding exactly ``multiplicity`` eigenvalues
    (``center``: the mean of the float eigenvalues of the midpoint in it)."""

    lower: float
    upper: float
    multiplicity: int
    center: float

    def to_json_obj(self):
        return {"lower": self.lower, "upper": self.upper, "multiplicity": self.multiplicity,
                "center": self.center}


def enclose_spectrum(mid, rad, basis=None) -> list[Cluster] | None:
    """Disjoint intervals with multiplicities holding every eigenvalue of every symmetric
    matrix ``A`` with ``|A - mid| <= rad``, lowest first; ``None`` if ``Q^T Q`` is too far
    from ``I``.  Products are enclosed with :func:`landscape.population.balls.matmul`.

    ``basis``: ``(eigenvalues, Q)`` of a float matrix close to ``mid`` (by default ``mid``
    itself); any ``Q`` gives valid bounds, a good one narrow bounds.

    >>> import numpy as np
    >>> A = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> [(round(c.lower, 9), round(c.upper, 9), c.multiplicity) for c in enclose_spectrum(A, np.zeros((2, 2)))]
    [(1.0, 1.0, 1), (3.0, 3.0, 1)]
    """
    N = len(mid)
    lam, Q = np.linalg.eigh(0.5 * (mid + mid.T)) if basis is None else basis
    zero = np.zeros_like(Q)
    Pm, Pr = matmul(mid, rad, Q, zero)
    Cm, Cr = matmul(Q.T, zero, Pm, Pr)
    Gm, Gr = matmul(Q.T, zero, Q, zero)
    off = np.abs(Gm - np.eye(N)) + Gr  # Gm - I is exact on the diagonal (Sterbenz), else Gm
    eta = float(upper(off.sum(axis=1).max() * SAFE))
    if not eta < 1:
        return None
    absC = np.abs(Cm) + Cr
    np.fill_diagonal(absC, 0.0)
    radius = upper((absC.sum(axis=1) + np.diag(Cr)) * SAFE + TINY)  # off-diagonal sums and the own radius
    d = np.diag(Cm)
    lo, hi = lower(d - radius), upper(d + radius)
    order = np.argsort(lo, kind="stable")
    comps = []  # [lo, hi, [float eigenvalues]]
    for i in order:
        if comps and not lo[i] > comps[-1][1]:
            comps[-1][1] = max(comps[-1][1], hi[i])
            comps[-1][2].append(lam[i])
        else:
            comps.append([lo[i], hi[i], [lam[i]]])
    t_lo, t_hi = float(lower(1 - eta)), float(upper(1 + eta))
    out = []
    for a, b, evs in comps:
        low = lower(a / t_hi) if a >= 0 else lower(a / t_lo)
        high = upper(b / t_lo) if b >= 0 else upper(b / t_hi)
        out.append(Cluster(float(low), float(high), len(evs), float(np.mean(evs))))
    return out


def float_clusters(eigenvalues, rtol=1e-6, atol=1e-9):
    """Group sorted float eigenvalues into ``(mean, multiplicity)`` clusters.

    >>> float_clusters([1.0, 1.0 + 1e-12, 2.5, 2.0])
    [(1.0000000000005, 2), (2.0, 1), (2.5, 1)]
    """
    ev = np.sort(np.asarray(eigenvalues, dtype=float))
    groups = []
    for x in ev:
        if groups and abs(x - groups[-1][-1]) <= atol + rtol * abs(x):
            groups[-1].append(x)
        else:
            groups.append([x])
    return [(float(np.mean(g)), len(g)) for g in groups]


def _std_square(m):
    """``std (x) std`` for ``S_m`` as ``{irrep: multiplicity}`` (``m >= 2``)."""
    if m == 2:
        return {"triv": 1}
    if m == 3:
        return {"triv": 1, "std": 1, "sgn": 1}
    return {"triv": 1, "std": 1, "[m-2,2]": 1, "[m-2,1,1]": 1}


def _irrep_dim(name, m):
    return {"triv": 1, "std": m - 1, "sgn": 1, "[m-2,2]": m * (m - 3) // 2, "[m-2,1,1]": (m - 1) * (m - 2) // 2}[name]


def isotypic_dimensions(row_blocks, col_blocks):
    """Dimensions of the isotypic pieces of ``R^{n x d}``, one entry per copy of an irreducible,
    under a Young subgroup ``prod_B S_B`` acting on rows and on columns by permutations.

    ``col_blocks`` (and ``row_blocks``): for each orbit, the index of the factor ``S_B`` that
    acts on it naturally, or ``None`` for a fixed point; factor ``B`` has size
    ``len`` of its column orbit.  ``R^{n x d} = rho_row (x) rho_col`` with each natural orbit
    ``1 + std_B``, and ``std_B (x) std_B`` decomposed as for ``S_m``.

    >>> sorted(isotypic_dimensions([(0, 5)], [(0, 5)]))  # S_5, W = I: 2 [5] + 3 [4,1] + [3,2] + [3,1,1]
    [1, 1, 4, 4, 4, 5, 6]
    >>> sorted(isotypic_dimensions([(None, 1), (0, 4)], [(None, 1), (0, 4)]))  # S_4 x S_1
    [1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3]
    """
    sizes = {}  # factor -> its size
    for b, size in col_blocks:
        sizes[b] = size
    def counts(blocks):
        fixed = sum(1 for b, _ in blocks if b is None)
        nat = {}
        for b, _ in blocks:
            if b is not None:
                nat[b] = nat.get(b, 0) + 1
        return fixed + sum(nat.values()), nat  # trivial copies, copies of std_B
    a, r = counts(row_blocks)
    c, q = counts(col_blocks)
    pieces = {("triv",): a * c}
    for b in set(r) | set(q):
        m = sizes[b]
        if m < 2:
            continue
        pieces[("std", b)] = pieces.get(("std", b), 0) + a * q.get(b, 0) + c * r.get(b, 0)
        for name, mult in _std_square(m).items():
            key = ("triv",) if name == "triv" else (name, b)
            pieces[key] = pieces.get(key, 0) + r.get(b, 0) * q.get(b, 0) * mult
    for b in r:
        for b2 in q:
            if b != b2 and sizes[b] >= 2 and sizes[b2] >= 2:
                pieces[("std*std", b, b2)] = pieces.get(("std*std", b, b2), 0) + r[b] * q[b2]
    dims = []
    for key, mult in pieces.items():
        if key == ("triv",):
            dim = 1
        elif key[0] == "std*std":
            dim = (sizes[key[1]] - 1) * (sizes[key[2]] - 1)
        else:
            dim = _irrep_dim(key[0], sizes[key[1]])
        dims += [dim] * mult
    return [x for x in dims if x > 0]


def symmetric_isotypic_dimensions(k: int) -> list[int]:
    """Dimensions of the isotypic pieces of ``R^{k x k}`` under the diagonal ``S_k`` action,
    one entry per copy of an irreducible (``k >= 4``)."""
    return isotypic_dimensions([(0, k)], [(0, k)])


def isotypic_assignment(multiplicities, dimensions):
    """Split ``dimensions`` into groups whose sums are ``multiplicities`` (in order), or ``None``.

    A cluster of eigenvalues of an equivariant Hessian is a sum of isotypic pieces; this
    checks that the observed multiplicities are consistent with the prediction.
    """
    mult = list(multiplicities)
    if sum(mult) != sum(dimensions):
        return None
    dims = sorted(dimensions, reverse=True)
    groups = [[] for _ in mult]
    left = list(mult)

    def place(i):
        if i == len(dims):
            return all(x == 0 for x in left)
        seen = set()
        for c in range(len(mult)):
            if left[c] >= dims[i] and (left[c], len(groups[c])) not in seen:
                seen.add((left[c], len(groups[c])))
                left[c] -= dims[i]
                groups[c].append(dims[i])
                if place(i + 1):
                    return True
                left[c] += dims[i]
                groups[c].pop()
        return False

    return groups if place(0) else None
