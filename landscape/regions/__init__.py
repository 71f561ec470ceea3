"""The width-m landscape: regions, their classes, proportions and counterexamples."""

from . import landscape
from .landscape import *  # noqa: F401,F403

__all__ = landscape.__all__
