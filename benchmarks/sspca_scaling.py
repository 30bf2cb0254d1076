"""Structured sparse PCA, round two: set-up passes, λ path with warm starts, scaling, deep fit threads.

What it measures, in one run on this machine (every time is a median within the run):

1. ``setup``: building the problem for ``n_components="auto"`` on COIL20 the old way
   (``default_n_components`` then ``sspca_problem``: two validations, two centrings, a full
   SVD and an eigen-decomposition) against once (``sspca_problem(X, "auto")``: one of each);
2. ``path``: six λ as six separate fits, as ``sspca_path`` (problem built once) and with warm
   starts: time, products with C, and the top-50 agreement of each warm answer with its cold one;
3. ``scaling``: fit time and peak memory (tracemalloc) of ``structured_sparse_pca`` as n grows
   (d = 200) and as d grows (n = 200, the shape of gene-expression data), k = 10, on seeded
   low-rank-plus-noise data; scikit-learn's ``SparsePCA`` at the sizes it finishes in time;
   a log-log figure;
4. ``deep``: ``SparsePCASelector(deep=True)`` on COIL20 (k = 20, 60 epochs) with torch/BLAS
   limited to 1 thread (the default now) and left at the machine's default, on a quiet machine
   and with a CPU-bound process running next to it (``--loaded``).

Usage::

    python benchmarks/sspca_scaling.py --data-dir ../shared/data [--parts setup,path,scaling,deep]

Writes ``benchmarks/results/sspca_scaling.{json,png}`` (parts not rerun are kept).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
from sklearn.utils import check_array

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sparseopt.datasets import DataNotFoundError, get_data_dir, load_feature_selection_dataset
from sparseopt.decomposition import (
    sspca_path,
    sspca_problem,
    structured_sparse_pca,
)

RESULTS = Path(__file__).resolve().parent / "results"
LAMS = (0.05, 0.1, 0.15, 0.25, 0.35, 0.5)


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def top(scores, m=50):
    return set(np.argsort(-np.asarray(scores), kind="stable")[:m].tolist())


def setup_passes(X, repeats):
    def old():
        # The route before this change, spelled out: default_n_components validated, centred and
        # took a full SVD of X; sspca_problem then validated, centred and decomposed again.
        Xv = check_array(X, dtype=np.float64)
        Xc = Xv - Xv.mean(axis=0)
        s = scipy.linalg.svdvals(Xc) ** 2
        k = int(np.searchsorted(np.cumsum(s) / s.sum(), 0.8) + 1)
        return sspca_problem(X, min(max(k, 2), 50))

    t_old, a = median_time(old, repeats)
    t_new, b = median_time(lambda: sspca_problem(X, "auto"), repeats)
    same = a.n_components == b.n_components and np.allclose(a.V @ a.V.T @ b.V, b.V, atol=1e-8)
    return {
        "old_s": t_old,
        "new_s": t_new,
        "n_components": b.n_components,
        "same_subspace": bool(same),
        "old_passes": "2 validations, 2 centrings, full SVD + top-k eigensolve",
        "new_passes": "1 validation, 1 centring, eigenvalues of C then k+1 Lanczos pairs",
    }


def lambda_path(X, repeats):
    """Six λ: separate fits from X, the path with the problem built once, and with warm starts."""

    def separate():
        return [structured_sparse_pca(X, 20, lam=lam) for lam in LAMS]

    problem = sspca_problem(X, 20)
    t_sep, c = median_time(separate, repeats)
    t_cold, c2 = median_time(lambda: sspca_path(X, LAMS, 20), repeats)
    t_warm, w = median_time(lambda: sspca_path(X, LAMS, 20, warm_start=True), repeats)
    del problem
    return {
        "lams": list(LAMS),
        "separate_fits_s": t_sep,
        "path_cold_s": t_cold,
        "path_warm_s": t_warm,
        "cold_n_grad": [r.n_grad for r in c],
        "warm_n_grad": [r.n_grad for r in w],
        "cold_n_iter": [r.n_iter for r in c],
        "warm_n_iter": [r.n_iter for r in w],
        "path_cold_equals_separate": all(np.array_equal(a.scores, b.scores) for a, b in zip(c, c2)),
        "top50_warm_vs_cold": [len(top(a.scores) & top(b.scores)) for a, b in zip(w, c)],
        "objective_warm_minus_cold": [a.objective - b.objective for a, b in zip(w, c)],
        "all_converged": all(r.converged for r in c + w),
    }


def synthetic(n, d, seed=0, rank=10):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, rank)) * np.linspace(3, 1, rank)
    L = rng.standard_normal((rank, d)) * (
        rng.random(d) < 0.2
    )  # a fifth of the features informative
    return Z @ L + 0.5 * rng.standard_normal((n, d))


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    t = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return t, peak / 2**20, out


def scaling(sklearn_limit_s):
    from sklearn.decomposition import SparsePCA

    rows = []
    grid = [(n, 200) for n in (1000, 5000, 20000, 100000)] + [
        (200, d) for d in (1000, 5000, 20000, 50000)
    ]
    sk_ok = True
    structured_sparse_pca(synthetic(300, 50), 5)  # warm-up: load the Numba kernels first
    for n, d in grid:
        X = synthetic(n, d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, mem, res = measure(lambda X=X: structured_sparse_pca(X, 10))
        row = {
            "n": n,
            "d": d,
            "ours_s": t,
            "ours_peak_mib": mem,
            "data_mib": X.nbytes / 2**20,
            "n_grad": res.n_grad,
            "converged": res.converged,
        }
        if sk_ok:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, mem, _ = measure(lambda X=X: SparsePCA(10, random_state=0, max_iter=100).fit(X))
            row.update(sklearn_s=t, sklearn_peak_mib=mem)
            sk_ok = t < sklearn_limit_s
        else:
            row["sklearn_s"] = None  # skipped: the previous size already took over the limit
        rows.append(row)
        print(row, flush=True)
        del X
    return rows


def _burn(stop):
    x = np.random.default_rng(0).standard_normal((400, 400))
    while not stop.is_set():
        x = np.tanh(x @ x.T / 400)


def deep_fits(X, epochs, loaded):
    from sparseopt.feature_selection import SparsePCASelector

    rows = {}
    for threads in (1, None):
        label = f"{'1 thread' if threads else 'default threads'}, {'+1 CPU-bound process' if loaded else 'no added load'}"
        import sparseopt_deep.spcanet as sn

        orig = sn.train_spcanet.__kwdefaults__["n_threads"]
        sn.train_spcanet.__kwdefaults__["n_threads"] = threads
        stop = mp.Event()
        procs = [mp.Process(target=_burn, args=(stop,)) for _ in range(1 if loaded else 0)]
        for p in procs:
            p.start()
        try:
            t0 = time.perf_counter()
            sel = SparsePCASelector(
                n_components=20, deep=True, n_epochs=epochs, random_state=0
            ).fit(X)
            rows[label] = {"fit_s": time.perf_counter() - t0, "epochs": epochs}
        finally:
            stop.set()
            for p in procs:
                p.join()
            sn.train_spcanet.__kwdefaults__["n_threads"] = orig
        rows[label]["final_loss"] = float(sel.objective_history_.min())
        print(label, rows[label], flush=True)
    return rows


def figure(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, key, fixed in ((axes[0], "n", ("d", 200)), (axes[1], "d", ("n", 200))):
        rs = [r for r in rows if (r[fixed[0]] == fixed[1] and r[key] != fixed[1]) or r[key] > 200]
        rs = [r for r in rows if r[fixed[0]] == fixed[1]]
        xs = [r[key] for r in rs]
        ax.loglog(xs, [r["ours_s"] for r in rs], "o-", label="structured_sparse_pca")
        sk = [(r[key], r["sklearn_s"]) for r in rs if r.get("sklearn_s")]
        if sk:
            ax.loglog(*zip(*sk), "s--", label="sklearn SparsePCA (max_iter=100)")
        ax.set_xlabel(f"{key} ({fixed[0]} = {fixed[1]})")
        ax.set_ylabel("fit time (s)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--parts", default="setup,path,scaling,deep")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--deep-epochs", type=int, default=60)
    ap.add_argument("--loaded", action="store_true", help="also time the deep fit under load")
    ap.add_argument("--sklearn-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=RESULTS / "sspca_scaling")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    results = {"command": " ".join(["sspca_scaling.py", *(argv or sys.argv[1:])])}
    X = None
    if parts & {"setup", "path", "deep"}:
        try:
            X = load_feature_selection_dataset("COIL20", get_data_dir(args.data_dir)).data
        except DataNotFoundError as exc:
            print(f"COIL20 not available ({exc}): setup, path and deep did not run.")
            parts -= {"setup", "path", "deep"}
    if "setup" in parts:
        results["setup"] = setup_passes(X, args.repeats)
        print(results["setup"], flush=True)
    if "path" in parts:
        results["path"] = lambda_path(X, max(1, args.repeats // 2))
        print(results["path"], flush=True)
    if "scaling" in parts:
        results["scaling"] = scaling(args.sklearn_limit)
        figure(results["scaling"], args.out.with_suffix(".png"))
    if "deep" in parts:
        results["deep"] = deep_fits(X, args.deep_epochs, loaded=False)
        if args.loaded:
            results["deep"].update(deep_fits(X, args.deep_epochs, loaded=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = args.out.with_suffix(".json")
    if out.exists():  # keep the parts not rerun
        old = json.loads(out.read_text(encoding="utf-8"))
        old.update(results)
        results = old
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
