"""`wdp`: the platform's command line (DESIGN §9).

    wdp db start | stop | status | upgrade | url [--role R] [--database D]
    wdp keys init | rotate [--retire-old-keys]
    wdp sandbox build --clients N [--seed S] [--as-of DATE]
    wdp sandbox plaid [--port P] [--faults SPEC]
    wdp sandbox oidc [--port P] [--account EMAIL[=NAME]]...
    wdp run [--select SELECTION] [--partition DATE] [--processes N]
    wdp with-dbt COMMAND...          (dbt or sqlfluff with dbt's connection settings)
    wdp users add NAME --role ROLE [--concierge-id ID] [--email EMAIL]
    wdp dev | app | demo

Settings come from the environment (a `.env` file in the working directory is
read first). Problems a person can fix are printed as one sentence, without a
traceback, and the command exits 1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from dotenv import load_dotenv

from orchestration.alerts import Alert, send_alert
from privacy import Keyring, PrivacyError, ensure_local_keyring, load_keyring
from warehouse_ddl import LOGIN_ROLES, Warehouse, WarehouseError, ensure_database, upgrade
from warehouse_ddl.server import project_root

DEFAULT_DAGSTER_UI_PORT = 3000
DEFAULT_STREAMLIT_PORT = 8501
DEFAULT_SANDBOX_OIDC_PORT = 8900
DEMO_CLIENTS = 200


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (WarehouseError, PrivacyError) as error:
            click.echo(f"wdp: {error}", err=True)
            sys.exit(1)

    return wrapper


@click.group()
def main() -> None:
    """Wealth Data Platform: warehouse, sandbox, pipeline runs and UIs."""
    load_dotenv(Path.cwd() / ".env", override=False)
    alert_log = logging.getLogger("wdp.alerts")
    if not alert_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        alert_log.addHandler(handler)
        alert_log.propagate = False
    # dbt, dagster and streamlit are this venv's executables, whether or not it is activated.
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([venv_bin, os.environ.get("PATH", "")])


# -- wdp db --------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The warehouse server (embedded by default, WDP_DATABASE_URL otherwise)."""


@db.command("start")
@_friendly_errors
def db_start() -> None:
    """Start the embedded Postgres (harmless if it runs already)."""
    click.echo(Warehouse.from_env().start())


@db.command("stop")
@_friendly_errors
def db_stop() -> None:
    """Stop the embedded Postgres (fast shutdown; data is kept)."""
    click.echo(Warehouse.from_env().stop())


@db.command("status")
@_friendly_errors
def db_status() -> None:
    """Say whether the server runs, where, and on which port."""
    status = Warehouse.from_env().status()
    click.echo(status if isinstance(status, str) else status.describe())
    if not isinstance(status, str) and not status.is_running:
        sys.exit(3)


@db.command("upgrade")
@_friendly_errors
def db_upgrade() -> None:
    """Start if needed, then apply pending migrations (idempotent)."""
    click.echo(prepare_warehouse())


@db.command("url")
@click.option("--role", type=click.Choice(["admin", *LOGIN_ROLES]), default="wdp_engineer")
@click.option("--database", default="warehouse", show_default=True)
@_friendly_errors
def db_url(role: str, database: str) -> None:
    """Print a libpq URI for psql (`psql "$(wdp db url)"`); no password in it."""
    server = Warehouse.from_env()
    click.echo(server.admin_url(database) if role == "admin" else server.role_url(role, database))


def prepare_warehouse() -> str:
    """Start the server, migrate it and make sure the key ring exists."""
    server = Warehouse.from_env()
    lines = [server.start(), upgrade(server).describe()]
    keyring_path, created = ensure_local_keyring(server.settings.home)
    if os.environ.get("WDP_KEYRING"):
        lines.append("key ring: WDP_KEYRING")
    else:
        lines.append(f"key ring: {keyring_path}{' (created)' if created else ''}")
    return "\n".join(lines)


# -- wdp keys ------------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """The key ring (AES-GCM key-encryption keys and the pseudonym pepper)."""


@keys.command("init")
@_friendly_errors
def keys_init() -> None:
    """Create the local key ring (0600) if there is none; never replaces one."""
    path, created = ensure_local_keyring(Warehouse.from_env().settings.home)
    click.echo(f"{'created' if created else 'kept existing'} key ring {path}")


