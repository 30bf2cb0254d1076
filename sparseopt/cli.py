"""The ``sparseopt`` command line: ``sparseopt --help`` lists the sub-commands.

Every sub-command is one ``add_<name>(subparsers)`` function that registers its parser and sets
``func`` to its handler (``handler(args) -> int``); :data:`COMMANDS` lists them in ``--help``
order. A new command is one more function and one more entry (or a call to
:func:`register_command` before :func:`main`).

Conventions shared by all commands (enforced here, once):

* ``--help`` shows an example; bad usage (unknown option, malformed value, missing input,
  refused output) exits with status 2 and a one-line ``sparseopt CMD: error: ...`` message;
* a failure while working exits 1; Ctrl-C exits 130 with one line (and work already written is
  kept: re-running resumes where that applies); a closed pipe (``| head``) ends quietly;
* outputs go through :mod:`sparseopt._io`: checked before any work, written atomically, never
  overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = [
    "COMMANDS",
    "CLIError",
    "auto_or_positive_int",
    "build_parser",
    "console_main",
    "finite_float",
    "main",
    "positive_float",
    "positive_int",
    "register_command",
]


class CLIError(Exception):
    """A one-line error for the user; ``code`` is the exit status (2: bad usage, 1: failure)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- argument types
# argparse turns an ArgumentTypeError into "sparseopt CMD: error: argument --x: <message>".


def positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v


def auto_or_positive_int(s: str):
    if s == "auto":
        return s
    try:
        return positive_int(s)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a positive integer, got {s!r}"
        ) from None


def finite_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {s!r}")
    return v


def positive_float(s: str) -> float:
    v = finite_float(s)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {s!r}")
    return v


def _parser_kw(description: str, example: str) -> dict:
    """Keyword arguments of ``add_parser``: the description and an example in the epilog."""
    return {
        "description": description,
        "epilog": "example:\n  " + example.strip().replace("\n", "\n  "),
        "formatter_class": _Formatter,
    }


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the example's line breaks; show defaults, except ``None`` (the value then comes from
    elsewhere — a recipe, an environment variable — and the option's help says where)."""

    def _get_help_string(self, action):
        if action.default is None or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


# --------------------------------------------------------------------------- demo


def add_demo(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="select features on scikit-learn's bundled digits and score them by k-means",
        **_parser_kw(
            "Unsupervised feature selection by structured sparse PCA on the 8×8 digits that ship "
            "with scikit-learn (1797 images, 64 pixel features, 10 classes; no download). Prints "
            "the selected pixels and how well k-means recovers the digit classes with them, next "
            "to all pixels, the highest-variance pixels and random pixels.",
            "sparseopt demo --n-features 12",
        ),
    )
    p.add_argument("-m", "--n-features", type=positive_int, default=12, help="pixels to select")
    p.add_argument(
        "--n-components",
        type=auto_or_positive_int,
        default="auto",
        help="principal subspace dimension",
    )
    p.add_argument(
        "--lam", type=positive_float, default=0.25, help="relative row-sparsity strength"
    )
    p.add_argument(
        "--repeats", type=positive_int, default=10, help="k-means seeds for the accuracy"
    )
    p.add_argument("--deep", action="store_true", help="train SPCA-Net instead of running the ADMM")
    p.set_defaults(func=run_demo)


