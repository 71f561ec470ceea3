"""The former single module of :mod:`landscape.dynamics`, kept so that old import paths
(``from landscape.dynamics.training import train``) still work: import from
:mod:`landscape.dynamics` instead.

>>> from landscape.dynamics.training import train as t
>>> from landscape.dynamics import train
>>> t is train
True
"""

from .descent import *  # noqa: F401,F403
from .endpoint import *  # noqa: F401,F403
from .flow import *  # noqa: F401,F403
from .init import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .output import *  # noqa: F401,F403
from .record import *  # noqa: F401,F403
from . import descent, endpoint, flow, init, loss, output, record

__all__ = (loss.__all__ + init.__all__ + record.__all__ + descent.__all__ + flow.__all__ + endpoint.__all__
           + output.__all__)
