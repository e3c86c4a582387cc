"""Warehouse settings and URLs: read at call time, clear errors, no password in URLs."""

from pathlib import Path

import pytest

from warehouse_ddl import Warehouse, WarehouseError
from warehouse_ddl.server import _with_database, sqlalchemy_url
from warehouse_ddl.settings import WarehouseSettings


def test_bad_port_setting_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WDP_PG_PORT", "fifty")
    with pytest.raises(WarehouseError, match="WDP_PG_PORT='fifty' is not a port number"):
        WarehouseSettings.from_env()


def test_role_url_uses_passfile_not_password(tmp_path: Path) -> None:
    server = Warehouse(WarehouseSettings(home=tmp_path, external_admin_url=None, pg_port=5999))
    url = server.role_url("wdp_analyst")
    assert url.startswith("postgresql://wdp_analyst@127.0.0.1:5999/warehouse?passfile=")
    assert server.role_password("wdp_analyst") not in url


def test_unknown_role_is_refused(tmp_path: Path) -> None:
    server = Warehouse(WarehouseSettings(home=tmp_path, external_admin_url=None, pg_port=5999))
    with pytest.raises(WarehouseError, match="Unknown role"):
        server.role_url("postgres")


def test_external_server_role_url_keeps_host_and_ssl(tmp_path: Path) -> None:
    admin = "postgresql://admin:s3cret@db.internal:6543/postgres?sslmode=require"
    server = Warehouse(WarehouseSettings(home=tmp_path, external_admin_url=admin, pg_port=5999))
    url = server.role_url("wdp_loader", "warehouse")
    assert url.startswith("postgresql://wdp_loader@db.internal:6543/warehouse?")
    assert "sslmode=require" in url and "s3cret" not in url


def test_admin_url_switches_database() -> None:
    url = _with_database("postgresql://admin:p%40ss@db:5432/postgres", "warehouse")
    assert url == "postgresql://admin:p%40ss@db:5432/warehouse"


def test_socket_host_moves_to_query() -> None:
    url = _with_database("postgresql:///postgres?host=/run/pg&user=me", "app")
    assert url.startswith("postgresql://me@/app?") and "host=%2Frun%2Fpg" in url


def test_sqlalchemy_url_names_psycopg2() -> None:
    assert sqlalchemy_url("postgresql://a@b/c").startswith("postgresql+psycopg2://a@b/c")


def test_passfile_is_private(tmp_path: Path) -> None:
    server = Warehouse(WarehouseSettings(home=tmp_path, external_admin_url=None, pg_port=5999))
    server.ensure_role_passwords()
    assert server.settings.pgpass_path.stat().st_mode & 0o077 == 0
