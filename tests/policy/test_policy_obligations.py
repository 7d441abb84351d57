"""Due dates per council: staff-group frequencies, ASYE, per-child clocks, records, absences."""

from __future__ import annotations

from datetime import date

import pytest
from policy_factories import at, away, case, held, staff

from policy.facts import AbsenceFacts, CaseFacts, SessionFacts, StaffFacts
from policy.frequencies import DueItem
from policy.obligations import MissedMonth, due_items, missed_supervision
from policy.packs import builtin_pack
from policy.vocabulary import SessionType
from scoring.vocabulary import CaseCategory, StaffRole

P, RG = SessionType.PROFESSIONAL, SessionType.REFLECTIVE_GROUP
ONE, CM = SessionType.ONE_TO_ONE, SessionType.CASE_MANAGEMENT


def item(
    pack_id: str,
    kind: str,
    person: StaffFacts,
    on: date,
    sessions: list[SessionFacts] = [],  # noqa: B006
    absences: list[AbsenceFacts] = [],  # noqa: B006
    cases: list[CaseFacts] = [],  # noqa: B006
    ref: str | None = None,
) -> DueItem:
    items = due_items(person, builtin_pack(pack_id), sessions, absences, cases, on)
    found = [i for i in items if i.kind == kind and (ref is None or i.case_reference == ref)]
    assert len(found) == 1, items
    return found[0]


SW = staff()


@pytest.mark.parametrize(
    ("clause", "pack", "kind", "sessions", "on", "due", "overdue"),
    [
        # LAM 3 (004:272): QSW professional supervision at least every 6 weeks.
        (
            "004:272",
            "lambeth",
            "professional",
            [held(date(2024, 3, 4), P)],
            date(2024, 4, 1),
            date(2024, 4, 15),
            0,
        ),
        (
            "004:272 overdue",
            "lambeth",
            "professional",
            [held(date(2024, 1, 8), P)],
            date(2024, 3, 1),
            date(2024, 2, 19),
            11,
        ),
        # 6 weeks after 22 Feb 2024 is Thu 4 April; Good Friday is not involved.
        (
            "004:272 leap year",
            "lambeth",
            "professional",
            [held(date(2024, 2, 22), P)],
            date(2024, 3, 1),
            date(2024, 4, 4),
            0,
        ),
        # A 6-week date on Easter Monday 2024 moves to the working day before: Thu 28 March.
        (
            "004:272 bank holiday",
            "lambeth",
            "professional",
            [held(date(2024, 2, 19), P)],
            date(2024, 3, 1),
            date(2024, 3, 28),
            0,
        ),
        # LAM 004:273: reflective team case discussion every 2 weeks.
        (
            "004:273",
            "lambeth",
            "reflective_group",
            [held(date(2024, 3, 4), RG)],
            date(2024, 3, 5),
            date(2024, 3, 18),
            0,
        ),
        # DCC 000:300: once per calendar month; due by the month's last working day.
        (
            "000:300",
            "derbyshire",
            "one_to_one",
            [held(date(2024, 1, 3))],
            date(2024, 1, 20),
            date(2024, 2, 29),
            0,
        ),
        (
            "000:300 month end on a Sunday",
            "derbyshire",
            "one_to_one",
            [held(date(2024, 2, 10))],
            date(2024, 3, 1),
            date(2024, 3, 28),
            0,
        ),
        # DCC 000:174-176: February closed without supervision (missed, test below); March's
        # opens: the 31st is a Sunday and the 29th Good Friday, so due Thursday 28 March.
        (
            "000:300 missed month",
            "derbyshire",
            "one_to_one",
            [held(date(2024, 1, 3))],
            date(2024, 3, 11),
            date(2024, 3, 28),
            0,
        ),
        # DCC 000:300: quarterly for other staff (calendar quarters).
        (
            "000:300 quarterly",
            "derbyshire",
            "one_to_one",
            [held(date(2024, 2, 1))],
            date(2024, 2, 2),
            date(2024, 6, 28),
            0,
        ),
        # POWYS 002:20: formal 1:1 every month.
        (
            "002:20",
            "powys",
            "one_to_one",
            [held(date(2024, 4, 30))],
            date(2024, 5, 1),
            date(2024, 5, 31),
            0,
        ),
    ],
)
def test_frequencies(
    clause: str,
    pack: str,
    kind: str,
    sessions: list[SessionFacts],
    on: date,
    due: date,
    overdue: int,
) -> None:
    person = staff(role=StaffRole.ADMIN_SUPPORT) if "quarterly" in clause else SW
    found = item(pack, kind, person, on, sessions)
    assert (found.due, found.overdue_days) == (due, overdue), clause


