"""benchmarks/istd_fit_gap.py scores one weights file on the run's fitted, validation and test parts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fit_gap(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import istd_deep
    import istd_fit_gap

    monkeypatch.setattr(istd_deep, "CACHE", tmp_path / "cache")
    yield istd_fit_gap
    sys.modules.pop("istd_deep", None)


def test_parts_partition_the_split_and_are_scored(fit_gap, tiny_data, tmp_path):
    from sparseopt_deep.training import train

    run = tmp_path / "run"
    train(
        tiny_data,
        run,
        model={"model": "lrpcanet", "n_stages": 1, "base_channels": 2},
        epochs=1,
        batch_size=4,
        crop=24,
        val_fraction=0.25,
        progress=False,
        num_threads=1,
    )
    split = json.loads((run / "split.json").read_text())
    parts = fit_gap.parts(tiny_data, split)
    fitted, val = set(parts["train (fitted)"].ids), set(parts["validation"].ids)
    assert val == set(split["val_ids"]) and not fitted & val and len(fitted | val) == 16
    assert len(parts["test"]) == 4

    out = tmp_path / "res" / "fit_gap"
    argv = ["--data-dir", str(tiny_data), "--run", str(run), "--out", str(out)]
    argv += ["--weights", str(run / "best.safetensors")]
    assert fit_gap.main(argv) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    n = {p: r["rpcanet"]["n_images"] for p, r in result["parts"].items()}
    assert n == {"train (fitted)": 12, "validation": 4, "test": 4}
    assert all(0 <= r["basicirstd"]["mIoU"] <= 100 for r in result["parts"].values())
    assert "| validation | 4 |" in out.with_suffix(".md").read_text()
    # nothing is overwritten without --force
    with pytest.raises(SystemExit):
        fit_gap.main(argv)
    # a split from another data set is named, not silently scored
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "split.json").write_text(json.dumps({"val_ids": ["nope"]}))
    with pytest.raises(ValueError, match="not in the training split"):
        fit_gap.main(
            ["--data-dir", str(tiny_data), "--run", str(bad), "--out", str(tmp_path / "x")]
        )
