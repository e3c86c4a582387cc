-- The record of one event file load; written in the transaction of its events.
insert into audit.event_file_loads (
    file_name, file_sha256, file_date, lines_read, events_inserted, events_duplicate,
    lines_quarantined, load_id, loaded_at
)
values (
    %(file_name)s, %(file_sha256)s, %(file_date)s, %(lines_read)s, %(events_inserted)s,
    %(events_duplicate)s, %(lines_quarantined)s, %(load_id)s, %(loaded_at)s
)
on conflict (file_name, file_sha256) do update
set
    lines_read = excluded.lines_read,
    events_inserted = excluded.events_inserted,
    events_duplicate = excluded.events_duplicate,
    lines_quarantined = excluded.lines_quarantined,
    load_id = excluded.load_id,
    loaded_at = excluded.loaded_at