def run_demo(args) -> int:
    from sklearn.datasets import load_digits

    from .evaluation import evaluate_ranking
    from .feature_selection import SparsePCASelector

    X, y = load_digits(return_X_y=True)
    if args.n_features > X.shape[1]:
        raise CLIError(f"--n-features {args.n_features} exceeds the 64 pixels of the digits.")
    print(
        f"digits: {X.shape[0]} samples × {X.shape[1]} pixel features, {len(np.unique(y))} classes"
    )
    t0 = time.perf_counter()
    sel = SparsePCASelector(
        n_features_to_select=args.n_features,
        n_components=args.n_components,
        lam=args.lam,
        deep=args.deep,
    )
    sel.fit(X)
    elapsed = time.perf_counter() - t0
    how = "SPCA-Net" if args.deep else f"ADMM, {sel.n_iter_} iterations"
    print(f"SparsePCASelector: p = {sel.n_components_}, {how}, {elapsed:.2f} s")
    chosen = np.flatnonzero(sel.get_support())
    print(f"selected pixels (row, col): {', '.join(f'({i // 8},{i % 8})' for i in chosen)}")
    grid = np.full(64, ".")
    grid[chosen] = "#"
    print("\n".join("    " + " ".join(grid[r * 8 : (r + 1) * 8]) for r in range(8)))

    m = args.n_features
    rng = np.random.default_rng(0)
    rankings = {
        "SparsePCASelector": np.argsort(sel.ranking_),
        "top-m variance": np.argsort(-X.var(axis=0), kind="stable"),
        "random pixels": rng.permutation(64),
    }
    print(f"\nk-means (k = 10, {args.repeats} seeds) on the selected pixels, clustering accuracy:")
    for name, rank in rankings.items():
        s = evaluate_ranking(X, y, rank, ms=[m], n_repeats=args.repeats)
        print(
            f"  {name:<20} m = {m:>2}: ACC {s.acc.mean():5.1f} ± {s.acc.std():.1f} %   NMI {s.nmi.mean():5.1f} %"
        )
    s = evaluate_ranking(X, y, np.arange(64), ms=[64], n_repeats=args.repeats)
    print(
        f"  {'all 64 pixels':<20}        ACC {s.acc.mean():5.1f} ± {s.acc.std():.1f} %   NMI {s.nmi.mean():5.1f} %"
    )
    return 0


# --------------------------------------------------------------------------- select


def add_select(sub) -> None:
    p = sub.add_parser(
        "select",
        help="rank the features of your own data (.csv, .mat, .npz or .npy)",
        **_parser_kw(
            "Fit SparsePCASelector to a data file (rows = samples, columns = features) and print "
            "the features ranked by score, under the file's own column names (a CSV header; "
            "0-based column numbers otherwise). Every column is a feature unless you name label "
            "columns with --label-column; a .mat/.npz file may hold labels under a separate key "
            "(Y/gnd/labels), which is never used for the selection.",
            "sparseopt select data.csv -m 20 --label-column class --out ranking.csv",
        ),
    )
    p.add_argument(
        "data", type=Path, help="data file (.csv with or without header, .mat, .npz, .npy)"
    )
    p.add_argument("-m", "--n-features", type=positive_int, default=10, help="features to print")
    p.add_argument(
        "--n-components",
        type=auto_or_positive_int,
        default="auto",
        help="principal subspace dimension",
    )
    p.add_argument(
        "--lam", type=positive_float, default=0.25, help="relative row-sparsity strength"
    )
    p.add_argument("--penalty", choices=["l21", "l2p", "l20"], default="l21", help="row penalty")
    p.add_argument(
        "--label-column",
        action="append",
        default=[],
        metavar="NAME",
        help="CSV column to leave out of the selection (repeatable); none by default",
    )
    p.add_argument(
        "--standardize", action="store_true", help="scale every feature to unit variance first"
    )
    p.add_argument("--deep", action="store_true", help="train SPCA-Net instead of the ADMM")
    p.add_argument(
        "--out", type=Path, help="write the full ranking (rank,feature,column,score) to this CSV"
    )
    p.add_argument("--force", action="store_true", help="allow --out to overwrite an existing file")
    p.set_defaults(func=run_select)


