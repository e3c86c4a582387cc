"""Pseudonymous keys: `client_key` = HMAC-SHA256(pepper, source client id).

The only client id in staging and marts. It is stable across loads (same pepper,
same id), so analysts can join everything and identify no one.
"""

from __future__ import annotations

import hashlib
import hmac


def client_key(pepper: bytes, client_id: str) -> str:
    """The pseudonymous key of a client, as 64 hex characters."""
    return hmac.new(pepper, f"client:{client_id}".encode(), hashlib.sha256).hexdigest()
