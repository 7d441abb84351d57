"""Issue 28: what the scheduler sends for the desk, in Welsh: the monthly supervision summary for
senior managers (bilingual, Welsh first, where the pack's `bilingual_channels` says so, as the
weekly digest) and a workload return's words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlmodel import select
from welsh_check import assert_welsh

from bot.scheduler import Scheduler
from dialogs.i18n import use_language
from dialogs.returns_card import return_counts_card, return_replies
from dialogs.serialise import to_dict
from policy.calendar import WorkingCalendar
from policy.packs import builtin_pack, builtin_pack_ids
from policy.returns import TeamCounts, current_return
from storage.db import session_factory
from storage.models import OutboxMessage, Team

PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def seeded_powys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("powys") / "demo.db", date(2026, 11, 23), "powys")


async def test_the_monthly_summary_is_welsh_then_english_for_powys(
    seeded_powys: Path, tmp_path: Path
) -> None:
    _, database = copy_of(seeded_powys, tmp_path)
    try:
        await Scheduler(database, PACKS, Clock(datetime(2026, 12, 1, 9, 5, tzinfo=UTC))).tick()
        async with session_factory(database)() as session:
            (summary,) = (
                await session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.kind == "summary", OutboxMessage.platform == "web"
                    )
                )
            ).all()
            teams = {t.name for t in (await session.exec(select(Team))).all()}
            council = "Demoshire County Council (demo)"
        welsh, english = summary.payload["replies"]  # both languages, Welsh first
        assert welsh["title"] == f"Crynodeb goruchwylio misol: {council}"
        assert welsh["subtitle"] == "Tachwedd 2026"
        assert english["title"] == f"Monthly supervision summary: {council}"
        assert english["subtitle"] == "November 2026"
        # A clause cited names its document by its own title, as published (in English).
        cited = [
            {**s, "lines": [line.split(" (")[0] for line in s["lines"]]} for s in welsh["sections"]
        ]
        assert_welsh([{**welsh, "sections": cited}], {*teams, council})
        headings = [s["heading"] for s in welsh["sections"]]
        assert headings[:2] == ["Fesul tîm", "Fesul grŵp staff"]
        groups = welsh["sections"][1]["lines"]
        assert groups[0].startswith("Gweithwyr cymdeithasol cymwysedig: ")  # the pack's Welsh
    finally:
        await database.dispose()


def test_a_workload_return_in_welsh() -> None:
    # No Welsh council sends a return yet; one that does gets its words in Welsh.
    notts = PACKS["nottinghamshire"]
    rule = notts.returns[0]
    period = current_return(rule, WorkingCalendar(notts.nation), date(2026, 12, 17))
    assert period is not None
    with use_language("cy"):
        said, attached = return_replies(
            "Ffurflen", period, "Pennaeth Gwasanaeth", None, None, b"", "f.csv"
        )
        card = return_counts_card(
            "Ffurflen", period, "Pennaeth Gwasanaeth", [TeamCounts("Tîm A", 3, 40, 30, ())]
        )
    assert said.text == (  # type: ignore[union-attr]
        "Ffurflen ar gyfer Hydref i Rhagfyr 2026, i'r Pennaeth Gwasanaeth: yn ddyledus erbyn "
        "Dydd Iau 24 Rhagfyr 2026."
    )
    assert_welsh([{"text": attached.description}, to_dict(card)], {"Tîm A"})  # type: ignore[union-attr]
    assert card.sections[0].lines[0] == "3 gweithiwr, 40 plentyn, 30 achos"
