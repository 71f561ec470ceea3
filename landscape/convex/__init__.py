"""The convex reformulation (Pilanci & Ergen 2020) with certified bounds.

Modules, one concept each: ``structure`` (cells and facets), ``assembly`` (conic forms),
``backends`` (solver candidates), ``certify`` (proven bounds), ``dual`` (separation
oracle), ``algorithms`` (cone generation, pruning, ``L*_m``), ``optimum`` (result records),
``balanced`` (networks from convex points), ``interpolation``, ``refine`` and the facade
``program`` (:class:`RegionProgram`).
"""

from . import program
from .program import *  # noqa: F401,F403

__all__ = program.__all__
