"""`sparseopt detect` over files, folders and globs, and `sparseopt evaluate` on its outputs."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest
from PIL import Image

from sparseopt.cli import main
from sparseopt.istd import make_scene
from sparseopt.istd.cli import CSV_COLUMNS, METHODS, expand_inputs, make_detector


@pytest.fixture
def scenes(tmp_path):
    """Three small synthetic scenes (PNG, 8-bit; one stored as RGB) and their masks."""
    img_dir, mask_dir = tmp_path / "images", tmp_path / "masks"
    img_dir.mkdir()
    mask_dir.mkdir()
    for i in range(3):
        sc = make_scene((96, 96), n_targets=2, contrast=5.0, seed=i)
        im = Image.fromarray(np.round(sc.image * 255).astype(np.uint8))
        (im.convert("RGB") if i == 0 else im).save(img_dir / f"s{i}.png")
        Image.fromarray(sc.mask.astype(np.uint8) * 255).save(mask_dir / f"s{i}.png")
    return img_dir, mask_dir


def _csv_rows(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    return rows[1:]


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["detect", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "PATH" in out and "--method" in out and "--out" in out and "--n-jobs" in out


def test_detect_a_folder_writes_every_output(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    out = tmp_path / "out" / "nested"  # created
    assert main(["detect", str(img_dir), "--out", str(out), "--overlay"]) == 0
    names = sorted(p.name for p in out.iterdir())
    expected = {f"s{i}_{k}" for i in range(3) for k in ("mask.png", "score.npy", "overlay.png")}
    assert set(names) == expected | {"detections.csv", "detect.json"}
    mask = np.asarray(Image.open(out / "s1_mask.png"))
    assert mask.shape == (96, 96) and set(np.unique(mask)) <= {0, 255} and mask.any()
    score = np.load(out / "s1_score.npy")
    assert score.dtype == np.float32 and score.shape == (96, 96)
    overlay = np.asarray(Image.open(out / "s1_overlay.png"))
    assert overlay.shape == (96, 96, 3)
    assert (overlay[mask > 0] == (255, 0, 0)).all()
    rows = _csv_rows(out / "detections.csv")
    assert {r[0] for r in rows} == {"s0", "s1", "s2"}
    r = next(r for r in rows if r[0] == "s1" and r[2] == "1")
    row, col, area = float(r[3]), float(r[4]), int(r[5])
    assert mask[round(row), round(col)] == 255 and area >= 1
    assert np.isclose(float(r[6]), score[mask > 0].max(), rtol=1e-6)
    assert "3 image(s) processed" in capsys.readouterr().out
    # no temporary files left behind
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_detect_resumes_and_never_overwrites(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    out = tmp_path / "out"
    assert (
        main(["detect", str(img_dir / "s0.png"), str(img_dir / "s1.png"), "--out", str(out)]) == 0
    )
    before = _snapshot(out)
    capsys.readouterr()
    # a second run over the whole folder skips the finished images and adds the third
    assert main(["detect", str(img_dir), "--out", str(out)]) == 0
    assert "2 image(s) already done" in capsys.readouterr().out
    after = _snapshot(out)
    for name, data in before.items():
        if name != "detections.csv":
            assert after[name] == data, name
    rows = _csv_rows(out / "detections.csv")
    assert [r[0] for r in rows if r[2] == "1"] == ["s0", "s1", "s2"]
    # a lost detections.csv is rebuilt from the saved masks and scores
    (out / "detections.csv").unlink()
    assert main(["detect", str(img_dir), "--out", str(out)]) == 0
    rebuilt = _csv_rows(out / "detections.csv")
    assert [r[:6] for r in rebuilt] == [r[:6] for r in rows]
    # resuming with other settings would mix two detectors' results: refused
    assert main(["detect", str(img_dir), "--out", str(out), "--method", "mpcm"]) == 2
    assert "made with method = 'ipi'" in capsys.readouterr().err
    # --force recomputes (same bytes: the detector is deterministic)
    assert main(["detect", str(img_dir), "--out", str(out), "--force"]) == 0
    assert _snapshot(out)["s0_score.npy"] == before["s0_score.npy"]


def test_every_derived_name_is_checked_before_any_work(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    out = tmp_path / "out"
    out.mkdir()
    (out / "s2_score.npy").write_bytes(b"precious")  # only one of s2's outputs exists
    assert main(["detect", str(img_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "s2_score.npy" in err and "--force" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["s2_score.npy"]  # nothing computed
    assert (out / "s2_score.npy").read_bytes() == b"precious"
    # a detections.csv that is not ours is never replaced
    (out / "s2_score.npy").unlink()
    (out / "detections.csv").write_text("something else\n")
    assert main(["detect", str(img_dir), "--out", str(out)]) == 2
    assert "not a detections.csv" in capsys.readouterr().err
    assert (out / "detections.csv").read_text() == "something else\n"


def test_bad_outputs_fail_before_the_work(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["detect", str(img_dir), "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            assert main(["detect", str(img_dir), "--out", str(ro / "out")]) == 2
            assert "permission denied" in capsys.readouterr().err
        finally:
            ro.chmod(0o700)


def test_out_folder_must_not_hold_the_inputs_and_weights_must_exist(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    assert main(["detect", str(img_dir), "--out", str(img_dir)]) == 2
    assert "lies in the --out folder" in capsys.readouterr().err
    assert sorted(p.name for p in img_dir.iterdir()) == ["s0.png", "s1.png", "s2.png"]
    for w in (tmp_path / "nope.safetensors", tmp_path):
        assert main(["detect", str(img_dir), "--method", "lrpcanet", "--weights", str(w)]) == 2
        assert "--weights" in capsys.readouterr().err


def test_same_stem_from_two_folders_is_refused(scenes, tmp_path, capsys):
    img_dir, mask_dir = scenes
    out = tmp_path / "out"
    assert (
        main(["detect", str(img_dir / "s0.png"), str(mask_dir / "s0.png"), "--out", str(out)]) == 2
    )
    assert "would write the same outputs" in capsys.readouterr().err
    assert not out.exists()


def test_bad_files_are_reported_and_the_batch_goes_on(scenes, tmp_path, capsys):
    img_dir, _ = scenes
    (img_dir / "broken.png").write_text("not an image")
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(img_dir / "tiny.png")  # too small for IPI
    out = tmp_path / "out"
    assert main(["detect", str(img_dir), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "3 image(s) processed, 0 skipped, 2 failed" in captured.out
    assert "broken.png" in captured.err and "not an image file" in captured.err
    assert "tiny.png" in captured.err and "smaller than" in captured.err
    assert {p.name for p in out.iterdir()} >= {"s0_mask.png", "s1_mask.png", "s2_mask.png"}


def test_inputs_files_folders_globs(scenes, tmp_path):
    img_dir, _ = scenes
    assert [p.name for p in expand_inputs([str(img_dir)])] == ["s0.png", "s1.png", "s2.png"]
    assert [p.name for p in expand_inputs([str(img_dir / "s[12].png")])] == ["s1.png", "s2.png"]
    assert len(expand_inputs([str(tmp_path / "**" / "*.png")])) == 6  # images and masks
    assert len(expand_inputs([str(img_dir), str(img_dir / "s0.png")])) == 3  # no duplicates


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda d: d / "missing.png", "does not exist"),
        (lambda d: d / "nothing*.png", "matches no image file"),
        (lambda d: d / "empty", "holds no image files"),
    ],
)
def test_input_errors_are_one_line(tmp_path, capsys, make, fragment):
    (tmp_path / "empty").mkdir()
    assert main(["detect", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_print_mode_and_demo(scenes, capsys):
    img_dir, _ = scenes
    assert main(["detect", str(img_dir / "s1.png"), "--method", "mpcm"]) == 0
    out = capsys.readouterr().out
    assert "target(s) in" in out and "row" in out
    assert main(["detect", "--demo"]) == 0
    assert "found 3 of 3 planted targets, 0 false" in capsys.readouterr().out
    for argv in (["detect"], ["detect", "x.png", "--demo"]):
        assert main(argv) == 2
        assert "or --demo" in capsys.readouterr().err


@pytest.mark.parametrize("n_jobs", [2])
def test_parallel_run_gives_the_same_bytes(scenes, tmp_path, n_jobs):
    img_dir, _ = scenes
    assert main(["detect", str(img_dir), "--out", str(tmp_path / "one")]) == 0
    assert (
        main(["detect", str(img_dir), "--out", str(tmp_path / "par"), "--n-jobs", str(n_jobs)]) == 0
    )
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "par")


def test_score_png_and_evaluate_both_conventions(scenes, tmp_path, capsys):
    img_dir, mask_dir = scenes
    out = tmp_path / "out"
    assert main(["detect", str(img_dir), "--out", str(out), "--score-format", "png"]) == 0
    s = np.asarray(Image.open(out / "s0_score.png"))
    assert s.dtype == np.uint16 and s.max() == 65535
    capsys.readouterr()
    js = tmp_path / "m.json"
    assert main(["evaluate", str(out), str(mask_dir), "--out", str(js)]) == 0
    text = capsys.readouterr().out
    assert "3 images, 6 targets, convention rpcanet, score predictions" in text
    import json

    r = json.loads(js.read_text())
    assert r["n_images"] == 3 and 0 < r["mIoU"] <= 100 and r["Pd"] == pytest.approx(100.0)
    # the same numbers as the library's evaluate on the same arrays
    from sparseopt.istd import evaluate, read_image, read_mask

    preds = [read_image(out / f"s{i}_score.png") / 65535 for i in range(3)]
    masks = [read_mask(mask_dir / f"s{i}.png") for i in range(3)]
    assert r["mIoU"] == pytest.approx(evaluate(preds, masks, "rpcanet")["mIoU"])
    assert main(["evaluate", str(out), str(mask_dir), "--convention", "basicirstd"]) == 0
    assert "mask predictions" in capsys.readouterr().out
    # --out is never overwritten without --force
    assert main(["evaluate", str(out), str(mask_dir), "--out", str(js)]) == 2


def test_evaluate_refuses_mismatched_folders(scenes, tmp_path, capsys):
    img_dir, mask_dir = scenes
    out = tmp_path / "out"
    assert (
        main(["detect", str(img_dir / "s0.png"), str(img_dir / "s1.png"), "--out", str(out)]) == 0
    )
    capsys.readouterr()
    assert main(["evaluate", str(out), str(mask_dir)]) == 2
    assert "1 mask(s) without a score prediction (e.g. 's2')" in capsys.readouterr().err
    assert main(["evaluate", str(out), str(mask_dir), "--subset"]) == 0
    assert "2 images" in capsys.readouterr().out
    Image.fromarray(np.zeros((50, 50), np.uint8)).save(mask_dir / "s1.png")
    assert main(["evaluate", str(out), str(mask_dir), "--subset"]) == 2
    assert "differ in size" in capsys.readouterr().err
    assert main(["evaluate", str(out), str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_make_detector_names():
    for m in METHODS:
        if m in ("lrpcanet", "rpcanet"):
            continue
        assert hasattr(make_detector(m), "score_and_mask")
    with pytest.raises(ValueError, match="unknown method"):
        make_detector("lcm")
    with pytest.raises(ValueError, match="--weights/--device apply to"):
        make_detector("ipi", weights="w.safetensors")


@pytest.mark.parametrize("method", ["lrpcanet", "rpcanet"])
def test_deep_methods(scenes, tmp_path, method, capsys):
    """``--method lrpcanet|rpcanet --weights W``: the deep detector over a folder (weights of
    a small untrained network written by our own code; the shipped weights are tested apart)."""
    torch = pytest.importorskip("torch")
    from sparseopt_deep import LRPCANet, RPCANet, save_weights

    torch.manual_seed(0)
    net = LRPCANet(n_stages=1) if method == "lrpcanet" else RPCANet(n_stages=1)
    weights = tmp_path / f"{method}.safetensors"
    save_weights(net, weights)
    img_dir, _ = scenes
    out = tmp_path / "out"
    args = [
        "detect",
        str(img_dir),
        "--method",
        method,
        "--weights",
        str(weights),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert (out / "s0_mask.png").exists()
    score = np.load(out / "s0_score.npy")
    assert score.min() >= 0 and score.max() <= 1  # a probability
    # a network of the other kind in --weights is refused by name
    other = "rpcanet" if method == "lrpcanet" else "lrpcanet"
    assert (
        main(
            [
                "detect",
                str(img_dir),
                "--method",
                other,
                "--weights",
                str(weights),
                "--out",
                str(tmp_path / "o2"),
            ]
        )
        == 2
    )
    assert f"holds a {method} network" in capsys.readouterr().err
