"""A throwaway PostgreSQL for tests: initdb into a fresh folder, 127.0.0.1, a free port.

    with PostgresServer() as pg:
        pg.port, pg.user, pg.database

PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (Debian's
package creates it). Nothing is skipped: without the binaries the test fails saying how to
install them. Binaries are found on PATH or where Debian puts them (/usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.local_server import free_port, stop_process, wait_listening


def binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    debian = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                    key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if debian:
        return debian[-1]
    pytest.fail(f"PostgreSQL's {name} is missing: install it (apt-get install -y postgresql); "
                "the PostgreSQL pipeline tests need a real server", pytrace=False)


class PostgresServer:
    """One postgres process with its own data folder, stopped (and the folder removed) on exit."""

    user = "postgres"
    database = "postgres"
    password = "throwaway-local-password"  # target-postgres insists on one

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="xero-pg-"))
        self.data = self.root / "data"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root without a `postgres` user to run PostgreSQL as "
                            "(apt-get install -y postgresql creates it)", pytrace=False)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                           "--clear-groups"]
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PostgresServer:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        done = subprocess.run([*self.prefix, binary("initdb"), "-D", str(self.data), "-U",
                               self.user, "--auth-local=trust", "--auth-host=scram-sha-256",
                               f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            self.__exit__()
            pytest.fail(f"initdb failed: {done.stderr[-1500:]}", pytrace=False)
        self.proc = subprocess.Popen(
            [*self.prefix, binary("postgres"), "-D", str(self.data), "-h", "127.0.0.1",
             "-p", str(self.port), "-k", str(self.root), "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_listening(self.proc, self.port, name="postgres", seconds=30, stop=self.__exit__)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_process(self.proc, seconds=30)  # SIGTERM: postgres's smart shutdown
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)