def _read_csv_matrix(path: Path, label_columns):
    """Numeric CSV → (X, column names, dropped names); the header row is optional."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        raise CLIError(f"{str(path)!r} is empty.")

    def numeric(c):
        try:
            float(c)
            return True
        except ValueError:
            return False

    header = [c.strip() for c in rows[0]]
    has_header = not all(numeric(c) for c in header if c)
    names = header if has_header else [str(j) for j in range(len(header))]
    body = rows[1:] if has_header else rows
    unknown = [c for c in label_columns if c not in names]
    if unknown:
        raise CLIError(
            f"--label-column {unknown[0]!r}: no such column in {str(path)!r} "
            f"(columns: {', '.join(names[:10])}{', ...' if len(names) > 10 else ''})."
        )
    keep = [j for j, n in enumerate(names) if n not in label_columns]
    X = np.empty((len(body), len(keep)))
    for i, r in enumerate(body):
        if len(r) != len(names):
            raise CLIError(
                f"{str(path)!r} line {i + 1 + has_header}: {len(r)} fields, expected {len(names)}."
            )
        for jj, j in enumerate(keep):
            try:
                X[i, jj] = float(r[j])
            except ValueError:
                raise CLIError(
                    f"{str(path)!r} line {i + 1 + has_header}, column {names[j]!r}: "
                    f"{r[j]!r} is not a number (name it with --label-column to leave it out)."
                ) from None
    return X, [names[j] for j in keep]


def run_select(args) -> int:
    from ._io import check_outputs, write_text
    from .datasets import load_matrix_file
    from .feature_selection import SparsePCASelector

    if args.out is not None:
        check_outputs([args.out], force=args.force)
    if not args.data.exists():
        raise CLIError(f"{str(args.data)!r} does not exist.")
    if args.data.is_dir():
        raise CLIError(f"{str(args.data)!r} is a directory; give a data file.")
    if args.data.suffix.lower() == ".csv":
        X, names = _read_csv_matrix(args.data, args.label_column)
    else:
        if args.label_column:
            raise CLIError("--label-column applies to CSV files only.")
        X = load_matrix_file(args.data).data
        names = [str(j) for j in range(X.shape[1])]
    if args.standardize:
        from sklearn.preprocessing import StandardScaler

        X = StandardScaler().fit_transform(X)
    sel = SparsePCASelector(
        n_features_to_select=min(args.n_features, X.shape[1]),
        n_components=args.n_components,
        lam=args.lam,
        penalty=args.penalty,
        deep=args.deep,
    ).fit(X)
    order = np.argsort(sel.ranking_, kind="stable")
    how = "SPCA-Net" if args.deep else f"{sel.n_iter_} ADMM iterations, converged: {sel.converged_}"
    print(
        f"{args.data}: {X.shape[0]} samples × {X.shape[1]} features; p = {sel.n_components_}, {how}"
    )
    width = max(7, *(len(names[j]) for j in order[: args.n_features]))
    print(f"rank  {'feature':<{width}}  column  score")
    for r, j in enumerate(order[: args.n_features], 1):
        print(f"{r:>4}  {names[j]:<{width}}  {j:>6}  {sel.scores_[j]:.4g}")
    if args.out is not None:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["rank", "feature", "column", "score"])
        for j in order:
            w.writerow([int(sel.ranking_[j]), names[j], int(j), f"{sel.scores_[j]:.10g}"])
        write_text(args.out, buf.getvalue(), force=args.force)
        print(f"wrote {args.out}")
    return 0


# --------------------------------------------------------------------------- detect, evaluate
# The parsers live here and the handlers in sparseopt.istd.cli, imported only when the command
# runs, so that `sparseopt --help` does not load the detectors.

#: Detector names accepted by ``sparseopt detect --method`` (the last two are deep networks).
DETECT_METHODS = ("ipi", "rpca", "pstnn", "mpcm", "tophat", "lrpcanet", "rpcanet")
SCHEDULER_ENV = "SPARSEOPT_DASK_SCHEDULER"


def _lazy(target: str):
    """A handler ``"module:function"`` imported when called."""

    def handler(args):
        module, func = target.split(":")
        return getattr(importlib.import_module(module), func)(args)

    handler.target = target
    return handler


def _threshold_arg(s: str):
    if s in ("adaptive", "relmax", "both"):
        return s
    try:
        v = float(s)
    except ValueError:
        v = None
    if v is None or not np.isfinite(v):
        raise argparse.ArgumentTypeError(
            f"expected 'adaptive', 'relmax', 'both' or a finite number, got {s!r}"
        )
    return v


def _ratio_arg(s: str) -> float:
    v = positive_float(s)
    if v > 1:
        raise argparse.ArgumentTypeError(f"expected a ratio in (0, 1], got {s!r}")
    return v


def add_detect(sub) -> argparse.ArgumentParser:
    """Register ``detect`` on an ``argparse`` sub-parser collection; returns its parser."""
    p = sub.add_parser(
        "detect",
        help="detect small infrared targets in images, folders or glob patterns",
        **_parser_kw(
            "Detect small infrared targets. With --out DIR, write per image a mask PNG, a score "
            "map and optionally an overlay, plus one detections.csv; re-running resumes (images "
            "whose outputs exist are skipped) and nothing is overwritten without --force. "
            "Without --out, print the targets of each image.",
            "sparseopt detect NUDT-SIRST/images/ --method ipi --out results/ --n-jobs 2\n"
            "sparseopt detect 'scenes/**/*.png' --overlay --out results/\n"
            "sparseopt detect --demo",
        ),
    )
    p.add_argument(
        "paths",
        metavar="PATH",
        nargs="*",
        help="image files (PNG, BMP, TIFF, JPEG; colour → grey), folders or glob patterns",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="run on a seeded synthetic 256×256 scene with three planted targets and report "
        "which were found",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the --demo scene")
    p.add_argument(
        "--method",
        choices=DETECT_METHODS,
        default="ipi",
        help="detector: IPI (robust PCA of the patch image), rpca (the same with every option "
        "at its default), PSTNN, MPCM, a white top-hat, or the deep L-RPCANet / RPCANet",
    )
    p.add_argument("--weights", type=Path, help="weights file of a deep method")
    p.add_argument("--device", help="torch device of a deep method (cpu, cuda, ...)")
    p.add_argument(
        "--threshold",
        type=_threshold_arg,
        default=None,
        help="'adaptive' (mean + k·std), 'relmax' (ratio·max), 'both', or an absolute value "
        "(default: the method's)",
    )
    p.add_argument("--k", type=finite_nonneg, default=None, help="k of the adaptive rule")
    p.add_argument("--ratio", type=_ratio_arg, default=None, help="ratio of the relmax rule")
    p.add_argument("--out", type=Path, default=None, help="output folder (created if needed)")
    p.add_argument(
        "--score-format",
        choices=("npy", "png"),
        default="npy",
        help="score map as float32 .npy, or 16-bit PNG scaled to the image's maximum",
    )
    p.add_argument("--overlay", action="store_true", help="also write <stem>_overlay.png")
    p.add_argument(
        "--force", action="store_true", help="recompute every image and overwrite its outputs"
    )
    p.add_argument(
        "--n-jobs", type=positive_int, default=1, help="images processed in parallel (processes)"
    )
    p.add_argument(
        "--scheduler",
        default=os.environ.get(SCHEDULER_ENV),
        metavar="ADDRESS",
        help=f"Dask scheduler (tcp://host:port) to run the images on (env {SCHEDULER_ENV})",
    )
    p.set_defaults(func=_lazy("sparseopt.istd.cli:run_detect"))
    return p


def finite_nonneg(s: str) -> float:
    v = finite_float(s)
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {s!r}")
    return v


def add_evaluate(sub) -> argparse.ArgumentParser:
    """Register ``evaluate``; returns its parser."""
    p = sub.add_parser(
        "evaluate",
        help="metrics (mIoU, nIoU, F1, Pd, Fa) of saved predictions against ground-truth masks",
        **_parser_kw(
            "Pair the predictions in PRED_DIR with the masks in MASK_DIR by image name and print "
            "the metrics table. Predictions: <stem>_score.npy/.png and <stem>_mask.png as "
            "written by `sparseopt detect`, or plain <stem>.png/.npy (PNG values are divided by "
            "their maximum, 255 or 65535). Masks: <stem>, <stem>_pixels0 or <stem>_mask with an "
            "image extension, binarised at half the maximum. The rpcanet convention scores score "
            "maps (binarised at half of each image's maximum, on a 256×256 grid); basicirstd "
            "scores the detector's masks at native resolution (p > 0.5).",
            "sparseopt evaluate results/ NUDT-SIRST/masks/ --convention rpcanet",
        ),
    )
    p.add_argument("pred_dir", type=Path, metavar="PRED_DIR", help="folder of predictions")
    p.add_argument("mask_dir", type=Path, metavar="MASK_DIR", help="folder of ground-truth masks")
    p.add_argument(
        "--convention",
        choices=("rpcanet", "basicirstd"),
        default="rpcanet",
        help="metric convention (see sparseopt.istd.metrics)",
    )
    p.add_argument(
        "--pred",
        choices=("auto", "score", "mask"),
        default="auto",
        help="which prediction to score: auto = score maps for rpcanet, masks for basicirstd",
    )
    p.add_argument(
        "--subset",
        action="store_true",
        help="score only the images that have both a prediction and a mask (by default a "
        "prediction without a mask is an error, and so is a mask without a prediction)",
    )
    p.add_argument("--out", type=Path, help="also write the metrics as JSON to this file")
    p.add_argument("--force", action="store_true", help="allow --out to overwrite a file")
    p.set_defaults(func=_lazy("sparseopt.istd.cli:run_evaluate"))
    return p


# --------------------------------------------------------------------------- bench


def _benchmarks_dir() -> Path | None:
    env = os.environ.get("SPARSEOPT_BENCHMARKS")
    for cand in (
        Path(env) if env else None,
        Path(__file__).resolve().parents[1] / "benchmarks",
        Path.cwd() / "benchmarks",
    ):
        if cand is not None and cand.is_dir():
            return cand
    return None


def _benchmark_scripts(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}


def add_bench(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="run a benchmark script from benchmarks/ (tables → benchmarks/results/)",
        **_parser_kw(
            "Run benchmarks/NAME.py with the remaining arguments (its own --help explains "
            "them). The scripts ship with the source checkout; SPARSEOPT_BENCHMARKS names "
            "another folder. Without NAME, list the benchmarks.",
            "sparseopt bench detect_throughput -- --n-images 60",
        ),
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="benchmark script name (no .py)")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    p.set_defaults(func=run_bench)


def run_bench(args) -> int:
    import runpy

    folder = _benchmarks_dir()
    if folder is None:
        raise CLIError(
            "no benchmarks/ folder found: the benchmark scripts ship with the source checkout "
            "(run from it, or set SPARSEOPT_BENCHMARKS)."
        )
    scripts = _benchmark_scripts(folder)
    if args.name is None:
        print(f"benchmarks in {folder}:")
        for name, path in scripts.items():
            doc = (_first_docstring_line(path) or "").rstrip(".")
            print(f"  {name:<24} {doc}")
        return 0
    if args.name not in scripts:
        raise CLIError(f"unknown benchmark {args.name!r}; choose from {', '.join(scripts)}.")
    rest = list(args.script_args)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    old_argv = sys.argv
    sys.argv = [str(scripts[args.name]), *rest]
    try:
        runpy.run_path(str(scripts[args.name]), run_name="__main__")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
    return 0


def _first_docstring_line(path: Path) -> str | None:
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, ValueError):
        return None
    return doc.strip().splitlines()[0] if doc else None


# --------------------------------------------------------------------------- train


def train_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``sparseopt train`` (also ``python -m sparseopt_deep.cli_train``)."""
    p.add_argument("--data-dir", help="folder holding istd/<dataset> (default: $SPARSEOPT_DATA)")
    p.add_argument("--out", required=True, help="run folder (checkpoints, weights, history)")
    p.add_argument("--dataset", help="data set name (default NUDT-SIRST)")
    p.add_argument(
        "--recipe",
        choices=["cpu", "paper"],
        default="cpu",
        help="cpu: whole images, batch 4, bf16, AdamW + cosine; paper: the published recipe",
    )
    p.add_argument("--model", choices=["lrpcanet", "rpcanet"], default="lrpcanet")
    p.add_argument("--base-channels", type=positive_int, default=4, help="L-RPCANet width")
    p.add_argument("--stages", type=positive_int, default=6, help="unfolded stages K")
    # options without a default here take the recipe's (sparseopt_deep.training.RECIPES)
    rec = " (default: the recipe's)"
    p.add_argument(
        "--epochs", type=positive_int, help="epochs; a resumed run may be extended" + rec
    )
    p.add_argument("--batch-size", type=positive_int, help="images per step" + rec)
    p.add_argument("--lr", type=positive_float, help="peak learning rate" + rec)
    p.add_argument("--crop", type=int, help="crop side in pixels, 0: whole images" + rec)
    p.add_argument("--eta", type=finite_float, help="weight of the reconstruction loss" + rec)
    p.add_argument("--warmup-epochs", type=finite_float, help="linear learning-rate warm-up" + rec)
    p.add_argument("--val-every", type=positive_int, help="validate every N epochs" + rec)
    p.add_argument(
        "--ema-epochs",
        type=finite_float,
        help="keep an exponential moving average of the weights over this many epochs and "
        "validate it beside the raw weights, selecting the better (0: off); may be switched on "
        "when a run is resumed" + rec,
    )
    p.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="bfloat16 autocast (default: on); --no-bf16 trains in float32, which is faster on "
        "CPUs without native bfloat16 (no AVX512-BF16 or AMX); may change when a run is resumed",
    )
    p.add_argument("--seed", type=int, help="seed of weights, split and data order (default: 0)")
    p.add_argument("--threads", type=positive_int, help="torch threads (default: torch's own)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    p.add_argument("--max-minutes", type=positive_float, help="stop after the epoch past this")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--force", action="store_true", help="start over in a folder holding a run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_train(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train L-RPCANet / RPCANet (checkpoints every epoch, exact --resume)",
        **_parser_kw(
            "Train an unfolded robust-PCA detection network on an ISTD data set in its official "
            "layout. Validation on a part held out of the training split; every epoch ends with "
            "an atomic checkpoint, and --resume continues to bit-identical weights. Data-parallel "
            "under torchrun (python -m sparseopt_deep.cli_train). Needs torch.",
            "sparseopt train --data-dir ../shared/data --out runs/lrpcanet --epochs 50\n"
            "sparseopt train --data-dir ../shared/data --out runs/lrpcanet --resume",
        ),
    )
    train_arguments(p)
    p.set_defaults(func=_lazy("sparseopt_deep.cli_train:run"))


