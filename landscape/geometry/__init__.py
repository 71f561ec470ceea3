"""Geometry of the data: the hyperplane arrangement, its cells, signed cones and measures."""

from . import arrangement
from . import measures
from . import cones
from . import cellfile
from .arrangement import *  # noqa: F401,F403
from .measures import *  # noqa: F401,F403
from .cones import *  # noqa: F401,F403
from .cellfile import *  # noqa: F401,F403

__all__ = arrangement.__all__ + measures.__all__ + cones.__all__ + cellfile.__all__
