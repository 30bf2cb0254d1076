"""Choose each detector's default threshold on the NUDT-SIRST *training* split.

For every method the score maps of a subset of the training split are binarised by the
adaptive rule ``mean + k·std`` for a grid of ``k`` (and by the relative rule ``0.5·max``) and
scored in the ``basicirstd`` convention (the detector's own decision, native resolution).
The ``k`` with the highest data-set IoU (equivalently F1) becomes the method's default
``k``; Pd and Fa are printed beside it. The test split is never looked at.

Writes ``benchmarks/results/istd_threshold_selection.{md,json}``.

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/istd_select_threshold.py \\
        --data-dir ../shared/data --every 3
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sparseopt.datasets import get_data_dir  # noqa: E402
from sparseopt.istd import IPI, binarize, image_counts, load_istd_dataset, summarize  # noqa: E402
from sparseopt.istd.mpcm import MPCM  # noqa: E402
from sparseopt.istd.pstnn import PSTNN  # noqa: E402
from sparseopt.istd.tophat import TopHat  # noqa: E402

KS = (1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0)
METHODS = {"ipi": IPI, "pstnn": PSTNN, "mpcm": MPCM, "tophat": TopHat}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=None, help="data folder (default: $SPARSEOPT_DATA)")
    p.add_argument("--every", type=int, default=3, help="use every N-th training image")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    threadpool_limits(1)  # one BLAS thread: measured faster on the shared 2-core machine

    ds = load_istd_dataset("NUDT-SIRST", "train", get_data_dir(args.data_dir))
    idx = list(range(0, len(ds), args.every))
    rules = [("adaptive", k) for k in KS] + [("relmax", 0.5)]
    report = {"split": "train", "n_images": len(idx), "every": args.every, "methods": {}}
    md = [
        "# Threshold selection on the NUDT-SIRST training split",
        "",
        f"{len(idx)} training images (one in {args.every}); `basicirstd` convention "
        "(each method's binarised decision, native resolution). Fa ×1e-6.",
        "",
    ]
    for m in args.methods:
        det = METHODS[m]()
        counts = {r: [] for r in rules}
        for i in tqdm(idx, desc=m, unit="img"):
            image, mask = ds[i]
            score = det.score_map(image)
            for rule in rules:
                kind, val = rule
                if kind == "adaptive":
                    b = binarize(score, "adaptive", k=val)
                else:
                    b = binarize(score, "relmax", ratio=val)
                counts[rule].append(image_counts(b, mask, "basicirstd"))
        res = {f"{k}={v:g}": summarize(c, "basicirstd") for (k, v), c in counts.items()}
        best = max(KS, key=lambda k: res[f"adaptive={k:g}"]["mIoU"])
        report["methods"][m] = {"results": res, "best_k": best}
        md += [f"## {m}: best k = {best:g}", "", "| rule | mIoU | F1 | Pd | Fa ×1e-6 |"]
        md.append("|---|---|---|---|---|")
        for name, s in res.items():
            row = [s["mIoU"], s["F1"], s["Pd"], s["Fa"] / 1e-6]
            md.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
        md.append("")
        print("\n".join(md[-len(res) - 4 :]))
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "istd_threshold_selection.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "istd_threshold_selection.md").write_text("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
