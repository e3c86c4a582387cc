"""The validations page lists each suite's results, newest first, failures spelled out."""

import json
from pathlib import Path

from orchestration.defs.quality.great_expectations import (
    VALIDATIONS_KEPT_PER_SUITE,
    write_validation_index,
)


def _result(success: bool, failed_column: str | None = None) -> dict:
    results = [{"success": True, "expectation_config": {"type": "expect_x", "kwargs": {}}}]
    if failed_column:
        results.append(
            {
                "success": False,
                "expectation_config": {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": failed_column},
                },
            }
        )
    return {"success": success, "results": results}


def test_index_shows_failures_and_keeps_a_bounded_history(tmp_path: Path) -> None:
    folder = tmp_path / "validations" / "raw_app__clients"
    folder.mkdir(parents=True)
    for number in range(VALIDATIONS_KEPT_PER_SUITE + 5):
        (folder / f"20260101T0000{number:02d}000000Z.json").write_text(json.dumps(_result(True)))
    (folder / "20270101T000000000000Z.json").write_text(
        json.dumps(_result(False, failed_column="client_<key>"))
    )
    page = write_validation_index(tmp_path).read_text()
    assert page.index("20270101T000000000000Z") < page.index("20260101T")
    assert "expect_column_values_to_not_be_null(column=&#x27;client_&lt;key&gt;&#x27;)" in page
    assert len(list(folder.glob("*.json"))) == VALIDATIONS_KEPT_PER_SUITE
    assert page.count("<tr class=") == VALIDATIONS_KEPT_PER_SUITE
