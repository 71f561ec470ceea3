r"""The certified solve cache over supports: ``V(S)`` and face programmes, solved once.

Every classification and proportion is decided by certified bounds on ``V(S)``
(docs/theory.md, section 3), and the same support recurs across widths, proportions and
samples.  :class:`SolveCache` keys each solve by its sorted support (and, for a face
programme, by the cone and its neighbour) and counts the solves, which the progress
display reports.

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> cache = SolveCache(RegionProgram(Dataset.from_arrays([[1, 0], [0, 1]], [1, -1]), "1/10"))
>>> cache.V([3, 0]) is cache.V((0, 3)), cache.solves
(True, 1)
>>> cache.empty_value()
Fraction(1, 1)
"""

from __future__ import annotations

import itertools
import weakref
from fractions import Fraction

from ..convex.batch import solve_many
from ..convex.pool import POOL_MIN, SolvePool
from ..exact.arithmetic import GAP_TOL

__all__ = ["SolveCache", "certified_tol", "USABLE"]

#: solver statuses whose proven bounds are used (the bounds hold whatever the status)
USABLE = ("optimal", "optimal_inaccurate")


def certified_tol(value):
    """The tolerance within which two certified values count as equal: ``GAP_TOL (1 + |v|)``.

    >>> certified_tol(Fraction(1)) == 2 * Fraction(GAP_TOL)
    True
    """
    return Fraction(GAP_TOL) * (1 + abs(value))


def _key(cones):
    return tuple(sorted(set(int(c) for c in cones)))


class SolveCache:
    """Certified ``V(S)`` and face-programme solves of one :class:`RegionProgram`, cached.

    Parameters
    ----------
    prog : RegionProgram
    on_solve : callable, optional
        Called with no argument after every new solve (progress display).
    workers : int
        With more than one, a :meth:`prefetch` of at least
        :data:`~landscape.convex.pool.POOL_MIN` supports is spread over that many processes
        (a :class:`~landscape.convex.pool.SolvePool`, started on first use).
    """

    def __init__(self, prog, on_solve=None, workers=1):
        self.prog = prog
        self.on_solve = on_solve
        self.workers = int(workers)
        self._pool = None
        self._solves = {}
        self._faces = {}
        self.solves = 0

    def _tick(self):
        self.solves += 1
        if self.on_solve is not None:
            self.on_solve()

    def V(self, cones):
        """Certified optimum of ``V(S)`` (a :class:`~landscape.convex.program.RegionProgram`
        result), solved by :func:`~landscape.convex.batch.solve_many` (the compiled path,
        with the exact path as its fallback).

        Every support is solved on its own, never answered from a cached subset's optimum:
        when ``V(S)`` has several minimisers, the interior-point solution lies in the
        relative interior of the optimal set (the largest support), and the classification
        of a region depends on that support (a subset's minimiser has zero neurons that
        other minimisers need not have).  So a result does not depend on the order in which
        supports were asked for.
        """
        key = _key(cones)
        if key not in self._solves:
            self._solves[key] = solve_many(self.prog, [key])[0]
            self._tick()
        return self._solves[key]

    def prefetch(self, supports):
        """Solve the supports among ``supports`` that are not cached yet, all in one
        :func:`~landscape.convex.batch.solve_many` call (over a pool of processes when
        there are many and ``workers > 1``); the answers are those :meth:`V` would give.
        Returns ``supports`` as a list, so that a loop can prefetch what it is about to ask
        for."""
        supports = list(supports)
        todo = list(dict.fromkeys(k for k in map(_key, supports) if k and k not in self._solves))
        if self.workers > 1 and len(todo) >= POOL_MIN:
            if self._pool is None:
                self._pool = SolvePool(self.prog, self.workers)
                weakref.finalize(self, self._pool.close)
            opts = self._pool.solve_many(todo)
        else:
            opts = solve_many(self.prog, todo)
        for key, opt in zip(todo, opts):
            self._solves[key] = opt
            self._tick()
        return supports

    def prefetched(self, supports, chunk=None):
        """Iterate over ``supports`` (any iterable), prefetching ``chunk`` at a time (default
        1024, or enough to keep every worker busy)."""
        chunk = chunk or (1024 if self.workers == 1 else POOL_MIN * self.workers)
        it = iter(supports)
        while True:
            block = list(itertools.islice(it, chunk))
            if not block:
                return
            yield from self.prefetch(block)

    def V_face(self, cones, c, nb):
        """Certified ``V(S)`` with ``u_c`` restricted to the facet shared with cone ``nb``."""
        key = (_key(cones), int(c), int(nb))
        if key not in self._faces:
            self._faces[key] = self.prog.solve(key[0], faces={key[1]: key[2]})
            self._tick()
        return self._faces[key]

    def cached(self, cones):
        """The cached solve of ``cones``, or None (no solving)."""
        return self._solves.get(_key(cones))

    def empty_value(self):
        """``V(empty) = |y|^2 / n``, exact."""
        y = self.prog.ds.y_exact
        return sum((v * v for v in y), Fraction(0)) / len(y)

    def lower(self, cones):
        """Proven lower bound on ``V(S)`` (exact for the empty support)."""
        return self.V(cones).lower if len(cones) else self.empty_value()
