#!/usr/bin/env python
"""Unsupervised feature-selection benchmark: the talk's ACC and NMI tables, with our code.

Protocol (the talk's, see docs/feature_selection.md): every method ranks the features of the raw data set (labels
unseen); for m = 10, 20, ..., 100 selected features, k-means (k = number of classes,
k-means++, n_init = 10) runs with ``--repeats`` seeds on the m top-ranked columns; ACC
(Hungarian) and NMI (arithmetic) are averaged over the seeds, and a method is summarised
by its best mean over m, written "mean±std (m)". The same k-means seeds serve every method.

Methods (``--list`` prints them): the talk's comparison methods (ALLfea, LapScore, UDFS,
SOGFS, RNE, FSPCA, SPCAFS), our SSPCA-ADMM and SPCA-Net (``SparsePCASelector``; listed as
"not available: <reason>" when they cannot be imported or built — never skipped silently),
and two floors: random columns (several seeded draws) and top-m variance. Selection time is
the wall time of each ``fit`` (one BLAS thread by default), measured apart from the
clustering. Methods whose model size is m itself (RNE, FSPCA) are refitted for every m, as
in their papers; their time is reported per fit.

The baselines that need a number of clusters / a subspace dimension get the number of
classes (``--components classes``, the choice of their papers and of the talk); pass
``--components default`` to run them with their label-free defaults instead.

Results are cached per (data set, method, settings) in
``benchmarks/results/cache/feature_selection.json`` (git-ignored; ``benchmarks/_cache.py``):
each record carries the hash of the code it ran (library + this script) and the commit, and a
record of other code is recomputed. An interrupted run resumes, and adding a method reruns
only that method (``--force`` recomputes everything). Outputs:
``benchmarks/results/feature_selection.{md,json}`` and ``feature_selection_acc_vs_m.png``.

Example::

    python benchmarks/feature_selection.py --data-dir ../shared/data --repeats 20
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
for _p in (REPO, REPO / "benchmarks"):  # run from a checkout without installing
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from _cache import ResultCache  # noqa: E402

from sparseopt.datasets import (  # noqa: E402
    DataNotFoundError,
    get_data_dir,
    load_feature_selection_dataset,
    load_matrix_file,
)
from sparseopt.evaluation import best_over_m, evaluate_ranking  # noqa: E402

PROTOCOL_VERSION = 1
DEFAULT_DATASETS = ("COIL20", "Isolet", "UMIST", "MSTAR")
DEFAULT_OUT = REPO / "benchmarks" / "results"
NAME = "feature_selection"

#: Which UMIST file the benchmark means by "UMIST" (see the loader and docs/feature_selection.md).
UMIST_NOTE = (
    "UMIST = the 32×32 encoding (575 × 1024, `UMIST/UMIST.mat`): same image size and key layout "
    "as the COIL20 file shipped with the SPCA-Net code, and its all-features k-means score agrees "
    "with the talk's ALLfea column; the 28×23 encoding (575 × 644) runs as `--datasets UMIST_644`."
)

#: The talk's published tables ("Experiments"), for comparison only — never used as results.
TALK = {
    "acc": {
        "COIL20": {"ALLfea": "58.97±4.99 (10)", "LapScore": "53.91±3.61 (100)",
                   "UDFS": "56.70±3.09 (70)", "SOGFS": "49.66±3.63 (100)",
                   "RNE": "55.16±3.35 (20)", "FSPCA": "51.71±3.05 (50)",
                   "SPCAFS": "54.63±3.64 (100)", "SPCA-Net": "57.46±2.76 (90)"},
        "Isolet": {"ALLfea": "59.18±3.19 (10)", "LapScore": "52.55±2.83 (100)",
                   "UDFS": "41.11±1.71 (100)", "SOGFS": "48.93±2.69 (100)",
                   "RNE": "47.39±2.91 (80)", "FSPCA": "54.15±2.69 (70)",
                   "SPCAFS": "52.26±2.81 (100)", "SPCA-Net": "58.43±4.31 (100)"},
        "UMIST": {"ALLfea": "41.68±2.46 (10)", "LapScore": "39.71±3.28 (100)",
                  "UDFS": "38.64±1.61 (40)", "SOGFS": "43.81±2.98 (80)",
                  "RNE": "41.01±2.25 (90)", "FSPCA": "46.58±2.34 (100)",
                  "SPCAFS": "47.32±3.48 (80)", "SPCA-Net": "47.58±4.97 (70)"},
        "MSTAR": {"ALLfea": "80.81±8.76 (10)", "LapScore": "68.21±4.57 (100)",
                  "UDFS": "81.25±7.48 (100)", "SOGFS": "73.46±5.61 (100)",
                  "RNE": "77.82±6.16 (100)", "FSPCA": "78.74±5.20 (30)",
                  "SPCAFS": "78.63±8.68 (90)", "SPCA-Net": "81.90±6.87 (100)"},
    },
    "nmi": {
        "COIL20": {"ALLfea": "76.04±1.69 (10)", "LapScore": "69.01±1.53 (100)",
                   "UDFS": "69.12±1.17 (80)", "SOGFS": "68.03±1.59 (100)",
                   "RNE": "70.76±2.07 (100)", "FSPCA": "68.41±1.60 (100)",
                   "SPCAFS": "70.29±1.31 (100)", "SPCA-Net": "72.21±2.68 (90)"},
        "Isolet": {"ALLfea": "76.09±1.77 (10)", "LapScore": "69.86±1.26 (100)",
                   "UDFS": "56.73±1.05 (100)", "SOGFS": "67.15±1.45 (100)",
                   "RNE": "64.74±1.28 (90)", "FSPCA": "71.12±1.11 (80)",
                   "SPCAFS": "69.18±1.33 (100)", "SPCA-Net": "71.80±1.59 (100)"},
        "UMIST": {"ALLfea": "64.07±1.76 (10)", "LapScore": "61.23±2.15 (100)",
                  "UDFS": "55.43±1.50 (80)", "SOGFS": "61.46±2.03 (70)",
                  "RNE": "56.08±1.80 (60)", "FSPCA": "64.94±1.65 (100)",
                  "SPCAFS": "66.26±1.74 (100)", "SPCA-Net": "66.62±7.52 (70)"},
        "MSTAR": {"ALLfea": "83.96±3.14 (10)", "LapScore": "73.90±1.62 (100)",
                  "UDFS": "78.18±3.64 (90)", "SOGFS": "76.56±1.54 (100)",
                  "RNE": "78.26±2.51 (100)", "FSPCA": "78.87±2.52 (90)",
                  "SPCAFS": "79.62±2.30 (100)", "SPCA-Net": "80.67±3.47 (90)"},
    },
}  # fmt: skip


class NotAvailable(Exception):
    """A method that cannot run here (missing import, optional dependency, ...)."""


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Method:
    """One benchmark entry.

    ``make(ctx)`` builds an unfitted selector from a context with ``n_classes``,
    ``n_features``, ``components`` (the ``--components`` choice) and, for
    ``refit_per_m`` methods, ``m``. ``kind`` is "selector" (fit, rank by ``ranking_``),
    "all" (all features, no selection), "random" (seeded random columns) or
    "variance" (top-m variance).
    """

    name: str
    make: Callable[[dict], object] | None = None
    kind: str = "selector"
    refit_per_m: bool = False
    description: str = ""


def _n(ctx: dict) -> int | None:
    """The cluster count / subspace dimension handed to a baseline (None = its default)."""
    return ctx["n_classes"] if ctx["components"] == "classes" else None


def _fs():
    import sparseopt.feature_selection as fs

    return fs


def _sparse_pca(deep: bool, label_free: bool = False) -> Callable[[dict], object]:
    """SparsePCASelector with the baselines' subspace dimension (or its own "auto" default)."""

    def make(ctx: dict):
        try:
            from sparseopt.feature_selection import SparsePCASelector
        except ImportError as exc:
            raise NotAvailable(f"{type(exc).__name__}: {exc}") from exc
        p = "auto" if label_free or _n(ctx) is None else _n(ctx)
        if not deep:
            return SparsePCASelector(n_components=p)
        try:
            import sparseopt_deep  # noqa: F401
        except ImportError as exc:
            raise NotAvailable(f"SPCA-Net needs torch ({exc})") from exc
        return SparsePCASelector(n_components=p, deep=True, random_state=0)

    return make


