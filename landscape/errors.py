"""Exceptions raised for bad input.

Every error a user can cause by what they pass in is an :class:`InputError`.  The
command-line interface turns it into a one-line message and exit status 2.

Size limits raise :class:`TooLargeError`, which names the *Python keyword argument* that
overrides the limit (``max_cells``, ``max_supports``, ...), never a command-line flag; the
command-line interface maps the keyword to its own flag when it prints the message.

Examples
--------
>>> err = TooLargeError("cell count", 12345, 1000, "max_cells")
>>> str(err)
'cell count: estimated 12,345 exceeds the limit of 1,000; raise it with max_cells=...'
>>> err.keyword, err.estimate, err.limit
('max_cells', 12345, 1000)
>>> err.message({"max_cells": "--max-cells"})
'cell count: estimated 12,345 exceeds the limit of 1,000; raise it with --max-cells'
>>> TooLargeError("supports", 10**6, 10**4, "max_supports", alternatives=("samples",)).message({})
'supports: estimated 1,000,000 exceeds the limit of 10,000; raise it with max_supports=..., or use samples=...'
"""

__all__ = ["InputError", "TooLargeError"]


#: default size limits, defined once (light to import: the CLI shows them in its help);
#: each is a keyword argument of the function that enforces it
DEFAULT_MAX_CELLS = 2_000_000  # cells of an arrangement (geometry.enumerate_cells)
DEFAULT_MAX_SUPPORTS = 30_000  # certified solves of one analysis (regions.Landscape)
DEFAULT_MAX_NODES = 5_000  # supports of a region graph (graph.region_graph)


class InputError(ValueError):
    """Malformed or inadmissible input: the message names the problem in one line."""


class TooLargeError(InputError):
    """The problem is larger than a configured limit.

    Parameters
    ----------
    what : str
        What was estimated (e.g. ``"cell count"``).
    estimate, limit : int
        The estimated size and the limit it exceeds.
    keyword : str
        The Python keyword argument that raises the limit (e.g. ``"max_supports"``).
    alternatives : tuple of str, optional
        Other keyword arguments that avoid the limit (e.g. ``("samples",)``).

    The message (``str(err)``) names the keywords as ``keyword=...``;
    :meth:`message` names them through a mapping, e.g. to command-line flags.
    """

    def __init__(self, what, estimate, limit, keyword, alternatives=()):
        self.what = what
        self.estimate = estimate
        self.limit = limit
        self.keyword = keyword
        self.alternatives = tuple(alternatives)
        super().__init__(self.message())

    @property
    def override(self):
        """The keyword that raises the limit (the former name of :attr:`keyword`)."""
        return self.keyword

    def message(self, names=None) -> str:
        """The one-line message, each keyword named by ``names[keyword]`` when given.

        A keyword missing from ``names`` (or any keyword when ``names`` is None) is
        written ``keyword=...``; a keyword that already reads as a flag or as free text
        (it starts with ``-`` or holds a space) is written as it is.
        """
        def name(keyword):
            if names is not None and keyword in names:
                return names[keyword]
            if keyword.startswith("-") or " " in keyword:
                return keyword
            return f"{keyword}=..."

        text = f"{self.what}: estimated {self.estimate:,} exceeds the limit of {self.limit:,}; " \
               f"raise it with {name(self.keyword)}"
        if self.alternatives:
            text += ", or use " + " or ".join(name(k) for k in self.alternatives)
        return text
