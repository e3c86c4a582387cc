"""Offline stand-in for Plaid's API (OpenAPI 2020-09-14) serving a built world.

    with PlaidSandboxServer(world_dir, port=0, faults="error_500_rate=0.2") as server:
        configuration = plaid.Configuration(host=server.url, api_key={...})

See sandbox/README.md for endpoints, the simulated clock and the fault spec.
"""

from sandbox.plaid_server.faults import FAULT_KEYS, FaultSpec
from sandbox.plaid_server.server import PlaidSandboxServer, serve_forever

__all__ = ["FAULT_KEYS", "FaultSpec", "PlaidSandboxServer", "serve_forever"]
