"""The warehouse: versioned SQL migrations, the embedded Postgres and the migration runner.

Public surface: `Warehouse` (URLs per role), `upgrade()` and `WarehouseError`.
"""

from warehouse_ddl.errors import WarehouseError
from warehouse_ddl.migrate import UpgradeResult, ensure_database, upgrade
from warehouse_ddl.server import LOGIN_ROLES, Warehouse, sqlalchemy_url

__all__ = [
    "LOGIN_ROLES",
    "UpgradeResult",
    "Warehouse",
    "WarehouseError",
    "ensure_database",
    "sqlalchemy_url",
    "upgrade",
]
