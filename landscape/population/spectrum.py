r"""Rigorous clusters of Hessian eigenvalues, with multiplicities, and the multiplicities
the symmetry predicts (docs/theory.md, sections 8 and 9).

Enclosing the spectrum of a symmetric ball matrix
-------------------------------------------------
Let ``J`` be a ball matrix containing a symmetric matrix ``A`` (the Hessian at a proven
critical point) and ``Q`` the float eigenvectors of its midpoint.  ``C = Q^T J Q`` (ball
arithmetic) contains ``Q^T A Q``, which is nearly diagonal, and by Ostrowski's theorem
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
from flint import arb, arb_mat

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


def _down(x: arb) -> float:
    return float(np.nextafter(float(x.lower()), -np.inf))


def _up(x: arb) -> float:
    return float(np.nextafter(float(x.upper()), np.inf))


def enclose_spectrum(J: arb_mat, basis=None) -> list[Cluster] | None:
    """Disjoint intervals with multiplicities holding every eigenvalue of every symmetric
    matrix in the ball matrix ``J``, lowest first; ``None`` if ``Q^T Q`` is too far from ``I``.

    ``basis``: ``(eigenvalues, Q)`` of a float matrix close to ``J`` (by default the
    midpoint of ``J``); any ``Q`` gives valid bounds, a good one narrow bounds.

    >>> import numpy as np
    >>> J = arb_mat([[2.0, 1.0], [1.0, 2.0]])
    >>> [(round(c.lower, 9), round(c.upper, 9), c.multiplicity) for c in enclose_spectrum(J)]
    [(1.0, 1.0, 1), (3.0, 3.0, 1)]
    """
    N = J.nrows()
    if basis is None:
        mid = np.array([float(x.mid()) for x in J.entries()]).reshape(N, N)
        basis = np.linalg.eigh(0.5 * (mid + mid.T))
    lam, Q = basis
    Qa = arb_mat(Q.tolist())
    Qt = Qa.transpose()
    C = (Qt * J * Qa).entries()
    G = (Qt * Qa).entries()
    eta = max(sum(((G[i * N + j] - (1 if i == j else 0)).abs_upper() for j in range(N)), arb(0))
              for i in range(N))
    if not eta < 1:
        return None
    discs = []
    for i in range(N):
        r = sum((C[i * N + j].abs_upper() for j in range(N) if j != i), arb(0))
        discs.append(((C[i * N + i] - r).lower(), (C[i * N + i] + r).upper(), lam[i]))
    discs.sort(key=lambda t: float(t[0].mid()))
    comps = []  # [lo, hi, [float eigenvalues]]
    for lo, hi, ev in discs:
        if comps and not lo > comps[-1][1]:
            if hi > comps[-1][1]:
                comps[-1][1] = hi
            comps[-1][2].append(ev)
        else:
            comps.append([lo, hi, [ev]])
    lo_t, hi_t = 1 - eta, 1 + eta
    out = []
    for lo, hi, evs in comps:
        lower = (lo / hi_t) if lo >= 0 else (lo / lo_t)
        upper = (hi / lo_t) if hi >= 0 else (hi / hi_t)
        out.append(Cluster(_down(lower), _up(upper), len(evs), float(np.mean(evs))))
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
