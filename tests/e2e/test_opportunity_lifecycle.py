"""A concierge's recorded actions reach `fct_opportunity_lifecycle` through the platform.

On the sliced world (already run once), a concierge app user created by the
real `wdp users add` signs in to the database as their own login role and
records, through the audited `concierge.record_opportunity_action`, that they
contacted one of their clients about an opportunity and then actioned it, with
a note. The lifecycle mart is rebuilt by `wdp run --select` (the staging view
of the actions and the mart) and must show that opportunity at the stage and
the times the database recorded. A concierge not assigned to the client is
refused, and records nothing.
"""

import datetime as dt

import psycopg2
import pytest
from psycopg2.extensions import make_dsn, parse_dsn

from analytics_app.auth.database_logins import app_users_passfile
from analytics_app.auth.session import user_store
from analytics_app.queries.concierge import NOTE_CONTEXT
from privacy import EnvelopeCipher, load_keyring
from tests.e2e.conftest import SlicedWorld, wdp
from warehouse_ddl import Warehouse

LIFECYCLE_AND_ITS_INPUT = (
    "key:staging/stg_concierge__opportunity_actions or key:marts/fct_opportunity_lifecycle"
)
RECORD = "select concierge.record_opportunity_action(%s, %s, %s, %s), now()"


def _add_concierge(user_name: str, concierge_id: str) -> psycopg2.extensions.connection:
    """`wdp users add`, sign in with the printed password, connect as the user's own login."""
    added = wdp("users", "add", user_name, "--role", "concierge", "--concierge-id", concierge_id)
    assert added.returncode == 0, added.stderr
    password = added.stdout.strip().rsplit(" ", 1)[-1]
    user = user_store().authenticate(user_name, password)
    assert user is not None and user.persona.value == "concierge"
    server = Warehouse.from_env()
    dsn = parse_dsn(server.role_url("wdp_analyst", "warehouse"))
    dsn.update(user=user.login_role, passfile=str(app_users_passfile(server.settings.home)))
    return psycopg2.connect(make_dsn(**dsn))


def test_recorded_actions_reach_the_lifecycle_mart(
    sliced_world: SlicedWorld, warehouse: Warehouse
) -> None:
    assert sliced_world.first_run.returncode == 0
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    try:
        with admin, admin.cursor() as cursor:
            # A client currently assigned to a concierge, with an opportunity raised today and
            # no action recorded yet; and a concierge who is not assigned to that client.
            cursor.execute(
                "select assignment.concierge_id, opportunity.client_key, "
                "opportunity.opportunity_type, opportunity.as_of_date "
                "from marts.fct_opportunities as opportunity "
                "join raw_app.concierge_assignments as assignment "
                "on assignment.client_key = opportunity.client_key "
                "and assignment.unassigned_at is null "
                "and assignment._deleted_in_source_at is null "
                "where not exists (select 1 from concierge.opportunity_actions as action "
                "where action.client_key = opportunity.client_key) "
                "order by opportunity.estimated_annual_benefit_usd desc nulls last, "
                "opportunity.client_key, opportunity.opportunity_type limit 1"
            )
            concierge_id, client_key, opportunity_type, as_of_date = cursor.fetchone()
            cursor.execute(
                "select concierge.concierge_id from raw_app.concierges as concierge "
                "where not exists (select 1 from raw_app.concierge_assignments as assignment "
                "where assignment.concierge_id = concierge.concierge_id "
                "and assignment.client_key = %s and assignment.unassigned_at is null) "
                "order by concierge.concierge_id limit 1",
                (client_key,),
            )
            (other_concierge_id,) = cursor.fetchone()
            cursor.execute(
                "select current_stage, contacted_at from marts.fct_opportunity_lifecycle "
                "where client_key = %s and opportunity_type = %s",
                (client_key, opportunity_type),
            )
            assert cursor.fetchall() == [("surfaced", None)]

        with pytest.MonkeyPatch.context() as patch:
            from orchestration.cli import app_environment

            for name, value in app_environment().items():
                patch.setenv(name, value)
            concierge = _add_concierge("e2e_lifecycle_con", concierge_id)
            outsider = _add_concierge("e2e_lifecycle_other", other_concierge_id)

        note = "Called the client; they moved the cash to the brokerage account."
        cipher = EnvelopeCipher(load_keyring(warehouse.settings.home))
        try:
            # Two transactions, as two clicks in the app: recorded_at is each one's now().
            with concierge, concierge.cursor() as cursor:
                cursor.execute(RECORD, (client_key, opportunity_type, "contacted", None))
                contacted_id, contacted_at = cursor.fetchone()
            with concierge, concierge.cursor() as cursor:
                cursor.execute(
                    RECORD,
                    (
                        client_key,
                        opportunity_type,
                        "actioned",
                        cipher.encrypt(note, NOTE_CONTEXT),
                    ),
                )
                actioned_id, actioned_at = cursor.fetchone()
            with outsider, outsider.cursor() as cursor:
                cursor.execute(RECORD, (client_key, opportunity_type, "dismissed", None))
                refused_id, _ = cursor.fetchone()
        finally:
            concierge.close()
            outsider.close()
        assert contacted_id is not None and actioned_id is not None
        assert refused_id is None
        assert contacted_at < actioned_at

        with admin, admin.cursor() as cursor:
            cursor.execute(
                "select opportunity_action, note_encrypted, recorded_by_role "
                "from concierge.opportunity_actions where client_key = %s "
                "order by opportunity_action_id",
                (client_key,),
            )
            recorded = cursor.fetchall()
            cursor.execute(
                "select client_key, was_allowed from audit.concierge_access_log "
                "where accessed_by_role = 'wdp_user_e2e_lifecycle_other' "
                "and access_kind = 'record_action'"
            )
            assert cursor.fetchall() == [(client_key, False)]
        assert [(action, role) for action, _, role in recorded] == [
            ("contacted", "wdp_user_e2e_lifecycle_con"),
            ("actioned", "wdp_user_e2e_lifecycle_con"),
        ]
        assert recorded[1][1] != note
        assert cipher.decrypt(recorded[1][1], NOTE_CONTEXT) == note

        rebuilt = wdp("run", "--select", LIFECYCLE_AND_ITS_INPUT)
        assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]

        with admin, admin.cursor() as cursor:
            cursor.execute(
                "select current_stage, surfaced_at, contacted_at, actioned_at, dismissed_at, "
                "is_currently_surfaced from marts.fct_opportunity_lifecycle "
                "where client_key = %s and opportunity_type = %s",
                (client_key, opportunity_type),
            )
            rows = cursor.fetchall()
        # Surfaced at the start of the as-of day, or at the first action if that is older.
        surfaced_at = min(dt.datetime.combine(as_of_date, dt.time(), tzinfo=dt.UTC), contacted_at)
        assert rows == [("actioned", surfaced_at, contacted_at, actioned_at, None, True)]
    finally:
        admin.close()
