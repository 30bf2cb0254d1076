"""Training engine: exact resume, refusal to overwrite, data-parallel training."""

from __future__ import annotations

import json
import os
import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sparseopt_deep.training import soft_iou_loss, train  # noqa: E402

TINY = dict(
    model={"model": "lrpcanet", "n_stages": 2, "base_channels": 2},
    epochs=3,
    batch_size=4,
    crop=24,
    val_fraction=0.2,
    progress=False,
    num_threads=1,
)


def _weights(path):
    from safetensors.torch import load_file

    return load_file(str(path))


def test_resume_is_bit_identical(tiny_data, tmp_path):
    full = train(tiny_data, tmp_path / "full", **TINY)
    assert full["finished"] and len(full["history"]) == 3
    # interrupted after its first epoch (the budget check runs at every epoch's end), as a
    # killed run is: the same schedule, one checkpoint written
    part = train(tiny_data, tmp_path / "part", **TINY, max_minutes=1e-9)
    assert not part["finished"] and len(part["history"]) == 1
    resumed = train(tiny_data, tmp_path / "part", resume=True, progress=False)
    a, b = (
        _weights(tmp_path / "full" / "last.safetensors"),
        _weights(tmp_path / "part" / "last.safetensors"),
    )
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["loss"] for r in resumed["history"]] == [r["loss"] for r in full["history"]]
    # the validation ids are saved beside the weights and never come from the test split
    split = json.loads((tmp_path / "full" / "split.json").read_text())
    assert split["n_val"] == 3 and set(split["val_ids"]) <= {f"{i:06d}" for i in range(16)}
    # a different seed trains differently (the test above could not pass by accident)
    other = train(tiny_data, tmp_path / "seed1", **{**TINY, "epochs": 1, "seed": 1})
    assert other["history"][0]["loss"] != full["history"][0]["loss"]


def test_run_folder_is_not_overwritten(tiny_data, tmp_path):
    train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1})
    before = (tmp_path / "run" / "last.safetensors").read_bytes()
    with pytest.raises(FileExistsError, match="resume"):
        train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1})
    assert (tmp_path / "run" / "last.safetensors").read_bytes() == before
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(tiny_data, tmp_path / "empty", resume=True)
    with pytest.raises(ValueError, match="only epochs"):
        train(tiny_data, tmp_path / "run", resume=True, lr=1.0)
    with pytest.raises(ValueError, match="recipe"):
        train(tiny_data, tmp_path / "x", recipe="fast")


def test_an_extended_run_stays_extended(tiny_data, tmp_path):
    """``epochs`` raised at a resume is saved with the run: a later plain ``--resume`` goes on
    to the new end instead of reverting to the old schedule (and stopping at once)."""
    train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1})
    train(tiny_data, tmp_path / "run", resume=True, epochs=3, progress=False, max_minutes=1e-9)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["epochs"] == 3
    res = train(tiny_data, tmp_path / "run", resume=True, progress=False)
    assert res["finished"] and [r["epoch"] for r in res["history"]] == [1, 2, 3]


def test_precision_may_change_at_a_resume_and_each_epoch_records_its_own(tiny_data, tmp_path):
    """A run moved to a CPU without native bfloat16 (where float32 is faster) goes on in
    float32 (``--resume --no-bf16``): the switch is saved with the run, every epoch's record
    says how it ran, and the float32 epoch differs from the bfloat16 one it would have been."""
    import shutil

    from sparseopt.cli import main

    train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1})
    shutil.copytree(tmp_path / "run", tmp_path / "same")
    resume = ["train", "--data-dir", str(tiny_data), "--resume", "--epochs", "2", "--quiet"]
    assert main([*resume, "--out", str(tmp_path / "run"), "--no-bf16"]) == 0
    assert main([*resume, "--out", str(tmp_path / "same")]) == 0
    fp32 = json.loads((tmp_path / "run" / "history.json").read_text())["history"]
    bf16 = json.loads((tmp_path / "same" / "history.json").read_text())["history"]
    assert [r["bf16"] for r in fp32] == [True, False]
    assert [r["bf16"] for r in bf16] == [True, True]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["bf16"] is False
    a, b = (
        _weights(tmp_path / "run" / "last.safetensors"),
        _weights(tmp_path / "same" / "last.safetensors"),
    )
    assert not all(torch.equal(a[k], b[k]) for k in a)


