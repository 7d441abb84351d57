"""One unit of work: every repository on one AsyncSession, committed once per turn."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import ConcurrentUpdate, Ports
from dialogs.scores import ScoreCache
from policy.packs import Pack
from scoring.scheme_model import Scheme
from scoring.schemes import find_scheme
from storage.db import session_factory
from storage.models import Organisation
from storage.outbox import SqlOutbox
from storage.repositories.audit import SqlAudit
from storage.repositories.facts import SqlFacts
from storage.repositories.notes import SqlNotes
from storage.repositories.people import SqlCases, SqlDirectory
from storage.repositories.records import SqlRecords
from storage.repositories.sessions import SqlSessions
from storage.repositories.state import SqlStateStore
from storage.unique_writes import UniqueWrites, claimed_twice, confirmation_of


@cache
def _scheme(scheme_id: str, scheme_dirs: tuple[Path, ...]) -> Scheme:
    return find_scheme(scheme_id, scheme_dirs)


class OrganisationPacks:
    """Which pack each organisation follows, read once per unit of work."""

    def __init__(
        self,
        packs: Mapping[str, Pack],
        pack_ids: Mapping[int, str],
        scheme_dirs: Sequence[Path] = (),
        names: Mapping[int, str] | None = None,
    ) -> None:
        self._packs = packs
        self._pack_ids = pack_ids
        self._scheme_dirs = scheme_dirs
        self._names = names or {}
        self.on_miss: Callable[[], None] | None = None

    def for_organisation(self, organisation_id: int) -> Pack:
        pack_id = self._pack_ids.get(organisation_id)
        if pack_id is None and self.on_miss is not None:
            self.on_miss()  # a cached list that predates this organisation: read it again
        return self._packs[self._pack_ids[organisation_id]]

    def organisation_name(self, organisation_id: int) -> str:
        return self._names.get(organisation_id) or self.for_organisation(organisation_id).council

    def scheme(self, scheme_id: str) -> Scheme:
        return _scheme(scheme_id, tuple(self._scheme_dirs))


OrganisationRow = tuple[int | None, str, str]


class OrganisationCache:
    """The organisations' (id, pack id, name) for `lifetime` seconds; 0 keeps nothing."""

    def __init__(self, lifetime: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime, self._clock = lifetime, clock
        self._rows: list[OrganisationRow] | None = None
        self._read_at = 0.0

    def rows(self) -> list[OrganisationRow] | None:
        if self._rows is None or self._clock() - self._read_at >= self.lifetime:
            return None
        return self._rows

    def keep(self, rows: Sequence[OrganisationRow]) -> None:
        if self.lifetime > 0:
            self._rows, self._read_at = list(rows), self._clock()

    def stale(self) -> None:
        """An organisation not in the list: forget it, and replay the turn on a fresh read."""
        self._rows = None
        raise ConcurrentUpdate("an organisation newer than the cached list")


class SqlUnitOfWork:
    def __init__(
        self,
        session: AsyncSession,
        packs: OrganisationPacks,
        clock: Callable[[], datetime] | None = None,
        scores: ScoreCache | None = None,
    ) -> None:
        self.session = session
        self.scores = scores if scores is not None else ScoreCache()
        self.state = SqlStateStore(session)
        self.directory = SqlDirectory(session)
        self.cases = SqlCases(session)
        self.sessions = SqlSessions(session)
        self.records = SqlRecords(session)
        self.notes = SqlNotes(session)
        self.facts = SqlFacts(session)
        self.audit = SqlAudit(session, clock)
        self.outbox = SqlOutbox(session)
        self.packs = packs
        UniqueWrites(self._confirmation).watch(session)

    def _confirmation(self) -> str | None:
        return confirmation_of(*self.state.loaded) if self.state.loaded else None

    async def commit(self) -> None:
        await self.session.commit()


def unit_of_work_factory(
    engine: AsyncEngine,
    packs: Mapping[str, Pack],
    scheme_dirs: Sequence[Path] = (),
    clock: Callable[[], datetime] | None = None,
    organisations_for: float = 0.0,
) -> Callable[[], AbstractAsyncContextManager[SqlUnitOfWork]]:
    """Units of work on `engine`; audit events are dated by `clock` (real time if None).

    With `organisations_for` (seconds), the organisations' packs and names are read once in that
    time rather than by every unit of work (the chat's, issue 24): a pack changed elsewhere is
    followed within it, and an organisation missing from the list makes the turn read it again
    and replay (ConcurrentUpdate), so one created since is never refused."""
    make_session = session_factory(engine)
    cached = OrganisationCache(organisations_for)
    scores = ScoreCache()  # kept across this factory's units of work (dialogs.scores)

    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[SqlUnitOfWork]:
        async with make_session() as session:
            rows = cached.rows()
            from_cache = rows is not None
            if rows is None:
                query = select(Organisation.id, Organisation.pack_id, Organisation.name)
                rows = list((await session.exec(query)).all())
                cached.keep(rows)
            pack_ids = {org_id: pack_id for org_id, pack_id, _ in rows if org_id is not None}
            names = {org_id: name for org_id, _, name in rows if org_id is not None}
            packs_of = OrganisationPacks(packs, pack_ids, scheme_dirs, names)
            if from_cache:
                packs_of.on_miss = cached.stale
            try:
                yield SqlUnitOfWork(session, packs_of, clock, scores)
            except IntegrityError as error:
                await session.rollback()
                if claimed_twice(error):
                    # Another turn made this write first: replay on the state it left behind.
                    raise ConcurrentUpdate(str(error.orig)) from error
                raise
            except BaseException:
                await session.rollback()
                raise

    return unit_of_work


def _conforms(unit: SqlUnitOfWork) -> Ports:
    """mypy proves here that storage implements every port the dialogs declare."""
    return unit
