"""The demo books no supervision on a weekend or a bank holiday (issue 23 item 2: it used to
book on 25 and 28 December)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from demo_data import build_demo
from sqlalchemy import create_engine, select

from policy.calendar import LONDON, WorkingCalendar
from policy.vocabulary import Nation
from storage.models import SupervisionSession


def test_demo_sessions_fall_on_working_days_over_christmas(tmp_path: Path) -> None:
    path = build_demo(tmp_path / "demo.db", date(2026, 12, 14), "derbyshire")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        starts = connection.execute(select(SupervisionSession.planned_start)).scalars().all()
    engine.dispose()
    days = {(s if s.tzinfo else s.replace(tzinfo=LONDON)).astimezone(LONDON).date() for s in starts}
    assert max(days) >= date(2027, 1, 1)  # the run reaches over Christmas and New Year
    working = WorkingCalendar(Nation.ENGLAND)
    assert sorted(d for d in days if not working.is_working_day(d)) == []
