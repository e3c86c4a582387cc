"""The fault drills: each breaks the running platform one way and counts what survived.

Every drill starts from the reference state of the session (its precondition
is checked, not assumed), breaks something with the real tools — a faulty
Plaid server process, `kill -9` of the run's process group, `pg_ctl stop` of
the warehouse mid-run, a full file system under the archive, bad files in the
landing area, a corrupted raw row — and then lets the platform do what it
does in production: the next `wdp run`. The result says whether the run
finished, how many rows were lost or duplicated against the clean run (and
against the sandbox truth), and whether the alert that should fire did.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from drills.ledger import marts_fingerprint, truth_rows_missing
from drills.session import DrillSession
from warehouse_ddl import WarehouseError

PLAID_SELECTION = "group:plaid"
DOCUMENTS_SELECTION = "group:documents"
RUN_TIMEOUT_S = 3600


@dataclass
class DrillResult:
    name: str
    fault: str
    finished: str
    rows_lost: int | None
    rows_duplicated: int | None
    alert_expected: str
    alerts_fired: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def alert_ok(self) -> bool:
        expected = [] if self.alert_expected == "none" else self.alert_expected.split(" or ")
        if not expected:
            return not self.alerts_fired
        return bool(self.alerts_fired) and all(kind in expected for kind in self.alerts_fired)

    @property
    def passed(self) -> bool:
        return self.rows_lost == 0 and self.rows_duplicated == 0 and self.alert_ok


class DrillSkipped(RuntimeError):
    """The platform was not at its reference state when the drill was due."""


def _check_precondition(session: DrillSession) -> None:
    difference = session.ledger().compare_with(session.reference)
    if difference.rows_lost or difference.rows_duplicated:
        raise DrillSkipped(f"platform not at its reference state: {difference.describe()}")


def _truncate_schema(session: DrillSession, schema: str) -> None:
    tables = session.platform.query(
        "select format('%%I.%%I', table_schema, table_name) from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE'",
        (schema,),
    )
    session.platform.execute(f"truncate {', '.join(name for (name,) in tables)}")


def _finished(outcome) -> str:
    return "yes" if outcome.returncode == 0 else f"no (exit {outcome.returncode})"


def _expected_for(outcome) -> str:
    return "none" if outcome.returncode == 0 else "run_failed or blocking_check_failed"


def _truth_notes(session: DrillSession) -> list[str]:
    missing = truth_rows_missing(session.platform)
    regressions = {
        what: count
        for what, count in missing.items()
        if count > session.reference_truth_missing.get(what, 0)
    }
    notes = [f"truth rows missing vs clean run: {regressions}"] if regressions else []
    if any(session.reference_truth_missing.values()):
        notes.append(f"truth rows missing in the clean run too: {session.reference_truth_missing}")
    return notes


# -- Plaid faults ---------------------------------------------------------------------------------


def plaid_fault_drill(name: str, faults: str, description: str) -> Callable:
    def drill(session: DrillSession) -> DrillResult:
        _check_precondition(session)
        _truncate_schema(session, "raw_plaid")
        mark = len(session.inbox.received)
        notes = []
        with session.faulty_plaid(faults) as plaid:
            faulty = session.wdp_run("--select", PLAID_SELECTION, env=plaid.env)
            after_fault = session.ledger().compare_with(session.reference, ["raw_plaid"])
            alerts = session.inbox.kinds_since(mark)
            notes.append(
                f"faulty run {faulty.wall_s:.0f} s; rows missing right after it: "
                f"{after_fault.rows_lost}"
            )
            if after_fault.rows_lost:
                # What production does next: the next run, with Plaid healthy again.
                plaid.set_faults("")
                recovery = session.wdp_run("--select", PLAID_SELECTION, env=plaid.env)
                notes.append(f"next run without faults: {_finished(recovery)}")
        difference = session.ledger().compare_with(session.reference, ["raw_plaid"])
        if difference.rows_lost or difference.rows_duplicated:
            notes.append(difference.describe())
        return DrillResult(
            name=name,
            fault=description,
            finished=_finished(faulty),
            rows_lost=difference.rows_lost,
            rows_duplicated=difference.rows_duplicated,
            alert_expected=_expected_for(faulty),
            alerts_fired=alerts,
            notes=notes + _truth_notes(session),
        )

    drill.__name__ = name
    return drill


# -- process and server faults ---------------------------------------------------------------------


def kill_9_mid_load(session: DrillSession) -> DrillResult:
    _check_precondition(session)
    _truncate_schema(session, "raw_plaid")
    mark = len(session.inbox.received)
    process = session.start_wdp_run()
    notes = []
    try:
        step = session.wait_for_step(process, "raw_plaid", timeout_s=RUN_TIMEOUT_S)
        time.sleep(3)  # well inside the load: items are being fetched and written
        os.killpg(process.pid, signal.SIGKILL)
        notes.append(f"killed during step {step}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    missing = session.ledger().compare_with(session.reference, ["raw_plaid"]).rows_lost
    notes.append(f"raw_plaid rows missing after the kill: {missing}")
    rerun = session.wdp_run()
    difference = session.ledger().compare_with(session.reference)
    if difference.rows_lost or difference.rows_duplicated:
        notes.append(difference.describe())
    return DrillResult(
        name="kill_9_mid_load",
        fault="kill -9 of `wdp run` (whole process group) during a Plaid step, then rerun",
        finished=f"killed; rerun {_finished(rerun)}",
        rows_lost=difference.rows_lost,
        rows_duplicated=difference.rows_duplicated,
        alert_expected=_expected_for(rerun),
        alerts_fired=session.inbox.kinds_since(mark),
        notes=[
            *notes,
            "a killed process cannot alert; in production run monitoring marks it failed",
            *_truth_notes(session),
        ],
    )


def _start_when_port_is_free(session: DrillSession, timeout_s: float = 120) -> None:
    """Start the warehouse again; the old postmaster may hold its port for a few seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            session.platform.warehouse.start()
            return
        except WarehouseError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def postgres_restart_mid_run(session: DrillSession) -> DrillResult:
    _check_precondition(session)
    _truncate_schema(session, "raw_plaid")
    mark = len(session.inbox.received)
    process = session.start_wdp_run()
    notes = []
    try:
        step = session.wait_for_step(process, "raw_plaid", timeout_s=RUN_TIMEOUT_S)
        time.sleep(2)
        server = session.platform.warehouse
        server.stop()
        _start_when_port_is_free(session)
        notes.append(f"warehouse stopped (fast) and started during step {step}")
        process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    first = process.returncode
    alerts = session.inbox.kinds_since(mark)
    expected = "none" if first == 0 else "run_failed or blocking_check_failed"
    finished = "yes" if first == 0 else f"no (exit {first})"
    if first != 0:
        rerun = session.wdp_run()
        finished += f"; rerun {_finished(rerun)}"
        if _finished(rerun) != "yes":
            expected = "run_failed or blocking_check_failed"
    difference = session.ledger().compare_with(session.reference)
    if difference.rows_lost or difference.rows_duplicated:
        notes.append(difference.describe())
    return DrillResult(
        name="postgres_restart_mid_run",
        fault="the warehouse's Postgres stopped and restarted during a Plaid step",
        finished=finished,
        rows_lost=difference.rows_lost,
        rows_duplicated=difference.rows_duplicated,
        alert_expected=expected,
        alerts_fired=alerts if first != 0 else session.inbox.kinds_since(mark),
        notes=notes + _truth_notes(session),
    )


