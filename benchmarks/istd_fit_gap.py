"""Where a trained detector loses: the images it trained on, the held-out validation part, the test split.

Scores one weights file on the three parts of NUDT-SIRST that a ``sparseopt train`` run defines
(its ``split.json``: the training split less the validation ids, those ids, and the official
test split), through ``RPCADetector(deep=True, weights=...)`` and in both conventions. A score on
the training images close to the validation score says the model underfits (more capacity or
more optimisation is the lever); a large gap says it overfits (more data, augmentation or
regularisation). Per-image results are cached like ``istd_deep.py`` (the shipped file's test
and validation records are those ``ship_weights.py`` wrote). Writes ``benchmarks/results/istd_fit_gap.{md,json}``;
an existing file is only replaced with ``--force`` (or written elsewhere with ``--out``).

Usage::

    python benchmarks/istd_fit_gap.py --data-dir ../shared/data \\
        --run benchmarks/training/lrpcanet-bc4-nudt
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from sparseopt._io import atomic_write  # noqa: E402
from sparseopt.istd import RPCADetector, load_istd_dataset, summarize  # noqa: E402
from sparseopt.istd.metrics import FA_UNITS  # noqa: E402

CONVENTIONS = ("rpcanet", "basicirstd")


def parts(data_dir, split):
    """The run's training part, its validation part and the test split, as datasets."""
    train = load_istd_dataset("NUDT-SIRST", "train", data_dir=data_dir)
    val_ids = set(split["val_ids"])
    missing = val_ids - set(train.ids)
    if missing:
        raise ValueError(
            f"split.json names {len(missing)} validation ids that are not in the training split "
            f"of {data_dir} (e.g. {sorted(missing)[0]!r}): is it the same data set?"
        )
    return {
        "train (fitted)": dataclasses.replace(
            train, ids=[i for i in train.ids if i not in val_ids]
        ),
        "validation": dataclasses.replace(train, ids=[i for i in train.ids if i in val_ids]),
        "test": load_istd_dataset("NUDT-SIRST", "test", data_dir=data_dir),
    }


def main(argv=None) -> int:
    from istd_deep import run_method

    from sparseopt_deep.detector import WEIGHTS_DIR

    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example: python benchmarks/istd_fit_gap.py --data-dir ../shared/data "
        "--run benchmarks/training/lrpcanet-bc4-nudt --limit 20 --out /tmp/fit_gap",
    )
    p.add_argument("--data-dir", required=True, help="folder holding istd/NUDT-SIRST")
    p.add_argument("--run", required=True, help="the training run folder (its split.json)")
    p.add_argument(
        "--weights",
        help="weights file (default: the shipped lrpcanet_nudt_sirst.safetensors)",
    )
    p.add_argument("--limit", type=int, help="score the first N images of each part only")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "istd_fit_gap"))
    p.add_argument("--force", action="store_true", help="replace existing results files")
    args = p.parse_args(argv)
    out = Path(args.out)
    for suf in (".md", ".json"):
        if out.with_suffix(suf).exists() and not args.force:
            p.error(f"{out.with_suffix(suf)} exists; pass --force to replace it or --out elsewhere")
    split_path = Path(args.run) / "split.json"
    if not split_path.is_file():
        p.error(f"{split_path} not found: --run must be a `sparseopt train --out` folder")
    split = json.loads(split_path.read_text())
    weights = (
        Path(args.weights) if args.weights else WEIGHTS_DIR / "lrpcanet_nudt_sirst.safetensors"
    )
    if not weights.is_file():
        p.error(f"weights file {weights} not found")
    # the shipped file keeps istd_deep.py's row name, so its cached test records are reused
    name = "lrpcanet-ours" if args.weights is None else f"fit-gap-{weights.stem}"
    spec = {
        "weights": weights,
        "factory": lambda w: RPCADetector(deep=True, weights=w, device="cpu"),
    }
    rows = {}
    t0 = time.perf_counter()
    for part, ds in parts(args.data_dir, split).items():
        recs, _ = run_method(name, spec, ds, args.limit)
        rows[part] = {c: summarize([r[c] for r in recs], c) for c in CONVENTIONS}
        m = rows[part]["rpcanet"]
        print(f"{part:15s} {m['n_images']:4d} images  mIoU {m['mIoU']:.2f}  Pd {m['Pd']:.2f}")
    result = {
        "weights": str(weights.relative_to(REPO) if weights.is_relative_to(REPO) else weights),
        "run": str(args.run),
        "limit": args.limit,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "seconds": round(time.perf_counter() - t0, 1),
        "parts": rows,
    }
    lines = [
        "# Fit gap of a trained detector (NUDT-SIRST)",
        "",
        f"Written by `python benchmarks/istd_fit_gap.py --data-dir DATA --run {args.run}"
        + (f" --weights {args.weights}" if args.weights else "")
        + (f" --limit {args.limit}" if args.limit else "")
        + f"`; weights `{result['weights']}`, scored through `RPCADetector(deep=True)`.",
        "",
        "The training part is the training split less the run's validation ids (the images the "
        "weights were fitted on, here without the training-time augmentation); the validation part "
        "chose the epoch; the test split was not used in training or selection.",
        "",
    ]
    for c in CONVENTIONS:
        unit = FA_UNITS[c]
        lines += [
            f"## `{c}` convention (Fa ×{unit:.0e})",
            "",
            "| part | images | mIoU | nIoU | F1 | Pd | Fa |",
            "|---|---|---|---|---|---|---|",
        ]
        for part, r in rows.items():
            m = r[c]
            lines.append(
                f"| {part} | {m['n_images']} | {m['mIoU']:.2f} | {m['nIoU']:.2f} | {m['F1']:.2f} "
                f"| {m['Pd']:.2f} | {m['Fa'] / unit:.2f} |"
            )
        lines.append("")
    with atomic_write(out.with_suffix(".json"), "w", force=True) as f:
        json.dump(result, f, indent=1)
    with atomic_write(out.with_suffix(".md"), "w", force=True) as f:
        f.write("\n".join(lines))
    print(f"wrote {out.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
