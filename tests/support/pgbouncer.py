"""A PgBouncer of the run's own (Debian's package) in transaction mode in front of the machine's
PostgreSQL, on a free port: the connection pooler a fleet of hundreds of worker processes uses in
production (docs/operations.md, "Connection pooling"). Shared by the live-stack tests and bench/."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.stack import ARTIFACTS, free_port, port_open, wait_for

BINARY = "/usr/sbin/pgbouncer"
# PostgreSQL connections PgBouncer opens per database and user: the fleet's hundreds of client
# connections share these. Enough for the web's pooled connections (16 per process) waiting on a
# slot's lock and the workers' short transactions at once; within PostgreSQL's max_connections
# (100) with room for other users. As the compose deployment's PGBOUNCER_POOL_SIZE.
SERVER_POOL_SIZE = 40


def available() -> bool:
    return Path(BINARY).exists()


class PgBouncer:
    """``PgBouncer(upstream_port=5432).start()``; ``url(database)`` is the DATABASE_URL to use."""

    def __init__(self, *, upstream_host: str = "127.0.0.1", upstream_port: int = 5432, user: str = "postgres") -> None:
        self.port = free_port()
        self.user = user
        self.upstream = (upstream_host, upstream_port)
        self.process: subprocess.Popen | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.log = ARTIFACTS / f"pgbouncer-{self.port}.log"

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgBouncer:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        ini = self._dir / "pgbouncer.ini"
        (self._dir / "userlist.txt").write_text(f'"{self.user}" ""\n')
        host, port = self.upstream
        ini.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={host} port={port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self._dir / 'userlist.txt'}",
                    "pool_mode = transaction",
                    "max_client_conn = 2000",
                    f"default_pool_size = {SERVER_POOL_SIZE}",
                    # psycopg sends none of these, but a client that does must not be refused.
                    "ignore_startup_parameters = extra_float_digits,options",
                    f"admin_users = {self.user}",
                    "log_connections = 0",
                    "log_disconnections = 0",
                    "",
                ]
            )
        )
        argv = [BINARY, str(ini)]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(self._dir, "postgres")
            for path in self._dir.iterdir():
                shutil.chown(path, "postgres")
            argv = [BINARY, "-u", "postgres", str(ini)]
        self.process = subprocess.Popen(  # noqa: S603 - our own ini
            argv, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        wait_for(lambda: port_open(self.port), "pgbouncer", 10)
        return self

    def show(self, what: str) -> list[dict[str, str]]:
        """A ``SHOW`` of PgBouncer's admin console (``clients``, ``servers``, ``pools``) as rows."""
        out = subprocess.run(  # noqa: S603 - our own PgBouncer
            ["psql", "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", "pgbouncer", "--csv"]
            + ["-c", f"SHOW {what}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        return list(csv.DictReader(io.StringIO(out)))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self._dir, ignore_errors=True)
