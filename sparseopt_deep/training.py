r"""Training engine for the unfolded detection networks (L-RPCANet, RPCANet).

Loss (both papers): per image :math:`\mathrm{SoftIoU}(p, g) = 1 - (\sum pg + 1)/(\sum p + \sum g -
\sum pg + 1)` with :math:`p = \mathrm{sigmoid}(T_K)`, averaged over the batch, plus
:math:`\eta\,\mathrm{MSE}(D_K, D_0)`, which keeps the last reconstruction close to the image.

Two recipes:

``"paper"``
    The published one: Adam, learning rate 1e-4 with "poly" decay
    :math:`(1 - t/t_{\max})^{0.9}` per iteration, batch 8, whole 256×256 images, no augmentation,
    the per-image SoftIoU, :math:`\eta = 0.1`. The released NUDT-SIRST models ran it for
    770–800 epochs on a GPU.
``"cpu"`` (default)
    Made for accuracy per CPU-hour, each choice after a measured failure of the simpler one:

    * **whole images**, in batches of 4 (more optimiser steps per image seen). Every
      squeeze-and-excitation block pools its features over the whole input, so a network
      trained on small windows is another network on a whole image: the authors' own weights
      fall from 94.4 to 46.1 mIoU run on 64-px tiles (first 50 test images,
      ``benchmarks/results/lrpcanet_context.md``), and
      a run on 64-px target-centred crops learnt the crops while its whole-image validation
      mIoU stayed at 2–7 (``benchmarks/results/training/lrpcanet_bc4_cpu64_run1.md``).
    * **SoftIoU over the batch** (:func:`soft_iou_loss`, ``per="batch"``, the soft form of the
      data-set-level IoU the benchmarks report): with the per-image loss the validation mIoU
      swung between 4 and 14 while a few cluttered images held nearly all the false alarms
      (``.../lrpcanet_bc4_whole_perimage_run2.md``).
    * **plus a pixel-mean binary cross-entropy** on the logits (``bce``): a false alarm the
      network is sure of (logit +20) sits where the sigmoid is flat, and SoftIoU alone has no
      gradient to undo it (``.../lrpcanet_bc4_whole_batchiou_run3.md``); the cross-entropy's
      gradient there is :math:`p - g \approx 1`.
    * flips and transposes; bfloat16 autocast and channels-last (together 3× faster per step at
      128 px, ``benchmarks/results/train_speed.md``); AdamW at 5e-4 with a half-epoch warm-up
      and a cosine schedule. At 2e-3 the SoftIoU loss collapses within a few dozen steps to an
      all-background prediction whose saturated sigmoid has no gradient left.

    ``crop`` and ``target_share`` remain for images much larger than the training set's.

``ema_epochs`` (off in both recipes) keeps an exponential moving average of the weights beside
the raw iterate and validates both, so that selection picks the better of the two at each epoch
as it picks between epochs (Polyak averaging; ``torch.optim.swa_utils.AveragedModel``,
batch-norm statistics included), with decay :math:`1 - 1/(\text{ema\_epochs} \cdot
\text{steps per epoch})`, warmed up as :math:`\min(\text{decay}, (1 + n)/(10 + n))` over
its first updates :math:`n` so that an average started from scratch is not dominated by the
first iterates. It can be switched on when a run is resumed (it then starts from the
resumed weights); with it, each history record scores the average as ``val_*`` and the raw
iterate as ``val_raw_*``, and ``best["weights"]`` says which one ``best.safetensors`` holds
(``"ema"`` or ``"raw"``).

Model selection uses a validation part held out of the *training* split (seeded; its ids are
saved beside the weights); the test split is never seen. Every epoch ends with an atomic
checkpoint holding the model, the optimiser, the step counters and the history; the data order
and the crops and flips of epoch ``e`` are drawn from a generator seeded by ``(seed, e)``, so a
run killed at any point and resumed with ``resume=True`` reaches bit-identical weights. Data-parallel
training runs under ``torchrun`` (gloo on CPU, NCCL on GPU): each process takes its share of
every global batch.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from sparseopt._io import atomic_write

from .checkpoints import save_weights
from .detector import network_input
from .rpcanet import build_model, count_parameters

__all__ = ["RECIPES", "TrainConfig", "exit_distributed", "soft_iou_loss", "train"]


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved in the run folder as ``config.json``).

    See :data:`RECIPES` for the two presets; any field can be overridden.
    """

    model: dict = field(default_factory=lambda: {"model": "lrpcanet", "base_channels": 4})
    dataset: str = "NUDT-SIRST"
    epochs: int = 24
    batch_size: int = 4
    lr: float = 5e-4
    weight_decay: float = 1e-4
    optimizer: str = "adamw"  # "adam" | "adamw"
    schedule: str = "cosine"  # "cosine" | "poly"
    warmup_epochs: float = 0.5
    eta: float = 0.1
    iou: str = "batch"  # SoftIoU over the "batch" (data-set level) | per "image" (the papers')
    bce: float = 1.0  # weight of a pixel-mean binary cross-entropy on the logits
    crop: int | None = None  # None: whole images
    target_share: float = 1.0
    augment: bool = True
    bf16: bool = True
    channels_last: bool = True
    val_fraction: float = 0.1
    val_every: int = 1
    # Horizon, in epochs, of an exponential moving average of the weights (and batch-norm
    # statistics) that is validated and selected instead of the raw weights; 0: off. Horizon in
    # epochs rather than a per-step decay, so it means the same on any data set or batch size.
    ema_epochs: float = 0.0
    seed: int = 0
    num_threads: int | None = None


