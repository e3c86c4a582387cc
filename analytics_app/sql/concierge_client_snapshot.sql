-- One client's snapshot (null if the caller may not see the client); audited by the function.
select concierge.client_snapshot(:client_key) as snapshot
