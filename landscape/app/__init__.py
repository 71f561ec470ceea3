"""The application layer: commands, reports, the results store, sweeps and claims."""

from . import reports
from . import store
from . import sweep
from . import claims
from . import summary
from .reports import *  # noqa: F401,F403
from .store import *  # noqa: F401,F403
from .sweep import *  # noqa: F401,F403
from .claims import *  # noqa: F401,F403
from .summary import *  # noqa: F401,F403

__all__ = reports.__all__ + store.__all__ + sweep.__all__ + claims.__all__ + summary.__all__