def test_weight_average_resumes_exactly_and_is_a_candidate_for_selection(tiny_data, tmp_path):
    """With ``ema_epochs`` the averaged weights and the raw iterate are both validated and the
    better one is kept as ``best``; the average's state is in the checkpoint, so an interrupted
    run still resumes to bit-identical weights."""
    cfg = {**TINY, "ema_epochs": 1.0}
    full = train(tiny_data, tmp_path / "full", **cfg)
    part = train(tiny_data, tmp_path / "part", **cfg, max_minutes=1e-9)
    assert len(part["history"]) == 1
    train(tiny_data, tmp_path / "part", resume=True, progress=False)
    for name in ("best.safetensors", "last.safetensors"):
        a, b = _weights(tmp_path / "full" / name), _weights(tmp_path / "part" / name)
        assert all(torch.equal(a[k], b[k]) for k in a)
    a, b = (torch.load(tmp_path / r / "checkpoint.pt", weights_only=True) for r in ("full", "part"))
    assert all(torch.equal(a["ema"][k], b["ema"][k]) for k in a["ema"])
    assert all(
        "val_raw_mIoU" in r and "val_raw_F1" in r and "val_mIoU" in r for r in full["history"]
    )
    scores = [(r["val_mIoU"], r["val_raw_mIoU"]) for r in full["history"]]
    assert full["best"]["mIoU"] == max(max(s) for s in scores)
    # one epoch: the candidates are that epoch's average and its last iterate, which differ
    one = train(tiny_data, tmp_path / "one", **{**cfg, "epochs": 1})
    ckpt = torch.load(tmp_path / "one" / "checkpoint.pt", weights_only=True)
    ema = {k.removeprefix("module."): v for k, v in ckpt["ema"].items() if k != "n_averaged"}
    raw, best = ckpt["model"], _weights(tmp_path / "one" / "best.safetensors")
    assert ema.keys() == raw.keys() and best.keys() <= ema.keys()
    assert any(not torch.equal(ema[k], raw[k]) for k in best if raw[k].is_floating_point())
    rec = one["history"][0]
    kept = "raw" if rec["val_raw_mIoU"] > rec["val_mIoU"] else "ema"
    assert one["best"]["weights"] == kept
    assert all(torch.equal(best[k], (raw if kept == "raw" else ema)[k]) for k in best)


@pytest.mark.parametrize("better", ["raw", "ema"])
def test_selection_keeps_the_better_of_average_and_raw(tiny_data, tmp_path, monkeypatch, better):
    """Whichever of the average and the raw iterate validates better is what ``best`` holds
    (scores forced here: each validation scores the raw weights first, then the average)."""
    from sparseopt_deep import training

    real, calls = training._validate, []

    def scored(model, *args):
        m = dict(real(model, *args))
        is_raw = len(calls) % 2 == 0
        calls.append(is_raw)
        m["mIoU"] = 60.0 if (is_raw == (better == "raw")) else 50.0
        return m

    monkeypatch.setattr(training, "_validate", scored)
    res = train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1, "ema_epochs": 1.0})
    assert res["best"] == {"epoch": 1, "mIoU": 60.0, "weights": better}
    ckpt = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    ema = {k.removeprefix("module."): v for k, v in ckpt["ema"].items() if k != "n_averaged"}
    want = ckpt["model"] if better == "raw" else ema
    best = _weights(tmp_path / "run" / "best.safetensors")
    assert all(torch.equal(best[k], want[k]) for k in best)


def test_weight_average_can_start_when_a_run_is_extended(tiny_data, tmp_path):
    train(tiny_data, tmp_path / "run", **{**TINY, "epochs": 1})
    assert "ema" not in torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    res = train(tiny_data, tmp_path / "run", resume=True, epochs=2, ema_epochs=0.5, progress=False)
    assert "val_raw_mIoU" in res["history"][-1] and "val_raw_mIoU" not in res["history"][0]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["ema_epochs"] == 0.5
    assert "ema" in torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    with pytest.raises(ValueError, match="ema_epochs"):
        train(tiny_data, tmp_path / "neg", **{**TINY, "ema_epochs": -1.0})


def test_soft_iou_loss_values():
    t = torch.zeros(1, 1, 4, 4)
    t[0, 0, 1, 1] = 1
    perfect = torch.full((1, 1, 4, 4), -50.0)
    perfect[0, 0, 1, 1] = 50.0
    assert soft_iou_loss(perfect, t).item() == pytest.approx(0.0, abs=1e-6)
    # all pixels at p = 0.5: inter 0.5, union 8 + 1 - 0.5 → 1 - 1.5/9.5
    assert soft_iou_loss(torch.zeros(1, 1, 4, 4), t).item() == pytest.approx(1 - 1.5 / 9.5)


def test_resume_keeps_the_loss_a_run_started_with(tiny_data, tmp_path, monkeypatch):
    """A run saved before the ``iou``/``bce`` fields existed resumes with the loss it had (the
    per-image SoftIoU, no cross-entropy), not with today's defaults."""
    import json

    import sparseopt_deep.training as training

    train(tiny_data, tmp_path / "old", **{**TINY, "epochs": 1})
    cfg_path = tmp_path / "old" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    assert cfg["iou"] == "batch" and cfg["bce"] == 1.0  # the CPU recipe's
    del cfg["iou"], cfg["bce"]
    cfg_path.write_text(json.dumps(cfg))
    seen, bce_calls = [], []
    real = training.soft_iou_loss
    monkeypatch.setattr(
        training, "soft_iou_loss", lambda z, y, per: seen.append(per) or real(z, y, per)
    )
    real_bce = training.F.binary_cross_entropy_with_logits
    monkeypatch.setattr(
        training.F,
        "binary_cross_entropy_with_logits",
        lambda *a, **k: bce_calls.append(1) or real_bce(*a, **k),
    )
    train(tiny_data, tmp_path / "old", resume=True, epochs=2, progress=False)
    assert seen and set(seen) == {"image"} and not bce_calls


