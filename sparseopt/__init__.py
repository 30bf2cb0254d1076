"""sparseopt: sparse optimization made practical.

Classical solvers (NumPy/SciPy/Numba) for structured sparse PCA and robust PCA,
whose iterations the optional :mod:`sparseopt_deep` package unfolds into
trainable networks. This package never imports torch.

The two estimators are available at the top level, imported on first use so that
``import sparseopt`` stays fast::

    from sparseopt import RPCADetector, SparsePCASelector
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0.dev0"

#: Public names resolved lazily (PEP 562): name -> module that defines it.
_LAZY = {
    "SparsePCASelector": "sparseopt.feature_selection",
    "RPCADetector": "sparseopt.istd",
}

__all__ = ["RPCADetector", "SparsePCASelector", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'sparseopt' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
