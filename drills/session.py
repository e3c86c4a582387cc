"""The platform the drills break: one throwaway platform, its clean run, alerts and a Plaid.

`DrillSession.start(clients)` builds a sandbox world in a throwaway WDP_HOME
(bench.throwaway_platform), keeps a pristine copy of the landing area (the run
archives and removes landed files), runs the nightly once with no fault and
records the result as the reference: the row ledger, the marts' fingerprint and
the truth check. Every drill then runs real `wdp run` subprocesses against the
same platform and is compared with that reference.

Alerts go to a local capture server (`WDP_ALERT_WEBHOOK_URL`); faults come from a
real `wdp sandbox plaid --faults SPEC` server process named by `PLAID_HOST`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from bench.throwaway_platform import (
    CommandOutcome,
    PlaidStandIn,
    ThrowawayPlatform,
)
from drills.ledger import RowLedger, marts_fingerprint, truth_rows_missing

AS_OF = "2026-11-20"
SEED = 7


class AlertInbox:
    """A local HTTP endpoint recording the JSON alerts POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        inbox = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                inbox.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/alerts"

    def kinds_since(self, mark: int) -> list[str]:
        return [alert.get("kind", "?") for alert in self.received[mark:]]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class DrillSession:
    platform: ThrowawayPlatform
    clients: int
    inbox: AlertInbox
    reference: RowLedger | None = None
    reference_marts: dict[str, str] = field(default_factory=dict)
    reference_truth_missing: dict[str, int] = field(default_factory=dict)
    clean_run: CommandOutcome | None = None

    @classmethod
    @contextmanager
    def start(cls, clients: int, progress=print) -> Iterator[DrillSession]:
        inbox = AlertInbox()
        try:
            with ThrowawayPlatform.create(prefix="wdp-drills-") as platform:
                session = cls(platform=platform, clients=clients, inbox=inbox)
                session._prepare(progress)
                yield session
        finally:
            inbox.close()

    def _prepare(self, progress) -> None:
        progress(f"drills: building a {self.clients}-client world ...")
        built = self.platform.wdp(
            "sandbox", "build", "--clients", str(self.clients), "--seed", str(SEED),
            "--as-of", AS_OF,
        )  # fmt: skip
        if built.returncode != 0:
            raise RuntimeError(built.explain())
        shutil.copytree(self.landing_dir, self.pristine_landing_dir)
        progress("drills: clean reference run ...")
        self.clean_run = self.wdp_run()
        if self.clean_run.returncode != 0:
            raise RuntimeError("the clean reference run failed:\n" + self.clean_run.explain())
        self.reference = RowLedger.read(self.platform)
        self.reference_marts = marts_fingerprint(self.platform)
        self.reference_truth_missing = truth_rows_missing(self.platform)

    # -- places --------------------------------------------------------------------------------

    @property
    def landing_dir(self) -> Path:
        return self.platform.world_dir / "documents" / "landing"

    @property
    def pristine_landing_dir(self) -> Path:
        return self.platform.home / "drills" / "pristine-landing"

    @property
    def archive_dir(self) -> Path:
        return self.platform.home / "documents" / "archive"

    # -- running -------------------------------------------------------------------------------

    def wdp_run(self, *args: str, env: dict[str, str] | None = None) -> CommandOutcome:
        return self.platform.wdp(
            "run", *args, env={"WDP_ALERT_WEBHOOK_URL": self.inbox.url, **(env or {})}
        )

    def start_wdp_run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return self.platform.start_wdp(
            "run", *args, env={"WDP_ALERT_WEBHOOK_URL": self.inbox.url, **(env or {})}
        )

    def ledger(self) -> RowLedger:
        return RowLedger.read(self.platform)

    def wait_for_step(self, process: subprocess.Popen, pattern: str, timeout_s: float) -> str:
        """Wait until a step whose key contains `pattern` has started in the newest run."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the run ended (exit {process.returncode}) before {pattern}")
            rows = self.platform.query(
                "select step_key from event_logs where dagster_event_type = 'STEP_START' "
                "and run_id = (select run_id from runs order by create_timestamp desc limit 1) "
                "and step_key like %s",
                (f"%{pattern}%",),
                database="dagster",
            )
            if rows:
                return rows[0][0]
            time.sleep(0.5)
        raise TimeoutError(f"no step matching {pattern} started within {timeout_s} s")

    # -- a real Plaid stand-in with faults -----------------------------------------------------

    def faulty_plaid(self, faults: str) -> AbstractContextManager[PlaidStandIn]:
        return self.platform.plaid_stand_in(faults)
