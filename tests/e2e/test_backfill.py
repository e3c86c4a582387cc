"""A backfill of one past day through `wdp run --partition` reloads exactly that day."""

import psycopg2

from tests.e2e.conftest import SlicedWorld, wdp
from warehouse_ddl import Warehouse


def test_partition_run_reloads_one_day_of_events(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    event_files = sorted((sliced_world.world_dir / "events").glob("*.jsonl"))
    day = event_files[len(event_files) // 2].stem
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            cursor.execute("select count(*) from raw_events.events")
            (events_before,) = cursor.fetchone()
            # Lose that day's load, as a failed night would have.
            cursor.execute("delete from raw_events.events where _file_name = %s", (f"{day}.jsonl",))
            lost = cursor.rowcount
            cursor.execute(
                "delete from audit.event_file_loads where file_name = %s", (f"{day}.jsonl",)
            )
        assert lost > 0

        backfill = wdp("run", "--select", "key:raw_events/events", "--partition", day)
        assert backfill.returncode == 0, backfill.stderr[-2000:]

        with admin, admin.cursor() as cursor:
            cursor.execute("select count(*) from raw_events.events")
            assert cursor.fetchone() == (events_before,)
            cursor.execute(
                "select file_date::text, events_inserted from audit.event_file_loads "
                "where file_name = %s",
                (f"{day}.jsonl",),
            )
            assert cursor.fetchall() == [(day, lost)]
    finally:
        admin.close()
