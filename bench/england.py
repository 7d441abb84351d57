"""Deterministic England-scale synthetic data in SQLite, at any fraction, cached under bench/data/.

At 1x: 152 councils, 5,000 teams, 35,000 staff, 400,000 open cases (plus closed ones) with each
council's scheme's weighting facts, 12 months of supervision with records, and leave. The same
fraction and seed always give the same database, byte for byte in content. `--history-years 3`
writes three years of supervision instead (the scheduler benchmark's history check) to its own
file; one year stays the default and keeps the cached files' names. Rows go in through
SQLAlchemy Core executemany (column types, record encryption included), never ORM objects.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, create_engine, event
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from policy.packs import builtin_pack
from scoring.schemes import builtin_scheme
from scoring.vocabulary import CaseCategory, StaffRole
from storage import crypto
from storage.demo_content import ACTIONS, case_discussion, case_facts, record_sections
from storage.migrate import upgrade
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    Organisation,
    RecordCaseDiscussion,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)

VERSION = 1  # bump when the generated content changes, so stale caches are rebuilt
DATA = Path(__file__).resolve().parent / "data"
# A fixed Fernet key: the data is synthetic, and a fixed key keeps the files reproducible.
RECORD_KEY = "YmVuY2gtcmVjb3JkLWtleS0wMDAwMDAwMDAwMDAwMDA="
FULL = {"organisations": 152, "teams": 5_000, "staff": 35_000, "open_cases": 400_000}
TODAY = date(2026, 11, 23)  # a Monday: digests are due at 09:00
LONDON = ZoneInfo("Europe/London")
NOW = datetime.combine(TODAY, clock_time(9, 30), tzinfo=LONDON).astimezone(UTC)
SLACK_TEAM = "TENGLAND"
# Wales's Powys is left out: these are the English councils' packs (each with its own scheme or
# count caps), assigned to councils in turn.
PACKS = ("derbyshire", "nottinghamshire", "rbwm", "swindon", "warrington", "lambeth")
C = CaseCategory
TEAM_KINDS = (
    ("Safeguarding", "Safeguarding and Specialist", {C.CIN: 40, C.CP: 45, C.CLA: 15}),
    (
        "Children in Care",
        "Safeguarding and Specialist",
        {C.CLA: 65, C.SIXTEEN_PLUS: 20, C.CARE_LEAVER: 15},
    ),
    ("Assessment", "Early Help and Assessment", {C.EARLY_HELP: 25, C.CIN: 55, C.CP: 20}),
    ("Leaving Care", "Children in Care", {C.SIXTEEN_PLUS: 40, C.CARE_LEAVER: 60}),
)
R = StaffRole
MEMBER_ROLES = {
    R.SOCIAL_WORKER: 55,
    R.SENIOR_PRACTITIONER: 12,
    R.NQSW: 10,
    R.STUDENT: 3,
    R.CONSULTANT_SOCIAL_WORKER: 3,
    R.FAMILY_SUPPORT_WORKER: 9,
    R.ADMIN_SUPPORT: 8,
}
# Relative caseload by role, as in CAP003 (003:54-77): NQSWs about half, students a few.
CASE_WEIGHT = {
    R.SOCIAL_WORKER: (17, 23),
    R.SENIOR_PRACTITIONER: (14, 18),
    R.NQSW: (8, 14),
    R.STUDENT: (3, 5),
    R.CONSULTANT_SOCIAL_WORKER: (5, 8),
    R.FAMILY_SUPPORT_WORKER: (6, 12),
}
FIRST = [
    "Sam",
    "Priya",
    "Hannah",
    "Tom",
    "Aled",
    "Chloe",
    "Grace",
    "Amira",
    "Kwame",
    "Ruth",
    "Liam",
    "Nadia",
    "Ben",
    "Zara",
    "Ellie",
    "Harry",
    "Lucy",
    "Oliver",
    "Ffion",
    "Joseph",
]
LAST = [
    "Taylor",
    "Shah",
    "Okafor",
    "Evans",
    "Rhys",
    "Martin",
    "Lee",
    "Khan",
    "Mensah",
    "Campbell",
    "Walsh",
    "Rahman",
    "Carter",
    "Ahmed",
    "Wright",
    "Green",
    "Patel",
    "Bennett",
    "Davies",
]
VENUES = ("Room 2, County Hall", "Microsoft Teams call", "Area office")


def slack_user(staff_id: int) -> str:
    return f"U{staff_id:08d}"


def aad_object_id(staff_id: int) -> str:
    return f"{staff_id:08d}-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Summary:
    fraction: float
    seed: int
    organisations: int
    teams: int
    staff: int
    open_cases: int
    closed_cases: int
    sessions: int
    records: int
    absences: int
    build_seconds: float
    megabytes: float
    build_peak_rss_mib: float = 0.0  # the generating process's peak resident memory
    history_years: int = 1


def path_for(fraction: float, seed: int, history_years: int = 1) -> Path:
    history = "" if history_years == 1 else f"-h{history_years}y"
    return DATA / f"england-{fraction:g}x-seed{seed}{history}-v{VERSION}.db"


def ensure(fraction: float, seed: int = 2026, history_years: int = 1) -> tuple[Path, Summary]:
    """The cached database for this fraction and seed, built first if it is not there yet."""
    path = path_for(fraction, seed, history_years)
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        # The schema moves on while the cache stays: migrate it as a deployment would.
        asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
        if _schema_drift(path):
            # A migration revision was filled in after this cache passed it (revisions are
            # reserved empty, then written): its tables or columns are missing, so start again.
            build(path, fraction, seed, history_years)
    else:
        build(path, fraction, seed, history_years)
    return path, Summary(**json.loads(meta.read_text()))


def _schema_drift(path: Path) -> list[str]:
    """Tables and columns the models have and the cached file lacks."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        missing = []
        for table in SQLModel.metadata.sorted_tables:
            have = {row[1] for row in connection.execute(f'PRAGMA table_info("{table.name}")')}
            missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in have]
    return missing


