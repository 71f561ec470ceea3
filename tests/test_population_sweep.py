"""The sweep task kind proposed for the population search: the bundled sweep file loads and
a task runs through the sweep machinery once the kind is registered (app/sweep.py owns the
registry; the kind is added here with monkeypatch, as the coordinator would add it)."""

import json
import pathlib

import pytest

from landscape.app import sweep

SWEEP = pathlib.Path(__file__).resolve().parents[1] / "data" / "sweeps" / "population.toml"

KIND = sweep.TaskKind(
    "population_search", "landscape.population.search:population_search_task",
    {"k": ("int", sweep.REQUIRED), "n": ("int", None), "d": ("int", None), "runs": ("int", 1000),
     "seed": ("int", 0), "steps": ("int", 20000), "lr": ("float", None), "grad_tol": ("float", 1e-10),
     "certify": ("bool", True)},
    needs_dataset=False, requires=("landscape.population.search:run_search",),
    description="gradient descent on the population loss (Safran & Shamir); certified families of endpoints")


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(sweep.KINDS, KIND.name, KIND)


def test_bundled_sweep_loads(registered):
    sw = sweep.load_sweep(str(SWEEP))
    ks = sorted((t.params["k"], t.params.get("n") or 0) for t in sw.tasks)
    assert len(ks) == 15 + 3
    assert (6, 0) in ks and (20, 0) in ks and (10, 11) in ks


def test_task_runs_through_the_sweep(registered):
    text = '[sweep]\nname = "p"\n[[task]]\nkind = "population_search"\nk = 3\nruns = 4\nsteps = 3000\n'
    sw = sweep.parse_sweep(text)
    (task,) = sw.tasks
    record = sweep.run_one(task.payload())
    assert record.status in ("done", "uncertified"), record.error
    result = json.loads(record.result)
    assert result["runs"] == 4 and sum(f["count"] for f in result["families"]) == 4
