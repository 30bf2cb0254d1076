"""SPCA-Net ablations (the talk's tables): Network ✗/✓, Dynamic ✗/✓ and the number of stages K.

For COIL20, Isolet and UMIST, under the feature-selection protocol of the talk (k-means on the
m = 10…100 top-ranked features, 20 seeds, best mean ± std over m), it trains SPCA-Net
(:func:`sparseopt_deep.train_spcanet`, unsupervised, on X itself) in each configuration and reports
ACC, NMI and training time, next to our classical ADMM with the same model (same p, λ, μ).

It also measures what the unfolding buys: the SSPCA objective SPCA-Net reaches in one forward pass
of K stages, and how long / how many iterations the classical ADMM needs to reach the same value.

Results are cached per (data set, configuration) in ``benchmarks/results/cache/spcanet_ablation.json``
(git-ignored; ``benchmarks/_cache.py``): each record carries the hash of the code it ran (library +
this script) and the commit, a record of other code is recomputed, and an interrupted run resumes
(``--force`` recomputes everything). Writes ``benchmarks/results/spcanet_ablation.{md,json}``.

Usage::

    python benchmarks/spcanet_ablation.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

# Import this checkout's packages (not an installed copy) and benchmarks/_cache.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cache import ResultCache

from sparseopt.datasets import DataNotFoundError, get_data_dir, load_feature_selection_dataset
from sparseopt.decomposition import default_n_components, sspca_problem, structured_sparse_pca
from sparseopt.evaluation import evaluate_ranking

RESULTS = Path(__file__).resolve().parent / "results"
TALK = {  # the talk's SPCA-Net rows (ACC / NMI, best over m) and ablations, for reference
    "COIL20": {"net": (57.46, 72.21), "net_off": (55.12, 70.44), "dyn_off": (56.71, 71.49)},
    "Isolet": {"net": (58.43, 71.80), "net_off": (51.84, 67.02), "dyn_off": (52.06, 68.91)},
    "UMIST": {"net": (47.58, 66.62), "net_off": (40.65, 55.88), "dyn_off": (42.63, 60.12)},
}


def configs(stages):
    out = {"classical ADMM": None}
    out["K=10 network✓ dynamic✓"] = dict(n_stages=10, network=True, dynamic=True)
    out["K=10 network✗ dynamic✓"] = dict(n_stages=10, network=False, dynamic=True)
    out["K=10 network✓ dynamic✗"] = dict(n_stages=10, network=True, dynamic=False)
    for K in stages:
        if K != 10:
            out[f"K={K} network✓ dynamic✓"] = dict(n_stages=K, network=True, dynamic=True)
    return out


def time_to_objective(X, p, target: float, problem, lam: float) -> dict:
    """Classical ADMM (defaults, one thread): time and iterations until the objective ≤ target."""
    hit = {}
    t0 = time.perf_counter()

    def cb(outer, W, info):
        if info["objective"] <= target:
            hit.update(seconds=time.perf_counter() - t0, iterations=info["n_iter"])
            return True
        return False

    res = structured_sparse_pca(X, p, lam=lam, problem=problem, callback=cb, tol=1e-9)
    if hit:
        return {"reached": True, **hit, "final_objective": res.objective}
    return {
        "reached": False,
        "seconds": res.time,
        "iterations": res.n_iter,
        "final_objective": res.objective,
    }


def run_dataset(name, data_dir, args, cache):
    import torch

    from sparseopt_deep import train_spcanet

    b = load_feature_selection_dataset(name, data_dir)
    X, y = b.data, b.target
    p = default_n_components(X) if args.n_components == "auto" else int(args.n_components)
    problem = sspca_problem(X, p)
    torch.set_num_threads(args.threads)
    rows = {}
    for label, cfg in tqdm(configs(args.stages).items(), desc=name, leave=False):
        key = f"{name}|p={p}|lam={args.lam}|epochs={args.epochs}|lr={args.lr}|repeats={args.repeats}|{label}"
        if not args.force and (hit := cache.get(key)) is not None:
            rows[label] = hit
            continue
        if cfg is None:
            res = structured_sparse_pca(X, p, lam=args.lam, problem=problem)
            scores, info = (
                res.scores,
                {"fit_s": res.time, "objective": res.objective, "n_iter": res.n_iter},
            )
        else:
            r = train_spcanet(
                X,
                p,
                lam=args.lam,
                n_epochs=args.epochs,
                learning_rate=args.lr,
                random_state=0,
                problem=problem,
                progress=False,
                n_threads=args.threads,
                **cfg,
            )
            t0 = time.perf_counter()
            for _ in range(5):  # one forward pass (inference) of the trained network
                with torch.no_grad():
                    r.model(torch.as_tensor(problem.C), torch.as_tensor(problem.V))
            fwd = (time.perf_counter() - t0) / 5
            scores = r.scores
            info = {
                "fit_s": r.train_time,
                "objective": r.objective,
                "forward_s": fwd,
                "plain_K_objective": r.history["loss"][0],
            }
            if label.startswith("K=") and cfg["network"] and cfg["dynamic"]:
                info["classical_to_same_objective"] = time_to_objective(
                    X, p, r.objective, problem, args.lam
                )
        s = evaluate_ranking(
            X, y, np.argsort(-scores, kind="stable"), n_repeats=args.repeats, n_jobs=args.n_jobs
        )
        rows[label] = cache.put(
            key,
            {
                **info,
                "acc": s.summary("acc"),
                "nmi": s.summary("nmi"),
                "acc_best": s.best("acc")[0],
                "nmi_best": s.best("nmi")[0],
            },
        )
    return p, rows


def write_markdown(results, path: Path) -> str:
    L = ["# SPCA-Net ablations (feature-selection protocol: k-means, best mean over m)\n"]
    L.append(
        f"Command: `{results['command']}`. {results['repeats']} k-means seeds per m; ACC/NMI are "
        "best mean ± std over m ∈ {10, …, 100} (the m in brackets). Training: Adam, "
        f"{results['epochs']} epochs, lr {results['lr']}, on X itself (unsupervised); λ = {results['lam']} "
        "(relative, fixed in the loss), p = n_components default ('auto').\n"
    )
    for ds, res in results["datasets"].items():
        if "error" in res:
            L.append(f"## {ds}\n\n{res['error']}\n")
            continue
        L.append(f"## {ds} (p = {res['p']})\n")
        L.append(
            "| configuration | ACC | NMI | objective | train time | forward pass |\n|---|---|---|---|---|---|"
        )
        for label, r in res["rows"].items():
            fwd = f"{r['forward_s'] * 1e3:.1f} ms" if "forward_s" in r else ""
            L.append(
                f"| {label} | {r['acc']} | {r['nmi']} | {r['objective']:.5f} | {r['fit_s']:.1f} s | {fwd} |"
            )
        t = TALK.get(ds)
        if t:
            L.append(
                f"\nTalk: SPCA-Net {t['net'][0]} / {t['net'][1]}; network ✗ {t['net_off'][0]} / "
                f"{t['net_off'][1]}; dynamic ✗ {t['dyn_off'][0]} / {t['dyn_off'][1]} (ACC / NMI).\n"
            )
        L.append(
            "What K stages buy (one forward pass vs the classical ADMM to the same objective):\n"
        )
        L.append(
            "| K | SPCA-Net objective | plain K-iteration ADMM | forward pass | classical ADMM to reach it |\n|---|---|---|---|---|"
        )
        for label, r in res["rows"].items():
            c = r.get("classical_to_same_objective")
            if c is None:
                continue
            reach = (
                f"{c['iterations']} iterations, {c['seconds'] * 1e3:.0f} ms"
                if c["reached"]
                else f"not reached (converged at {c['final_objective']:.5f})"
            )
            L.append(
                f"| {label.split()[0][2:]} | {r['objective']:.5f} | {r['plain_K_objective']:.5f} | "
                f"{r['forward_s'] * 1e3:.1f} ms | {reach} |"
            )
        L.append("")
    text = "\n".join(L) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=None, help="data folder (default $SPARSEOPT_DATA)")
    ap.add_argument("--datasets", default="COIL20,Isolet,UMIST")
    ap.add_argument("--stages", default="1,2,4,6,8,10", help="values of K for the K ablation")
    ap.add_argument("--n-components", default="auto")
    ap.add_argument("--lam", type=float, default=0.25, help="relative λ (the classical default)")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--repeats", type=int, default=20, help="k-means seeds per m")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads during training")
    ap.add_argument("--force", action="store_true", help="ignore the cache")
    ap.add_argument("--out", type=Path, default=RESULTS / "spcanet_ablation")
    args = ap.parse_args(argv)
    args.stages = [int(k) for k in args.stages.split(",")]
    try:
        import sparseopt_deep  # noqa: F401
    except ImportError as exc:
        print(f"SPCA-Net not available ({exc}); this benchmark did not run.")
        return 1
    data_dir = get_data_dir(args.data_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(args.out.parent / "cache" / "spcanet_ablation.json", __file__)
    results = {
        "command": " ".join(
            [Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]
        ),
        "repeats": args.repeats,
        "epochs": args.epochs,
        "lr": args.lr,
        "lam": args.lam,
        "datasets": {},
    }
    for name in args.datasets.split(","):
        try:
            p, rows = run_dataset(name, data_dir, args, cache)
        except DataNotFoundError as exc:
            results["datasets"][name] = {"error": f"not available: {exc}"}
            continue
        results["datasets"][name] = {"p": p, "rows": rows}
    text = write_markdown(results, args.out.with_suffix(".md"))
    args.out.with_suffix(".json").write_text(
        json.dumps(results, indent=2, default=float), encoding="utf-8"
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
