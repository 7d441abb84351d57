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
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dialogs.flows.record_plan import NEXT_MEETING
from dialogs.i18n import _, format_clock, format_day
from dialogs.outputs.pdf_text import fonts, printable
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
    # The template's words for an action's success column (LAM 004:547,606).
    action_success: str = "I will know this works when"


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return _("not yet signed")
    local = moment.astimezone(zone)
    return f"{format_day(local.date())}, {format_clock(local)}"


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Record text is what people typed: escape it, keep their line breaks, and spell out what
    # the font cannot draw (an emoji printed as an empty box says nothing).
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def record_pdf(record: RecordView, document: RecordDocument) -> bytes:
    font, bold = fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        if isinstance(style, ParagraphStyle):
            strong = style.name == "Title" or style.name.startswith("Heading")
            style.fontName = bold if strong or "Bold" in style.fontName else font
    body, heading = styles["BodyText"], styles["Heading2"]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title=f"{document.title}: {document.supervisee}",
        author=document.council,
        subject=_("Supervision record (confidential staff record)"),
        initialFontName=font,  # no base-14 Helvetica (WinAnsi) left in the page's fonts
    )
    zone = document.zone
    cell = ParagraphStyle("cell", parent=body, spaceBefore=0, spaceAfter=0)
    story: list[object] = [
        _para(f"{document.council}: {document.title}", styles["Title"]),
        _para(_("CONFIDENTIAL: staff supervision record"), styles["Italic"]),
        Spacer(1, 4 * mm),
        Table(
            [
                [_("Supervisor"), _para(document.supervisor, cell)],
                [_("Supervisee"), _para(document.supervisee, cell)],
                [_("Date of supervision"), _when(document.held_at, zone)],
                [_("Written"), _when(record.written_at, zone)],
            ],
            colWidths=(45 * mm, 120 * mm),
            style=TableStyle(
                [("FONTNAME", (0, 0), (0, -1), bold), ("FONTNAME", (1, 0), (1, -1), font)]
            ),
        ),
    ]
    # What the record holds in structured form, printed under the template's own heading where
    # the template has one (DCC 000:271-276: next meeting, signatures), else at the end.
    structured = {
        "decisions": (_("Decisions and rationale"), _decisions(record, styles, body)),
        "actions": (_("Actions"), _actions(record, document, body, font, bold)),
        NEXT_MEETING: (
            _("Date and time of next meeting"),
            [
                _para(
                    _when(record.next_meeting_at, zone) if record.next_meeting_at else _("Not set"),
                    body,
                )
            ],
        ),
        "signatures": (_("Signed"), _signatures(record, document, cell, font)),
    }
    printed: set[str] = set()
    for section_id, title in document.section_titles:
        story.append(_para(title, heading))
        if section_id in structured:
            story += structured[section_id][1]
            printed.add(section_id)
            continue
        story.append(_para(record.sections.get(section_id, "") or _("Nothing recorded."), body))
    story.append(_para(_("Cases discussed"), heading))
    refs = ", ".join(record.case_references) or _("None")
    story.append(
        _para(
            _("{references} (case references only; notes are on each child's record)").format(
                references=refs
            ),
            body,
        )
    )
    for key, (title, flowables) in structured.items():
        if key not in printed:
            story += [_para(title, heading), *flowables]
    pdf.build(story)
    return buffer.getvalue()


def _decisions(record: RecordView, styles: StyleSheet1, body: ParagraphStyle) -> list[object]:
    if not record.decisions:
        return [_para(_("No decisions recorded."), body)]
    story: list[object] = []
    for decision in record.decisions:
        prefix = f"{decision.case_reference}: " if decision.case_reference else ""
        story.append(_para(f"{prefix}{decision.decision}", styles["Heading4"]))
        story.append(_para(_("Rationale: {rationale}").format(rationale=decision.rationale), body))
    return story


def _actions(
    record: RecordView, document: RecordDocument, body: ParagraphStyle, font: str, bold: str
) -> list[object]:
    rows: list[list[object]] = [[_("Action"), _("By whom"), _("By when"), _("Review")]]
    for action in record.actions:
        # LAM 004:547,606: "I will know this works when?" with the action it belongs to.
        what = action.description + (
            f"\n{document.action_success}: {action.success}" if action.success else ""
        )
        rows.append(
            [
                _para(what, body),
                _para(document.owners.get(action.owner_id, "—"), body),
                format_day(action.due_date),
                format_day(action.review_date) if action.review_date else "",
            ]
        )
    if len(rows) == 1:
        rows.append([_("No actions recorded."), "", "", ""])
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTNAME", (0, 0), (-1, 0), bold),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    return [Table(rows, colWidths=(80 * mm, 35 * mm, 25 * mm, 25 * mm), repeatRows=1, style=style)]


def _signatures(
    record: RecordView, document: RecordDocument, cell: ParagraphStyle, font: str
) -> list[object]:
    zone = document.zone
    rows = [
        [
            _("Supervisor"),
            _para(document.supervisor, cell),
            _when(record.supervisor_signed_at, zone),
        ],
        [
            _("Supervisee"),
            _para(document.supervisee, cell),
            _when(record.supervisee_signed_at, zone),
        ],
    ]
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), font)])
    return [Table(rows, colWidths=(30 * mm, 60 * mm, 75 * mm), style=style)]
