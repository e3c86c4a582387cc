"""Alerts: always logged; posted to the webhook when one is configured; never fatal."""

import logging
from collections.abc import Iterator

import pytest

from orchestration.alerts import (
    Alert,
    LogNotifier,
    WebhookNotifier,
    notifiers_from_env,
    send_alert,
)
from orchestration.defs.operations import alert_for_failed_run
from tests.webhook_capture import capturing_webhook


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    with capturing_webhook() as url_and_received:
        yield url_and_received


ALERT = Alert(kind="run_failed", summary="step raw_app__clients failed", run_id="r1", job_name="j")


def test_log_notifier_logs_the_alert_with_its_runbook_anchor(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="wdp.alerts"):
        LogNotifier().send(ALERT)
    assert "run_failed: step raw_app__clients failed (job j, run r1)" in caplog.text
    assert "docs/runbook.md#run_failed" in caplog.text


def test_webhook_receives_json(webhook) -> None:
    url, received = webhook
    WebhookNotifier(url).send(ALERT)
    (payload,) = received
    assert payload["kind"] == "run_failed" and payload["run_id"] == "r1"
    assert payload["text"].startswith("[wdp] run_failed")


def test_unreachable_webhook_is_logged_not_raised(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="wdp.alerts"):
        WebhookNotifier("http://127.0.0.1:9/nowhere", timeout_s=1).send(ALERT)
    assert "alert webhook failed" in caplog.text


def test_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd")


def test_notifiers_follow_the_environment(monkeypatch, webhook) -> None:
    url, received = webhook
    monkeypatch.delenv("WDP_ALERT_WEBHOOK_URL", raising=False)
    assert [type(n) for n in notifiers_from_env()] == [LogNotifier]
    monkeypatch.setenv("WDP_ALERT_WEBHOOK_URL", url)
    send_alert(ALERT)
    assert len(received) == 1


def test_failed_run_alert_keeps_only_the_first_line() -> None:
    alert = alert_for_failed_run("r2", "nightly", "Execution failed.\nTraceback ...")
    assert alert.summary == "Execution failed." and alert.job_name == "nightly"
