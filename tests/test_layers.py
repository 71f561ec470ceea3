"""The package's layers: every import, including one inside a function, points down.

Layers, lowest first (docs/theory.md has the mathematics, README the public API)::

    errors -> exact -> results -> data -> geometry -> convex -> network -> regions
           -> {graph, dynamics, population} -> app -> cli

Modules of one layer may import each other; the three analyses above ``regions`` do not
import one another.
"""

import ast
import pathlib

import pytest

LAYERS = [
    {"errors"},
    {"exact"},
    {"results"},
    {"data"},
    {"geometry"},
    {"convex"},
    {"network"},
    {"regions"},
    {"graph", "dynamics", "population"},
    {"app"},
    {"cli", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
ROOT = pathlib.Path(__file__).resolve().parents[1] / "landscape"

#: known violations still to be removed by the restructuring (importer, imported)
ALLOWED = set()


def _unit(module: str) -> str:
    """The layer unit of a dotted module name under ``landscape``."""
    return module.split(".")[1] if "." in module else ""


def _imports(path: pathlib.Path):
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    if parts[-1] == "__init__":
        package = parts[:-1]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x
                    for alias in node.names:
                        yield node.lineno, f"{target}.{alias.name}"
                    continue
                yield node.lineno, target
            elif node.module and node.module.startswith("landscape"):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("landscape"):
                    yield node.lineno, alias.name


def _modules():
    return sorted(p for p in ROOT.rglob("*.py"))


def test_every_module_is_in_a_layer():
    units = {_unit(".".join(p.relative_to(ROOT.parent).with_suffix("").parts)) for p in _modules()}
    units.discard("__init__")
    assert units <= set(RANK), sorted(units - set(RANK))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    me = _unit(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    if me == "__init__":  # the package root re-exports the public API
        return
    bad = []
    for line, target in _imports(path):
        other = _unit(target)
        if other in ("", "__init__", "__version__") or other == me:
            continue
        if other not in RANK:
            bad.append(f"line {line}: {target} is in no layer")
        elif RANK[other] > RANK[me] or (RANK[other] == RANK[me] and other != me):
            if (me, other) not in ALLOWED:
                bad.append(f"line {line}: {me} imports {target}")
    assert not bad, bad
