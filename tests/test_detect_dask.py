"""`sparseopt detect --scheduler`: the same joblib code path on a Dask cluster, same bytes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sparseopt.cli import main
from sparseopt.istd import make_scene

distributed = pytest.importorskip("distributed", reason="dask[distributed] (extra 'dask')")


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_dask_cluster_outputs_equal_the_single_process_run(tmp_path, monkeypatch):
    img_dir = tmp_path / "images"
    img_dir.mkdir()
    for i in range(4):
        sc = make_scene((96, 96), n_targets=2, contrast=5.0, seed=10 + i)
        Image.fromarray(np.round(sc.image * 255).astype(np.uint8)).save(img_dir / f"s{i}.png")
    assert main(["detect", str(img_dir), "--out", str(tmp_path / "single"), "--overlay"]) == 0

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        out = tmp_path / "cluster"
        assert (
            main(["detect", str(img_dir), "--out", str(out), "--overlay", "--scheduler", address])
            == 0
        )
        # the environment variable is the same switch
        monkeypatch.setenv("SPARSEOPT_DASK_SCHEDULER", address)
        assert main(["detect", str(img_dir), "--out", str(tmp_path / "env"), "--overlay"]) == 0
        with distributed.Client(address) as client:
            # both workers were there to take the images
            assert len(client.scheduler_info()["workers"]) == 2
    single = _snapshot(tmp_path / "single")
    assert len(single) == 4 * 3 + 2
    assert _snapshot(out) == single
    assert _snapshot(tmp_path / "env") == single


def test_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys):
    img = tmp_path / "a.png"
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(img)
    code = main(
        ["detect", str(img), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and "Traceback" not in err
