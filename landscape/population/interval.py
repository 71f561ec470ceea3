r"""The population loss, its gradient and its Hessian in ball arithmetic (python-flint ``arb``).

The formulas are those of :mod:`landscape.population.kernel` (docs/theory.md, section 8),
evaluated on a *box* of students: every entry of ``W`` is an :class:`flint.arb` ball, and
every result is a ball (or a matrix of balls) that contains the exact value at every
point of the box.  Teachers are exact (floats are exact binary rationals).

Two places need care to stay rigorous.

* ``sin t`` is computed as ``|p|`` with ``p = vh - (u . vh) u`` (an identity of the exact
  vectors), the angle as ``atan2(|p|, u . vh)``, so no ``arccos`` of a ball leaving [-1, 1].
* Near parallel rows (``|p|`` small against its own width) the quotients ``p p^T / |p|``
  and ``p q^T / |p|`` of the Hessian are replaced by the bound ``[-s, s]`` on each entry
  (``|p_a q_b| <= |p| |q| = s^2``), and by ``[0, s]`` on the diagonal of ``p p^T / s``:
  this is how the Hessian is enclosed on a box around the global minimum ``W = V``, where
  the kernel is twice but not three times differentiable.

>>> from flint import arb
>>> V = [[1.0, 0.0], [0.0, 1.0]]
>>> interval_loss(student_box(V), V).contains(0)
True
>>> H = interval_hessian(student_box(V, 1e-12), V)  # on a box around the global minimum
>>> H[0, 0].contains(0.5), H[0, 2].contains(0.25), float(H[0, 0].rad()) < 1e-10
(True, True, True)

References
----------
F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
IEEE Trans. Computers 66 (2017).  I. Safran, O. Shamir, ICML 2018 (the loss).
"""

from __future__ import annotations

from flint import arb, arb_mat

__all__ = ["student_box", "interval_kernel_sum", "interval_loss", "interval_gradient", "interval_hessian"]


def student_box(W, radius=0.0):
    """The box of students ``W + [-radius, radius]^{n x d}`` as rows of :class:`flint.arb` balls.

    >>> b = student_box([[0.5, 1.0]], 0.25)[0][0]
    >>> b.contains(0.25), b.contains(0.75), b.contains(0.76)
    (True, True, False)
    """
    r = arb(radius)
    return [[arb(float(x)) + arb(0, r) if radius else arb(float(x)) for x in row] for row in W]


def _column(values):
    m = arb_mat(len(values), 1)
    for a, x in enumerate(values):
        m[a, 0] = x
    return m


def _norm(col):
    return (col.transpose() * col)[0, 0].nonnegative_part().sqrt()


class _Rows:
    """Norms and unit directions of rows given as balls."""

    def __init__(self, rows):
        self.raw = [_column(r) for r in rows]
        self.norm = [_norm(c) for c in self.raw]
        self.unit = [c * (1 / nrm) for c, nrm in zip(self.raw, self.norm)]


def _pair(u, bh):
    """``c = u . bh``, ``p = bh - c u``, ``s = |p|`` (the sine) and the angle ``t``."""
    c = (u.transpose() * bh)[0, 0]
    p = bh - u * c
    s = _norm(p)
    return c, p, s, arb.atan2(s, c)


def _small(s) -> bool:
    """``s`` too close to 0, against its own width, for a quotient by it."""
    return not (s.lower() > 16 * s.rad())


def _quotient(p, q, s, d, symmetric):
    """``p q^T / s`` for two vectors of length ``s``, or its entrywise bound near ``s = 0``."""
    if not _small(s):
        return (p * q.transpose()) * (1 / s)
    hi = s.upper()
    out = arb_mat(d, d)
    for a in range(d):
        for b in range(d):
            out[a, b] = arb(hi / 2, hi / 2) if (symmetric and a == b) else arb(0, hi)
    return out


def _eye(d, scale=1):
    m = arb_mat(d, d)
    for a in range(d):
        m[a, a] = arb(scale)
    return m


def _partners(students, teachers):
    """For each student ``i``: the list of ``(sign, partner norm, partner unit, raw partner)``."""
    n = len(students.raw)
    for i in range(n):
        out = [(1, students.norm[j], students.unit[j], students.raw[j]) for j in range(n) if j != i]
        out += [(-1, teachers.norm[j], teachers.unit[j], teachers.raw[j]) for j in range(len(teachers.raw))]
        yield i, out


