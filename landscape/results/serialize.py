"""JSON for results: exact rationals as ``"p/q"`` text, numpy scalars as plain numbers, and
any record with a ``to_json_obj()`` method as that object.

>>> from fractions import Fraction
>>> canonical_json({"lam": Fraction(1, 100), "m": 3})
'{"lam":"1/100","m":3}'
"""

from __future__ import annotations

import json
from fractions import Fraction

__all__ = ["json_default", "canonical_json", "dumps"]




def json_default(o):
    """``json`` fallback: Fractions as exact ``"p/q"`` strings, numpy values as plain ones."""
    import numpy as np

    if isinstance(o, Fraction):
        return str(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if hasattr(o, "to_json_obj"):
        return o.to_json_obj()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def canonical_json(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, Fractions as ``"p/q"`` (for hashing keys).

    >>> canonical_json({"lam": Fraction(1, 100), "m": 3})
    '{"lam":"1/100","m":3}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=json_default)


def dumps(obj) -> str:
    """Readable JSON text; lists of scalars stay on one line so that matrices read by rows.

    >>> print(dumps({"a": [1, Fraction(1, 3)], "b": {"c": [[1, 2], [3, 4]]}}))
    {
     "a": [1, "1/3"],
     "b": {
      "c": [
       [1, 2],
       [3, 4]
      ]
     }
    }
    """
    return _dumps(json.loads(json.dumps(obj, default=json_default)), 0)


def _dumps(o, depth):
    pad = " " * (depth + 1)
    if isinstance(o, dict) and o:
        items = [f"{pad}{json.dumps(k)}: {_dumps(v, depth + 1)}" for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(o, list) and any(isinstance(v, (list, dict)) for v in o):
        items = [pad + _dumps(v, depth + 1) for v in o]
        return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"
    return json.dumps(o, separators=(", ", ": "))
