"""Issue 25 item 3: CAP003 003:64, NQSWs "should not lead child protection enquiries
independently during the ASYE" but "may co-work ... agreed in supervision and recorded on their
personal supervision record". policy.allocation.allocation_check, driven by the pack."""

from __future__ import annotations

from datetime import date

from policy.allocation import Verdict, allocation_check
from policy.packs import builtin_pack
from scoring.vocabulary import AllocationRole, StaffRole

LAMBETH, DERBYSHIRE = builtin_pack("lambeth"), builtin_pack("derbyshire")
ON = date(2026, 11, 23)
S47 = {"s47_start": "2026-11-20"}


def check(
    pack=LAMBETH,
    role=StaffRole.NQSW,
    part=AllocationRole.LEAD,
    co_worked=False,  # type: ignore[no-untyped-def]
    facts=S47,
    asye_start=None,
):
    return allocation_check(
        pack, role=role, asye_start=asye_start, part=part, co_worked=co_worked, facts=facts, on=ON
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