@keys.command("rotate")
@click.option(
    "--retire-old-keys",
    is_flag=True,
    help="After re-encryption, drop keys no stored value names any more.",
)
@_friendly_errors
def keys_rotate(retire_old_keys: bool) -> None:
    """New active key; re-encrypt every stored value under it; optionally retire old keys.

    Safe to interrupt and to repeat: old keys stay in the ring until every value
    has moved, so loaders and the app keep working throughout.
    """
    import psycopg2

    from ingestion.documents.archive import DocumentArchive
    from orchestration.defs.documents.assets import DocumentsLandingResource
    from privacy import EnvelopeCipher
    from privacy.keyring import local_keyring_path
    from privacy.rotation import (
        key_ids_in_use,
        reencrypt_warehouse,
        save_keyring_file,
        with_new_active_key,
        without_keys,
    )

    if os.environ.get("WDP_KEYRING"):
        raise PrivacyError(
            "WDP_KEYRING is set: that key ring is managed outside the platform; add a new "
            "active key there, then run `wdp keys rotate` with it to re-encrypt."
        )
    server = Warehouse.from_env()
    server.start()
    path = local_keyring_path(server.settings.home)
    current = load_keyring(server.settings.home)
    verify_keyring(server, current)  # never add a key to, or re-encrypt with, a foreign ring
    keyring = with_new_active_key(current)
    save_keyring_file(path, keyring)
    click.echo(f"new active key {keyring.active_key_id} in {path} (old keys kept)")
    connection = psycopg2.connect(server.role_url("wdp_loader"))
    try:
        counts = reencrypt_warehouse(connection, keyring, progress=click.echo)
        click.echo(
            f"re-encrypted {counts.values_reencrypted} values in {counts.rows_rewritten} rows"
        )
        in_use = key_ids_in_use(connection)
    finally:
        connection.close()
    archive = DocumentArchive(DocumentsLandingResource().archive_url(), EnvelopeCipher(keyring))
    click.echo(
        f"re-sealed {archive.reencrypt_under_active_key(keyring.active_key_id)} archived documents"
    )
    in_use |= archive.key_ids_in_use()
    retired = set(keyring.keys) - in_use - {keyring.active_key_id}
    if retire_old_keys and retired:
        save_keyring_file(path, without_keys(keyring, retired))
        click.echo(f"retired keys {', '.join(sorted(retired))}")
    elif retired:
        click.echo(
            f"keys no longer used (retire with --retire-old-keys): {', '.join(sorted(retired))}"
        )


# -- wdp sandbox ---------------------------------------------------------------------------------


@main.group()
def sandbox() -> None:
    """The synthetic client world and the offline Plaid API."""


def world_dir() -> Path:
    return Warehouse.from_env().settings.home / "sandbox"


@sandbox.command("build")
@click.option("--clients", type=click.IntRange(min=1), default=DEMO_CLIENTS, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today)")
@_friendly_errors
def sandbox_build(clients: int, seed: int, as_of: str | None) -> None:
    """Build a world into WDP_HOME/sandbox and the `app` database."""
    exit_code = build_sandbox_world(clients, seed, as_of or dt.date.today().isoformat())
    sys.exit(exit_code)


def build_sandbox_world(clients: int, seed: int, as_of: str) -> int:
    from sandbox.cli import main as sandbox_main
    from warehouse_ddl.grants import grant_app_source_read

    server = Warehouse.from_env()
    prepare_warehouse()
    ensure_database(server, "app")
    exit_code = sandbox_main(
        [
            "build",
            "--out",
            str(world_dir()),
            "--clients",
            str(clients),
            "--seed",
            str(seed),
            "--as-of",
            as_of,
            "--app-db-url",
            server.admin_url("app"),
        ]
    )
    if exit_code == 0:
        grant_app_source_read(server)
    return exit_code


@sandbox.command("plaid", context_settings={"ignore_unknown_options": True})
@click.argument("plaid_args", nargs=-1, type=click.UNPROCESSED)
def sandbox_plaid(plaid_args: tuple[str, ...]) -> None:
    """Serve the offline Plaid API for the built world (options: see sandbox/README.md)."""
    from sandbox.cli import main as sandbox_main

    sys.exit(sandbox_main(["plaid", "--world", str(world_dir()), *plaid_args]))


