"""build_world and the CLI without a database: determinism, truth files, exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
from pathlib import Path

import pytest

from sandbox import build_world
from sandbox.cli import main

AS_OF = dt.date(2025, 6, 30)


def _tree_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = build_world(tmp_path / "a", clients=30, seed=11, as_of=AS_OF, app_database_url=None)
    second = build_world(tmp_path / "b", clients=30, seed=11, as_of=AS_OF, app_database_url=None)
    assert first.clients == second.clients == 30
    files_a, files_b = _tree_files(tmp_path / "a"), _tree_files(tmp_path / "b")
    assert files_a.keys() == files_b.keys()
    assert "truth/clients.csv" in files_a
    assert files_a == files_b


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    build_world(tmp_path / "a", clients=20, seed=1, as_of=AS_OF, app_database_url=None)
    build_world(tmp_path / "b", clients=20, seed=2, as_of=AS_OF, app_database_url=None)
    assert not filecmp.cmp(tmp_path / "a/truth/clients.csv", tmp_path / "b/truth/clients.csv")


def test_clients_truth_has_one_sorted_row_per_client(tmp_path: Path) -> None:
    summary = build_world(tmp_path, clients=25, seed=5, as_of=AS_OF, app_database_url=None)
    with (summary.truth_dir / "clients.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == [
        "client_id",
        "state",
        "filing_status",
        "signup_channel",
        "annual_income_usd",
        "created_at",
        "is_deleted",
    ]
    ids = [row["client_id"] for row in rows]
    assert ids == sorted(ids) == [f"cl_{n:06d}" for n in range(1, 26)]
    assert {row["is_deleted"] for row in rows} <= {"true", "false"}
    assert sum(row["is_deleted"] == "true" for row in rows) == summary.deleted_clients


def test_a_small_world_is_a_prefix_of_a_bigger_one(tmp_path: Path) -> None:
    build_world(tmp_path / "small", clients=10, seed=9, as_of=AS_OF, app_database_url=None)
    build_world(tmp_path / "big", clients=20, seed=9, as_of=AS_OF, app_database_url=None)
    small = (tmp_path / "small/truth/clients.csv").read_text().splitlines()
    big = (tmp_path / "big/truth/clients.csv").read_text().splitlines()
    assert big[: len(small)] == small


def test_rebuilding_a_folder_replaces_the_previous_world(tmp_path: Path) -> None:
    build_world(tmp_path, clients=20, seed=1, as_of=AS_OF, app_database_url=None)
    build_world(tmp_path, clients=5, seed=1, as_of=AS_OF, app_database_url=None)
    lines = (tmp_path / "truth/clients.csv").read_text().splitlines()
    assert len(lines) == 1 + 5


def test_bad_sizes_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="clients must be"):
        build_world(tmp_path, clients=0, as_of=AS_OF, app_database_url=None)


def test_cli_builds_a_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--out", str(tmp_path), "--clients", "4", "--as-of", "2025-06-30"])
    assert code == 0
    assert "built 4 clients" in capsys.readouterr().out
    assert (tmp_path / "truth/clients.csv").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--clients", "4", "--as-of", "2025-06-30"], "--out"),
        (["build", "--out", "x", "--clients", "zero", "--as-of", "2025-06-30"], "not an integer"),
        (["build", "--out", "x", "--clients", "0", "--as-of", "2025-06-30"], "at least 1"),
        (["build", "--out", "x", "--clients", "3", "--as-of", "30/06/2025"], "YYYY-MM-DD"),
        (
            ["build", "--out", "x", "--clients", "3", "--as-of", "2025-06-30", "--seed", "-1"],
            "0 or",
        ),
        (["launch"], "invalid choice"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert message in error
    assert len(error.splitlines()) == 1


def test_cli_plaid_rejects_a_bad_fault_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plaid", "--world", str(tmp_path), "--faults", "explode=1"]) == 2
    assert "unknown or malformed" in capsys.readouterr().err


def test_cli_plaid_needs_a_built_world(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plaid", "--world", str(tmp_path), "--port", "0"]) == 1
    assert "build the world first" in capsys.readouterr().err


def test_worker_processes_build_the_same_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big worlds are simulated in forked workers; force that path on a small world.
    build_world(tmp_path / "serial", clients=12, seed=4, as_of=AS_OF, app_database_url=None)
    monkeypatch.setattr("sandbox.world._worker_count", lambda clients: 2)
    build_world(tmp_path / "forked", clients=12, seed=4, as_of=AS_OF, app_database_url=None)
    assert _tree_files(tmp_path / "serial") == _tree_files(tmp_path / "forked")
