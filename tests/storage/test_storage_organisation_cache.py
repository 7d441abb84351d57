"""Issue 24: the chat's units of work read the organisations once in a while, not every turn;
an organisation created since (by `supervision-bot init`, another instance) is never refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlmodel import select

from bot.packs import all_packs
from bot.settings import Settings
from dialogs.ports import ConcurrentUpdate
from storage.db import session_factory
from storage.models import Organisation
from storage.unit_of_work import unit_of_work_factory


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return build_demo(tmp_path / "demo.db", date(2026, 11, 23))


async def test_a_new_organisation_is_read_again_not_refused(template: Path, tmp_path: Path) -> None:
    (tmp_path / "copy").mkdir()
    _, engine = copy_of(template, tmp_path / "copy")
    packs = all_packs(Settings(_env_file=None))  # type: ignore[call-arg]
    make_unit = unit_of_work_factory(engine, packs, organisations_for=30.0)
    try:
        async with make_unit() as ports:
            (first,) = (await ports.session.exec(select(Organisation))).all()
            assert ports.packs.for_organisation(first.id).id == first.pack_id
        async with session_factory(engine)() as session:
            added = Organisation(slug="newshire", name="Newshire Council", pack_id=first.pack_id)
            session.add(added)
            await session.commit()
            new_id = added.id
        assert new_id is not None
        # The cached list predates Newshire: the turn is replayed (as the engine does) ...
        with pytest.raises(ConcurrentUpdate):
            async with make_unit() as ports:
                ports.packs.for_organisation(new_id)
        # ... on a fresh read, which knows it.
        async with make_unit() as ports:
            assert ports.packs.organisation_name(new_id) == "Newshire Council"
    finally:
        await engine.dispose()
