"""The width-m landscape: regions, their classes, proportions and counterexamples."""

from . import landscape
from . import counterexample
from . import verdict
from .landscape import *  # noqa: F401,F403
from .counterexample import *  # noqa: F401,F403
from .verdict import *  # noqa: F401,F403

__all__ = landscape.__all__ + counterexample.__all__ + verdict.__all__
