"""The embedded server works for a normal (non-root) user too, not only as root.

When the suite runs as root, the same start/migrate/connect/stop cycle is run
as an unprivileged OS user, with the system's Python 3.11 and this checkout's
packages (the venv's interpreter lives under /root, which other users cannot
enter). When the suite itself runs as a normal user, every other integration
test already covers that path.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from warehouse_ddl.server import project_root

NORMAL_USER = "wdp_test_user"
SYSTEM_PYTHON = "/usr/bin/python3.11"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"

CYCLE = """
from warehouse_ddl import Warehouse, upgrade
import os, psycopg2
assert os.geteuid() != 0
server = Warehouse.from_env()
server.start()
server.start()
upgrade(server)
with psycopg2.connect(server.role_url("wdp_analyst")) as connection:
    cursor = connection.cursor()
    cursor.execute("select current_user")
    print(cursor.fetchone()[0])
print(server.stop())
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_migrate_connect_stop_as_a_normal_user() -> None:
    if os.geteuid() != 0:
        # Already a normal user: the rest of the suite runs the embedded server as one.
        assert pwd.getpwuid(os.geteuid()).pw_name != "root"
        return
    assert Path(SYSTEM_PYTHON).exists(), "the machine's Python 3.11 runs the non-root check"
    try:
        pwd.getpwnam(NORMAL_USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", NORMAL_USER], check=True)
    home = Path(tempfile.mkdtemp(prefix="wdp-normal-user-"))
    home.chmod(0o755)
    wdp_home = home / "wdp"
    wdp_home.mkdir()
    shutil.chown(wdp_home, NORMAL_USER, NORMAL_USER)
    site_packages = Path(sys.executable).parent.parent / "lib" / "python3.11" / "site-packages"
    try:
        completed = subprocess.run(
            [RUNUSER, "-u", NORMAL_USER, "--", SYSTEM_PYTHON, "-c", CYCLE],
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(home),
                "WDP_HOME": str(wdp_home),
                "WDP_PG_PORT": str(_free_port()),
                "PYTHONPATH": f"{project_root()}:{site_packages}",
            },
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert completed.stdout.split() == ["wdp_analyst", "embedded", "Postgres", "stopped"]
        owner = pwd.getpwuid((wdp_home / "pgdata").stat().st_uid).pw_name
        assert owner == NORMAL_USER, "no OS user switch happens for a normal user"
    finally:
        shutil.rmtree(home, ignore_errors=True)
