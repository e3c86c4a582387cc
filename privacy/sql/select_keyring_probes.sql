-- A few stored values that only the warehouse's own key ring reproduces: client
-- ids with the client_key the loader computed (the pepper), and one e-mail token
-- per key id that encrypted one (the keys). Read before any run writes anything.
-- Malformed values are left to the data-quality checks, which name them.
(
    select
        'client_key' as probe_kind,
        client_id as probe_input,
        client_key as probe_expected
    from raw_app.clients
    where client_key ~ '^[0-9a-f]{64}$'
    order by client_id
    limit 3
)
union all
(
    select distinct on (split_part(email_encrypted, '.', 2))
        'token' as probe_kind,
        'raw_app.clients.email' as probe_input,
        email_encrypted as probe_expected
    from raw_app.clients
    where email_encrypted ~ '^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
    order by split_part(email_encrypted, '.', 2), client_id
)
