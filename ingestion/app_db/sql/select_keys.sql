-- Every key of one source table, to detect rows deleted in the source. The
-- identifiers are filled in with psycopg2.sql from the table's spec, never from input.
select {key_column}
from {source_table}