@sandbox.command("oidc")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_SANDBOX_OIDC_PORT,
    show_default=True,
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="EMAIL[=NAME]",
    help="someone else the provider can sign in, e.g. to see a refusal (repeatable)",
)
@click.option(
    "--unverified-account",
    "unverified_accounts",
    multiple=True,
    metavar="EMAIL[=NAME]",
    help="like --account, with email_verified false",
)
@_friendly_errors
def sandbox_oidc(
    port: int, accounts: tuple[str, ...], unverified_accounts: tuple[str, ...]
) -> None:
    """Serve an offline OpenID Connect provider for the app's production sign-in (st.login).

    Its accounts are the app users with an e-mail (`wdp users add ... --email`) and
    each --account. Writes the app's [auth] secrets for it; then
    `STREAMLIT_SECRETS_FILES=<that file> wdp app` signs people in through it.
    """
    import secrets

    from analytics_app.auth.oidc_secrets import (
        SANDBOX_CLIENT_ID,
        redirect_uri_for,
        write_oidc_secrets,
        write_private_file,
    )
    from analytics_app.auth.user_store import UserStore, user_store_path
    from sandbox.cli import main as sandbox_main

    home = Warehouse.from_env().settings.home
    unverified = {account.partition("=")[0].strip().lower() for account in unverified_accounts}
    emails = [
        user.email
        for user in UserStore(user_store_path(home)).users()
        if user.email and user.email.lower() not in unverified
    ]
    if not (emails or accounts or unverified_accounts):
        raise click.UsageError(
            "no one to sign in: add app users with `wdp users add NAME --role ROLE --email "
            "EMAIL`, or pass --account EMAIL"
        )
    folder = home / "secrets" / "sandbox_oidc"
    client_secret = secrets.token_urlsafe(32)
    write_private_file(folder / "client_secret", client_secret)
    redirect_uri = redirect_uri_for(f"http://127.0.0.1:{streamlit_port()}")
    app_secrets = write_oidc_secrets(
        folder / "secrets.toml",
        redirect_uri=redirect_uri,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=client_secret,
        server_metadata_url=f"http://127.0.0.1:{port}/.well-known/openid-configuration",
    )
    click.echo(
        f"app sign-in settings written to {app_secrets}; start the app with "
        f"`STREAMLIT_SECRETS_FILES={app_secrets} wdp app` and open "
        f"http://127.0.0.1:{streamlit_port()}"
    )
    arguments = ["oidc", "--port", str(port), "--client-id", SANDBOX_CLIENT_ID]
    arguments += ["--client-secret-file", str(folder / "client_secret")]
    arguments += ["--redirect-uri", redirect_uri]
    arguments += [f"--account={account}" for account in (*emails, *accounts)]
    arguments += [f"--unverified-account={account}" for account in unverified_accounts]
    sys.exit(sandbox_main(arguments))


@main.command("with-dbt", context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@_friendly_errors
def with_dbt(command: tuple[str, ...]) -> None:
    """Run COMMAND (dbt, sqlfluff ...) in dbt_project/ with dbt's connection settings.

    The warehouse is started and migrated first; e.g. `wdp with-dbt sqlfluff lint models`.
    """
    from orchestration.defs.dbt.project import dbt_connection_env

    prepare_warehouse()
    environment = {**os.environ, **dbt_connection_env(Warehouse.from_env())}
    completed = subprocess.run(list(command), env=environment, cwd=project_root() / "dbt_project")
    sys.exit(completed.returncode)


# -- wdp run / dev / app / demo ------------------------------------------------------------------


@main.command("run")
@click.option("--select", "selection", default="*", show_default=True, help="asset selection")
@click.option("--partition", default=None, help="partition key (YYYY-MM-DD) for partitioned assets")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="steps run at once, each in a process of its own (Dagster's multiprocess executor, "
    "as the daemon runs the nightly); 1 runs the steps one after another in this process",
)
@click.option(
    "--refetch-and-rebuild",
    is_flag=True,
    help="ask Plaid about every item and build every dbt model, even those already loaded "
    "or built today from the same inputs (by default a rerun skips them)",
)
@_friendly_errors
def run(selection: str, partition: str | None, processes: int, refetch_and_rebuild: bool) -> None:
    """Materialize assets; exit 1 if any step or blocking check fails."""
    try:
        ok = run_pipeline(selection, partition, processes, refetch_and_rebuild)
    except (WarehouseError, PrivacyError):
        raise  # bad settings: one sentence to whoever ran the command, no run started
    except Exception as error:
        # The run stopped before it could report itself, e.g. the Postgres that
        # holds Dagster's run storage went away mid-run. No sensor sees such a
        # run, so alert here.
        send_alert(
            Alert(
                kind="run_failed",
                summary=f"wdp run stopped before it finished: {_error_summary(error)}",
            )
        )
        raise
    sys.exit(0 if ok else 1)


