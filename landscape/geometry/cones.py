"""Signed cones: cone ``c`` is cell ``c // 2`` with sign ``+1`` for even ``c`` and ``-1`` for odd
``c`` (docs/theory.md, section 1).

>>> [(cone_cell(c), cone_sign(c)) for c in range(4)]
[(0, 1), (0, -1), (1, 1), (1, -1)]
"""

__all__ = ["cone_sign", "cone_cell"]


def cone_sign(c: int) -> int:
    """Sign of signed cone ``c``: ``+1`` for even ``c``, ``-1`` for odd.

    >>> cone_sign(4), cone_sign(5), cone_cell(5)
    (1, -1, 2)
    """
    return 1 if c % 2 == 0 else -1


def cone_cell(c: int) -> int:
    """Cell of signed cone ``c`` (``c // 2``)."""
    return c // 2