REGISTRY: dict[str, Method] = {
    m.name: m
    for m in [
        Method("ALLfea", kind="all", description="k-means on all features (no selection)"),
        Method("Random", kind="random", description="random columns, several seeded draws"),
        Method("Variance", kind="variance", description="top-m variance"),
        Method("LapScore", lambda c: _fs().LaplacianScore(), description="He et al. 2005"),
        Method("UDFS", lambda c: _fs().UDFS(n_components=_n(c)), description="Yang et al. 2011"),
        Method("SOGFS", lambda c: _fs().SOGFS(n_clusters=_n(c)), description="Nie et al. 2016"),
        Method(
            "RNE",
            lambda c: _fs().RNE(c["m"], random_state=0),
            refit_per_m=True,
            description="Liu et al. 2020 (refit per m: H has m columns)",
        ),
        Method(
            "RNE-T",
            lambda c: _fs().RNE(c["m"], random_state=0, operator="transposed"),
            refit_per_m=True,
            description="RNE with the released code's (I - S^T)X operator",
        ),
        Method(
            "FSPCA",
            lambda c: _fs().FSPCA(c["m"], n_components=_n(c)),
            refit_per_m=True,
            description="Tian et al. 2020 (refit per m: ℓ2,0 ≤ m)",
        ),
        Method("SPCAFS", lambda c: _fs().SPCAFS(n_components=_n(c)), description="Li et al. 2023"),
        Method(
            "SSPCA-ADMM", _sparse_pca(False), description="SparsePCASelector, p as the baselines"
        ),
        Method(
            "SSPCA-ADMM (p auto)",
            _sparse_pca(False, label_free=True),
            description="SparsePCASelector with its label-free default p",
        ),
        Method(
            "SPCA-Net",
            _sparse_pca(True),
            description="SparsePCASelector(deep=True), p as the baselines",
        ),
    ]
}


