"""The ``detect`` sub-command registered by sparseopt.istd.cli.add_subcommand."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from PIL import Image

from sparseopt.istd import make_scene
from sparseopt.istd.cli import METHODS, add_subcommand, make_detector


def _parser():
    parser = argparse.ArgumentParser(prog="sparseopt")
    sub = parser.add_subparsers(dest="command", required=True)
    add_subcommand(sub)
    return parser


def test_help(capsys):
    with pytest.raises(SystemExit) as e:
        _parser().parse_args(["detect", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "IMAGE" in out and "--method" in out and "--out" in out


@pytest.mark.parametrize("method", ["ipi", "mpcm"])
def test_detect_writes_mask(tmp_path, capsys, method):
    sc = make_scene((96, 96), n_targets=2, contrast=5.0, seed=1)
    path = tmp_path / "scene.png"
    Image.fromarray(np.round(sc.image * 255).astype(np.uint8)).convert("RGB").save(path)
    out = tmp_path / "mask.png"
    args = _parser().parse_args(["detect", str(path), "--method", method, "--out", str(out)])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "target(s)" in text and "row" in text
    mask = np.asarray(Image.open(out))
    assert mask.shape == (96, 96) and set(np.unique(mask)) <= {0, 255} and mask.any()
    # No silent overwrite.
    assert args.func(args) == 2
    assert "exists" in capsys.readouterr().err


def test_detect_errors(tmp_path, capsys):
    args = _parser().parse_args(["detect", str(tmp_path / "missing.png")])
    assert args.func(args) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parser().parse_args(["detect", "x.png", "--threshold", "otsu"])
    small = tmp_path / "small.png"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(small)
    args = _parser().parse_args(["detect", str(small)])
    assert args.func(args) == 1
    assert "smaller than" in capsys.readouterr().err


def test_make_detector_names():
    for m in METHODS:
        assert hasattr(make_detector(m), "score_map")
    with pytest.raises(ValueError, match="unknown method"):
        make_detector("lcm")


def test_demo_finds_the_planted_targets(capsys):
    args = _parser().parse_args(["detect", "--demo"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "found 3 of 3 planted targets, 0 false" in out
    # IMAGE and --demo are exclusive, and one of them is needed.
    for argv in (["detect"], ["detect", "x.png", "--demo"]):
        args = _parser().parse_args(argv)
        assert args.func(args) == 2
        assert "IMAGE file or --demo" in capsys.readouterr().err
