"""Postgres login roles of app users, and the 0600 passfile libpq reads their passwords from.

Run by the administrator (`wdp users add`, `wdp demo`), never by the app. Each
user gets `wdp_user_<name>`: LOGIN, no other attribute, member of exactly the
persona's group roles; a concierge is also mapped to the `concierge_id` whose
assignments row-level security lets them see. The generated password goes to
`WDP_HOME/secrets/app_users.pgpass`, a passfile of its own because the
platform's passfile is rewritten from its fixed list of service roles.
"""

from __future__ import annotations

import os
import secrets
from importlib.resources import files
from pathlib import Path

import psycopg2
from psycopg2 import sql

from analytics_app.auth.user_store import AppUser

APP_USERS_PASSFILE_NAME = "app_users.pgpass"


def app_users_passfile(home: Path) -> Path:
    return home / "secrets" / APP_USERS_PASSFILE_NAME


def new_password() -> str:
    # URL-safe: free of ':' and '\\', the passfile's separators.
    return secrets.token_urlsafe(24)


def save_login_password(passfile: Path, login_role: str, password: str) -> None:
    """Add or replace `login_role`'s line in the 0600 passfile."""
    lines = []
    if passfile.exists():
        lines = [
            line
            for line in passfile.read_text().splitlines()
            if line and line.split(":")[3:4] != [login_role]
        ]
    lines.append(f"*:*:*:{login_role}:{password}")
    passfile.parent.mkdir(parents=True, exist_ok=True)
    passfile.parent.chmod(0o700)
    temporary = passfile.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, passfile)


def provision_login_role(admin_url: str, user: AppUser, password: str) -> None:
    """Create or update the user's login role, its persona memberships and staff mapping."""
    statements = files("analytics_app").joinpath("sql/provision_login_role.sql").read_text()
    role = sql.Identifier(user.login_role)
    connection = psycopg2.connect(admin_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("select 1 from pg_roles where rolname = %s", (user.login_role,))
            verb = "alter" if cursor.fetchone() else "create"
            # Role DDL takes no bind parameters: identifiers and the password are quoted
            # client-side by psycopg2.sql, never pasted into the text.
            cursor.execute(
                sql.SQL(
                    "{} role {} login nosuperuser nocreatedb nocreaterole nobypassrls "
                    "inherit password {}"
                ).format(sql.SQL(verb), role, sql.Literal(password))
            )
            # Exactly the persona's roles: drop memberships a previous persona gave.
            cursor.execute(
                "select parent.rolname from pg_auth_members membership "
                "join pg_roles parent on parent.oid = membership.roleid "
                "join pg_roles member on member.oid = membership.member "
                "where member.rolname = %s",
                (user.login_role,),
            )
            for (granted,) in cursor.fetchall():
                if granted not in user.persona.database_roles:
                    cursor.execute(
                        sql.SQL("revoke {} from {}").format(sql.Identifier(granted), role)
                    )
            for group_role in user.persona.database_roles:
                cursor.execute(sql.SQL("grant {} to {}").format(sql.Identifier(group_role), role))
            cursor.execute(
                statements,
                {"login_role": user.login_role, "concierge_id": user.concierge_id},
            )
    finally:
        connection.close()
