"""Outputs read back with independent tools: icalendar, pypdf, csv and Pillow."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from icalendar import Calendar
from PIL import Image
from pypdf import PdfReader

from dialogs.outputs.case_notes import decision_note, discussion_note, notes_csv, notes_json
from dialogs.outputs.charts import (
    BAR_COLOUR,
    TARGET_COLOUR,
    TREND_COLOUR,
    caseload_bands,
    compliance_trend,
)
from dialogs.outputs.ics import Person, invitation
from dialogs.outputs.record_pdf import RecordDocument, record_pdf
from dialogs.views import ActionView, DecisionView, RecordView
from policy.packs import builtin_pack

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 3, 9, 30, tzinfo=LONDON)
END = datetime(2026, 12, 3, 11, 0, tzinfo=LONDON)
PRIYA = Person("Priya Shah", "priya.shah@demoshire.example")
SAM = Person("Sam Taylor", "sam.taylor@demoshire.example")


def event_of(data: bytes):  # type: ignore[no-untyped-def]
    calendar = Calendar.from_ical(data)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


def test_booking_update_and_cancel_share_a_uid() -> None:
    common = {
        "uid": "abc-123@supervision-assistant",
        "start": START,
        "end": END,
        "summary": "Supervision: Sam Taylor",
        "location": "Room 2, County Hall",
        "organiser": PRIYA,
        "attendees": [SAM],
        "stamp": datetime(2026, 11, 23, 10, tzinfo=UTC),
    }
    booked = invitation(sequence=0, **common)  # type: ignore[arg-type]
    moved = invitation(
        **{**common, "start": START.replace(hour=14), "end": END.replace(hour=15)},  # type: ignore[arg-type]
        sequence=1,
    )
    cancelled = invitation(sequence=2, cancel=True, **common)  # type: ignore[arg-type]
    calendar, first = event_of(booked)
    assert calendar["METHOD"] == "REQUEST"
    assert first["UID"] == "abc-123@supervision-assistant"
    assert first.decoded("DTSTART") == START.astimezone(UTC)
    assert first.decoded("DTEND") - first.decoded("DTSTART") == END - START
    assert str(first["ORGANIZER"]) == "mailto:priya.shah@demoshire.example"
    assert [str(a) for a in [first["ATTENDEE"]]] == ["mailto:sam.taylor@demoshire.example"]
    _, second = event_of(moved)
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second.decoded("DTSTART").astimezone(LONDON).hour == 14
    calendar3, third = event_of(cancelled)
    assert calendar3["METHOD"] == "CANCEL"
    assert third["UID"] == first["UID"]
    assert third["STATUS"] == "CANCELLED"


def test_record_pdf_has_every_section_and_both_signatures() -> None:
    pack = builtin_pack("derbyshire")
    template = pack.template("record_of_supervision")
    assert template is not None
    sections = {
        s.id: f"Text for {s.title} – Cymraeg ŵ ✅ 🙂 <b>kept</b>"
        for s in template.sections
        if s.id not in ("next_meeting", "signatures")  # filled by the bot, not typed
    }
    record = RecordView(
        id=7,
        session_id=3,
        template_id=template.id,
        sections=sections,
        case_references=("C-1042", "C-1077"),
        decisions=(DecisionView("C-1042", "Step down to CIN plan", "Risks reduced at review"),),
        actions=(
            ActionView(
                1, "Update the chronology", 2, date(2026, 12, 10), date(2026, 12, 17), False
            ),
        ),
        next_meeting_at=datetime(2027, 1, 5, 10, tzinfo=LONDON),
        written_by_id=1,
        written_at=datetime(2026, 12, 3, 15, tzinfo=LONDON),
        supervisor_signed_at=datetime(2026, 12, 3, 15, 5, tzinfo=LONDON),
        supervisee_signed_at=datetime(2026, 12, 4, 9, 12, tzinfo=LONDON),
    )
    document = RecordDocument(
        council=pack.council,
        title=pack.terms.supervision_record.value,
        supervisor="Priya Shah",
        supervisee="Sam Taylor",
        held_at=START,
        section_titles=[(s.id, s.title) for s in template.sections],
        owners={2: "Sam Taylor"},
        zone=LONDON,
    )
    pdf = record_pdf(record, document)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    flat = " ".join(text.split())
    for section in template.sections:
        assert " ".join(section.title.split()) in flat, section.title
    for expected in (
        "C-1042",
        "C-1077",
        "Step down to CIN plan",
        "Rationale: Risks reduced at review",
        "Update the chronology",
        "Sam Taylor",
        "Tue 5 Jan 2027, 10:00",
        "Thu 3 Dec 2026, 15:05",
        "Fri 4 Dec 2026, 09:12",
        "<b>kept</b>",
        "Cymraeg",
        # Issue 21 item 9: emoji printed as empty boxes; now as words the font can draw
        "[white heavy check mark]",
        "[slightly smiling face]",
    ):
        assert expected in flat, expected
    assert "\u25a0" not in flat
    # Issue 21 item 9: the template's signature section said "Nothing recorded" above a signed
    # block; it now holds the signatures, and the next meeting its date.
    signed = flat.split("Manager and employee signatures with dates", 1)[1]
    assert signed.lstrip().startswith("Supervisor Priya Shah Thu 3 Dec 2026, 15:05")
    assert "Nothing recorded" not in flat
    next_meeting = flat.split("Date and Time of Next Meeting", 1)[1]
    assert next_meeting.lstrip().startswith("Tue 5 Jan 2027, 10:00")
    assert reader.metadata is not None
    assert reader.metadata.title == "Record of Supervision: Sam Taylor"


def test_case_notes_in_the_packs_shape_as_csv_and_json() -> None:
    pack = builtin_pack("derbyshire")
    notes = [
        decision_note(
            pack,
            reference="C-1042",
            decision="Close to social care",
            rationale="Needs met; family agrees",
            decided_on=date(2026, 11, 20),
            decided_by="Priya Shah",
            source_id="decision:1",
        ),
        discussion_note(
            pack,
            reference="C-1077",
            headings={"visiting": "Fortnightly", "case_update": "Stable, ŵ"},
            held_on=date(2026, 11, 19),
            author="Priya Shah",
            source_id="discussion:4",
        ),
    ]
    rows = list(csv.DictReader(io.StringIO(notes_csv(notes).decode("utf-8-sig"))))
    assert [r["note_type"] for r in rows] == [
        "Managers Decision",
        "Record of supervision discussion",
    ]
    assert rows[0]["case_reference"] == "C-1042"
    assert "Rationale:\nNeeds met; family agrees" in rows[0]["body"]
    # DCC 000:155-160 order: case update before visiting pattern.
    assert rows[1]["body"].index("General case update") < rows[1]["body"].index("Visiting pattern")
    data = json.loads(notes_json(notes))
    assert data["notes"][1]["headings"][0] == [
        "General case update/recent concerns and positives",
        "Stable, ŵ",
    ]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _close(a: tuple[int, ...], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 40 for x, y in zip(a[:3], b, strict=True))


def test_trend_chart_plots_the_data_and_the_target() -> None:
    points = [
        (f"2026-{m:02d}", Decimal(v))
        for m, v in zip(range(1, 13), [70, 72, 75, 80, 78, 82, 85, 88, 84, 86, 90, 92], strict=True)
    ]
    chart = compliance_trend(points, Decimal(90), "Safeguarding North")
    image = Image.open(io.BytesIO(chart.png)).convert("RGB")
    assert image.size == (800, 400)
    left, top, right, bottom = chart.plot_box
    # The target line sits at 90% of the plot height.
    y = round(bottom - (bottom - top) * 0.90)
    row = [image.getpixel((x, y)) for x in range(int(left) + 5, int(right) - 5)]
    assert sum(_close(p, _rgb(TARGET_COLOUR)) for p in row) > (right - left) * 0.3
    # The last point (92%) is drawn in the trend colour where the data puts it.
    x_last = right - (right - left) * (0.5 / 12)
    y_last = bottom - (bottom - top) * 0.92
    near = [
        image.getpixel((round(x_last) + dx, round(y_last) + dy))
        for dx in range(-3, 4)
        for dy in range(-3, 4)
    ]
    assert any(_close(p, _rgb(TREND_COLOUR)) for p in near)
    assert "target of 90%" in chart.alt
    assert "latest 92% in 2026-12" in chart.alt


def test_band_chart_bar_heights_come_from_the_counts() -> None:
    counts = [("below", 2), ("optimum", 5), ("above", 1)]
    chart = caseload_bands(counts, "Caseloads by band")
    image = Image.open(io.BytesIO(chart.png)).convert("RGB")
    left, top, right, bottom = chart.plot_box
    width = (right - left) / len(counts)
    for index, (_, value) in enumerate(counts):
        x = round(left + width * (index + 0.5))
        column = [
            y
            for y in range(int(top), int(bottom))
            if _close(image.getpixel((x, y)), _rgb(BAR_COLOUR))
        ]
        measured = (bottom - min(column)) / (bottom - top) * chart.y_max
        assert abs(measured - value) < 0.15, (index, measured, value)
    assert chart.alt == "Bar chart of staff by caseload band: 2 below, 5 optimum, 1 above."


def test_trend_charts_share_their_axes_but_not_each_others_lines() -> None:
    """Every team's chart starts from one drawing of the axes, labels and legend: a chart drawn
    before must leave nothing of its own (title, line) on the next."""
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    high = compliance_trend([(m, Decimal(95)) for m in months], Decimal(90), "Team A")
    low = compliance_trend([(m, Decimal(20)) for m in months], Decimal(90), "Team B")
    again = compliance_trend([(m, Decimal(95)) for m in months], Decimal(90), "Team A")
    assert again.png == high.png  # the same data draws the same file
    image = Image.open(io.BytesIO(low.png)).convert("RGB")
    assert image.getpixel((2, 2)) == (255, 255, 255)  # white stays white through the palette
    left, top, right, bottom = low.plot_box
    y_high = round(bottom - (bottom - top) * 0.95)
    row = [image.getpixel((x, y_high)) for x in range(int(left) + 5, int(right) - 5)]
    assert not any(_close(p, _rgb(TREND_COLOUR)) for p in row)  # Team A's line is not here
    y_low = round(bottom - (bottom - top) * 0.20)
    row = [image.getpixel((x, y_low)) for x in range(int(left) + 5, int(right) - 5)]
    assert sum(_close(p, _rgb(TREND_COLOUR)) for p in row) > (right - left) * 0.5
    # The target line and legend are there on both.
    y = round(bottom - (bottom - top) * 0.90)
    row = [image.getpixel((x, y)) for x in range(int(left) + 200, int(right) - 5)]
    assert sum(_close(p, _rgb(TARGET_COLOUR)) for p in row) > (right - left - 200) * 0.3
