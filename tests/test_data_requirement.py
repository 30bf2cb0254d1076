"""Real-data tests fail, not skip, when SPARSEOPT_DATA is set but wrong (CI sets it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DataFolderError, resolve_data_root

REPO = Path(__file__).resolve().parents[1]


def test_set_but_missing_folder_is_an_error(tmp_path):
    with pytest.raises(DataFolderError, match="not a folder"):
        resolve_data_root(str(tmp_path / "nope"), tmp_path)


def test_set_to_a_folder_without_data_sets_is_an_error(tmp_path):
    with pytest.raises(DataFolderError, match="wrong folder"):
        resolve_data_root(str(tmp_path), tmp_path)


def test_set_and_valid(tmp_path):
    (tmp_path / "istd").mkdir()
    assert resolve_data_root(str(tmp_path), tmp_path / "other") == tmp_path


def test_unset_falls_back_or_allows_skipping(tmp_path):
    assert resolve_data_root(None, tmp_path / "absent") is None
    assert resolve_data_root(None, tmp_path) == tmp_path


def test_a_real_data_test_fails_under_a_wrong_sparseopt_data(tmp_path):
    env = dict(os.environ, SPARSEOPT_DATA=str(tmp_path / "missing"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_istd_data.py::test_real_nudt_sirst_split"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1 error" in proc.stdout and "SPARSEOPT_DATA" in proc.stdout
