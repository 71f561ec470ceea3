r"""The symmetry of the population loss against the teacher ``I_k``: a canonical form of a
student up to symmetry, and the Young isotropy subgroup of a point (docs/theory.md,
section 8).

``F`` is invariant under ``W -> P W S^T`` for any permutation ``P`` of the student rows and
any permutation ``S`` of the first ``k`` coordinates (a joint permutation of the teacher
rows and the coordinates, which fixes ``V = I``).  Arjevani & Field classify the critical
points by their isotropy: the spurious minima of Safran & Shamir have isotropy
``Delta(S_{k-1} x S_1)`` and its relatives, which fixes the multiplicities of their Hessian
spectrum (:mod:`landscape.population.spectrum`).

>>> canonical_form(np.eye(3)[[2, 0, 1]], joint=True).tolist()
[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

References
----------
Y. Arjevani, M. Field, "Symmetry & critical points for a model shallow neural network",
Physica D 427 (2021).  B. Weisfeiler, A. Leman (1968) (colour refinement).
"""

from __future__ import annotations

import numpy as np

__all__ = ["refine_colours", "canonical_form", "row_matching", "young_isotropy", "isotropy_label"]


def refine_colours(W, row_col, col_col, movable):
    """Colour refinement (1-dimensional Weisfeiler-Leman) of the rows and columns of ``W``
    as a weighted bipartite graph, from the given colours, until the partition is stable;
    columns not ``movable`` keep their colour.  Entries are compared rounded to 6 digits,
    largest first (so that the canonical form puts matched entries on the diagonal).
    """
    n, d = W.shape
    vals = -np.round(W, 6)
    while True:
        rsig = [(row_col[i], tuple(sorted((vals[i, j], col_col[j]) for j in range(d)))) for i in range(n)]
        csig = [(col_col[j], tuple(sorted((vals[i, j], row_col[i]) for i in range(n)))) if movable[j]
                else (col_col[j], ()) for j in range(d)]
        rk = {s: r for r, s in enumerate(sorted(set(rsig)))}
        ck = {s: r for r, s in enumerate(sorted(set(csig)))}
        new_r = [rk[s] for s in rsig]
        new_c = [ck[s] for s in csig]
        if len(set(new_r)) == len(set(row_col)) and len(set(new_c)) == len(set(col_col)):
            return new_r, new_c
        row_col, col_col = new_r, new_c


def canonical_form(W, joint: bool, k: int | None = None) -> np.ndarray:
    """A representative of the orbit of ``W`` under row permutations and, with ``joint``,
    permutations of the first ``k`` columns (all columns by default).

    Exact for points whose tied rows and columns are exchanged by a symmetry (as at the
    symmetric critical points); otherwise a deterministic labelling.
    """
    W = np.asarray(W, dtype=float)
    n, d = W.shape
    if not joint:
        order = np.lexsort(np.round(W, 6).T[::-1])
        return W[order]
    k = d if k is None else k
    movable = [j < k for j in range(d)]
    row_col = [0] * n
    col_col = [0 if movable[j] else 1 + j for j in range(d)]
    while True:
        row_col, col_col = refine_colours(W, row_col, col_col, movable)
        if len(set(row_col)) == n and len(set(c for c, m in zip(col_col, movable) if m)) == k:
            break
        counts = {}
        for c in row_col:
            counts[c] = counts.get(c, 0) + 1
        tied = [c for c in sorted(counts) if counts[c] > 1]
        if tied:
            i = row_col.index(tied[0])
            row_col = [2 * c for c in row_col]
            row_col[i] -= 1
        else:
            ccount = {}
            for c, m in zip(col_col, movable):
                if m:
                    ccount[c] = ccount.get(c, 0) + 1
            c0 = min(c for c in ccount if ccount[c] > 1)
            j = next(j for j in range(d) if movable[j] and col_col[j] == c0)
            col_col = [2 * c for c in col_col]
            col_col[j] -= 1
    rows = np.argsort(row_col, kind="stable")
    first = [j for j in range(d) if movable[j]]
    cols = [first[i] for i in np.argsort([col_col[j] for j in first], kind="stable")] + \
           [j for j in range(d) if not movable[j]]
    return W[rows][:, cols]


def row_matching(A, B, tol):
    """A permutation ``P`` with ``A[P] = B`` to ``tol`` in every entry, or ``None``.

    >>> row_matching(np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2), 1e-9).tolist()
    [1, 0]
    """
    dist = np.abs(A[:, None, :] - B[None, :, :]).max(axis=-1)
    P = dist.argmin(axis=0)
    if len(set(P.tolist())) != len(P) or dist[P, np.arange(len(P))].max() > tol:
        return None
    return P


def young_isotropy(W, k, tol=1e-7):
    """The Young subgroup of joint teacher/coordinate permutations (with matching student
    row permutations) fixing ``W``, as ``(row_orbits, col_orbits)`` in the form of
    :func:`isotypic_dimensions`; ``None`` when some row orbit is not a natural one.

    Column blocks are the classes of colour refinement, kept when every transposition
    inside a class, with some row permutation, fixes ``W``.

    >>> rows, cols = young_isotropy(np.eye(4), 4)
    >>> cols
    [(0, 4)]
    """
    W = np.asarray(W, dtype=float)
    n, d = W.shape
    rc, cc = refine_colours(W, [0] * n, [0 if j < k else 1 + j for j in range(d)], [j < k for j in range(d)])
    blocks = {}
    for j in range(k):
        blocks.setdefault(cc[j], []).append(j)
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept, mover = [], {}
    for members in blocks.values():
        ok = True
        perms = []
        for a, b in zip(members, members[1:]):
            swap = list(range(d))
            swap[a], swap[b] = b, a
            P = row_matching(W[:, swap], W, tol)
            if P is None:
                ok = False
                break
            perms.append(P)
        if ok:
            kept.append(members)
            for P in perms:
                for i in range(n):
                    if P[i] != i:
                        parent[find(i)] = find(int(P[i]))
                        mover.setdefault(i, set()).add(len(kept) - 1)
                        mover.setdefault(int(P[i]), set()).add(len(kept) - 1)
        else:
            kept.extend([[j] for j in members])
    col_orbits = [(b, len(m)) if len(m) > 1 else (None, 1) for b, m in enumerate(kept)]
    col_orbits += [(None, 1)] * (d - k)
    orbits = {}
    for i in range(n):
        orbits.setdefault(find(i), []).append(i)
    row_orbits = []
    for members in orbits.values():
        if len(members) == 1:
            row_orbits.append((None, 1))
            continue
        movers = set().union(*(mover.get(i, set()) for i in members))
        if len(movers) != 1:
            return None
        b = movers.pop()
        if len(members) != len(kept[b]):
            return None
        row_orbits.append((b, len(members)))
    return row_orbits, col_orbits


def isotropy_label(W, k) -> str | None:
    """The Young isotropy of ``W`` as text, e.g. ``"S_9 x S_1"`` (factors of the first ``k``
    coordinates, largest first), or ``None`` (see :func:`young_isotropy`).

    >>> isotropy_label(np.eye(3), 3), isotropy_label(np.eye(3, 5), 3)
    ('S_3', 'S_3')
    """
    iso = young_isotropy(W, k)
    if iso is None:
        return None
    d = np.asarray(W).shape[1]
    sizes = sorted((size for _, size in iso[1][: len(iso[1]) - (d - k)]), reverse=True)
    return " x ".join(f"S_{m}" for m in sizes)

