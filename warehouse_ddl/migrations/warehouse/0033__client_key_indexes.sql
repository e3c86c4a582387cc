-- Indexes on client_key where the concierge functions read one client's rows
-- (concierge.client_snapshot, concierge.caller_may_see behind row-level
-- security): without them each snapshot scans every client's documents,
-- appointments and assignments.
-- depends: 0031__concierge_access_layer

set local role wdp_owner;

create index if not exists files_client_key_idx on raw_documents.files (client_key);
create index if not exists appointments_client_key_idx on raw_app.appointments (client_key);
create index if not exists concierge_assignments_client_key_idx
on raw_app.concierge_assignments (client_key);

reset role;