#: What a run saved before a field existed did: a resumed run keeps training as it started.
_BEFORE_FIELD = {"iou": "image", "bce": 0.0}

RECIPES = {
    "paper": dict(
        batch_size=8,
        iou="image",
        bce=0.0,
        lr=1e-4,
        weight_decay=0.0,
        optimizer="adam",
        schedule="poly",
        warmup_epochs=0.0,
        eta=0.1,
        crop=None,
        augment=False,
        bf16=False,
        channels_last=False,
        epochs=400,
    ),
    "cpu": {},
}


def soft_iou_loss(logits: torch.Tensor, target: torch.Tensor, per: str = "image") -> torch.Tensor:
    """SoftIoU loss (``+1`` smoothing in both terms), per image and averaged over the batch
    (``per="image"``, the papers' loss), or over the batch as one data set (``per="batch"``).

    The batch form is the soft version of the data-set-level IoU the benchmarks report: its
    gradient on a false-alarm pixel is :math:`I/U^2` of the whole batch, the same in every image.
    Per image, the gradient on a false alarm in an image full of clutter is that image's
    :math:`I/U^2` — vanishingly small when :math:`U` is large — so the images that dominate the
    data-set-level false alarms are the ones the per-image loss attends to least.
    """
    if per not in ("image", "batch"):
        raise ValueError(f"per must be 'image' or 'batch', got {per!r}.")
    p = torch.sigmoid(logits.float())
    dims = (1, 2, 3) if per == "image" else (0, 1, 2, 3)
    inter = (p * target).sum(dim=dims)
    union = p.sum(dim=dims) + target.sum(dim=dims) - inter
    return (1.0 - (inter + 1.0) / (union + 1.0)).mean()


# ----------------------------------------------------------------------------------------- data
def _load_split(dataset: str, data_dir, split: str):
    from sparseopt.istd.data import load_istd_dataset

    ds = load_istd_dataset(dataset, split, data_dir=data_dir)
    images, masks = [], []
    for i in range(len(ds)):
        img, mask = ds[i]
        images.append(network_input(img))  # the scaling inference uses
        masks.append(mask.astype(np.float32))
    return ds.ids, images, masks


def _split_train_val(ids, fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ids))
    n_val = max(1, round(fraction * len(ids))) if fraction > 0 else 0
    val = sorted(order[:n_val].tolist())
    train = sorted(order[n_val:].tolist())
    return train, val


