"""Reading and writing network weights: our safetensors files and the authors' released ones.

Only tensors are ever loaded. Our weights are safetensors files (a JSON header and raw tensor
bytes: nothing to execute) whose metadata holds the architecture. The authors' released
checkpoints are PyTorch pickles; they are read with ``torch.load(weights_only=True)``, which
refuses anything but tensors and plain containers, and a file it refuses is reported, never
re-read unsafely.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

import torch
from torch import nn

from sparseopt._io import atomic_write

from .rpcanet import LRPCANet, RPCANet, build_model

__all__ = [
    "load_official_checkpoint",
    "load_weights",
    "official_architecture",
    "save_weights",
    "sha256_file",
]

#: authors' module names → ours
_OFFICIAL_MODULES = {
    "lowrank": "background",
    "sparse": "target",
    "residual": "noise",
    "merge": "merge",
}


def sha256_file(path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_official(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist or is not a file.")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise ValueError(
            f"{path} cannot be read as tensors only (torch.load(weights_only=True) refused it: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). It is not "
            "loaded: sparseopt never runs pickled code from a weights file."
        ) from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path} does not hold a state_dict (a mapping of names to tensors).")
    # checkpoints saved from nn.DataParallel prefix every key with "module."
    return {k.removeprefix("module."): v for k, v in obj.items()}


def official_architecture(state_dict: dict) -> dict:
    """The network configuration that an authors' ``state_dict`` implies (key layout and shapes).

    Raises ``ValueError`` naming what is missing when the keys are not those of L-RPCANet or
    RPCANet.
    """
    stages = {int(m.group(1)) for k in state_dict if (m := re.match(r"decos\.(\d+)\.", k))}
    if not stages:
        raise ValueError(
            "not an RPCANet/L-RPCANet checkpoint: no 'decos.<stage>.' keys "
            f"(first keys: {list(state_dict)[:3]})."
        )
    n_stages = max(stages) + 1
    if stages != set(range(n_stages)):
        raise ValueError(f"stages {sorted(stages)} are not numbered 0..{n_stages - 1}.")
    if not any(k.startswith("decos.0.residual.") for k in state_dict):
        return {"model": "rpcanet", "n_stages": n_stages}
    try:
        bc = state_dict["decos.0.lowrank.convs.0.weight"].shape[0]
    except KeyError:
        raise ValueError("missing key 'decos.0.lowrank.convs.0.weight'.") from None
    noise_convs = [
        k for k in state_dict if re.fullmatch(r"decos\.0\.residual\.convs\.\d+\.weight", k)
    ]
    se = [
        f"decos.0.{m}.channel_attention.excitation.0.weight" in state_dict
        for m in ("lowrank", "sparse", "residual", "merge")
    ]
    return {
        "model": "lrpcanet",
        "n_stages": n_stages,
        "base_channels": int(bc),
        "noise_layers": len(noise_convs) - 2,  # minus the head and the expansion
        "se": se,
    }


def _official_layers(state_dict: dict, prefix: str) -> list[str]:
    """Layer prefixes of one official module in forward order (its Sequential by index, then
    the attention block, then the final convolution)."""
    seq = defaultdict(list)
    for k in state_dict:
        if k.startswith(prefix):
            rest = k[len(prefix) :]
            m = re.match(r"(convs|mapping)\.(\d+)\.", rest)
            if m:
                seq[int(m.group(2))].append(f"{prefix}{m.group(1)}.{m.group(2)}.")
    layers = [seq[i][0] for i in sorted(seq)]
    for extra in (
        "channel_attention.excitation.0.",
        "channel_attention.excitation.2.",
        "final_conv.",
    ):
        if any(k.startswith(prefix + extra) for k in state_dict):
            layers.append(prefix + extra)
    return layers


def _our_layers(module: nn.Module, prefix: str) -> list[str]:
    return [
        f"{prefix}{name}."
        for name, m in module.named_modules()
        if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))
    ]


def _map_official(state_dict: dict, model: nn.Module) -> dict:
    """The official ``state_dict`` renamed to our module names (layer by layer, in order)."""
    out = {}
    for k, stage in enumerate(model.stages):
        for theirs, ours in _OFFICIAL_MODULES.items():
            sub = getattr(stage, ours)
            if sub is None:
                continue
            src = _official_layers(state_dict, f"decos.{k}.{theirs}.")
            dst = _our_layers(sub, f"stages.{k}.{ours}.")
            if len(src) != len(dst):
                raise ValueError(
                    f"stage {k} {theirs}: the checkpoint has {len(src)} layers, "
                    f"the network {len(dst)}."
                )
            for s, d in zip(src, dst):
                for key, value in state_dict.items():
                    if key.startswith(s):
                        out[d + key[len(s) :]] = value
        out[f"stages.{k}.epsilon.value"] = state_dict.get(f"decos.{k}.sparse.epsilon")
        if stage.noise is not None:
            out[f"stages.{k}.sigma.value"] = state_dict.get(f"decos.{k}.residual.sigma")
    missing = [k for k, v in out.items() if v is None]
    if missing:
        raise ValueError(f"checkpoint lacks the step sizes {missing}.")
    return out


def _load_strict(model: nn.Module, state_dict: dict, source) -> nn.Module:
    """``load_state_dict(strict=True)`` with shape mismatches named in one message."""
    own = model.state_dict()
    bad = [
        f"{k}: file {tuple(v.shape)} vs network {tuple(own[k].shape)}"
        for k, v in state_dict.items()
        if k in own and own[k].shape != v.shape
    ]
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    if bad or missing or unexpected:
        parts = []
        if bad:
            parts.append(f"{len(bad)} shape mismatch(es), e.g. {bad[0]}")
        if missing:
            parts.append(f"{len(missing)} missing key(s), e.g. {missing[0]}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s), e.g. {unexpected[0]}")
        raise ValueError(
            f"{source} does not fit {type(model).__name__}({model.config}): " + "; ".join(parts)
        )
    model.load_state_dict(state_dict, strict=True)
    return model


def load_official_checkpoint(path) -> LRPCANet | RPCANet:
    """An L-RPCANet or RPCANet with the authors' released weights, in eval mode.

    The architecture (network, number of stages, base channels, noise layers, attention blocks)
    is inferred from the keys; every tensor is mapped onto our modules and loaded with strict
    matching. Only tensors are read (``torch.load(weights_only=True)``).

    Parameters
    ----------
    path : str or path-like
        A released ``.pth``/``.pkl`` state_dict (keys ``decos.<k>.{lowrank,sparse,residual,merge}``).

    Returns
    -------
    LRPCANet or RPCANet
    """
    sd = _read_official(path)
    config = official_architecture(sd)
    model = build_model(config)
    model = _load_strict(model, _map_official(sd, model), path)
    return model.eval()


def save_weights(model: nn.Module, path, *, metadata: dict | None = None) -> str:
    """Write ``model``'s state_dict as safetensors (architecture in the metadata), atomically.

    Returns the file's sha256.
    """
    from safetensors.torch import save

    path = Path(path)
    meta = {"config": json.dumps(model.config)}
    for k, v in (metadata or {}).items():
        meta[k] = v if isinstance(v, str) else json.dumps(v)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    data = save(tensors, metadata=meta)
    with atomic_write(path, "wb", force=True) as fh:  # replaced each epoch by design
        fh.write(data)
    return sha256_file(path)


def load_weights(path, *, sha256: str | None = None) -> LRPCANet | RPCANet:
    """A network from a weights file, in eval mode.

    ``.safetensors``: ours (the architecture is in the file's metadata); anything else: an
    authors' release through :func:`load_official_checkpoint`. With ``sha256`` the file's hash
    is checked first and a mismatch raises.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file {str(path)!r} does not exist or is not a file.")
    if sha256 is not None:
        got = sha256_file(path)
        if got != sha256:
            raise ValueError(
                f"{path} has sha256 {got}, expected {sha256}: the file is corrupt or not the "
                "one the model card describes."
            )
    if path.suffix != ".safetensors":
        return load_official_checkpoint(path)
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable safetensors file: {exc}") from None
    if "config" not in meta:
        raise ValueError(f"{path} has no 'config' metadata: not a sparseopt weights file.")
    model = build_model(json.loads(meta["config"]))
    return _load_strict(model, tensors, path).eval()
