"""Deep infrared small target detection on NUDT-SIRST: L-RPCANet and RPCANet next to IPI.

Rows: the classical ``RPCADetector`` (IPI), RPCANet and L-RPCANet with the authors' released
NUDT-SIRST weights loaded into our networks (fidelity), and L-RPCANet with the weights trained
by this project and shipped in ``sparseopt_deep`` (the model card gives the recipe and the
training time). Every deep row goes through the user's path, ``RPCADetector(deep=True,
weights=...)``. Both conventions are scored (see ``sparseopt.istd.metrics``): ``rpcanet`` scores
the score map (binarised at 0.5·max by the metric), ``basicirstd`` the detector's own decision.

When the data folder also holds IRSTD-1k or SIRST-Aug in an official layout, the same methods
are scored on its test split too (the authors' networks with the weights they released for
that set; ours, trained on NUDT-SIRST, as a cross-data-set figure); otherwise the results say
they were not available.

Timing: torch and BLAS threads as stated in the output (default 2), batch 1, whole 256×256
images, median over ``--timing-images`` images, interleaved with a direct port of the authors'
forward (``_authors_port.py``, independent of the library) whose outputs are compared too.

Per-image results are cached under ``benchmarks/results/cache/istd_deep/`` keyed by a hash of
the code and weights they depend on, so an interrupted run resumes and a rerun only computes
what changed. Results go to ``benchmarks/results/istd_deep.{md,json}``; an existing results
file is only replaced with ``--force`` (or written elsewhere with ``--out``).

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/istd_deep.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _cache import git_commit as _git_commit  # noqa: E402

from sparseopt.istd import RPCADetector, image_counts, load_istd_dataset, summarize  # noqa: E402
from sparseopt.istd.metrics import FA_UNITS  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
CACHE = RESULTS / "cache" / "istd_deep"

# The talk's NUDT-SIRST table (rpcanet convention; Fa ×1e-5; parameters in millions).
PUBLISHED = {
    "IPI": {"mIoU": 34.83, "F1": 51.49, "Pd": 92.58, "Fa": 7.14},
    "MPCM": {"mIoU": 25.96, "F1": 40.78, "Pd": 78.59, "Fa": 7.91},
    "PSTNN": {"mIoU": 25.46, "F1": 40.58, "Pd": 78.52, "Fa": 7.95},
    "RPCANet": {"mIoU": 89.31, "F1": 94.35, "Pd": 97.14, "Fa": 2.87, "params": 0.680},
    "L-RPCANet": {"mIoU": 92.37, "F1": 96.54, "Pd": 98.41, "Fa": 1.79, "params": 0.216},
}


def _official(data_dir: Path, name: str) -> Path | None:
    for base in (
        data_dir.parent / "weights" / "official",
        REPO.parent / "shared" / "weights" / "official",
    ):
        p = base / f"{name}.pth"
        if p.is_file():
            return p
    return None


def _shipped_width(path: Path):
    """The shipped L-RPCANet's base_channels, read from its file's metadata ('?' if absent)."""
    if not path.is_file():
        return "?"
    from safetensors import safe_open

    with safe_open(str(path), "np") as f:
        return json.loads(f.metadata()["config"])["base_channels"]


def make_methods(data_dir: Path, official_dir: Path | None):
    """name -> dict(label, factory, weights path or None, published key)."""
    from sparseopt_deep.detector import SHIPPED_WEIGHTS, WEIGHTS_DIR

    off = (lambda n: official_dir / f"{n}.pth") if official_dir else (lambda n: None)
    shipped = WEIGHTS_DIR / f"{SHIPPED_WEIGHTS['lrpcanet']}.safetensors"
    from sparseopt.istd.mpcm import MPCM
    from sparseopt.istd.pstnn import PSTNN
    from sparseopt.istd.tophat import TopHat

    return {
        "tophat": dict(label="Top-hat", weights=None, kind="tophat", factory=lambda w: TopHat()),
        "mpcm": dict(
            label="MPCM", weights=None, kind="mpcm", published="MPCM", factory=lambda w: MPCM()
        ),
        "pstnn": dict(
            label="PSTNN", weights=None, kind="pstnn", published="PSTNN", factory=lambda w: PSTNN()
        ),
        "ipi": dict(
            label="IPI (RPCADetector)",
            weights=None,
            kind="ipi",
            published="IPI",
            factory=lambda w: RPCADetector(),
        ),
        "rpcanet-official": dict(
            label="RPCANet (authors' weights)",
            weights=off("rpcanet_nudt_sirst"),
            published="RPCANet",
            model="rpcanet",
            factory=lambda w: RPCADetector(deep=True, model="rpcanet", weights=w),
        ),
        "lrpcanet-official": dict(
            label="L-RPCANet BC=16 (authors' weights)",
            weights=off("lrpcanet_nudt_sirst"),
            published="L-RPCANet",
            model="lrpcanet",
            factory=lambda w: RPCADetector(deep=True, weights=w),
        ),
        "lrpcanet-ours": dict(
            label=f"L-RPCANet BC={_shipped_width(shipped)} (ours, shipped)",
            weights=shipped if shipped.is_file() else None,
            published="L-RPCANet",
            model="lrpcanet",
            factory=lambda w: RPCADetector(deep=True),
        ),
    }


#: The library files each kind of method executes (its cache records are keyed by their hash,
#: with the record-computing functions of this script and the weights file: a change elsewhere in the library does not discard
#: an hour of per-image results, a change in what the method runs always does).
_COMMON = [
    "sparseopt/istd/_base.py",
    "sparseopt/istd/thresholds.py",
    "sparseopt/istd/metrics.py",
    "sparseopt/istd/data.py",
    "sparseopt/istd/detector.py",
]
_FILES = {
    "deep": [
        *_COMMON,
        "sparseopt/stages/rpca.py",
        "sparseopt_deep/rpcanet.py",
        "sparseopt_deep/checkpoints.py",
        "sparseopt_deep/detector.py",
    ],
    "ipi": [
        *_COMMON,
        "sparseopt/stages/rpca.py",
        "sparseopt/istd/patches.py",
        "sparseopt/decomposition/_rpca.py",
        "sparseopt/decomposition/_svt.py",
        "sparseopt/decomposition/_kernels.py",
        "sparseopt/decomposition/_zero.py",
        "sparseopt/prox/__init__.py",
        "sparseopt/prox/_kernels.py",
    ],
    "pstnn": [
        *_COMMON,
        "sparseopt/istd/pstnn.py",
        "sparseopt/istd/patches.py",
        "sparseopt/stages/rpca.py",
        "sparseopt/decomposition/_rpca.py",
        "sparseopt/decomposition/_kernels.py",
        "sparseopt/prox/_reference.py",
    ],
    "mpcm": [*_COMMON, "sparseopt/istd/mpcm.py"],
    "tophat": [*_COMMON, "sparseopt/istd/tophat.py"],
}


def _code_key(method: str, weights, kind: str) -> str:
    h = hashlib.sha256()
    for rel in _FILES[kind]:
        h.update(rel.encode() + b"\0" + (REPO / rel).read_bytes() + b"\0")
    # the parts of this script that compute a record (not its tables, figures or options)
    for func in (make_methods, run_method, _image_record):
        h.update(inspect.getsource(func).encode())
    if weights is not None:
        h.update(Path(weights).read_bytes())
    h.update(method.encode())
    return h.hexdigest()[:16]


def _image_record(det, img, mask) -> dict:
    """Time and metric counts (both conventions) of one detector on one image."""
    t0 = time.perf_counter()
    score, decision = det.score_and_mask(img)
    dt = time.perf_counter() - t0
    return {
        "seconds": dt,
        "rpcanet": image_counts(score, mask, "rpcanet"),
        "basicirstd": image_counts(decision.astype(float), mask, "basicirstd"),
    }


def run_method(name, spec, ds, limit, progress=True):
    """Per-image counts (both conventions) and times, resumed from the cache."""
    key = _code_key(name, spec["weights"], spec.get("kind", "deep"))
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{ds.name}-{ds.split}-{key}.jsonl"
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done[r["id"]] = r
    det = spec["factory"](spec["weights"])
    ids = ds.ids[:limit] if limit else ds.ids
    todo = [i for i, id_ in enumerate(ids) if id_ not in done]
    if todo:
        from tqdm.auto import tqdm

        with open(path, "a") as f:
            for i in tqdm(todo, desc=name, disable=not progress, dynamic_ncols=True):
                img, mask = ds[i]
                r = {"id": ids[i], "code_hash": key, "commit": _git_commit()}
                r.update(_image_record(det, img, mask))
                f.write(json.dumps(r) + "\n")
                f.flush()
                done[r["id"]] = r
    return [done[id_] for id_ in ids], key


def timing_and_agreement(name, spec, ds, n_images, threads):
    """Median seconds per image of our network and of the authors' forward port (interleaved),
    and the largest relative difference of their target logits."""
    import torch
    from _authors_port import from_state_dict

    from sparseopt_deep.detector import load_network, network_input

    torch.set_num_threads(threads)
    ours = load_network(spec["model"], None if name == "lrpcanet-ours" else spec["weights"], "cpu")
    port = None
    if spec["weights"] is not None and str(spec["weights"]).endswith(".pth"):
        port = from_state_dict(torch.load(spec["weights"], map_location="cpu", weights_only=True))
    t_ours, t_port, rel = [], [], 0.0
    with torch.no_grad():
        for i in range(n_images):
            img, _ = ds[i]
            x = torch.from_numpy(network_input(img))[None, None]
            t0 = time.perf_counter()
            T = ours(x).logits
            t_ours.append(time.perf_counter() - t0)
            if port is not None:
                t0 = time.perf_counter()
                _, Tp = port(x)
                t_port.append(time.perf_counter() - t0)
                rel = max(rel, float((T - Tp).abs().max() / Tp.abs().max().clamp_min(1e-12)))
    out = {"ours_s": float(np.median(t_ours)), "threads": threads, "n_images": n_images}
    if port is not None:
        out.update(
            port_s=float(np.median(t_port)),
            max_rel_diff=rel,
            ratio=float(np.median(t_ours) / np.median(t_port)),
        )
    return out


#: The stem suffix of the authors' released weights for each data set.
_OFFICIAL_SUFFIX = {"NUDT-SIRST": "nudt_sirst", "IRSTD-1k": "irstd1k", "SIRST-Aug": "sirst_aug"}


def other_dataset_rows(dataset, ds, methods, names, official_dir, limit, threads) -> dict:
    """The table's methods on another data set held in the user's folder: the classical ones,
    the authors' networks with the weights they released *for that set*, and ours (trained on
    NUDT-SIRST only, so a cross-data-set figure). Same per-image cache as the main table."""
    from threadpoolctl import threadpool_limits

    rows = {}
    for name in names:
        spec = dict(methods[name])
        deep = spec.get("kind", "deep") == "deep"
        if name.endswith("-official"):
            w = (
                official_dir / f"{spec['model']}_{_OFFICIAL_SUFFIX[dataset]}.pth"
                if official_dir
                else None
            )
            spec["weights"] = w if w is not None and w.is_file() else None
            spec["label"] = spec["label"].replace("authors' weights", f"authors' {dataset} weights")
        elif name == "lrpcanet-ours":
            spec["label"] += ", trained on NUDT-SIRST"
        if deep and spec["weights"] is None:
            rows[name] = {"label": spec["label"], "not_available": "weights not found"}
            continue
        with threadpool_limits(threads if deep else 1):
            recs, key = run_method(name, spec, ds, limit)
        rows[name] = {
            "label": spec["label"],
            "cache_key": key,
            "n_images": len(recs),
            "metrics": {c: summarize([r[c] for r in recs], c) for c in ("rpcanet", "basicirstd")},
        }
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  python benchmarks/istd_deep.py --data-dir ../shared/data",
    )
    p.add_argument("--data-dir", default=os.environ.get("SPARSEOPT_DATA"))
    p.add_argument("--official-dir", help="folder of the authors' .pth files (verification only)")
    p.add_argument("--split", default="test")
    p.add_argument("--limit", type=int, help="first N images only (default: all)")
    p.add_argument("--methods", nargs="+", default=["all"])
    p.add_argument("--timing-images", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(RESULTS / "istd_deep"), help="results path without suffix")
    p.add_argument("--force", action="store_true", help="replace existing results files")
    p.add_argument("--noise", action="store_true", help="noise-robustness curves (inference only)")
    p.add_argument("--noise-images", type=int, default=100, help="test images for --noise")
    p.add_argument("--grid", action="store_true", help="figure: detections on a few test images")
    p.add_argument("--ablations", action="store_true", help="train and score the ablation variants")
    p.add_argument(
        "--ablation-epochs", type=int, default=6, help="training epochs per variant (default 6)"
    )
    p.add_argument(
        "--ablation-minutes",
        type=float,
        help="wall-clock budget for this call's ablation training; unfinished variants are "
        "reported as in progress and continued by the next call",
    )
    p.add_argument(
        "--runs-dir",
        default=str(REPO / "benchmarks" / "training" / "ablations"),
        help="run folders of the ablation variants (resumed when present)",
    )
    args = p.parse_args(argv)
    if not args.data_dir:
        p.error("no data folder: pass --data-dir or set SPARSEOPT_DATA")
    out = Path(args.out)
    for suf in (".md", ".json"):
        if out.with_suffix(suf).exists() and not args.force:
            p.error(f"{out.with_suffix(suf)} exists; pass --force to replace it or --out elsewhere")

    import torch

    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    data_dir = Path(args.data_dir)
    official_dir = Path(args.official_dir) if args.official_dir else None
    if official_dir is None:
        cand = data_dir.resolve().parent / "weights" / "official"
        official_dir = cand if cand.is_dir() else None
    methods = make_methods(data_dir, official_dir)
    names = list(methods) if args.methods == ["all"] else args.methods
    rows, report = (
        [],
        {
            "dataset": "NUDT-SIRST",
            "split": args.split,
            "commit": _git_commit(),
            "command": "python benchmarks/istd_deep.py " + " ".join(argv or sys.argv[1:]),
            "load_average": None,
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "threads": args.threads,
            "methods": {},
            "not_available": [],
        },
    )
    try:
        ds = load_istd_dataset("NUDT-SIRST", args.split, data_dir=data_dir)
    except Exception as exc:
        print(f"NUDT-SIRST: not available ({exc})")
        return 1
    others = {}
    for other in ("IRSTD-1k", "SIRST-Aug"):
        try:
            others[other] = load_istd_dataset(other, args.split, data_dir=data_dir)
        except Exception:
            report["not_available"].append(f"{other}: not available in {data_dir}")
    for name in names:
        spec = methods[name]
        classical = spec.get("kind", "deep") != "deep"
        if not classical and spec["weights"] is None:
            msg = f"{name}: not available (weights not found)"
            print(msg)
            report["not_available"].append(msg)
            continue
        with threadpool_limits(1 if classical else args.threads):
            recs, key = run_method(name, spec, ds, args.limit)
        m = {}
        for conv in ("rpcanet", "basicirstd"):
            m[conv] = summarize([r[conv] for r in recs], conv)
        entry = {
            "label": spec["label"],
            "published": spec.get("published"),
            "cache_key": key,
            "n_images": len(recs),
            "metrics": m,
            "median_s_per_image_in_loop": float(np.median([r["seconds"] for r in recs])),
            # cached records keep the time measured when they were computed, maybe long ago
            "record_commits": sorted({str(r.get("commit")) for r in recs}),
        }
        if not classical:
            from sparseopt_deep.detector import load_network
            from sparseopt_deep.rpcanet import count_parameters

            w = spec["weights"] if name != "lrpcanet-ours" else None
            entry["parameters"] = count_parameters(load_network(spec["model"], w, "cpu"))
            entry["timing"] = timing_and_agreement(name, spec, ds, args.timing_images, args.threads)
        if name == "lrpcanet-ours":
            from sparseopt_deep.detector import model_card

            card = model_card("lrpcanet")
            entry["training"] = {
                k: card.get(k) for k in ("hardware", "wall_hours", "epochs", "recipe")
            }
        report["methods"][name] = entry
        rows.append((name, entry))
    ran = {n: methods[n] for n in report["methods"]}
    if others:
        report["other_datasets"] = {
            other: other_dataset_rows(
                other, ods, methods, names, official_dir, args.limit, args.threads
            )
            for other, ods in others.items()
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.noise:
        from _istd_experiments import NOISE_LEVELS, noise_figures, noise_subset, run_noise

        idx = noise_subset(args.noise_images, len(ds))
        report["noise"] = {
            "n_images": len(idx),
            "ids": [ds.ids[i] for i in idx],
            "levels": NOISE_LEVELS,
            "curves": {},
        }
        for name, spec in ran.items():
            key = report["methods"][name]["cache_key"]
            with threadpool_limits(1 if spec.get("kind", "deep") != "deep" else args.threads):
                curves = run_noise(name, spec, ds, args.noise_images, CACHE, key)
            report["noise"]["curves"][spec["label"]] = curves
        report["noise"]["figures"] = [p.name for p in noise_figures(report["noise"]["curves"], out)]
    if args.grid:
        from _istd_experiments import detection_grid

        grid = detection_grid(ran, ds, [0, 150, 300, 450], Path(f"{out}_grid.png"))
        report["grid"] = grid.name
    if args.ablations:
        from _istd_experiments import ablation_figure, run_ablations

        res = run_ablations(
            data_dir,
            Path(args.runs_dir),
            args.ablation_epochs,
            ds,
            args.limit,
            CACHE,
            max_minutes=args.ablation_minutes,
        )
        report["ablations"] = res
        report["ablation_figure"] = ablation_figure(res, Path(f"{out}_ablations.png")).name
    report["load_average"] = round(os.getloadavg()[0], 2)
    md = render(report)
    print(md)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    out.with_suffix(".md").write_text(md)
    return 0


def _f(x, nd=2):
    return "–" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{nd}f}"


def _metric_cells(m: dict, unit: float) -> str:
    """The mIoU | nIoU | F1 | Pd | Fa cells of a table row (Fa in ``unit``)."""
    return " | ".join([*(_f(m[k]) for k in ("mIoU", "nIoU", "F1", "Pd")), _f(m["Fa"] / unit)])


def render(report) -> str:
    lines = [
        f"# Deep ISTD on {report['dataset']} ({report['split']} split)",
        "",
        f"Written by `{report.get('command', 'python benchmarks/istd_deep.py')}` "
        f"(load average at the end {report.get('load_average')}).",
        "",
        f"Commit {report['commit']}; {report['machine']}; torch/BLAS threads {report['threads']} "
        "(IPI: 1 BLAS thread).",
        "",
    ]
    for conv in ("rpcanet", "basicirstd"):
        unit = FA_UNITS[conv]
        lines += [
            f"## `{conv}` convention (Fa ×{unit:g})",
            "",
            "| method | images | mIoU | nIoU | F1 | Pd | Fa | parameters | CPU s/img | talk: mIoU / F1 / Pd / Fa |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for e in report["methods"].values():
            m = e["metrics"][conv]
            t = e.get("timing", {}).get("ours_s", e["median_s_per_image_in_loop"])
            pub = PUBLISHED.get(e.get("published") or "")
            pub_s = (
                " / ".join(_f(pub.get(k)) for k in ("mIoU", "F1", "Pd", "Fa"))
                if conv == "rpcanet" and pub
                else ""
            )
            params = f"{e['parameters']:,}" if "parameters" in e else "–"
            lines.append(
                f"| {e['label']} | {e['n_images']} | {_metric_cells(m, unit)} | {params} | "
                f"{_f(t, 3)} | {pub_s} |"
            )
        lines.append("")
    timed = [e["label"] for e in report["methods"].values() if "timing" in e]
    cached = {
        e["label"]: ", ".join(e.get("record_commits", []))
        for e in report["methods"].values()
        if "timing" not in e
    }
    lines += [
        "CPU s/img: "
        + (
            f"{', '.join(timed)} timed in this run (batch 1, torch threads {report['threads']}, median, interleaved with the port below); "
            if timed
            else ""
        )
        + "the other rows give the median in-loop time stored with their cached per-image "
        "records (1 BLAS thread; computed at "
        + "; ".join(
            f"commit {c} for {', '.join(k for k, v in cached.items() if v == c)}"
            for c in dict.fromkeys(cached.values())
        )
        + "; not necessarily on a quiet machine).",
        "",
        "## Speed against a direct port of the authors' forward (same run, interleaved)",
        "",
        "| network | ours s/img | port s/img | ours/port | max relative logit difference |",
        "|---|---|---|---|---|",
    ]
    for e in report["methods"].values():
        t = e.get("timing")
        if t and "port_s" in t:
            lines.append(
                f"| {e['label']} | {t['ours_s']:.3f} | {t['port_s']:.3f} | {t['ratio']:.2f} | "
                f"{t['max_rel_diff']:.1e} |"
            )
    if "noise" in report:
        nz = report["noise"]
        lines += [
            "",
            f"## Noise robustness ({nz['n_images']} test images, rpcanet convention, Fa ×1e-5)",
            "",
            f"The images are spread evenly over the {report['split']} split (ids in the JSON). "
            "Gaussian σ is in 8-bit grey levels; salt-and-pepper sets that fraction of pixels "
            "to black or white. Noise is seeded per image and level; every method sees the same "
            "noisy images.",
            "",
        ]
        for kind in ("gaussian", "saltpepper"):
            levels = None
            for label, curves in nz["curves"].items():
                pts = curves[kind]
                if levels is None:
                    levels = [p["level"] for p in pts]
                    lines += [
                        f"{kind}: level " + " / ".join(f"{x:g}" for x in levels),
                        "",
                        "| method | mIoU | Pd | Fa |",
                        "|---|---|---|---|",
                    ]
                lines.append(
                    f"| {label} | "
                    + " / ".join(_f(p["mIoU"], 1) for p in pts)
                    + " | "
                    + " / ".join(_f(p["Pd"], 1) for p in pts)
                    + " | "
                    + " / ".join(_f(p["Fa"] / 1e-5, 1) for p in pts)
                    + " |"
                )
            lines.append("")
        lines.append("Figures: " + ", ".join(nz["figures"]))
    if "ablations" in report:
        from _istd_experiments import ablation_table

        lines += ablation_table(report["ablations"])
    for dataset, rows in report.get("other_datasets", {}).items():
        lines += ["", f"## {dataset} ({report['split']} split)", ""]
        for conv in ("rpcanet", "basicirstd"):
            unit = FA_UNITS[conv]
            lines += [
                f"`{conv}` convention (Fa ×{unit:g}):",
                "",
                "| method | images | mIoU | nIoU | F1 | Pd | Fa |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in rows.values():
                if "metrics" not in r:
                    lines.append(f"| {r['label']} | {r['not_available']} | | | | | |")
                    continue
                m = r["metrics"][conv]
                lines.append(f"| {r['label']} | {r['n_images']} | {_metric_cells(m, unit)} |")
            lines.append("")
    tr = report["methods"].get("lrpcanet-ours", {}).get("training")
    if tr:
        lines += [
            "",
            f"Our weights (shipped): {tr.get('epochs')} epochs, {tr.get('wall_hours')} h on "
            f"{tr.get('hardware')}; recipe {json.dumps(tr.get('recipe'))}.",
        ]
    if report["not_available"]:
        lines += ["", "Not available: " + "; ".join(report["not_available"])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
