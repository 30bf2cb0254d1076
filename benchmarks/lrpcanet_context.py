"""Does an L-RPCANet see the whole image? Whole-image inference against tiled inference.

Each squeeze-and-excitation block of L-RPCANet pools its features over the *whole* input, so
the network's answer at a pixel depends on the size and content of the image around it. This
script measures how much: the same weights score the first ``--limit`` NUDT-SIRST test images
(``rpcanet`` convention) once on the whole 256×256 images and once tile by tile (non-overlapping
tiles of 128 and 64 pixels, stitched). A large drop means a network trained on small crops
learns something else than the one it is used as — which is why the CPU training recipe trains
on whole images.

Weights: the authors' released L-RPCANet checkpoint (``--official``, verification only) and/or
any of ours (``--weights``). Writes ``benchmarks/results/lrpcanet_context.{md,json}``
(``--force`` to replace).

Usage::

    python benchmarks/lrpcanet_context.py --data-dir ../shared/data \\
        --official ../shared/weights/official/lrpcanet_nudt_sirst.pth --limit 100
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sparseopt.istd import load_istd_dataset  # noqa: E402
from sparseopt.istd.metrics import evaluate  # noqa: E402
from sparseopt_deep.checkpoints import load_official_checkpoint, load_weights  # noqa: E402
from sparseopt_deep.detector import network_input  # noqa: E402


@torch.no_grad()
def _probability(net, x: np.ndarray) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None]
    return torch.sigmoid(net(t).logits.float())[0, 0].numpy()


def tiled(net, x: np.ndarray, tile: int | None) -> np.ndarray:
    """Probability map of ``x`` computed whole (``tile=None``) or tile by tile."""
    if tile is None:
        return _probability(net, x)
    out = np.empty(x.shape, np.float32)
    for r in range(0, x.shape[0], tile):
        for c in range(0, x.shape[1], tile):
            out[r : r + tile, c : c + tile] = _probability(net, x[r : r + tile, c : c + tile])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=os.environ.get("SPARSEOPT_DATA"))
    p.add_argument("--official", help="an authors' released L-RPCANet .pth (verification only)")
    p.add_argument("--weights", nargs="*", default=[], help="our .safetensors weights")
    p.add_argument("--limit", type=int, default=100, help="first N test images")
    p.add_argument("--tiles", type=int, nargs="+", default=[128, 64])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "lrpcanet_context"))
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    out = Path(args.out)
    if out.with_suffix(".json").exists() and not args.force:
        p.error(f"{out.with_suffix('.json')} exists; pass --force to replace it")
    if not args.data_dir:
        p.error("no data folder: pass --data-dir or set SPARSEOPT_DATA")
    nets = {}
    if args.official:
        nets["official " + Path(args.official).stem] = load_official_checkpoint(args.official)
    for w in args.weights:
        nets["ours " + Path(w).stem] = load_weights(w)
    if not nets:
        p.error("nothing to measure: pass --official and/or --weights")
    torch.set_num_threads(args.threads)
    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir=args.data_dir)
    n = min(args.limit, len(ds))
    pairs = [ds[i] for i in range(n)]
    images = [network_input(img) for img, _ in pairs]
    masks = [m > 0 for _, m in pairs]
    rows = []
    for name, net in nets.items():
        net.eval()
        for tile in [None, *args.tiles]:
            m = evaluate([tiled(net, x, tile) for x in images], masks, "rpcanet")
            row = {"weights": name, "input": "whole" if tile is None else f"{tile}-px tiles"}
            row.update({k: m[k] for k in ("mIoU", "nIoU", "precision", "recall", "Pd", "Fa")})
            rows.append(row)
            print(json.dumps(row), flush=True)
    lines = [
        f"# L-RPCANet on whole images vs tiles: NUDT-SIRST test, first {n} images, "
        "`rpcanet` convention, threshold 0.5 on the sigmoid",
        "",
        "| weights | input | mIoU | nIoU | precision | recall | Pd | Fa ×1e-5 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['weights']} | {r['input']} | {r['mIoU']:.2f} | {r['nIoU']:.2f} | "
            f"{r['precision']:.2f} | {r['recall']:.2f} | {r['Pd']:.2f} | {r['Fa'] / 1e-5:.2f} |"
        )
    md = "\n".join(lines) + "\n"
    print(md)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"n_images": n, "rows": rows}, indent=1))
    out.with_suffix(".md").write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
