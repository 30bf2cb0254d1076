"""scikit-learn's array-API check, run where it can run: a fresh interpreter with SCIPY_ARRAY_API=1.

``check_array_api_input`` (enabling ``array_api_dispatch`` with NumPy inputs must not change an
estimator's results) needs ``SCIPY_ARRAY_API=1`` set before SciPy is imported, so inside the
test process it can only skip (those copies are deselected in ``conftest.py``). Here one
subprocess runs it for every estimator the suite checks and reports each outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

ESTIMATORS = {
    "LaplacianScore": "LaplacianScore()",
    "UDFS": "UDFS()",
    "SOGFS": "SOGFS()",
    "RNE": "RNE(random_state=0)",
    "FSPCA": "FSPCA()",
    "SPCAFS": "SPCAFS()",
    "SparsePCASelector": "SparsePCASelector()",
    "SparsePCASelector-l2p-random": "SparsePCASelector(penalty='l2p', mu=0.1, init='random')",
    "SparsePCASelector-deep": "SparsePCASelector(deep=True, n_stages=2, n_epochs=3)",
}

SCRIPT = """
import json, os, sys, traceback
assert os.environ["SCIPY_ARRAY_API"] == "1"
from scipy._lib._array_api import SCIPY_ARRAY_API
from sklearn.utils.estimator_checks import check_array_api_input
from sparseopt.feature_selection import (
    FSPCA, RNE, SOGFS, SPCAFS, UDFS, LaplacianScore, SparsePCASelector)
out = {"scipy_array_api": bool(SCIPY_ARRAY_API)}
for label, expr in json.loads(sys.argv[1]).items():
    est = eval(expr)
    if label.endswith("-deep"):
        try:
            import torch  # noqa: F401
        except ImportError:
            out[label] = "no torch"
            continue
    try:
        check_array_api_input(type(est).__name__, est, array_namespace="numpy",
                              expect_only_array_outputs=False)
        out[label] = "ok"
    except Exception:
        out[label] = traceback.format_exc()
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def outcomes():
    env = dict(os.environ, SCIPY_ARRAY_API="1", PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(ESTIMATORS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


def test_the_subprocess_really_has_array_api_enabled(outcomes):
    assert outcomes["scipy_array_api"] is True


@pytest.mark.parametrize("label", list(ESTIMATORS))
def test_array_api_dispatch_does_not_change_results(outcomes, label):
    if outcomes[label] == "no torch":
        pytest.skip("torch not installed")
    assert outcomes[label] == "ok", outcomes[label]
