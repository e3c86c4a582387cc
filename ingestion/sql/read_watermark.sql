-- The high-water mark of one source's last successful load (no row before the first load).
select watermark_at
from audit.load_watermarks
where source_name = %(source_name)s
