"""The synthetic client world and offline stand-ins for external systems.

Public API:
    build_world(out_dir, *, clients, seed=42, as_of, app_database_url, progress=None)
        -> WorldSummary
    PlaidSandboxServer  (offline Plaid API server; see sandbox.plaid_server)
    OidcSandboxServer, OidcClient, OidcAccount  (offline OpenID Connect provider;
        see sandbox.oidc_provider)

This package imports nothing from the platform's other packages: it speaks only wire
formats (Plaid JSON, CSV/PDF documents, Postgres rows, Segment-style events).
"""

from sandbox.oidc_provider import OidcAccount, OidcClient, OidcSandboxServer
from sandbox.plaid_server import FaultSpec, PlaidSandboxServer
from sandbox.world import WorldSummary, build_world

__all__ = [
    "FaultSpec",
    "OidcAccount",
    "OidcClient",
    "OidcSandboxServer",
    "PlaidSandboxServer",
    "WorldSummary",
    "build_world",
]
