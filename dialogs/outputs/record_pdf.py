"""The signed supervision record as a PDF for the staff member's supervision file (DCC 000:103).

Headings follow the council's template; cases appear by reference only; decisions carry their
rationale; actions their owner and dates; both sign-offs with their times.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dialogs.views import RecordView


@dataclass(frozen=True, slots=True)
class RecordDocument:
    council: str
    title: str  # the pack's term: "Record of Supervision"
    supervisor: str
    supervisee: str
    held_at: datetime
    section_titles: Sequence[tuple[str, str]]  # (section id, heading) in template order
    owners: Mapping[int, str]  # staff id -> name, for actions
    zone: ZoneInfo


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "not yet signed"
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Record text is what people typed: escape it, keep their line breaks.
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def record_pdf(record: RecordView, document: RecordDocument) -> bytes:
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=f"{document.title}: {document.supervisee}",
        author=document.council,
        subject="Supervision record (confidential staff record)",
    )
    zone = document.zone
    story: list[object] = [
        Paragraph(escape(f"{document.council}: {document.title}"), styles["Title"]),
        _para("CONFIDENTIAL: staff supervision record", styles["Italic"]),
        Spacer(1, 4 * mm),
        Table(
            [
                ["Supervisor", document.supervisor],
                ["Supervisee", document.supervisee],
                ["Date of supervision", _when(document.held_at, zone)],
                ["Written", _when(record.written_at, zone)],
            ],
            colWidths=(45 * mm, 120 * mm),
            style=TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")]),
        ),
    ]
    for section_id, title in document.section_titles:
        story += [Paragraph(escape(title), heading)]
        story.append(_para(record.sections.get(section_id, "") or "Nothing recorded.", body))
    story.append(Paragraph("Cases discussed", heading))
    refs = ", ".join(record.case_references) or "None"
    story.append(_para(f"{refs} (case references only; notes are on each child's record)", body))
    story.append(Paragraph("Decisions and rationale", heading))
    if not record.decisions:
        story.append(_para("No decisions recorded.", body))
    for decision in record.decisions:
        prefix = f"{decision.case_reference}: " if decision.case_reference else ""
        story.append(_para(f"{prefix}{decision.decision}", styles["Heading4"]))
        story.append(_para(f"Rationale: {decision.rationale}", body))
    story.append(Paragraph("Actions", heading))
    rows = [["Action", "By whom", "By when", "Review"]]
    for action in record.actions:
        rows.append(
            [
                _para(action.description, body),
                document.owners.get(action.owner_id, "—"),
                f"{action.due_date:%d %b %Y}",
                f"{action.review_date:%d %b %Y}" if action.review_date else "",
            ]
        )
    if len(rows) == 1:
        rows.append(["No actions recorded.", "", "", ""])
    story.append(
        Table(
            rows,
            colWidths=(80 * mm, 35 * mm, 25 * mm, 25 * mm),
            repeatRows=1,
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        )
    )
    story.append(Paragraph("Date and time of next meeting", heading))
    story.append(
        _para(_when(record.next_meeting_at, zone) if record.next_meeting_at else "Not set", body)
    )
    story.append(Paragraph("Signed", heading))
    story.append(
        Table(
            [
                ["Supervisor", document.supervisor, _when(record.supervisor_signed_at, zone)],
                ["Supervisee", document.supervisee, _when(record.supervisee_signed_at, zone)],
            ],
            colWidths=(30 * mm, 60 * mm, 75 * mm),
        )
    )
    pdf.build(story)
    return buffer.getvalue()
