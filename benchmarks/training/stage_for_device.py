"""Copy one data set's training split into a folder that travels to a lent GPU machine.

The device machine receives only the repository (64 MiB in all), so the folder must live inside
it and be ignored by git (this script adds it to ``.git/info/exclude``). Only the training split
travels (NUDT-SIRST: 663 images and masks, 21 MiB): validation is held out of it, and the test
split is scored back here by ``benchmarks/ship_weights.py``.

Usage::

    python benchmarks/training/stage_for_device.py --data-dir ../shared/data --to .device_data
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sparseopt.istd.data import load_istd_dataset  # noqa: E402


def stage(data_dir, dst: Path, dataset: str = "NUDT-SIRST") -> tuple[int, int]:
    """Copy ``dataset``'s training split (official layout) to ``dst/istd/<dataset>``.

    Returns the number of images and the bytes written; refuses to touch an existing folder.
    """
    ds = load_istd_dataset(dataset, "train", data_dir=data_dir)  # checks the layout first
    root = Path(dst) / "istd" / dataset
    if root.exists():
        raise FileExistsError(f"{root} exists; remove it first (nothing is overwritten)")
    files = [ds.root / "50_50" / "train.txt"]
    files += [f(i) for i in range(len(ds)) for f in (ds.image_path, ds.mask_path)]
    for f in files:  # the same relative paths, so the copy is in the same official layout
        (root / f.relative_to(ds.root)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, root / f.relative_to(ds.root))
    return len(ds), sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True, help="folder holding istd/<dataset>")
    p.add_argument("--to", default=".device_data", help="folder inside the repository")
    p.add_argument("--dataset", default="NUDT-SIRST", choices=["NUDT-SIRST"])
    args = p.parse_args(argv)
    dst = (REPO / args.to).resolve()
    if REPO not in dst.parents:
        p.error(f"--to must be inside the repository ({REPO}), got {dst}")
    try:
        n, size = stage(args.data_dir, dst, args.dataset)
    except FileExistsError as e:
        p.error(str(e))
    # git must not track the copy, or the data set would enter the repository's history
    exclude = REPO / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    line = f"/{dst.relative_to(REPO).as_posix()}/"
    if line not in (exclude.read_text().splitlines() if exclude.exists() else []):
        with exclude.open("a") as fh:
            fh.write(line + "\n")
    print(f"{n} training images of {args.dataset} in {dst} ({size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
