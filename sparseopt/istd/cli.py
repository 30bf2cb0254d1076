"""Handlers of the ``sparseopt detect`` and ``sparseopt evaluate`` sub-commands (their parsers
are in :mod:`sparseopt.cli`).

``sparseopt detect PATH... --out DIR`` runs a detector over image files, folders and glob
patterns. Per image ``<stem>`` it writes ``<stem>_mask.png`` (0/255), ``<stem>_score.npy``
(float32; or ``<stem>_score.png``, 16-bit, scaled to the image's maximum) and, with
``--overlay``, ``<stem>_overlay.png``; one ``detections.csv`` lists every target (image, file,
target id, centroid, area, peak score, bounding box; an image without targets has one row with
target 0 and empty fields, so the file names every image processed).

* Every output name is checked before any work (:func:`sparseopt._io.check_outputs`); files are
  written atomically and never overwritten without ``--force``.
* Resumable: an image whose outputs all exist is skipped, its rows kept in ``detections.csv``
  (rebuilt from its saved mask and score if missing), so re-running after Ctrl-C continues.
  ``detect.json`` records the settings; resuming with different ones is refused.
* A file that cannot be read or processed is reported and the batch goes on; the exit status is
  1 at the end if any image failed.
* ``--n-jobs N`` runs images in parallel with joblib (one BLAS thread per worker);
  ``--scheduler tcp://HOST:PORT`` (or ``$SPARSEOPT_DASK_SCHEDULER``) sends them to a Dask
  cluster through joblib's Dask backend — the same function runs everywhere, so the outputs are
  the same bytes.

Without ``--out`` it prints the targets of each image. ``sparseopt detect --demo`` runs on a
seeded synthetic scene (:func:`sparseopt.istd.make_scene`) and says which planted targets were
found.

``sparseopt evaluate PRED_DIR MASK_DIR`` pairs saved predictions with ground-truth masks by
image name and prints the metrics table (:mod:`sparseopt.istd.metrics`) in either convention.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cli import DETECT_METHODS, CLIError

__all__ = [
    "CSV_COLUMNS",
    "METHODS",
    "expand_inputs",
    "make_detector",
    "run_detect",
    "run_evaluate",
]

#: Detector names accepted by ``--method``.
METHODS = DETECT_METHODS
#: Deep detectors, built by ``RPCADetector(deep=True, model=...)``.
DEEP_METHODS = ("lrpcanet", "rpcanet")
#: Image file extensions picked up from folders.
IMAGE_EXTS = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")
#: Columns of ``detections.csv``.
CSV_COLUMNS = (
    "image",
    "file",
    "target",
    "row",
    "col",
    "area",
    "peak_score",
    "bbox_row_min",
    "bbox_col_min",
    "bbox_row_max",
    "bbox_col_max",
)


def make_detector(method: str, *, weights=None, device=None, **kw):
    """A detector by name; ``kw`` (``threshold``, ``k``, ``ratio``; ``None`` = the method's
    default) go to its constructor. Deep methods go through
    ``RPCADetector(deep=True, model=method, weights=..., device=...)``."""
    from .detector import IPI, RPCADetector
    from .mpcm import MPCM
    from .pstnn import PSTNN
    from .tophat import TopHat

    kw = {k: v for k, v in kw.items() if v is not None}
    if method in DEEP_METHODS:
        extra = {"weights": weights} if weights is not None else {}
        if device is not None:
            extra["device"] = device
        det = RPCADetector(deep=True, model=method, **extra, **kw)
        det._validate()  # torch present, parameters valid
        from sparseopt_deep.detector import load_network

        # load (and cache) the network now: a wrong or missing weights file is reported
        # before any image is read
        load_network(method, det.weights, det.device)
        return det
    if weights is not None or device is not None:
        raise ValueError(f"--weights/--device apply to {DEEP_METHODS} only, not {method!r}.")
    classes = {"ipi": IPI, "rpca": RPCADetector, "pstnn": PSTNN, "mpcm": MPCM, "tophat": TopHat}
    if method not in classes:
        raise ValueError(f"unknown method {method!r}; choose from {METHODS}.")
    return classes[method](**kw)


def expand_inputs(paths) -> list[Path]:
    """Image files named by ``paths``: files as given, folders' image files (sorted, not
    recursive), glob patterns (``**`` recurses). A path that matches nothing raises
    :class:`~sparseopt.cli.CLIError` naming it; duplicates are dropped."""
    out: list[Path] = []
    for s in paths:
        p = Path(s)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_EXTS and q.is_file())
            if not found:
                raise CLIError(f"folder {s!r} holds no image files ({', '.join(IMAGE_EXTS)}).")
            out += found
        elif p.exists():
            out.append(p)
        elif glob.has_magic(str(s)):
            found = sorted(
                Path(q)
                for q in glob.glob(str(s), recursive=True)
                if Path(q).is_file() and Path(q).suffix.lower() in IMAGE_EXTS
            )
            if not found:
                raise CLIError(f"pattern {s!r} matches no image file.")
            out += found
        else:
            raise CLIError(f"{s!r} does not exist.")
    seen, unique = set(), []
    for p in out:
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append(p)
    return unique


@dataclass
class _Job:
    stem: str
    file: str
    outputs: dict  # kind -> Path


def _plan(files, out_dir: Path, score_format: str, overlay: bool) -> list[_Job]:
    by_stem: dict[str, Path] = {}
    jobs = []
    for f in files:
        stem = f.stem
        if stem in by_stem:
            raise CLIError(
                f"{str(by_stem[stem])!r} and {str(f)!r} would write the same outputs "
                f"({stem}_*); run them into different --out folders."
            )
        by_stem[stem] = f
        outs = {"score": out_dir / f"{stem}_score.{score_format}"}
        if overlay:
            outs["overlay"] = out_dir / f"{stem}_overlay.png"
        outs["mask"] = out_dir / f"{stem}_mask.png"  # last: its presence marks a finished image
        jobs.append(_Job(stem, str(f), outs))
    return jobs


# --------------------------------------------------------------------------- the work


def detect_one(detector, path):
    """Read one image and run ``detector``: ``(score float32, mask bool)`` or an error string.

    This is the function joblib sends to the workers (local processes or Dask); it only
    reads, so where it runs does not matter.
    """
    from .data import read_image

    try:
        image = read_image(path)
        score, mask = detector.score_and_mask(image)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return np.asarray(score, dtype=np.float32), np.asarray(mask, dtype=bool)


def _scheduler_client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise CLIError(
            "--scheduler needs Dask's distributed scheduler: pip install 'sparseopt[dask]'."
        ) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CLIError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


def _run_parallel(func, items, n_jobs: int, scheduler: str | None):
    """Yield ``func(*item)`` in order, here, on ``n_jobs`` local workers, or on a Dask cluster."""
    if scheduler is None and n_jobs == 1:
        for it in items:
            yield func(*it)
        return
    from joblib import Parallel, delayed, parallel_config

    if scheduler is not None:
        client = _scheduler_client(scheduler)
        try:
            with parallel_config(backend="dask", n_jobs=-1):
                yield from Parallel(return_as="generator")(delayed(func)(*it) for it in items)
        finally:
            client.close()
        return
    # One BLAS/OpenMP thread per worker process: n_jobs pools of one thread, not n_jobs².
    with parallel_config(backend="loky", inner_max_num_threads=1):
        yield from Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(func)(*it) for it in items
        )


def _rows(job: _Job, score, mask) -> list[list]:
    from ._base import targets_from_mask

    found = targets_from_mask(mask, score)
    if not found:
        return [[job.stem, job.file, 0, "", "", "", "", "", "", "", ""]]
    return [
        [
            job.stem,
            job.file,
            i,
            f"{t.centroid[0]:.3f}",
            f"{t.centroid[1]:.3f}",
            t.area,
            f"{t.score:.7g}",
            *t.bbox,
        ]
        for i, t in enumerate(found, 1)
    ]


def _overlay(image, mask) -> np.ndarray:
    """RGB uint8: the image (min-max scaled grey), target pixels red, 1-px yellow boxes."""
    from ._base import as_grey_image, minmax_scale, targets_from_mask

    g = np.round(minmax_scale(as_grey_image(image), 255.0)).astype(np.uint8)
    rgb = np.repeat(g[:, :, None], 3, axis=2)
    rgb[mask] = (255, 0, 0)
    H, W = mask.shape
    for t in targets_from_mask(mask, mask.astype(float)):
        r0, c0, r1, c1 = t.bbox
        r0, c0, r1, c1 = max(r0 - 2, 0), max(c0 - 2, 0), min(r1 + 2, H - 1), min(c1 + 2, W - 1)
        for r in (r0, r1):
            rgb[r, c0 : c1 + 1] = (255, 255, 0)
        for c in (c0, c1):
            rgb[r0 : r1 + 1, c] = (255, 255, 0)
    return rgb


def _score_png(score) -> np.ndarray:
    s = np.clip(np.asarray(score, dtype=np.float64), 0, None)
    top = s.max()
    return np.round(65535 * s / top).astype(np.uint16) if top > 0 else np.zeros(s.shape, np.uint16)


def _read_csv_rows(path: Path) -> list[list]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise CLIError(
            f"{str(path)!r} exists and is not a detections.csv written by this command; "
            "choose another --out folder or pass --force."
        )
    return rows[1:]


def _rows_from_files(job: _Job) -> list[list]:
    from .data import read_image, read_mask

    mask = read_mask(job.outputs["mask"])
    sp = job.outputs["score"]
    score = np.load(sp, allow_pickle=False) if sp.suffix == ".npy" else read_image(sp)
    return _rows(job, np.asarray(score, dtype=np.float32), mask)


def _settings(args) -> dict:
    """What decides the outputs' content: a resumed run must use the same."""
    return {
        "method": args.method,
        "weights": str(args.weights) if args.weights is not None else None,
        "threshold": args.threshold,
        "k": args.k,
        "ratio": args.ratio,
        "score_format": args.score_format,
    }


