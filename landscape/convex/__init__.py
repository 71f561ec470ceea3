"""The convex reformulation (Pilanci & Ergen 2020) with certified bounds."""

from . import program
from .program import *  # noqa: F401,F403

__all__ = program.__all__
