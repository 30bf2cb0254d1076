"""benchmarks/training/stage_for_device.py copies a training split that still loads, and only it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sparseopt.istd import load_istd_dataset

REPO = Path(__file__).resolve().parents[1]


def _load():
    path = REPO / "benchmarks" / "training" / "stage_for_device.py"
    spec = importlib.util.spec_from_file_location("stage_for_device", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_staged_training_split_loads_unchanged(tiny_data, tmp_path):
    mod = _load()
    n, size = mod.stage(tiny_data, tmp_path / "staged")
    assert n == 16 and size > 0
    a = load_istd_dataset("NUDT-SIRST", "train", data_dir=tiny_data)
    b = load_istd_dataset("NUDT-SIRST", "train", data_dir=tmp_path / "staged")
    assert list(a.ids) == list(b.ids)
    for i in range(len(a)):
        for x, y in zip(a[i], b[i]):
            np.testing.assert_array_equal(x, y)
    # the test split stays behind (it is scored where the data are)
    root = tmp_path / "staged" / "istd" / "NUDT-SIRST"
    assert not (root / "50_50" / "test.txt").exists()
    assert len(list((root / "images").iterdir())) == 16
    with pytest.raises(FileExistsError, match="exists"):
        mod.stage(tiny_data, tmp_path / "staged")


def test_destination_must_be_inside_the_repository(tiny_data, tmp_path):
    with pytest.raises(SystemExit):
        _load().main(["--data-dir", str(tiny_data), "--to", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