# --------------------------------------------------------------------------- the parser

#: Sub-commands in ``--help`` order: (name, "module:function" that registers it).
COMMANDS: list[tuple[str, str]] = [
    ("demo", "sparseopt.cli:add_demo"),
    ("select", "sparseopt.cli:add_select"),
    ("detect", "sparseopt.cli:add_detect"),
    ("evaluate", "sparseopt.cli:add_evaluate"),
    ("train", "sparseopt.cli:add_train"),
    ("bench", "sparseopt.cli:add_bench"),
]


def register_command(name: str, adder: str) -> None:
    """Add a sub-command: ``adder`` is ``"module:function"``, a function taking the argparse
    sub-parser collection that calls ``add_parser(name, ...)`` and sets ``func``."""
    if any(n == name for n, _ in COMMANDS):
        raise ValueError(f"command {name!r} is already registered.")
    COMMANDS.append((name, adder))


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sparseopt",
        description="Sparse optimization made practical: feature selection by structured sparse "
        "PCA and infrared small target detection by robust PCA.",
        epilog="example:\n  sparseopt detect images/ --out results/ && sparseopt evaluate "
        "results/ masks/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sparseopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _, adder in COMMANDS:
        module, func = adder.split(":")
        getattr(importlib.import_module(module), func)(sub)
    return parser


