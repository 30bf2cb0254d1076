"""The ``sparseopt detect`` sub-command (registered by :func:`add_subcommand`).

``sparseopt detect IMAGE [--method ipi|rpca|pstnn|mpcm|tophat] [--threshold RULE] [--k K]
[--out mask.png] [--score-out score.npy]`` reads an image (colour → grey by the ITU-R BT.601
luma), runs a detector, prints one line per detected target (centroid, area, peak score) and
optionally writes the binary mask as a PNG (0/255) and the float score map as ``.npy``.
``sparseopt detect --demo`` does the same on a seeded synthetic 256×256 scene
(:func:`sparseopt.istd.make_scene`) and says which planted targets were found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

__all__ = ["METHODS", "add_subcommand", "make_detector", "run_detect"]

#: Detector names accepted by ``--method``.
METHODS = ("ipi", "rpca", "pstnn", "mpcm", "tophat")


def make_detector(method: str, **kw):
    """A detector by name; ``kw`` (``threshold``, ``k``, ``ratio``) go to its constructor."""
    from .detector import IPI, RPCADetector
    from .mpcm import MPCM
    from .pstnn import PSTNN
    from .tophat import TopHat

    classes = {"ipi": IPI, "rpca": RPCADetector, "pstnn": PSTNN, "mpcm": MPCM, "tophat": TopHat}
    if method not in classes:
        raise ValueError(f"unknown method {method!r}; choose from {METHODS}.")
    return classes[method](**{k: v for k, v in kw.items() if v is not None})


def _threshold_arg(s: str):
    if s in ("adaptive", "relmax", "both"):
        return s
    try:
        return float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"threshold must be 'adaptive', 'relmax', 'both' or a number, got {s!r}"
        ) from None


def add_subcommand(subparsers) -> argparse.ArgumentParser:
    """Register ``detect`` on an ``argparse`` sub-parser collection; returns its parser.

    The parser's default ``func`` is :func:`run_detect` (call ``args.func(args)``).
    """
    p = subparsers.add_parser(
        "detect",
        help="detect small infrared targets in an image",
        description=(
            "Detect small infrared targets in IMAGE. Prints one line per target "
            "(row, column, area, peak score), strongest first."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "image",
        metavar="IMAGE",
        nargs="?",
        help="image file (PNG, BMP, TIFF, JPEG; colour → grey); omit with --demo",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="run on a seeded synthetic 256×256 scene with three planted targets instead of "
        "IMAGE, and report which were found",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the --demo scene")
    p.add_argument(
        "--method",
        choices=METHODS,
        default="ipi",
        help="detector: IPI (robust PCA of the patch image), rpca (same, all options at "
        "their defaults), PSTNN, MPCM or a white top-hat",
    )
    p.add_argument(
        "--threshold",
        type=_threshold_arg,
        default=None,
        help="'adaptive' (mean + k·std), 'relmax' (ratio·max), 'both', or an absolute value "
        "(default: the method's)",
    )
    p.add_argument("--k", type=float, default=None, help="k of the adaptive rule")
    p.add_argument("--ratio", type=float, default=None, help="ratio of the relmax rule")
    p.add_argument("--out", type=Path, default=None, help="write the binary mask (PNG, 0/255)")
    p.add_argument("--score-out", type=Path, default=None, help="write the score map (.npy)")
    p.add_argument(
        "--force", action="store_true", help="overwrite --out / --score-out if they exist"
    )
    p.set_defaults(func=run_detect)
    return p


def run_detect(args) -> int:
    """Handler of ``sparseopt detect``; returns the exit status."""
    from PIL import Image

    from ._base import targets_from_mask
    from .data import read_image

    if (args.image is None) == (not args.demo):
        print("error: give an IMAGE file or --demo (not both)", file=sys.stderr)
        return 2
    for path in (args.out, args.score_out):
        if path is not None and path.exists() and not args.force:
            print(f"error: {path} exists (use --force to overwrite)", file=sys.stderr)
            return 2
    scene = None
    try:
        if args.demo:
            from .synthetic import make_scene

            scene = make_scene((256, 256), n_targets=3, contrast=3.0, seed=args.seed)
            image = scene.image
        else:
            image = read_image(args.image)
        det = make_detector(args.method, threshold=args.threshold, k=args.k, ratio=args.ratio)
        score, mask = det.score_and_mask(image)
    except (OSError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    found = targets_from_mask(mask, score)
    where = f"the synthetic scene (seed {args.seed})" if scene is not None else args.image
    print(f"{len(found)} target(s) in {where} ({args.method}):")
    for t in found:
        r, c = t.centroid
        print(f"  row {r:8.2f}  col {c:8.2f}  area {t.area:5d}  score {t.score:.4g}")
    if scene is not None:
        # A planted target counts as found when a detected centroid lies within 3 pixels.
        hits = 0
        for cy, cx in scene.centers:
            d = min((np.hypot(t.centroid[0] - cy, t.centroid[1] - cx) for t in found), default=99)
            hits += d <= 3.0
            print(f"  planted at row {cy:6.1f} col {cx:6.1f}: {'found' if d <= 3.0 else 'missed'}")
        print(f"found {hits} of {len(scene.centers)} planted targets, {len(found) - hits} false")
    if args.out is not None:
        Image.fromarray((mask * 255).astype(np.uint8), mode="L").save(args.out)
    if args.score_out is not None:
        np.save(args.score_out, score)
    return 0


def main(argv=None) -> int:  # pragma: no cover - convenience for ``python -m``
    parser = argparse.ArgumentParser(prog="sparseopt")
    sub = parser.add_subparsers(dest="command", required=True)
    add_subcommand(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
