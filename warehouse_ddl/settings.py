"""Where the warehouse lives: read from the environment at call time, never at import.

One place decides the environment (STYLE habit 2): the local embedded server
under `WDP_HOME`, or any Postgres server named by `WDP_DATABASE_URL`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warehouse_ddl.errors import WarehouseError

DEFAULT_PG_PORT = 54329


@dataclass(frozen=True)
class WarehouseSettings:
    """Settings of the warehouse server for this process."""

    home: Path
    """`WDP_HOME`: local state (embedded server data, secrets, key ring, worlds)."""
    external_admin_url: str | None
    """`WDP_DATABASE_URL`: an admin URL of an existing server; nothing is started then."""
    pg_port: int
    """`WDP_PG_PORT`: TCP port of the embedded server on 127.0.0.1."""

    @classmethod
    def from_env(cls) -> WarehouseSettings:
        home = Path(os.environ.get("WDP_HOME") or ".wdp").expanduser().resolve()
        raw_port = os.environ.get("WDP_PG_PORT") or str(DEFAULT_PG_PORT)
        try:
            pg_port = int(raw_port)
        except ValueError:
            raise WarehouseError(
                f"WDP_PG_PORT={raw_port!r} is not a port number; set it to a free TCP port "
                f"such as {DEFAULT_PG_PORT}."
            ) from None
        return cls(
            home=home,
            external_admin_url=os.environ.get("WDP_DATABASE_URL") or None,
            pg_port=pg_port,
        )

    @property
    def is_embedded(self) -> bool:
        return self.external_admin_url is None

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    @property
    def pgpass_path(self) -> Path:
        return self.secrets_dir / "pgpass"
