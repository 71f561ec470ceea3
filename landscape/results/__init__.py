"""Result types: the vocabulary of statuses and verdicts, and how results are serialised."""

from . import serialize
from . import status
from . import proportion
from .serialize import *  # noqa: F401,F403
from .status import *  # noqa: F401,F403
from .proportion import *  # noqa: F401,F403

__all__ = serialize.__all__ + status.__all__ + proportion.__all__
