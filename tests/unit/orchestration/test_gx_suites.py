"""Great Expectations suites declared as YAML are well formed and name real expectations."""

from pathlib import Path

import pytest

from orchestration.defs.quality.great_expectations import GxSuiteSpec, _class_name

SUITES = sorted((Path(__file__).parents[3] / "orchestration").rglob("expectations/*.yaml"))


def test_there_is_at_least_one_suite() -> None:
    assert SUITES


@pytest.mark.parametrize("suite_path", SUITES, ids=lambda path: path.stem)
def test_suite_names_existing_gx_expectations(suite_path: Path) -> None:
    import great_expectations as gx

    spec = GxSuiteSpec.from_yaml(suite_path)
    assert spec.suite_name == suite_path.stem
    for declared in spec.expectations:
        expectation_class = getattr(gx.expectations, _class_name(declared["type"]))
        expectation_class(**declared.get("kwargs", {}))  # raises on unknown arguments
