"""benchmarks/_cache.py: every cached record carries the hash of the code it ran and the commit,
and a record of other code is never returned (it is recomputed)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_mod():
    spec = importlib.util.spec_from_file_location("bench_cache", REPO / "benchmarks" / "_cache.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_records_are_stamped_and_reloaded(cache_mod, tmp_path):
    script = tmp_path / "bench.py"
    script.write_text("print('v1')\n")
    c = cache_mod.ResultCache(tmp_path / "c.json", script)
    rec = c.put("k", {"acc": 1.0})
    assert rec["code_hash"] == cache_mod.code_hash(script) and rec["commit"]
    again = cache_mod.ResultCache(tmp_path / "c.json", script)
    assert again.get("k")["acc"] == 1.0 and again.stale == 0


def test_a_change_of_the_script_invalidates_its_records(cache_mod, tmp_path):
    script = tmp_path / "bench.py"
    script.write_text("print('v1')\n")
    cache_mod.ResultCache(tmp_path / "c.json", script).put("k", {"acc": 1.0})
    script.write_text("print('v2')\n")
    cache_mod.code_hash.cache_clear()
    c = cache_mod.ResultCache(tmp_path / "c.json", script)
    assert c.stale == 1 and c.get("k") is None


def test_the_hash_covers_the_library(cache_mod, tmp_path, monkeypatch):
    script = tmp_path / "bench.py"
    script.write_text("x = 1\n")
    h = cache_mod.code_hash(script)
    files = cache_mod._package_files()
    assert any(f.name == "detector.py" for f in files)
    assert any("sparseopt_deep" in f.parts for f in files)
    extra = tmp_path / "fake_module.py"
    extra.write_text("y = 2\n")
    monkeypatch.setattr(cache_mod, "_package_files", lambda: [*files, extra])
    cache_mod.code_hash.cache_clear()
    assert cache_mod.code_hash(script) != h


def test_records_without_a_code_hash_are_stale(cache_mod, tmp_path):
    script = tmp_path / "bench.py"
    script.write_text("x = 1\n")
    (tmp_path / "c.json").write_text(json.dumps({"k": {"acc": 1.0}}))
    c = cache_mod.ResultCache(tmp_path / "c.json", script)
    assert c.stale == 1 and c.get("k") is None


def test_no_cache_is_committed():
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "benchmarks/results"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert not [f for f in tracked if "cache" in f or "checkpoint" in f]


def test_every_caching_benchmark_uses_the_shared_helper():
    for name in ("feature_selection.py", "spcanet_ablation.py", "istd.py"):
        text = (REPO / "benchmarks" / name).read_text()
        assert "from _cache import" in text, name


def test_feature_selection_benchmark_recomputes_records_of_other_code(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_fs_cache", REPO / "benchmarks" / "feature_selection.py"
    )
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    import numpy as np
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    y = np.repeat([1, 2], 15)
    savemat(tmp_path / "toy.mat", {"X": rng.normal(size=(30, 6)), "Y": y[:, None]})
    out = tmp_path / "out"
    argv = ["--data-dir", str(tmp_path), "--datasets", str(tmp_path / "toy.mat"),
            "--methods", "Variance", "--repeats", "1", "--ms", "2", "--n-jobs", "1",
            "--out-dir", str(out), "--no-plot"]  # fmt: skip
    assert bench.main(argv) == 0
    cache_file = out / "cache" / "feature_selection.json"
    ((key, rec),) = json.loads(cache_file.read_text()).items()
    assert rec["code_hash"] and rec["commit"]
    stale = {key: {**rec, "code_hash": "0" * 16, "finished": "old"}}
    cache_file.write_text(json.dumps(stale))
    assert bench.main(argv) == 0
    fresh = json.loads(cache_file.read_text())[key]
    assert fresh["code_hash"] == rec["code_hash"] and fresh["finished"] != "old"
