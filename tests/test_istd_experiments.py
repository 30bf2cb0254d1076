"""The noise-robustness helpers of benchmarks/istd_deep.py: seeded noise of the stated kind and
level, an evenly spread image subset, and a per-image cache that resumes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import _istd_experiments as ex  # noqa: E402

from sparseopt.istd import make_scene  # noqa: E402
from sparseopt.istd.tophat import TopHat  # noqa: E402


def _image(dtype=np.uint8):
    rng = np.random.default_rng(0)
    return rng.integers(60, 200, size=(64, 64)).astype(dtype)


def test_gaussian_noise_has_the_stated_sigma_and_keeps_the_dtype():
    img = _image()
    noisy = ex.add_noise(img, "gaussian", 10.0, seed=(1, 2))
    assert noisy.dtype == img.dtype and noisy.shape == img.shape
    assert abs(float(np.std(noisy.astype(float) - img)) - 10.0) < 0.6
    # 16-bit images: σ is in 8-bit grey levels, scaled by the range
    img16 = img.astype(np.uint16) * 257
    d16 = ex.add_noise(img16, "gaussian", 10.0, seed=(1, 2)).astype(float) - img16
    assert abs(float(np.std(d16)) - 10.0 * 257) < 0.6 * 257


def test_salt_and_pepper_hits_the_stated_fraction_half_each():
    img = _image()
    noisy = ex.add_noise(img, "saltpepper", 0.1, seed=0)
    changed = noisy != img
    assert abs(changed.mean() - 0.1) < 0.02
    assert set(np.unique(noisy[changed])) <= {0, 255}
    assert abs((noisy == 255).mean() - (noisy == 0).mean()) < 0.02


def test_noise_is_seeded_and_rejects_unknown_kinds():
    img = _image()
    a = ex.add_noise(img, "gaussian", 5.0, seed=(3, 4))
    assert np.array_equal(a, ex.add_noise(img, "gaussian", 5.0, seed=(3, 4)))
    assert not np.array_equal(a, ex.add_noise(img, "gaussian", 5.0, seed=(3, 5)))
    with pytest.raises(ValueError, match="unknown noise 'poisson'"):
        ex.add_noise(img, "poisson", 1.0, seed=0)


def test_subset_spreads_over_the_split():
    assert ex.noise_subset(5, 664) == [0, 166, 332, 497, 663]
    assert ex.noise_subset(10, 4) == [0, 1, 2, 3]


class _Scenes:
    def __init__(self, n):
        scenes = [make_scene((48, 48), n_targets=1, contrast=6.0, seed=s) for s in range(n)]
        self.items = [((np.clip(sc.image, 0, 1) * 255).astype(np.uint8), sc.mask) for sc in scenes]
        self.ids = [f"s{i}" for i in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_noise_curves_resume_from_their_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(ex, "NOISE_LEVELS", {"gaussian": [0.0, 30.0], "saltpepper": [0.0, 0.05]})
    ds, calls = _Scenes(3), []

    def factory(_):
        calls.append(1)
        return TopHat()

    spec = {"factory": factory, "weights": None}
    curves = ex.run_noise("tophat", spec, ds, 3, tmp_path, "k", progress=False)
    (cache,) = tmp_path.glob("noise-tophat-*.jsonl")
    recs = [json.loads(line) for line in cache.read_text().splitlines()]
    # the clean image once per image, then one record per noisy level
    assert len(recs) == 3 * 3 and sum(r["kind"] == "clean" for r in recs) == 3
    assert [p["level"] for p in curves["gaussian"]] == [0.0, 30.0]
    assert curves["gaussian"][0] == {**curves["saltpepper"][0], "level": 0.0}
    assert all(0 <= p["mIoU"] <= 100 and 0 <= p["Pd"] <= 100 for c in curves.values() for p in c)
    # a rerun finds every record cached: no detector is even built
    again = ex.run_noise("tophat", spec, ds, 3, tmp_path, "k", progress=False)
    assert again == curves and len(calls) == 1


def _write_scene(images_dir, masks_dir, stem, seed):
    from PIL import Image

    sc = make_scene((48, 48), n_targets=1, contrast=6.0, seed=seed)
    images_dir.mkdir(parents=True, exist_ok=True)
    masks_dir.mkdir(parents=True, exist_ok=True)
    Image.fromarray((np.clip(sc.image, 0, 1) * 255).astype(np.uint8)).save(
        images_dir / f"{stem}.png"
    )
    Image.fromarray(sc.mask.astype(np.uint8) * 255).save(masks_dir / f"{stem}.png")


def test_benchmark_reports_a_second_data_set_when_the_folder_holds_it(tmp_path, monkeypatch):
    import istd_deep

    monkeypatch.setattr(istd_deep, "CACHE", tmp_path / "cache")
    data = tmp_path / "data"
    nudt, irstd = data / "istd" / "NUDT-SIRST", data / "istd" / "IRSTD-1k"
    for k in range(2):
        _write_scene(nudt / "images", nudt / "masks", f"00000{k}", k)
        _write_scene(irstd / "IRSTD1k_Img", irstd / "IRSTD1k_Label", f"XDU{k}", 10 + k)
    (nudt / "50_50").mkdir()
    (nudt / "50_50" / "test.txt").write_text("000000\n000001\n")
    (irstd / "test.txt").write_text("XDU0\nXDU1\n")
    out = tmp_path / "res" / "istd_deep"
    argv = ["--data-dir", str(data), "--methods", "tophat", "--out", str(out)]
    assert istd_deep.main(argv) == 0
    report = json.loads(out.with_suffix(".json").read_text())
    rows = report["other_datasets"]["IRSTD-1k"]
    assert rows["tophat"]["n_images"] == 2
    assert 0 <= rows["tophat"]["metrics"]["rpcanet"]["mIoU"] <= 100
    assert list((tmp_path / "cache").glob("tophat-IRSTD-1k-test-*.jsonl"))
    md = out.with_suffix(".md").read_text()
    assert "## IRSTD-1k (test split)" in md
    assert "SIRST-Aug: not available" in md and "IRSTD-1k: not available" not in md
    # a rerun refuses to overwrite the results without --force
    with pytest.raises(SystemExit):
        istd_deep.main(argv)
