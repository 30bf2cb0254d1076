"""sparseopt._io: outputs checked before work, written atomically, never overwritten by surprise."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from sparseopt._io import OutputError, atomic_write, check_outputs, save_npy, save_png, write_text


def test_check_outputs_refuses_existing_files_unless_forced(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("keep")
    with pytest.raises(OutputError, match=r"a\.txt.*already exists; pass --force"):
        check_outputs([a, b])
    assert check_outputs([a, b], force=True) == [a, b]
    assert a.read_text() == "keep"  # checking never writes


def test_check_outputs_refuses_directories_duplicates_and_unwritable_folders(tmp_path):
    with pytest.raises(OutputError, match="is a directory"):
        check_outputs([tmp_path], force=True)
    with pytest.raises(OutputError, match="same file"):
        check_outputs([tmp_path / "x", tmp_path / "." / "x"])
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(OutputError, match="is a file"):
        check_outputs([f / "sub" / "out.csv"])
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(OutputError, match="permission denied"):
                check_outputs([ro / "out.csv"])
        finally:
            ro.chmod(stat.S_IRWXU)


def test_atomic_write_publishes_whole_files_only(tmp_path):
    p = tmp_path / "sub" / "out.txt"
    write_text(p, "one\n")
    assert p.read_text() == "one\n"
    # a failure inside the block leaves the old file and no temporary behind
    with pytest.raises(RuntimeError), atomic_write(p, "w", force=True) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert p.read_text() == "one\n"
    assert sorted(x.name for x in p.parent.iterdir()) == ["out.txt"]


def test_atomic_write_never_overwrites_a_file_that_appeared_meanwhile(tmp_path):
    p = tmp_path / "out.npy"
    with pytest.raises(OutputError, match="appeared while this command ran"):
        with atomic_write(p, "wb") as fh:
            p.write_bytes(b"someone else's")  # appears between the check and the write
            fh.write(b"ours")
    assert p.read_bytes() == b"someone else's"
    save_npy(p, np.arange(3), force=True)
    assert np.load(p).tolist() == [0, 1, 2]


def test_written_files_get_ordinary_permissions(tmp_path):
    p = tmp_path / "m.png"
    save_png(p, np.zeros((4, 4), np.uint8))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask


def test_save_png_round_trips_8_and_16_bit(tmp_path):
    from PIL import Image

    a8 = np.arange(16, dtype=np.uint8).reshape(4, 4)
    a16 = (np.arange(16, dtype=np.uint16) * 4000).reshape(4, 4)
    save_png(tmp_path / "a8.png", a8)
    save_png(tmp_path / "a16.png", a16)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a8.png")), a8)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a16.png")), a16)
    with pytest.raises(TypeError, match="uint8/uint16"):
        save_png(tmp_path / "f.png", np.zeros((2, 2)))