def working_copy(path: Path) -> Path:
    """A scratch copy for a run that writes (dialog state, outbox): the cache stays pristine."""
    copy = DATA / "work" / path.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    for stale in (Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    return copy


async def keep_obligations(database: Path | str) -> dict[str, float]:
    """Everyone's obligations computed and kept, as the running scheduler keeps them in
    production (scheduling.obligations; the benchmark's servers run without it): "what's due"
    then reads the kept rows (issue 24 item 1) rather than recomputing for lack of them."""
    from sqlalchemy import select

    from scheduling.obligations import Stats, refresh
    from storage.db import create_engine as create_async_engine

    url = str(database) if "://" in str(database) else f"sqlite+aiosqlite:///{database}"
    engine = create_async_engine(url)
    began, people = time.perf_counter(), 0
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(Organisation.id, Organisation.pack_id))).all()
        for organisation_id, pack_id in rows:
            pack = builtin_pack(pack_id)
            stats = Stats()
            people += await refresh(engine, organisation_id, pack, TODAY, stats)
    finally:
        await engine.dispose()
    return {"people": people, "seconds": round(time.perf_counter() - began, 2)}


def build(path: Path, fraction: float, seed: int, history_years: int = 1) -> Summary:
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{partial}"))
    crypto.configure(RECORD_KEY)
    engine = create_engine(f"sqlite:///{partial}")
    event.listen(engine, "connect", _fast_pragmas)
    with engine.begin() as connection:
        counts = Writer(connection).write(Plan(fraction, seed, history_years))
    engine.dispose()
    partial.rename(path)  # only a complete database is ever reused
    summary = Summary(
        fraction=fraction,
        seed=seed,
        **counts,
        build_seconds=round(time.perf_counter() - started, 2),
        megabytes=round(path.stat().st_size / 2**20, 1),
        build_peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        history_years=history_years,
    )
    path.with_suffix(".json").write_text(json.dumps(asdict(summary), indent=2))
    return summary


def _fast_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=OFF")  # a crash leaves a .partial file, never a cache
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
    cursor.close()


