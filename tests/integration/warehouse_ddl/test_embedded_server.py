"""The embedded server's lifecycle on its own throwaway home: start, restart, errors."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from warehouse_ddl import WarehouseError
from warehouse_ddl.embedded import EmbeddedPostgres, postgres_bin_dir


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server() -> Iterator[EmbeddedPostgres]:
    home = Path(tempfile.mkdtemp(prefix="wdp-embedded-"))
    home.chmod(0o755)
    embedded = EmbeddedPostgres(home, _free_port())
    yield embedded
    embedded.stop()
    shutil.rmtree(home, ignore_errors=True)


def test_second_start_is_harmless_and_data_survives_a_restart(server: EmbeddedPostgres) -> None:
    first = server.start()
    assert server.start().pid == first.pid
    with psycopg2.connect(server.admin_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("create table kept (answer int); insert into kept values (42)")
    assert server.stop() is True
    assert server.stop() is False
    assert not server.status().is_running
    server.start()
    with psycopg2.connect(server.admin_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("select answer from kept")
        assert cursor.fetchone() == (42,)


def test_port_in_use_is_one_clear_sentence(server: EmbeddedPostgres) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with pytest.raises(WarehouseError, match=f"Port {server.port} .* already in use"):
            server.start()


def test_start_recovers_after_the_server_was_killed(server: EmbeddedPostgres) -> None:
    status = server.start()
    with psycopg2.connect(server.admin_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("create table kept (answer int); insert into kept values (42)")
    os.kill(status.pid, signal.SIGKILL)  # leaves a stale postmaster.pid behind
    deadline = time.monotonic() + 10
    while server.status().is_running and time.monotonic() < deadline:
        time.sleep(0.05)  # the signal takes a moment to land
    assert (server.data_dir / "postmaster.pid").exists()
    server.start()
    with psycopg2.connect(server.admin_dsn()) as connection, connection.cursor() as cursor:
        cursor.execute("select answer from kept")
        assert cursor.fetchone() == (42,)


def test_lock_held_by_a_foreign_process_is_reported_and_kept(server: EmbeddedPostgres) -> None:
    server.start()
    server.stop()
    # A postmaster.pid naming a live process of the server's OS user that is not
    # Postgres (a crash, then pid reuse): Postgres refuses, and so do we, clearly.
    run_as = {"user": "embedded_postgres"} if os.geteuid() == 0 else {}
    sleeper = subprocess.Popen(["sleep", "60"], **run_as)
    try:
        pid_file = server.data_dir / "postmaster.pid"
        pid_file.write_text(f"{sleeper.pid}\n{server.data_dir}\n0\n{server.port}\n\n")
        if os.geteuid() == 0:
            shutil.chown(pid_file, "embedded_postgres", "embedded_postgres")
        assert not server.status().is_running
        with pytest.raises(WarehouseError, match="stale lock"):
            server.start()
        assert pid_file.exists(), "the lock file is the person's to remove, not ours"
        assert (server.data_dir / "PG_VERSION").exists()
    finally:
        sleeper.kill()


def test_foreign_folder_is_not_initialised_over(server: EmbeddedPostgres) -> None:
    server.data_dir.mkdir(parents=True)
    (server.data_dir / "notes.txt").write_text("mine")
    with pytest.raises(WarehouseError, match="Nothing was deleted"):
        server.start()
    assert (server.data_dir / "notes.txt").read_text() == "mine"


def test_bundled_psql_accepts_the_admin_uri(server: EmbeddedPostgres) -> None:
    server.start()
    completed = subprocess.run(
        [str(postgres_bin_dir() / "psql"), server.admin_dsn(), "-tAc", "select 1"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "1"