def _error(args, message: str) -> None:
    cmd = getattr(args, "command", None)
    print(f"sparseopt{' ' + cmd if cmd else ''}: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from ._io import OutputError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        _error(args, str(exc))
        return exc.code
    except (OutputError, FileNotFoundError) as exc:  # DataNotFoundError is a FileNotFoundError
        _error(args, str(exc))
        return 2
    except (ValueError, TypeError, NotImplementedError, ImportError) as exc:
        # The estimators' own parameter checks: bad usage, said in their words.
        _error(args, str(exc))
        return 2
    except BrokenPipeError:
        raise  # handled by console_main: a reader that left is not an error
    except OSError as exc:
        _error(args, f"{exc.strerror or exc}" + (f": {exc.filename!r}" if exc.filename else ""))
        return 1
    except KeyboardInterrupt:
        print("\nsparseopt: interrupted", file=sys.stderr)
        return 130


def console_main() -> None:  # pragma: no cover - exercised through a subprocess in the tests
    """The ``sparseopt`` console script: :func:`main`, plus a quiet end on a closed pipe."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # `sparseopt ... | head`: the reader left; say nothing (and do not let the interpreter
        # complain while flushing stdout at exit).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 141
    except KeyboardInterrupt:  # during argument parsing or imports
        print("\nsparseopt: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    # `python -m sparseopt.cli`: run the imported module, so that its exception classes are the
    # ones the sub-command modules raise (not copies in __main__).
    from sparseopt.cli import console_main as _console_main

    _console_main()
