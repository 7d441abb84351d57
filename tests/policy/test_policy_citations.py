"""What people are shown of the policy: documents and sections, never our line numbers (issue 21
item 6)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from policy_factories import staff

from dialogs.messages import Card
from dialogs.reminders import QuietHours, plan_for_person
from policy.citations import cite, cite_in_text
from policy.frequencies import DueItem
from policy.packs import builtin_pack, builtin_pack_ids
from scoring.engine import score
from scoring.model import CaseFacts, Workload
from scoring.schemes import builtin_scheme
from scoring.vocabulary import CaseCategory, StaffRole

LINE_CITATION = re.compile(r"\b\d{3}:\d")
DERBYSHIRE = builtin_pack("derbyshire")


@pytest.mark.parametrize(
    ("pack_id", "source", "expected"),
    [
        # 000:300 is in Appendix 2; 000:174 under the heading "Supervision File Audits"
        (
            "derbyshire",
            "000:300; 000:174",
            "Derbyshire Children's Services Supervision Policy, Appendix 2: Individual "
            "Supervision Agreement and Supervision File Audits",
        ),
        ("derbyshire", "000:103", "Derbyshire Children's Services Supervision Policy, 6"),
        # LAM 004:268 is in 3.1, 004:317 and 004:319 in 3.3
        (
            "lambeth",
            "004:268,317,319",
            "Lambeth Supervision Policy, Procedures and Guidance (March 2021), 3.1 and 3.3",
        ),
        ("lambeth", "003:70-71", "Caseload Policy (CAP003), 2, Social Workers"),
        (
            "powys",
            "002:33",
            "Powys County Council, answer to County Councillor Huw Williams "
            "(23 January 2020), Response: supervision of social workers",
        ),
    ],
)
def test_a_citation_names_the_document_and_its_section(
    pack_id: str, source: str, expected: str
) -> None:
    assert cite(builtin_pack(pack_id), source) == expected


@pytest.mark.parametrize("pack_id", builtin_pack_ids())
def test_every_citation_in_every_pack_resolves_without_line_numbers(pack_id: str) -> None:
    pack = builtin_pack(pack_id)
    text = pack.model_dump_json()
    sources = set(re.findall(r'"source":"([^"]+)"', text))
    assert sources
    for source in sources:
        shown = cite(pack, source)
        assert shown, source
        assert not LINE_CITATION.search(shown), (source, shown)
    assert not LINE_CITATION.search(cite_in_text(pack, "monthly (000:300); see 004:304."))


def test_a_reminder_cites_the_councils_document_not_a_line() -> None:
    item = DueItem("one_to_one", "1:1 supervision", 1, date(2026, 3, 31), 0, "000:300; 000:174")
    planned = plan_for_person(
        staff(),
        [item],
        DERBYSHIRE,
        date(2026, 3, 30),
        datetime(2026, 3, 30, 9, tzinfo=ZoneInfo("Europe/London")),
        zone=ZoneInfo("Europe/London"),
        quiet=QuietHours(),
        escalate_to=None,
        absent_today=False,
        snoozed={},
    )
    card = planned[0].replies[0]
    assert isinstance(card, Card)
    policy = next(f.value for f in card.facts if f.label == "Policy")
    assert policy.startswith("Derbyshire Children's Services Supervision Policy, Appendix 2")
    assert "000:" not in policy


def test_over_cap_approver_is_named_in_the_packs_words() -> None:
    for pack_id in builtin_pack_ids():
        label = builtin_pack(pack_id).caseload.over_cap
        assert label is None or "_" not in label.label


def test_a_travel_band_is_shown_in_the_schemes_words() -> None:
    facts = CaseFacts("C-1", CaseCategory.CP, 1, choices={"travel": "outside_15_miles"})
    workload = Workload(StaffRole.SOCIAL_WORKER, None, Decimal(1), cases=(facts,))
    result = score(workload, builtin_scheme("derbyshire_wms"), date(2026, 3, 2))
    travel = next(line for line in result.cases[0].lines if line.item_id == "travel")
    assert travel.detail == "travel: outside 15 mile radius"


def test_a_citation_worked_out_once_follows_the_pack_object_it_was_worked_out_for() -> None:
    """cite() keeps what it worked out per pack object (a Monday cites the same clauses
    thousands of times): a council's edited copy of a pack, with its document renamed, cites
    under the new name at once, and the original still under its own."""
    source = "000:300"
    before = cite(DERBYSHIRE, source)
    assert before is not None
    document = DERBYSHIRE.documents[0]
    parts = tuple(
        part.model_copy(update={"name": "Renamed policy"}) if part.name else part
        for part in document.parts
    )
    renamed = DERBYSHIRE.model_copy(
        update={
            "documents": (document.model_copy(update={"parts": parts}), *DERBYSHIRE.documents[1:])
        }
    )
    after = cite(renamed, source)
    assert after is not None
    assert after != before
    assert cite(DERBYSHIRE, source) == before
    assert cite(renamed, source) == after
