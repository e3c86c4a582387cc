"""Concierge queries: audited database functions, decryption in this process's memory only.

Nothing here is cached: each call goes to the database, which checks row-level
security and writes the audit row, and the decrypted identifiers exist only in
the session that asked for them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics_app.auth.session import wdp_home
from analytics_app.auth.user_store import AppUser
from analytics_app.queries.connections import call_audited
from privacy import EnvelopeCipher, load_keyring

NOTE_CONTEXT = "concierge.opportunity_actions.note"
OPPORTUNITY_ACTIONS = ("contacted", "actioned", "dismissed")
MIN_PHONE_DIGITS = 4


def _cipher() -> EnvelopeCipher:
    return EnvelopeCipher(load_keyring(wdp_home()))


def _normalized(text: str) -> str:
    # Accents and case do not matter: "edith" finds "Édith".
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    return bare.casefold().strip()


def _digits(text: str) -> str:
    return "".join(character for character in text if character.isdigit())


def matches_search(search_text: str, full_name: str, email: str, phone: str) -> bool:
    """Whether a client matches: part of the name or e-mail, or 4+ digits of the phone."""
    wanted = _normalized(search_text)
    if not wanted:
        return False
    if wanted in _normalized(full_name) or wanted in _normalized(email):
        return True
    digits = _digits(search_text)
    return len(digits) >= MIN_PHONE_DIGITS and digits in _digits(phone)


def search_clients(user: AppUser, search_text: str) -> pd.DataFrame:
    """Clients of this concierge matching `search_text`: key, name, e-mail, phone, state."""
    rows = call_audited(user, "concierge_search_clients.sql", {"search_text": search_text})
    cipher = _cipher()
    # A phone can only match a search with enough digits: otherwise it is decrypted
    # for the matches alone (a lead's search decrypts every client: 13 µs a field).
    phone_may_match = len(_digits(search_text)) >= MIN_PHONE_DIGITS
    found = []
    for row in rows:
        first = cipher.decrypt(row.first_name_encrypted, "raw_app.clients.first_name")
        last = cipher.decrypt(row.last_name_encrypted, "raw_app.clients.last_name")
        email = cipher.decrypt(row.email_encrypted, "raw_app.clients.email")
        phone = (
            cipher.decrypt(row.phone_encrypted, "raw_app.clients.phone") if phone_may_match else ""
        )
        full_name = f"{first} {last}"
        if matches_search(search_text, full_name, email, phone):
            if not phone_may_match:
                phone = cipher.decrypt(row.phone_encrypted, "raw_app.clients.phone")
            found.append((row.client_key, full_name, email, phone, row.state))
    return pd.DataFrame(found, columns=["client_key", "full_name", "email", "phone", "state"])


@dataclass(frozen=True)
class ClientSnapshot:
    """What a concierge sees of one client; a None section is not built yet."""

    client_key: str
    full_name: str
    email: str
    phone: str
    profile: dict[str, Any]
    balance_sheet_daily: pd.DataFrame | None
    accounts: pd.DataFrame | None
    holdings_daily: pd.DataFrame | None
    equity_vesting: pd.DataFrame | None
    documents: pd.DataFrame
    opportunities: pd.DataFrame | None
    advisor_matches: pd.DataFrame | None
    next_appointment: dict[str, Any] | None


def _frame(section: list[dict[str, Any]] | None) -> pd.DataFrame | None:
    return None if section is None else pd.DataFrame(section)


def client_snapshot(user: AppUser, client_key: str) -> ClientSnapshot | None:
    """The snapshot, or None if the database says this user may not see the client."""
    rows = call_audited(user, "concierge_client_snapshot.sql", {"client_key": client_key})
    snapshot = rows[0].snapshot if rows else None
    if snapshot is None:
        return None
    profile = snapshot["profile"]
    cipher = _cipher()
    first = cipher.decrypt(profile["first_name_encrypted"], "raw_app.clients.first_name")
    last = cipher.decrypt(profile["last_name_encrypted"], "raw_app.clients.last_name")
    return ClientSnapshot(
        client_key=client_key,
        full_name=f"{first} {last}",
        email=cipher.decrypt(profile["email_encrypted"], "raw_app.clients.email"),
        phone=cipher.decrypt(profile["phone_encrypted"], "raw_app.clients.phone"),
        profile={k: v for k, v in profile.items() if not k.endswith("_encrypted")},
        balance_sheet_daily=_frame(snapshot.get("balance_sheet_daily")),
        accounts=_frame(snapshot.get("accounts")),
        holdings_daily=_frame(snapshot.get("holdings_daily")),
        equity_vesting=_frame(snapshot.get("equity_vesting")),
        documents=pd.DataFrame(snapshot.get("documents") or []),
        opportunities=_frame(snapshot.get("opportunities")),
        advisor_matches=_frame(snapshot.get("advisor_matches")),
        next_appointment=snapshot.get("next_appointment"),
    )


def record_opportunity_action(
    user: AppUser, client_key: str, opportunity_type: str, action: str, note: str
) -> int | None:
    """Record the action; the note is encrypted here, before it leaves the app."""
    if action not in OPPORTUNITY_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(OPPORTUNITY_ACTIONS)}, not {action!r}")
    note_encrypted = _cipher().encrypt(note, NOTE_CONTEXT) if note.strip() else None
    rows = call_audited(
        user,
        "concierge_record_action.sql",
        {
            "client_key": client_key,
            "opportunity_type": opportunity_type,
            "opportunity_action": action,
            "note_encrypted": note_encrypted,
        },
    )
    return rows[0].opportunity_action_id if rows else None
