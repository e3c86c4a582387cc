"""The warehouse server as the rest of the platform sees it: URLs per role and database.

Embedded by default (see `embedded.py`), or any server named by `WDP_DATABASE_URL`.
Login roles authenticate with passwords that live only in a 0600 libpq password
file under `WDP_HOME/secrets/`; URLs name that file (`passfile=`) instead of
carrying a password, so a URL can be printed or logged without leaking a secret.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg2
from psycopg2.extensions import parse_dsn

from warehouse_ddl.embedded import EmbeddedPostgres, ServerStatus
from warehouse_ddl.errors import WarehouseError
from warehouse_ddl.settings import WarehouseSettings

LOGIN_ROLES = (
    "wdp_owner",
    "wdp_loader",
    "wdp_transformer",
    "wdp_analyst",
    "wdp_concierge",
    "wdp_engineer",
    "wdp_dagster",
)
"""Roles of DESIGN §3 that log in; `wdp_dagster` owns only Dagster's run storage."""

DATABASES = ("warehouse", "dagster")


@dataclass(frozen=True)
class Warehouse:
    """Connection facts of the warehouse server for one process."""

    settings: WarehouseSettings

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(WarehouseSettings.from_env())

    @property
    def embedded(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.settings.home, self.settings.pg_port)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> str:
        """Make sure the server is up; returns a one-line description."""
        if self.settings.is_embedded:
            return self.embedded.start().describe()
        self.check_reachable()
        return f"using the Postgres server of WDP_DATABASE_URL ({self._external_location()})"

    def stop(self) -> str:
        if not self.settings.is_embedded:
            return "WDP_DATABASE_URL is set: that server is not ours to stop."
        was_running = self.embedded.stop()
        return "embedded Postgres stopped" if was_running else "embedded Postgres was not running"

    def status(self) -> ServerStatus | str:
        if not self.settings.is_embedded:
            self.check_reachable()
            return f"reachable: {self._external_location()} (WDP_DATABASE_URL)"
        return self.embedded.status()

    def check_reachable(self) -> None:
        try:
            psycopg2.connect(self.admin_url("postgres"), connect_timeout=5).close()
        except psycopg2.OperationalError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
            raise WarehouseError(
                f"Cannot connect to the Postgres server of WDP_DATABASE_URL "
                f"({self._external_location()}): {first_line}; fix the URL or unset "
                "WDP_DATABASE_URL to use the embedded server."
            ) from None

    # -- URLs ---------------------------------------------------------------------------------

    def admin_url(self, database: str = "postgres") -> str:
        """libpq URI of the administrator (migrations and setup only)."""
        if self.settings.is_embedded:
            return self.embedded.admin_dsn(database)
        return _with_database(self._external_admin_url(), database)

    def role_url(self, role: str, database: str = "warehouse") -> str:
        """libpq URI for a login role; its password is read by libpq from the passfile."""
        if role not in LOGIN_ROLES:
            raise WarehouseError(f"Unknown role {role!r}; choose one of {', '.join(LOGIN_ROLES)}.")
        host, port, extra = self._tcp_location()
        query = {**extra, "passfile": str(self.settings.pgpass_path)}
        return f"postgresql://{role}@{host}:{port}/{database}?{urlencode(query)}"

    def role_password(self, role: str) -> str:
        """The password of `role` (for tools such as dbt that take it as a setting)."""
        return self.ensure_role_passwords()[role]

    def ensure_role_passwords(self) -> dict[str, str]:
        """Read the role passwords, creating any missing one in the 0600 passfile."""
        path = self.settings.pgpass_path
        passwords: dict[str, str] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                parts = line.split(":")
                if len(parts) == 5 and parts[3] in LOGIN_ROLES:
                    passwords[parts[3]] = parts[4]
        missing = [role for role in LOGIN_ROLES if role not in passwords]
        if missing:
            for role in missing:
                # URL-safe and free of ':' and '\\', the passfile's separators.
                passwords[role] = secrets.token_urlsafe(24)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            text = "".join(f"*:*:*:{role}:{passwords[role]}\n" for role in LOGIN_ROLES)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as passfile:
                passfile.write(text)
        return passwords

    # -- internals ----------------------------------------------------------------------------

    def _external_admin_url(self) -> str:
        url = self.settings.external_admin_url
        assert url is not None
        try:
            parse_dsn(url)
        except psycopg2.ProgrammingError:
            raise WarehouseError(
                "WDP_DATABASE_URL is not a valid libpq URL; write it as "
                "postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
            ) from None
        return url

    def _external_location(self) -> str:
        params = parse_dsn(self._external_admin_url())
        return f"{params.get('host', 'localhost')}:{params.get('port', '5432')}"

    def _tcp_location(self) -> tuple[str, int, dict[str, str]]:
        if self.settings.is_embedded:
            status = self.embedded.status()
            return "127.0.0.1", status.port or self.settings.pg_port, {}
        params = parse_dsn(self._external_admin_url())
        extra = {key: params[key] for key in ("sslmode", "sslrootcert") if key in params}
        return params.get("host", "localhost"), int(params.get("port", 5432)), extra


def _with_database(url: str, database: str) -> str:
    params = parse_dsn(url)
    params["dbname"] = database
    host = params.pop("host", "localhost")
    port = params.pop("port", "5432")
    user = quote(params.pop("user", ""), safe="")
    password = params.pop("password", None)
    params.pop("dbname")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    if host.startswith("/"):
        # A unix-socket directory cannot sit in the authority part of a URI.
        params = {**params, "host": host, "port": port}
        location = ""
    else:
        location = f"{host}:{port}"
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{location}/{database}{query}"


def sqlalchemy_url(libpq_url: str) -> str:
    """The same URL for SQLAlchemy 2.x, which reads bare `postgresql://` as psycopg 3."""
    return libpq_url.replace("postgresql://", "postgresql+psycopg2://", 1)


def project_root() -> Path:
    """The repository root (where `dbt_project/` and `workspace.yaml` live)."""
    return Path(__file__).resolve().parent.parent
