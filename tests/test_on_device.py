"""benchmarks/training/on_device.sh plans a schedule that fits its budget and leaves a resumable run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "training" / "on_device.sh"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bash") is None, reason="on_device.sh needs bash"),
]


def _run(cmd):
    """Run from the repository root (as on the device), failing with the command's output."""
    env = dict(os.environ)
    # the script calls python3: make it this interpreter, as the device image's python3 is its own
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_planned_run_fits_budget_and_resumes(tiny_data, tmp_path):
    out = tmp_path / "out"
    tiny = ["--stages", "1", "--base-channels", "2", "--crop", "32", "--threads", "1"]
    _run(["bash", str(SCRIPT), str(tiny_data), str(out), "0.5", *tiny])
    log = (out / "train.log").read_text()
    planned = int(re.search(r"planning (\d+) epochs", log).group(1))
    run = out / "run"
    assert sorted(p.name for p in run.iterdir()) == [
        "best.safetensors",
        "checkpoint.pt",
        "config.json",
        "history.json",
        "last.safetensors",
        "split.json",
    ]
    config = json.loads((run / "config.json").read_text())
    history = json.loads((run / "history.json").read_text())["history"]
    # the schedule is planned for the epochs the probe says fit, and every epoch was validated
    assert config["epochs"] == planned >= 1
    assert 1 <= len(history) <= planned
    assert all("val_mIoU" in r for r in history)
    # the probe's run folder is gone; only the planned run is left under OUT
    assert sorted(p.name for p in out.iterdir()) == ["run", "train.log"]
    # the run folder resumes where it stands and extends (here: one epoch past the plan)
    resume = ["--out", str(run), "--resume", "--epochs", str(planned + 1), "--quiet"]
    _run([sys.executable, "-m", "sparseopt.cli", "train", "--data-dir", str(tiny_data), *resume])
    resumed = json.loads((run / "history.json").read_text())["history"]
    assert [r["epoch"] for r in resumed] == list(range(1, planned + 2))