def _pad_to(a: np.ndarray, size: int) -> np.ndarray:
    ph, pw = max(0, size - a.shape[0]), max(0, size - a.shape[1])
    return (
        np.pad(a, ((0, ph), (0, pw)), mode="reflect" if min(a.shape) > 1 else "edge")
        if ph or pw
        else a
    )


def _epoch_batches(cfg: TrainConfig, images, masks, train_idx, epoch: int, rank=0, world=1):
    """The batches of one epoch, drawn from a generator seeded by (seed, epoch): a resumed run
    sees exactly the batches an uninterrupted one sees. Yields (image, mask) tensors of this
    process's share of each global batch."""
    g = np.random.default_rng([cfg.seed, epoch])
    order = g.permutation(len(train_idx))
    n_batches = len(order) // cfg.batch_size  # drop the last partial batch (BatchNorm)
    for b in range(n_batches):
        sel = [train_idx[j] for j in order[b * cfg.batch_size : (b + 1) * cfg.batch_size]]
        xs, ys = [], []
        for i in sel:
            x, y = images[i], masks[i]
            if cfg.crop is not None:
                x, y = _pad_to(x, cfg.crop), _pad_to(y, cfg.crop)
                H, W = x.shape
                c = cfg.crop
                if g.random() < cfg.target_share and y.any():
                    rr, cc = np.nonzero(y)
                    k = g.integers(len(rr))
                    r0 = int(np.clip(rr[k] - g.integers(c), 0, H - c))
                    c0 = int(np.clip(cc[k] - g.integers(c), 0, W - c))
                else:
                    r0, c0 = int(g.integers(H - c + 1)), int(g.integers(W - c + 1))
                x, y = x[r0 : r0 + c, c0 : c0 + c], y[r0 : r0 + c, c0 : c0 + c]
            if cfg.augment:
                if g.random() < 0.5:
                    x, y = x[:, ::-1], y[:, ::-1]
                if g.random() < 0.5:
                    x, y = x[::-1], y[::-1]
                if g.random() < 0.5:
                    x, y = x.T, y.T
            xs.append(np.ascontiguousarray(x))
            ys.append(np.ascontiguousarray(y))
        share = slice(rank * len(xs) // world, (rank + 1) * len(xs) // world)
        x = torch.from_numpy(np.stack(xs[share]))[:, None]
        y = torch.from_numpy(np.stack(ys[share]))[:, None]
        yield x, y


def _lr_at(cfg: TrainConfig, step: int, total: int, steps_per_epoch: int) -> float:
    warm = int(cfg.warmup_epochs * steps_per_epoch)
    if step < warm:
        return cfg.lr * (step + 1) / warm
    if cfg.schedule == "poly":
        return cfg.lr * (1 - step / total) ** 0.9
    t = (step - warm) / max(1, total - warm)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(t, 1.0)))


# ----------------------------------------------------------------------------------- validation
@torch.no_grad()
def _validate(model, images, masks, idx, device) -> dict:
    from sparseopt.istd.metrics import evaluate

    model.eval()
    preds = []
    for i in idx:
        x = torch.from_numpy(images[i])[None, None].to(device)
        preds.append(torch.sigmoid(model(x).logits.float())[0, 0].cpu().numpy())
    model.train()
    return evaluate(preds, [masks[i] > 0.5 for i in idx], "rpcanet")


# ---------------------------------------------------------------------------------- checkpoints
def _atomic_torch_save(obj, path: Path):
    with atomic_write(path, "wb", force=True) as fh:  # the run's files are replaced each epoch
        torch.save(obj, fh)


def _atomic_json(obj, path: Path):
    with atomic_write(path, "w", force=True) as fh:
        fh.write(json.dumps(obj, indent=1))


def _dist_info():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    return rank, world


