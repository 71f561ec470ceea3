"""The process pool for many certified V(S) solves (landscape.convex.pool) and its use by
the solve cache and `analyse --workers`: the same certified answers as one process."""

import json
import subprocess
import sys

import numpy as np

from landscape.convex.batch import solve_many
from landscape.convex.pool import SolvePool
from landscape.convex.program import RegionProgram
from landscape.data import generate
from landscape.regions import cache as cache_mod
from landscape.regions.cache import SolveCache


def _supports(prog, count, seed=0):
    rng = np.random.default_rng(seed)
    return [tuple(sorted(rng.choice(prog.K, int(k), replace=False).tolist())) for k in rng.integers(1, 6, count)]


def test_pool_gives_the_same_certified_bounds():
    prog = RegionProgram(generate("gaussian", n=6, d=3, seed=0), "1/100")
    supports = _supports(prog, 60)
    here = solve_many(prog, supports)
    with SolvePool(prog, workers=2) as pool:
        there = pool.solve_many(supports, chunk=16)
    assert [o.cones for o in there] == [o.cones for o in here]
    for a, b in zip(here, there):
        assert a.certified and b.certified
        assert a.lower <= b.upper and b.lower <= a.upper


def test_cache_prefetch_uses_the_pool(monkeypatch):
    prog = RegionProgram(generate("gaussian", n=6, d=3, seed=0), "1/100")
    monkeypatch.setattr(cache_mod, "POOL_MIN", 10)
    cache = SolveCache(prog, workers=2)
    supports = _supports(prog, 40, seed=1)
    cache.prefetch(supports)
    assert cache._pool is not None and cache.solves == len(set(supports))
    for S in supports:
        opt = cache.cached(S)
        assert opt is not None and opt.certified
        ref = prog.solve(S)
        assert opt.lower <= ref.upper and ref.lower <= opt.upper


def test_analyse_workers_flag_gives_the_same_table(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x1,x2,y\n1,0,1\n0,1,-1\n1,1,1\n-1,2,0\n")
    outs = []
    for w in ("1", "2"):
        run = subprocess.run([sys.executable, "-m", "landscape.cli", "analyse", str(data), "--lam", "1/20",
                              "--width", "1,2", "--format", "json", "--workers", w], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        obj = json.loads(run.stdout)
        for row in obj["rows"]:
            row.pop("seconds", None)
        outs.append(obj["rows"])
    assert outs[0] == outs[1]