# --------------------------------------------------------------------------- data
def load_dataset(name: str, data_dir) -> dict:
    """A named data set (or a user's own labelled .mat/.csv/.npz file given by path)."""
    path = Path(name)
    if path.suffix and path.is_file():
        b = load_matrix_file(path)
        label = path.stem
    else:
        b = load_feature_selection_dataset(name, data_dir)
        label = name
    if b.target is None:
        raise ValueError(
            f"{b.path}: the benchmark needs class labels (Y/gnd/labels key or column)."
        )
    digest = hashlib.sha256(Path(b.path).read_bytes()).hexdigest()
    return {"name": label, "X": b.data, "y": np.asarray(b.target).ravel(), "path": b.path,
            "sha256": digest}  # fmt: skip


# --------------------------------------------------------------------------- running
def _params(est) -> dict:
    p = est.get_params()
    p.pop("n_features_to_select", None)
    return {"class": type(est).__name__, **{k: repr(v) for k, v in sorted(p.items())}}


def _order(est) -> np.ndarray:
    """Feature indices, best first, from a fitted selector's ``ranking_``."""
    return np.argsort(np.asarray(est.ranking_), kind="stable")


def _fit_timed(est, X, fit_threads: int) -> float:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=fit_threads):
        t0 = time.perf_counter()
        est.fit(X)
        return time.perf_counter() - t0


