"""The app latency harness: percentiles, the Markdown table, and that it covers every page."""

import ast
from pathlib import Path

from bench.bench_app import APP_SCRIPT, PAGES_BY_PERSONA, LatencySeries, latency_markdown


def test_percentiles_are_nearest_rank_values_that_were_measured() -> None:
    series = LatencySeries("m", "r", samples_s=[0.5, 0.1, 0.4, 0.2, 0.3])
    assert series.percentile(0.50) == 0.3
    assert series.percentile(0.95) == 0.5
    assert LatencySeries("m", "r").percentile(0.5) is None


def test_a_target_is_met_only_without_failures() -> None:
    fast = LatencySeries("m", "r", samples_s=[0.01] * 20, target_s=0.15)
    assert fast.meets_target() is True
    slow = LatencySeries("m", "r", samples_s=[0.01] * 18 + [0.2, 0.3], target_s=0.15)
    assert slow.meets_target() is False
    failed = LatencySeries("m", "r", samples_s=[0.01], failures=["boom"], target_s=0.15)
    assert failed.meets_target() is False
    assert LatencySeries("m", "r", samples_s=[1.0]).meets_target() is None


def test_the_table_has_one_row_per_series_with_p50_p95_and_the_load() -> None:
    series = [
        LatencySeries("snapshot", "concierge lead", samples_s=[0.010, 0.020], target_s=0.15),
        LatencySeries("page warm", "product", samples_s=[1.5], target_s=1.0),
        LatencySeries("page uncached", "product", failures=["RuntimeError: boom"]),
    ]
    table = latency_markdown(series, platform="here", load_before="1 / 1 / 1", load_after="2")
    lines = table.splitlines()
    assert "1 / 1 / 1" in lines[0] and "here" in lines[0]
    assert lines[2].startswith("| measurement | role | runs | p50 | p95 |")
    rows = [line for line in lines[4:] if line.startswith("|")]
    assert len(rows) == 3
    assert rows[0].split(" | ")[1:5] == ["concierge lead", "2", "10 ms", "20 ms"]
    assert "meets" in rows[0] and "**misses**" in rows[1]
    assert "1 failed: RuntimeError: boom" in rows[2]


def _routed_pages() -> dict[str, set[str]]:
    """persona -> page files, read from the app's router (PAGES_BY_PERSONA and its st.Page)."""
    tree = ast.parse(APP_SCRIPT.read_text())
    files: dict[str, str] = {}
    routes: dict[str, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        name, value = node.targets[0].id, node.value
        if isinstance(value, ast.Call) and getattr(value.func, "attr", "") == "Page":
            files[name] = value.args[0].value  # type: ignore[attr-defined]
        if name == "PAGES_BY_PERSONA" and isinstance(value, ast.Dict):
            for key, pages in zip(value.keys, value.values, strict=True):
                persona = key.attr.lower()  # type: ignore[union-attr]
                routes[persona] = {files[page.id] for page in pages.elts}  # type: ignore[attr-defined]
    return routes


def test_the_harness_measures_every_page_each_persona_can_open() -> None:
    assert {persona: set(pages) for persona, pages in PAGES_BY_PERSONA.items()} == _routed_pages()
    page_files = {
        f"app_pages/{path.name}"
        for path in (Path(APP_SCRIPT).parent / "app_pages").glob("*.py")
        if path.name != "sign_in.py"
    }
    assert {page for pages in PAGES_BY_PERSONA.values() for page in pages} == page_files
