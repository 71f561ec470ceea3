"""A finite network: its loss and the exact pointwise local-minimum test."""

from . import pointwise
from .pointwise import *  # noqa: F401,F403

__all__ = pointwise.__all__
