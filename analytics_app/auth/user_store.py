"""The local user store: one 0600 JSON file of users with argon2id password hashes.

Used where there is no identity provider (the demo, tests, a laptop); in
production `st.login` (OIDC) signs people in and this file only maps their
e-mail to a persona and a database login. The file holds hashes, never
passwords; it lives under `WDP_HOME/secrets/`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics_app.auth.personas import Persona, check_user_name, login_role_for

USER_STORE_FILE_NAME = "app_users.json"


@dataclass(frozen=True)
class AppUser:
    """A signed-in person: never holds a password or any client data."""

    user_name: str
    persona: Persona
    login_role: str
    concierge_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class _StoredUser:
    user_name: str
    persona: str
    password_hash: str
    concierge_id: str | None = None
    email: str | None = None


def user_store_path(home: Path) -> Path:
    return home / "secrets" / USER_STORE_FILE_NAME


class UserStore:
    """Read and write the user file at `path` (created 0600 on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hasher = PasswordHasher()

    def users(self) -> list[AppUser]:
        return [self._as_app_user(stored) for stored in self._read().values()]

    def add(
        self,
        user_name: str,
        persona: Persona,
        password: str,
        concierge_id: str | None = None,
        email: str | None = None,
    ) -> AppUser:
        """Add or replace a user (a new password replaces the old hash)."""
        check_user_name(user_name)
        stored = self._read()
        stored[user_name] = _StoredUser(
            user_name, persona.value, self._hasher.hash(password), concierge_id, email
        )
        self._write(stored)
        return self._as_app_user(stored[user_name])

    def authenticate(self, user_name: str, password: str) -> AppUser | None:
        """The user if the password matches; None otherwise (same answer for unknown names)."""
        stored = self._read().get(user_name.strip().lower())
        if stored is None:
            # Spend the same work as a real check, so timing does not reveal user names.
            self._hasher.hash(password)
            return None
        try:
            self._hasher.verify(stored.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return self._as_app_user(stored)

    def find_by_email(self, email: str) -> AppUser | None:
        """The user an identity provider signed in (matched by e-mail, case-insensitive)."""
        wanted = email.strip().lower()
        for stored in self._read().values():
            if stored.email and stored.email.lower() == wanted:
                return self._as_app_user(stored)
        return None

    def _as_app_user(self, stored: _StoredUser) -> AppUser:
        return AppUser(
            user_name=stored.user_name,
            persona=Persona(stored.persona),
            login_role=login_role_for(stored.user_name),
            concierge_id=stored.concierge_id,
            email=stored.email,
        )

    def _read(self) -> dict[str, _StoredUser]:
        if not self.path.exists():
            return {}
        records = json.loads(self.path.read_text())
        return {record["user_name"]: _StoredUser(**record) for record in records}

    def _write(self, stored: dict[str, _StoredUser]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.parent.chmod(0o700)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as user_file:
            json.dump([asdict(user) for user in stored.values()], user_file, indent=2)
        os.replace(temporary, self.path)
