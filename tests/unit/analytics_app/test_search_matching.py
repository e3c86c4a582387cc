"""How the app matches a concierge's search against decrypted identifiers (in memory)."""

import pytest

from analytics_app.queries.concierge import matches_search

CLIENT = ("Édith Piaf", "edith.piaf@example.com", "+1 (415) 555-0104")


@pytest.mark.parametrize(
    "search_text",
    ["piaf", "ÉDITH", "edith piaf", "edith.piaf@", "EXAMPLE.COM", "555-0104", "4155550104", "0104"],
)
def test_part_of_the_name_email_or_phone_matches(search_text: str) -> None:
    assert matches_search(search_text, *CLIENT)


@pytest.mark.parametrize(
    "search_text",
    ["", "   ", "%", "_", "\\", "'; drop table raw_app.clients; --", "104", "piaff", "edith  p"],
)
def test_other_text_does_not_match(search_text: str) -> None:
    assert not matches_search(search_text, *CLIENT)
