"""Benchmark of the classical infrared small target detectors (NUDT-SIRST and the other official splits).

Every method runs on every image of a split; per image we store its time and the additive
metric counts in both conventions, in a cache file (``benchmarks/results/checkpoints/``,
git-ignored) so an interrupted run continues where it stopped. Each record carries the hash of
the code it ran (library + this script, ``benchmarks/_cache.py``) and the commit; records of
other code are ignored and recomputed. At the end the script prints a table and writes
``benchmarks/results/istd_classical.{md,json}`` and ``istd_classical.png`` (a few images, their
ground truth and each method's score map).

What each convention scores:

* ``rpcanet``: the method's *score map*, binarised by the metric itself (score/max > 0.5).
* ``basicirstd``: the method's own *decision* (``detect``: its documented threshold rule),
  scored at the absolute 0.5 of that boolean mask.

In the same run a straightforward reference is timed on the same images: NumPy, float64,
a full ``numpy.linalg.svd`` every iteration, Lin et al.'s inexact ALM (ρ = 1.5, α₀ = 1.25/‖D‖₂)
stopped by the same rule (relative residual), the same patch image and median fold as IPI —
all written in this script, independently of the library (only the image reading is shared).
Its iterates are recorded when the residual first falls below 3e-3 (the detector's tolerance),
1e-3 and 1e-7 (the textbook tolerance), giving three reference rows from one run. Speed-ups
are ratios of median times over the images where the method and the reference were timed in
the same session (a resumed run is a new session); compare like with like: IPI against
``reference@0.003`` is the same stopping tolerance.

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/istd.py --data-dir ../shared/data \\
        --split test --methods all --convention both
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _cache import git_commit, is_current, stamp  # noqa: E402

from sparseopt.datasets import DataNotFoundError, get_data_dir  # noqa: E402
from sparseopt.istd import (  # noqa: E402
    CONVENTIONS,
    FA_UNITS,
    IPI,
    RPCADetector,
    as_grey_image,
    binarize,
    image_counts,
    load_istd_dataset,
    summarize,
)
from sparseopt.istd.mpcm import MPCM  # noqa: E402
from sparseopt.istd.pstnn import PSTNN  # noqa: E402
from sparseopt.istd.tophat import TopHat  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
DATASETS = ("NUDT-SIRST", "IRSTD-1k", "SIRST-Aug")

# The talk's table (NUDT-SIRST, rpcanet convention, Fa ×1e-5, CPU s/img).
PUBLISHED = {
    "IPI": (34.83, 51.49, 92.58, 7.14, 3.0972),
    "MPCM": (25.96, 40.78, 78.59, 7.91, 0.0624),
    "PSTNN": (25.46, 40.58, 78.52, 7.95, 0.2249),
}


def make_methods():
    """name -> (factory, description). ``reference`` is handled separately."""
    return {
        "ipi": (lambda: IPI(), "RPCADetector / IPI (Gao's parameters; fast solver defaults)"),
        "rpca-mu10": (lambda: RPCADetector(mu=10.0), "RPCADetector with noise term, mu = 10"),
        "rpca-mu1": (lambda: RPCADetector(mu=1.0), "RPCADetector with noise term, mu = 1"),
        "pstnn": (lambda: PSTNN(), "PSTNN (Zhang & Peng 2019, authors' parameters)"),
        "mpcm": (lambda: MPCM(), "MPCM (Wei et al. 2016, scales 3/5/7/9)"),
        "tophat": (lambda: TopHat(), "white top-hat (element just above the SPIE target size)"),
    }


REFERENCE_TOLS = (3e-3, 1e-3, 1e-7)


def _ref_positions(length, p, step):
    """Window starts along one axis: every ``step``, plus a last window flush with the border."""
    pos = list(range(0, length - p + 1, step))
    if pos[-1] != length - p:
        pos.append(length - p)
    return pos


def _ref_patch_image(img, p=50, step=10):
    """Patch matrix written here (not the library's): one flattened window per column."""
    rows, cols = _ref_positions(img.shape[0], p, step), _ref_positions(img.shape[1], p, step)
    D = np.stack([img[r : r + p, c : c + p].ravel() for r in rows for c in cols], axis=1)
    return D, rows, cols


def _ref_fold_median(P, shape, rows, cols, p=50):
    """Per-pixel median over the windows covering it (NaN-padded stack; written here)."""
    H, W = shape
    depth = np.zeros((H, W), dtype=int)
    n_max = (p // max(1, rows[1] - rows[0] if len(rows) > 1 else p) + 2) * (
        p // max(1, cols[1] - cols[0] if len(cols) > 1 else p) + 2
    )
    stack = np.full((n_max, H, W), np.nan)
    ii, jj = np.mgrid[0:p, 0:p]
    k = 0
    for r in rows:
        for c in cols:
            d = depth[r : r + p, c : c + p]
            stack[d, ii + r, jj + c] = P[:, k].reshape(p, p)
            depth[r : r + p, c : c + p] += 1
            k += 1
    return np.nanmedian(stack[: depth.max()], axis=0)


def reference_ipi(image, tols=REFERENCE_TOLS, max_iter=500):
    """Plain IPI written here, independent of the library: NumPy float64, its own patch image
    and median fold, full SVD per iteration, Lin's inexact ALM; one run, several stops.

    Only the image reading (``as_grey_image``: grey conversion of the input) is shared with
    the library. Returns ``{tol: (score_map, seconds, n_iter)}`` (the time includes patching
    and folding).
    """
    t0 = time.perf_counter()
    img = as_grey_image(image, min_size=50)
    D, rows, cols = _ref_patch_image(img)
    D = (D - D.min()) / (D.max() - D.min()) if D.max() > D.min() else np.zeros_like(D)
    lam = 1.0 / math.sqrt(max(img.shape))
    norm_two = np.linalg.norm(D, 2)
    norm_fro = np.linalg.norm(D)
    Y = D / max(norm_two, np.abs(D).max() / lam)
    alpha, rho = 1.25 / norm_two, 1.5
    alpha_max = alpha * 1e7
    T = np.zeros_like(D)
    snaps = {}
    for it in range(1, max_iter + 1):
        U, s, Vt = np.linalg.svd(D - T + Y / alpha, full_matrices=False)
        keep = s > 1.0 / alpha
        B = (U[:, keep] * (s[keep] - 1.0 / alpha)) @ Vt[keep]
        X = D - B + Y / alpha
        T = np.sign(X) * np.maximum(np.abs(X) - lam / alpha, 0.0)
        Z = D - B - T
        Y = Y + alpha * Z
        alpha = min(rho * alpha, alpha_max)
        r = np.linalg.norm(Z) / norm_fro
        for tol in tols:
            if tol not in snaps and r < tol:
                snaps[tol] = (T.copy(), time.perf_counter() - t0, it)
        if len(snaps) == len(tols):
            break
    out = {}
    for tol in tols:
        Ts, t_stop, n = snaps.get(tol, (T, time.perf_counter() - t0, max_iter))
        t1 = time.perf_counter()
        score = np.maximum(_ref_fold_median(Ts, img.shape, rows, cols), 0.0)
        out[tol] = (score, t_stop + time.perf_counter() - t1, n)
    return out


def thread_check(ds, n_images):
    """Median seconds/image of IPI and of the reference (to 1e-7) with 1 and 2 BLAS threads."""
    out = {}
    images = [ds[i][0] for i in range(min(n_images, len(ds)))]
    for threads in (1, 2):
        det = IPI(n_threads=threads)
        det.score_map(images[0])  # warm-up (Numba, caches)
        t_ipi, t_ref = [], []
        with threadpool_limits(threads):
            for im in images:
                t0 = time.perf_counter()
                det.score_map(im)
                t_ipi.append(time.perf_counter() - t0)
                t_ref.append(reference_ipi(im)[1e-7][1])
        out[threads] = {"ipi": float(np.median(t_ipi)), "reference@1e-07": float(np.median(t_ref))}
    return out


def _config_key(name):
    if name == "reference":
        text = f"reference{REFERENCE_TOLS}"
    else:
        text = repr(make_methods()[name][0]())
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _counts(score, decision, mask):
    return {
        "rpcanet": image_counts(score, mask, "rpcanet"),
        "basicirstd": image_counts(decision, mask, "basicirstd"),
    }


def run_dataset(ds, methods, cache_path, limit, session, progress=True, ref_threads=1):
    """Run (or resume) every method on ``ds``; returns the list of cached records."""
    from tqdm import tqdm

    records = []
    done = set()
    stale = 0
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                if not is_current(rec, __file__):
                    stale += 1  # computed by other code: recomputed below
                    continue
                records.append(rec)
                done.add((rec["id"], rec["method"], rec["config"]))
    if stale:
        print(f"{cache_path.name}: ignoring {stale} cached run(s) of other code")
    keys = {m: _config_key(m) for m in methods}
    factories = make_methods()
    dets = {m: factories[m][0]() for m in methods if m != "reference"}
    # Warm-up: compile / load the Numba kernels so no image pays for it.
    from sparseopt.istd import make_scene

    warm = make_scene((64, 64), seed=0).image
    reference_ipi(warm)
    for det in dets.values():
        det.score_map(warm)
    ids = ds.ids[:limit] if limit else ds.ids
    todo = [(i, m) for i, id_ in enumerate(ids) for m in methods if (id_, m, keys[m]) not in done]
    if todo:
        print(f"{ds.name}/{ds.split}: {len(todo)} (image, method) runs to do, {len(done)} cached")
    with cache_path.open("a") as fh:
        bar = tqdm(total=len(todo), disable=not progress, unit="run", dynamic_ncols=True)
        current = None
        for i, m in todo:
            if current != i:
                image, mask = ds[i]
                current = i
            rec = {
                "id": ds.ids[i],
                "method": m,
                "config": keys[m],
                "session": session,
                **stamp(__file__),
            }
            if m == "reference":
                with threadpool_limits(ref_threads):
                    res = reference_ipi(image)
                rec["runs"] = {}
                for tol, (score, sec, n) in res.items():
                    ipi = IPI()  # the reference is scored with IPI's own threshold rule
                    decision = binarize(score, ipi.threshold, k=ipi.k, ratio=ipi.ratio)
                    rec["runs"][f"{tol:g}"] = {
                        "seconds": sec,
                        "n_iter": n,
                        "counts": _counts(score, decision, mask),
                    }
            else:
                det = dets[m]
                t0 = time.perf_counter()
                score = det.score_map(image)
                sec = time.perf_counter() - t0
                decision = binarize(score, det.threshold, k=det.k, ratio=det.ratio)
                rec.update(
                    seconds=sec,
                    n_iter=getattr(det, "n_iter_", None),
                    counts=_counts(score, decision, mask),
                )
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            records.append(rec)
            bar.update(1)
        bar.close()
    wanted = {(id_, m, keys[m]) for id_ in ids for m in methods}
    return [r for r in records if (r["id"], r["method"], r["config"]) in wanted]


def summarize_records(records, methods):
    """Rows of the table: one per (method[, reference tolerance]) with both conventions."""
    rows = []
    ref_times = {}
    by_method = {}
    for r in records:
        by_method.setdefault(r["method"], []).append(r)
    for m in methods:
        recs = sorted(by_method.get(m, []), key=lambda r: r["id"])
        if not recs:
            continue
        variants = (
            [
                (f"reference@{t:g}", [dict(r["runs"][f"{t:g}"], id=r["id"]) for r in recs])
                for t in REFERENCE_TOLS
            ]
            if m == "reference"
            else [(m, recs)]
        )
        for name, rs in variants:
            secs = np.array([r["seconds"] for r in rs])
            row = {
                "method": name,
                "n_images": len(rs),
                "median_seconds": float(np.median(secs)),
                "mean_seconds": float(np.mean(secs)),
                "median_iterations": (
                    float(np.median([r["n_iter"] for r in rs])) if rs[0].get("n_iter") else None
                ),
                "sessions": sorted({r.get("session", "?") for r in (recs)}),
            }
            for conv in CONVENTIONS:
                row[conv] = summarize([r["counts"][conv] for r in rs], conv)
            sess = {r["id"]: r.get("session", "?") for r in recs}
            if name.startswith("reference@"):
                ref_times[name] = {r["id"]: (r["seconds"], sess[r["id"]]) for r in rs}
            row["_times"] = {r["id"]: (r["seconds"], sess[r["id"]]) for r in rs}
            rows.append(row)
    for row in rows:
        for ref_name, rt in ref_times.items():
            # like with like: only images where both were timed in the same session
            common = [i for i in row["_times"] if i in rt and rt[i][1] == row["_times"][i][1]]
            if not common:
                continue
            rt_s = {i: rt[i][0] for i in common}
            own = {i: row["_times"][i][0] for i in common}
            ratio_of_medians = np.median([rt_s[i] for i in common]) / np.median(
                [own[i] for i in common]
            )
            per_image = np.median([rt_s[i] / own[i] for i in common])
            row.setdefault("speedup", {})[ref_name] = {
                "ratio_of_medians": float(ratio_of_medians),
                "median_of_ratios": float(per_image),
                "n_images": len(common),
            }
        del row["_times"]
    return rows


def _fmt(x, nd=2):
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def _ratio(x):
    return "—" if x is None else f"{x:.1f}×"


def markdown_table(rows, conv):
    """One row per method; the speed-up is against the reference stopped at the detectors'
    tolerance (3e-3): like with like. The ratios to the other reference stops are in the JSON."""
    unit = FA_UNITS[conv]
    ref3 = "reference@0.003"
    head = (
        f"| method | mIoU | F1 | Pd | Fa (×{unit:.0e}) | nIoU | median s/img "
        f"| speed-up vs ref@3e-3 (same tol, same session) | images |\n"
    ).replace("e-0", "e-")
    head += "|---|---|---|---|---|---|---|---|---|\n"
    lines = []
    for r in rows:
        s = r[conv]
        sp = r.get("speedup", {})
        lines.append(
            f"| {r['method']} | {_fmt(s['mIoU'])} | {_fmt(s['F1'])} | {_fmt(s['Pd'])} "
            f"| {_fmt(s['Fa'] / unit)} | {_fmt(s['nIoU'])} | {r['median_seconds']:.3f} "
            f"| {_ratio(sp.get(ref3, {}).get('ratio_of_medians'))} | {r['n_images']} |"
        )
    return head + "\n".join(lines) + "\n"


def make_figure(ds, methods, path, n_images=4):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    factories = make_methods()
    cols = ["image", "ground truth"] + [m for m in methods if m != "reference"]
    if "reference" in methods:
        cols.append("reference@1e-7")
    idx = np.linspace(0, len(ds) - 1, n_images).astype(int)
    fig, axes = plt.subplots(n_images, len(cols), figsize=(2.0 * len(cols), 2.1 * n_images))
    axes = np.atleast_2d(axes)
    for r, i in enumerate(idx):
        image, mask = ds[int(i)]
        maps = [image, mask]
        for m in cols[2:]:
            if m == "reference@1e-7":
                with threadpool_limits(1):
                    maps.append(reference_ipi(image)[1e-7][0])
            else:
                maps.append(factories[m][0]().score_map(image))
        for c, (name, a) in enumerate(zip(cols, maps)):
            ax = axes[r, c]
            ax.imshow(a, cmap="gray" if c < 2 else "inferno")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(name, fontsize=8)
            if c == 0:
                ax.set_ylabel(ds.ids[int(i)], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    methods_all = [*make_methods(), "reference"]
    p = argparse.ArgumentParser(
        description="Benchmark the classical ISTD detectors (both metric conventions, "
        "median time per image, speed-up against a plain NumPy IPI measured in the same run).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data-dir", default=None, help="data folder (default: $SPARSEOPT_DATA)")
    p.add_argument("--split", default="test", choices=("train", "test"))
    p.add_argument(
        "--datasets",
        nargs="+",
        default=list(DATASETS),
        help="data sets to run; absent ones are reported as 'not available'",
    )
    p.add_argument("--methods", nargs="+", default=["all"], help=f"'all' or any of {methods_all}")
    p.add_argument(
        "--convention", default="both", choices=(*CONVENTIONS, "both"), help="metric convention"
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N images of the split")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads of every method (1 measured faster than 2 on the shared 2-core "
        "machine; RPCADetector also sets its own n_threads=1)",
    )
    p.add_argument(
        "--ref-threads",
        type=int,
        default=1,
        help="BLAS threads of the plain reference (1 measured faster than 2 here; the "
        "detectors set their own, RPCADetector(n_threads=1))",
    )
    p.add_argument(
        "--thread-check",
        type=int,
        default=5,
        help="time IPI and the reference with 1 and 2 BLAS threads on this many images (0: skip)",
    )
    p.add_argument("--no-figure", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--results-dir",
        default=str(RESULTS),
        help="where the md/json/png and the per-image cache (checkpoints/) go",
    )
    p.add_argument(
        "--out", default="istd_classical", help="basename of the results in benchmarks/results/"
    )
    args = p.parse_args(argv)

    methods = methods_all if args.methods == ["all"] else args.methods
    unknown = set(methods) - set(methods_all)
    if unknown:
        p.error(f"unknown methods {sorted(unknown)}; choose from {methods_all}")
    convs = CONVENTIONS if args.convention == "both" else (args.convention,)
    try:
        data_dir = get_data_dir(args.data_dir)
    except DataNotFoundError as exc:
        p.error(str(exc))

    threadpool_limits(args.threads)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    (results / "checkpoints").mkdir(exist_ok=True)
    session = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    report = {
        "generated": _dt.datetime.now().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "blas_threads": args.threads,
            "reference_blas_threads": args.ref_threads,
        },
        "split": args.split,
        "limit": args.limit,
        "methods": {
            m: (make_methods()[m][1] if m != "reference" else reference_ipi.__doc__.split("\n")[0])
            for m in methods
        },
        "datasets": {},
    }
    md = [
        "# Classical infrared small target detection",
        "",
        f"Generated {report['generated']} (commit {report['commit']}) by `benchmarks/istd.py`; "
        f"{os.cpu_count()} CPU cores. Split `{args.split}`"
        + (f", first {args.limit} images" if args.limit else "")
        + ".",
        "",
        "`rpcanet` scores each method's score map binarised at score/max > 0.5 (256×256); "
        "`basicirstd` scores each method's own `detect` decision (its documented threshold, "
        "native resolution, centroid matching). Fa is a ratio printed in the convention's unit. "
        "Speed-up = median time of the plain NumPy reference (written in the script, independent "
        "of the library: full SVD each iteration, Lin's inexact ALM, stopped at relative "
        "residual 1e-7 or, same run, at IPI's 3e-3) over the method's median time, on the "
        "images where both were timed in the same session. Like with like: IPI stops at 3e-3, "
        "so its speed-up at equal tolerance is the `vs ref@3e-3` column.",
        "",
    ]
    for name in args.datasets:
        try:
            ds = load_istd_dataset(name, args.split, data_dir)
        except (DataNotFoundError, ValueError) as exc:
            msg = f"{name}: not available ({exc})"
            print(msg)
            report["datasets"][name] = {"available": False, "reason": str(exc)}
            md += [f"## {name}", "", f"**not available** — {exc}", ""]
            continue
        n_img = min(args.limit, len(ds)) if args.limit else len(ds)
        md += [f"## {name} ({args.split}, {n_img} images)", ""]
        if args.thread_check:
            tc = thread_check(ds, args.thread_check)
            report["datasets"].setdefault(name, {})["thread_check"] = tc
            md += [
                f"BLAS threads (median s/img, first {args.thread_check} images): "
                + "; ".join(
                    f"{t} thread{'s' if t > 1 else ''}: IPI {v['ipi']:.3f}, "
                    f"reference {v['reference@1e-07']:.2f}"
                    for t, v in tc.items()
                )
                + f". The table uses {args.threads} (methods) and {args.ref_threads} (reference).",
                "",
            ]
            print(md[-2])
        cache = results / "checkpoints" / f"istd_{name}_{args.split}.jsonl"
        records = run_dataset(
            ds, methods, cache, args.limit, session, not args.no_progress, args.ref_threads
        )
        rows = summarize_records(records, methods)
        sessions = sorted({s for r in rows for s in r["sessions"]})
        report["datasets"].setdefault(name, {}).update(available=True, rows=rows, sessions=sessions)
        if len(sessions) > 1:
            md += [
                f"Note: the cached per-image results span {len(sessions)} sessions "
                f"({', '.join(sessions)}); times from different sessions are not strictly "
                "comparable.",
                "",
            ]
        for conv in convs:
            table = markdown_table(rows, conv)
            print(f"\n{name} — {conv} convention\n{table}")
            md += [f"### `{conv}` convention", "", table]
        if name == "NUDT-SIRST":
            md += [
                "Published (talk, NUDT-SIRST, `rpcanet`, Fa ×1e-5, their CPU): "
                + "; ".join(
                    f"{k} {v[0]} / F1 {v[1]} / Pd {v[2]} / Fa {v[3]} / {v[4]} s"
                    for k, v in PUBLISHED.items()
                ),
                "",
            ]
        if not args.no_figure:
            suffix = "" if name == "NUDT-SIRST" else f"_{name}"
            fig_path = results / f"{args.out}{suffix}.png"
            make_figure(ds, methods, fig_path)
            md += [f"![maps]({fig_path.name})", ""]
            report["datasets"][name]["figure"] = fig_path.name
    (results / f"{args.out}.json").write_text(json.dumps(report, indent=1, default=float) + "\n")
    (results / f"{args.out}.md").write_text("\n".join(md))
    print(f"wrote {results / (args.out + '.md')} and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