def _read_settings(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or "method" not in data:
        raise CLIError(
            f"{str(path)!r} exists and was not written by `sparseopt detect`; choose another "
            "--out folder or pass --force."
        )
    return data


def _csv_text(table: dict, order: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for stem in order:
        w.writerows(table[stem])
    return buf.getvalue()


# --------------------------------------------------------------------------- detect


def _build_detector(args):
    if args.weights is not None and not args.weights.is_file():
        what = "is a directory" if args.weights.is_dir() else "does not exist"
        raise CLIError(f"--weights {str(args.weights)!r} {what}.")
    try:
        return make_detector(
            args.method,
            weights=args.weights,
            device=args.device,
            threshold=args.threshold,
            k=args.k,
            ratio=args.ratio,
        )
    except (TypeError, ValueError, ImportError, FileNotFoundError) as exc:
        raise CLIError(f"--method {args.method}: {exc}") from None


def _run_demo_scene(args, det) -> int:
    from ._base import targets_from_mask
    from .synthetic import make_scene

    scene = make_scene((256, 256), n_targets=3, contrast=3.0, seed=args.seed)
    score, mask = det.score_and_mask(scene.image)
    found = targets_from_mask(mask, score)
    print(f"{len(found)} target(s) in the synthetic scene (seed {args.seed}) ({args.method}):")
    _print_targets(found)
    # A planted target counts as found when a detected centroid lies within 3 pixels.
    hits = 0
    for cy, cx in scene.centers:
        d = min((np.hypot(t.centroid[0] - cy, t.centroid[1] - cx) for t in found), default=99)
        hits += d <= 3.0
        print(f"  planted at row {cy:6.1f} col {cx:6.1f}: {'found' if d <= 3.0 else 'missed'}")
    print(f"found {hits} of {len(scene.centers)} planted targets, {len(found) - hits} false")
    return 0


def _print_targets(found) -> None:
    for t in found:
        r, c = t.centroid
        print(f"  row {r:8.2f}  col {c:8.2f}  area {t.area:5d}  score {t.score:.4g}")


def run_detect(args) -> int:
    """Handler of ``sparseopt detect``; returns the exit status."""
    from tqdm.auto import tqdm

    from .._io import check_outputs, save_npy, save_png, write_text
    from ._base import targets_from_mask
    from .data import read_image

    if bool(args.paths) == bool(args.demo):
        raise CLIError("give image files, folders or patterns, or --demo (not both).")
    det = _build_detector(args)
    if args.demo:
        if args.out is not None:
            raise CLIError("--demo prints its result; --out applies to real images.")
        return _run_demo_scene(args, det)

    files = expand_inputs(args.paths)
    if args.out is not None:
        inside = [f for f in files if f.resolve().parent == args.out.resolve()]
        if inside:
            # A later run over the same folder would take the masks and maps for images.
            raise CLIError(
                f"{str(inside[0])!r} lies in the --out folder {str(args.out)!r}; write the "
                "results to a folder of their own."
            )
    if args.out is None:  # print-only mode: small batches, no files
        if args.n_jobs != 1 or args.scheduler:
            raise CLIError("--n-jobs/--scheduler need --out (results are written, not printed).")
        failed = 0
        for f in files:
            res = detect_one(det, f)
            if isinstance(res, str):
                print(f"sparseopt detect: {f}: {res}", file=sys.stderr)
                failed += 1
                continue
            found = targets_from_mask(res[1], res[0])
            print(f"{len(found)} target(s) in {f} ({args.method}):")
            _print_targets(found)
        return 1 if failed else 0

    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} is a file; give a folder.")
    jobs = _plan(files, out, args.score_format, args.overlay)
    csv_path = out / "detections.csv"

    # --- everything checked before any work -------------------------------------------
    table: dict[str, list] = {}
    csv_order: list[str] = []
    if csv_path.exists() and not args.force:
        for r in _read_csv_rows(csv_path):
            if r[0] not in table:
                table[r[0]] = []
                csv_order.append(r[0])
            table[r[0]].append(r)
    todo, done, partial = [], [], []
    for job in jobs:
        present = [p.exists() for p in job.outputs.values()]
        if args.force or not any(present):
            todo.append(job)
        elif all(present):
            done.append(job)
        else:
            partial.append(job)
    if partial:
        names = ", ".join(repr(str(p)) for p in partial[0].outputs.values() if p.exists())
        raise CLIError(
            f"{len(partial)} image(s) have only part of their outputs (e.g. {names}), from a run "
            "that did not finish or another tool; pass --force to recompute them."
        )
    settings_path = out / "detect.json"
    settings = _settings(args)
    if settings_path.exists() and not args.force:
        before = _read_settings(settings_path)
        changed = {k: (before.get(k), v) for k, v in settings.items() if before.get(k) != v}
        if changed and (done or table):
            k, (old, new) = next(iter(changed.items()))
            raise CLIError(
                f"the results in {str(out)!r} were made with {k} = {old!r}, this run has "
                f"{new!r}; use another --out folder, or --force to recompute everything."
            )
    check_outputs([p for job in todo for p in job.outputs.values()], force=args.force)
    check_outputs([csv_path, settings_path], force=True)  # ours: new, resumed or forced
    out.mkdir(parents=True, exist_ok=True)
    write_text(settings_path, json.dumps(settings, indent=2) + "\n", force=True)
    for job in done:  # keep (or rebuild) the rows of images finished earlier
        if job.stem not in table:
            table[job.stem] = _rows_from_files(job)
            csv_order.append(job.stem)
    if done:
        print(f"{len(done)} image(s) already done in {out}, skipped (--force recomputes them)")

    # --- the work -----------------------------------------------------------------------
    failures = []
    results = _run_parallel(
        detect_one, [(det, Path(j.file)) for j in todo], args.n_jobs, args.scheduler
    )
    bar = tqdm(total=len(todo), unit="img", desc="detect", disable=None, file=sys.stderr)
    try:
        for job, res in zip(todo, results):
            bar.update(1)
            if isinstance(res, str):
                failures.append((job.file, res))
                continue
            score, mask = res
            # detections.csv first: an image counts as done only once its mask is written.
            if job.stem not in table:
                csv_order.append(job.stem)
            table[job.stem] = _rows(job, score, mask)
            write_text(csv_path, _csv_text(table, csv_order), force=True)
            try:
                if args.score_format == "npy":
                    save_npy(job.outputs["score"], score, force=args.force)
                else:
                    save_png(job.outputs["score"], _score_png(score), force=args.force)
                if args.overlay:
                    image = read_image(job.file)
                    save_png(job.outputs["overlay"], _overlay(image, mask), force=args.force)
                save_png(job.outputs["mask"], mask.astype(np.uint8) * 255, force=args.force)
            except (OSError, ValueError) as exc:
                failures.append((job.file, f"writing outputs: {exc}"))
    finally:
        bar.close()
    if not todo:
        write_text(csv_path, _csv_text(table, csv_order), force=True)
    n_targets = sum(1 for rows in table.values() for r in rows if r[2] != 0 and r[2] != "0")
    print(
        f"{len(todo) - len(failures)} image(s) processed, {len(done)} skipped, "
        f"{len(failures)} failed; {n_targets} target(s) in {csv_path}"
    )
    for f, msg in failures:
        print(f"sparseopt detect: {f}: {msg}", file=sys.stderr)
    return 1 if failures else 0


# --------------------------------------------------------------------------- evaluate

_PRED_KINDS = ("_score", "_mask")


def _index_predictions(folder: Path) -> dict[str, dict[str, Path]]:
    """stem -> {"score"|"mask"|"plain": path} for the prediction files in ``folder``."""
    index: dict[str, dict[str, Path]] = {}
    for p in sorted(folder.iterdir()):
        ext = p.suffix.lower()
        if not p.is_file() or (ext not in IMAGE_EXTS and ext != ".npy"):
            continue
        stem, kind = p.stem, "plain"
        if stem.endswith("_overlay"):
            continue
        for suf in _PRED_KINDS:
            if stem.endswith(suf):
                stem, kind = stem[: -len(suf)], suf[1:]
                break
        slot = index.setdefault(stem, {})
        if kind not in slot or ext == ".npy":  # a float .npy beats a quantised PNG
            slot[kind] = p
    return index


def _index_masks(folder: Path) -> dict[str, Path]:
    index = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() not in IMAGE_EXTS:
            continue
        stem = p.stem
        for suf in ("_pixels0", "_mask"):
            if stem.endswith(suf):
                stem = stem[: -len(suf)]
                break
        index[stem] = p
    return index


def _load_prediction(path: Path) -> np.ndarray:
    """A prediction as float: ``.npy`` as stored; an image divided by its dtype's maximum."""
    from .data import read_image

    if path.suffix.lower() == ".npy":
        a = np.load(path, allow_pickle=False)
        if a.ndim != 2 or (not np.issubdtype(a.dtype, np.number) and a.dtype != bool):
            raise ValueError(
                f"{str(path)!r}: expected a 2-D numeric array, got {a.dtype} {a.shape}."
            )
        return a.astype(np.float64)
    a = read_image(path)
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / np.iinfo(a.dtype).max
    return a.astype(np.float64)


def run_evaluate(args) -> int:
    """Handler of ``sparseopt evaluate``."""
    import json

    from tqdm.auto import tqdm

    from .._io import check_outputs, write_text
    from .data import read_mask
    from .metrics import ISTDMetrics, format_fa

    if args.out is not None:
        check_outputs([args.out], force=args.force)
    for name, d in (("PRED_DIR", args.pred_dir), ("MASK_DIR", args.mask_dir)):
        if not d.exists():
            raise CLIError(f"{name} {str(d)!r} does not exist.")
        if not d.is_dir():
            raise CLIError(f"{name} {str(d)!r} is a file; give a folder.")
    kind = args.pred
    if kind == "auto":
        kind = "score" if args.convention == "rpcanet" else "mask"
    preds = _index_predictions(args.pred_dir)
    masks = _index_masks(args.mask_dir)
    chosen = {}
    for stem, slot in preds.items():
        p = slot.get(kind) or slot.get("plain")
        if p is not None:
            chosen[stem] = p
    if not chosen:
        raise CLIError(f"no {kind} predictions in {str(args.pred_dir)!r}.")
    no_mask = sorted(set(chosen) - set(masks))
    no_pred = sorted(set(masks) - set(chosen))
    if (no_mask or no_pred) and not args.subset:
        parts = []
        if no_mask:
            parts.append(f"{len(no_mask)} prediction(s) without a mask (e.g. {no_mask[0]!r})")
        if no_pred:
            parts.append(
                f"{len(no_pred)} mask(s) without a {kind} prediction (e.g. {no_pred[0]!r})"
            )
        raise CLIError("; ".join(parts) + "; pass --subset to score the images that have both.")
    stems = sorted(set(chosen) & set(masks))
    if not stems:
        raise CLIError("no prediction has a matching mask (names are matched by file stem).")
    m = ISTDMetrics(args.convention)
    for stem in tqdm(stems, unit="img", desc="evaluate", disable=None, file=sys.stderr):
        pred = _load_prediction(chosen[stem])
        gt = read_mask(masks[stem])
        if pred.shape != gt.shape:
            raise CLIError(
                f"{stem}: prediction {pred.shape[0]}×{pred.shape[1]} ({chosen[stem].name}) and "
                f"mask {gt.shape[0]}×{gt.shape[1]} ({masks[stem].name}) differ in size."
            )
        m.update(pred, gt)
    r = m.compute()
    left = f", {len(no_mask) + len(no_pred)} left out (--subset)" if args.subset else ""
    print(
        f"{r['n_images']} images, {r['n_targets']} targets, convention {args.convention}, "
        f"{kind} predictions{left}"
    )
    print(f"{'mIoU':>7} {'nIoU':>7} {'P':>7} {'R':>7} {'F1':>7} {'Pd':>7}  Fa")
    print(
        " ".join(f"{r[k]:7.2f}" for k in ("mIoU", "nIoU", "precision", "recall", "F1", "Pd"))
        + f"  {format_fa(r['Fa'], args.convention)}"
    )
    if args.out is not None:
        record = {
            "convention": args.convention,
            "pred_dir": str(args.pred_dir),
            "mask_dir": str(args.mask_dir),
            "predictions": kind,
            **{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()},
        }
        write_text(args.out, json.dumps(record, indent=2) + "\n", force=args.force)
        print(f"wrote {args.out}")
    return 0


def main(argv=None) -> int:  # pragma: no cover - convenience for ``python -m``
    from ..cli import main as cli_main

    return cli_main(["detect", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
