"""ISTD data set loader: official layouts, CRLF split files, grey conversion, mask binarisation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sparseopt.datasets import DataNotFoundError
from sparseopt.istd import binarize_mask, load_istd_dataset, read_image, read_split_file


def _png(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode=mode).save(path)


def _scene(seed=0, shape=(20, 24)):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 200, shape, dtype=np.uint8)
    mask = np.zeros(shape, np.uint8)
    mask[5:7, 5:8] = 255
    return img, mask


def test_split_file_any_line_ending(tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes(b"000541\r\n000832.png\r\n\r\n000710\rXDU1\n")
    assert read_split_file(p) == ["000541", "000832", "000710", "XDU1"]
    (tmp_path / "e.txt").write_text("\n\n")
    with pytest.raises(ValueError, match="no ids"):
        read_split_file(tmp_path / "e.txt")


def test_nudt_layout_with_colour_images(tmp_path):
    root = tmp_path / "istd" / "NUDT-SIRST"
    img, mask = _scene()
    rgb = np.stack([img, img, img], axis=2)
    _png(root / "images" / "000001.png", rgb)
    _png(root / "masks" / "000001.png", mask)
    coloured = np.stack([img, img // 2, np.zeros_like(img)], axis=2)
    _png(root / "images" / "000002.png", coloured)
    _png(root / "masks" / "000002.png", mask)
    (root / "50_50").mkdir()
    (root / "50_50" / "test.txt").write_bytes(b"000001\r\n000002\r\n")
    ds = load_istd_dataset("NUDT-SIRST", "test", tmp_path)
    assert ds.ids == ["000001", "000002"] and len(ds) == 2
    a, m = ds[0]
    assert a.dtype == np.uint8 and a.shape == img.shape
    np.testing.assert_array_equal(a, img)  # R = G = B: exact
    assert m.dtype == bool and m.sum() == 6
    b, _ = ds[1]
    luma = (img.astype(float) * 299 + (img // 2) * 587.0) / 1000  # ITU-R BT.601
    assert np.abs(b.astype(float) - luma).max() <= 1
    with pytest.raises(DataNotFoundError, match="split file"):
        load_istd_dataset("NUDT-SIRST", "train", tmp_path)


def test_irstd1k_official_layout_and_grey_mask_values(tmp_path):
    root = tmp_path / "IRSTD-1k"
    img, mask = _scene(1)
    mask[0, 0] = 64  # stray grey value as in some official masks
    _png(root / "IRSTD1k_Img" / "XDU0.png", img)
    _png(root / "IRSTD1k_Label" / "XDU0.png", mask)
    (root / "trainval.txt").write_text("XDU0\n")
    ds = load_istd_dataset("IRSTD-1k", "train", tmp_path)
    _, m = ds[0]
    assert m.sum() == 6 and not m[0, 0]  # > 127 rule drops the 64


def test_sirst_and_sirst_aug_layouts(tmp_path):
    img, mask = _scene(2)
    root = tmp_path / "sirst"
    _png(root / "images" / "Misc_1.png", img)
    _png(root / "masks" / "Misc_1_pixels0.png", mask)
    (root / "idx_427").mkdir()
    (root / "idx_427" / "test.txt").write_text("Misc_1\n")
    ds = load_istd_dataset("SIRST", "test", tmp_path)
    assert ds.mask_path(0).name == "Misc_1_pixels0.png"
    assert ds[0][1].sum() == 6
    aug = tmp_path / "sirst_aug"
    _png(aug / "test" / "images" / "000000.png", img)
    _png(aug / "test" / "masks" / "000000_mask.png", mask)
    ds = load_istd_dataset("SIRST-Aug", "test", tmp_path)
    assert ds.ids == ["000000"] and ds[0][1].sum() == 6
    assert [i for i, _, _ in ds] == ["000000"]


def test_basicirstd_layout_and_16_bit(tmp_path):
    root = tmp_path / "NUDT-SIRST"
    img16 = (np.arange(20 * 24, dtype=np.uint16).reshape(20, 24) * 100).astype(np.uint16)
    _png(root / "images" / "a.png", img16)
    _, mask = _scene()
    _png(root / "masks" / "a.png", mask)
    (root / "img_idx").mkdir()
    (root / "img_idx" / "test_NUDT-SIRST.txt").write_text("a\n")
    ds = load_istd_dataset("NUDT-SIRST", "test", tmp_path)
    a, _ = ds[0]
    assert a.dtype == np.uint16
    np.testing.assert_array_equal(a, img16)


def test_missing_data_messages(tmp_path):
    with pytest.raises(DataNotFoundError, match="not available"):
        load_istd_dataset("SIRST-Aug", "test", tmp_path)
    with pytest.raises(ValueError, match="unknown ISTD data set"):
        load_istd_dataset("MSTAR", "test", tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_istd_dataset("NUDT-SIRST", "val", tmp_path)
    root = tmp_path / "NUDT-SIRST"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    (root / "50_50").mkdir()
    (root / "50_50" / "test.txt").write_text("x\n")
    ds = load_istd_dataset("NUDT-SIRST", "test", tmp_path)
    with pytest.raises(DataNotFoundError, match="no file for id"):
        ds[0]
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(ValueError, match="not an image"):
        read_image(tmp_path / "bad.png")
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "none.png")


def test_binarize_mask_rule():
    assert binarize_mask(np.array([0, 64, 127, 128, 255], np.uint8)).tolist() == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert binarize_mask(np.array([0, 40000], np.uint16)).tolist() == [False, True]
    assert binarize_mask(np.array([0.2, 0.7])).tolist() == [False, True]


@pytest.mark.data
def test_real_nudt_sirst_split(data_dir):
    ds = load_istd_dataset("NUDT-SIRST", "test", data_dir)
    train = load_istd_dataset("NUDT-SIRST", "train", data_dir)
    assert len(ds) == 664 and len(train) == 663
    assert not set(ds.ids) & set(train.ids)
    assert ds.ids[:3] == ["000541", "000832", "000710"]
    img, mask = ds[0]
    assert img.shape == mask.shape == (256, 256) and img.dtype == np.uint8
    assert mask.any()


@pytest.mark.data
def test_real_irstd1k_sample(data_dir):
    root = data_dir / "istd" / "IRSTD-1k-sample"
    if not root.is_dir():
        pytest.skip("IRSTD-1k sample not available")
    img = read_image(root / "images" / "XDU0.png")
    assert img.shape == (512, 512) and img.dtype == np.uint8
    m = binarize_mask(read_image(root / "masks" / "XDU0.png"))
    assert m.any()