def test_manager_frequencies_lambeth() -> None:
    # LAM 004:274-276: team managers every 6 weeks for case/team, professional and peer reflection.
    tm = staff(role=StaffRole.TEAM_MANAGER)
    kinds = {i.kind for i in due_items(tm, builtin_pack("lambeth"), [], [], [], date(2024, 3, 1))}
    assert {"case_management", "professional", "peer_reflection"} <= kinds
    assert "reflective_group" not in kinds


def test_non_case_holding_case_management_only_without_cases() -> None:
    # LAM 004:270-271: case holders are covered per child; others every 6 weeks.
    pack, on = builtin_pack("lambeth"), date(2024, 3, 1)
    without = {i.kind for i in due_items(SW, pack, [], [], [], on)}
    with_case = {
        i.kind
        for i in due_items(SW, pack, [], [], [case("C1", CaseCategory.CIN, date(2024, 2, 1))], on)
    }
    assert "case_management" in without
    assert "case_management" not in with_case
    assert "case_supervision" in with_case


def test_nqsw_holding_cases_is_owed_case_management_every_4_weeks() -> None:
    # LAM 004:265: "NQSW's on ASYE programme | Case Management Supervision | Team Manager, Practice
    # Assessor or Advance Practitioner | Minimum of every 4 weeks": owed by the NQSW as well as
    # each child's clock (004:257-262), whether or not they hold cases.
    pack, on = builtin_pack("lambeth"), date(2024, 10, 8)
    kase = case("C1", CaseCategory.CLA, date(2024, 9, 2))
    sessions = [held(date(2024, 10, 7), CM)]
    for cases in ([kase], []):
        items = [
            i for i in due_items(NQ, pack, sessions, [], cases, on) if i.kind == "case_management"
        ]
        assert [(i.due, i.source) for i in items] == [(date(2024, 11, 4), "004:265")], cases
    holding = {i.kind for i in due_items(NQ, pack, sessions, [], [kase], on)}
    assert "case_supervision" in holding  # the child's own clock still runs


def test_nqsw_after_the_asye_follows_the_qualified_rules() -> None:
    # LAM 004:270-271: once the ASYE year is over, a case holder is covered per child.
    pack, on = builtin_pack("lambeth"), date(2025, 9, 10)
    kase = case("C1", CaseCategory.CLA, date(2024, 9, 2))
    kinds = {i.kind for i in due_items(NQ, pack, [], [], [kase], on)}
    assert "case_management" not in kinds
    without = [i for i in due_items(NQ, pack, [], [], [], on) if i.kind == "case_management"]
    assert [i.source for i in without] == ["004:271"]


