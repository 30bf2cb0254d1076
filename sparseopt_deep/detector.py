"""The deep half of :class:`sparseopt.istd.RPCADetector` (``deep=True``): networks, weights,
input scaling and score maps.

The shipped weights (``sparseopt_deep/weights/``) are L-RPCANet weights trained by
:mod:`sparseopt_deep.training`; their model card (``*.json`` beside them) holds the recipe, the
scores and the sha256 that is checked at every load.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import torch

from .checkpoints import load_weights

__all__ = ["SHIPPED_WEIGHTS", "deep_decompose", "deep_score_map", "load_network", "network_input"]

WEIGHTS_DIR = Path(__file__).parent / "weights"

#: default weights of each model name, by file stem in ``WEIGHTS_DIR`` (``None``: not shipped)
SHIPPED_WEIGHTS = {"lrpcanet": "lrpcanet_nudt_sirst", "rpcanet": None}

_cache: dict = {}
_lock = threading.Lock()


def model_card(model: str = "lrpcanet") -> dict:
    """The model card (JSON) of the shipped weights of ``model``."""
    stem = SHIPPED_WEIGHTS.get(model)
    if stem is None:
        raise ValueError(
            f"no weights for {model!r} are shipped with sparseopt; pass weights=PATH (a file "
            "written by `sparseopt train`, or an authors' released checkpoint)."
        )
    path = WEIGHTS_DIR / f"{stem}.json"
    if not path.is_file():
        raise ValueError(
            f"this version of sparseopt ships no trained {model!r} weights yet (the project's "
            "CPU training run has not finished); pass weights=PATH: a file written by "
            "`sparseopt train`, or an authors' released checkpoint."
        )
    return json.loads(path.read_text())


def load_network(model: str = "lrpcanet", weights=None, device=None) -> torch.nn.Module:
    """The network for ``model`` with ``weights`` (default: the shipped ones), in eval mode on
    ``device``; loaded once per (model, weights, device) and cached."""
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if weights is None:
        card = model_card(model)
        path, sha = WEIGHTS_DIR / card["file"], card["sha256"]
    else:
        path, sha = Path(weights), None
    key = (model, str(Path(path).resolve()), str(device))
    with _lock:
        net = _cache.get(key)
        if net is None:
            net = load_weights(path, sha256=sha)
            if net.config["model"] != model:
                raise ValueError(
                    f"{path} holds a {net.config['model']} network, but model={model!r}."
                )
            net = net.to(device).eval()
            _cache[key] = net
    return net


def network_input(image: np.ndarray, dtype=None) -> np.ndarray:
    """The image as the networks take it: values in [0, 1].

    8-bit and 16-bit images are divided by their dtype's maximum (the networks are trained on
    ``image / 255``); float images already in [0, 1] are kept; any other image is min-max scaled.
    """
    a = np.asarray(image)
    src = np.dtype(dtype) if dtype is not None else a.dtype
    if src == np.uint8:
        return a.astype(np.float32) / 255.0
    if src == np.uint16:
        return a.astype(np.float32) / 65535.0
    a = a.astype(np.float64)
    lo, hi = float(a.min()), float(a.max())
    if lo >= 0.0 and hi <= 1.0:
        return a.astype(np.float32)
    return ((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)).astype(np.float32)


@torch.no_grad()
def _run(net, img: np.ndarray):
    device = next(net.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(img))[None, None].to(device)
    zero = torch.zeros_like(x)
    from sparseopt.stages.rpca import RPCAState

    return net.unroll(RPCAState(None, zero, zero, x))


def deep_score_map(img: np.ndarray, model="lrpcanet", weights=None, device=None) -> np.ndarray:
    """Target probability :math:`\\mathrm{sigmoid}(T_K)` of an image already in [0, 1]."""
    net = load_network(model, weights, device)
    state = _run(net, img)
    return torch.sigmoid(state.T.float())[0, 0].cpu().numpy().astype(np.float64)


def deep_decompose(img: np.ndarray, model="lrpcanet", weights=None, device=None):
    """The last stage's background, target probability and noise images ``(B, T, N)``."""
    net = load_network(model, weights, device)
    state = _run(net, img)

    def arr(t):
        return t.float()[0, 0].cpu().numpy().astype(np.float64)

    N = state.N if isinstance(state.N, torch.Tensor) else torch.zeros_like(state.T)
    return arr(state.B), arr(torch.sigmoid(state.T)), arr(N)
