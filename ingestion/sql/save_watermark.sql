-- Saved in the transaction that writes the data, so data and mark move together.
insert into audit.load_watermarks (source_name, watermark_at, load_id, saved_at)
values (%(source_name)s, %(watermark_at)s, %(load_id)s, %(saved_at)s)
on conflict (source_name) do update
set
    watermark_at = excluded.watermark_at,
    load_id = excluded.load_id,
    saved_at = excluded.saved_at
