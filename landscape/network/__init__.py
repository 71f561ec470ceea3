"""A finite network: the exact type and its loss, reading networks, the exact pointwise
local-minimum test, the authors' stationarity test, the polish path, and validated
certificates of a nearby minimum (docs/theory.md, sections 1, 4 and 9)."""

from . import authors, io, model, nearby, pointwise, polish, stationarity
from .authors import *  # noqa: F401,F403
from .io import *  # noqa: F401,F403
from .model import *  # noqa: F401,F403
from .nearby import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .polish import *  # noqa: F401,F403
from .stationarity import *  # noqa: F401,F403

__all__ = (io.__all__ + model.__all__ + pointwise.__all__ + stationarity.__all__ + polish.__all__
           + nearby.__all__ + authors.__all__)
