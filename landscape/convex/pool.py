r"""A process pool for many certified ``V(S)`` solves (docs/theory.md, section 3).

Each worker builds its own :class:`~landscape.convex.program.RegionProgram` from the
dataset and ``lam`` once (the arrangement is recomputed there, exactly), then answers
chunks of supports with :func:`~landscape.convex.batch.solve_many`.  The results are the
same certified optima as in one process; only the wall time changes.  Supports are sent in
chunks of ``chunk`` so that each worker's compiled calls stay large.

Examples
--------
>>> from landscape.data import Dataset
>>> from landscape.convex.program import RegionProgram
>>> prog = RegionProgram(Dataset.from_arrays([[1, 0], [0, 1], [1, 1]], [1, -1, 1]), "1/20")
>>> with SolvePool(prog, workers=2) as pool:
...     opts = pool.solve_many([(0, 3), (2, 5, 7), (1,)], chunk=2)
>>> [o.certified for o in opts], [o.cones for o in opts]
([True, True, True], [(0, 3), (2, 5, 7), (1,)])
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp

from ..errors import InputError

__all__ = ["SolvePool", "POOL_MIN"]

#: fewer supports than this are solved in the calling process (a pool's start-up costs more)
POOL_MIN = 4096

_WORKER = {}


def _init_worker(ds, lam, solver):
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .program import RegionProgram

    _WORKER["prog"] = RegionProgram(ds, lam, solver=solver)


def _solve_chunk(keys):
    from .batch import solve_many

    return solve_many(_WORKER["prog"], keys)


class SolvePool:
    """``workers`` processes, each with a copy of ``prog``; use as a context manager (or
    call :meth:`close`).

    Parameters
    ----------
    prog : RegionProgram
    workers : int
        At least 1.
    """

    def __init__(self, prog, workers):
        if int(workers) < 1:
            raise InputError(f"workers must be at least 1, got {workers}")
        self.prog = prog
        self.workers = int(workers)
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context(method),
                                            initializer=_init_worker, initargs=(prog.ds, prog.lam, prog.solver))

    def solve_many(self, supports, chunk=2048) -> list:
        """:func:`~landscape.convex.batch.solve_many` of ``supports``, in order, spread over
        the workers in chunks of ``chunk``."""
        keys = [self.prog.validate_cones(S) for S in supports]
        chunks = [keys[i:i + chunk] for i in range(0, len(keys), chunk)]
        out = []
        for part in self._pool.map(_solve_chunk, chunks):
            out += part
        return out

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
