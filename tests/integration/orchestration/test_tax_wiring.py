"""dbt -> Tax-Calculator -> dbt: the tax asset sits between two dbt steps, with no cycle."""

import dagster as dg
import pytest

from orchestration.defs.dbt.project import prepare_dbt_manifest

TAX_FIGURES = dg.AssetKey(["intermediate", "client_tax_figures"])


@pytest.fixture(scope="module")
def graph():
    """The code location's resolved asset graph."""
    prepare_dbt_manifest()
    from orchestration.definitions import defs

    return defs.resolve_asset_graph()


def test_tax_figures_read_the_profile_mart(graph) -> None:
    assert dg.AssetKey(["marts", "fct_client_tax_profile"]) in graph.get(TAX_FIGURES).parent_keys


def test_opportunity_models_read_the_tax_figures(graph) -> None:
    downstream: set[dg.AssetKey] = set()
    frontier = {TAX_FIGURES}
    while frontier:
        children = set().union(*(graph.get(key).child_keys for key in frontier))
        frontier = children - downstream
        downstream |= children
    assert {
        dg.AssetKey(["marts", "fct_opportunities"]),
        dg.AssetKey(["marts", "fct_advisor_matches"]),
        dg.AssetKey(["marts", "fct_opportunity_lifecycle"]),
    } <= downstream
    assert dg.AssetKey(["marts", "fct_client_tax_profile"]) not in downstream


def test_the_profile_and_the_rules_are_built_by_different_dbt_steps(graph) -> None:
    profile = graph.get(dg.AssetKey(["marts", "fct_client_tax_profile"]))
    opportunities = graph.get(dg.AssetKey(["marts", "fct_opportunities"]))
    assert profile.assets_def is not opportunities.assets_def
