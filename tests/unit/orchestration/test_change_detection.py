"""Which dbt nodes a run builds, from a small hand-made manifest (no dbt, no database)."""

from datetime import date

from orchestration.defs.dbt.change_detection import (
    BuildState,
    descendants,
    fqn_selectors,
    plan_build,
    upstream_sources,
    with_forced,
)

# raw_a -> stg_a -> fct_ab <- stg_b <- raw_b ; seed_rates -> fct_ab ; tests on each model,
# a relationships test between fct_ab and stg_b, a unit test of fct_ab.
MANIFEST = {
    "sources": {
        "source.p.raw.a": {"schema": "raw", "name": "a"},
        "source.p.raw.b": {"schema": "raw", "name": "b", "identifier": "b_table"},
    },
    "nodes": {
        "model.p.stg_a": {"fqn": ["p", "staging", "stg_a"], "depends_on": {"nodes": []}},
        "model.p.stg_b": {"fqn": ["p", "staging", "stg_b"], "depends_on": {"nodes": []}},
        "model.p.fct_ab": {"fqn": ["p", "marts", "fct_ab"], "depends_on": {"nodes": []}},
        "seed.p.seed_rates": {"fqn": ["p", "seed_rates"], "depends_on": {"nodes": []}},
        "test.p.not_null_stg_a": {
            "fqn": ["p", "staging", "not_null_stg_a"],
            "depends_on": {"nodes": ["model.p.stg_a"]},
        },
        "test.p.not_null_stg_b": {
            "fqn": ["p", "staging", "not_null_stg_b"],
            "depends_on": {"nodes": ["model.p.stg_b"]},
        },
        "test.p.relationships_fct_ab_stg_b": {
            "fqn": ["p", "marts", "relationships_fct_ab_stg_b"],
            "depends_on": {"nodes": ["model.p.fct_ab", "model.p.stg_b"]},
        },
    },
    "unit_tests": {
        "unit_test.p.fct_ab.adds_up": {
            "fqn": ["p", "marts", "fct_ab", "adds_up"],
            "depends_on": {"nodes": ["model.p.fct_ab"]},
        },
    },
    "parent_map": {
        "model.p.stg_a": ["source.p.raw.a"],
        "model.p.stg_b": ["source.p.raw.b"],
        "model.p.fct_ab": ["model.p.stg_a", "model.p.stg_b", "seed.p.seed_rates"],
        "seed.p.seed_rates": [],
        "test.p.not_null_stg_a": ["model.p.stg_a"],
        "test.p.not_null_stg_b": ["model.p.stg_b"],
        "test.p.relationships_fct_ab_stg_b": ["model.p.fct_ab", "model.p.stg_b"],
        "unit_test.p.fct_ab.adds_up": ["model.p.fct_ab"],
    },
    "child_map": {
        "source.p.raw.a": ["model.p.stg_a"],
        "source.p.raw.b": ["model.p.stg_b"],
        "model.p.stg_a": ["model.p.fct_ab", "test.p.not_null_stg_a"],
        "model.p.stg_b": [
            "model.p.fct_ab",
            "test.p.not_null_stg_b",
            "test.p.relationships_fct_ab_stg_b",
        ],
        "seed.p.seed_rates": ["model.p.fct_ab"],
        "model.p.fct_ab": ["test.p.relationships_fct_ab_stg_b", "unit_test.p.fct_ab.adds_up"],
    },
}
STEP_NODES = {*MANIFEST["nodes"], *MANIFEST["unit_tests"]}
DAY = date(2026, 11, 20)
BUILT = BuildState("project-1", DAY, {"source.p.raw.a": "10:5:3", "source.p.raw.b": "4:9:9"})


def _now(**versions: str | None) -> BuildState:
    return BuildState("project-1", DAY, {**BUILT.source_versions, **versions})


def test_nothing_changed_builds_nothing() -> None:
    plan = plan_build(MANIFEST, STEP_NODES, _now(), BUILT)
    assert plan.is_empty
    assert plan.excluded == STEP_NODES


def test_a_changed_source_rebuilds_what_is_downstream_with_every_test_touching_it() -> None:
    plan = plan_build(MANIFEST, STEP_NODES, _now(**{"source.p.raw.a": "11:6:12"}), BUILT)
    assert plan.changed_sources == ("source.p.raw.a",)
    assert plan.rebuild == {"model.p.stg_a", "model.p.fct_ab"}
    # stg_b and its own test stay out; the relationships test reads fct_ab, so it runs.
    assert plan.excluded == {"model.p.stg_b", "seed.p.seed_rates", "test.p.not_null_stg_b"}


def test_a_vanished_table_counts_as_changed() -> None:
    plan = plan_build(MANIFEST, STEP_NODES, _now(**{"source.p.raw.b": None}), BUILT)
    assert plan.rebuild == {"model.p.stg_b", "model.p.fct_ab"}


def test_no_record_a_new_project_or_a_new_day_build_everything() -> None:
    assert plan_build(MANIFEST, STEP_NODES, _now(), None).build_all
    changed_project = BuildState("project-2", DAY, BUILT.source_versions)
    assert plan_build(MANIFEST, STEP_NODES, changed_project, BUILT).build_all
    next_day = BuildState("project-1", date(2026, 11, 21), BUILT.source_versions)
    assert plan_build(MANIFEST, STEP_NODES, next_day, BUILT).build_all


def test_forced_models_bring_their_tests() -> None:
    empty = plan_build(MANIFEST, STEP_NODES, _now(), BUILT)
    forced = with_forced(empty, MANIFEST, {"model.p.stg_b"})
    assert forced.rebuild == {"model.p.stg_b"}
    assert "test.p.not_null_stg_b" not in forced.excluded
    assert "test.p.relationships_fct_ab_stg_b" not in forced.excluded
    assert "model.p.fct_ab" in forced.excluded


def test_graph_walks_and_selectors() -> None:
    assert upstream_sources(MANIFEST)["model.p.fct_ab"] == {"source.p.raw.a", "source.p.raw.b"}
    assert "unit_test.p.fct_ab.adds_up" in descendants(MANIFEST, ["source.p.raw.a"])
    assert fqn_selectors(MANIFEST, ["model.p.fct_ab", "unit_test.p.fct_ab.adds_up"]) == [
        "p.marts.fct_ab",
        "p.marts.fct_ab.adds_up",
    ]


def test_tests_of_a_changed_source_run() -> None:
    manifest = {
        **MANIFEST,
        "nodes": {
            **MANIFEST["nodes"],
            "test.p.source_not_null_raw_a": {
                "fqn": ["p", "source_not_null_raw_a"],
                "depends_on": {"nodes": ["source.p.raw.a"]},
            },
        },
    }
    nodes = STEP_NODES | {"test.p.source_not_null_raw_a"}
    changed = plan_build(manifest, nodes, _now(**{"source.p.raw.a": "11:6:12"}), BUILT)
    assert "test.p.source_not_null_raw_a" not in changed.excluded
    unchanged = plan_build(manifest, nodes, _now(**{"source.p.raw.b": "5:1:1"}), BUILT)
    assert "test.p.source_not_null_raw_a" in unchanged.excluded