# --- Absences and joiners (POWYS 002:33) -----------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "person", "absences", "on", "due"),
    [
        # Absent 1-20 Feb (20 days >= 14): February is not due; March is.
        (
            "002:33 long absence",
            SW,
            [away(1, date(2024, 2, 1), date(2024, 2, 20))],
            date(2024, 2, 25),
            date(2024, 3, 28),
        ),
        # Absent 1-10 Feb (< 2 weeks): still due in February.
        (
            "002:33 short absence",
            SW,
            [away(1, date(2024, 2, 1), date(2024, 2, 10))],
            date(2024, 2, 25),
            date(2024, 2, 29),
        ),
        # Absence spanning two months, 20 Jan - 12 Feb: 12 days in each, neither excluded.
        (
            "002:33 spanning, short",
            SW,
            [away(1, date(2024, 1, 20), date(2024, 2, 12))],
            date(2024, 2, 13),
            date(2024, 2, 29),
        ),
        # 25 Jan - 20 Feb: 7 days in January, 20 in February: February excluded.
        (
            "002:33 spanning, long",
            SW,
            [away(1, date(2024, 1, 25), date(2024, 2, 20))],
            date(2024, 2, 21),
            date(2024, 3, 28),
        ),
        # Overlapping absences count once: 1-10 and 5-12 Feb = 12 days, not 18.
        (
            "002:33 overlapping",
            SW,
            [
                away(1, date(2024, 2, 1), date(2024, 2, 10)),
                away(1, date(2024, 2, 5), date(2024, 2, 12)),
            ],
            date(2024, 2, 13),
            date(2024, 2, 29),
        ),
        # Joined 20 March: 19 days not in post, so March is not due.
        (
            "002:31 joiner late in month",
            staff(start=date(2024, 3, 20)),
            [],
            date(2024, 3, 25),
            date(2024, 4, 30),
        ),
        # Joined 5 March: due by the end of March.
        (
            "002:31 joiner early in month",
            staff(start=date(2024, 3, 5)),
            [],
            date(2024, 3, 6),
            date(2024, 3, 28),
        ),
    ],
)
def test_powys_monthly_with_absence(
    clause: str, person: StaffFacts, absences: list[AbsenceFacts], on: date, due: date
) -> None:
    sessions = [held(date(2024, 1, 15))] if person.start_date < date(2024, 1, 1) else []
    assert item("powys", "one_to_one", person, on, sessions, absences).due == due, clause


def test_weeks_rule_is_suspended_by_long_absence() -> None:
    # LAM 6-weekly professional supervision, with Powys's 14-day exclusion as the pack default:
    # 21 days' sickness push the due date back 21 days.
    sessions = [held(date(2024, 1, 8), P)]
    sick = [away(1, date(2024, 1, 15), date(2024, 2, 4))]
    assert item("lambeth", "professional", SW, date(2024, 2, 5), sessions, sick).due == date(
        2024, 3, 11
    )


def test_leaver_owes_nothing_after_leaving() -> None:
    person = staff(leaving=date(2024, 3, 15))
    assert due_items(person, builtin_pack("powys"), [], [], [], date(2024, 3, 20)) == []


# --- ASYE (LAM 3.3, 004:317-319) ---------------------------------------------------------------

SUNDAY_START = date(2024, 9, 1)  # a Sunday
NQ = staff(role=StaffRole.NQSW, start=SUNDAY_START, asye_start=SUNDAY_START)


@pytest.mark.parametrize(
    ("clause", "sessions", "on", "due"),
    [
        # Weekly for the first 6 weeks: from a Sunday start, 7 days is Sunday 8 Sep -> Friday 6 Sep.
        ("004:317 first week from a Sunday", [], date(2024, 9, 2), date(2024, 9, 6)),
        (
            "004:317 weekly",
            [held(date(2024, 9, 10), P, supervisees=(1,))],
            date(2024, 9, 11),
            date(2024, 9, 17),
        ),
        # After week 6, fortnightly.
        (
            "004:317 fortnightly",
            [held(date(2024, 10, 15), P)],
            date(2024, 10, 16),
            date(2024, 10, 29),
        ),
        # Past 6 months but the 6-month review not held: still fortnightly (004:268).
        (
            "004:268 no review yet",
            [held(date(2025, 3, 10), P)],
            date(2025, 3, 11),
            date(2025, 3, 24),
        ),
        # Review held on 3 March 2025: monthly from then.
        (
            "004:268 monthly after review",
            [held(date(2025, 3, 3), SessionType.ASYE_REVIEW), held(date(2025, 3, 10), P)],
            date(2025, 3, 11),
            date(2025, 4, 10),
        ),
    ],
)
def test_asye_supervision(clause: str, sessions: list[SessionFacts], on: date, due: date) -> None:
    assert item("lambeth", "asye_supervision", NQ, on, sessions).due == due, clause


