"""Code-keyed result cache shared by the benchmark scripts.

Every cached record carries ``code_hash``, a SHA-256 of the code it ran — every file of the
library packages (``sparseopt/``, ``sparseopt_deep/``), the benchmark script itself and this
module — and ``commit``, the git commit of the checkout (``+dirty`` when the tree had changes).
A record whose ``code_hash`` differs from the current code is stale: it is never returned,
so after any change of the library or of the script a rerun recomputes instead of
reprinting old numbers. Caches live under ``benchmarks/results/`` and are git-ignored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("sparseopt", "sparseopt_deep")
_SKIP_SUFFIXES = {".pyc", ".pyo", ".nbi", ".nbc"}


def _package_files() -> list[Path]:
    files = []
    for pkg in PACKAGES:
        for f in (REPO / pkg).rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix not in _SKIP_SUFFIXES:
                files.append(f)
    return sorted(files)


@functools.cache
def code_hash(script: str | os.PathLike) -> str:
    """SHA-256 (hex, 16 chars) of the library packages, ``script`` and this module."""
    h = hashlib.sha256()
    for f in [*_package_files(), Path(script).resolve(), Path(__file__).resolve()]:
        try:
            rel = f.relative_to(REPO).as_posix()
        except ValueError:
            rel = f.name
        h.update(rel.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@functools.cache
def git_commit() -> str:
    """Short commit of the checkout, with ``+dirty`` for uncommitted changes; "unknown" if none.

    Changes under ``benchmarks/results/`` do not count: a rerun that replaces its own committed
    results (``--force``) would otherwise always call its checkout dirty."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no",
             "--", ".", ":(exclude)benchmarks/results"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def stamp(script) -> dict:
    """The fields every cached record carries: ``{"code_hash": ..., "commit": ...}``."""
    return {"code_hash": code_hash(script), "commit": git_commit()}


def is_current(record: dict, script) -> bool:
    """Whether ``record`` was computed by the code now on disk."""
    return isinstance(record, dict) and record.get("code_hash") == code_hash(script)


class ResultCache:
    """A JSON file of ``key -> record``; only records of the current code are ever returned.

    Parameters
    ----------
    path : path
        The cache file (created on the first :meth:`put`; written atomically).
    script : path
        The benchmark script whose code (with the library) keys the records.
    """

    def __init__(self, path, script):
        self.path = Path(path)
        self.script = script
        self.data: dict = {}
        self.stale = 0
        if self.path.is_file():
            try:
                self.data = json.loads(self.path.read_text())
            except json.JSONDecodeError:
                backup = self.path.with_suffix(".corrupt.json")
                self.path.replace(backup)
                print(f"warning: unreadable cache moved to {backup}")
        self.stale = sum(not is_current(r, script) for r in self.data.values())
        if self.stale:
            print(
                f"{self.path.name}: {self.stale} cached record(s) from other code "
                f"(not {code_hash(script)}) will be recomputed"
            )

    @staticmethod
    def key(settings: dict) -> str:
        """A short stable key for a dict of settings."""
        blob = json.dumps(settings, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def get(self, key: str):
        """The record under ``key`` if it was computed by the current code, else ``None``."""
        rec = self.data.get(key)
        return rec if is_current(rec, self.script) else None

    def put(self, key: str, record: dict) -> dict:
        """Store ``record`` (stamped with the code hash and commit); returns the stamped copy."""
        rec = {**record, **stamp(self.script)}
        self.data[key] = rec
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True, default=str))
        os.replace(tmp, self.path)
        return rec
