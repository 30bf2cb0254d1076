"""Choose the IPI detector's stopping tolerance on the NUDT-SIRST *training* split.

The fast IPI detector (float32, Gram eigenproblem, α₀ = 1.25/σ₂) is run with a grid of
relative-residual tolerances and compared with an exact solve (float64, full SVD, Lin's α₀,
tol 1e-7) on the same training images, in both metric conventions (``rpcanet`` on the score
map, ``basicirstd`` on the decision with the detector's threshold). The default is the largest
tolerance whose metrics stay within noise of the exact solve. The test split is not used.

Writes ``benchmarks/results/istd_tol_selection.{md,json}``.

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/istd_select_tol.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sparseopt.datasets import get_data_dir  # noqa: E402
from sparseopt.istd import IPI, ISTDMetrics, binarize, load_istd_dataset  # noqa: E402

TOLS = (1e-3, 2e-3, 3e-3, 5e-3, 1e-2)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=None, help="data folder (default: $SPARSEOPT_DATA)")
    p.add_argument("--every", type=int, default=6, help="use one training image in N")
    p.add_argument("--offset", type=int, default=1, help="first training image used")
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits
    from tqdm import tqdm

    threadpool_limits(1)
    ds = load_istd_dataset("NUDT-SIRST", "train", get_data_dir(args.data_dir))
    idx = list(range(args.offset, len(ds), args.every))
    cfgs = {f"tol={t:g}": {"tol": t} for t in TOLS}
    cfgs["exact (float64, full SVD, tol=1e-7)"] = {
        "svd": "exact",
        "dtype": "float64",
        "tol": 1e-7,
        "alpha0": None,
    }
    acc = {c: (ISTDMetrics("rpcanet"), ISTDMetrics("basicirstd"), [], []) for c in cfgs}
    for i in tqdm(idx, unit="img"):
        image, mask = ds[i]
        for c, kw in cfgs.items():
            det = IPI(**kw)
            t0 = time.perf_counter()
            score = det.score_map(image)
            sec = time.perf_counter() - t0
            a, b, its, secs = acc[c]
            a.update(score, mask)
            b.update(binarize(score, det.threshold, k=det.k, ratio=det.ratio), mask)
            its.append(det.n_iter_)
            secs.append(sec)
    md = [
        "# Stopping tolerance of the IPI detector (NUDT-SIRST training split)",
        "",
        f"{len(idx)} training images (one in {args.every} from {args.offset}); 1 BLAS thread.",
        "rpcanet: score map, Fa ×1e-5; basicirstd: decision (k = 20), Fa ×1e-6.",
        "",
        "| solver | rpcanet mIoU | Pd | Fa | basicirstd mIoU | Pd | Fa | median iterations "
        "| median s/img |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    report = {"n_images": len(idx), "every": args.every, "offset": args.offset, "rows": {}}
    for c, (a, b, its, secs) in acc.items():
        ra, rb = a.compute(), b.compute()
        report["rows"][c] = {
            "rpcanet": ra,
            "basicirstd": rb,
            "median_iterations": float(np.median(its)),
            "median_seconds": float(np.median(secs)),
        }
        md.append(
            f"| {c} | {ra['mIoU']:.2f} | {ra['Pd']:.2f} | {ra['Fa'] / 1e-5:.2f} "
            f"| {rb['mIoU']:.2f} | {rb['Pd']:.2f} | {rb['Fa'] / 1e-6:.1f} "
            f"| {np.median(its):g} | {np.median(secs):.3f} |"
        )
    md.append("")
    print("\n".join(md))
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "istd_tol_selection.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "istd_tol_selection.md").write_text("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