def run_method(method: Method, ds: dict, args, cache: ResultCache, progress) -> dict:
    """Evaluate one method on one data set (from the cache when possible)."""
    X, y = ds["X"], ds["y"]
    n_classes = int(np.unique(y).size)
    d = X.shape[1]
    ms = tuple(m for m in args.ms if m <= d)
    ctx = {"n_classes": n_classes, "n_features": d, "components": args.components, "m": ms[0]}
    settings = {
        "protocol": PROTOCOL_VERSION, "dataset": ds["name"], "sha256": ds["sha256"],
        "method": method.name, "kind": method.kind, "ms": ms, "repeats": args.repeats,
        "n_init": args.n_init, "fit_threads": args.fit_threads,
    }  # fmt: skip
    if method.kind == "random":
        settings["draws"] = args.random_draws
    est = None
    if method.kind == "selector":
        try:
            est = method.make(ctx)
        except NotAvailable as exc:
            return {"status": "not available", "reason": str(exc)}
        settings["params"] = _params(est)
    key = ResultCache.key(settings)
    if not args.force and (hit := cache.get(key)) is not None:
        return {**hit, "cached": True}

    ev = dict(n_repeats=args.repeats, n_init=args.n_init, random_state=0, n_jobs=args.n_jobs)
    fit_seconds: list[float] = []
    try:
        if method.kind == "all":
            score = evaluate_ranking(X, y, np.arange(d), ms=(d,), **ev)
            acc, nmi, used_ms = score.acc, score.nmi, (d,)
        elif method.kind == "random":
            accs, nmis = [], []
            for draw in progress(range(args.random_draws), desc="  draws", leave=False):
                order = np.random.default_rng(draw).permutation(d)
                score = evaluate_ranking(X, y, order, ms=ms, **ev)
                accs.append(score.acc)
                nmis.append(score.nmi)
            acc, nmi, used_ms = np.hstack(accs), np.hstack(nmis), ms
        elif method.kind == "variance":
            t0 = time.perf_counter()
            order = np.argsort(-X.var(axis=0), kind="stable")
            fit_seconds.append(time.perf_counter() - t0)
            score = evaluate_ranking(X, y, order, ms=ms, **ev)
            acc, nmi, used_ms = score.acc, score.nmi, ms
        elif method.refit_per_m:
            rows_acc, rows_nmi = [], []
            for m in progress(ms, desc=f"  {method.name} per m", leave=False):
                est = method.make({**ctx, "m": m})
                fit_seconds.append(_fit_timed(est, X, args.fit_threads))
                score = evaluate_ranking(X, y, _order(est), ms=(m,), **ev)
                rows_acc.append(score.acc[0])
                rows_nmi.append(score.nmi[0])
            acc, nmi, used_ms = np.vstack(rows_acc), np.vstack(rows_nmi), ms
        else:
            fit_seconds.append(_fit_timed(est, X, args.fit_threads))
            score = evaluate_ranking(X, y, _order(est), ms=ms, **ev)
            acc, nmi, used_ms = score.acc, score.nmi, ms
    except (ImportError, NotAvailable) as exc:
        return {"status": "not available", "reason": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # recorded and reported, never hidden
        return {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}

    record = {
        "status": "ok",
        "ms": list(used_ms),
        "acc": np.round(acc, 4).tolist(),
        "nmi": np.round(nmi, 4).tolist(),
        "fit_seconds": [round(t, 4) for t in fit_seconds],
        "settings": settings,
        "n_iter": getattr(est, "n_iter_", None) if est is not None else None,
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    return cache.put(key, record)


# --------------------------------------------------------------------------- reporting
def _summary(record: dict, metric: str) -> tuple[float, float, int] | None:
    if record.get("status") != "ok":
        return None
    return best_over_m(np.asarray(record[metric]), record["ms"])


def _cell(record: dict, metric: str, n_features: int | None = None) -> str:
    if record.get("status") != "ok":
        return "n/a"
    mean, std, m = _summary(record, metric)
    label = "all" if n_features is not None and m == n_features and len(record["ms"]) == 1 else m
    return f"{mean:.2f}±{std:.2f} ({label})"


def _time_cell(record: dict) -> str:
    if record.get("status") != "ok":
        return "n/a"
    t = record.get("fit_seconds") or []
    if not t:
        return "–"
    if len(t) == 1:
        return f"{t[0]:.2f}"
    return f"{np.median(t):.2f} ×{len(t)} (Σ {np.sum(t):.1f})"


def write_report(results: dict, datasets: dict, methods: list[str], args, out_dir: Path) -> str:
    lines = [
        "# Unsupervised feature selection — ACC / NMI (k-means protocol of the talk)",
        "",
        f"Command: `{args.command}`  ",
        f"Finished {_dt.datetime.now().isoformat(timespec='seconds')} on {platform.node()} "
        f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores), "
        f"Python {platform.python_version()}, numpy {np.__version__}.",
        "",
        f"k-means: k = number of classes, k-means++, n_init = {args.n_init}, {args.repeats} seeds "
        f"(the same for every method); m ∈ {{{', '.join(map(str, args.ms))}}}; cells are the best "
        "mean over m, `mean±std (m)`, in %. Random = mean over "
        f"{args.random_draws} seeded draws of columns × the k-means seeds. Baselines get "
        + (
            "the number of classes as their cluster count / subspace dimension "
            "(as in their papers)."
            if args.components == "classes"
            else "their label-free defaults."
        )
        + " RNE and FSPCA are refitted for every m.",
        "",
        UMIST_NOTE,
        "",
    ]
    for metric, title in (("acc", "Clustering accuracy (ACC, %)"), ("nmi", "NMI (%)")):
        lines += [f"## {title}", "", "| data set | " + " | ".join(methods) + " |"]
        lines.append("|---" * (len(methods) + 1) + "|")
        for name, info in datasets.items():
            if info["status"] != "ok":
                lines.append(f"| {name} | " + " | ".join(["not available"] * len(methods)) + " |")
                continue
            row = [_cell(results[name].get(m, {}), metric, info["n_features"]) for m in methods]
            lines.append(f"| {name} | " + " | ".join(row) + " |")
        lines.append("")
        talk_methods = [m for m in methods if any(m in TALK[metric][n] for n in TALK[metric])]
        if talk_methods:
            lines += [
                f'The talk\'s published {metric.upper()} (for comparison; its ALLfea "(10)" is '
                "all features):",
                "",
                "| data set | " + " | ".join(talk_methods) + " |",
                "|---" * (len(talk_methods) + 1) + "|",
            ]
            for name in (n for n in datasets if n in TALK[metric]):
                ref = TALK[metric][name]
                lines.append(
                    f"| {name} | " + " | ".join(ref.get(m, "–") for m in talk_methods) + " |"
                )
            lines.append("")
    lines += [
        "## Selection time (s, fit only, one BLAS thread)",
        "",
        "Per-m methods: median per fit ×number of fits (Σ total).",
        "",
        "| data set | " + " | ".join(methods) + " |",
        "|---" * (len(methods) + 1) + "|",
    ]
    for name, info in datasets.items():
        if info["status"] != "ok":
            continue
        lines.append(
            f"| {name} | "
            + " | ".join(_time_cell(results[name].get(m, {})) for m in methods)
            + " |"
        )
    lines.append("")
    missing = [
        (n, m, r["status"], r.get("reason", ""))
        for n, per in results.items()
        for m, r in per.items()
        if r.get("status") != "ok"
    ]
    unavailable = [(n, i["reason"]) for n, i in datasets.items() if i["status"] != "ok"]
    if missing or unavailable:
        lines += ["## Not run", ""]
        lines += [f"- data set {n}: not available: {why}" for n, why in unavailable]
        lines += [f"- {m} on {n}: {st}: {why}" for n, m, st, why in missing]
        lines.append("")
    floor = []
    for name, info in datasets.items():
        rnd_rec = results.get(name, {}).get("Random", {})
        if info["status"] != "ok" or rnd_rec.get("status") != "ok":
            continue
        rnd = _summary(rnd_rec, "acc")
        rnd_by_m = dict(zip(rnd_rec["ms"], np.asarray(rnd_rec["acc"]).mean(1)))
        parts = []
        for m in methods:
            r = results[name].get(m, {})
            if m in ("Random", "ALLfea") or r.get("status") != "ok":
                continue
            means = np.asarray(r["acc"]).mean(1)
            wins = sum(mean > rnd_by_m.get(mm, np.inf) for mm, mean in zip(r["ms"], means))
            below = " **below**" if _summary(r, "acc")[0] < rnd[0] else ""
            parts.append(f"{m} {wins}/{len(r['ms'])}{below}")
        floor.append(
            f"- {name} (random columns best {rnd[0]:.2f}): m values where the method's mean "
            f"ACC beats random columns at the same m — {', '.join(parts)}"
        )
    if floor:
        lines += [
            "## Against the random-columns floor",
            "",
            "**below**: best mean ACC under the best mean of random columns.",
            "",
            *floor,
            "",
        ]
    if not args.no_plot:
        lines += ["![ACC against m](feature_selection_acc_vs_m.png)", ""]
    text = "\n".join(lines)
    (out_dir / f"{NAME}.md").write_text(text)
    return text


def write_json(results: dict, datasets: dict, methods: list[str], args, out_dir: Path) -> None:
    out = {
        "command": args.command,
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"node": platform.node(), "cpus": os.cpu_count(),
                    "python": platform.python_version()},
        "protocol": {"ms": list(args.ms), "repeats": args.repeats, "n_init": args.n_init,
                     "random_draws": args.random_draws, "components": args.components,
                     "fit_threads": args.fit_threads, "version": PROTOCOL_VERSION},
        "umist": UMIST_NOTE,
        "datasets": datasets,
        "methods": {m: REGISTRY[m].description for m in methods},
        "results": {},
    }  # fmt: skip
    for name, per in results.items():
        out["results"][name] = {}
        for m, r in per.items():
            if r.get("status") != "ok":
                out["results"][name][m] = {"status": r["status"], "reason": r.get("reason", "")}
                continue
            acc, nmi = np.asarray(r["acc"]), np.asarray(r["nmi"])
            out["results"][name][m] = {
                "status": "ok",
                "ms": r["ms"],
                "acc_mean": acc.mean(1).round(3).tolist(),
                "acc_std": acc.std(1).round(3).tolist(),
                "nmi_mean": nmi.mean(1).round(3).tolist(),
                "nmi_std": nmi.std(1).round(3).tolist(),
                "best_acc": _cell(r, "acc", datasets[name]["n_features"]),
                "best_nmi": _cell(r, "nmi", datasets[name]["n_features"]),
                "fit_seconds": r.get("fit_seconds", []),
                "settings": r.get("settings", {}),
            }
    (out_dir / f"{NAME}.json").write_text(json.dumps(out, indent=1))


