"""Shared fixtures. Real data sets come from $SPARSEOPT_DATA (CI points it at ../shared/data)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]


def _data_root() -> Path | None:
    env = os.environ.get("SPARSEOPT_DATA")
    if env:
        p = Path(env)
        return p if p.is_dir() else None
    # A checkout with the project's shared folder beside it (as in CI and development).
    p = REPO.parent / "shared" / "data"
    return p if p.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real-data folder; tests that use it are skipped when it is absent."""
    root = _data_root()
    if root is None:
        pytest.skip("real data folder not available (set SPARSEOPT_DATA)")
    return root


@pytest.fixture
def one_blas_thread():
    """One BLAS thread: the suite shares 2 cores, where OpenBLAS threads oversubscribe.

    Modules that time-sensitively run many small products opt in with
    ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``.
    """
    with threadpool_limits(1):
        yield
