"""Every Streamlit page that reads the warehouse is a dbt exposure that names exactly what it reads.

What a page reads is derived here from the code, never from a list kept beside
the test: the page module's imports from `analytics_app.queries`, the `.sql`
files those query functions run, the relations those files read, and, for the
concierge functions they call, the relations the function bodies read (the
newest definition in the warehouse migrations). Each relation is mapped to its
dbt node (model by schema and alias, source by schema and identifier) through
the parsed manifest and compared with the exposure's `depends_on`.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from orchestration.defs.dbt.project import DBT_PROJECT, prepare_dbt_manifest

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "analytics_app"
MIGRATIONS = ROOT / "warehouse_ddl" / "migrations" / "warehouse"
IDENTIFIER = r"[a-z_][a-z0-9_]*"
READ_RELATION = re.compile(rf"\b(?:from|join)\s+({IDENTIFIER})\.({IDENTIFIER})\b(?!\s*\()")
CALLED_FUNCTION = re.compile(rf"\b({IDENTIFIER})\.({IDENTIFIER})\s*\(")
# System schemas hold built-ins (pg_catalog.pg_has_role), never data of ours.
SYSTEM_SCHEMAS = {"pg_catalog", "information_schema"}


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql).lower()


def _function_bodies() -> dict[tuple[str, str], str]:
    """(schema, name) -> body of the newest `create function` in the migrations."""
    bodies = {}
    definition = re.compile(
        rf"create\s+(?:or\s+replace\s+)?function\s+({IDENTIFIER})\.({IDENTIFIER})\s*\("
        r".*?\bas\s+(\$[a-z_]*\$)(.*?)\3",
        re.DOTALL,
    )
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        for match in definition.finditer(_without_comments(migration.read_text())):
            bodies[(match[1], match[2])] = match[4]
    return bodies


def relations_read(sql: str, functions: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
    """Schema-qualified relations the SQL reads, through the functions it calls too."""
    text = _without_comments(sql)
    read = set(READ_RELATION.findall(text))
    # `insert into t (columns)` writes, and is no function call either.
    without_writes = re.sub(rf"\binsert\s+into\s+{IDENTIFIER}\.{IDENTIFIER}", "", text)
    for called in set(CALLED_FUNCTION.findall(without_writes)):
        if called[0] in SYSTEM_SCHEMAS:
            continue
        assert called in functions, f"{'.'.join(called)} is called but defined in no migration"
        read |= relations_read(functions[called], functions)
    return {relation for relation in read if relation[0] not in SYSTEM_SCHEMAS}


def _sql_files_by_function(module: Path) -> dict[str, set[str]]:
    """Function name -> the `sql/*.sql` files it runs, following calls within the module."""
    tree = ast.parse(module.read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    direct = {
        name: {
            node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.endswith(".sql")
        }
        for name, function in functions.items()
    }
    calls = {
        name: {
            node.func.id
            for node in ast.walk(function)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in functions
        }
        for name, function in functions.items()
    }

    def closure(name: str, seen: set[str]) -> set[str]:
        files = set(direct[name])
        for callee in calls[name] - seen:
            files |= closure(callee, seen | {callee})
        return files

    return {name: closure(name, {name}) for name in functions}


def page_sql_files(page: Path) -> set[str]:
    """The SQL files a page runs: through the query functions it imports."""
    files: set[str] = set()
    for node in ast.walk(ast.parse(page.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "analytics_app.queries."
        ):
            module = ROOT / Path(*node.module.split(".")).with_suffix(".py")
            by_function = _sql_files_by_function(module)
            for alias in node.names:
                files |= by_function.get(alias.name, set())
    return files


def page_url_paths() -> dict[str, str]:
    """Page module stem -> `url_path` of its `st.Page` in streamlit_app.py."""
    paths = {}
    for node in ast.walk(ast.parse((APP / "streamlit_app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            page = Path(node.args[0].value).stem
            for keyword in node.keywords:
                if keyword.arg == "url_path":
                    paths[page] = keyword.value.value
    return paths


@pytest.fixture(scope="module")
def manifest() -> dict:
    prepare_dbt_manifest()
    return json.loads(Path(DBT_PROJECT.manifest_path).read_text())


def _dbt_nodes_by_relation(manifest: dict) -> dict[tuple[str, str], str]:
    relations = {
        (node["schema"], node["alias"]): unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in {"model", "seed", "snapshot"}
    }
    for unique_id, source in manifest["sources"].items():
        relations[(source["schema"], source["identifier"])] = unique_id
    return relations


def test_the_sql_reading_finds_reads_not_writes_nor_calls() -> None:
    functions = {("app", "f"): "insert into audit.log (id) values (1); select * from marts.b"}
    sql = (
        "-- from marts.commented\nselect app.f(x), extract(epoch from now()) "
        "from marts.a join raw_app.c on true, lateral (select 1 from pg_catalog.pg_roles) r"
    )
    assert relations_read(sql, functions) == {("marts", "a"), ("raw_app", "c"), ("marts", "b")}


def test_every_page_reading_the_warehouse_is_an_exposure_with_exactly_its_reads(
    manifest: dict,
) -> None:
    functions = _function_bodies()
    by_relation = _dbt_nodes_by_relation(manifest)
    exposures = {
        exposure["name"]: exposure
        for exposure in manifest["exposures"].values()
        if exposure["package_name"] == "wdp"
    }
    url_paths = page_url_paths()
    pages = sorted((APP / "app_pages").glob("*.py"))
    assert pages

    reading_pages = set()
    for page in pages:
        sql_files = page_sql_files(page)
        relations = set()
        for sql_file in sql_files:
            relations |= relations_read((APP / "sql" / sql_file).read_text(), functions)
        if not relations:
            continue
        reading_pages.add(page.stem)
        unknown = sorted(".".join(rel) for rel in relations if rel not in by_relation)
        assert unknown == [], f"{page.name} reads relations dbt does not know (declare sources)"
        assert page.stem in exposures, f"{page.name} reads the warehouse but has no dbt exposure"
        exposure = exposures[page.stem]
        assert set(exposure["depends_on"]["nodes"]) == {by_relation[r] for r in relations}, (
            f"exposure {page.stem} disagrees with what {page.name} reads ({sorted(sql_files)})"
        )
        assert exposure["type"] == "application"
        assert exposure["owner"]["name"] or exposure["owner"]["email"]
        assert exposure["maturity"] in {"low", "medium", "high"}
        assert exposure["description"].strip()
        url_path = url_paths[page.stem]
        assert exposure["url"].endswith(f"/{url_path}")
        assert exposure["config"]["meta"]["url_path"] == url_path

    # Pages that read nothing of the warehouse (sign-in) have none; no exposure names a
    # page that does not exist.
    assert reading_pages >= {"concierge_clients", "data_health", "product_overview"}
    assert set(exposures) == reading_pages
