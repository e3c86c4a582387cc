"""Quality gates: a sudden loss of raw rows blocks the marts and raises an alert."""

import psycopg2

from tests.e2e.conftest import SlicedWorld, wdp
from tests.webhook_capture import capturing_webhook
from warehouse_ddl import Warehouse


def _rows(warehouse: Warehouse, role_url: str, query: str) -> list[tuple]:
    with psycopg2.connect(role_url) as connection:
        cursor = connection.cursor()
        cursor.execute(query)
        return cursor.fetchall()


def test_ninety_percent_row_drop_blocks_the_marts_and_alerts(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    analyst = warehouse.role_url("wdp_analyst")
    marts_before = _rows(warehouse, analyst, "select client_key from marts.dim_clients order by 1")
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    with admin, admin.cursor() as cursor:
        # Keep the rows aside, then lose 90% of them, as a broken upstream would.
        cursor.execute("create table public.clients_kept_aside as select * from raw_app.clients")
        cursor.execute(
            "delete from raw_app.clients where client_id in (select client_id from "
            "raw_app.clients order by client_id offset (select count(*) / 10 from raw_app.clients))"
        )
    try:
        with capturing_webhook() as (webhook_url, alerts):
            blocked = wdp("run", env={"WDP_ALERT_WEBHOOK_URL": webhook_url})
        assert blocked.returncode == 1, blocked.stdout[-2000:]
        assert "expect_table_row_count_to_be_between" in blocked.stderr
        assert [alert["kind"] for alert in alerts] == ["blocking_check_failed"]
        marts_after = _rows(
            warehouse, analyst, "select client_key from marts.dim_clients order by 1"
        )
        assert marts_after == marts_before, "the marts keep their last good version"
    finally:
        with admin, admin.cursor() as cursor:
            cursor.execute(
                "insert into raw_app.clients select * from public.clients_kept_aside "
                "on conflict (client_id) do nothing"
            )
            cursor.execute("drop table public.clients_kept_aside")
        admin.close()