def plot(results: dict, datasets: dict, methods: list[str], out_dir: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, i in datasets.items() if i["status"] == "ok"]
    if not names:
        return None
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        for m in methods:
            r = results[name].get(m, {})
            if r.get("status") != "ok":
                continue
            acc = np.asarray(r["acc"])
            if len(r["ms"]) == 1 and r["ms"][0] == datasets[name]["n_features"]:
                ax.axhline(acc.mean(), color="k", ls="--", lw=1, label=f"{m} (all features)")
                continue
            mean, std = acc.mean(1), acc.std(1)
            style = {
                "Random": {"ls": ":", "color": "grey"},
                "Variance": {"ls": "-.", "color": "k"},
            }.get(m, {})
            ax.plot(r["ms"], mean, marker="o", ms=3, label=m, **style)
            if m == "Random":
                ax.fill_between(r["ms"], mean - std, mean + std, color="grey", alpha=0.2)
        ax.set_title(name)
        ax.set_xlabel("number of selected features m")
        ax.set_ylabel("ACC (%)")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path = out_dir / f"{NAME}_acc_vs_m.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- CLI
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Unsupervised feature-selection benchmark (the talk's ACC/NMI tables).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data-dir", default=None, help="data folder (default: $SPARSEOPT_DATA)")
    p.add_argument(
        "--datasets",
        nargs="+",
        default=list(DEFAULT_DATASETS),
        help="names known to sparseopt.datasets (COIL20 Isolet UMIST UMIST_644 MSTAR) "
        "or paths to your own labelled .mat/.csv/.npz files",
    )
    p.add_argument("--methods", nargs="+", default=list(REGISTRY), help="methods to run")
    p.add_argument("--repeats", type=int, default=20, help="k-means seeds per m")
    p.add_argument("--n-init", type=int, default=10, help="k-means++ restarts per run")
    p.add_argument(
        "--ms", type=int, nargs="+", default=list(range(10, 101, 10)), help="numbers of features"
    )
    p.add_argument("--random-draws", type=int, default=5, help="draws of random columns")
    p.add_argument(
        "--components",
        choices=("classes", "default"),
        default="classes",
        help="cluster count / subspace dimension given to the baselines",
    )
    p.add_argument("--n-jobs", type=int, default=2, help="joblib workers over k-means runs")
    p.add_argument("--fit-threads", type=int, default=1, help="BLAS threads during fit")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where results are written")
    p.add_argument("--cache", type=Path, default=None, help="cache file (default OUT/cache/...)")
    p.add_argument("--force", action="store_true", help="recompute, ignoring the cache")
    p.add_argument("--no-plot", action="store_true", help="skip the ACC-vs-m figure")
    p.add_argument("--list", action="store_true", help="list methods and data sets, then exit")
    args = p.parse_args(argv)
    unknown = [m for m in args.methods if m not in REGISTRY]
    if unknown:
        p.error(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if args.repeats < 1 or args.random_draws < 1 or min(args.ms) < 1:
        p.error("--repeats, --random-draws and --ms must be positive")
    args.command = "python benchmarks/feature_selection.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    return args


def main(argv=None) -> int:
    from tqdm.auto import tqdm

    args = parse_args(argv)
    if args.list:
        for m in REGISTRY.values():
            print(f"{m.name:12s} {m.description}")
        print("data sets:", ", ".join(DEFAULT_DATASETS), "(+ UMIST_644, or a file path)")
        return 0
    try:
        data_dir = get_data_dir(args.data_dir)
    except DataNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(args.cache or args.out_dir / "cache" / f"{NAME}.json", __file__)

    datasets: dict[str, dict] = {}
    loaded: dict[str, dict] = {}
    for name in args.datasets:
        try:
            ds = load_dataset(name, data_dir)
        except (DataNotFoundError, ValueError) as exc:
            why = str(exc)
            if name == "MSTAR":
                why = (
                    "MSTAR is not distributed here; "
                    "put it at <data-dir>/feature_selection/MSTAR/MSTAR.mat"
                )
            print(f"{name}: not available: {why}")
            datasets[name] = {"status": "not available", "reason": why}
            continue
        n, d = ds["X"].shape
        k = int(np.unique(ds["y"]).size)
        datasets[ds["name"]] = {"status": "ok", "n_samples": n, "n_features": d, "n_classes": k,
                                "file": ds["path"], "sha256": ds["sha256"]}  # fmt: skip
        loaded[ds["name"]] = ds

    results: dict[str, dict] = {name: {} for name in loaded}
    tasks = [(name, m) for name in loaded for m in args.methods]
    bar = tqdm(tasks, desc="benchmark", unit="run")
    failed = False
    for name, m in bar:
        bar.set_postfix_str(f"{name} / {m}")
        rec = run_method(REGISTRY[m], loaded[name], args, cache, tqdm)
        results[name][m] = rec
        if rec["status"] != "ok":
            tqdm.write(f"{m} on {name}: {rec['status']}: {rec.get('reason', '')}")
            failed |= rec["status"] == "failed"
        else:
            tqdm.write(
                f"{name:8s} {m:11s} ACC {_cell(rec, 'acc', datasets[name]['n_features']):20s} "
                f"NMI {_cell(rec, 'nmi', datasets[name]['n_features']):20s} "
                f"fit {_time_cell(rec)}{' (cached)' if rec.get('cached') else ''}"
            )
    text = write_report(results, datasets, args.methods, args, args.out_dir)
    write_json(results, datasets, args.methods, args, args.out_dir)
    if not args.no_plot:
        plot(results, datasets, args.methods, args.out_dir)
    print()
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
