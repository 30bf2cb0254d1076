"""Safe output files for the command line: check every output before work, write atomically.

Two rules, shared by every ``sparseopt`` command that writes files:

* **check before work** — :func:`check_outputs` looks at *every* path a command will write
  (derived names included) before any computation: an existing file is refused unless
  ``force``; a path that is a directory, or whose folder cannot be created or written, is
  refused at once with a one-line :class:`OutputError`, not after an hour of computing;
* **write atomically** — :func:`atomic_write` writes to a temporary file in the destination's
  folder and moves it into place with one rename, so a reader never sees a half-written file
  and an interrupted run leaves the old file (or none) behind. Without ``force`` the final
  step is a hard link, which fails if the file appeared meanwhile (another process, a second
  run): a file is never overwritten by surprise, even between the check and the write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = [
    "OutputError",
    "atomic_write",
    "check_outputs",
    "save_npy",
    "save_png",
    "write_text",
]


class OutputError(ValueError):
    """An output path that cannot or may not be written (message says which and why)."""


def _nearest_existing(folder: Path) -> Path:
    p = folder
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_folder(folder: Path) -> None:
    """Raise :class:`OutputError` unless ``folder`` is (or can be created as) a writable folder."""
    folder = Path(folder)
    base = _nearest_existing(folder.absolute())
    if not base.is_dir():
        raise OutputError(f"cannot create folder {str(folder)!r}: {str(base)!r} is a file.")
    if not os.access(base, os.W_OK | os.X_OK):
        what = "folder" if base == folder.absolute() else f"folder {str(folder)!r}: parent"
        raise OutputError(f"cannot write to {what} {str(base)!r} (permission denied).")


def check_outputs(paths: Iterable, *, force: bool = False) -> list[Path]:
    """Check, before any work, that every path in ``paths`` may be written.

    Raises
    ------
    OutputError
        If a path is an existing directory, names the same file twice, exists and ``force`` is
        false, or lies in a folder that cannot be created or written. The message names the
        path and, for existing files, lists up to five of them and says to pass ``--force``.
    """
    paths = [Path(p) for p in paths]
    seen: set[Path] = set()
    existing = []
    for p in paths:
        key = p.absolute()
        if key in seen:
            raise OutputError(f"two outputs would be written to the same file {str(p)!r}.")
        seen.add(key)
        if p.is_dir():
            raise OutputError(f"output {str(p)!r} is a directory; give a file name.")
        if p.exists():
            existing.append(p)
    for folder in sorted({p.absolute().parent for p in paths}):
        check_folder(folder)
    for p in existing:
        if not os.access(p, os.W_OK) and force:
            raise OutputError(f"cannot overwrite {str(p)!r} (permission denied).")
    if existing and not force:
        shown = ", ".join(repr(str(p)) for p in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise OutputError(
            f"{shown}{more} already exist{'s' if len(existing) == 1 else ''}; "
            "pass --force to overwrite."
        )
    return paths


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, force: bool = False, encoding=None):
    """Open a temporary file next to ``path``; on success move it into place atomically.

    Parameters
    ----------
    path : path-like
        Destination. Its folder is created if needed.
    mode : {"wb", "w"}
        Binary or text.
    force : bool
        Replace an existing file (``os.replace``). Without it the file is published with a
        hard link, which fails with :class:`OutputError` if ``path`` exists by then.
    encoding : str, optional
        For text mode (default UTF-8).

    On an exception (including ``KeyboardInterrupt``) the temporary file is removed and the
    destination is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        kw = {"encoding": encoding or "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputError(
                    f"{str(path)!r} appeared while this command ran; not overwritten "
                    "(pass --force to overwrite)."
                ) from None
            except OSError:  # a file system without hard links: check, then rename
                if path.exists():
                    raise OutputError(
                        f"{str(path)!r} appeared while this command ran; not overwritten "
                        "(pass --force to overwrite)."
                    ) from None
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(path, text: str, *, force: bool = False) -> None:
    """Write ``text`` (UTF-8) atomically."""
    with atomic_write(path, "w", force=force) as fh:
        fh.write(text)


def save_npy(path, array, *, force: bool = False) -> None:
    """``np.save`` atomically (no pickles)."""
    with atomic_write(path, "wb", force=force) as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)


def save_png(path, array, *, force: bool = False) -> None:
    """Save a 2-D ``uint8``/``uint16`` (grey) or ``(H, W, 3)`` ``uint8`` (RGB) array as PNG."""
    from PIL import Image

    a = np.ascontiguousarray(array)
    if a.dtype not in (np.uint8, np.uint16) or not (a.ndim == 2 or a.shape[2:] == (3,)):
        raise TypeError(
            f"save_png takes 2-D uint8/uint16 or (H, W, 3) uint8, got {a.dtype} {a.shape}."
        )
    im = Image.fromarray(a)  # uint16 → mode "I;16", a 16-bit grey PNG
    with atomic_write(path, "wb", force=force) as fh:
        im.save(fh, format="PNG")
