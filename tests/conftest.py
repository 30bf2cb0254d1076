"""Shared fixtures. Real data sets come from $SPARSEOPT_DATA (CI sets it to ../shared/data).

Where the real-data tests may skip: only when ``SPARSEOPT_DATA`` is *unset* and no
``../shared/data`` lies beside the checkout (a contributor without the data sets). When
``SPARSEOPT_DATA`` is set, the data are required: a wrong path fails every real-data test
instead of turning them into skips, so a CI run with a broken data mount cannot stay green.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]


class DataFolderError(RuntimeError):
    """SPARSEOPT_DATA is set but does not name a usable data folder."""


def resolve_data_root(env: str | None, fallback: Path) -> Path | None:
    """The real-data folder, ``None`` when the tests may skip, or ``DataFolderError``.

    ``env`` is the value of ``SPARSEOPT_DATA`` (``None`` when unset); ``fallback`` is the
    folder used when it is unset (``../shared/data`` beside the checkout).
    """
    if env is not None:
        p = Path(env)
        if not p.is_dir():
            raise DataFolderError(
                f"SPARSEOPT_DATA={env!r} is set but is not a folder; the real-data tests "
                "need it (unset it to skip them on a machine without the data)."
            )
        if not any((p / sub).is_dir() for sub in ("feature_selection", "istd")):
            raise DataFolderError(
                f"SPARSEOPT_DATA={env!r} has neither feature_selection/ nor istd/ inside: "
                "wrong folder?"
            )
        return p
    return fallback if fallback.is_dir() else None


# Array-API dispatch needs SCIPY_ARRAY_API=1 *before* SciPy is imported, so scikit-learn's
# check_array_api_input always skips inside this interpreter. The same check runs for every
# estimator in a fresh subprocess with the variable set (tests/test_array_api_dispatch.py);
# its always-skipping copies from parametrize_with_checks are deselected here.
_ARRAY_API_CHECK = "check_array_api_input"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SCIPY_ARRAY_API") == "1":
        return
    keep, drop = [], []
    for item in items:
        (drop if _ARRAY_API_CHECK in item.nodeid else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real-data folder (see the module docstring for when tests skip or fail)."""
    try:
        root = resolve_data_root(os.environ.get("SPARSEOPT_DATA"), REPO.parent / "shared" / "data")
    except DataFolderError as exc:
        pytest.fail(str(exc), pytrace=False)
    if root is None:
        pytest.skip("real data folder not available (SPARSEOPT_DATA unset, no ../shared/data)")
    return root


@pytest.fixture
def one_blas_thread():
    """One BLAS thread: the suite shares 2 cores, where OpenBLAS threads oversubscribe.

    Modules that time-sensitively run many small products opt in with
    ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``.
    """
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A 20-image data set in NUDT-SIRST's official layout, made of synthetic scenes."""
    import numpy as np
    from PIL import Image

    from sparseopt.istd import make_scene

    root = tmp_path_factory.mktemp("data")
    ds = root / "istd" / "NUDT-SIRST"
    for d in ("images", "masks", "50_50"):
        (ds / d).mkdir(parents=True)
    ids = [f"{i:06d}" for i in range(20)]
    for i, id_ in enumerate(ids):
        s = make_scene((40, 40), n_targets=2, seed=i)
        Image.fromarray((s.image * 255).astype(np.uint8)).save(ds / "images" / f"{id_}.png")
        Image.fromarray(s.mask.astype(np.uint8) * 255).save(ds / "masks" / f"{id_}.png")
    (ds / "50_50" / "train.txt").write_text("\n".join(ids[:16]) + "\n")
    (ds / "50_50" / "test.txt").write_text("\n".join(ids[16:]) + "\n")
    return root
