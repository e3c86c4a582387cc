"""Is this the key ring the warehouse was written with? Asked before any run writes.

A wrong key ring (another installation's, or a new one made after a loss) would
not fail by itself: loaders would encrypt new rows under keys nobody else holds
and compute a different `client_key` for every client, silently splitting each
client in two in the marts. So before a run, a few stored values are
recomputed: `client_key` of some clients (the pepper) and one e-mail token per
key id (the keys). A mismatch is a `PrivacyError` that says what to do; nothing
has been written yet. An empty warehouse (a new installation) has nothing to
compare and passes.
"""

from __future__ import annotations

from importlib.resources import files

from psycopg2.errors import UndefinedTable
from psycopg2.extensions import connection as Connection

from privacy.envelope import EnvelopeCipher
from privacy.errors import PrivacyError
from privacy.keyring import Keyring
from privacy.pseudonym import client_key

_PROBES_SQL = "sql/select_keyring_probes.sql"


def verify_keyring_matches_warehouse(connection: Connection, keyring: Keyring) -> int:
    """`PrivacyError` unless `keyring` reproduces the stored values; the number of probes."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(files("privacy").joinpath(_PROBES_SQL).read_text())
            probes = cursor.fetchall()
    except UndefinedTable:
        probes = []  # a warehouse not migrated yet holds nothing to compare
    finally:
        connection.rollback()
    cipher = EnvelopeCipher(keyring)
    for kind, probe_input, expected in probes:
        if kind == "client_key" and client_key(keyring.pepper, probe_input) != expected:
            raise PrivacyError(
                "The key ring's pepper is not the one this warehouse was loaded with: every "
                "client_key would change. Load this warehouse's key ring (WDP_KEYRING or "
                "WDP_HOME/secrets/keyring.json, restored from backup); nothing was written."
            )
        if kind == "token":
            try:
                cipher.decrypt(expected, probe_input)
            except PrivacyError as problem:
                raise PrivacyError(
                    f"{problem} This warehouse was written with another key ring: load it "
                    "(WDP_KEYRING or WDP_HOME/secrets/keyring.json, restored from backup); "
                    "nothing was written."
                ) from None
    return len(probes)
