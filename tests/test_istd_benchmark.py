"""benchmarks/istd.py runs end to end on a couple of real images (and is resumable)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("bench_istd", REPO / "benchmarks" / "istd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.data
def test_benchmark_smoke(data_dir, tmp_path, capsys):
    bench = _load()
    argv = [
        "--data-dir", str(data_dir), "--limit", "2", "--methods", "mpcm", "tophat",
        "--datasets", "NUDT-SIRST", "SIRST-Aug", "--thread-check", "0", "--no-figure",
        "--no-progress", "--results-dir", str(tmp_path),
    ]  # fmt: skip
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "SIRST-Aug: not available" in out
    md = (tmp_path / "istd_classical.md").read_text()
    assert "not available" in md and "### `rpcanet` convention" in md and "×1e-6" in md
    report = json.loads((tmp_path / "istd_classical.json").read_text())
    rows = report["datasets"]["NUDT-SIRST"]["rows"]
    assert {r["method"] for r in rows} == {"mpcm", "tophat"}
    assert all(r["n_images"] == 2 for r in rows)
    cache = tmp_path / "checkpoints" / "istd_NUDT-SIRST_test.jsonl"
    assert len(cache.read_text().splitlines()) == 4
    # A second run resumes from the cache: nothing is recomputed.
    assert bench.main(argv) == 0
    assert "runs to do" not in capsys.readouterr().out
    assert len(cache.read_text().splitlines()) == 4


def test_reference_is_plain_and_stops_twice():
    bench = _load()
    from sparseopt.istd import make_scene

    img = make_scene((60, 60), seed=0).image
    bench.reference_ipi(img)  # warm-up (Numba fold kernel)
    out = bench.reference_ipi(img)
    assert set(out) == {3e-3, 1e-3, 1e-7}
    (s3, t3, n3), (s7, t7, n7) = out[3e-3], out[1e-7]
    # (no timing comparison: the two folds are timed separately and jitter on a shared machine)
    assert s3.shape == s7.shape == (60, 60) and n3 <= n7 and t3 > 0 and t7 > 0
