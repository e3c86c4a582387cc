-- Encrypted identifiers of the clients the caller may see (row-level security);
-- the function logs the search. The text is passed only so its length and kind are logged.
select
    client_key,
    first_name_encrypted,
    last_name_encrypted,
    email_encrypted,
    phone_encrypted,
    state
from concierge.search_clients(:search_text)
