-- The version of one table's contents: every INSERT or UPDATE writes tuples with a
-- new transaction id (xmin), every DELETE lowers the count. Equal versions mean no
-- row was written since, by a loader or by anyone else.
select
    count(*) as row_count,
    coalesce(sum(xmin::text::bigint), 0) as xmin_sum,
    coalesce(max(xmin::text::bigint), 0) as xmin_max
from {table}
