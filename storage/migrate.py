"""Run Alembic migrations from code (the CLI's `init`) or via alembic.ini (CI's `alembic check`).

Each run is one transaction on both databases, so a migration that fails or refuses leaves the
database as it was. On SQLite, foreign keys are switched off for the run and checked at its end:
Alembic rebuilds a table to alter it ("batch" mode), and dropping a table that other rows
reference fails while they are on (https://www.sqlite.org/lang_altertable.html, section 7).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column as sa_column
from sqlalchemy import func, inspect, select, update
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Connection

from storage import crypto
from storage.db import create_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class MigrationRefused(RuntimeError):
    """A migration that would lose or garble data stopped before changing anything."""


@dataclass(frozen=True, slots=True)
class Removed:
    """What a downgrade took away: a table with its rows, or a column of a table that stays."""

    table: str
    column: str | None = None
    rows: int = 0

    def __str__(self) -> str:
        if self.column is not None:
            return f"column {self.table}.{self.column}"
        return f"table {self.table} ({self.rows} rows)"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def revisions(url: str = "sqlite://") -> list[str]:
    """Every revision from the newest to the first, as the chain stands in this checkout."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [revision.revision for revision in script.walk_revisions()]


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _run(url: str, work: Callable[[Config], None]) -> None:
    config = alembic_config(url)
    engine = create_engine(url)

    def _migrate(connection: Connection) -> None:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Outside a transaction, where the pragma takes effect; then one explicit BEGIN so
            # that DDL is rolled back with the rest (the driver only opens one before DML).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            connection.exec_driver_sql("BEGIN")
        try:
            config.attributes["connection"] = connection
            work(config)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    tables = sorted({str(row[0]) for row in broken})
                    raise MigrationRefused(
                        f"the migration would leave rows in {', '.join(tables)} pointing at rows "
                        "that do not exist; nothing was changed"
                    )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")

    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creating the SQLite file if needed)."""
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> list[Removed]:
    """Undo migrations down to `revision` ("base" undoes them all); say what went with them.

    Record text encrypted at rest is decrypted with the configured key on the way down (see
    `unseal_columns`); without that key the downgrade is refused and nothing changes.
    """
    before = await _inventory(url)
    await _run(url, lambda config: command.downgrade(config, revision))
    after = await _inventory(url)
    removed: list[Removed] = []
    for table, (rows, columns) in sorted(before.items()):
        if table not in after:
            removed.append(Removed(table, rows=rows))
            continue
        removed.extend(Removed(table, column) for column in sorted(columns - after[table][1]))
    return removed


async def _inventory(url: str) -> dict[str, tuple[int, set[str]]]:
    """Each table with its row count and column names (alembic's own table left out)."""
    engine = create_engine(url)

    def _read(connection: Connection) -> dict[str, tuple[int, set[str]]]:
        inspector = inspect(connection)
        found: dict[str, tuple[int, set[str]]] = {}
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            count = select(func.count()).select_from(sa_table(table))
            rows = connection.execute(count).scalar_one()
            found[table] = (int(rows), {c["name"] for c in inspector.get_columns(table)})
        return found

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_read)
    finally:
        await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(url, revision))


def unseal_columns(
    connection: Connection,
    revision: str,
    columns: Iterable[tuple[str, str]],
    *,
    batch: int = 500,
) -> None:
    """Turn encrypted values back into what the revision before `revision` stored.

    Each (table, column) gets its plain text back: JSON text for a JSON column, as it was stored
    before. Used by the downgrades of the revisions that turned encryption on. A value
    that the configured key cannot open stops the migration with a message saying what to do;
    the caller's transaction then leaves the database as it was.
    """
    for table, column in columns:
        key = _primary_key(connection, table)
        rows_of = sa_table(table, sa_column(key), sa_column(column))
        row_key, value = rows_of.c[key], rows_of.c[column]
        last: object = None
        while True:
            query = select(row_key, value).where(value.startswith(crypto.PREFIX, autoescape=True))
            if last is not None:
                query = query.where(row_key > last)
            rows = connection.execute(query.order_by(row_key).limit(batch)).fetchall()
            if not rows:
                break
            for found_key, stored in rows:
                try:
                    plain = crypto.unseal(stored)
                except crypto.KeyMissing as exc:
                    refusal = _refusal(revision, table, column, found_key, exc)
                    raise MigrationRefused(refusal) from None
                connection.execute(
                    update(rows_of).where(row_key == found_key).values({column: plain})
                )
            last = rows[-1][0]


def _primary_key(connection: Connection, table: str) -> str:
    names = inspect(connection).get_pk_constraint(table)["constrained_columns"]
    if len(names) != 1:
        raise RuntimeError(f"{table} needs a one-column primary key to be decrypted in place")
    return str(names[0])


def _refusal(revision: str, table: str, column: str, key: object, exc: Exception) -> str:
    return (
        f"cannot undo revision {revision} (record text encrypted at rest): {table}.{column} "
        f"(row {key}) cannot be decrypted: {exc}. Downgrading turns encrypted text back into the "
        "plain text the older version reads, so it needs the RECORD_ENCRYPTION_KEY that wrote "
        "it: run `supervision-bot init --downgrade-to REVISION` with that key in the "
        "environment or .env (plain `alembic downgrade` reads no key). Without the key, restore "
        "the backup taken before the upgrade, or keep this version and export what you need "
        "first (`supervision-bot export ...`). Nothing was changed."
    )
