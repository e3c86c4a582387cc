"""Operations: the run-failure sensor that alerts through `orchestration.alerts`."""

import dagster as dg

from orchestration.alerts import Alert, send_alert


def alert_for_failed_run(run_id: str, job_name: str, failure_message: str | None) -> Alert:
    return Alert(
        kind="run_failed",
        summary=(failure_message or "the run failed").splitlines()[0][:300],
        run_id=run_id,
        job_name=job_name,
    )


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    description="Alerts (log, and WDP_ALERT_WEBHOOK_URL when set) on every failed run.",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    send_alert(
        alert_for_failed_run(
            context.dagster_run.run_id,
            context.dagster_run.job_name,
            context.failure_event.message,
        )
    )


defs = dg.Definitions(sensors=[alert_on_run_failure])