# -- documents ------------------------------------------------------------------------------


def _reset_documents(session: DrillSession) -> None:
    """Documents as before their first load: tables empty, archive empty, files landed."""
    _truncate_schema(session, "raw_documents")
    session.platform.execute(
        "delete from quarantine.rejected_records where source_name = 'documents'"
    )
    shutil.rmtree(session.archive_dir, ignore_errors=True)
    session.archive_dir.mkdir(parents=True)
    for landed in session.pristine_landing_dir.iterdir():
        shutil.copy2(landed, session.landing_dir / landed.name)


def _mount_tiny_filesystem(folder: Path, size_kib: int) -> bool:
    if os.geteuid() != 0:
        return False
    completed = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


def archive_disk_full(session: DrillSession) -> DrillResult:
    _check_precondition(session)
    _reset_documents(session)
    landed = len(list(session.landing_dir.iterdir()))
    mark = len(session.inbox.received)
    notes = []
    # Half of what is landed: the disk must fill part-way through the load (a fixed
    # 48 KiB held a whole 6-client world's archive, and nothing failed).
    landed_kib = sum(path.stat().st_size for path in session.landing_dir.iterdir()) // 1024
    size_kib = max(4, landed_kib // 2)
    mounted = _mount_tiny_filesystem(session.archive_dir, size_kib=size_kib)
    limit = None if mounted else 4096
    notes.append(
        f"archive on a {size_kib} KiB tmpfs ({landed_kib} KiB landed)"
        if mounted
        else "archive writes limited by RLIMIT_FSIZE=4 KiB (no tmpfs: not root)"
    )
    try:
        full = session.platform.wdp(
            "run",
            "--select",
            DOCUMENTS_SELECTION,
            env={"WDP_ALERT_WEBHOOK_URL": session.inbox.url},
            file_size_limit_bytes=limit,
        )
    finally:
        if mounted:
            # Space returns: keep what the full disk holds, then unmount.
            with tempfile.TemporaryDirectory() as kept:
                shutil.copytree(session.archive_dir, kept, dirs_exist_ok=True)
                subprocess.run(["umount", str(session.archive_dir)], check=True)
                shutil.copytree(kept, session.archive_dir, dirs_exist_ok=True)
    alerts = session.inbox.kinds_since(mark)
    still_landed = len(list(session.landing_dir.iterdir()))
    recorded = session.platform.query("select count(*) from raw_documents.files")[0][0]
    notes.append(
        f"disk-full run {_finished(full)}: {recorded} files recorded, {still_landed} of "
        f"{landed} still in the landing area"
    )
    rerun = session.wdp_run("--select", DOCUMENTS_SELECTION)
    notes.append(
        f"rerun with space: {_finished(rerun)}, "
        f"{len(list(session.landing_dir.iterdir()))} files left in the landing area"
    )
    difference = session.ledger().compare_with(session.reference, ["raw_documents", "quarantine"])
    if difference.rows_lost or difference.rows_duplicated:
        notes.append(difference.describe())
    return DrillResult(
        name="archive_disk_full",
        fault="document archive on a full file system, then space returns and a rerun",
        finished=f"{_finished(full)}; rerun {_finished(rerun)}",
        rows_lost=difference.rows_lost,
        rows_duplicated=difference.rows_duplicated,
        alert_expected="run_failed or blocking_check_failed",
        alerts_fired=alerts,
        notes=notes + _truth_notes(session),
    )


def duplicate_and_broken_documents(session: DrillSession) -> DrillResult:
    _check_precondition(session)
    import hashlib

    pristine = sorted(session.pristine_landing_dir.iterdir())[:3]
    broken = {
        "drill-garbage.pdf": bytes(range(256)) * 8,
        "drill-empty.csv": b"",
        "drill-not-a-form.csv": b"field;value\nsomething;else\n",
    }
    broken_shas = {hashlib.sha256(content).hexdigest() for content in broken.values()}
    mark = len(session.inbox.received)
    outcomes = []
    for attempt in range(2):  # the same files landed twice: the second load must change nothing
        for number, original in enumerate(pristine):
            shutil.copy2(original, session.landing_dir / f"copy-{attempt}-{number}-{original.name}")
        for file_name, content in broken.items():
            (session.landing_dir / f"{attempt}-{file_name}").write_bytes(content)
        outcomes.append(session.wdp_run("--select", DOCUMENTS_SELECTION))
    ledger = session.ledger()
    expected_new = {
        "raw_documents.files": {(sha,) for sha in broken_shas},
        "quarantine.rejected_records": {
            key for key in ledger.keys["quarantine.rejected_records"] if key[1] in broken_shas
        },
    }
    difference = ledger.compare_with(session.reference, expected_new=expected_new)
    quarantined = {
        sha
        for (sha,) in session.platform.query(
            "select file_sha256 from raw_documents.files where file_sha256 = any(%s) "
            "and status = 'quarantined'",
            (sorted(broken_shas),),
        )
    }
    left = sorted(session.landing_dir.iterdir())
    still_landed = {hashlib.sha256(path.read_bytes()).hexdigest() for path in left}
    notes = [
        f"{len(quarantined)} of {len(broken_shas)} broken contents quarantined with a reason",
        f"landing area after the runs: {len(left)} files",
    ]
    # A broken file is lost only if it is neither quarantined nor still waiting in the landing.
    lost = difference.rows_lost + len(broken_shas - quarantined - still_landed)
    if difference.rows_lost or difference.rows_duplicated:
        notes.append(difference.describe())
    _remove_broken(session, broken_shas)
    for path in left:
        path.unlink()
    return DrillResult(
        name="duplicate_and_broken_documents",
        fault="3 already-loaded documents landed again under new names, 3 broken files; twice",
        finished=", ".join(_finished(outcome) for outcome in outcomes),
        rows_lost=lost,
        rows_duplicated=difference.rows_duplicated,
        alert_expected="none",
        alerts_fired=session.inbox.kinds_since(mark),
        notes=notes + _truth_notes(session),
    )


def _remove_broken(session: DrillSession, broken_shas: set[str]) -> None:
    """Back to the reference state: the drill's own broken files leave the platform."""
    shas = sorted(broken_shas)
    session.platform.execute(
        "delete from quarantine.rejected_records where source_reference = any(%s)", (shas,)
    )
    session.platform.execute("delete from raw_documents.files where file_sha256 = any(%s)", (shas,))
    for sha in shas:
        for path in session.archive_dir.glob(f"{sha[:2]}/{sha}.enc"):
            path.unlink()


# -- corrupted raw rows -----------------------------------------------------------------------


def corrupted_raw_rows(session: DrillSession) -> DrillResult:
    _check_precondition(session)
    marts_before = marts_fingerprint(session.platform)
    # An investment transaction older than the 30-day refetch window: no run rewrites it.
    rows = session.platform.query(
        "select investment_transaction_id, iso_currency_code "
        "from raw_plaid.investment_transactions "
        "where date < (select max(date) - 45 from raw_plaid.investment_transactions) "
        "order by investment_transaction_id limit 1"
    )
    if not rows:
        raise DrillSkipped("no investment transaction older than the refetch window")
    transaction_id, currency = rows[0]
    session.platform.execute(
        "update raw_plaid.investment_transactions set iso_currency_code = 'ZZZ' "
        "where investment_transaction_id = %s",
        (transaction_id,),
    )
    mark = len(session.inbox.received)
    try:
        blocked = session.wdp_run()
        marts_after = marts_fingerprint(session.platform)
    finally:
        session.platform.execute(
            "update raw_plaid.investment_transactions set iso_currency_code = %s "
            "where investment_transaction_id = %s",
            (currency, transaction_id),
        )
    changed = sorted(
        table for table, digest in marts_before.items() if digest != marts_after.get(table)
    )
    difference = session.ledger().compare_with(session.reference)
    notes = [
        "marts unchanged" if not changed else f"MARTS CHANGED although blocked: {changed}",
        f"blocking check reported: {'iso_currency_code' in blocked.stderr}",
    ]
    if difference.rows_lost or difference.rows_duplicated:
        notes.append(difference.describe())
    return DrillResult(
        name="corrupted_raw_rows",
        fault="an unknown currency planted in an old raw investment transaction, then a run",
        finished=_finished(blocked) + (" (blocked, as it must be)" if blocked.returncode else ""),
        rows_lost=difference.rows_lost + len(changed),
        rows_duplicated=difference.rows_duplicated,
        alert_expected="blocking_check_failed",
        alerts_fired=session.inbox.kinds_since(mark),
        notes=notes,
    )


DRILLS: dict[str, Callable[[DrillSession], DrillResult]] = {
    "plaid_rate_limits": plaid_fault_drill(
        "plaid_rate_limits",
        "seed=3,rate_limit_item_per_minute=12,rate_limit_client_per_minute=900",
        "Plaid 429 RATE_LIMIT_EXCEEDED: 12 requests/item/min, 900/client/min",
    ),
    "plaid_5xx": plaid_fault_drill(
        "plaid_5xx",
        "seed=3,error_500_rate=0.15,institution_down_rate=0.05",
        "Plaid 500 INTERNAL_SERVER_ERROR on 15% of calls, INSTITUTION_DOWN on 5%",
    ),
    "plaid_timeouts": plaid_fault_drill(
        "plaid_timeouts",
        "seed=3,timeout_rate=0.03,timeout_ms=2000,slow_rate=0.1,slow_ms=300",
        "3% of Plaid calls hang 2 s and drop the connection; 10% answer 300 ms late",
    ),
    "plaid_relink": plaid_fault_drill(
        "plaid_relink",
        "seed=3,item_login_required_rate=0.1",
        "ITEM_LOGIN_REQUIRED on 10% of items; next run after the clients re-linked",
    ),
    "plaid_sync_mutation": plaid_fault_drill(
        "plaid_sync_mutation",
        "seed=3,sync_mutation_rate=0.3",
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION on 30% of continuation pages",
    ),
    "kill_9_mid_load": kill_9_mid_load,
    "postgres_restart_mid_run": postgres_restart_mid_run,
    "archive_disk_full": archive_disk_full,
    "duplicate_and_broken_documents": duplicate_and_broken_documents,
    "corrupted_raw_rows": corrupted_raw_rows,
}


def run_drill(session: DrillSession, name: str) -> DrillResult:
    started = time.perf_counter()
    try:
        result = DRILLS[name](session)
    except DrillSkipped as skipped:
        result = DrillResult(name, "-", "not run", None, None, "-", [], [str(skipped)])
    except Exception as error:  # a drill that crashes is reported, and the next one still runs
        result = DrillResult(name, "-", "drill crashed", None, None, "-", [], [repr(error)])
        try:  # the next drill needs the warehouse up, whatever this one left behind
            _start_when_port_is_free(session)
        except WarehouseError as restart_error:
            result.notes.append(f"warehouse could not be restarted: {restart_error}")
    result.notes.append(f"drill took {time.perf_counter() - started:.0f} s")
    return result