def exit_distributed(code: int = 0):
    """End a data-parallel process: wait for the others, tear the group down, exit.

    The last call of a process started by ``torchrun`` (or ``torch.multiprocessing.spawn``)
    once :func:`train` has returned; ``sparseopt train`` ends this way under ``torchrun``.

    Parameters
    ----------
    code : int, default 0
        The process's exit status.

    Notes
    -----
    It leaves through ``os._exit``, skipping the interpreter's shutdown on purpose:
    DistributedDataParallel keeps the gloo process group, and with it gloo's worker threads,
    alive after ``destroy_process_group`` (measured with torch 2.13), and a worker thread that
    releases its last tensor while the interpreter shuts down aborts the process ("terminate
    called without an active exception", SIGABRT): 5 of 124 two-process test runs, after every
    file had been written, and none of 60 with this exit. Every file :func:`train` writes is
    closed and renamed before it returns; standard output and error are flushed here.
    """
    if torch.distributed.is_initialized():
        torch.distributed.barrier()  # no process leaves while another still writes or waits
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# ---------------------------------------------------------------------------------------- train
def warmed_ema(decay: float):
    r"""Exponential-moving-average update for ``AveragedModel(multi_avg_fn=...)``.

    After ``n`` earlier updates the average moves toward the current weights with decay
    :math:`d_n = \min(\text{decay}, (1 + n)/(10 + n))`: the fixed decay alone would keep the
    first iterates (barely trained, when averaging starts with training) at a weight of about
    :math:`e^{-1}` one horizon later; the warm-up is the usual correction (TensorFlow's
    ``ExponentialMovingAverage(num_updates=...)``). Over a long run it changes only the first
    few hundred updates.
    """

    @torch.no_grad()
    def update(averaged, current, n_averaged):
        n = float(n_averaged)
        d = min(decay, (1.0 + n) / (10.0 + n))
        if torch.is_floating_point(averaged[0]) or torch.is_complex(averaged[0]):
            torch._foreach_lerp_(averaged, current, 1.0 - d)
        else:  # integer buffers (batch-norm counters), as torch's own EMA update treats them
            for a, c in zip(averaged, current):
                a.copy_(a * d + c * (1.0 - d))

    return update


