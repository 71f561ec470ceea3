"""The README's Python examples run as pasted.

Every ```python block of README.md is executed, in order and in one namespace (a later
block may use the names an earlier one defined), in a temporary folder holding a copy of
the repository's ``data/`` folder, so that relative paths such as
``data/examples/orthonormal_spurious.json`` work and nothing is written into the clone.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(text):
    """``(line number, code)`` of every ```python block of a Markdown text.

    >>> python_blocks("intro\\n```python\\nx = 1\\n```\\n```sh\\nls\\n```\\n")
    [(3, 'x = 1\\n')]
    """
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


@contextlib.contextmanager
def _inside(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def test_the_block_extractor_finds_every_block():
    text = README.read_text(encoding="utf-8")
    assert len(python_blocks(text)) == text.count("```python")


@pytest.mark.slow
def test_readme_python_blocks_run(tmp_path):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    if not blocks:
        pytest.skip("the README has no python block")
    if (ROOT / "data").is_dir():
        shutil.copytree(ROOT / "data", tmp_path / "data")
    namespace = {"__name__": "__readme__"}
    with _inside(tmp_path):
        for line, code in blocks:
            try:
                exec(compile(code, f"README.md:{line}", "exec"), namespace)
            except Exception as exc:  # name the block that failed
                pytest.fail(f"README.md, the python block at line {line}: {type(exc).__name__}: {exc}")
