"""Alerts: a pluggable notifier that always logs and posts to a webhook when configured.

`WDP_ALERT_WEBHOOK_URL` (read when an alert is sent) receives a JSON POST in the
shape Slack-compatible incoming webhooks accept (`text`) plus structured fields.
Alerts name runs, jobs, steps and checks, never client data: messages are built
from Dagster metadata only. A webhook that fails is logged, never raised, so an
alert can never fail the run that reports it.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Protocol

logger = logging.getLogger("wdp.alerts")


@dataclass(frozen=True)
class Alert:
    """Something a data engineer must look at (see docs/runbook.md for each kind)."""

    kind: str
    """`run_failed`, `blocking_check_failed` or `plaid_items_need_relink`."""
    summary: str
    run_id: str | None = None
    job_name: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        where = f" (job {self.job_name}, run {self.run_id})" if self.run_id else ""
        return f"[wdp] {self.kind}: {self.summary}{where}; see docs/runbook.md#{self.kind}"


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


class LogNotifier:
    """Writes the alert to the `wdp.alerts` log (always on)."""

    def send(self, alert: Alert) -> None:
        logger.error(alert.text())


class WebhookNotifier:
    """POSTs the alert as JSON to a webhook URL."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("WDP_ALERT_WEBHOOK_URL must be an http(s) URL")
        self._url = url
        self._timeout_s = timeout_s

    def send(self, alert: Alert) -> None:
        body = json.dumps({"text": alert.text(), **asdict(alert)}).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:  # noqa: S310
                response.read()
        except OSError as error:
            logger.error("alert webhook failed (%s); the alert was logged above", error)


def notifiers_from_env() -> list[Notifier]:
    notifiers: list[Notifier] = [LogNotifier()]
    webhook_url = os.environ.get("WDP_ALERT_WEBHOOK_URL")
    if webhook_url:
        notifiers.append(WebhookNotifier(webhook_url))
    return notifiers


def send_alert(alert: Alert, notifiers: list[Notifier] | None = None) -> None:
    for notifier in notifiers if notifiers is not None else notifiers_from_env():
        notifier.send(alert)
