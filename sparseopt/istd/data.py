"""Infrared small target data sets in their official layouts, read from a folder the user names.

Supported layouts (each searched under ``DATA/istd/<name>``, then ``DATA/<name>``, where ``DATA``
is ``data_dir`` or ``$SPARSEOPT_DATA``; the folder name may be spelled as listed):

=============  =====================================  ==========================================
data set       folders                                split files (``split="train"`` / ``"test"``)
=============  =====================================  ==========================================
NUDT-SIRST     ``images/``, ``masks/``                ``50_50/{train,test}.txt`` (DNANet release)
IRSTD-1k       ``IRSTD1k_Img/``, ``IRSTD1k_Label/``   ``{trainval,test}.txt`` (ISNet release)
               or ``images/``, ``masks/``             or ``splits/``, ``80_20/`` copies
SIRST          ``images/``, ``masks/`` with masks     ``idx_427/{trainval,test}.txt``
(NUAA-SIRST)   named ``<id>_pixels0.png``             (ACM release; ``idx_320`` also accepted)
SIRST-Aug      ``{trainval,test}/images/``,           the folder is the split
               ``{trainval,test}/masks/``
any            BasicIRSTD's ``images/``, ``masks/``   ``img_idx/{train,test}_<NAME>.txt``
=============  =====================================  ==========================================

Split files are read with any line ending (CRLF included), blank lines skipped, and an id may
carry its image extension. Masks may be named ``<id>``, ``<id>_pixels0`` or ``<id>_mask`` with a
``.png``/``.bmp``/``.jpg``/``.tif`` extension.

Reading rules (Pillow):

* images: 8-bit grey stays ``uint8``; 16-bit grey stays ``uint16``; colour (RGB, RGBA,
  palette) is converted to grey by Pillow's ``convert("L")``, the ITU-R BT.601 luma
  ``L = (299 R + 587 G + 114 B) / 1000`` (exact when R = G = B, as in 1320 of NUDT-SIRST's
  1327 colour-stored images);
* masks: converted to grey the same way and **binarised as value > half the mask's full
  scale** (1 for 0/1 masks, 255 for 8-bit levels in any container, else the dtype's maximum;
  see :func:`binarize_mask`). This keeps the target pixels of 0/1, 0/255 and 0/65535 masks
  and drops the stray grey (64) pixels of some IRSTD-1k masks, as the RPCANet evaluation does.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..datasets._base import DataNotFoundError, get_data_dir

__all__ = [
    "ISTD_DATASETS",
    "ISTDDataset",
    "binarize_mask",
    "load_istd_dataset",
    "read_image",
    "read_mask",
    "read_split_file",
]

#: Known data sets and the folder names they may go by.
ISTD_DATASETS = {
    "NUDT-SIRST": ("NUDT-SIRST", "NUDT_SIRST", "nudt-sirst"),
    "IRSTD-1k": ("IRSTD-1k", "IRSTD-1K", "IRSTD1k", "irstd-1k"),
    "SIRST": ("SIRST", "sirst", "NUAA-SIRST", "NUAA_SIRST"),
    "SIRST-Aug": ("SIRST-Aug", "sirst_aug", "SIRST_AUG", "sirst-aug"),
}
_IMAGE_DIRS = ("images", "IRSTD1k_Img", "imgs", "img")
_MASK_DIRS = ("masks", "IRSTD1k_Label", "labels", "mask")
_EXTS = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")
_MASK_SUFFIXES = ("", "_pixels0", "_mask")


def read_split_file(path) -> list[str]:
    """Ids listed in a split file (one per line; CRLF/LF/CR; blank lines and extensions dropped)."""
    text = Path(path).read_bytes().decode("utf-8-sig")
    ids = []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        stem, ext = os.path.splitext(s)
        ids.append(stem if ext.lower() in _EXTS else s)
    if not ids:
        raise ValueError(f"split file {str(path)!r} lists no ids.")
    return ids


def _to_grey(im: Image.Image) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(im, dtype=np.uint16)
    if im.mode == "I":
        a = np.asarray(im)
        return a.astype(np.uint16) if a.min() >= 0 and a.max() <= 65535 else a
    if im.mode == "F":
        return np.asarray(im, dtype=np.float32)
    if im.mode == "L":
        return np.asarray(im)
    if im.mode in ("1",):
        return np.asarray(im.convert("L"))
    return np.asarray(im.convert("L"))  # RGB, RGBA, P, LA, CMYK, ...: ITU-R BT.601 luma


def read_image(path) -> np.ndarray:
    """A 2-D grey image from a file (rules in the module docstring)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder, not an image file.")
    if not path.is_file():
        raise FileNotFoundError(f"image file {str(path)!r} does not exist.")
    try:
        with Image.open(path) as im:
            im.load()
            a = _to_grey(im)
    except Image.UnidentifiedImageError:
        raise ValueError(f"{str(path)!r} is not an image file Pillow can read.") from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise ValueError(f"{str(path)!r} is damaged or truncated: {exc}") from None
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"{str(path)!r} holds no 2-D image (shape {a.shape}).")
    return a


