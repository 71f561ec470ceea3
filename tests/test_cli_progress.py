"""Progress hooks behind the CLI's bars (tqdm on stderr, terminal only): train, interpolate,
counterexample, analyse and graph report their progress, and say nothing with --progress never."""

import json
import subprocess
import sys

from landscape.app.commands import interpolate
from landscape.cli import _ProgressBars
from landscape.convex.interpolation import INTERPOLATION_STAGES
from landscape.data import generate
from landscape.dynamics.output import command_train


def test_train_reports_increasing_steps_up_to_the_budget():
    seen = []
    command_train(generate("theorem2", d=3), lam="1/1000", width=5, init_scale=0.1, steps=300, classify=False,
                  progress=lambda step, loss: seen.append((step, loss)))
    steps = [s for s, _ in seen]
    assert steps == sorted(steps) and 250 < steps[-1] <= 300 and len(steps) > 5  # geometric records
    assert all(loss >= 0 for _, loss in seen)


def test_interpolate_reports_every_stage_in_order():
    seen = []
    out = interpolate(generate("theorem2", d=3), on_stage=lambda name, i, total: seen.append((name, i, total)))
    assert [s[0] for s in seen] == list(INTERPOLATION_STAGES) + ["done"]
    assert [s[1] for s in seen] == list(range(len(INTERPOLATION_STAGES) + 1))
    assert out["certified"]


def test_bars_are_off_unless_asked_and_close_cleanly():
    class Args:
        progress = "never"

    with _ProgressBars(Args()) as bars:
        assert bars.callback("x", "step") is None
    Args.progress = "always"
    with _ProgressBars(Args()) as bars:
        tick = bars.callback("x", "step", total=3)
        tick(), tick(2)
        assert bars.bars["x"].n == 3
    assert bars.bars == {}


def test_progress_never_keeps_stderr_empty(tmp_path):
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"X": [[1, 0], [0, 1]], "y": [1, -1]}))
    for args in (["train", str(data), "--lam", "1/100", "--width", "3", "--init-scale", "0.1", "--steps", "200"],
                 ["interpolate", str(data)],
                 ["counterexample", str(data), "--lam", "1/10", "--width", "1"]):
        r = subprocess.run([sys.executable, "-m", "landscape.cli", *args, "--progress", "never"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and r.stderr == "", (args, r.stderr)