def _error_summary(error: BaseException) -> str:
    """The error and its root cause, one line each at most.

    Only first lines: SQLAlchemy appends the statement and its parameters,
    which may hold client data, and alerts leave the machine.
    """

    def first_line(exception: BaseException) -> str:
        text = (str(exception).strip().splitlines() or [""])[0][:300]
        return f"{type(exception).__name__}: {text}"

    root, seen = error, {id(error)}
    while (cause := root.__cause__ or root.__context__) is not None and id(cause) not in seen:
        root = cause
        seen.add(id(cause))
    if root is error:
        return first_line(error)
    return f"{first_line(error)} (caused by {first_line(root)})"


def dagster_environment() -> dict[str, str]:
    """DAGSTER_HOME with a dagster.yaml that keeps runs in the `dagster` database."""
    server = Warehouse.from_env()
    dagster_home = server.settings.home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    template = project_root() / "orchestration" / "dagster.yaml"
    (dagster_home / "dagster.yaml").write_text(template.read_text())
    storage_url = server.role_url("wdp_dagster", "dagster").replace(
        "postgresql://", "postgresql+psycopg2://", 1
    )
    return {"DAGSTER_HOME": str(dagster_home), "WDP_DAGSTER_STORAGE_URL": storage_url}


def verify_keyring(server: Warehouse, keyring: Keyring) -> None:
    """`PrivacyError` (one sentence) unless the ring is the one the warehouse was written with."""
    import psycopg2

    from privacy.verification import verify_keyring_matches_warehouse

    connection = psycopg2.connect(server.role_url("wdp_loader"))
    try:
        verify_keyring_matches_warehouse(connection, keyring)
    finally:
        connection.close()


def run_pipeline(
    selection: str, partition: str | None, processes: int = 1, refetch_and_rebuild: bool = False
) -> bool:
    # Fail before any work, in one sentence, if the server or the key ring is missing.
    server = Warehouse.from_env()
    server.start()
    verify_keyring(server, load_keyring(server.settings.home))
    os.environ.update(dagster_environment())
    import dagster as dg

    from orchestration.defs.dbt.project import prepare_dbt_manifest

    prepare_dbt_manifest()
    from orchestration.definitions import defs
    from orchestration.defs.jobs import (
        every_asset_job_in_other_processes,
        step_processes_run_config,
    )

    job = defs.resolve_implicit_global_asset_job_def()
    asset_keys = list(dg.AssetSelection.from_string(selection).resolve(defs.resolve_asset_graph()))
    from orchestration.run_tags import REFETCH_AND_REBUILD_TAG

    tags = {RUN_PID_TAG: f"{socket.gethostname()}:{os.getpid()}"}
    if refetch_and_rebuild:
        tags[REFETCH_AND_REBUILD_TAG] = "true"
    with contextlib.ExitStack() as stack:
        instance = stack.enter_context(dg.DagsterInstance.get())
        release_runs_of_dead_processes(instance)
        if processes == 1:
            result = job.execute_in_process(
                instance=instance,
                asset_selection=asset_keys,
                partition_key=partition,
                raise_on_error=False,
                tags=tags,
            )
        else:
            # Steps in processes of their own, `processes` at a time, as the daemon
            # runs the nightly: the Plaid pools' lanes and the other sources then
            # overlap. The forkserver imports the code location and Great
            # Expectations and resolves the repository once
            # (orchestration/step_process_preload.py); each step forks from it
            # instead of doing that again.
            result = stack.enter_context(
                dg.execute_job(
                    every_asset_job_in_other_processes(),
                    instance,
                    run_config=step_processes_run_config(processes),
                    asset_selection=asset_keys,
                    tags={**tags, **({"dagster/partition": partition} if partition else {})},
                )
            )
        failed_checks = [
            evaluation
            for evaluation in result.get_asset_check_evaluations()
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ]
    for evaluation in failed_checks:
        click.echo(
            f"wdp: check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
            f"failed: {evaluation.description}",
            err=True,
        )
    # Runs launched here bypass the daemon's run-failure sensor: alert from here instead.
    if failed_checks:
        send_alert(
            Alert(
                kind="blocking_check_failed",
                summary=", ".join(
                    f"{e.asset_key.to_user_string()}:{e.check_name}" for e in failed_checks
                ),
                run_id=result.run_id,
                job_name=job.name,
            )
        )
    elif not result.success:
        failed_steps = [event.step_key for event in result.get_step_failure_events()]
        send_alert(
            Alert(
                kind="run_failed",
                summary=f"failed steps: {', '.join(sorted(set(failed_steps))) or 'none recorded'}",
                run_id=result.run_id,
                job_name=job.name,
            )
        )
    materialized = len(result.get_asset_materialization_events())
    click.echo(
        f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'}, "
        f"{materialized} assets materialized, {len(failed_checks)} blocking checks failed"
    )
    return result.success and not failed_checks


