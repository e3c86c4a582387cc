"""Jobs and schedules that span every domain: the nightly job and its schedule.

The nightly run at 02:00 America/New_York loads the day that just ended (in New
York time) for every daily-partitioned source, then builds dbt with its checks;
unpartitioned assets (app database replication, dbt models) run once per run.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository

from warehouse_ddl.server import project_root

NIGHTLY_TIMEZONE = "America/New_York"
NIGHTLY_STEPS_AT_ONCE = 4
"""Steps of the nightly in processes at once: the four Plaid lanes (PLAID_POOLS) wait
on Plaid's limits most of the time, and the other sources fill the gaps."""


def step_processes_run_config(max_concurrent: int) -> dict:
    """Run config: each step in a process of its own, `max_concurrent` at once, forked
    from a server that has loaded and resolved the code location once
    (orchestration/step_process_preload.py; without it every step spent about 3 s
    and 185 MiB resolving it again, and without any preload importing it too)."""
    preload = {"preload_modules": ["orchestration.step_process_preload"]}
    return {
        "execution": {
            "config": {
                "multiprocess": {
                    "max_concurrent": max_concurrent,
                    "start_method": {"forkserver": preload},
                }
            }
        }
    }


def every_asset_job_in_other_processes() -> ReconstructableJob:
    """The job of every asset and check, as each step's process finds it again.

    `dagster.reconstructable` cannot rebuild the implicit asset job (its reserved
    name is refused outside a repository), so this points at the code location
    itself, as the daemon's run workers do.
    """
    repository = ReconstructableRepository.for_module(
        "orchestration.definitions", "defs", working_directory=str(project_root())
    )
    return repository.get_reconstructable_job("__ASSET_JOB")


nightly_job = dg.define_asset_job(
    name="nightly",
    # Partitioned by the shared DAILY_PARTITIONS of its daily assets (inferred).
    selection=dg.AssetSelection.all(),
    description="Every source for the day's partition, then dbt, with their checks.",
    # The daemon's runs (the schedule's, the UI's) get it as their default run config.
    config=step_processes_run_config(NIGHTLY_STEPS_AT_ONCE),
)


def nightly_partition_key(scheduled_for_utc) -> str:
    """The New York day that ended before the scheduled time (the day to load)."""
    local_day = scheduled_for_utc.astimezone(ZoneInfo(NIGHTLY_TIMEZONE)).date()
    return (local_day - timedelta(days=1)).isoformat()


@dg.schedule(
    name="nightly_schedule",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 New York: yesterday's partition of every source, then dbt.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = nightly_partition_key(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"nightly-{day}", partition_key=day)


defs = dg.Definitions(jobs=[nightly_job], schedules=[nightly_schedule])