def _full_scale(top: float, dtype) -> float:
    """The value a "target" pixel of a mask with this maximum was written as."""
    if top <= 1:
        return 1.0  # a 0/1 mask (any container: 8-bit or 16-bit PNG, float)
    if top <= 255:
        return 255.0  # 8-bit levels, also when stored in a 16-bit PNG
    if np.issubdtype(dtype, np.integer):
        return float(np.iinfo(dtype).max)
    return float(top)


def binarize_mask(mask) -> np.ndarray:
    """Boolean mask: value above half of the mask's full scale.

    The full scale is read from the values present, not from the container: 1 for a 0/1 mask
    (8-bit or 16-bit PNG, float), 255 for 8-bit levels (also stored in a 16-bit file), else the
    integer dtype's maximum (65535 for a 16-bit mask). So 0/1, 0/255 and 0/65535 masks all
    keep their targets, and the stray grey (64) pixels of some IRSTD-1k masks are dropped, as
    the RPCANet evaluation does. A mask with non-zero pixels of which none passes gets a
    warning (nothing is dropped silently); negative or non-finite values are an error.
    """
    a = np.asarray(mask)
    if a.dtype == bool:
        return a.copy()
    if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
        raise TypeError(f"mask must be boolean or real numeric, got dtype {a.dtype}.")
    if a.size == 0:
        return np.zeros(a.shape, dtype=bool)
    if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
        raise ValueError("mask contains NaN or infinite values.")
    if a.min() < 0:
        raise ValueError(f"mask has negative values (min {a.min()}); a mask is 0 or positive.")
    top = float(a.max())
    out = a > _full_scale(top, a.dtype) / 2
    if top > 0 and not out.any():
        warnings.warn(
            f"mask has non-zero pixels (max {top:g}) but none above half of its full scale "
            f"({_full_scale(top, a.dtype):g}); it is read as empty.",
            UserWarning,
            stacklevel=2,
        )
    return out


def read_mask(path) -> np.ndarray:
    """A boolean mask from a file (grey conversion, then :func:`binarize_mask`)."""
    return binarize_mask(read_image(path))