def _spread(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights, summing exactly to total (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock_time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Plan:
    """How many of everything at this fraction: councils differ in size, teams in make-up."""

    fraction: float
    seed: int
    history_years: int = 1  # of supervision behind TODAY

    def sizes(self) -> dict[str, int]:
        f = self.fraction
        organisations = max(1, round(FULL["organisations"] * f))
        teams = max(organisations, round(FULL["teams"] * f))
        staff = max(teams * 4, round(FULL["staff"] * f))
        cases = max(staff, round(FULL["open_cases"] * f))
        return {"organisations": organisations, "teams": teams, "staff": staff, "cases": cases}


class Writer:
    """Generates each table in order and writes it in chunks, holding little in memory."""

    CHUNK = 20_000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: dict[Table, list[dict[str, Any]]] = {}
        self.written: dict[str, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        table: Table = model.__table__
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= self.CHUNK:
            self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        for each in [table] if table is not None else list(self.pending):
            rows = self.pending.pop(each, [])
            if rows:
                self.connection.exec_driver_sql(*self._statement(each, rows))
                self.written[each.name] = self.written.get(each.name, 0) + len(rows)

    def _statement(self, table: Table, rows: list[dict[str, Any]]) -> tuple[str, list[tuple]]:  # type: ignore[type-arg]
        """One executemany with each column's own bind processing (UTC datetimes, exact
        decimals, JSON, record encryption), without SQLAlchemy's per-row bookkeeping, which
        otherwise takes half the build time."""
        dialect = self.connection.dialect
        names = list(rows[0])
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in names)
        sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' * len(names))})"
        pairs = list(zip(names, processors, strict=True))
        values = [
            tuple(row[name] if process is None else process(row[name]) for name, process in pairs)
            for row in rows
        ]
        return sql, values

    def write(self, plan: Plan) -> dict[str, int]:
        rng = random.Random(plan.seed)
        sizes = plan.sizes()
        people = People(self, rng, sizes)
        people.write()
        cases = CaseBook(self, rng, people)
        cases.write(sizes["cases"])
        History(self, rng, people, cases, plan.history_years).write()
        self.flush()
        return {
            "organisations": sizes["organisations"],
            "teams": sizes["teams"],
            "staff": sizes["staff"],
            "open_cases": sizes["cases"],
            "closed_cases": cases.closed,
            "sessions": self.written.get("supervisionsession", 0),
            "records": self.written.get("supervisionrecord", 0),
            "absences": self.written.get("absence", 0),
        }


@dataclass
class Person:
    id: int
    organisation_id: int
    team_id: int | None
    role: StaffRole
    line_manager_id: int | None
    fte: Decimal
    start: date
    asye_start: date | None


class People:
    """Councils, their teams, and staff: an assistant director, service managers (one per six
    teams), a manager per team and members whose roles follow MEMBER_ROLES."""

    def __init__(self, writer: Writer, rng: random.Random, sizes: dict[str, int]) -> None:
        self.writer, self.rng, self.sizes = writer, rng, sizes
        self.people: list[Person] = []
        self.pack_of: dict[int, str] = {}  # organisation id -> pack id
        self.kind_of: dict[int, int] = {}  # team id -> index into TEAM_KINDS
        self.slug_of: dict[int, str] = {}

    def write(self) -> None:
        rng, n_orgs = self.rng, self.sizes["organisations"]
        weights = [rng.lognormvariate(0, 0.5) for _ in range(n_orgs)]
        teams_per_org = [max(1, n) for n in _spread(self.sizes["teams"] - n_orgs, weights)]
        while sum(teams_per_org) > self.sizes["teams"]:  # the max(1, ..) above may overshoot
            teams_per_org[teams_per_org.index(max(teams_per_org))] -= 1
        while sum(teams_per_org) < self.sizes["teams"]:
            teams_per_org[rng.randrange(n_orgs)] += 1
        leaders = sum(1 + -(-n // 6) + n for n in teams_per_org)  # AD, service and team managers
        members = _spread(
            self.sizes["staff"] - leaders,
            [rng.uniform(0.6, 1.4) for _ in range(sum(teams_per_org))],
        )
        team_id = 0
        for org_index, n_teams in enumerate(teams_per_org):
            org_id = org_index + 1
            pack = PACKS[org_index % len(PACKS)]
            slug = f"council-{org_id:03d}"
            self.pack_of[org_id], self.slug_of[org_id] = pack, slug
            self.writer.add(
                Organisation,
                {"id": org_id, "slug": slug, "name": f"Council {org_id:03d}", "pack_id": pack}
                | {"created_at": NOW},
            )
            director = self.person(org_id, None, R.ASSISTANT_DIRECTOR, None)
            service_managers = [
                self.person(org_id, None, R.SERVICE_MANAGER, director.id)
                for _ in range(-(-n_teams // 6))
            ]
            for t in range(n_teams):
                team_id += 1
                kind = rng.randrange(len(TEAM_KINDS))
                self.kind_of[team_id] = kind
                manager = self.person(org_id, team_id, R.TEAM_MANAGER, service_managers[t // 6].id)
                name, service, _ = TEAM_KINDS[kind]
                self.writer.add(
                    Team,
                    {"id": team_id, "organisation_id": org_id, "name": f"{name} {t + 1}"}
                    | {"service": service, "manager_id": manager.id}
                    | {"slack_channel_id": f"C{team_id:08d}", "teams_channel_id": None},
                )
                roles, role_weights = list(MEMBER_ROLES), list(MEMBER_ROLES.values())
                for role in rng.choices(roles, role_weights, k=members[team_id - 1]):
                    self.person(org_id, team_id, role, manager.id)
        self.writer.flush()

    def person(
        self, org_id: int, team_id: int | None, role: StaffRole, manager_id: int | None
    ) -> Person:
        rng = self.rng
        staff_id = len(self.people) + 1
        start = TODAY - timedelta(days=rng.randint(400, 5000))
        asye = None
        leaving = None
        if role is R.NQSW:
            asye = start = TODAY - timedelta(days=rng.randint(10, 360))
        elif role is R.STUDENT:
            start, leaving = TODAY - timedelta(days=75), TODAY + timedelta(days=60)
        elif rng.random() < 0.04:
            leaving = TODAY + timedelta(days=rng.randint(10, 120))
        fte = rng.choices((Decimal(1), Decimal("0.8"), Decimal("0.6")), (80, 14, 6))[0]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        slug = self.slug_of[org_id]
        agency = role is R.SOCIAL_WORKER and rng.random() < 0.12
        self.writer.add(
            Staff,
            {
                "id": staff_id,
                "organisation_id": org_id,
                "team_id": team_id,
                "external_ref": f"E{staff_id:07d}",
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}.{staff_id}@{slug}.example",
                "role": role.value,
                "grade": "Agency" if agency else None,
                "fte": fte,
                "agency": agency,
                "line_manager_id": manager_id,
                "start_date": start,
                "leaving_date": leaving,
                "asye_start": asye,
                "slack_user_id": slack_user(staff_id),
                "slack_team_id": SLACK_TEAM,
                "teams_aad_object_id": aad_object_id(staff_id),
                "timezone": "Europe/London",
                "quiet_hours_start": 18,
                "quiet_hours_end": 8,
                "legal_hold": False,
                "created_at": NOW,
            },
        )
        person = Person(staff_id, org_id, team_id, role, manager_id, fte, start, asye)
        self.people.append(person)
        return person


class CaseBook:
    """Open cases spread over caseworkers by role and FTE, plus one closed case in ten."""

    def __init__(self, writer: Writer, rng: random.Random, people: People) -> None:
        self.writer, self.rng, self.people = writer, rng, people
        self.open_of: dict[int, list[tuple[int, str]]] = {}  # staff id -> (case id, reference)
        self.closed = 0
        self.schemes = {pack: builtin_pack(pack).caseload.weighting_scheme for pack in set(PACKS)}

    def write(self, total: int) -> None:
        rng = self.rng
        workers = [p for p in self.people.people if p.role in CASE_WEIGHT]
        weights = [rng.randint(*CASE_WEIGHT[p.role]) * float(p.fte) for p in workers]
        case_id = 0
        for person, n_open in zip(workers, _spread(total, weights), strict=True):
            assert person.team_id is not None
            mix = TEAM_KINDS[self.people.kind_of[person.team_id]][2]
            pack = self.people.pack_of[person.organisation_id]
            for index in range(n_open + (1 if rng.random() < 0.1 * n_open else 0)):
                case_id += 1
                category = rng.choices(list(mix), list(mix.values()))[0]
                opened = TODAY - timedelta(days=rng.randint(10, 700))
                closed = None
                if index >= n_open:
                    closed = TODAY - timedelta(days=rng.randint(1, 120))
                    opened = min(opened, closed - timedelta(days=30))
                    self.closed += 1
                reference = f"C-{person.organisation_id:03d}-{case_id:07d}"
                children = rng.choice((1, 1, 2, 3)) if category is C.CIN else 1
                self.writer.add(
                    Case,
                    {
                        "id": case_id,
                        "organisation_id": person.organisation_id,
                        "reference": reference,
                        "system": "mosaic",
                        "category": category.value,
                        "children": children,
                        "facts": self.facts(pack, category),
                        "opened": opened,
                        "closed": closed,
                        "case_supervision_extension_until": None,
                    },
                )
                self.writer.add(
                    CaseAllocation,
                    {
                        "id": case_id,
                        "case_id": case_id,
                        "staff_id": person.id,
                        "role": "lead",
                        "start_date": opened,
                        "end_date": closed,
                    },
                )
                if closed is None:
                    self.open_of.setdefault(person.id, []).append((case_id, reference))
        self.writer.flush()

    def facts(self, pack: str, category: CaseCategory) -> dict[str, Any]:
        """The council's own scheme's facts: Derbyshire's as the demo makes them, the others
        from what each scheme declares (flags, dates, choices and tasks)."""
        rule = self.schemes[pack]
        if rule is None:
            return {}
        if rule.value == "derbyshire_wms":
            return case_facts(self.rng, category, TODAY)
        rng, declared = self.rng, builtin_scheme(rule.value).facts
        facts: dict[str, Any] = {}
        for flag in sorted(declared.flags):
            if rng.random() < 0.08:
                facts[flag] = True
        for name in sorted(declared.dates):
            if rng.random() < 0.15:
                facts[name] = (TODAY - timedelta(days=rng.randint(0, 60))).isoformat()
        for name, options in sorted(declared.choices.items()):
            ordered = sorted(options)
            facts[name] = rng.choices(ordered, [len(ordered) - i for i in range(len(ordered))])[0]
        kinds = sorted(declared.tasks)
        if kinds and rng.random() < 0.1:
            start = TODAY - timedelta(days=rng.randint(5, 60))
            end = start + timedelta(days=rng.randint(30, 85))
            task = {"kind": rng.choice(kinds), "start": start.isoformat(), "end": end.isoformat()}
            facts["tasks"] = [task]
        return facts


class History:
    """Twelve months (or `years` years) of supervision for everyone with a line manager, three
    weeks of bookings ahead, signed records of held sessions with the cases discussed, and leave."""

    def __init__(
        self, writer: Writer, rng: random.Random, people: People, cases: CaseBook, years: int = 1
    ) -> None:
        self.writer, self.rng, self.people, self.cases = writer, rng, people, cases
        self.years = years
        self.session_id = self.record_id = self.discussion_id = 0
        self.templates: dict[str, tuple[str, str, list[str]]] = {}
        for pack_id in set(PACKS):
            pack = builtin_pack(pack_id)
            session_type = pack.compliance.session_types[0]
            template = next(
                (t for t in pack.templates if session_type in t.used_for), pack.templates[0]
            )
            sections = [s.id for s in template.sections]
            self.templates[pack_id] = (session_type.value, template.id, sections)

    def write(self) -> None:
        for person in self.people.people:
            self.leave(person)
            if person.line_manager_id is not None:
                self.sessions(person)
        self.writer.flush()

    def leave(self, person: Person) -> None:
        rng = self.rng
        starts = {
            _weekday(TODAY - timedelta(days=rng.randint(5, 360))) for _ in range(rng.randint(1, 3))
        }
        kinds = [("annual_leave", start, rng.choice((0, 1, 4, 4, 11))) for start in starts]
        if rng.random() < 0.03:
            kinds.append(("sickness", _weekday(TODAY - timedelta(days=rng.randint(20, 300))), 24))
        if rng.random() < 0.01:
            kinds.append(("maternity", TODAY - timedelta(days=rng.randint(0, 200)), 270))
        for kind, start, length in sorted(kinds, key=lambda k: (k[1], k[0])):
            self.writer.add(
                Absence,
                {"staff_id": person.id, "kind": kind, "start_date": start}
                | {"end_date": start + timedelta(days=length), "note": ""},
            )

    def sessions(self, person: Person) -> None:
        rng = self.rng
        supervisor = person.line_manager_id
        assert supervisor is not None
        pack = self.people.pack_of[person.organisation_id]
        session_type, template_id, sections = self.templates[pack]
        slug = self.people.slug_of[person.organisation_id]
        step = 14 if person.role in (R.NQSW, R.STUDENT) else 30
        first = TODAY - timedelta(days=365 * self.years)
        day = max(first, person.start) + timedelta(days=rng.randint(0, 10))
        while (day := _weekday(day)) <= TODAY + timedelta(days=21):
            future = day >= TODAY
            fate = (
                "booked" if future else rng.choices(("held", "cancelled", "missed"), (82, 10, 8))[0]
            )
            if fate == "missed":
                day += timedelta(days=step + rng.randint(-3, 5))
                continue
            self.session_id += 1
            planned = _at(day, rng.choice((9, 10, 11, 13, 14, 15)), rng.choice((0, 30)))
            venue = rng.choice(VENUES)
            cancelled = fate == "cancelled"
            self.writer.add(
                SupervisionSession,
                {
                    "id": self.session_id,
                    "organisation_id": person.organisation_id,
                    "type": session_type,
                    "supervisor_id": supervisor,
                    "planned_start": planned,
                    "planned_end": planned + timedelta(minutes=90),
                    "venue": venue,
                    "virtual": venue.startswith("Microsoft"),
                    "status": fate,
                    "cancel_reason": rng.choice(("sickness", "annual_leave", "urgent_work"))
                    if cancelled
                    else None,
                    "cancel_note": "Rearranged for the following week" if cancelled else None,
                    "rescheduled_from_id": None,
                    "agenda": [],
                    "ical_uid": f"bench-{self.session_id}@{slug}.example",
                    "ical_sequence": 0,
                    "created_by_id": supervisor,
                    "created_at": planned - timedelta(days=14),
                },
            )
            self.writer.add(SessionAttendee, {"session_id": self.session_id, "staff_id": person.id})
            if fate == "held":
                self.record(person, supervisor, planned, template_id, sections, step)
            day += timedelta(days=7 if cancelled else step + rng.randint(-4, 6))

    def record(
        self,
        person: Person,
        supervisor: int,
        planned: datetime,
        template_id: str,
        sections: list[str],
        step: int,
    ) -> None:
        rng = self.rng
        self.record_id += 1
        written = planned + timedelta(hours=90 / 60 + rng.choice((2, 20, 26, 50, 70, 120)))
        recent = written > _at(TODAY, 0) - timedelta(days=5)
        open_cases = self.cases.open_of.get(person.id, [])
        discussed = rng.sample(open_cases, k=min(rng.randint(1, 3), len(open_cases)))
        next_day = _weekday(planned.astimezone(LONDON).date() + timedelta(days=step))
        refs = [_Ref(reference) for _, reference in discussed]
        self.writer.add(
            SupervisionRecord,
            {
                "id": self.record_id,
                "session_id": self.session_id,
                "template_id": template_id,
                "sections": record_sections(rng, sections, refs) | {"actions": rng.choice(ACTIONS)},
                "next_meeting_at": _at(next_day, 10),
                "written_by_id": supervisor,
                "written_at": written,
                "supervisor_signed_at": written,
                "supervisee_signed_at": None
                if recent and rng.random() < 0.7
                else written + timedelta(days=1),
                "changes_requested": None,
            },
        )
        for case_id, _ in discussed:
            self.discussion_id += 1
            self.writer.add(
                RecordCaseDiscussion,
                {"id": self.discussion_id, "record_id": self.record_id, "case_id": case_id}
                | {"headings": case_discussion(rng), "exported_at": None},
            )


@dataclass(frozen=True)
class _Ref:
    """What demo_content.record_sections reads from a case."""

    reference: str


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached file")
    parser.add_argument(
        "--history-years", type=int, default=1, help="years of supervision (default 1)"
    )
    args = parser.parse_args()
    target = path_for(args.fraction, args.seed, args.history_years)
    if args.rebuild:
        target.unlink(missing_ok=True)
    built = not target.exists()
    path, summary = ensure(args.fraction, args.seed, args.history_years)
    print(json.dumps({"path": str(path), "built_now": built} | asdict(summary)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
