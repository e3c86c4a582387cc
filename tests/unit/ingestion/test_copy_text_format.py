"""COPY text-format encoding used by every bulk load."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ingestion.load import UnstorableTextError, _copy_text_stream, _copy_text_value
from ingestion.plaid.records import SealedText


def test_nulls_tabs_newlines_and_backslashes_are_escaped() -> None:
    stream = _copy_text_stream([("a\tb", None, "c\\d\ne", 3)])
    assert stream.getvalue() == "a\\tb\t\\N\tc\\\\d\\ne\t3\n"


def test_timestamps_are_iso_with_offset() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert _copy_text_stream([(moment,)]).getvalue() == "2026-01-02T03:04:05+00:00\n"


def test_empty_string_is_not_null() -> None:
    assert _copy_text_stream([("",)]).getvalue() == "\n"


def test_a_string_spelled_like_null_stays_a_string() -> None:
    # The fast path counts backslashes against the NULLs: "\N" typed as text is escaped.
    assert _copy_text_stream([("\\N", None)]).getvalue() == "\\\\N\t\\N\n"


def test_fast_lines_equal_the_value_by_value_encoding() -> None:
    values = [
        None, "", "plain", "\\N", "a\\b", "tab\there", "line\nbreak", "cr\rhere", "100%",
        "ünïcødé 🙂", 0, -3, 2.5, Decimal("12.30"), True, False, date(2026, 11, 20),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), ["NY", None, 'q"uote', "b\\s"],
        {"b": 1, "a": "x\ty"}, SealedText("v1.k.abc.def", "digest"),
    ]  # fmt: skip
    rows = [tuple(values[(start + step) % len(values)] for step in range(7)) for start in range(60)]
    expected = "".join("\t".join(_copy_text_value(v) for v in row) + "\n" for row in rows)
    assert _copy_text_stream(rows).getvalue() == expected


def test_rows_with_a_nul_are_set_aside_or_refused() -> None:
    rows = [("ok", 1), ("bad\x00name", 2), ("fine", None), ({"note": ["x\x00"]}, 3)]
    rejected: list = []
    assert _copy_text_stream(rows, rejected).getvalue() == "ok\t1\nfine\t\\N\n"
    assert rejected == [rows[1], rows[3]]
    assert _copy_text_stream([rows[1]], []).getvalue() == ""
    with pytest.raises(UnstorableTextError):
        _copy_text_stream(rows)
