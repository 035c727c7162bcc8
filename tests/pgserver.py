"""Start a throwaway Postgres server for tests and benchmarks (never part of the package).

``running_server()`` runs Debian's ``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/*/bin`` in a fresh temp folder, on a free loopback port with its
unix socket inside that folder, and stops the server and removes the folder on the way
out, whatever happened. Postgres refuses to run as root, so when this process is root
the server runs as the ``postgres`` OS user (``runuser``); otherwise as this user.

Used by ``tests/conftest.py`` and ``benchmarks/bench_store.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import psycopg

SUPERUSER = "postgres"


class PgServerError(RuntimeError):
    """The test server could not be found or started; the message says why."""


def find_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    found = [
        Path(d)
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists()
    ]
    if not found:
        raise PgServerError(
            "no Postgres server binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl). "
            "The store tests need a real server: install Debian's package "
            "(apt-get install -y postgresql) and run the tests again."
        )
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class PgServer:
    """A running server: connection URLs and a few admin helpers."""

    folder: Path
    port: int
    password: str

    def url(self, db: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        """``postgresql://user:password@127.0.0.1:port/db`` (superuser password by default)."""
        pw = self.password if password is None else password
        return f"postgresql://{quote(user)}:{quote(pw)}@127.0.0.1:{self.port}/{quote(db)}"

    def admin(self, db: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit superuser connection."""
        return psycopg.connect(self.url(db), autocommit=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its superuser URL."""
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever still uses it."""
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def create_login(self, name: str, *, member_of: Sequence[str] = ()) -> tuple[str, str]:
        """Create (or reset) a login role with a random password; returns (name, password)."""
        password = secrets.token_hex(8)
        with self.admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(f"{verb} ROLE \"{name}\" LOGIN PASSWORD '{password}'")  # type: ignore[arg-type]
            for group in member_of:
                conn.execute(f'GRANT "{group}" TO "{name}"')  # type: ignore[arg-type]
        return name, password


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], folder: Path, what: str) -> None:
    proc = subprocess.run(
        _as_server_user(cmd), cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        log = folder / "server.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise PgServerError(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout}\n{proc.stderr}\n{tail}"
        )


@contextlib.contextmanager
def running_server(*, settings: dict[str, str] | None = None) -> Iterator[PgServer]:
    """Run a fresh server for the duration of the ``with`` block.

    ``settings`` adds ``-c name=value`` options (fsync stays on unless you say so).
    """
    bindir = find_bindir()
    folder = Path(tempfile.mkdtemp(prefix="rw-pg-"))
    data = folder / "data"
    started = False
    try:
        if os.geteuid() == 0:
            try:
                pg = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PgServerError(
                    "running as root but there is no 'postgres' OS user to run the server; "
                    "install Debian's postgresql package (it creates the user)"
                ) from exc
            os.chown(folder, pg.pw_uid, pg.pw_gid)
        password = secrets.token_hex(12)
        pwfile = folder / "pw"
        pwfile.write_text(password)
        if os.geteuid() == 0:
            os.chown(pwfile, pg.pw_uid, pg.pw_gid)
        initdb = [
            str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-E", "UTF8",
            "--locale=C", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
        ]  # fmt: skip
        _run(initdb, folder, "initdb")
        pwfile.unlink()
        port = free_port()
        options = {
            "port": str(port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(folder),
            "max_connections": "60",
            "shared_buffers": "64MB",
            **(settings or {}),
        }
        opts = " ".join(f"-c {k}={v}" for k, v in options.items())
        start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                 "-w", "-t", "60", "-o", opts, "start"]  # fmt: skip
        _run(start, folder, "pg_ctl start")
        started = True
        yield PgServer(folder=folder, port=port, password=password)
    finally:
        if started:
            with contextlib.suppress(PgServerError, subprocess.TimeoutExpired):
                stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
                _run(stop, folder, "pg_ctl stop")
        shutil.rmtree(folder, ignore_errors=True)
