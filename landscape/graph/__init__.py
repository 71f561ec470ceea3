"""The region adjacency graph: descent edges, basins, benign shares."""

from . import adjacency
from .adjacency import *  # noqa: F401,F403

__all__ = adjacency.__all__
