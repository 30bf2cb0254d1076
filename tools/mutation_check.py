#!/usr/bin/env python
"""Plant known bugs one at a time in a scratch copy and report which ones the test suite catches.

Each mutant is a small source edit (exact text replaced once) in the library; for each, the
relevant test files run (``pytest -x``) and the mutant counts as *caught* when they fail. The
checkout under test is never modified: the script makes a detached ``git worktree`` of
``--ref`` in a temporary folder, applies each patch there, runs the tests, and reverts.

Usage::

    SPARSEOPT_DATA=../shared/data flock /tmp/sparseopt-cpu.lock \\
        python tools/mutation_check.py --ref HEAD --out benchmarks/results/mutation_check_after.json
    python tools/mutation_check.py --ref <base commit> --out .../mutation_check_before.json

``--only ID ...`` runs a subset; ``--list`` prints the mutants. Exit status 0 when every
mutant is caught. The test suite's real-data tests need ``SPARSEOPT_DATA``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ISTD_TESTS = ("tests/test_istd*.py", "tests/test_pinned_real_data.py")
FS_EVAL_TESTS = (
    "tests/test_clustering*.py",
    "tests/test_benchmark_feature_selection.py",
    "tests/test_pinned_real_data.py",
)
DEEP_TESTS = ("tests/test_spcanet*.py", "tests/test_selector.py")


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    edits: tuple  # ((old, new), ...): each old text must occur exactly once
    tests: tuple  # glob patterns of the test files that should catch it
    what: str


MUTANTS = [
    # -- the bugs of issue 15 -----------------------------------------------------------------
    Mutant("abs-T", "sparseopt/istd/detector.py",
           (("return np.maximum(self._fold(res.T, img.shape), 0.0)",
             "return np.abs(self._fold(res.T, img.shape))"),),
           ISTD_TESTS, "detector scores |T| instead of max(T, 0)"),
    Mutant("fold-ignored", "sparseopt/istd/detector.py",
           (("fold_patches(P, shape, self.patch_size, self.step, self.fold)",
             'fold_patches(P, shape, self.patch_size, self.step, "median")'),),
           ISTD_TESTS, "detector ignores the fold setting"),
    Mutant("lambda-doubled", "sparseopt/istd/detector.py",
           (("lam = 1.0 / math.sqrt(max(img.shape)) if self.lam is None else self.lam",
             "lam = 2.0 / math.sqrt(max(img.shape)) if self.lam is None else self.lam"),),
           ISTD_TESTS, "detector's default λ doubled"),
    Mutant("radius-5", "sparseopt/istd/metrics.py",
           (("math.dist(c_gt[i], c_pr[m]) < 3", "math.dist(c_gt[i], c_pr[m]) < 5"),),
           ISTD_TESTS, "basicirstd match radius 3 → 5 px"),
    Mutant("relmax-ge", "sparseopt/istd/metrics.py",
           (("binary = pred / pmax > 0.5 if pmax > 0", "binary = pred / pmax >= 0.5 if pmax > 0"),),
           ISTD_TESTS, "rpcanet binarisation > 0.5 → >= 0.5"),
    Mutant("dynamic-ignored", "sparseopt_deep/spcanet.py",
           (("softplus(self.raw[k if self.dynamic else 0])", "softplus(self.raw[0])"),
            ("self.row_modules[k if self.dynamic else 0]", "self.row_modules[0]")),
           DEEP_TESTS, "SPCA-Net: every stage uses stage 0's scalars and row module"),
    # -- more, of our own ---------------------------------------------------------------------
    Mutant("no-minmax", "sparseopt/istd/detector.py",
           (("D *= dtype.type(1.0 / (hi - lo))", "pass"),),
           ISTD_TESTS, "detector skips the min-max scaling of the patch image (keeps the shift)"),
    Mutant("abs-ge", "sparseopt/istd/metrics.py",
           (("binary = pred > 0.5", "binary = pred >= 0.5"),),
           ISTD_TESTS, "basicirstd absolute threshold > 0.5 → >= 0.5"),
    Mutant("pd-any-gt", "sparseopt/istd/metrics.py",
           (("hit = np.unique(gt_lab[binary & mask])", "hit = np.unique(gt_lab[mask])"),),
           ISTD_TESTS, "rpcanet Pd counts every target as detected"),
    Mutant("fa-area-all", "sparseopt/istd/metrics.py",
           (("fa_area=int(np.count_nonzero(~mask)),", "fa_area=int(mask.size),"),),
           ISTD_TESTS, "rpcanet Fa divides by all pixels instead of background pixels"),
    Mutant("acc-greedy", "sparseopt/evaluation/clustering.py",
           (("rows, cols = linear_sum_assignment(-table)",
             "rows, cols = np.arange(table.shape[0]), table.argmax(axis=1)"),),
           FS_EVAL_TESTS, "clustering ACC maps each cluster to its majority class (not injective)"),
    Mutant("nmi-geometric", "sparseopt/evaluation/clustering.py",
           (('average_method="arithmetic"', 'average_method="geometric"'),),
           FS_EVAL_TESTS, "NMI with geometric instead of arithmetic normalisation"),
    Mutant("best-std-ddof1", "sparseopt/evaluation/clustering.py",
           (("float(values[i].std())", "float(values[i].std(ddof=1))"),),
           FS_EVAL_TESTS, "best_over_m reports the sample std (ddof=1)"),
    Mutant("kmeans-one-seed", "sparseopt/evaluation/clustering.py",
           (("delayed(_kmeans_scores)(Xm, y, k, random_state + r, n_init)",
             "delayed(_kmeans_scores)(Xm, y, k, random_state, n_init)"),),
           FS_EVAL_TESTS, "evaluate_ranking uses the same k-means seed for every repeat"),
]  # fmt: skip


def _files(root: Path, patterns) -> list[str]:
    out = []
    for pat in patterns:
        out += sorted(os.path.relpath(p, root) for p in glob.glob(str(root / pat)))
    return sorted(set(out))


def run_mutant(root: Path, m: Mutant, timeout: int) -> dict:
    path = root / m.file
    original = path.read_text()
    text = original
    for old, new in m.edits:
        n = text.count(old)
        if n != 1:
            return {"status": "patch does not apply", "detail": f"{old!r} occurs {n} times"}
        text = text.replace(old, new)
    tests = _files(root, m.tests)
    if not tests:
        return {"status": "no tests", "tests": []}
    path.write_text(text)
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=root, capture_output=True, text=True, timeout=timeout,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        )  # fmt: skip
        seconds = time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "tests": tests}
    finally:
        path.write_text(original)
    failed = [ln.split(" ")[1] for ln in proc.stdout.splitlines() if ln.startswith("FAILED ")]
    # 1: tests failed; 2/3: collection or internal error (the mutant broke an import): caught too
    status = {0: "survived", 1: "caught", 2: "caught", 3: "caught"}.get(proc.returncode, "error")
    return {
        "status": status,
        "returncode": proc.returncode,
        "seconds": round(seconds, 1),
        "tests": tests,
        "caught_by": failed[:3],
        "tail": proc.stdout.strip().splitlines()[-1:] if status != "caught" else [],
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ref", default="HEAD", help="git commit whose code and tests are checked")
    p.add_argument("--only", nargs="+", default=None, help="mutant ids to run")
    p.add_argument("--out", type=Path, default=None, help="write the results here (JSON)")
    p.add_argument("--timeout", type=int, default=900, help="seconds per mutant")
    p.add_argument("--list", action="store_true")
    args = p.parse_args(argv)
    if args.list:
        for m in MUTANTS:
            print(f"{m.id:16s} {m.file:34s} {m.what}")
        return 0
    todo = [m for m in MUTANTS if args.only is None or m.id in args.only]
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.ref],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        root = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(root), commit],
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            # unmodified tree first: the tests must pass before a failure means anything
            patterns = tuple(sorted({pat for m in todo for pat in m.tests}))
            base = run_mutant(root, Mutant("none", "README.md", (), patterns, ""), 3600)
            if base["status"] != "survived":
                print(f"the unmodified tree does not pass its tests: {base}")
                return 2
            for m in todo:
                r = run_mutant(root, m, args.timeout)
                results[m.id] = {"what": m.what, "file": m.file, **r}
                print(f"{m.id:16s} {r['status']:9s} {r.get('seconds', '')!s:>6}s  {m.what}"
                      + (f"  [{', '.join(r.get('caught_by', []))}]" if r.get("caught_by") else ""),
                      flush=True)  # fmt: skip
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(root)],
                capture_output=True,
            )  # fmt: skip
    caught = sum(r["status"] == "caught" for r in results.values())
    print(f"\n{commit}: {caught} of {len(results)} mutants caught")
    if args.out:
        report = {
            "ref": commit,
            "generated": _dt.datetime.now().isoformat(timespec="seconds"),
            "command": "python tools/mutation_check.py "
            + " ".join(sys.argv[1:] if argv is None else argv),
            "caught": caught,
            "total": len(results),
            "mutants": results,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