@pytest.mark.parametrize(
    ("reviews_held", "on", "due"),
    [
        (0, date(2024, 10, 1), date(2024, 11, 29)),  # 3 months: Sun 1 Dec -> Fri 29 Nov
        (1, date(2024, 12, 2), date(2025, 2, 28)),  # 6 months: Sat 1 Mar -> Fri 28 Feb
        (2, date(2025, 3, 3), date(2025, 5, 30)),  # 9 months: Sun 1 Jun -> Fri 30 May
        (3, date(2025, 6, 2), date(2025, 8, 1)),  # 11 months: final review
    ],
)
def test_asye_reviews_at_3_6_9_11_months(reviews_held: int, on: date, due: date) -> None:
    # LAM 004:319: reviews at 3, 6 and 9 months, the final review 11 months after starting;
    # each held on its day (a review is the one its date says, not the count of those before).
    days = [date(2024, 11, 29), date(2025, 2, 28), date(2025, 5, 30)][:reviews_held]
    sessions = [held(day, SessionType.ASYE_REVIEW) for day in days]
    assert item("lambeth", "asye_review", NQ, on, sessions).due == due


def test_asye_ends_after_twelve_months() -> None:
    kinds = {i.kind for i in due_items(NQ, builtin_pack("lambeth"), [], [], [], date(2025, 9, 2))}
    assert "asye_supervision" not in kinds
    assert "professional" in kinds


# --- Per-child case supervision (LAM 3.1, 004:257-265) -----------------------------------------


@pytest.mark.parametrize(
    ("clause", "worker", "kase", "due"),
    [
        (
            "004:257 CIN 6 weeks",
            SW,
            case("A", CaseCategory.CIN, date(2024, 1, 1), last=date(2024, 3, 4)),
            date(2024, 4, 15),
        ),
        # 4 weeks from 4 March is Easter Monday 2024: due the Thursday before.
        (
            "004:258 CP 4 weeks",
            SW,
            case("A", CaseCategory.CP, date(2024, 1, 1), last=date(2024, 3, 4)),
            date(2024, 3, 28),
        ),
        (
            "004:259 CLA 8 weeks",
            SW,
            case("A", CaseCategory.CLA, date(2024, 1, 1), last=date(2024, 3, 4)),
            date(2024, 4, 29),
        ),
        (
            "004:261 16+ 8 weeks",
            SW,
            case("A", CaseCategory.SIXTEEN_PLUS, date(2024, 1, 1), last=date(2024, 3, 4)),
            date(2024, 4, 29),
        ),
        # 004:265: an NQSW's CIN case every 4 weeks, the shorter of the two.
        (
            "004:265 NQSW",
            NQ,
            case("A", CaseCategory.CIN, date(2024, 9, 1), last=date(2024, 10, 7)),
            date(2024, 11, 4),
        ),
        # 004:260: matched stable CLA with an SM-agreed extension to 1 July.
        (
            "004:260 extension",
            SW,
            case(
                "A",
                CaseCategory.CLA,
                date(2024, 1, 1),
                last=date(2024, 3, 4),
                extension=date(2024, 7, 1),
            ),
            date(2024, 7, 1),
        ),
        # No supervision yet: the clock runs from the case opening.
        ("004:258 new case", SW, case("A", CaseCategory.CP, date(2024, 2, 26)), date(2024, 3, 25)),
    ],
)
def test_case_supervision(clause: str, worker: StaffFacts, kase: CaseFacts, due: date) -> None:
    found = item(
        "lambeth",
        "case_supervision",
        worker,
        date(2024, 3, 5) if worker is SW else date(2024, 10, 8),
        cases=[kase],
        ref="A",
    )
    assert found.due == due, clause


def test_case_discussed_in_a_recorded_session_resets_the_clock() -> None:
    # LAM 004:336: reflective team case discussion is equal to case management supervision.
    kase = case("A", CaseCategory.CP, date(2024, 1, 1), last=date(2024, 2, 1))
    group = held(date(2024, 3, 11), RG, supervisees=(1, 2), cases=("A",))
    found = item(
        "lambeth", "case_supervision", SW, date(2024, 3, 12), [group], cases=[kase], ref="A"
    )
    assert found.due == date(2024, 4, 8)


