#!/usr/bin/env bash
# One prepared training run for a lent GPU machine, sized to a wall-clock budget.
#
#   bash benchmarks/training/on_device.sh DATA OUT MINUTES [sparseopt train options...]
#
# DATA: the folder staged by stage_for_device.py (it travels with the repository); OUT: where
# the run folder and the log go ($OUT on the device machine); MINUTES: the budget for training.
# Two epochs are timed first (with the same options) so that the learning-rate schedule is planned
# for the epochs that fit, rather than cut off mid-schedule by --max-minutes; the run folder
# ($OUT/run: weights, checkpoint, history, config, split) resumes anywhere with --resume.
# Runs from the repository root without installing it (the device image has torch, numpy,
# scipy, numba, scikit-learn and safetensors).
set -euo pipefail
data=${1:?DATA folder}
out=${2:?OUT folder}
minutes=${3:?MINUTES}
shift 3
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
mkdir -p "$out"
log="$out/train.log"
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')" | tee "$log"
probe=$(mktemp -d)
start=$(date +%s)
python3 -m sparseopt.cli train --data-dir "$data" --out "$probe/run" --epochs 2 --quiet "$@" >>"$log" 2>&1
# an epoch's wall_seconds is taken before its validation, so the second minus the first is one
# whole cycle (training + the first validation) without the start-up (data loading, CUDA init)
epoch_s=$(python3 -c "import json, sys; h = json.load(open(sys.argv[1]))['history']; print(h[1]['wall_seconds'] - h[0]['wall_seconds'])" "$probe/run/history.json")
spent=$(( $(date +%s) - start ))
epochs=$(python3 -c "import sys; m, s, e = map(float, sys.argv[1:]); print(max(1, int((m * 60 - s) * 0.9 / e)))" "$minutes" "$spent" "$epoch_s")
echo "probe: ${epoch_s} s per epoch with validation (${spent} s for the probe); planning ${epochs} epochs" | tee -a "$log"
rm -rf "$probe"
left=$(python3 -c "import sys; print(max(0.5, float(sys.argv[1]) - int(sys.argv[2]) / 60))" "$minutes" "$spent")
python3 -m sparseopt.cli train --data-dir "$data" --out "$out/run" --epochs "$epochs" \
    --max-minutes "$left" --quiet "$@" 2>&1 | tee -a "$log"
python3 - "$out/run/history.json" <<'PY' | tee -a "$log"
import json, sys
h = json.load(open(sys.argv[1]))
for r in h["history"][-5:]:
    print(r["epoch"], round(r.get("val_mIoU", float("nan")), 2), round(r["wall_seconds"], 1))
print("best", h["best"])
PY
