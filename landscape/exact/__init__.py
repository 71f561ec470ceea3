"""Exact helpers: rational square-root bounds, the 2^-k grid, integer data arithmetic."""

from . import arithmetic
from .arithmetic import *  # noqa: F401,F403

__all__ = arithmetic.__all__
