"""Exact rational linear algebra on python-flint matrices: null spaces, particular
solutions and ranks (used by the certificates of docs/theory.md, sections 3 and 4).

Examples
--------
>>> from fractions import Fraction
>>> M = fq_mat([[1, 1, 0]])
>>> nullspace(M, 3)
[[Fraction(-1, 1), Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(0, 1), Fraction(1, 1)]]
>>> particular_solution(fq_mat([[2, 0], [0, 4]]), [1, 1])
[Fraction(1, 2), Fraction(1, 4)]
>>> exact_rank([[1, 2], [2, 4]])
1
"""

from __future__ import annotations

from fractions import Fraction

import flint

__all__ = ["fq", "fq_mat", "nullspace", "particular_solution", "exact_rank"]


def fq(x) -> "flint.fmpq":
    """A rational (int, Fraction or fmpq) as a flint ``fmpq``."""
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def fq_mat(rows) -> "flint.fmpq_mat":
    """A nested list of rationals as a flint ``fmpq_mat``."""
    return flint.fmpq_mat([[fq(v) for v in r] for r in rows])


def _row(R, i, ncols):
    return [Fraction(int(R[i, j].p), int(R[i, j].q)) for j in range(ncols)]


def nullspace(M, dim) -> list:
    """Exact basis of ``{u : M u = 0}`` (``M`` an ``fmpq_mat`` with ``dim`` columns), as
    lists of Fractions: one basis vector per free column of the reduced row echelon form."""
    R, rank = M.rref()
    rows = [_row(R, i, dim) for i in range(rank)]
    pivots = [next(j for j in range(dim) if rows[i][j] != 0) for i in range(rank)]
    basis = []
    for f in (j for j in range(dim) if j not in pivots):
        v = [Fraction(0)] * dim
        v[f] = Fraction(1)
        for i, pj in enumerate(pivots):
            v[pj] = -rows[i][f]
        basis.append(v)
    return basis


def particular_solution(M, e):
    """Exact ``z`` with ``M z = e`` (``M`` an ``fmpq_mat``, ``e`` rationals), or None if the
    system is inconsistent; free unknowns are set to zero."""
    nr, nc = M.nrows(), M.ncols()
    aug = flint.fmpq_mat(nr, nc + 1)
    for i in range(nr):
        for j in range(nc):
            aug[i, j] = M[i, j]
        aug[i, nc] = fq(e[i])
    R, rank = aug.rref()
    z = [Fraction(0)] * nc
    for i in range(rank):
        row = _row(R, i, nc + 1)
        piv = next(j for j in range(nc + 1) if row[j] != 0)
        if piv == nc:
            return None
        z[piv] = row[nc]
    return z


def exact_rank(vectors) -> int:
    """Exact rank of a list of rational vectors (0 for an empty list)."""
    return fq_mat(vectors).rank() if vectors else 0