def _kernel(rows_a, i, rows_b, j):
    """The arc-cosine kernel of row ``i`` of ``rows_a`` and row ``j`` of ``rows_b``."""
    c, _, s, t = _pair(rows_a.unit[i], rows_b.unit[j])
    return rows_a.norm[i] * rows_b.norm[j] * (s + (arb.pi() - t) * c) / (2 * arb.pi())


def interval_kernel_sum(u, rows):
    """A ball containing ``sum_j k(u, b_j)`` for the exact vector ``u`` and every choice of
    rows ``b_j`` in the balls ``rows``.

    >>> interval_kernel_sum([1.0, 0.0], [[1.0, 0.0]]).contains(0.5)
    True
    """
    U, B = _Rows([[arb(float(x)) for x in u]]), _Rows(rows)
    return sum((_kernel(U, 0, B, j) for j in range(len(rows))), arb(0))


def interval_loss(Wb, V):
    """A ball containing ``F(W)`` for every ``W`` in the box ``Wb``."""
    S, T = _Rows(Wb), _Rows([[arb(float(x)) for x in row] for row in V])
    k = _kernel

    n, m = len(S.raw), len(T.raw)
    total = sum((S.norm[i] ** 2 / 4 for i in range(n)), arb(0))
    total += sum((T.norm[j] ** 2 / 4 for j in range(m)), arb(0))
    total += sum((k(S, i, S, j) for i in range(n) for j in range(i + 1, n)), arb(0))
    total += sum((k(T, i, T, j) for i in range(m) for j in range(i + 1, m)), arb(0))
    total -= sum((k(S, i, T, j) for i in range(n) for j in range(m)), arb(0))
    return total


def interval_gradient(Wb, V):
    """The gradient on ``vec(W)`` (row-major) as an ``n d x 1`` ball matrix over the box."""
    pi2 = 2 * arb.pi()
    S, T = _Rows(Wb), _Rows([[arb(float(x)) for x in row] for row in V])
    n, d = len(Wb), len(Wb[0])
    out = arb_mat(n * d, 1)
    for i, partners in _partners(S, T):
        g = S.raw[i] * arb(0.5)
        for sign, nb, bh, b in partners:
            _, _, s, t = _pair(S.unit[i], bh)
            term = (S.unit[i] * (nb * s) + b * (arb.pi() - t)) * (1 / pi2)
            g = g + term if sign > 0 else g - term
        for a in range(d):
            out[i * d + a, 0] = g[a, 0]
    return out


def interval_hessian(Wb, V):
    """The Hessian on ``vec(W)`` as an ``n d x n d`` ball matrix over the box ``Wb``."""
    pi = arb.pi()
    pi2 = 2 * pi
    S, T = _Rows(Wb), _Rows([[arb(float(x)) for x in row] for row in V])
    n, d = len(Wb), len(Wb[0])
    blocks = {}
    for i, partners in _partners(S, T):
        u = S.unit[i]
        a = arb(0)
        acc = arb_mat(d, d)
        for sign, nb, bh, _ in partners:
            _, p, s, _ = _pair(u, bh)
            alpha = nb / (pi2 * S.norm[i])
            a = a + alpha * s if sign > 0 else a - alpha * s
            term = _quotient(p, p, s, d, True) * alpha
            acc = acc + term if sign > 0 else acc - term
        blocks[i, i] = _eye(d, arb(0.5)) + (_eye(d) - u * u.transpose()) * a + acc
    for i in range(n):
        for j in range(i + 1, n):
            ui, uj = S.unit[i], S.unit[j]
            c, p, s, t = _pair(ui, uj)
            q = ui - uj * c  # the p of the pair (j, i), also of length s
            m = (_eye(d, pi - t) + (ui * uj.transpose()) * s + _quotient(p, q, s, d, False)) * (1 / pi2)
            blocks[i, j] = m
            blocks[j, i] = m.transpose()
    H = arb_mat(n * d, n * d)
    for (i, j), blk in blocks.items():
        for a in range(d):
            for b in range(d):
                H[i * d + a, j * d + b] = blk[a, b]
    return H