@dataclass
class ISTDDataset:
    """A split of an ISTD data set: ids and how to read each image and mask.

    Indexing returns ``(image, mask)``: the grey image as stored (uint8/uint16) and the boolean
    mask. Iterating yields ``(id, image, mask)``.
    """

    name: str
    split: str
    root: Path
    ids: list
    image_dir: Path
    mask_dir: Path

    def __len__(self) -> int:
        return len(self.ids)

    def _find(self, folder: Path, stem: str, suffixes=("",)) -> Path:
        for suf in suffixes:
            for ext in _EXTS:
                p = folder / f"{stem}{suf}{ext}"
                if p.is_file():
                    return p
        raise DataNotFoundError(
            f"{self.name}: no file for id {stem!r} in {str(folder)!r} "
            f"(tried suffixes {list(suffixes)} with extensions {list(_EXTS)})."
        )

    def image_path(self, i: int) -> Path:
        return self._find(self.image_dir, self.ids[i])

    def mask_path(self, i: int) -> Path:
        return self._find(self.mask_dir, self.ids[i], _MASK_SUFFIXES)

    def __getitem__(self, i: int):
        image = read_image(self.image_path(i))
        mask = read_mask(self.mask_path(i))
        if mask.shape != image.shape:
            raise ValueError(
                f"{self.name} id {self.ids[i]!r}: mask shape {mask.shape} != image {image.shape}."
            )
        return image, mask

    def __iter__(self):
        for i, id_ in enumerate(self.ids):
            yield (id_, *self[i])


def _dataset_root(name: str, data_dir) -> Path:
    base = get_data_dir(data_dir)
    tried = []
    for parent in (base / "istd", base):
        for folder in ISTD_DATASETS[name]:
            p = parent / folder
            tried.append(str(p))
            if p.is_dir():
                return p
    raise DataNotFoundError(f"{name} is not available: none of {tried} exists.")


def _first_dir(root: Path, names) -> Path | None:
    for n in names:
        if (root / n).is_dir():
            return root / n
    return None


def _split_candidates(name: str, split: str) -> list[str]:
    alt = {"train": ("train", "trainval"), "trainval": ("trainval", "train"), "test": ("test",)}
    out = []
    for s in alt.get(split, (split,)):
        out += [
            f"50_50/{s}.txt",
            f"{s}.txt",
            f"idx_427/{s}.txt",
            f"idx_320/{s}.txt",
            f"splits/{s}.txt",
            f"80_20/{s}.txt",
            f"img_idx/{s}_{name}.txt",
            f"img_idx/{s}_{name.upper()}.txt",
        ]
    return out


def load_istd_dataset(name: str, split: str = "test", data_dir=None) -> ISTDDataset:
    """Open a split of an ISTD data set from its official layout (see the module docstring).

    Parameters
    ----------
    name : {"NUDT-SIRST", "IRSTD-1k", "SIRST", "SIRST-Aug"}
    split : {"train", "test"} (``"trainval"`` is accepted as ``"train"``)
    data_dir : path-like, optional
        Folder holding the data sets (default ``$SPARSEOPT_DATA``).

    Raises
    ------
    DataNotFoundError
        If the data set, its split file or its image/mask folders are not there (the message
        says where it looked).
    """
    if name not in ISTD_DATASETS:
        raise ValueError(f"unknown ISTD data set {name!r}; known: {sorted(ISTD_DATASETS)}.")
    if split not in ("train", "trainval", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    root = _dataset_root(name, data_dir)
    # SIRST-Aug: the split is a folder.
    for s in ("trainval", "train") if split != "test" else ("test",):
        sub = root / s
        img, msk = _first_dir(sub, _IMAGE_DIRS), _first_dir(sub, _MASK_DIRS)
        if img is not None and msk is not None:
            ids = sorted(p.stem for p in img.iterdir() if p.suffix.lower() in _EXTS)
            if not ids:
                raise DataNotFoundError(f"{name}: no images in {str(img)!r}.")
            return ISTDDataset(name, split, root, ids, img, msk)
    img, msk = _first_dir(root, _IMAGE_DIRS), _first_dir(root, _MASK_DIRS)
    if img is None or msk is None:
        raise DataNotFoundError(
            f"{name} at {str(root)!r}: no image/mask folders (looked for {_IMAGE_DIRS} and "
            f"{_MASK_DIRS})."
        )
    for cand in _split_candidates(name, split):
        if (root / cand).is_file():
            return ISTDDataset(name, split, root, read_split_file(root / cand), img, msk)
    raise DataNotFoundError(
        f"{name} at {str(root)!r}: no split file for {split!r} "
        f"(looked for {_split_candidates(name, split)})."
    )
