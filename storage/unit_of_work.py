"""One unit of work: every repository on one AsyncSession, committed once per turn."""

from __future__ import annotations

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

    def for_organisation(self, organisation_id: int) -> Pack:
        return self._packs[self._pack_ids[organisation_id]]

    def organisation_name(self, organisation_id: int) -> str:
        return self._names.get(organisation_id) or self.for_organisation(organisation_id).council

    def scheme(self, scheme_id: str) -> Scheme:
        return _scheme(scheme_id, tuple(self._scheme_dirs))


class SqlUnitOfWork:
    def __init__(
        self,
        session: AsyncSession,
        packs: OrganisationPacks,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.session = session
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
) -> Callable[[], AbstractAsyncContextManager[SqlUnitOfWork]]:
    """Units of work on `engine`; audit events are dated by `clock` (real time if None)."""
    make_session = session_factory(engine)

    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[SqlUnitOfWork]:
        async with make_session() as session:
            query = select(Organisation.id, Organisation.pack_id, Organisation.name)
            rows = (await session.exec(query)).all()
            pack_ids = {org_id: pack_id for org_id, pack_id, _ in rows if org_id is not None}
            names = {org_id: name for org_id, _, name in rows if org_id is not None}
            packs_of = OrganisationPacks(packs, pack_ids, scheme_dirs, names)
            try:
                yield SqlUnitOfWork(session, packs_of, clock)
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
