"""A whole platform in a throwaway WDP_HOME: the subject of the nightly benchmark and the drills.

`ThrowawayPlatform` gives one private `WDP_HOME` and a free port for the
embedded Postgres, and runs the real `wdp` command line in subprocesses against
it (`wdp sandbox build`, `wdp run`, ...), exactly as an operator would. Each
`wdp` call is measured: wall time, the peak resident memory of its whole
process tree (psutil, sampled), and for `wdp run` the Dagster run id, whose
event log (in the platform's `dagster` database) gives the time of every step.

Nothing of the caller's environment leaks in: `WDP_DATABASE_URL`, `PLAID_*`,
`WDP_LANDING_URL`, `WDP_KEYRING` and the alert URL are removed unless a call
passes them explicitly. The server is stopped and the folder removed on exit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg2

from warehouse_ddl import Warehouse, upgrade
from warehouse_ddl.settings import WarehouseSettings

WDP = str(Path(sys.executable).with_name("wdp"))
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_SCRUBBED = (
    "WDP_DATABASE_URL",
    "WDP_APP_DATABASE_URL",
    "WDP_EVENTS_URL",
    "WDP_LANDING_URL",
    "WDP_KEYRING",
    "WDP_ALERT_WEBHOOK_URL",
    "PLAID_ENV",
    "PLAID_HOST",
    "PLAID_CLIENT_ID",
    "PLAID_SECRET",
    "DAGSTER_HOME",
)
_RUN_LINE = re.compile(r"^run (?P<run_id>[0-9a-f-]{36}): ", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class CommandOutcome:
    """One measured `wdp` call."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_rss_bytes: int
    """Peak of the summed RSS of the process and all its descendants (sampled every 0.2 s)."""
    postgres_peak_pss_bytes: int = 0
    """Peak of the summed PSS of the embedded Postgres server's processes during the call."""
    peak_at: dt.datetime | None = None
    """When the run tree's peak was sampled (UTC): which steps ran then is in the event log."""
    peak_processes: tuple[tuple[str, int], ...] = ()
    """The run tree's largest processes at its peak: (what it is, bytes), largest first."""

    @property
    def run_id(self) -> str | None:
        match = _RUN_LINE.search(self.stdout)
        return match.group("run_id") if match else None

    def explain(self) -> str:
        return f"wdp {' '.join(self.argv)} -> {self.returncode}\n{self.stderr[-3000:]}"


class ProcessTreeSampler:
    """Samples the memory of a process and its descendants in a thread; keeps the peak.

    `proportional=True` sums PSS instead of RSS: right for Postgres, whose backends
    share the buffer pool (summed RSS would count it once per backend).
    """

    def __init__(self, pid: int, interval_s: float = 0.2, proportional: bool = False) -> None:
        self._root = psutil.Process(pid)
        self._interval_s = interval_s
        self._proportional = proportional
        self._stop = threading.Event()
        self.peak_rss_bytes = 0
        self.peak_at: dt.datetime | None = None
        self.peak_processes: tuple[tuple[str, int], ...] = ()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ProcessTreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                processes = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            sizes: list[tuple[str, int]] = []
            for process in processes:
                try:
                    if self._proportional:
                        size = process.memory_full_info().pss
                    else:
                        size = process.memory_info().rss
                    sizes.append((_process_label(process), size))
                except psutil.Error:
                    continue
            total = sum(size for _, size in sizes)
            if total > self.peak_rss_bytes:
                # Kept so a missed memory target can be traced to its processes and steps.
                self.peak_rss_bytes = total
                self.peak_at = dt.datetime.now(dt.UTC)
                self.peak_processes = tuple(sorted(sizes, key=lambda pair: -pair[1])[:_PEAK_TOP])
            self._stop.wait(self._interval_s)


_PEAK_TOP = 8


def _process_label(process: psutil.Process) -> str:
    """A short name for a process of the run tree: `pid command args...` cut to 80 characters.

    Dagster's step processes are forked from a forkserver and share its command
    line; the steps running at the peak come from the event log instead.
    """
    try:
        command = " ".join(
            Path(part).name if i == 0 else part for i, part in enumerate(process.cmdline())
        )
    except psutil.Error:
        command = "?"
    return f"{process.pid} {command}"[:80]


