"""Folder throughput of `sparseopt detect` on NUDT-SIRST test images (images per second).

Four ways to run the same detector (IPI, its defaults) over the same N images, each timed by
wall clock from start to finish, outputs written:

* ``cli loop``: one ``sparseopt detect IMAGE --out DIR`` process per image, as a shell loop over
  a folder would do it (Python start-up, imports and the Numba cache load paid per image);
* ``library loop``: one Python process looping ``read_image`` → ``score_and_mask`` → saving the
  mask and score (the floor a hand-written script reaches, measured in-process without start-up);
* ``detect --n-jobs 1`` and ``--n-jobs 2``: one ``sparseopt detect FILES... --out DIR`` process
  (joblib, one BLAS thread per worker; start-up included).

The n-jobs runs must produce byte-identical outputs; the script checks it and says so.
Run on a shared machine under ``flock /tmp/sparseopt-cpu.lock``; the load average at the start is
recorded with the figures because other processes change them.

Usage::

    flock /tmp/sparseopt-cpu.lock python benchmarks/detect_throughput.py --n-images 60

writes ``benchmarks/results/detect_throughput.{md,json}`` (refuses to overwrite them without
``--force``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))


def _cli(*argv) -> list[str]:
    return [sys.executable, "-m", "sparseopt.cli", *map(str, argv)]


def _timed(cmd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _library_loop(files, out: Path) -> float:
    import numpy as np

    from sparseopt._io import save_npy, save_png
    from sparseopt.istd import IPI, read_image

    det = IPI()
    det.score_and_mask(read_image(files[0]))  # JIT/cache warm-up outside the clock
    out.mkdir()
    t0 = time.perf_counter()
    for f in files:
        score, mask = det.score_and_mask(read_image(f))
        save_npy(out / f"{f.stem}_score.npy", score.astype(np.float32))
        save_png(out / f"{f.stem}_mask.png", mask.astype(np.uint8) * 255)
    return time.perf_counter() - t0


def _same_bytes(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("SPARSEOPT_DATA"))
    ap.add_argument("--n-images", type=int, default=60, help="first N images of the test split")
    ap.add_argument(
        "--loop-images",
        type=int,
        default=20,
        help="images for the one-process-per-image CLI loop (it is slow; its rate is per image)",
    )
    ap.add_argument("--force", action="store_true", help="overwrite the committed results")
    args = ap.parse_args(argv)

    from sparseopt._io import check_outputs, write_text
    from sparseopt.datasets import DataNotFoundError
    from sparseopt.istd import load_istd_dataset

    md_path, json_path = RESULTS / "detect_throughput.md", RESULTS / "detect_throughput.json"
    check_outputs([md_path, json_path], force=args.force)
    try:
        ds = load_istd_dataset("NUDT-SIRST", "test", data_dir=args.data_dir)
    except DataNotFoundError as exc:
        print(f"benchmark not run: {exc}")
        return 1
    n = min(args.n_images, len(ds))
    files = [ds.image_path(i) for i in range(n)]
    loop_files = files[: min(args.loop_images, n)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("SPARSEOPT_DASK_SCHEDULER", None)
    load = os.getloadavg()[0]
    print(f"NUDT-SIRST test: {n} images ({len(loop_files)} for the CLI loop); load avg {load:.2f}")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Warm the Numba cache once so no variant pays the first compilation.
        _timed(_cli("detect", files[0], "--out", tmp / "warm"), env)

        t = sum(_timed(_cli("detect", f, "--out", tmp / "loop"), env) for f in loop_files)
        rows.append(("cli loop (one process per image)", len(loop_files), t))
        print(f"  {rows[-1][0]:<36} {len(loop_files) / t:6.2f} images/s")

        t = _library_loop(files, tmp / "lib")
        rows.append(("library loop (in-process)", n, t))
        print(f"  {rows[-1][0]:<36} {n / t:6.2f} images/s")

        for jobs in (1, 2):
            out = tmp / f"jobs{jobs}"
            t = _timed(_cli("detect", *files, "--out", out, "--n-jobs", jobs), env)
            rows.append((f"sparseopt detect --n-jobs {jobs}", n, t))
            print(f"  {rows[-1][0]:<36} {n / t:6.2f} images/s")
        identical = _same_bytes(tmp / "jobs1", tmp / "jobs2")
    print(f"--n-jobs 1 and 2 outputs byte-identical: {identical}")

    ref = rows[0][1] / rows[0][2]
    lib = rows[1][1] / rows[1][2]
    record = {
        "benchmark": "detect_throughput",
        "command": f"python benchmarks/detect_throughput.py --n-images {args.n_images} "
        f"--loop-images {args.loop_images}",
        "data": "NUDT-SIRST test split (50_50/test.txt), first images in split order",
        "method": "ipi (defaults; one BLAS thread per process)",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, shared; load avg at start {load:.2f}",
        "outputs_identical_n_jobs_1_vs_2": identical,
        "runs": [
            {
                "run": name,
                "images": k,
                "seconds": round(t, 3),
                "images_per_s": round(k / t, 3),
                "vs_cli_loop": round((k / t) / ref, 2),
                "vs_library_loop": round((k / t) / lib, 2),
            }
            for name, k, t in rows
        ],
    }
    lines = [
        "# `sparseopt detect` folder throughput (NUDT-SIRST test images)",
        "",
        f"Produced by `{record['command']}` (under `flock /tmp/sparseopt-cpu.lock`).",
        f"Machine: {record['machine']}. Method: {record['method']}. Wall clock, one run each, "
        "outputs written; the n-jobs runs include process start-up.",
        "",
        "| run | images | s | images/s | × cli loop | × library loop |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in record["runs"]:
        lines.append(
            f"| {r['run']} | {r['images']} | {r['seconds']:.1f} | {r['images_per_s']:.2f} | "
            f"{r['vs_cli_loop']:.2f} | {r['vs_library_loop']:.2f} |"
        )
    lines += ["", f"`--n-jobs 1` and `--n-jobs 2` outputs byte-identical: {identical}.", ""]
    write_text(md_path, "\n".join(lines), force=args.force)
    write_text(json_path, json.dumps(record, indent=2) + "\n", force=args.force)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
