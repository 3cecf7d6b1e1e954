"""Log reasons never crash on an exception with an empty message (a bare timeout)."""

from __future__ import annotations

from medianest.domain.errors import first_line


def test_an_empty_message_gives_the_exception_name() -> None:
    assert first_line(TimeoutError()) == "TimeoutError"
    assert first_line(OSError("  \n ")) == "OSError"


def test_only_the_first_line_is_kept_and_cut_to_size() -> None:
    assert first_line(ValueError("bad value\ntraceback details")) == "bad value"
    assert first_line(ValueError("x" * 500), limit=10) == "x" * 10
