"""``sparseopt train``: train L-RPCANet / RPCANet on an ISTD data set (also
``python -m sparseopt_deep.cli_train``)."""

from __future__ import annotations

import argparse
import json
import sys

from sparseopt.cli import train_arguments

EXAMPLE = """example:
  sparseopt train --data-dir ../shared/data --out runs/lrpcanet --epochs 150
  sparseopt train --out runs/lrpcanet --resume            # continue after an interruption
  sparseopt train --out runs/lrpcanet --resume --epochs 300   # extend a run (kept for later resumes)
  sparseopt train --out runs/lrpcanet --resume --epochs 400 --ema-epochs 2   # extend, averaging weights
  sparseopt train --data-dir DATA --recipe paper --model rpcanet --out runs/rpcanet
  torchrun --nproc-per-node 2 -m sparseopt_deep.cli_train --data-dir DATA --out runs/ddp
"""


def run(args: argparse.Namespace) -> int:
    import torch

    from .training import _dist_info, exit_distributed, train

    overrides = {}
    names = (
        "epochs",
        "batch_size",
        "lr",
        "eta",
        "warmup_epochs",
        "val_every",
        "ema_epochs",
        "seed",
        "dataset",
    )
    for name in names:
        v = getattr(args, name)
        if v is not None:
            overrides[name] = v
    if args.threads is not None:
        overrides["num_threads"] = args.threads
    if args.bf16 is not None:
        overrides["bf16"] = args.bf16
    if not args.resume:
        if args.crop is not None:
            overrides["crop"] = args.crop or None
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
    if _dist_info()[0] == 0:  # under torchrun, only process 0 validates
        print(
            json.dumps(
                {"out_dir": res["out_dir"], "best": res["best"], "finished": res["finished"]}
            )
        )
    if torch.distributed.is_initialized():  # under torchrun: leave once every process is done
        exit_distributed(0)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="sparseopt train",
        description="Train L-RPCANet or RPCANet with checkpoints every epoch and exact resume.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train_arguments(p)
    args = p.parse_args(argv)
    try:
        code = run(args)
    except (ValueError, FileNotFoundError, FileExistsError, FloatingPointError) as exc:
        print(f"sparseopt train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sparseopt train: interrupted; continue with --resume.", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