RUN_PID_TAG = "wdp/run_process"


def release_runs_of_dead_processes(instance: Any) -> None:
    """Fail the runs a killed `wdp run` left "started", freeing their pool slots.

    An in-process run holds its `plaid_api` pool slot in the Dagster database; a
    `kill -9` leaves the run started and the slot taken, so every later run would
    wait for it forever (the daemon frees slots of finished runs only).
    """
    import dagster as dg

    host = socket.gethostname()
    runs = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for dagster_run in runs:
        run_host, _, pid = dagster_run.tags.get(RUN_PID_TAG, "").partition(":")
        if run_host != host or not pid.isdigit() or _process_alive(int(pid)):
            continue
        instance.report_run_failed(
            dagster_run, f"the wdp run process {pid} ended without finishing the run (killed?)"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(dagster_run.run_id)
        click.echo(f"wdp: run {dagster_run.run_id} of a killed process marked failed", err=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@main.command("dev")
@_friendly_errors
def dev() -> None:
    """Serve the Dagster UI on 127.0.0.1:3000 until Ctrl-C."""
    serve([dagster_ui_command()])


@main.command("app")
@_friendly_errors
def app() -> None:
    """Serve the Streamlit app on 127.0.0.1:8501 until Ctrl-C."""
    serve([streamlit_command()])


@main.command("demo")
@click.option("--clients", type=click.IntRange(min=1), default=DEMO_CLIENTS, show_default=True)
@_friendly_errors
def demo(clients: int) -> None:
    """Warehouse, sandbox world, one nightly run, then both UIs until Ctrl-C."""
    stop_on_ctrl_c_or_sigterm()  # even when started with SIGINT ignored (see there)
    click.echo("[1/4] warehouse: start and migrate")
    click.echo(prepare_warehouse())
    click.echo(f"[2/4] sandbox: build a world of {clients} clients")
    if build_sandbox_world(clients, 42, dt.date.today().isoformat()) != 0:
        sys.exit(1)
    click.echo("[3/4] pipeline: run every asset once")
    try:
        with demo_plaid():
            if not run_pipeline("*", None):
                click.echo(
                    "wdp: the demo run failed; see the Dagster UI for the failed step.", err=True
                )
            click.echo("demo users of the app (passwords shown once, here only):")
            for user_name, persona, concierge_id in DEMO_USERS:
                password = add_app_user(user_name, persona, concierge_id)
                click.echo(f"  {user_name:<12} {persona:<15} {password}")
            from orchestration.webhook_receiver import webhook_url

            click.echo(
                f"[4/4] serving Dagster on http://127.0.0.1:{dagster_ui_port()}, the app on "
                f"http://127.0.0.1:{streamlit_port()} and the Plaid webhook receiver on "
                f"{webhook_url()}; Ctrl-C stops them and the database"
            )
            serve([dagster_ui_command(), streamlit_command(), webhook_receiver_command()])
    finally:
        click.echo(Warehouse.from_env().stop())


@contextlib.contextmanager
def demo_plaid() -> Iterator[None]:
    """The demo's offline Plaid, serving the world and sending signed webhooks to the receiver.

    Started here (not per run) so that it lives as long as the receiver, which
    fetches its verification key from it; its URL reaches every run and the
    receiver as `PLAID_HOST`. With `PLAID_ENV`/`PLAID_HOST` set, that Plaid is used.
    """
    if os.environ.get("PLAID_ENV") or os.environ.get("PLAID_HOST"):
        yield
        return
    from orchestration.webhook_receiver import webhook_url
    from sandbox import PlaidSandboxServer

    with PlaidSandboxServer(world_dir(), port=0, webhook_url=webhook_url()) as server:
        os.environ.update(
            {
                "PLAID_HOST": server.url,
                "PLAID_CLIENT_ID": "wdp-offline-sandbox",
                "PLAID_SECRET": "offline-sandbox",  # the local offline server accepts any
            }
        )
        yield


def webhook_receiver_command() -> list[str]:
    return [sys.executable, "-m", "orchestration.webhook_receiver"]


def dagster_ui_port() -> int:
    return int(os.environ.get("WDP_DAGSTER_PORT") or DEFAULT_DAGSTER_UI_PORT)


def streamlit_port() -> int:
    return int(os.environ.get("WDP_APP_PORT") or DEFAULT_STREAMLIT_PORT)


def dagster_ui_command() -> list[str]:
    return [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-w",
        str(project_root() / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(dagster_ui_port()),
    ]


def streamlit_command() -> list[str]:
    return [
        str(Path(sys.executable).with_name("streamlit")),
        "run",
        str(project_root() / "analytics_app" / "streamlit_app.py"),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(streamlit_port()),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def app_environment() -> dict[str, str]:
    """The app signs people in and connects as each one's own login role (no user in the URL)."""
    from sqlalchemy.engine import make_url

    from analytics_app.auth.database_logins import app_users_passfile
    from analytics_app.auth.user_store import user_store_path

    server = Warehouse.from_env()
    home = server.settings.home
    url = make_url(
        server.role_url("wdp_analyst", "warehouse").replace(
            "postgresql://", "postgresql+psycopg2://", 1
        )
    )
    url = url.set(username=None).update_query_dict({"passfile": str(app_users_passfile(home))})
    return {
        "WDP_HOME": str(home),
        "WDP_APP_WAREHOUSE_URL": url.render_as_string(hide_password=False),
        "WDP_APP_USERS_FILE": str(user_store_path(home)),
    }


# -- wdp users -----------------------------------------------------------------------------------

DEMO_USERS = (
    ("concierge", "concierge", "con_0001"),
    ("lead", "concierge_lead", None),
    ("product", "product", None),
    ("marketing", "marketing", None),
    ("engineer", "engineer", None),
)
"""Users `wdp demo` creates: one per persona; the concierge serves the sandbox's con_0001."""


@main.group()
def users() -> None:
    """People who sign in to the app (local user store; production signs in through OIDC)."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    "persona",
    required=True,
    type=click.Choice(["concierge", "concierge_lead", "product", "marketing", "engineer"]),
)
@click.option("--concierge-id", default=None, help="the app's concierge_id (role concierge)")
@click.option("--email", default=None, help="e-mail the identity provider signs them in with")
@_friendly_errors
def users_add(name: str, persona: str, concierge_id: str | None, email: str | None) -> None:
    """Add (or reset) a user and their database login; prints the password once."""
    if persona == "concierge" and not concierge_id:
        raise click.UsageError("a concierge needs --concierge-id (whose clients they serve)")
    password = add_app_user(name, persona, concierge_id, email)
    click.echo(f"user {name} ({persona}) can sign in with password: {password}")


def add_app_user(
    name: str, persona: str, concierge_id: str | None, email: str | None = None
) -> str:
    """Store the user (argon2 hash) and provision `wdp_user_<name>`; returns the password."""
    from analytics_app.auth.database_logins import (
        app_users_passfile,
        new_password,
        provision_login_role,
        save_login_password,
    )
    from analytics_app.auth.personas import Persona
    from analytics_app.auth.user_store import UserStore, user_store_path

    server = Warehouse.from_env()
    server.start()
    upgrade(server)
    home = server.settings.home
    password = new_password()
    user = UserStore(user_store_path(home)).add(
        name, Persona(persona), password, concierge_id, email
    )
    database_password = new_password()
    provision_login_role(server.admin_url("warehouse"), user, database_password)
    save_login_password(app_users_passfile(home), user.login_role, database_password)
    return password


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_ctrl_c_or_sigterm() -> None:
    """Ctrl-C (SIGINT) and SIGTERM (a supervisor, `kill`) both stop the servers, never orphan them.

    SIGINT too, explicitly: a process started in the background by a
    non-interactive shell (`cmd &` in a script, a CI runner) inherits SIGINT
    *ignored*, and Python then installs no KeyboardInterrupt handler of its own,
    so Ctrl-C sent to the process group would do nothing.
    """
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)


def serve(commands: list[list[str]]) -> None:
    """Run long-lived servers, each in its own process group, until Ctrl-C or one exits."""
    Warehouse.from_env().start()
    environment = {**os.environ, **dagster_environment(), **app_environment()}
    stop_on_ctrl_c_or_sigterm()
    processes = [
        # Own session: `dagster dev` ignores signals sent from a non-interactive parent (STACK.md).
        subprocess.Popen(command, env=environment, cwd=project_root(), start_new_session=True)
        for command in commands
    ]
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopping ...")
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
