"""Masking helpers: the only clear-text fragments of identifiers we ever keep."""

from __future__ import annotations


def last4(identifier: str) -> str:
    """The last four digits of an SSN, TIN or account number ("" if it has fewer)."""
    digits = "".join(character for character in identifier if character.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""
