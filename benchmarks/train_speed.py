"""Seconds per training step of L-RPCANet on the CPU: which levers pay.

One training step (forward, SoftIoU + η·MSE loss, backward, AdamW step) of L-RPCANet
(base_channels 4, or each of ``--base-channels``; batch 8) on random data, for crop sides
64 / 96 / 128 / 256, float32 vs bfloat16 autocast, and NCHW vs channels-last memory layout. Median of ``--steps`` steps after
one warm-up step; configurations are interleaved round-robin so a background load hits all of
them alike. Writes ``benchmarks/results/train_speed.{md,json}`` (``--force`` to replace).

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/train_speed.py --threads 1
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sparseopt_deep.rpcanet import LRPCANet  # noqa: E402
from sparseopt_deep.training import soft_iou_loss  # noqa: E402


def make_step(base_channels, crop, bf16, channels_last, batch=8, seed=0):
    torch.manual_seed(seed)
    model = LRPCANet(base_channels=base_channels)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    x = torch.rand(batch, 1, crop, crop)
    y = (torch.rand(batch, 1, crop, crop) > 0.99).float()
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, recon = model(x)
        loss = soft_iou_loss(logits, y) + 0.1 * F.mse_loss(recon.float(), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return time.perf_counter() - t0

    return step


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--crops", type=int, nargs="+", default=[64, 96, 128, 256])
    p.add_argument(
        "--base-channels",
        type=int,
        nargs="+",
        default=[4],
        help="network widths to time (the last column compares each with the first)",
    )
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "train_speed"))
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    out = Path(args.out)
    if out.with_suffix(".json").exists() and not args.force:
        p.error(f"{out.with_suffix('.json')} exists; pass --force to replace it")
    torch.set_num_threads(args.threads)
    bcs = args.base_channels
    configs = list(itertools.product(bcs, args.crops, (False, True), (False, True)))
    steps = {c: make_step(*c) for c in configs}
    times = {c: [] for c in configs}
    for c in configs:
        steps[c]()  # warm-up (allocations, oneDNN primitive creation)
    for _ in range(args.steps):
        for c in configs:
            times[c].append(steps[c]())
    rows = []
    for bc, crop in itertools.product(bcs, args.crops):
        ref = float(np.median(times[(bc, crop, False, False)]))
        for bf16, cl in ((False, False), (False, True), (True, False), (True, True)):
            t = float(np.median(times[(bc, crop, bf16, cl)]))
            rows.append(
                {
                    "base_channels": bc,
                    "crop": crop,
                    "bf16": bf16,
                    "channels_last": cl,
                    "median_s": t,
                    "vs_fp32_nchw": ref / t,
                    "vs_first_width": t / float(np.median(times[(bcs[0], crop, bf16, cl)])),
                }
            )
    load = os.getloadavg()[0]
    lines = [
        f"# L-RPCANet (base_channels {', '.join(map(str, bcs))}) training step on the CPU, batch 8, "
        f"{args.threads} torch thread(s), median of {args.steps} (load average at the end {load:.1f})",
        "",
        f"| base channels | crop | dtype | layout | s/step | speed-up vs fp32 NCHW "
        f"| time vs base channels {bcs[0]} |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['base_channels']} | {r['crop']} | {'bf16' if r['bf16'] else 'fp32'} | "
            f"{'channels-last' if r['channels_last'] else 'NCHW'} | {r['median_s']:.3f} | "
            f"{r['vs_fp32_nchw']:.2f}× | {r['vs_first_width']:.2f}× |"
        )
    md = "\n".join(lines) + "\n"
    print(md)
    out.with_suffix(".json").write_text(
        json.dumps({"threads": args.threads, "load": load, "rows": rows}, indent=1)
    )
    out.with_suffix(".md").write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