@pytest.mark.parametrize(
    ("clause", "category", "since", "last", "on", "due", "overdue"),
    [
        # Issue 20 item 11. CIN (6 weeks, 004:257) to CP (4 weeks, 004:258) yesterday, last
        # discussed 5 weeks ago: the CP clock starts at the change, not at the discussion.
        ("004:258 CIN to CP", CaseCategory.CP, date(2024, 3, 11), date(2024, 2, 5),
         date(2024, 3, 12), date(2024, 4, 8), 0),
        # CP to CIN: 6 weeks from the change.
        ("004:257 CP to CIN", CaseCategory.CIN, date(2024, 3, 11), date(2024, 2, 5),
         date(2024, 3, 12), date(2024, 4, 22), 0),
        # CIN to CLA (8 weeks, 004:259-260): 6 May 2024 is a bank holiday, so Friday 3 May.
        ("004:259 CIN to CLA", CaseCategory.CLA, date(2024, 3, 11), date(2024, 1, 8),
         date(2024, 3, 12), date(2024, 5, 3), 0),
        # Discussed after the change: that discussion starts the clock, as any discussion does.
        ("004:258 discussed since", CaseCategory.CP, date(2024, 3, 1), date(2024, 3, 8),
         date(2024, 3, 12), date(2024, 4, 5), 0),
        # The change long ago gives no grace: overdue from its own clock.
        ("004:258 changed long ago", CaseCategory.CP, date(2024, 1, 8), None,
         date(2024, 3, 12), date(2024, 2, 5), 36),
    ],
)  # fmt: skip
def test_a_case_that_changes_category_starts_its_new_clock_at_the_change(
    clause: str,
    category: CaseCategory,
    since: date,
    last: date | None,
    on: date,
    due: date,
    overdue: int,
) -> None:
    from dataclasses import replace

    kase = replace(case("A", category, date(2023, 6, 1), last=last), category_since=since)
    found = item("lambeth", "case_supervision", SW, on, [], cases=[kase], ref="A")
    assert (found.due, found.overdue_days) == (due, overdue), clause


def test_closed_case_is_not_due() -> None:
    kase = case("A", CaseCategory.CP, date(2024, 1, 1), closed=date(2024, 2, 1))
    items = due_items(SW, builtin_pack("lambeth"), [], [], [kase], date(2024, 3, 5))
    assert not [i for i in items if i.kind == "case_supervision"]


# --- Records (LAM 004:350,356; DCC 000:103) ----------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "pack", "session", "on", "due", "overdue"),
    [
        (
            "004:350 2 working days",
            "lambeth",
            held(date(2024, 3, 28), P, supervisor=1, written=False),
            date(2024, 4, 2),
            date(2024, 4, 3),
            0,
        ),  # Good Friday + Easter Monday
        (
            "004:350 late",
            "lambeth",
            held(date(2024, 3, 4), P, supervisor=1, written=False),
            date(2024, 3, 11),
            date(2024, 3, 6),
            5,
        ),
        (
            # Issue 20 item 5: "during the supervision session or as soon as possible after
            # it": at the latest the next working day, so an unwritten record is late.
            "000:103 during the session or as soon as possible after it",
            "derbyshire",
            held(date(2024, 3, 4), ONE, supervisor=1, written=False),
            date(2024, 3, 11),
            date(2024, 3, 5),
            6,
        ),
        (
            "000:103 a Friday's record by the Monday",
            "derbyshire",
            held(date(2024, 3, 8), ONE, supervisor=1, written=False),
            date(2024, 3, 11),
            date(2024, 3, 11),
            0,
        ),
    ],
)
def test_record_deadline(
    clause: str, pack: str, session: SessionFacts, on: date, due: date | None, overdue: int
) -> None:
    supervisor = staff(id=1, role=StaffRole.TEAM_MANAGER)
    found = item(pack, "record", supervisor, on, [session])
    assert (found.due, found.overdue_days) == (due, overdue), clause


def test_unsigned_record_is_owed_by_the_party_who_has_not_signed() -> None:
    # DCC 000:103: both parties have a jointly signed copy.
    session = held(date(2024, 3, 4), ONE, supervisees=(1,), supervisor=2, signed=False)
    found = item("derbyshire", "record_signoff", SW, date(2024, 3, 5), [session])
    assert found.session_id == session.id


def test_a_derbyshire_record_unsigned_past_its_deadline_is_overdue() -> None:
    # DCC 000:103: jointly signed, the record made during the session or as soon as possible
    # after it (the next working day): unsigned a week later, it is overdue (issue 20 item 5).
    session = held(date(2024, 3, 4), ONE, supervisees=(1,), supervisor=2, signed=False)
    found = item("derbyshire", "record_signoff", SW, date(2024, 3, 11), [session])
    assert (found.due, found.overdue_days) == (date(2024, 3, 5), 6)