@dataclass
class ThrowawayPlatform:
    """A private WDP_HOME + embedded Postgres port; `wdp` subprocesses run against it."""

    home: Path
    port: int
    base_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    @contextmanager
    def create(cls, prefix: str = "wdp-throwaway-") -> Iterator[ThrowawayPlatform]:
        home = Path(tempfile.mkdtemp(prefix=prefix))
        # As root the server runs as another OS user, which must traverse the folder.
        home.chmod(0o755)
        environment = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        port = free_port()
        environment.update(WDP_HOME=str(home), WDP_PG_PORT=str(port))
        platform = cls(home=home, port=port, base_env=environment)
        try:
            yield platform
        finally:
            try:
                platform.warehouse.stop()
            finally:
                shutil.rmtree(home, ignore_errors=True)

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(
            WarehouseSettings(home=self.home, external_admin_url=None, pg_port=self.port)
        )

    @property
    def world_dir(self) -> Path:
        return self.home / "sandbox"

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**self.base_env, **(extra or {})}

    def wdp(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout_s: float = 3600,
        file_size_limit_bytes: int | None = None,
    ) -> CommandOutcome:
        """Run `wdp ARGS` to the end, measuring wall time and peak memory of its tree."""
        postgres_pid = self.postgres_pid()
        postgres = (
            ProcessTreeSampler(postgres_pid, interval_s=1.0, proportional=True)
            if postgres_pid and psutil.pid_exists(postgres_pid)
            else None
        )
        started = time.perf_counter()
        process = self.start_wdp(*args, env=env, file_size_limit_bytes=file_size_limit_bytes)
        # PSS: the steps of `wdp run --processes` are forked from one server
        # process and share its pages, which summed RSS would count once per step.
        run_tree = ProcessTreeSampler(process.pid, proportional=True)
        with run_tree as sampler, postgres or nullcontext():
            try:
                stdout, stderr = process.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
                stderr += f"\n(killed by the harness after {timeout_s} s)"
        return CommandOutcome(
            argv=args,
            returncode=process.returncode,
            stdout=stdout,
            stderr=stderr,
            wall_s=time.perf_counter() - started,
            peak_rss_bytes=sampler.peak_rss_bytes,
            postgres_peak_pss_bytes=postgres.peak_rss_bytes if postgres else 0,
            peak_at=sampler.peak_at,
            peak_processes=sampler.peak_processes,
        )

    def start_wdp(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        file_size_limit_bytes: int | None = None,
    ) -> subprocess.Popen:
        """Start `wdp ARGS` in its own process group (so a drill can kill the whole tree).

        `file_size_limit_bytes` sets RLIMIT_FSIZE in the child: a write past it
        fails with EFBIG (Python ignores SIGXFSZ), like a full disk for big files.
        """

        def limit_file_size() -> None:
            if file_size_limit_bytes is not None:
                resource.setrlimit(
                    resource.RLIMIT_FSIZE, (file_size_limit_bytes, file_size_limit_bytes)
                )

        return subprocess.Popen(
            [WDP, *args],
            env=self.environment(env),
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=limit_file_size if file_size_limit_bytes is not None else None,
        )

    # -- reading the platform's databases ----------------------------------------------------

    @contextmanager
    def plaid_stand_in(self, faults: str = "") -> Iterator[PlaidStandIn]:
        """`wdp sandbox plaid` over this platform's world in a process of its own, until exit.

        Its CPU is then not counted in the `wdp run` tree, as a real Plaid's is not.
        """
        port = free_port()
        process = subprocess.Popen(
            [
                WDP,
                "sandbox",
                "plaid",
                "--port",
                str(port),
                *(["--faults", faults] if faults else []),
            ],
            env=self.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        stand_in = PlaidStandIn(f"http://127.0.0.1:{port}", process)
        try:
            stand_in.wait_until_healthy()
            yield stand_in
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def query(self, sql: str, parameters: tuple = (), database: str = "warehouse") -> list[tuple]:
        connection = psycopg2.connect(self.warehouse.admin_url(database))
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def execute(self, sql: str, parameters: tuple = (), database: str = "warehouse") -> int:
        connection = psycopg2.connect(self.warehouse.admin_url(database))
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.rowcount
        finally:
            connection.close()

    def postgres_pid(self) -> int | None:
        """The postmaster of the embedded server (first line of postmaster.pid), if it runs."""
        pid_file = self.warehouse.embedded.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _step_events(self, run_id: str) -> list[tuple]:
        """(step key, STEP_START / STEP_SUCCESS / STEP_FAILURE, naive UTC time) in order."""
        return self.query(
            "select step_key, dagster_event_type, timestamp from event_logs "
            "where run_id = %s and dagster_event_type in "
            "('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE') and step_key is not null "
            "order by id",
            (run_id,),
            database="dagster",
        )

    def step_durations_s(self, run_id: str) -> dict[str, float]:
        """Seconds per Dagster step of a run, from STEP_START to its success or failure."""
        started: dict[str, object] = {}
        durations: dict[str, float] = {}
        for step_key, event_type, timestamp in self._step_events(run_id):
            if event_type == "STEP_START":
                started[step_key] = timestamp
            elif step_key in started:
                elapsed = (timestamp - started.pop(step_key)).total_seconds()
                durations[step_key] = durations.get(step_key, 0.0) + elapsed
        return durations

    def steps_running_at(self, run_id: str, moment: dt.datetime) -> list[str]:
        """The run's steps that had started and not yet ended at `moment` (UTC)."""
        return steps_running_at(self._step_events(run_id), moment)

    def run_succeeded(self, run_id: str) -> bool:
        rows = self.query(
            "select status from runs where run_id = %s", (run_id,), database="dagster"
        )
        return bool(rows) and rows[0][0] == "SUCCESS"


def steps_running_at(step_events: Iterable[tuple], moment: dt.datetime) -> list[str]:
    """Steps started and not yet ended at `moment`, from (step, event type, time) rows.

    Dagster's event log keeps UTC times without a zone; events of steps in
    several processes may be stored a little out of time order, so every row is read.
    """
    naive_moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    running: dict[str, None] = {}
    for step_key, event_type, timestamp in step_events:
        if timestamp > naive_moment:
            continue
        if event_type == "STEP_START":
            running[step_key] = None
        else:
            running.pop(step_key, None)
    return list(running)


STAGES = ("plaid", "documents", "app db", "events", "dbt", "checks", "other")


def stage_of_step(step_key: str) -> str:
    """The pipeline stage a Dagster step belongs to, from its step key.

    Asset steps are named after their asset key (`raw_plaid__balances` ...);
    the Great Expectations suites are separate asset-check steps (`*gx*`), the
    dbt models and their tests run in the dbt multi-asset steps.
    """
    key = step_key.lower()
    if "gx" in key or "expectation" in key or key.endswith("_check"):
        return "checks"
    if "plaid" in key:
        return "plaid"
    if "document" in key:
        return "documents"
    if "raw_app" in key or "app_db" in key:
        return "app db"
    if "event" in key:
        return "events"
    if "dbt" in key:
        return "dbt"
    return "other"


def stage_durations_s(step_durations: Mapping[str, float]) -> dict[str, float]:
    totals = dict.fromkeys(STAGES, 0.0)
    for step_key, seconds in step_durations.items():
        totals[stage_of_step(step_key)] += seconds
    return totals


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, live and already reaped.

    Postgres's postmaster reaps its backends, so its `children_*` times include
    the connections that have already closed.
    """
    try:
        root = psutil.Process(pid)
        times = root.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in root.children(recursive=True):
            with suppress(psutil.Error):
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
        return total
    except psutil.Error:
        return 0.0


@contextmanager
def throwaway_warehouse(prefix: str = "wdp-bench-") -> Iterator[tuple[Warehouse, Path]]:
    """A migrated embedded warehouse in a temporary WDP_HOME on a free port, removed after.

    For benchmarks that call the library in process rather than the `wdp`
    command line: the environment points at the throwaway home while the
    context is open and is restored after.
    """
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)  # the embedded server's OS user (as root) must reach its data
    names = ("WDP_HOME", "WDP_PG_PORT", "WDP_DATABASE_URL")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(WDP_HOME=str(home), WDP_PG_PORT=str(free_port()))
    os.environ.pop("WDP_DATABASE_URL", None)
    server = Warehouse.from_env()
    try:
        server.start()
        upgrade(server)
        yield server, home
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class PlaidStandIn:
    """A running `wdp sandbox plaid`: its URL, the settings that point `wdp run` at it, faults."""

    url: str
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        # The offline server accepts any non-empty credentials.
        return {"PLAID_HOST": self.url, "PLAID_CLIENT_ID": "stand-in", "PLAID_SECRET": "stand-in"}

    def wait_until_healthy(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"wdp sandbox plaid exited: {self.process.stderr.read()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError("the Plaid stand-in did not answer /health")

    def set_faults(self, faults: str) -> None:
        credentials = {"client_id": "stand-in", "secret": "stand-in"}
        body = json.dumps({**credentials, "faults": faults}).encode()
        request = urllib.request.Request(  # noqa: S310 - the local stand-in
            f"{self.url}/sandbox/faults/set",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
