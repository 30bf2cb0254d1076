"""benchmarks/_istd_experiments.py: the L-RPCANet ablations train under a wall-clock budget,
report unfinished variants as such, continue them on the next call, and never retrain a
finished one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def experiments(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import _istd_experiments
    import istd_deep

    # two small variants instead of the twelve, and a per-image cache outside the repository
    monkeypatch.setattr(
        _istd_experiments,
        "ABLATIONS",
        {"full": {}, "K2": {"n_stages": 2}},
    )
    monkeypatch.setattr(istd_deep, "CACHE", tmp_path / "cache")
    yield _istd_experiments
    sys.modules.pop("istd_deep", None)


def test_ablations_resume_across_calls_and_score_only_finished_runs(
    experiments, tiny_data, tmp_path, monkeypatch
):
    from sparseopt.istd import load_istd_dataset

    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir=tiny_data)
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    kw = dict(progress=False)
    # no time left at all: nothing starts
    none = experiments.run_ablations(tiny_data, runs, 2, ds, None, cache, max_minutes=-1.0, **kw)
    assert all(r["epochs_done"] == 0 and not r["finished"] for r in none.values())
    assert not runs.exists()
    # a budget that runs out within each variant's first epoch (the call's own clock frozen so
    # that both variants start): one epoch each, written in full, no test score
    with monkeypatch.context() as m:
        m.setattr(experiments, "time", SimpleNamespace(perf_counter=lambda: 0.0))
        first = experiments.run_ablations(
            tiny_data, runs, 2, ds, None, cache, max_minutes=1e-9, **kw
        )
    for name in ("full", "K2"):
        assert first[name]["epochs_done"] == 1 and not first[name]["finished"]
        assert "test" not in first[name] and (runs / name / "checkpoint.pt").is_file()

    second = experiments.run_ablations(tiny_data, runs, 2, ds, None, cache, **kw)
    assert list(second) == ["full", "K2"]
    for name in ("full", "K2"):
        r = second[name]
        assert r["finished"] and r["epochs_done"] == 2 and r["test"]["n_images"] == 4
        assert 0.0 <= r["test"]["rpcanet"]["mIoU"] <= 100.0
        # the resume state of a finished variant is dropped; its best weights stay
        assert not (runs / name / "checkpoint.pt").exists()
        assert (runs / name / "best.safetensors").is_file()
    assert json.loads((runs / "K2" / "config.json").read_text())["model"]["n_stages"] == 2

    history = (runs / "full" / "history.json").read_bytes()
    third = experiments.run_ablations(tiny_data, runs, 2, ds, None, cache, **kw)
    assert (runs / "full" / "history.json").read_bytes() == history  # not retrained
    assert third["full"]["test"] == second["full"]["test"]

    # the table: in-progress rows say so and carry no test score; finished rows carry their
    # test figures; the talk's figure stands beside a variant it reports (K = 2) only
    table = "\n".join(experiments.ablation_table(first))
    assert table.count("1 of 2 (in progress)") == 2 and "not scored" in table
    done = "\n".join(experiments.ablation_table(third))
    rows = {line.split(" | ")[0].strip("| "): line for line in done.splitlines() if "|" in line}
    assert "not scored" not in done
    assert f"{third['K2']['test']['rpcanet']['mIoU']:.2f}" in rows["K2"]
    assert "91.61 / 95.62 / 97.88 / 2.08" in rows["K2"]  # the talk's K = 2 row
    assert "K = 2 stages" in rows["K2"]
    assert len(third["K2"]["test"]["per_image"]) == 4  # one (tp, fp, fn) row per test image
    d, _, _ = experiments.miou_difference(
        third["full"]["test"]["per_image"], third["K2"]["test"]["per_image"]
    )
    assert f"{d:+.2f} (" in rows["K2"]
    png = experiments.ablation_figure(third, tmp_path / "ablations.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_miou_difference_is_the_data_set_iou_difference_with_a_paired_interval(experiments):
    import numpy as np

    from sparseopt.istd import summarize

    rng = np.random.default_rng(3)
    a = rng.integers(0, 50, (200, 3))
    b = a.copy()
    b[:, 0] += rng.integers(0, 5, 200)  # b finds more target pixels on every image
    keys = ("tp", "fp", "fn")

    def miou(rows):
        return summarize(
            [
                dict(
                    zip(keys, r),
                    iou_num=0,
                    iou_den=0,
                    targets=0,
                    detected=0,
                    fa_pixels=0,
                    fa_area=1,
                )
                for r in rows
            ],
            "rpcanet",
        )["mIoU"]

    d, lo, hi = experiments.miou_difference(a, b)
    assert d == pytest.approx(miou(b) - miou(a))
    assert 0 < lo < d < hi  # a gain on every image: the whole interval is above zero
    assert experiments.miou_difference(a, a) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="per-image counts"):
        experiments.miou_difference(a, b[:10])


def test_ablation_table_groups_variants_whatever_order_they_were_trained_in(experiments):
    # training order (cheap variants first) differs from reading order (SE, then K, then η)
    trained = ["K2", "eta0", "K4", "eta1", "K8", "full"]
    ab = {n: {"change": {}, "epochs": 6, "epochs_done": 0} for n in trained}
    rows = [
        line.split(" | ")[0].strip("| ")
        for line in experiments.ablation_table(ab)
        if line.startswith("| ") and "not started" in line
    ]
    assert rows == ["full", "K2", "K4", "K8", "eta0", "eta1"]
