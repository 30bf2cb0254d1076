"""sparseopt_deep: deep-unfolded (learned) versions of sparseopt's iterations.

Needs torch (``pip install torch==2.13.0`` for the CPU build, or the ``deep``
extra). The networks run the very stage functions of :mod:`sparseopt.stages`
with learnable torch operators.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "sparseopt_deep needs PyTorch: install the CPU build with `pip install torch==2.13.0` "
        "(or `pip install 'sparseopt[deep]'`)."
    ) from exc

from .checkpoints import load_official_checkpoint, load_weights, save_weights
from .linalg import StiefelProjection, stiefel_projection
from .rpcanet import LRPCANet, RPCANet, RPCANetOutput
from .spcanet import SPCANet, SPCANetResult, sspca_objective, train_spcanet
from .training import TrainConfig, exit_distributed, train

__all__ = [
    "LRPCANet",
    "RPCANet",
    "RPCANetOutput",
    "SPCANet",
    "SPCANetResult",
    "StiefelProjection",
    "TrainConfig",
    "exit_distributed",
    "load_official_checkpoint",
    "load_weights",
    "save_weights",
    "sspca_objective",
    "stiefel_projection",
    "train",
    "train_spcanet",
]
