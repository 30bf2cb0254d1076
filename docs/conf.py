"""Sphinx configuration of the sparseopt documentation.

Build (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The gallery (``docs/examples/*.py``) runs at build time on bundled or synthetic data and writes
``docs/auto_examples/``; both that folder and ``docs/_build/`` are build outputs, not sources.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import sparseopt  # noqa: E402

project = "sparseopt"
author = "sparseopt developers"
copyright = "2025–2026, sparseopt developers"
release = sparseopt.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "_generated",
    "examples",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "**/*.codeobj.json",
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections say it
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Docstrings inherited from torch / scikit-learn base classes cite their own sites' labels.
autodoc_inherit_docstrings = False

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "reset_modules": ("matplotlib",),
}

html_theme = "pydata_sphinx_theme"
html_title = f"sparseopt {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path: list[str] = []


def _cli_help() -> None:
    """Write every sub-command's ``--help`` to ``_generated/cli/`` for the CLI page."""
    out = DOCS / "_generated" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "96", "PYTHONPATH": str(ROOT)}
    from sparseopt.cli import COMMANDS

    for name in [""] + [n for n, _ in COMMANDS]:
        argv = [sys.executable, "-m", "sparseopt.cli", *([name] if name else []), "--help"]
        text = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
        (out / f"{name or 'sparseopt'}.txt").write_text(text, encoding="utf-8")


_cli_help()
