"""The Plaid items to load, read from `raw_app.plaid_items` with their tokens decrypted.

The app database's replica in the warehouse holds each access token as an
envelope token with the context `raw_app.plaid_items.access_token` (the one
`ingestion.app_db.replication` encrypts with). It is decrypted here, kept
only in the `PlaidItem` in memory for the duration of a load, and hidden from
`repr` so that a logged item or a traceback never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files

from psycopg2.extensions import connection as Connection

from privacy import EnvelopeCipher, Keyring

# The encryption context (not a secret): the column the app_db loader encrypted.
ACCESS_TOKEN_CONTEXT = "raw_app.plaid_items.access_token"  # noqa: S105


@dataclass(frozen=True)
class PlaidItem:
    """One linked institution of a client, ready to call Plaid with."""

    item_id: str
    client_id: str
    client_key: str
    institution_id: str
    institution_name: str
    products: frozenset[str]
    access_token: str = field(repr=False)


def read_active_items(connection: Connection, keyring: Keyring) -> list[PlaidItem]:
    """Items of the app that are not deleted, tokens decrypted in memory."""
    cipher = EnvelopeCipher(keyring)
    with connection.cursor() as cursor:
        cursor.execute(sql_text("select_active_items.sql"))
        rows = cursor.fetchall()
    connection.rollback()  # a read: end the transaction so no snapshot is held during API calls
    return [
        PlaidItem(
            item_id=item_id,
            client_id=client_id,
            client_key=client_key,
            institution_id=institution_id,
            institution_name=institution_name,
            products=frozenset(
                product.strip() for product in products.split(",") if product.strip()
            ),
            access_token=cipher.decrypt(token, ACCESS_TOKEN_CONTEXT),
        )
        for (item_id, client_id, client_key, institution_id, institution_name, token, products) in (
            rows
        )
    ]


def sql_text(file_name: str) -> str:
    return files("ingestion.plaid").joinpath("sql", file_name).read_text()