# --- Direct observation, agreement, My Plan ----------------------------------------------------


def test_every_third_professional_session_is_an_observation() -> None:
    # LAM 004:218: 1 in 3 professional supervision sessions is an observation of practice.
    two = [held(date(2024, 1, 8), P), held(date(2024, 2, 12), P)]
    pack, on = builtin_pack("lambeth"), date(2024, 2, 13)
    found = item("lambeth", "direct_observation", SW, on, two)
    assert found.due == item("lambeth", "professional", SW, on, two).due
    one = {i.kind for i in due_items(SW, pack, two[:1], [], [], on)}
    assert "direct_observation" not in one
    observed = [*two, held(date(2024, 2, 13), SessionType.DIRECT_OBSERVATION)]
    assert "direct_observation" not in {i.kind for i in due_items(SW, pack, observed, [], [], on)}


def test_agreement_review_and_my_plan_every_six_months() -> None:
    # LAM 004:385-388 and DCC 000:81-83; 31 Aug + 6 months = 28 Feb 2025 (month-end clamp).
    start = staff(start=date(2024, 8, 31))
    assert item("lambeth", "agreement_review", start, date(2024, 9, 1)).due == date(2025, 2, 28)
    assert item("derbyshire", "my_plan", start, date(2024, 9, 1)).due == date(2025, 2, 28)


def test_session_at_2330_utc_on_31_march_counts_for_1_april() -> None:
    # Europe/London: BST from 31 Mar 2024, so 23:30 UTC is 00:30 on 1 April.
    from datetime import UTC, datetime

    late = held(datetime(2024, 3, 31, 23, 30, tzinfo=UTC), ONE)
    found = item("powys", "one_to_one", SW, date(2024, 4, 2), [late])
    assert found.due == date(2024, 5, 31)
    assert at(date(2024, 4, 1)).tzinfo is not None


@pytest.mark.parametrize(
    ("on", "due", "overdue", "missed"),
    [
        # Still February: February's supervision is due on its last day.
        (date(2024, 2, 29), date(2024, 2, 29), 0, []),
        # DCC 000:174-176 ("at least monthly supervision"; where it "has not been complied
        # with, the reason for this ... should be explicitly recorded"), POWYS 002:45 (a few
        # days late "misses the cut off"): on 1 March February has closed, missed, and
        # March's due date opens (the 31st a Sunday, the 29th Good Friday: the 28th).
        (date(2024, 3, 1), date(2024, 3, 28), 0, [date(2024, 2, 1)]),
        # Still nothing in March: on 2 April both months are missed; April's is due.
        (date(2024, 4, 2), date(2024, 4, 30), 0, [date(2024, 2, 1), date(2024, 3, 1)]),
    ],
)
def test_a_calendar_month_without_supervision_closes_and_the_next_opens(
    on: date, due: date, overdue: int, missed: list[date]
) -> None:
    pack = builtin_pack("derbyshire")
    sessions = [held(date(2024, 1, 3))]
    found = item("derbyshire", "one_to_one", SW, on, sessions)
    assert (found.due, found.overdue_days) == (due, overdue)
    months = missed_supervision(SW, pack, sessions, [], [], on)
    assert [m.month for m in months] == missed
    assert all(m == MissedMonth(SW.id, "one_to_one", found.description, m.month, m.source)
               for m in months)  # fmt: skip


def test_a_month_not_due_for_absence_is_not_missed() -> None:
    # POWYS 002:33: staff absent two weeks or more in a month are not counted for it: February
    # (absent all month) was never due, so it is not missed; March closed, missed; April opens.
    pack = builtin_pack("powys")
    sessions = [held(date(2024, 1, 3))]
    absent = [away(1, date(2024, 2, 1), date(2024, 2, 29))]
    on = date(2024, 4, 10)
    found = item("powys", "one_to_one", SW, on, sessions, absent)
    assert (found.due, found.overdue_days) == (date(2024, 4, 30), 0)
    months = missed_supervision(SW, pack, sessions, absent, [], on)
    assert [m.month for m in months] == [date(2024, 3, 1)]