def train(
    data_dir=None,
    out_dir="runs/lrpcanet",
    *,
    recipe: str = "cpu",
    config: TrainConfig | None = None,
    resume: bool = False,
    force: bool = False,
    device: str | None = None,
    max_minutes: float | None = None,
    progress: bool = True,
    **overrides,
) -> dict:
    """Train an unfolded RPCA network on an ISTD data set, with checkpoints and resume.

    Parameters
    ----------
    data_dir : path-like, optional
        Folder holding ``istd/<dataset>`` (default: ``$SPARSEOPT_DATA``).
    out_dir : path-like
        Run folder: ``checkpoint.pt`` (resume state), ``best.safetensors`` (best validation
        mIoU), ``last.safetensors``, ``history.json``, ``config.json``, ``split.json``.
    recipe : {"cpu", "paper"}
        Preset of :class:`TrainConfig` fields (see :data:`RECIPES`); ``overrides`` change any.
    config : TrainConfig, optional
        A full configuration instead of ``recipe`` + ``overrides``.
    resume : bool
        Continue the run in ``out_dir`` from its last checkpoint (its saved configuration is
        used; ``epochs`` may be raised to extend it, and ``num_threads``, ``bf16`` and
        ``ema_epochs`` may change).
    force : bool
        Start afresh even if ``out_dir`` holds a run (its files are replaced).
    device : str, optional
        ``"cuda"`` when available, else ``"cpu"``.
    max_minutes : float, optional
        Stop cleanly after the epoch that passes this wall-clock budget (resume later).
    progress : bool
        Show a progress bar with the loss and the validation mIoU.

    Returns
    -------
    dict
        ``history`` (per epoch: loss, lr, precision, validation metrics, wall seconds), ``best`` (epoch
        and validation mIoU; with averaging, ``weights``: ``"ema"`` or ``"raw"``), ``out_dir``,
        ``finished`` (all epochs done).
    """
    out = Path(out_dir)
    rank, world = _dist_info()
    ckpt_path = out / "checkpoint.pt"
    if resume:
        if not ckpt_path.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {ckpt_path}.")
        saved = json.loads((out / "config.json").read_text())
        cfg = TrainConfig(**{**_BEFORE_FIELD, **saved})
        # the only fields a resumed run may change: its length, what the machine it moves to
        # runs fastest (threads; bfloat16, slower than float32 on CPUs without native
        # support), and a weight average (switched on when a run is extended, it starts from
        # the weights it resumes); each epoch's record says in which precision it ran
        for name in ("epochs", "num_threads", "bf16", "ema_epochs"):
            if name in overrides:
                setattr(cfg, name, overrides.pop(name))
        if overrides:
            raise ValueError(
                "resume uses the run's saved configuration; only epochs, num_threads, bf16 and "
                f"ema_epochs may change, got {sorted(overrides)}."
            )
    else:
        if recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {sorted(RECIPES)}, got {recipe!r}.")
        if config is None:
            cfg = TrainConfig(**{**RECIPES[recipe], **overrides})
        else:
            cfg = dataclasses.replace(config, **overrides)
        if ckpt_path.exists() and not force:
            raise FileExistsError(
                f"{out} already holds a training run; pass resume=True (--resume) to continue "
                "it or force=True (--force) to start over."
            )
    if not (math.isfinite(cfg.ema_epochs) and cfg.ema_epochs >= 0):
        raise ValueError(f"ema_epochs must be a finite number >= 0, got {cfg.ema_epochs!r}.")
    if cfg.batch_size % world:
        raise ValueError(f"batch_size {cfg.batch_size} is not divisible by {world} processes.")
    if data_dir is None:
        data_dir = os.environ.get("SPARSEOPT_DATA")
        if not data_dir:
            raise ValueError("no data folder: pass data_dir (--data-dir) or set SPARSEOPT_DATA.")

    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    ids, images, masks = _load_split(cfg.dataset, data_dir, "train")
    out.mkdir(parents=True, exist_ok=True)  # only once the data is known to be there
    train_idx, val_idx = _split_train_val(ids, cfg.val_fraction, cfg.seed)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model).to(device)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    params = [p for p in model.parameters() if p.requires_grad]
    if cfg.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    elif cfg.optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'adamw', got {cfg.optimizer!r}.")

    steps_per_epoch = len(train_idx) // cfg.batch_size
    if steps_per_epoch == 0:
        raise ValueError(
            f"{len(train_idx)} training images are fewer than one batch of {cfg.batch_size}."
        )
    history, start_epoch, step = [], 0, 0
    best = {"epoch": None, "mIoU": -1.0}
    wall_before = 0.0
    if resume:
        state = torch.load(ckpt_path, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start_epoch, step = int(state["epoch"]), int(state["step"])
        history = json.loads((out / "history.json").read_text())["history"]
        best = json.loads((out / "history.json").read_text())["best"]
        wall_before = float(state["wall_seconds"])
        if rank == 0 and dataclasses.asdict(cfg) != saved:
            # an extended run (more epochs) stays extended: a later --resume without
            # --epochs must not fall back to the old schedule length
            _atomic_json(dataclasses.asdict(cfg), out / "config.json")
    elif rank == 0:
        _atomic_json(dataclasses.asdict(cfg), out / "config.json")
        _atomic_json(
            {
                "dataset": cfg.dataset,
                "seed": cfg.seed,
                "val_ids": [ids[i] for i in val_idx],
                "n_train": len(train_idx),
                "n_val": len(val_idx),
            },
            out / "split.json",
        )
    ema = None
    if cfg.ema_epochs > 0:
        from torch.optim.swa_utils import AveragedModel

        decay = 1.0 - 1.0 / max(1.0, cfg.ema_epochs * steps_per_epoch)
        ema = AveragedModel(model, multi_avg_fn=warmed_ema(decay), use_buffers=True)
        if resume and "ema" in state:  # absent when the average starts at this resume
            ema.load_state_dict(state["ema"])

    total = cfg.epochs * steps_per_epoch
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16)
    t_start = time.perf_counter()
    bar = None
    if progress and rank == 0:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=step, desc="train", unit="step", dynamic_ncols=True)
    finished = start_epoch >= cfg.epochs
    model.train()
    for epoch in range(start_epoch, cfg.epochs):
        losses = []
        for x, y in _epoch_batches(cfg, images, masks, train_idx, epoch, rank, world):
            x, y = x.to(device), y.to(device)
            if cfg.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            lr = _lr_at(cfg, step, total, steps_per_epoch)
            for group in opt.param_groups:
                group["lr"] = lr
            with autocast:
                logits, recon = net(x)
            loss = soft_iou_loss(logits, y, cfg.iou) + cfg.eta * F.mse_loss(recon.float(), x)
            if cfg.bce:
                loss = loss + cfg.bce * F.binary_cross_entropy_with_logits(logits.float(), y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"training diverged at epoch {epoch + 1}, step {step + 1}: the loss is "
                    f"{loss.item()} (learning rate {lr:.3g}). Lower lr, or turn off bf16."
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update_parameters(model)
            step += 1
            if world > 1:  # log the loss of the whole global batch, as one process would
                loss = loss.detach().clone()
                torch.distributed.all_reduce(loss)
                loss /= world
            losses.append(loss.item())
            if bar is not None:
                bar.update(1)
                bar.set_postfix(
                    epoch=epoch + 1, loss=f"{loss.item():.4f}", best=f"{best['mIoU']:.2f}"
                )
        record = {
            "epoch": epoch + 1,
            "step": step,
            "loss": float(np.mean(losses)),
            "lr": lr,
            "bf16": cfg.bf16,
            "wall_seconds": wall_before + time.perf_counter() - t_start,
        }
        if rank == 0 and val_idx and ((epoch + 1) % cfg.val_every == 0 or epoch + 1 == cfg.epochs):
            # With averaging, both the average and the raw iterate are candidates: selection on
            # validation picks between them as it picks between epochs (a tie keeps the average).
            scored = []
            if ema is not None:
                raw = _validate(model, images, masks, val_idx, device)
                record.update({f"val_raw_{k}": v for k, v in raw.items() if isinstance(v, float)})
                scored.append(("raw", model, raw))
            kept, name = (model, None) if ema is None else (ema.module, "ema")
            m = _validate(kept, images, masks, val_idx, device)
            record.update({f"val_{k}": v for k, v in m.items() if isinstance(v, float)})
            scored.insert(0, (name, kept, m))
            name, candidate, score = max(scored, key=lambda c: c[2]["mIoU"])
            if score["mIoU"] > best["mIoU"]:
                best = {"epoch": epoch + 1, "mIoU": score["mIoU"]}
                if name is not None:
                    best["weights"] = name
                save_weights(
                    candidate,
                    out / "best.safetensors",
                    metadata={"epoch": epoch + 1, "val": score, "ema": name == "ema"},
                )
            if bar is not None:
                bar.set_postfix(
                    epoch=epoch + 1, loss=f"{record['loss']:.4f}", val=f"{m['mIoU']:.2f}"
                )
        history.append(record)
        if rank == 0:
            save_weights(model, out / "last.safetensors", metadata={"epoch": epoch + 1})
            _atomic_torch_save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "epoch": epoch + 1,
                    "step": step,
                    "wall_seconds": record["wall_seconds"],
                    **({"ema": ema.state_dict()} if ema is not None else {}),
                },
                ckpt_path,
            )
            _atomic_json(
                {"history": history, "best": best, "parameters": count_parameters(model)},
                out / "history.json",
            )
        finished = epoch + 1 >= cfg.epochs
        stop = max_minutes is not None and time.perf_counter() - t_start > 60 * max_minutes
        if world > 1:
            # Each process reads its own clock, so process 0 decides for all; the broadcast also
            # keeps every process from returning (and tearing down the group) before process 0
            # has written this epoch's files, which aborted a gloo process at exit.
            flag = torch.tensor([float(stop)], device=device)
            torch.distributed.broadcast(flag, src=0)
            stop = bool(flag.item())
        if stop:
            break
    if bar is not None:
        bar.close()
    return {"history": history, "best": best, "out_dir": str(out), "finished": finished}
