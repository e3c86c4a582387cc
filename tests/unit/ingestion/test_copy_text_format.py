"""COPY text-format encoding used by every bulk load."""

from datetime import UTC, datetime

from ingestion.load import _copy_text_stream


def test_nulls_tabs_newlines_and_backslashes_are_escaped() -> None:
    stream = _copy_text_stream([("a\tb", None, "c\\d\ne", 3)])
    assert stream.getvalue() == "a\\tb\t\\N\tc\\\\d\\ne\t3\n"


def test_timestamps_are_iso_with_offset() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _copy_text_stream([(moment,)]).getvalue() == "2026-01-02T03:04:05+00:00\n"


def test_empty_string_is_not_null() -> None:
    assert _copy_text_stream([("",)]).getvalue() == "\n"
