"""The bad-input table: entry point × input → the expected error (type and message) or answer.

Every row is one call a careless user (or an attacker) could make. A row either names the
exception it must raise and a fragment of its message — so the user is told what is wrong —
or states the correct answer and checks it: no row may end in a silent wrong answer.

The table is published as ``docs/bad_inputs.md``; ``python docs/make_bad_inputs.py`` writes it
from :data:`CASES`, and :func:`test_published_table_is_current` fails when the two disagree.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sparseopt import prox
from sparseopt.cli import main as cli_main
from sparseopt.datasets._base import DataNotFoundError
from sparseopt.decomposition import SVTOperator, robust_pca, structured_sparse_pca
from sparseopt.feature_selection import (
    FSPCA,
    RNE,
    SOGFS,
    SPCAFS,
    UDFS,
    LaplacianScore,
    SparsePCASelector,
)
from sparseopt.istd import (
    IPI,
    ISTDMetrics,
    RPCADetector,
    binarize,
    binarize_mask,
    evaluate,
    image_counts,
    load_istd_dataset,
    make_scene,
    patch_image,
    read_image,
    read_mask,
    read_split_file,
)
from sparseopt.istd.detector import patch_solver_memory
from sparseopt.istd.mpcm import MPCM
from sparseopt.istd.pstnn import PSTNN
from sparseopt.istd.tophat import TopHat

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad_inputs.md"


@dataclass(frozen=True)
class Case:
    """One row: ``call()`` must raise ``raises`` matching ``match``, or pass ``check``."""

    area: str
    entry: str
    given: str
    call: Callable[[], Any]
    raises: type | tuple | None = None
    match: str = ""
    check: Callable[[Any], bool] | None = None
    expect: str = ""
    warns: type | None = None

    @property
    def outcome(self) -> str:
        if self.raises is not None:
            names = self.raises if isinstance(self.raises, tuple) else (self.raises,)
            return "error: " + " / ".join(n.__name__ for n in names)
        return "answer" + (f" + {self.warns.__name__}" if self.warns else "")

    @property
    def id(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.=+-]+", "_", f"{self.entry}[{self.given}]")[:90]


CASES: list[Case] = []


def err(area, entry, given, call, raises, match):
    CASES.append(Case(area, entry, given, call, raises=raises, match=match))


def ok(area, entry, given, call, check, expect, warns=None):
    CASES.append(Case(area, entry, given, call, check=check, expect=expect, warns=warns))


# ---------------------------------------------------------------- shared inputs
SCENE = make_scene((64, 64), n_targets=2, seed=0)
IMG = SCENE.image
NAN_IMG = IMG.copy()
NAN_IMG[3, 3] = np.nan
INF_IMG = IMG.copy()
INF_IMG[3, 3] = np.inf
RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 6))
X[:, 1] += 3 * X[:, 0]


def _with_nan(A):
    A = np.array(A, dtype=float)
    A.flat[1] = np.nan
    return A


def _with_inf(A):
    A = np.array(A, dtype=float)
    A.flat[1] = np.inf
    return A


# ---------------------------------------------------------------- detectors
DETECTORS = {
    "RPCADetector": RPCADetector,
    "IPI": IPI,
    "PSTNN": PSTNN,
    "MPCM": MPCM,
    "TopHat": TopHat,
}


@cache
def _reference_mask(name):
    return DETECTORS[name]().detect(IMG)


def _same_mask(name):
    return lambda m: np.array_equal(m, _reference_mask(name))


BAD_THRESHOLD_PARAMS = [
    ({"threshold": float("nan")}, "threshold"),
    ({"threshold": float("inf")}, "threshold"),
    ({"threshold": -float("inf")}, "threshold"),
    ({"threshold": "otsu"}, "threshold"),
    ({"threshold": None}, "threshold"),
    ({"k": float("nan")}, "'k' parameter"),
    ({"k": float("inf")}, "'k' parameter"),
    ({"k": "5"}, "'k' parameter"),
    ({"ratio": 0.0}, "ratio"),
    ({"ratio": 1.5}, "ratio"),
    ({"ratio": float("nan")}, "ratio"),
]
for name, cls in DETECTORS.items():
    for kw, frag in BAD_THRESHOLD_PARAMS:
        ((key, val),) = kw.items()
        err(
            "detectors",
            f"{name}({key}=…).detect",
            f"{key}={val!r}",
            lambda cls=cls, kw=kw: cls(**kw).detect(IMG),
            InvalidParameterError,
            f"{frag}.* of {name}",
        )

BAD_IMAGES = [
    ("None", lambda: None, TypeError, "numeric"),
    ("a string", lambda: "image.png", TypeError, "numeric"),
    ("a 1-D array", lambda: IMG[0], ValueError, "1-D input"),
    ("a 4-D array", lambda: IMG[None, None], ValueError, "must be 2-D"),
    ("an (H, W, 2) array", lambda: np.stack([IMG, IMG], -1), ValueError, "must be 2-D"),
    ("an empty 0×0 array", lambda: np.zeros((0, 0)), ValueError, "empty"),
    ("a boolean mask", lambda: IMG > 0.5, TypeError, "boolean"),
    ("a complex array", lambda: IMG + 1j, TypeError, "real"),
    ("an object array", lambda: IMG.astype(object), TypeError, "numeric"),
    ("an image with a NaN", lambda: NAN_IMG, ValueError, "NaN or infinite"),
    ("an image with +inf", lambda: INF_IMG, ValueError, "NaN or infinite"),
]
for name, cls in DETECTORS.items():
    for given, make, exc, frag in BAD_IMAGES:
        err(
            "detectors",
            f"{name}().detect",
            given,
            lambda cls=cls, make=make: cls().detect(make()),
            exc,
            frag,
        )

err(
    "detectors",
    "RPCADetector().detect",
    "a 40×64 image (window 50)",
    lambda: RPCADetector().detect(IMG[:40]),
    ValueError,
    "smaller than the 50×50 window",
)
err(
    "detectors",
    "PSTNN().detect",
    "a 30×30 image (window 40)",
    lambda: PSTNN().detect(IMG[:30, :30]),
    ValueError,
    "smaller than the 40×40 window",
)
err(
    "detectors",
    "RPCADetector(pad=5).detect",
    "a 39×64 image (49 padded)",
    lambda: RPCADetector(pad=5).detect(IMG[:39]),
    ValueError,
    "padded by 5",
)

BAD_RPCA_PARAMS = [
    ("patch_size", 0),
    ("patch_size", "50"),
    ("patch_size", 2.5),
    ("step", 0),
    ("lam", float("nan")),
    ("lam", -1.0),
    ("lam", float("inf")),
    ("mu", float("nan")),
    ("mu", 0.0),
    ("fold", "max"),
    ("pad", -1),
    ("deep", "yes"),
    ("model", "unet"),
    ("weights", 3),
    ("device", 0),
    ("svd", "magic"),
    ("dtype", "int8"),
    ("dtype", np.float16),
    ("tol", 0.0),
    ("tol", float("nan")),
    ("max_iter", 0),
    ("max_iter", 1.5),
    ("rho", 0.5),
    ("rho", float("nan")),
    ("alpha0", -1.0),
    ("alpha0", "first"),
    ("alpha0", float("nan")),
    ("n_threads", 0),
    ("n_threads", True),
]
for key, val in BAD_RPCA_PARAMS:
    err(
        "detectors",
        f"RPCADetector({key}=…).detect",
        f"{key}={val!r}",
        lambda key=key, val=val: RPCADetector(**{key: val}).detect(IMG),
        InvalidParameterError,
        f"'{key}' parameter of RPCADetector",
    )
for key, val in [
    ("patch_size", 0),
    ("step", 0),
    ("lambda_l", float("nan")),
    ("mu0", 0.0),
    ("rho", 0.9),
    ("tol", float("nan")),
    ("max_iter", 0),
]:
    err(
        "detectors",
        f"PSTNN({key}=…).detect",
        f"{key}={val!r}",
        lambda key=key, val=val: PSTNN(**{key: val}).detect(IMG),
        InvalidParameterError,
        f"'{key}' parameter of PSTNN",
    )
for val, exc in [((), ValueError), ((0,), ValueError), ((3.5,), ValueError), ("3", TypeError)]:
    err(
        "detectors",
        "MPCM(scales=…).detect",
        f"scales={val!r}",
        lambda val=val: MPCM(scales=val).detect(IMG),
        exc,
        "'scales' parameter of MPCM",
    )
for val in (0, -1, 2.5, "11"):
    err(
        "detectors",
        "TopHat(size=…).detect",
        f"size={val!r}",
        lambda val=val: TopHat(size=val).detect(IMG),
        InvalidParameterError,
        "'size' parameter of TopHat",
    )
err(
    "detectors",
    "RPCADetector(deep=True, model=…).detect",
    "model='unet'",
    lambda: RPCADetector(deep=True, model="unet").detect(IMG),
    InvalidParameterError,
    "'model' parameter of RPCADetector",
)
err(
    "detectors",
    "RPCADetector(deep=True, model='rpcanet').detect",
    "no weights given, none shipped",
    lambda: RPCADetector(deep=True, model="rpcanet").detect(IMG),
    ValueError,
    "no weights for 'rpcanet'",
)
err(
    "detectors",
    "RPCADetector(deep=True, weights=…).detect",
    "weights file missing",
    lambda: RPCADetector(deep=True, weights="/nonexistent/w.safetensors").detect(IMG),
    FileNotFoundError,
    "does not exist",
)


def _refuse_big():
    with mock.patch("sparseopt.istd.detector.available_memory", return_value=1000):
        return RPCADetector().detect(IMG)


err(
    "detectors",
    "RPCADetector().detect",
    "image whose patch image exceeds available memory",
    _refuse_big,
    MemoryError,
    r"needs about .* GiB .* refused, not tiled",
)
ok(
    "detectors",
    "patch_solver_memory",
    "a 4096×4096 image, float32",
    lambda: patch_solver_memory((4096, 4096)),
    lambda b: 18 * 2**30 < b < 20 * 2**30,
    "about 19 GiB (reported before any work)",
)

SCALES = [
    ("image × 1e39", lambda: IMG * 1e39),
    ("image × 1e-39", lambda: IMG * 1e-39),
    ("image × 1e-300", lambda: IMG * 1e-300),
    ("image × 1e-310 (subnormal)", lambda: IMG * 1e-310),
    ("300 + image × 1e-6", lambda: 300 + IMG * 1e-6),
    ("image spanning ±1e308", lambda: IMG * 1.5e308 - 0.7e308),
    ("image as uint16", lambda: np.round(IMG * 65535).astype(np.uint16)),
    ("image as RGB (equal channels)", lambda: np.repeat(IMG[:, :, None], 3, axis=2)),
]
for name in ("RPCADetector", "PSTNN", "MPCM", "TopHat"):
    for given, make in SCALES:
        ok(
            "detectors",
            f"{name}().detect",
            given,
            lambda name=name, make=make: DETECTORS[name]().detect(make()),
            _same_mask(name),
            "the mask of the [0, 1] image (scale-free)",
        )
for name, cls in DETECTORS.items():
    ok(
        "detectors",
        f"{name}().detect",
        "a constant image",
        lambda cls=cls: cls().detect(np.full((64, 64), 7.0)),
        lambda m: m.shape == (64, 64) and not m.any(),
        "no detection",
    )
    ok(
        "detectors",
        f"clone({name}(k=3))",
        "scikit-learn clone",
        lambda cls=cls: clone(cls(k=3.0)).get_params(),
        lambda p: p["k"] == 3.0,
        "an unfitted copy with the same parameters",
    )
ok(
    "detectors",
    "repr(RPCADetector(k=3.0))",
    "scikit-learn repr",
    lambda: repr(RPCADetector(k=3.0)),
    lambda r: r == "RPCADetector(k=3.0)",
    "'RPCADetector(k=3.0)' (changed parameters only)",
)
ok(
    "detectors",
    "IPI().get_params",
    "fixed Gao parameters",
    lambda: IPI().get_params(),
    lambda p: "patch_size" not in p and "k" in p,
    "thresholding and solver options only",
)
ok(
    "detectors",
    "RPCADetector().set_params",
    "set_params(k=5.0)",
    lambda: RPCADetector().set_params(k=5.0).k,
    lambda k: k == 5.0,
    "the detector, with k changed",
)
err(
    "detectors",
    "RPCADetector().set_params",
    "an unknown parameter",
    lambda: RPCADetector().set_params(kk=5.0),
    ValueError,
    "Invalid parameter 'kk'",
)
ok(
    "detectors",
    "RPCADetector().fit",
    "fit() of a detector",
    lambda: RPCADetector().fit(),
    lambda d: isinstance(d, RPCADetector),
    "self (nothing to learn; parameters checked)",
)
ok(
    "detectors",
    "TopHat().detect",
    "a nested list",
    lambda: TopHat().detect(IMG.tolist()),
    _same_mask("TopHat"),
    "same as the array",
)

# ---------------------------------------------------------------- thresholds
S = np.abs(RNG.standard_normal((16, 16)))
for given, call, exc, frag in [
    ("rule=nan", lambda: binarize(S, float("nan")), ValueError, "threshold must be a finite"),
    ("rule=inf", lambda: binarize(S, float("inf")), ValueError, "threshold must be a finite"),
    ("rule='otsu'", lambda: binarize(S, "otsu"), ValueError, "threshold must be one of"),
    ("k=nan", lambda: binarize(S, "adaptive", k=float("nan")), ValueError, "k must be a finite"),
    ("k='3'", lambda: binarize(S, "adaptive", k="3"), TypeError, "k must be a real number"),
    ("ratio=0", lambda: binarize(S, "relmax", ratio=0), ValueError, "ratio must lie in"),
    ("ratio=nan", lambda: binarize(S, "both", ratio=float("nan")), ValueError, "ratio must be"),
    ("1-D score", lambda: binarize(S[0]), ValueError, "non-empty 2-D"),
    ("empty score", lambda: binarize(np.zeros((0, 3))), ValueError, "non-empty 2-D"),
    ("NaN in score", lambda: binarize(_with_nan(S)), ValueError, "NaN or infinite"),
    ("+inf in score", lambda: binarize(_with_inf(S)), ValueError, "NaN or infinite"),
]:
    err("thresholds", "binarize", given, call, exc, frag)
ok(
    "thresholds",
    "binarize",
    "score ≤ 0 everywhere, rule=-1",
    lambda: binarize(-S, -1.0),
    lambda m: not m.any(),
    "no detection (a score ≤ 0 never is)",
)

# ---------------------------------------------------------------- metrics
M = np.zeros((16, 16), dtype=bool)
M[4:6, 4:6] = True
P = M.astype(float)
for given, call, exc, frag in [
    (
        "pred 16×16, mask 32×32 (rpcanet)",
        lambda: evaluate([P], [np.zeros((32, 32), bool)]),
        ValueError,
        "different shapes",
    ),
    (
        "pred 16×16, mask 32×32 (basicirstd)",
        lambda: evaluate([P], [np.zeros((32, 32), bool)], "basicirstd"),
        ValueError,
        "different shapes",
    ),
    ("2 preds, 1 mask (lists)", lambda: evaluate([P, P], [M]), ValueError, "2 predictions and 1"),
    (
        "2 preds, 1 mask (generators)",
        lambda: evaluate((p for p in [P, P]), (m for m in [M])),
        ValueError,
        "masks ran out after 1",
    ),
    ("+inf in pred", lambda: evaluate([_with_inf(P)], [M]), ValueError, "image 0: pred contains"),
    ("-inf in pred", lambda: evaluate([-_with_inf(P)], [M]), ValueError, "NaN or infinite"),
    ("NaN in pred", lambda: evaluate([_with_nan(P)], [M]), ValueError, "NaN or infinite"),
    ("complex pred", lambda: evaluate([P + 1j], [M]), TypeError, "real numeric"),
    ("string pred", lambda: evaluate([P.astype(str)], [M]), TypeError, "numeric"),
    ("mask 0/255", lambda: evaluate([P], [M * 255]), ValueError, "binary"),
    ("mask with NaN", lambda: evaluate([P], [_with_nan(M)]), ValueError, "binary"),
    ("3-D mask", lambda: evaluate([P], [M[None]]), ValueError, "2-D"),
    ("empty pair", lambda: evaluate([np.zeros((0, 0))], [np.zeros((0, 0))]), ValueError, "empty"),
    ("no images", lambda: evaluate([], []), ValueError, "no images"),
    ("size=0", lambda: evaluate([P], [M], size=0), ValueError, "size must be"),
    ("convention='dnanet'", lambda: evaluate([P], [M], "dnanet"), ValueError, "convention"),
    ("ISTDMetrics(size=-1)", lambda: ISTDMetrics("rpcanet", -1), ValueError, "size must be"),
]:
    err("metrics", "evaluate" if "ISTD" not in given else "ISTDMetrics", given, call, exc, frag)
ok(
    "metrics",
    "evaluate",
    "pred = mask (bool, basicirstd)",
    lambda: evaluate([M], [M], "basicirstd"),
    lambda r: r["mIoU"] == 100 and r["Pd"] == 100,
    "mIoU 100, Pd 100",
)
ok(
    "metrics",
    "image_counts",
    "mask given as 0/1 int",
    lambda: image_counts(P, M.astype(np.uint8), "basicirstd"),
    lambda c: c["tp"] == 4 and c["detected"] == 1,
    "4 true positives, 1 target found",
)
ok(
    "metrics",
    "evaluate",
    "empty mask, empty pred",
    lambda: evaluate([np.zeros((16, 16))], [np.zeros((16, 16), bool)]),
    lambda r: math.isnan(r["mIoU"]) and r["n_targets"] == 0,
    "mIoU NaN (0/0, documented), 0 targets",
)


# ---------------------------------------------------------------- loaders
def _with_file(write, read):
    def call():
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "f.png"
            write(path)
            return read(path)

    return call


def _png(a):
    return lambda path: Image.fromarray(a).save(path)


M8 = np.zeros((16, 16), np.uint8)
M8[4:6, 4:6] = 1
for given, arr in [
    ("0/1 8-bit PNG", M8),
    ("0/255 8-bit PNG", M8 * 255),
    ("0/1 16-bit PNG", M8.astype(np.uint16)),
    ("0/255 16-bit PNG", M8.astype(np.uint16) * 255),
    ("0/65535 16-bit PNG", M8.astype(np.uint16) * 65535),
    ("0/255 PNG with stray 64 pixels", np.where(np.arange(256).reshape(16, 16) == 7, 64, M8 * 255)),
]:
    ok(
        "loaders",
        "read_mask",
        given,
        _with_file(_png(arr.astype(arr.dtype)), read_mask),
        lambda m: m.dtype == bool and m.sum() == 4 and m[4:6, 4:6].all(),
        "the 4 target pixels",
    )
ok(
    "loaders",
    "read_mask",
    "PNG with only stray 64 pixels",
    _with_file(_png(M8 * 64), read_mask),
    lambda m: not m.any(),
    "empty mask, with a warning",
    warns=UserWarning,
)
ok(
    "loaders",
    "read_image",
    "16-bit PNG",
    _with_file(_png(M8.astype(np.uint16) * 1000), read_image),
    lambda a: a.dtype == np.uint16 and a.max() == 1000,
    "uint16 values as stored",
)
ok(
    "loaders",
    "read_image",
    "RGB PNG",
    _with_file(_png(np.repeat(M8[:, :, None] * 200, 3, axis=2)), read_image),
    lambda a: a.ndim == 2 and a.max() == 200,
    "grey (BT.601 luma)",
)
err(
    "loaders",
    "read_image",
    "a folder",
    lambda: read_image(REPO / "tests"),
    IsADirectoryError,
    "is a folder",
)
err(
    "loaders",
    "read_image",
    "a missing file",
    lambda: read_image(REPO / "nope.png"),
    FileNotFoundError,
    "does not exist",
)
err(
    "loaders",
    "read_image",
    "a text file",
    _with_file(lambda p: p.write_text("hello"), read_image),
    ValueError,
    "not an image file",
)
err(
    "loaders",
    "read_image",
    "a truncated PNG",
    _with_file(
        lambda p: (
            _png(np.arange(4096, dtype=np.uint16).reshape(64, 64))(p),
            p.write_bytes(p.read_bytes()[:80]),
        ),
        read_image,
    ),
    ValueError,
    "damaged or truncated",
)
for given, arr, exc, frag in [
    ("negative values", np.array([[0, -1], [1, 0]]), ValueError, "negative"),
    ("NaN", np.array([[0.0, np.nan]]), ValueError, "NaN"),
    ("strings", np.array([["a"]]), TypeError, "boolean or real numeric"),
    ("complex", np.array([[1j]]), TypeError, "boolean or real numeric"),
]:
    err("loaders", "binarize_mask", given, lambda arr=arr: binarize_mask(arr), exc, frag)
ok(
    "loaders",
    "binarize_mask",
    "float 0/1 mask",
    lambda: binarize_mask(M8.astype(float)),
    lambda m: m.sum() == 4,
    "the 4 target pixels",
)
err(
    "loaders",
    "read_split_file",
    "an empty split file",
    _with_file(lambda p: p.write_text("\n\n"), read_split_file),
    ValueError,
    "lists no ids",
)
ok(
    "loaders",
    "read_split_file",
    "CRLF lines with extensions",
    _with_file(lambda p: p.write_bytes(b"a.png\r\n\r\nb\r\n"), read_split_file),
    lambda ids: ids == ["a", "b"],
    "['a', 'b']",
)
err(
    "loaders",
    "load_istd_dataset",
    "unknown name",
    lambda: load_istd_dataset("MNIST"),
    ValueError,
    "unknown ISTD data set",
)
err(
    "loaders",
    "load_istd_dataset",
    "split='val'",
    lambda: load_istd_dataset("NUDT-SIRST", "val"),
    ValueError,
    "split must be",
)
err(
    "loaders",
    "load_istd_dataset",
    "data_dir without the data set",
    lambda: load_istd_dataset("SIRST", data_dir=REPO / "tests"),
    DataNotFoundError,
    "not available",
)
for given, call, frag in [
    ("shape (4, 4)", lambda: make_scene((4, 4)), "at least 8×8"),
    ("shape (64,)", lambda: make_scene((64,)), "pair of integers"),
    ("n_targets=-1", lambda: make_scene(n_targets=-1), "n_targets"),
    ("contrast=nan", lambda: make_scene(contrast=float("nan")), "contrast"),
    ("noise=-1", lambda: make_scene(noise=-1.0), "noise"),
    ("sigma_range=(2, 1)", lambda: make_scene(sigma_range=(2.0, 1.0)), "sigma_range"),
    ("mask_level=1.5", lambda: make_scene(mask_level=1.5), "mask_level"),
    ("50 targets in 16×16", lambda: make_scene((16, 16), 50, seed=0), "could not place"),
]:
    err("loaders", "make_scene", given, call, ValueError, frag)
ok(
    "loaders",
    "make_scene",
    "n_targets=0",
    lambda: make_scene((32, 32), 0, seed=0),
    lambda s: not s.mask.any() and s.image.min() == 0 and s.image.max() == 1,
    "a target-free scene in [0, 1]",
)
for given, call, frag in [
    ("patch_size=0", lambda: patch_image(IMG, 0), "patch_size"),
    ("step=0", lambda: patch_image(IMG, 8, 0), "step"),
    ("patch larger than image", lambda: patch_image(IMG, 100), "100"),
]:
    err("loaders", "patch_image", given, call, ValueError, frag)

# ---------------------------------------------------------------- robust_pca and SVT
L = RNG.standard_normal((40, 3)) @ RNG.standard_normal((3, 30))
SP = (RNG.random((40, 30)) < 0.05) * 10.0
D = L + SP


@cache
def _rpca_ref():
    return robust_pca(D)


for given, call, exc, frag in [
    ("D=None", lambda: robust_pca(None), TypeError, "numeric"),
    ("strings", lambda: robust_pca(np.array([["a", "b"]])), TypeError, "numeric"),
    ("1-D", lambda: robust_pca(D[0]), ValueError, "2-D matrix"),
    ("3-D", lambda: robust_pca(D[None]), ValueError, "2-D matrix"),
    ("empty", lambda: robust_pca(np.zeros((0, 3))), ValueError, "empty"),
    ("complex", lambda: robust_pca(D + 1j), TypeError, "real"),
    ("NaN", lambda: robust_pca(_with_nan(D)), ValueError, "NaN or infinite"),
    ("inf", lambda: robust_pca(_with_inf(D)), ValueError, "NaN or infinite"),
    ("lam=0", lambda: robust_pca(D, lam=0.0), ValueError, "lam must be a positive"),
    ("lam=nan", lambda: robust_pca(D, lam=float("nan")), ValueError, "lam must be"),
    ("lam='a'", lambda: robust_pca(D, lam="a"), TypeError, "lam must be a real"),
    ("mu=0", lambda: robust_pca(D, mu=0.0), ValueError, "mu must be"),
    ("mu=nan", lambda: robust_pca(D, mu=float("nan")), ValueError, "mu must be"),
    ("tol=0", lambda: robust_pca(D, tol=0.0), ValueError, "tol must be"),
    ("tol=nan", lambda: robust_pca(D, tol=float("nan")), ValueError, "tol must be"),
    ("max_iter=0", lambda: robust_pca(D, max_iter=0), ValueError, "max_iter"),
    ("max_iter=True", lambda: robust_pca(D, max_iter=True), ValueError, "max_iter"),
    ("max_iter=2.5", lambda: robust_pca(D, max_iter=2.5), ValueError, "max_iter"),
    ("rho=0.5", lambda: robust_pca(D, rho=0.5), ValueError, "rho must be >= 1"),
    ("svd='magic'", lambda: robust_pca(D, svd="magic"), ValueError, "svd must be"),
    ("dtype=int32", lambda: robust_pca(D, dtype=np.int32), ValueError, "dtype must be"),
    ("penalty='x'", lambda: robust_pca(D, penalty="x"), ValueError, "penalty must be"),
    ("alpha0='first'", lambda: robust_pca(D, alpha0="first"), ValueError, "alpha0 must be"),
    ("alpha0=-1", lambda: robust_pca(D, alpha0=-1.0), ValueError, "alpha0 must be"),
    ("dual_tol=-1", lambda: robust_pca(D, dual_tol=-1.0), ValueError, "dual_tol"),
    ("alpha_max_ratio=0", lambda: robust_pca(D, alpha_max_ratio=0), ValueError, "alpha_max"),
    ("init of wrong shape", lambda: robust_pca(D, init=(D[:3], D[:3])), ValueError, "init T0"),
    ("init with NaN", lambda: robust_pca(D, init=(_with_nan(D), D)), ValueError, "init T0"),
    ("init not a pair", lambda: robust_pca(D, init=3), TypeError, "init must be a pair"),
    ("n_threads=0", lambda: robust_pca(D, n_threads=0), ValueError, "n_threads"),
    ("callback=3", lambda: robust_pca(D, callback=3), TypeError, "callback must be callable"),
    (
        "D × 1e39 with dtype=float32",
        lambda: robust_pca(D * 1e39, dtype=np.float32),
        ValueError,
        "outside float32's range",
    ),
]:
    err("solvers", "robust_pca", given, call, exc, frag)
for c in (1e-165, 1e-300, 1e300, 3.0):
    ok(
        "solvers",
        "robust_pca",
        f"D × {c:g}",
        lambda c=c: robust_pca(D * c),
        lambda r, c=c: np.allclose(r.B / c, _rpca_ref().B, atol=1e-7) and r.converged,
        "the solution of D, scaled (same iterations)",
    )
ok(
    "solvers",
    "robust_pca",
    "a zero 3×7 matrix",
    lambda: robust_pca(np.zeros((3, 7))),
    lambda r: r.B.shape == (3, 7) and not r.B.any() and r.converged,
    "zeros of D's shape, converged",
)
ok(
    "solvers",
    "robust_pca",
    "max_iter=2",
    lambda: robust_pca(D, max_iter=2),
    lambda r: not r.converged and r.n_iter == 2 and np.isfinite(r.B).all(),
    "last iterate, converged=False",
    warns=ConvergenceWarning,
)
ok(
    "solvers",
    "robust_pca",
    "integer matrix",
    lambda: robust_pca(np.round(D * 10).astype(np.int64)),
    lambda r: r.B.dtype == np.float64 and r.converged,
    "solved in float64",
)
for given, call, exc, frag in [
    ("method='magic'", lambda: SVTOperator("magic"), ValueError, "svd must be one of"),
    ("3-D input", lambda: SVTOperator()(D[None], 1.0), ValueError, "2-D"),
    ("NaN input", lambda: SVTOperator("gram")(_with_nan(D), 1.0), ValueError, "NaN"),
    ("t=nan", lambda: SVTOperator()(D, float("nan")), ValueError, "threshold"),
    ("t=-1", lambda: SVTOperator()(D, -1.0), ValueError, "threshold"),
    ("string input", lambda: SVTOperator()(np.array([["a"]]), 1.0), TypeError, "real numeric"),
]:
    err("solvers", "SVTOperator", given, call, exc, frag)
ok(
    "solvers",
    "SVTOperator('gram')",
    "t=0",
    lambda: SVTOperator("gram")(D, 0.0),
    lambda B: np.allclose(B, D, atol=1e-8),
    "D itself",
)
for given, call, exc, frag in [
    ("X with NaN", lambda: structured_sparse_pca(_with_nan(X), 2), ValueError, "NaN"),
    ("1-D X", lambda: structured_sparse_pca(X[0], 2), ValueError, "2-D|2D array"),
    ("1 sample", lambda: structured_sparse_pca(X[:1], 2), ValueError, "2 samples|1 sample"),
    (
        "words",
        lambda: structured_sparse_pca(np.array([["a", "b"], ["c", "d"]]), 1),
        (TypeError, ValueError),
        "numeric|convert",
    ),
    ("lam=-1", lambda: structured_sparse_pca(X, 2, lam=-1.0), ValueError, "'?lam'? (must|param)"),
    ("lam=nan", lambda: structured_sparse_pca(X, 2, lam=float("nan")), ValueError, "lam"),
    ("max_iter=0", lambda: structured_sparse_pca(X, 2, max_iter=0), ValueError, "max_iter"),
    ("tol=0", lambda: structured_sparse_pca(X, 2, tol=0.0), ValueError, "'?tol'? (must|param)"),
    ("alpha=-1", lambda: structured_sparse_pca(X, 2, alpha=-1.0), ValueError, "'?alpha'? (must|p)"),
]:
    err("solvers", "structured_sparse_pca", given, call, exc, frag)

# ---------------------------------------------------------------- prox operators
V = RNG.standard_normal((5, 4))
for entry, given, call, exc, frag in [
    ("soft_threshold", "t=-1", lambda: prox.soft_threshold(V, -1.0), ValueError, "non-negative"),
    ("soft_threshold", "t=nan", lambda: prox.soft_threshold(V, float("nan")), ValueError, "t must"),
    ("soft_threshold", "t=inf", lambda: prox.soft_threshold(V, float("inf")), ValueError, "finite"),
    ("soft_threshold", "t array", lambda: prox.soft_threshold(V, V), TypeError, "real scalar"),
    (
        "soft_threshold",
        "strings",
        lambda: prox.soft_threshold(V.astype(str), 1.0),
        TypeError,
        "numeric",
    ),
    ("row_soft_threshold", "1-D V", lambda: prox.row_soft_threshold(V[0], 1.0), ValueError, "2-D"),
    (
        "sparse_group_threshold",
        "mu=-1",
        lambda: prox.sparse_group_threshold(V, 1.0, -1.0),
        ValueError,
        "mu must be",
    ),
    ("row_lp_threshold", "p=0", lambda: prox.row_lp_threshold(V, 1.0, 0.0), ValueError, "p must"),
    ("row_lp_threshold", "p=1", lambda: prox.row_lp_threshold(V, 1.0, 1.0), ValueError, "p must"),
    (
        "row_lp_threshold",
        "p=nan",
        lambda: prox.row_lp_threshold(V, 1.0, float("nan")),
        ValueError,
        "p must",
    ),
    ("hard_threshold", "t=-1", lambda: prox.hard_threshold(V, -1.0), ValueError, "non-negative"),
    ("row_l0_threshold", "1-D V", lambda: prox.row_l0_threshold(V[0], 1.0), ValueError, "2-D"),
    (
        "row_hard_threshold",
        "s=-1",
        lambda: prox.row_hard_threshold(V, -1),
        ValueError,
        "non-negative integer",
    ),
    (
        "row_hard_threshold",
        "s=1.5",
        lambda: prox.row_hard_threshold(V, 1.5),
        ValueError,
        "non-negative integer",
    ),
    (
        "row_hard_threshold",
        "s=True",
        lambda: prox.row_hard_threshold(V, True),
        ValueError,
        "non-negative integer",
    ),
    ("stiefel_projection", "p > d", lambda: prox.stiefel_projection(V.T), ValueError, "p <= d"),
    (
        "stiefel_projection",
        "NaN",
        lambda: prox.stiefel_projection(_with_nan(V)),
        ValueError,
        "non-finite",
    ),
    ("svt", "NaN", lambda: prox.svt(_with_nan(V), 1.0), ValueError, "non-finite"),
    ("svt", "t=nan", lambda: prox.svt(V, float("nan")), ValueError, "t must"),
    ("svt", "3-D", lambda: prox.svt(V[None], 1.0), ValueError, "2-D"),
]:
    err("prox", entry, given, call, exc, frag)
for entry, given, call, check, expect in [
    (
        "soft_threshold",
        "int array",
        lambda: prox.soft_threshold(np.array([3, -1]), 2),
        lambda r: r.tolist() == [1.0, 0.0],
        "[1.0, 0.0] in float64",
    ),
    (
        "row_hard_threshold",
        "s > rows",
        lambda: prox.row_hard_threshold(V, 99),
        lambda r: np.array_equal(r, V),
        "V unchanged",
    ),
    (
        "soft_threshold",
        "t=0",
        lambda: prox.soft_threshold(V, 0.0),
        lambda r: np.array_equal(r, V),
        "V unchanged",
    ),
    (
        "stiefel_projection",
        "rank-deficient V",
        lambda: prox.stiefel_projection(np.ones((5, 2))),
        lambda W: np.allclose(W.T @ W, np.eye(2)),
        "an orthonormal W",
    ),
]:
    ok("prox", entry, given, call, check, expect)

# ---------------------------------------------------------------- feature selection estimators
ESTIMATORS = {
    "SparsePCASelector": lambda **kw: SparsePCASelector(n_components=2, **kw),
    "LaplacianScore": LaplacianScore,
    "UDFS": UDFS,
    "SOGFS": SOGFS,
    "RNE": RNE,
    "FSPCA": FSPCA,
    "SPCAFS": SPCAFS,
}
BAD_X = [
    ("X with NaN", lambda: _with_nan(X), ValueError, "Input X contains NaN"),
    ("X with inf", lambda: _with_inf(X), ValueError, "Input X contains infinity"),
    ("1-D X", lambda: X[0], ValueError, "Expected 2D array"),
    ("1 sample", lambda: X[:1], ValueError, "1 sample"),
    ("1 feature", lambda: X[:, :1], ValueError, "1 feature"),
    ("strings", lambda: X.astype(str).astype(object) + "x", ValueError, "could not convert"),
    ("complex", lambda: X + 1j, ValueError, "Complex data not supported"),
]
for name, make in ESTIMATORS.items():
    for given, mk, exc, frag in BAD_X:
        err(
            "estimators",
            f"{name}().fit",
            given,
            lambda make=make, mk=mk: make().fit(mk()),
            exc,
            frag,
        )
    for k, exc, frag in [
        (0, InvalidParameterError, "n_features_to_select"),
        (1.5, InvalidParameterError, "n_features_to_select"),
        (7, ValueError, "exceeds the number of features"),
    ]:
        err(
            "estimators",
            f"{name}(n_features_to_select=…).fit",
            f"n_features_to_select={k!r}",
            lambda make=make, k=k: make(n_features_to_select=k).fit(X),
            exc,
            frag,
        )
    ok(
        "estimators",
        f"{name}().fit",
        "X with a constant column",
        lambda make=make: make().fit(np.column_stack([X, np.full(30, 2.0)])),
        lambda est: est.ranking_[-1] == 7 and est.transform(np.zeros((2, 7))).shape == (2, 3),
        "the constant feature ranked last",
    )


# ---------------------------------------------------------------- command line
def _cli(argv, with_stderr=False):
    def call():
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                rc = cli_main(argv)
            except SystemExit as exc:  # argparse usage errors
                rc = exc.code
        return (rc, err.getvalue()) if with_stderr else rc

    return call


def _cli_in(tmp_files, argv_of):
    """Run the CLI with files created in a temporary folder; returns (rc, the folder's files)."""

    def call():
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            for name, writer in tmp_files.items():
                writer(d / name)
            rc = _cli(argv_of(d))()
            return rc, {p.name: p.stat().st_size for p in d.iterdir()}

    return call


def _write_image(path):
    Image.fromarray(np.round(IMG * 255).astype(np.uint8)).save(path)


for given, argv, rc in [
    ("no sub-command", [], 0),
    ("--version", ["--version"], 0),
    ("detect, no IMAGE and no --demo", ["detect"], 2),
    ("detect --method foo", ["detect", "--demo", "--method", "foo"], 2),
    ("detect --threshold abc", ["detect", "--demo", "--threshold", "abc"], 2),
    ("detect --k abc", ["detect", "--demo", "--k", "abc"], 2),
    ("select of a missing file", ["select", "missing-file.csv"], 2),
    ("unknown sub-command", ["frobnicate"], 2),
]:
    ok(
        "cli",
        "sparseopt " + (argv[0] if argv else ""),
        given,
        _cli(argv),
        lambda r, rc=rc: r == rc,
        f"exit status {rc}" + (", one-line error" if rc else ""),
    )
# Refused with a non-zero status and a message naming the problem (the exact status of a
# bad value is the command's business: 1 or 2).
for given, argv, frag in [
    ("detect of a missing file", ["detect", "missing-file.png"], "does not exist"),
    (
        "detect --threshold nan",
        ["detect", "--demo", "--method", "tophat", "--threshold", "nan"],
        "threshold.*nan",
    ),
    ("detect --k nan", ["detect", "--demo", "--method", "tophat", "--k", "nan"], "k.*nan"),
    ("detect --ratio 2", ["detect", "--demo", "--method", "tophat", "--ratio", "2"], "ratio.*2"),
]:
    ok(
        "cli",
        "sparseopt detect",
        given,
        _cli(argv, with_stderr=True),
        lambda r, frag=frag: r[0] != 0 and re.search(frag, r[1]) is not None,
        f"non-zero exit status, error naming it (“{frag}”)",
    )
ok(
    "cli",
    "sparseopt detect",
    "--out of an existing file, no --force",
    _cli_in(
        {"img.png": _write_image, "mask.png": lambda p: p.write_bytes(b"keep")},
        lambda d: [
            "detect",
            str(d / "img.png"),
            "--method",
            "tophat",
            "--out",
            str(d / "mask.png"),
        ],
    ),
    lambda r: r[0] == 2 and r[1]["mask.png"] == 4,
    "exit status 2, the file untouched",
)
ok(
    "cli",
    "sparseopt detect",
    "an 8-bit PNG, --method tophat",
    _cli_in(
        {"img.png": _write_image},
        lambda d: ["detect", str(d / "img.png"), "--method", "tophat", "--out", str(d / "m.png")],
    ),
    lambda r: r[0] == 0 and "m.png" in r[1],
    "exit status 0, mask written",
)
ok(
    "cli",
    "sparseopt select",
    "--out of an existing file, no --force",
    _cli_in(
        {"x.npy": lambda p: np.save(p, X), "r.csv": lambda p: p.write_bytes(b"keep")},
        lambda d: ["select", str(d / "x.npy"), "--out", str(d / "r.csv")],
    ),
    lambda r: r[0] == 2 and r[1]["r.csv"] == 4,
    "exit status 2, the file untouched",
)
ok(
    "cli",
    "sparseopt select",
    "a .npy file with NaN",
    _cli_in(
        {"x.npy": lambda p: np.save(p, _with_nan(X))},
        lambda d: ["select", str(d / "x.npy")],
    ),
    lambda r: r[0] == 2,
    "exit status 2, one-line error",
)


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case):
    if case.raises is not None:
        with pytest.raises(case.raises, match=case.match):
            case.call()
        return
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = case.call()
    if case.warns is not None:
        assert any(issubclass(w.category, case.warns) for w in seen), [str(w) for w in seen]
    assert case.check(out), f"{case.entry} on {case.given}: expected {case.expect}, got {out!r}"


