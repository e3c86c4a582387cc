"""A few clients, assignments and app users in the session warehouse (removed afterwards).

The session warehouse is shared with the end-to-end tests, so everything here
uses its own ids (`it_…`) and deletes its rows at the end; the audit log is
append-only by design, so its rows stay (tests filter by their own logins).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection
from psycopg2.extensions import make_dsn, parse_dsn

from analytics_app.auth.database_logins import (
    app_users_passfile,
    new_password,
    provision_login_role,
    save_login_password,
)
from analytics_app.auth.personas import Persona, login_role_for
from analytics_app.auth.user_store import AppUser, UserStore, user_store_path
from privacy import EnvelopeCipher, ensure_local_keyring, load_keyring
from warehouse_ddl import Warehouse

CLIENTS = {
    # client_key: (first name, last name, email, phone, concierge now, concierge before)
    "ck_it_1": ("Ada", "Lovelace", "ada@example.com", "+1 415 555 0101", "con_it_a", None),
    "ck_it_2": ("Grace", "Hopper", "grace@example.com", "+1 415 555 0102", "con_it_a", None),
    "ck_it_3": ("Alan", "Turing", "alan@example.com", "+1 415 555 0103", "con_it_b", "con_it_a"),
    "ck_it_4": ("Édith", "Piaf", "edith@example.com", "+33 1 55 55 01 04", "con_it_b", None),
}
USERS = {
    "it_con_a": (Persona.CONCIERGE, "con_it_a"),
    "it_con_b": (Persona.CONCIERGE, "con_it_b"),
    "it_lead": (Persona.CONCIERGE_LEAD, None),
    "it_product": (Persona.PRODUCT, None),
    "it_marketing": (Persona.MARKETING, None),
    "it_engineer": (Persona.ENGINEER, None),
}


@dataclass(frozen=True)
class ConciergeWorld:
    warehouse: Warehouse
    cipher: EnvelopeCipher
    connect_as: Callable[[str], Connection]
    passwords: dict[str, str]

    def admin(self) -> Connection:
        return psycopg2.connect(self.warehouse.admin_url("warehouse"))

    def user(self, user_name: str) -> AppUser:
        persona, concierge_id = USERS[user_name]
        return AppUser(user_name, persona, login_role_for(user_name), concierge_id)


def _insert_clients(connection: Connection, cipher: EnvelopeCipher) -> None:
    with connection, connection.cursor() as cursor:
        for number, (key, (first, last, email, phone, now_id, before_id)) in enumerate(
            CLIENTS.items(), start=1
        ):
            client_id = f"it_client_{number}"
            sealed = {
                column: cipher.encrypt(value, f"raw_app.clients.{column}")
                for column, value in (
                    ("first_name", first),
                    ("last_name", last),
                    ("email", email),
                    ("phone", phone),
                    ("date_of_birth", "1980-01-01"),
                    ("ssn", "123-45-6789"),
                    ("street_address", "1 Main St"),
                    ("city", "Springfield"),
                    ("postal_code", "94105"),
                )
            }
            cursor.execute(
                "insert into raw_app.clients (client_id, client_key, first_name_encrypted, "
                "last_name_encrypted, email_encrypted, phone_encrypted, "
                "date_of_birth_encrypted, ssn_encrypted, ssn_last4, street_address_encrypted, "
                "city_encrypted, postal_code_encrypted, state, filing_status, signup_channel, "
                "created_at, updated_at, _load_id, _loaded_at) values (%s, %s, %s, %s, %s, %s, "
                "%s, %s, '6789', %s, %s, %s, 'CA', 'single', 'referral', now(), now(), "
                "gen_random_uuid(), now())",
                (
                    client_id,
                    key,
                    sealed["first_name"],
                    sealed["last_name"],
                    sealed["email"],
                    sealed["phone"],
                    sealed["date_of_birth"],
                    sealed["ssn"],
                    sealed["street_address"],
                    sealed["city"],
                    sealed["postal_code"],
                ),
            )
            assignments = [(f"it_asg_{number}_now", now_id, False)]
            if before_id:
                assignments.append((f"it_asg_{number}_before", before_id, True))
            for assignment_id, concierge_id, ended in assignments:
                cursor.execute(
                    "insert into raw_app.concierge_assignments (assignment_id, client_id, "
                    "client_key, concierge_id, assigned_at, unassigned_at, updated_at, "
                    "_load_id, _loaded_at) values (%s, %s, %s, %s, now() - interval '30 days', "
                    "case when %s then now() end, now(), gen_random_uuid(), now())",
                    (assignment_id, client_id, key, concierge_id, ended),
                )
            cursor.execute(
                "insert into raw_app.appointments (appointment_id, client_id, client_key, "
                "advisor_id, concierge_id, appointment_type, status, scheduled_for, "
                "duration_minutes, created_at, updated_at, _load_id, _loaded_at) values "
                "(%s, %s, %s, 'adv_it', %s, 'tax_planning', 'scheduled', "
                "now() + interval '3 days', 45, now(), now(), gen_random_uuid(), now())",
                (f"it_apt_{number}", client_id, key, now_id),
            )


def _delete_clients(connection: Connection) -> None:
    keys = list(CLIENTS)
    with connection, connection.cursor() as cursor:
        cursor.execute("delete from raw_app.appointments where client_key = any(%s)", (keys,))
        cursor.execute(
            "delete from raw_app.concierge_assignments where client_key = any(%s)", (keys,)
        )
        cursor.execute("delete from raw_app.clients where client_key = any(%s)", (keys,))
        cursor.execute(
            "delete from concierge.opportunity_actions where client_key = any(%s)", (keys,)
        )


@pytest.fixture(scope="session")
def concierge_world(warehouse: Warehouse) -> Iterator[ConciergeWorld]:
    home = warehouse.settings.home
    ensure_local_keyring(home)
    cipher = EnvelopeCipher(load_keyring(home))
    passfile = app_users_passfile(home)
    store = UserStore(user_store_path(home))
    passwords = {}
    for user_name, (persona, concierge_id) in USERS.items():
        passwords[user_name] = new_password()
        user = store.add(user_name, persona, passwords[user_name], concierge_id)
        database_password = new_password()
        provision_login_role(warehouse.admin_url("warehouse"), user, database_password)
        save_login_password(passfile, user.login_role, database_password)
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    _delete_clients(admin)
    _insert_clients(admin, cipher)
    base = parse_dsn(warehouse.role_url("wdp_analyst"))

    def connect_as(user_name: str) -> Connection:
        dsn = make_dsn(**{**base, "user": login_role_for(user_name), "passfile": str(passfile)})
        return psycopg2.connect(dsn)

    yield ConciergeWorld(warehouse, cipher, connect_as, passwords)
    _delete_clients(admin)
    admin.close()
