"""Write docs/bad_inputs.md from the parametrisation of tests/test_bad_inputs.py.

Run from the repository root: ``python docs/make_bad_inputs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from test_bad_inputs import DOC, table_markdown  # noqa: E402

if __name__ == "__main__":
    text = table_markdown()
    tmp = DOC.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(DOC)  # atomic
    print(f"wrote {DOC.relative_to(REPO)} ({text.count(chr(10))} lines)")
