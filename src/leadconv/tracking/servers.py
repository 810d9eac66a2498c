"""Real servers for the team setup (its tests and `make bench-team`): a PostgreSQL cluster and an
MLflow tracking server, each started as a user would start it, on free loopback ports.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PASSWORD = "team-secret"
USER = "leadconv"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """Debian's server binaries (apt-get install postgresql), or whatever initdb is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Postgres:
    """A throw-away cluster in `directory` (PostgreSQL refuses to run as root: then as user postgres)."""

    def __init__(self, directory: Path):
        self.bin = postgres_bin()
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # as root, pytest's temporary folders are closed to the postgres user: use a folder of its own
        self.directory = Path(tempfile.mkdtemp(prefix="leadconv-postgres-")) if self.as_user else directory

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> Postgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        password_file = self.directory / "password"
        password_file.write_text(PASSWORD + "\n")
        if self.as_user:
            shutil.chown(self.directory, "postgres")
            shutil.chown(password_file, "postgres")
        data = self.directory / "data"
        self._run(
            str(self.bin / "initdb"), "-D", str(data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={password_file}"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "start",
        )
        return self

    def url(self, database: str, password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres").replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        finally:
            if self.as_user:
                shutil.rmtree(self.directory, ignore_errors=True)


class MlflowServer:
    """`mlflow server` as `make server` starts it: loopback, artifacts served through the server."""

    def __init__(self, backend: str, artifacts: Path, log: Path):
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.command = [
            str(Path(sys.executable).parent / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--backend-store-uri",
            backend,
            "--artifacts-destination",
            str(artifacts),
            "--serve-artifacts",
            "--workers",
            "1",
        ]
        self.log = log
        self.process = None

    def start(self, seconds: float = 90) -> MlflowServer:
        self.process = subprocess.Popen(self.command, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"mlflow server did not answer within {seconds} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
