"""The one place that locates the reference data kept in ``tests/reference`` (see its README).

Missing data is an error, never a skip: a clone that lost a file must fail loudly.
"""

from __future__ import annotations

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"


def reference_path(*parts: str) -> Path:
    """The path of one reference file; raises if the repository does not hold it."""
    path = REFERENCE_DIR.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"reference data missing from the repository: {path}")
    return path


def reference_text(*parts: str) -> str:
    return reference_path(*parts).read_text(encoding="utf-8")