def test_soft_iou_loss_batch_pools_the_images():
    """Per image: the mean of the images' losses; per batch: one IoU of the pooled counts, so a
    cluttered image weighs by its false alarms."""
    t = torch.zeros(2, 1, 4, 4)
    t[:, 0, 1, 1] = 1
    z = torch.full((2, 1, 4, 4), -50.0)
    z[:, 0, 1, 1] = 50.0
    z[1, 0, :2] = 50.0  # image 2: the target and 7 false alarms
    per_image = soft_iou_loss(z, t, "image").item()
    assert per_image == pytest.approx((0.0 + (1 - 2 / 9)) / 2, abs=1e-6)
    assert soft_iou_loss(z, t, "batch").item() == pytest.approx(1 - 3 / 10, abs=1e-6)
    with pytest.raises(ValueError, match="per must be"):
        soft_iou_loss(z, t, "pixel")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank, world, port, data, out, kw):
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        WORLD_SIZE=str(world),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
    )
    from sparseopt_deep.training import exit_distributed

    train(data, out, **kw)
    exit_distributed(0)


@pytest.mark.slow
@pytest.mark.parametrize("ema_epochs", [0.0, 1.0])
def test_data_parallel_matches_one_process(tiny_data, tmp_path, ema_epochs):
    """Two gloo processes with the global batch split in halves follow the loss curve of one
    process with the whole batch (BatchNorm statistics are per process, hence a tolerance);
    with weight averaging, the average process 0 keeps follows the one-process average."""
    import torch.multiprocessing as mp

    kw = {**TINY, "epochs": 2, "ema_epochs": ema_epochs}
    one = train(tiny_data, tmp_path / "one", **kw)
    mp.spawn(_ddp_worker, args=(2, _free_port(), tiny_data, tmp_path / "two", kw), nprocs=2)
    two = json.loads((tmp_path / "two" / "history.json").read_text())
    l1 = np.array([r["loss"] for r in one["history"]])
    l2 = np.array([r["loss"] for r in two["history"]])
    np.testing.assert_allclose(l2, l1, rtol=2e-3)  # measured: 5e-4
    if ema_epochs:
        assert two["best"]["weights"] == one["best"]["weights"]
        assert all("val_raw_mIoU" in r for r in two["history"])
        c1, c2 = (
            torch.load(tmp_path / r / "checkpoint.pt", weights_only=True) for r in ("one", "two")
        )
        (a, b), (ra, rb) = (c1["ema"], c2["ema"]), (c1["model"], c2["model"])
        assert a.keys() == b.keys()

        def gap(x, y):  # relative distance of the parameters (BN statistics are per process)
            keys = [k for k in x if x[k].is_floating_point() and "running" not in k]
            d = torch.cat([(y[k] - x[k]).flatten() for k in keys])
            return (d.norm() / torch.cat([x[k].flatten() for k in keys]).norm()).item()

        # measured: 0.0085 for the averages, 0.0097 for the raw weights
        assert gap(a, b) < 0.03 and gap(a, b) < 1.5 * gap(ra, rb)


@pytest.mark.slow
def test_torchrun_cli_exits_cleanly(tiny_data, tmp_path):
    """The documented data-parallel command: two processes under torchrun finish with exit
    code 0 (the command ends through ``exit_distributed``), process 0 alone reports the run,
    and the run's files are there."""
    import subprocess
    import sys

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
           "--master-port", str(_free_port()), "-m", "sparseopt_deep.cli_train",
           "--data-dir", str(tiny_data), "--out", str(out), "--stages", "2",
           "--base-channels", "2", "--epochs", "1", "--batch-size", "4", "--crop", "24",
           "--threads", "1", "--quiet"]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    (line,) = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    assert json.loads(line)["best"]["epoch"] == 1 and json.loads(line)["finished"] is True
    assert json.loads((out / "history.json").read_text())["history"][0]["epoch"] == 1


def test_weight_average_started_from_scratch_warms_up():
    """An average started at the first step must not keep the untrained weights: with the
    warm-up, ten updates toward constant weights leave under 5 % of the start (the fixed decay
    alone would leave 99 %); late in a run the configured decay holds."""
    from sparseopt_deep.training import warmed_ema

    decay = 1.0 - 1.0 / 300
    update = warmed_ema(decay)
    avg, cur = [torch.zeros(3)], [torch.ones(3)]
    for n in range(1, 11):
        update(avg, cur, torch.tensor(n))
    assert float(avg[0][0]) > 0.95
    late = [torch.zeros(3)]
    update(late, cur, torch.tensor(10_000))
    assert float(late[0][0]) == pytest.approx(1.0 - decay)
    counters = [torch.tensor(0)]  # integer buffers take the same rule, truncated
    update(counters, [torch.tensor(100)], torch.tensor(10_000))
    assert int(counters[0]) == 0
