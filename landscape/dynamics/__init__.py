"""Gradient descent and flow, with the regions crossed and a certified endpoint."""

from . import training
from .training import *  # noqa: F401,F403

__all__ = training.__all__
