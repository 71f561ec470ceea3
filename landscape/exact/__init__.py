"""Exact helpers: rational square-root bounds, the 2^-k grid, integer data arithmetic and
exact rational linear algebra."""

from . import arithmetic, linalg
from .arithmetic import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403

__all__ = arithmetic.__all__ + linalg.__all__
