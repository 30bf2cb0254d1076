"""``sparseopt train``: train L-RPCANet / RPCANet on an ISTD data set (also
``python -m sparseopt_deep.cli_train``)."""

from __future__ import annotations

import argparse
import json
import sys

EXAMPLE = """example:
  sparseopt train --data-dir ../shared/data --out runs/lrpcanet --epochs 150
  sparseopt train --out runs/lrpcanet --resume            # continue after an interruption
  sparseopt train --data-dir DATA --recipe paper --model rpcanet --out runs/rpcanet
  torchrun --nproc-per-node 2 -m sparseopt_deep.cli_train --data-dir DATA --out runs/ddp
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``train`` command's options (shared by ``sparseopt train`` and this module)."""
    p.add_argument("--data-dir", help="folder holding istd/<dataset> (default: $SPARSEOPT_DATA)")
    p.add_argument("--out", required=True, help="run folder (checkpoints, weights, history)")
    p.add_argument("--dataset", default=None, help="data set name (default NUDT-SIRST)")
    p.add_argument(
        "--recipe",
        choices=["cpu", "paper"],
        default="cpu",
        help="cpu: crops, bf16, AdamW+cosine (default); paper: the published recipe",
    )
    p.add_argument("--model", choices=["lrpcanet", "rpcanet"], default="lrpcanet")
    p.add_argument("--base-channels", type=int, default=4, help="L-RPCANet width (default 4)")
    p.add_argument("--stages", type=int, default=6, help="number of unfolded stages K")
    p.add_argument("--epochs", type=int, help="epochs (a resumed run may be extended)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--crop", type=int, help="crop side in pixels (0: whole images)")
    p.add_argument("--eta", type=float, help="weight of the reconstruction loss")
    p.add_argument("--no-bf16", action="store_true", help="train in float32")
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    p.add_argument("--max-minutes", type=float, help="stop after the epoch passing this budget")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--force", action="store_true", help="start over in a folder holding a run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from .training import train

    overrides = {}
    for name in ("epochs", "batch_size", "lr", "eta", "seed", "dataset"):
        v = getattr(args, name)
        if v is not None:
            overrides[name] = v
    if args.threads is not None:
        overrides["num_threads"] = args.threads
    if not args.resume:
        if args.crop is not None:
            overrides["crop"] = args.crop or None
        if args.no_bf16:
            overrides["bf16"] = False
        model = {"model": args.model, "n_stages": args.stages}
        if args.model == "lrpcanet":
            model["base_channels"] = args.base_channels
        overrides["model"] = model
    res = train(
        args.data_dir,
        args.out,
        recipe=args.recipe,
        resume=args.resume,
        force=args.force,
        device=args.device,
        max_minutes=args.max_minutes,
        progress=not args.quiet,
        **overrides,
    )
    print(json.dumps({"out_dir": res["out_dir"], "best": res["best"], "finished": res["finished"]}))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="sparseopt train",
        description="Train L-RPCANet or RPCANet with checkpoints every epoch and exact resume.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except (ValueError, FileNotFoundError, FileExistsError, FloatingPointError) as exc:
        print(f"sparseopt train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sparseopt train: interrupted; continue with --resume.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
