"""A readable document of everything held about a person (the JSON export, for people)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from dialogs.outputs.pdf_text import fonts, printable

_TITLES = {
    "person": "Your staff details",
    "absences": "Absences",
    "case_allocations": "Cases allocated to you (references only)",
    "supervision_sessions": "Supervision sessions",
    "supervision_records": "Supervision records",
    "record_case_discussions": "Case discussions in your records",
    "record_decisions": "Decisions in your records",
    "record_actions": "Actions in your records",
    "informal_supervision": "Informal supervision",
    "manager_decisions": "Manager decisions you made or that concern your cases",
    "over_cap_approvals": "Over-cap allocation approvals",
    "access_log": "Who looked at or changed your information",
}


def _line(entry: dict[str, Any]) -> str:
    return "; ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in entry.items() if v not in (None, "", {}, [])
    )


def person_pdf(data: dict[str, Any], organisation: str) -> bytes:
    # The shipped DejaVu Sans, as the record PDF: a Welsh or Polish name is not boxes here
    # either (issue 23 item 4).
    font, bold = fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        if isinstance(style, ParagraphStyle):
            strong = style.name == "Title" or style.name.startswith("Heading")
            style.fontName = bold if strong or "Bold" in style.fontName else font
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        title="Information held about you",
        author=organisation,
        initialFontName=font,
    )
    name = data["person"].get("name", "")
    story: list[object] = [
        Paragraph(
            escape(printable(f"{organisation}: information held about {name}")), styles["Title"]
        ),
        Paragraph("Prepared in answer to a subject access request.", styles["Italic"]),
        Spacer(1, 4 * mm),
    ]
    for key, title in _TITLES.items():
        value = data.get(key)
        story.append(Paragraph(escape(title), styles["Heading2"]))
        entries = [value] if isinstance(value, dict) else list(value or [])
        if not entries:
            story.append(Paragraph("None held.", styles["BodyText"]))
        for entry in entries:
            story.append(Paragraph(escape(printable(_line(entry))), styles["BodyText"]))
    document.build(story)
    return buffer.getvalue()
