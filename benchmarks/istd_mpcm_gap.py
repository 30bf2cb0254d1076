"""Where does MPCM's gap to the talk's figure come from? The same maps, other binarisations.

The talk reports MPCM at 25.96 mIoU on NUDT-SIRST (``rpcanet`` convention); our MPCM scores
10.64 there (``benchmarks/results/istd_deep.md``), while PSTNN and IPI land within 1.5 points of
their published figures. The ``rpcanet`` convention binarises a score map ``p`` by
``p / max(p) > 0.5``, so its result depends on the *units* of the map: an implementation that
outputs the contrast itself rather than its square (``sqrt`` of ours) is binarised at
``p / max(p) > 0.25`` in our units. This script computes our MPCM maps once on the test split
and scores them under a sweep of relative thresholds ``p / max(p) > r`` and of Wei et al.'s
``mean + k·std`` rule. It answers one question: is there a binarisation of *these* maps that
gives the published figure? It is an oracle over the test split (it picks on the test set), so
it explains a gap; it selects nothing. Writes ``benchmarks/results/istd_mpcm_gap.{md,json}``
(``--force`` to replace).

Usage::

    python benchmarks/istd_mpcm_gap.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sparseopt.istd import image_counts, load_istd_dataset, summarize  # noqa: E402
from sparseopt.istd.mpcm import MPCM  # noqa: E402
from sparseopt.istd.thresholds import binarize  # noqa: E402

RATIOS = [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7]
KS = [2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 50.0]
TALK = 25.96


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=os.environ.get("SPARSEOPT_DATA"))
    p.add_argument("--limit", type=int, help="first N test images (default: all)")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "istd_mpcm_gap"))
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    out = Path(args.out)
    if out.with_suffix(".json").exists() and not args.force:
        p.error(f"{out.with_suffix('.json')} exists; pass --force to replace it")
    if not args.data_dir:
        p.error("no data folder: pass --data-dir or set SPARSEOPT_DATA")
    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir=args.data_dir)
    n = min(args.limit or len(ds), len(ds))
    det = MPCM()
    maps, masks = [], []
    for i in range(n):
        img, mask = ds[i]
        maps.append(det.score_map(img))
        masks.append(mask)
    rules = [("p/max(p) > r", "relmax", r) for r in RATIOS] + [
        ("mean + k·std", "adaptive", k) for k in KS
    ]
    rows = []
    for label, rule, value in rules:
        kw = {"ratio": value} if rule == "relmax" else {"k": value}
        binary = [binarize(s, rule, **kw) for s in maps]
        row = {"rule": label, "value": value}
        for conv in ("rpcanet", "basicirstd"):
            m = summarize([image_counts(b, g, conv) for b, g in zip(binary, masks)], conv)
            row[conv] = {k: m[k] for k in ("mIoU", "nIoU", "F1", "Pd", "Fa", "Fa_unit")}
        rows.append(row)
        print(json.dumps(row), flush=True)
    best = max(rows, key=lambda r: r["rpcanet"]["mIoU"])
    lines = [
        f"# MPCM on NUDT-SIRST test ({n} images): our maps under other binarisations",
        "",
        "Oracle sweep over the test split (explains a gap, selects nothing). Talk: "
        f"{TALK} mIoU (`rpcanet` convention). Ours as benchmarked: p/max(p) > 0.5 (`rpcanet`), "
        "mean + 20·std, chosen on the training split (`basicirstd`).",
        "",
        "| rule | value | rpcanet mIoU | nIoU | F1 | Pd | Fa ×1e-5 | basicirstd mIoU | Pd | "
        "Fa ×1e-6 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        a, b = r["rpcanet"], r["basicirstd"]
        lines.append(
            f"| {r['rule']} | {r['value']:g} | {a['mIoU']:.2f} | {a['nIoU']:.2f} | "
            f"{a['F1']:.2f} | {a['Pd']:.2f} | {a['Fa'] / 1e-5:.2f} | {b['mIoU']:.2f} | "
            f"{b['Pd']:.2f} | {b['Fa'] / 1e-6:.2f} |"
        )
    lines += [
        "",
        f"Best `rpcanet` mIoU over the sweep: {best['rpcanet']['mIoU']:.2f} "
        f"({best['rule']}, {best['value']:g}); the talk's {TALK} is "
        + ("within reach of" if best["rpcanet"]["mIoU"] >= TALK - 1.0 else "above")
        + " what any of these binarisations of our maps gives.",
    ]
    md = "\n".join(lines) + "\n"
    print(md)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"n_images": n, "rows": rows}, indent=1))
    out.with_suffix(".md").write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