def test_table_is_large_enough():
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)


def table_markdown(cases=CASES) -> str:
    """The published table (``docs/bad_inputs.md``), one section per area."""
    counts: dict[str, int] = {}
    for c in cases:
        key = "error" if c.raises is not None else "answer"
        counts[key] = counts.get(key, 0) + 1
    lines = [
        "---",
        "orphan: true",  # MyST front matter: no toctree warning wherever the page is linked
        "---",
        "",
        "# Bad inputs: what every entry point does",
        "",
        "Generated from `tests/test_bad_inputs.py` by `python docs/make_bad_inputs.py`; every "
        "row is a test case (`pytest tests/test_bad_inputs.py`). A row either raises the named "
        "error with a message matching the fragment shown (a regular expression), or returns the stated answer.",
        "",
        f"{len(cases)} rows: {counts.get('error', 0)} raise an error, "
        f"{counts.get('answer', 0)} return a checked answer.",
        "",
    ]
    for area in dict.fromkeys(c.area for c in cases):
        rows = [c for c in cases if c.area == area]
        lines += [f"## {area} ({len(rows)} rows)", "", "| entry point | input | outcome |"]
        lines += ["|---|---|---|"]
        for c in rows:
            if c.raises is not None:
                what = f"{c.outcome[7:]}: `{c.match}`"
            else:
                what = c.expect + (f" ({c.warns.__name__})" if c.warns else "")
            cells = (f"`{c.entry}`", c.given, what)
            lines.append("| " + " | ".join(s.replace("|", "\\|") for s in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def test_published_table_is_current():
    assert DOC.read_text(encoding="utf-8") == table_markdown(), (
        "docs/bad_inputs.md is out of date: run `python docs/make_bad_inputs.py`"
    )
