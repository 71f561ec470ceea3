"""The convex reformulation (Pilanci & Ergen 2020) with certified bounds (docs/theory.md,
section 3).

Modules, one concept each:

* ``structure`` -- cells, facet rows and shared facets of a dataset (:class:`ConeStructure`);
* ``assembly`` -- conic forms of ``V(S)``, face programmes and interpolation;
* ``backends`` -- Clarabel / cvxpy candidates, one status map each (:class:`Candidate`);
* ``certify`` -- candidate -> proven ``lower <= V(S) <= upper``;
* ``dual`` -- the dual separation oracle (one cone, a batch, all cones exactly);
* ``algorithms`` -- retry, cone generation, pruning, ``L*_m``;
* ``validated`` -- interval Newton (Krawczyk) certificates of face critical points (section 9);
* ``optimum`` -- the exact result records; ``balanced`` -- networks from convex points;
* ``interpolation`` -- the min-norm interpolator; ``refine`` -- Newton polishing;
* ``program`` -- the facade :class:`RegionProgram`;
* ``batch`` -- :func:`solve_many`, certified ``V(S)`` for many supports at once, over the
  compiled ``ipm`` (a batched interior-point solver: candidates for many small ``V(S)`` in one
  call) and ``float_bounds`` (validated float certificates); ``pool`` -- :class:`SolvePool`,
  the same over several processes; ``cone_projection`` -- the compiled dual screen.  The
  compiled modules load numba and are imported on first use.
"""

from . import (algorithms, assembly, backends, balanced, batch, certify, dual, interpolation, optimum, pool, program, refine,
               structure, validated)
from .algorithms import *  # noqa: F401,F403
from .assembly import *  # noqa: F401,F403
from .backends import *  # noqa: F401,F403
from .balanced import *  # noqa: F401,F403
from .batch import *  # noqa: F401,F403
from .certify import *  # noqa: F401,F403
from .dual import *  # noqa: F401,F403
from .interpolation import *  # noqa: F401,F403
from .optimum import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .program import *  # noqa: F401,F403
from .refine import *  # noqa: F401,F403
from .structure import *  # noqa: F401,F403
from .validated import *  # noqa: F401,F403

__all__ = sorted(set().union(*(m.__all__ for m in (algorithms, assembly, backends, balanced, batch, certify, dual,
                                                  interpolation, optimum, pool, program, refine, structure, validated))))
