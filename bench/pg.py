"""A temporary PostgreSQL for the benchmarks, and the bench data copied into it from SQLite.

`TempPostgres` runs the `initdb`/`pg_ctl`/`postgres` found on PATH (or /usr/local/bin), as the
unprivileged user `pgci` when we are root (PostgreSQL refuses to run as root; .ci/run does the
same), on a free loopback port (or BENCH_PG_PORT), fsync off, in a temporary directory that is
removed when it stops. `available()` says why not when there is no PostgreSQL to start.

`load` copies every table of a bench SQLite database into a new PostgreSQL database through the
app's own models (SQLAlchemy Core, each column's own types: UTC datetimes, decimals, JSON, record
encryption), after the app's migrations have created the schema. Each measurement then works on
a fresh `CREATE DATABASE ... TEMPLATE` copy, made in a second or two.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect, select, text
from sqlmodel import SQLModel

from storage.db import create_engine
from storage.migrate import upgrade

USER = "pgci"
CHUNK = 5_000


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (
            str(p)
            for p in (Path("/usr/local/bin") / name, Path("/usr/lib/postgresql"))
            if p.is_file()
        ),
        None,
    )


def available() -> str | None:
    """None when a PostgreSQL can be started here, else the reason it cannot."""
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if _binary(name) is None]
    if missing:
        return f"no PostgreSQL binaries on PATH ({', '.join(missing)} not found)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            return f"running as root and there is no user {USER!r} to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without `runuser` to start PostgreSQL as another user"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TempPostgres:
    """`with TempPostgres() as pg:` then pg.url("dbname"), pg.create(...), pg.version."""

    def __init__(self, port: int | None = None) -> None:
        reason = available()
        if reason:
            raise RuntimeError(reason)
        self.port = port or int(os.environ.get("BENCH_PG_PORT") or free_port())
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, USER)
            self.as_user = ["runuser", "-u", USER, "--"]
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        assert initdb is not None
        assert pg_ctl is not None
        self.pg_ctl = pg_ctl
        self._run(initdb, "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust",
                  "--no-sync")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200 -c shared_buffers=256MB"
        )
        self._run(pg_ctl, "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                  "-o", options, "start")  # fmt: skip

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def scalar(self, sql: str, database: str = "postgres") -> Any:
        connection = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres",
                                           database=database)  # fmt: skip
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()

    async def create(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); returns its URL."""
        await self.scalar(f'DROP DATABASE IF EXISTS "{name}"')
        suffix = f' TEMPLATE "{template}"' if template else ""
        await self.scalar(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


# Kept by the database itself: the triggers give every copied person a stale obligation state,
# and the first tick computes it, as after a deployment's migration.
DERIVED = {"obligationstate", "obligation"}


async def load(sqlite_path: Path, url: str) -> dict[str, Any]:
    """Migrate `url` to the app's head, then copy every non-empty table from the SQLite file.
    The caller configures record encryption (storage.crypto) with the data's key first."""
    began = time.perf_counter()
    await upgrade(url)
    source = create_sync_engine(f"sqlite:///{sqlite_path}")
    target = create_engine(url)
    copied: dict[str, int] = {}
    try:
        present = set(inspect(source).get_table_names())
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in present or table.name in DERIVED:
                continue
            with source.connect() as reading:
                rows = reading.execution_options(yield_per=CHUNK).execute(select(table))
                for chunk in rows.mappings().partitions(CHUNK):
                    async with target.begin() as writing:
                        await writing.execute(table.insert(), [dict(r) for r in chunk])
                    copied[table.name] = copied.get(table.name, 0) + len(chunk)
        async with target.begin() as writing:
            for table in SQLModel.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key and table.name in copied:
                    await writing.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                            f' (SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"), false)'
                        )
                    )
            await writing.execute(text("ANALYZE"))
    finally:
        source.dispose()
        await target.dispose()
    return {"seconds": round(time.perf_counter() - began, 1), "rows": sum(copied.values())}
