"""Issue 25 item 3: CAP003 003:64, NQSWs "should not lead child protection enquiries
independently during the ASYE" but "may co-work ... agreed in supervision and recorded on their
personal supervision record". policy.allocation.allocation_check, driven by the pack.

And CAP003 003:30: "Before independently undertaking child protection enquiries, social workers
should have completed the 'Good Practice in Undertaking Section 47 Enquiries' course": the
tests of 003:64 give the worker the course (`DONE`), those of 003:30 vary it."""

from __future__ import annotations

from datetime import date

import pytest

from policy.allocation import CaseShape, Verdict, allocation_check, restriction
from policy.packs import builtin_pack
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole

LAMBETH, DERBYSHIRE = builtin_pack("lambeth"), builtin_pack("derbyshire")
ON = date(2026, 11, 23)
S47 = {"s47_start": "2026-11-20"}
DONE = {"s47_enquiries": date(2024, 5, 14)}  # the Section 47 course, completed (003:30)


def check(
    pack=LAMBETH,
    role=StaffRole.NQSW,
    part=AllocationRole.LEAD,
    co_worked=False,  # type: ignore[no-untyped-def]
    facts=S47,
    asye_start=None,
    courses=DONE,
):
    return allocation_check(
        pack,
        role=role,
        asye_start=asye_start,
        part=part,
        co_worked=co_worked,
        facts=facts,
        on=ON,
        courses=courses,
    )


def test_an_nqsw_leading_a_section_47_enquiry_alone_is_refused_with_the_clause() -> None:
    (found,) = check()
    assert found.verdict is Verdict.REFUSE
    assert found.source == "003:64"
    assert found.message.startswith("Section 47 child protection enquiry: newly qualified")
    assert "Caseload Policy (CAP003)" in found.message  # the clause, readable


def test_co_working_passes_flagged_for_agreement_in_supervision() -> None:
    (lead,) = check(co_worked=True)
    (co,) = check(part=AllocationRole.CO_WORKER, co_worked=True)
    for found in (lead, co):
        assert found.verdict is Verdict.FLAG
        assert "agreed in supervision and recorded" in found.message


def test_only_while_the_enquiry_runs_and_only_for_those_it_names() -> None:
    assert check(facts={**S47, "conference": "2026-11-22"}) == []  # enquiry over
    assert check(facts={}) == []  # no enquiry
    assert check(role=StaffRole.SOCIAL_WORKER) == []
    # Anyone on the early-career programme, whatever their recorded role (003:64 "during the ASYE").
    assert (
        check(role=StaffRole.SOCIAL_WORKER, asye_start=date(2026, 9, 1))[0].verdict
        is Verdict.REFUSE
    )
    assert check(role=StaffRole.SOCIAL_WORKER, asye_start=date(2025, 9, 1)) == []  # ASYE over


def test_a_pack_that_does_not_say_so_restricts_nothing() -> None:
    assert DERBYSHIRE.caseload.restrictions == ()
    assert check(pack=DERBYSHIRE) == []


# -- CAP003 003:30: the Section 47 course before leading an enquiry alone -------------------------


def test_leading_a_section_47_enquiry_alone_without_the_course_is_refused_with_the_clause() -> None:
    for pack in (LAMBETH, builtin_pack("powys")):
        (found,) = check(pack=pack, role=StaffRole.SOCIAL_WORKER, courses={})
        assert found.verdict is Verdict.REFUSE
        assert found.source == "003:30"
        assert "Good Practice in Undertaking Section 47 Enquiries" in found.message
        assert "Caseload Policy (CAP003)" in found.message  # the clause, readable
        # What to do: who can record it, and where.
        assert "chat: 'course'" in found.message
        assert "course_s47_enquiries" in found.message


def test_the_course_counts_from_the_day_it_was_completed() -> None:
    social_worker = StaffRole.SENIOR_PRACTITIONER
    assert check(role=social_worker) == []  # done in 2024
    later = {"s47_enquiries": date(2026, 12, 1)}  # recorded, but not done yet on the day
    assert check(role=social_worker, courses=later)[0].source == "003:30"
    assert check(role=social_worker, courses={"s47_enquiries": ON}) == []


def test_co_working_without_the_course_is_not_independent_and_passes() -> None:
    assert check(role=StaffRole.SOCIAL_WORKER, co_worked=True, courses={}) == []
    assert check(role=StaffRole.SOCIAL_WORKER, part=AllocationRole.CO_WORKER, courses={}) == []


def test_an_nqsw_without_the_course_meets_both_rules() -> None:
    found = check(courses={})
    assert [f.source for f in found] == ["003:64", "003:30"]
    # With the course, 003:64 still refuses an NQSW leading it alone.
    assert [f.source for f in check()] == ["003:64"]


def test_the_desk_stops_someone_without_the_course_from_leading_an_s47() -> None:
    s47 = CaseShape(CaseCategory.CP, section_47=True)
    stopped = restriction(LAMBETH, StaffRole.SOCIAL_WORKER, None, s47, ON, courses={})
    assert stopped is not None
    assert stopped.source == "003:30"
    assert restriction(LAMBETH, StaffRole.SOCIAL_WORKER, None, s47, ON, courses=DONE) is None
    # Not a Section 47 enquiry: no course needed.
    cp = CaseShape(CaseCategory.CP)
    assert restriction(LAMBETH, StaffRole.SOCIAL_WORKER, None, cp, ON, courses={}) is None


def test_a_restriction_naming_a_course_the_pack_does_not_list_is_refused() -> None:
    data = LAMBETH.model_dump(mode="json")
    data["caseload"]["courses"] = []
    with pytest.raises(ValueError, match="unless_course 's47_enquiries' is not one of caseload"):
        type(LAMBETH).model_validate(data)
